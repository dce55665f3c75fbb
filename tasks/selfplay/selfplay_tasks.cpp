#include "tasks/selfplay/selfplay_tasks.h"

#include <algorithm>
#include <cctype>

#include "core/error.h"
#include "tasks/families/pyoutput.h"
#include "tasks/generator.h"
#include "tasks/pyvalue.h"

namespace r1 {

namespace {

constexpr const char* kFamily = "selfplay";

const char* kRules =
    "Rules: f is deterministic; it imports only math, cmath, itertools, functools, "
    "collections, string, re, heapq, bisect, operator, fractions, statistics, copy or array; no "
    "name starts with _; it returns plain values "
    "(numbers, strings, lists, tuples, dicts, sets). Make it new, and hard enough that a solver "
    "sometimes fails.";

std::string trim_copy(std::string_view s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return "";
  size_t e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

// An induction task shows this many of a triplet's pairs, and hides the rest.
size_t induction_shown(size_t pairs) {
  return std::max<size_t>(1, pairs / 2);
}

std::string call_text(const Triplet& t, size_t i) {
  return cat(t.entry, "(", t.inputs[i], ")");
}

json base_meta(const Triplet& t, const char* role, SelfPlayKind kind) {
  return {{"role", role},     {"kind", selfplay_kind_name(kind)},
          {"key", t.key},     {"program_key", t.program_key},
          {"entry", t.entry}, {"origin", t.origin}};
}

std::string block(const char* tag, const std::string& body) {
  return cat("<", tag, ">\n", body, "\n</", tag, ">");
}

std::string inline_block(const char* tag, const std::string& body) {
  return cat("<", tag, ">", body, "</", tag, ">");
}

// The content between the first <tag> at or after `from` and its </tag>; `from` moves past it.
std::optional<std::string> take_block(std::string_view text, const std::string& tag, size_t* from) {
  const std::string open = "<" + tag + ">", close = "</" + tag + ">";
  size_t b = text.find(open, *from);
  if (b == std::string_view::npos) return std::nullopt;
  b += open.size();
  size_t e = text.find(close, b);
  if (e == std::string_view::npos) return std::nullopt;
  *from = e + close.size();
  return std::string(text.substr(b, e - b));
}

// `text` with every whole-word occurrence of `from` replaced by `to`.
std::string rename_word(const std::string& text, const std::string& from, const std::string& to) {
  auto ident = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    size_t at = text.find(from, i);
    if (at == std::string::npos || from.empty()) {
      out += text.substr(i);
      break;
    }
    const bool whole = (at == 0 || !ident(text[at - 1])) &&
                       (at + from.size() == text.size() || !ident(text[at + from.size()]));
    out += text.substr(i, at - i);
    out += whole ? to : from;
    i = at + from.size();
  }
  return out;
}

}  // namespace

const char* selfplay_kind_name(SelfPlayKind k) {
  switch (k) {
    case SelfPlayKind::Deduction:
      return "deduction";
    case SelfPlayKind::Abduction:
      return "abduction";
    case SelfPlayKind::Induction:
      return "induction";
  }
  return "?";
}

SelfPlayKind parse_selfplay_kind(const std::string& name, const std::string& where) {
  for (auto k : {SelfPlayKind::Deduction, SelfPlayKind::Abduction, SelfPlayKind::Induction}) {
    if (name == selfplay_kind_name(k)) return k;
  }
  fail(where, ": unknown self-play task kind '", name,
       "' (expected deduction, abduction or induction)");
}

bool echo_solvable(const Triplet& t, SelfPlayKind kind, size_t i, const std::vector<bool>& given) {
  if (kind == SelfPlayKind::Induction || i >= t.inputs.size() || i >= t.outputs.size())
    return false;
  const std::vector<bool>& fixed = given.empty() ? t.fixed_points : given;
  const std::string out = trim_copy(t.outputs[i]);
  const std::string in = trim_copy(t.inputs[i]);
  // f(x) == x: both kinds answer themselves; so does f(a, b) == (a, b), since "2, 5" read as a
  // deduction answer is the tuple (2, 5), and as an abduction answer the arguments 2, 5.
  if (in == out || cat("(", in, ")") == out) return true;
  if (kind == SelfPlayKind::Deduction) return false;
  if (i < fixed.size() && fixed[i]) return true;
  for (size_t j = 0; j < t.inputs.size() && j < t.outputs.size(); ++j)
    if (trim_copy(t.inputs[j]) == out && trim_copy(t.outputs[j]) == out) return true;
  return false;
}

bool every_pair_echo_solvable(const Triplet& t, SelfPlayKind kind) {
  if (kind == SelfPlayKind::Induction || t.inputs.empty()) return false;
  for (size_t i = 0; i < t.inputs.size(); ++i)
    if (!echo_solvable(t, kind, i)) return false;
  return true;
}

namespace {
std::string normal_program(const std::string& program, const std::string& entry) {
  return prompt_key(entry.empty() || entry == "f" ? program : rename_word(program, entry, "f"));
}
}  // namespace

// The deduction and abduction keys of pair i: a task on it shows one side and trains the other.
std::vector<std::string> pair_problem_keys(const Triplet& t, size_t i) {
  const std::string program = normal_program(t.program, t.entry);
  return {deduction_problem_key(t.program, t.entry, t.inputs[i]),
          cat("abduction|", program, "|", prompt_key(t.outputs[i]))};
}

std::string deduction_problem_key(const std::string& program, const std::string& entry,
                                  const std::string& input) {
  return cat("deduction|", normal_program(program, entry), "|", prompt_key(input));
}

namespace {
// meta.problem_keys of a task that shows t's program and its pairs `shown`: the hashes of the
// program's write key and of those pairs' keys (tasks/holdout.h).
void add_shown_keys(json& keys, const Triplet& t, const std::vector<size_t>& shown) {
  keys.push_back(problem_key_hash(program_to_write_key(t.program, t.entry)));
  for (size_t i : shown)
    if (i < t.inputs.size() && i < t.outputs.size())
      for (const std::string& k : pair_problem_keys(t, i)) keys.push_back(problem_key_hash(k));
}
}  // namespace

Task make_solve_task(const Triplet& t, SelfPlayKind kind, Rng& rng,
                     const std::vector<bool>& fixed) {
  R1_CHECK(!t.inputs.empty() && t.inputs.size() == t.outputs.size(), "self-play: triplet ", t.key,
           " has no input/output pairs");
  Task task;
  task.family = kFamily;
  task.verifier = "program";
  task.entry_point = t.entry;
  task.meta = base_meta(t, "solve", kind);
  const std::string program = trim_copy(t.program);
  if (kind == SelfPlayKind::Induction) {
    R1_CHECK(t.inputs.size() >= 2, "self-play: induction needs at least two pairs (triplet ", t.key,
             ")");
    std::vector<size_t> order(t.inputs.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    rng.shuffle(order);
    const size_t shown = induction_shown(order.size());
    json shown_pairs = json::array(), hidden_pairs = json::array();
    std::vector<size_t> shown_at;
    std::string examples;
    for (size_t j = 0; j < order.size(); ++j) {
      const size_t i = order[j];
      json pair = {{"input", t.inputs[i]}, {"output", t.outputs[i]}};
      if (j < shown) {
        shown_at.push_back(i);
        examples += cat(call_text(t, i), " == ", t.outputs[i], "\n");
        shown_pairs.push_back(std::move(pair));
      } else {
        hidden_pairs.push_back(std::move(pair));
      }
    }
    task.prompt = cat("Induction: write a Python function ", t.entry,
                      " that gives these outputs. It is also tested on inputs not shown.\n",
                      t.message.empty() ? "" : cat("Hint: ", t.message, "\n"), "\n", examples,
                      "\nGive the whole program (def ", t.entry, "...) in the answer.");
    task.meta["shown"] = std::move(shown_pairs);
    task.meta["hidden"] = std::move(hidden_pairs);
    json keys = json::array();
    add_shown_keys(keys, t, shown_at);  // what it shows; the hidden pairs only test
    task.meta["problem_keys"] = std::move(keys);
    task.answer = program;
    task.id = cat(kFamily, "-induction-", t.key);
    return task;
  }
  size_t i = rng.below(t.inputs.size());
  if (echo_solvable(t, kind, i, fixed)) {
    std::vector<size_t> others;
    for (size_t j = 0; j < t.inputs.size(); ++j)
      if (!echo_solvable(t, kind, j, fixed)) others.push_back(j);
    if (others.empty())
      task.meta["echo_solvable"] = true;
    else
      i = others[rng.below(others.size())];
  }
  task.meta["program"] = t.program;
  task.meta["input"] = t.inputs[i];
  task.meta["output"] = t.outputs[i];
  json keys = json::array();
  add_shown_keys(keys, t, {i});
  task.meta["problem_keys"] = std::move(keys);
  if (kind == SelfPlayKind::Deduction) {
    task.prompt = cat("Deduction: what does this Python program return for ", call_text(t, i),
                      "?\n\n", block("program", program),
                      "\n\nGive the returned value as a Python literal in the answer.");
    task.answer = t.outputs[i];
  } else {
    task.prompt = cat("Abduction: find arguments for which this Python program's ", t.entry,
                      " returns the given output.\n\n", block("program", program), "\n",
                      inline_block("output", t.outputs[i]),
                      "\n\nGive the arguments as Python literals separated by commas (as in ",
                      t.entry, "(...)) in the answer.");
    task.answer = t.inputs[i];
  }
  task.id = cat(kFamily, "-", selfplay_kind_name(kind), "-", t.key, "-", i);
  return task;
}

std::string program_to_write_key(const std::string& program, const std::string& entry) {
  return cat("write|", normal_program(program, entry));
}

std::string program_problem_key(const Task& task) {
  const json& m = task.meta;
  // Any meta may come here (an SFT line's task): a field of another type is no key.
  auto text = [&](const char* key) {
    return m.is_object() && m.contains(key) && m[key].is_string() ? m[key].get<std::string>()
                                                                  : std::string();
  };
  if (text("role") != "solve") return "";
  const std::string kind = text("kind");
  const std::string entry = text("entry");
  if (kind == "induction")
    return task.answer.empty() ? "" : program_to_write_key(task.answer, entry);
  const std::string program = text("program");
  if (program.empty()) return "";
  if (kind == "deduction")
    return cat("deduction|", normal_program(program, entry), "|", prompt_key(text("input")));
  if (kind == "abduction")
    return cat("abduction|", normal_program(program, entry), "|", prompt_key(text("output")));
  return "";
}

std::vector<std::string> triplet_problem_keys(const Triplet& t) {
  std::vector<std::string> keys = {cat("write|", normal_program(t.program, t.entry))};
  for (size_t i = 0; i < t.inputs.size() && i < t.outputs.size(); ++i)
    for (std::string& k : pair_problem_keys(t, i)) keys.push_back(std::move(k));
  return keys;
}

Task make_propose_task(const std::vector<const Triplet*>& refs, SelfPlayKind kind, int n_inputs) {
  R1_CHECK(n_inputs >= 1, "self-play: a proposal needs at least one input");
  Task task;
  task.family = kFamily;
  task.verifier = "proposal";
  task.entry_point = "f";
  std::string what;
  switch (kind) {
    case SelfPlayKind::Deduction:
      what = "A solver sees f and one input and predicts the output.";
      break;
    case SelfPlayKind::Abduction:
      what = "A solver sees f and one output and finds an input for it.";
      break;
    case SelfPlayKind::Induction:
      what =
          "A solver sees half of the input/output pairs and your <message> (a hint, not the "
          "code), and writes f; the other pairs test it.";
      break;
  }
  std::string shown;
  json ref_keys = json::array(), ref_program_keys = json::array(), problem_keys = json::array();
  for (size_t r = 0; r < refs.size(); ++r) {
    const Triplet& t = *refs[r];
    shown += cat("\nReference ", r + 1, ":\n", block("program", trim_copy(t.program)), "\n");
    std::vector<size_t> shown_at;
    for (size_t i = 0; i < t.inputs.size() && i < 2; ++i) {
      shown += cat(inline_block("input", t.inputs[i]), " -> ", inline_block("output", t.outputs[i]),
                   "\n");
      shown_at.push_back(i);
    }
    add_shown_keys(problem_keys, t, shown_at);
    ref_keys.push_back(t.key);
    ref_program_keys.push_back(t.program_key);
  }
  std::string form = "<program>def f(...): ...</program>";
  for (int i = 0; i < n_inputs; ++i) form += "<input>args</input>";
  if (kind == SelfPlayKind::Induction) form += "<message>hint</message>";
  task.prompt =
      cat("Propose a ", selfplay_kind_name(kind), " task: a new Python function f and ", n_inputs,
          n_inputs == 1 ? " input" : " distinct inputs", ". ", what, "\n", kRules, "\n", shown,
          "\nAnswer as ", form, "; args are Python literals separated by commas.");
  task.answer = "";  // a proposal has no gold answer: the sandbox judges it
  task.meta = {{"role", "propose"},
               {"kind", selfplay_kind_name(kind)},
               {"n_inputs", n_inputs},
               {"ref_keys", std::move(ref_keys)},
               {"ref_program_keys", std::move(ref_program_keys)},
               {"problem_keys", std::move(problem_keys)}};
  std::string ids;
  for (const Triplet* t : refs) ids += t->key.substr(0, 6);
  task.id = cat(kFamily, "-propose-", selfplay_kind_name(kind), "-", ids);
  return task;
}

std::optional<Proposal> parse_proposal(std::string_view answer, std::string* why) {
  auto no = [&](const char* reason) -> std::optional<Proposal> {
    if (why) *why = reason;
    return std::nullopt;
  };
  size_t at = 0;
  auto program = take_block(answer, "program", &at);
  if (!program) return no("no <program>...</program> block");
  Proposal p;
  p.program = strip_code_fence(*program);
  if (p.program.empty()) return no("the <program> block is empty");
  while (auto in = take_block(answer, "input", &at)) p.inputs.push_back(trim_copy(*in));
  if (p.inputs.empty()) return no("no <input>...</input> block after the program");
  size_t m = 0;
  if (auto msg = take_block(answer, "message", &m)) p.message = trim_copy(*msg);
  return p;
}

namespace {

// A literal's or a message's text as tokens: ASCII words and numbers (a '.' between digits
// stays in a number; letters lower-cased), every other ASCII byte alone, and every other
// character alone ("é"); spaces (no-break ones too), quote marks, the punctuation of
// containers (brackets, commas, ';', '|') and arrows ("2→4" is 2 and 4) are dropped, so that
// `[1, 2]`, `(1,2)`, `1 2` and `'Ab'` / `ab` read the same.
std::vector<std::string> literal_tokens(const std::string& text) {
  auto word_byte = [](unsigned char c) { return c < 0x80 && (std::isalnum(c) || c == '_'); };
  // A non-ASCII character at text[i]: its width, and whether it separates (a space or an arrow).
  auto wide = [&](size_t i, bool* separates) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    size_t w = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    w = std::min(w, text.size() - i);
    uint32_t cp = w == 1 ? c : c & (0x3F >> (w - 1));
    for (size_t k = 1; k < w; ++k)
      cp = (cp << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3F);
    *separates = cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200B) || cp == 0x202F ||
                 cp == 0x205F || cp == 0x3000 || cp == 0xFEFF || (cp >= 0x2190 && cp <= 0x21FF) ||
                 (cp >= 0x27F0 && cp <= 0x27FF);
    return w;
  };
  std::vector<std::string> out;
  for (size_t i = 0; i < text.size();) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) {
      bool separates = false;
      const size_t w = wide(i, &separates);
      if (!separates) out.push_back(text.substr(i, w));
      i += w;
    } else if (std::isspace(c) || std::string_view(",'\"`()[]{};|").find(static_cast<char>(c)) !=
                                      std::string_view::npos) {
      ++i;
    } else if (word_byte(c)) {
      size_t j = i;
      while (j < text.size() && (word_byte(static_cast<unsigned char>(text[j])) ||
                                 (text[j] == '.' && j > i && j + 1 < text.size() &&
                                  std::isdigit(static_cast<unsigned char>(text[j - 1])) &&
                                  std::isdigit(static_cast<unsigned char>(text[j + 1])))))
        ++j;
      std::string word = text.substr(i, j - i);
      for (char& ch : word) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      out.push_back(std::move(word));
      i = j;
    } else {
      out.push_back(std::string(1, text[i++]));
    }
  }
  return out;
}

// Where `part` starts inside `whole`, as a contiguous run of tokens.
std::vector<size_t> token_runs(const std::vector<std::string>& whole,
                               const std::vector<std::string>& part) {
  std::vector<size_t> at;
  if (part.empty() || part.size() > whole.size()) return at;
  for (size_t i = 0; i + part.size() <= whole.size(); ++i)
    if (std::equal(part.begin(), part.end(), whole.begin() + static_cast<std::ptrdiff_t>(i)))
      at.push_back(i);
  return at;
}

}  // namespace

std::string message_leak(const std::string& message, const std::vector<std::string>& inputs,
                         const std::vector<std::string>& outputs) {
  if (message.size() > kMaxMessageBytes)
    return cat("the message has ", message.size(), " bytes (at most ", kMaxMessageBytes, ")");
  const size_t pairs = std::min(inputs.size(), outputs.size());
  if (pairs < 2) return "";  // no induction task is made of it
  // A lookup table passes only when every hidden pair is quoted: fewer quoted pairs than hidden
  // ones give it nothing, and one quoted pair is often an honest hint ("fib(0) is 0").
  const size_t hidden = pairs - induction_shown(pairs);
  const std::vector<std::string> said = literal_tokens(message);
  std::vector<std::string> quoted;
  for (size_t i = 0; i < pairs; ++i) {
    const std::vector<std::string> in = literal_tokens(inputs[i]), out = literal_tokens(outputs[i]);
    const bool single = in.size() == 1 && out.size() == 1;
    bool holds = false;
    for (size_t a : token_runs(said, in)) {
      for (size_t b : token_runs(said, out)) {
        // Two places, not one inside the other ("-1" holds "1"); two single words or numbers
        // only close together, as "f(3) = 9" or "3 gives 9" put them ("adds 3" is a hint).
        const bool apart = a + in.size() <= b || b + out.size() <= a;
        if (apart && (!single || (a > b ? a - b : b - a) <= 4)) holds = true;
      }
    }
    if (holds) quoted.push_back(cat(inputs[i], " -> ", outputs[i]));
  }
  if (quoted.size() < hidden) return "";
  std::string list;
  for (const std::string& q : quoted) list += (list.empty() ? "" : "; ") + q;
  return cat("the message quotes ", quoted.size(), " of the ", pairs, " pairs (", list,
             "), as many as an induction task hides: a lookup table could pass");
}

std::string strip_code_fence(const std::string& text) {
  std::string t = trim_copy(text);
  if (t.rfind("```", 0) != 0) return t;
  size_t eol = t.find('\n');
  if (eol == std::string::npos) return t;
  size_t close = t.rfind("```");
  if (close <= eol) return trim_copy(t.substr(eol + 1));
  return trim_copy(t.substr(eol + 1, close - eol - 1));
}

Triplet pyfunc_triplet(const Task& task, bool with_outputs) {
  Triplet t;
  // The entry renamed to f, as proposals must name it, so the references look like what is
  // asked for (template names are distinctive words; validation checks the result runs).
  t.program =
      rename_word(task.meta.value("canonical_solution", std::string()), task.entry_point, "f");
  for (const json& c : task.meta.value("cases", json::array())) {
    std::string args;
    for (const json& a : c.at("args")) args += (args.empty() ? "" : ", ") + py_repr(a);
    t.inputs.push_back(std::move(args));
    if (with_outputs) t.outputs.push_back(py_repr(c.at("expected")));
  }
  return t;
}

std::vector<Triplet> pyfunc_seed_triplets(size_t n, uint64_t seed) {
  std::vector<Triplet> out;
  for (const Task& task : generate_tasks("pyfunc", n, seed, 0)) {
    Triplet t = pyfunc_triplet(task, false);
    t.origin = "seed:pyfunc";
    t.seed = seed;
    out.push_back(std::move(t));
  }
  return out;
}

std::vector<Triplet> pyoutput_seed_triplets(size_t n, uint64_t seed, int n_inputs,
                                            const Holdout* holdout) {
  std::vector<Triplet> out;
  const auto gen = make_generator("pyoutput");
  for (const Task& task : generate_tasks("pyoutput", n, seed, 0)) {
    if (holdout && holdout->contains(task, gen.get())) continue;
    auto fn = pyoutput_function(task, n_inputs);
    if (!fn) continue;
    Triplet t;
    t.program = std::move(fn->code);
    t.inputs = std::move(fn->inputs);
    t.origin = "seed:pyoutput";
    t.seed = seed;
    out.push_back(std::move(t));
  }
  return out;
}

}  // namespace r1
