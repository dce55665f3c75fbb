#include "tasks/datasets.h"

#include <cctype>
#include <cmath>
#include <set>

#include "core/error.h"
#include "core/fs.h"
#include "core/log.h"
#include "tasks/selfplay/selfplay_tasks.h"

namespace r1 {
namespace {

const char* const kFormats[] = {"gsm8k", "math",    "aime",      "amc",      "humaneval",
                                "mbpp",  "generic", "deduction", "abduction"};

// Reads the fields a format maps, with messages naming the record, and keeps the rest.
class Record {
 public:
  Record(const json& j, const std::string& where) : j_(j), where_(where) {
    if (!j.is_object()) fail(where, ": expected a JSON object, got ", json_type_name(j));
  }
  bool has(const std::string& key) const { return j_.contains(key) && !j_.at(key).is_null(); }
  std::string text(const std::string& key) {
    used_.insert(key);
    if (!j_.contains(key)) fail(where_, ": missing field '", key, "'");
    const json& v = j_.at(key);
    if (!v.is_string())
      fail(where_, ": field '", key, "': expected a string, got ", json_type_name(v));
    return v.get<std::string>();
  }
  std::string text_or(const std::string& key, const std::string& fallback) {
    return has(key) ? text(key) : (used_.insert(key), fallback);
  }
  // An answer may be stored as a number: integral values print without ".0".
  std::string answer(const std::string& key) {
    used_.insert(key);
    if (!j_.contains(key)) fail(where_, ": missing field '", key, "'");
    const json& v = j_.at(key);
    if (v.is_string()) return v.get<std::string>();
    if (v.is_number_integer()) return v.dump();
    if (v.is_number_float()) {
      double d = v.get<double>();
      if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 1e15) {
        return std::to_string(static_cast<long long>(d));
      }
      return v.dump();
    }
    fail(where_, ": field '", key, "': expected a string or number, got ", json_type_name(v));
  }
  std::vector<std::string> texts(const std::string& key) {
    used_.insert(key);
    if (!j_.contains(key) || !j_.at(key).is_array())
      fail(where_, ": field '", key, "': expected an array of strings");
    std::vector<std::string> out;
    for (const auto& v : j_.at(key)) {
      if (!v.is_string())
        fail(where_, ": field '", key, "': expected an array of strings, got an element ",
             json_type_name(v));
      out.push_back(v.get<std::string>());
    }
    return out;
  }
  // A stable id from the record's own id field when it has one.
  std::string id(const std::string& format, const char* key, size_t line) {
    if (has(key)) {
      used_.insert(key);
      const json& v = j_.at(key);
      if (v.is_string()) return v.get<std::string>();
      if (v.is_number_integer()) return cat(format, "-", v.dump());
    }
    return cat(format, "-", line);
  }
  void use(const std::string& key) { used_.insert(key); }
  // An optional array of booleans, `n` of them.
  std::vector<bool> flags(const std::string& key, size_t n) {
    used_.insert(key);
    if (!has(key)) return {};
    const json& v = j_.at(key);
    if (!v.is_array() || v.size() != n)
      fail(where_, ": field '", key, "': expected an array of ", n, " booleans");
    std::vector<bool> out;
    for (const auto& b : v) {
      if (!b.is_boolean())
        fail(where_, ": field '", key, "': expected booleans, got an element ", json_type_name(b));
      out.push_back(b.get<bool>());
    }
    return out;
  }
  // Every field nobody mapped, except copies of the prompt (AIME/AMC repeat it as "question").
  json rest(const std::string& prompt) const {
    json m = json::object();
    for (auto it = j_.begin(); it != j_.end(); ++it) {
      if (used_.count(it.key())) continue;
      if (it->is_string() && it->get<std::string>() == prompt) continue;
      m[it.key()] = *it;
    }
    return m;
  }

 private:
  const json& j_;
  std::string where_;
  std::set<std::string> used_;
};

std::string trim(const std::string& s) {
  size_t a = s.find_first_not_of(" \t\r\n"), b = s.find_last_not_of(" \t\r\n");
  return a == std::string::npos ? "" : s.substr(a, b - a + 1);
}

// GSM8K's <<48/2=24>> notes record the calculator calls of the annotators.
std::string strip_calculator_notes(const std::string& s) {
  std::string out;
  size_t i = 0;
  while (i < s.size()) {
    size_t open = s.find("<<", i);
    if (open == std::string::npos) break;
    size_t close = s.find(">>", open + 2);
    if (close == std::string::npos) break;
    out += s.substr(i, open - i);
    i = close + 2;
  }
  return out + s.substr(i);
}

// The function an MBPP test checks: the first name called in the assert that the reference
// code defines, else the first call that is not a common wrapper (set(...), math.isclose(...)).
std::string tested_function(const std::string& test, const std::string& code) {
  static const std::set<std::string> wrappers = {
      "set",   "sorted", "list", "tuple",     "abs",     "round",        "str",   "int",
      "float", "len",    "dict", "frozenset", "isclose", "math.isclose", "assert"};
  std::vector<std::string> calls;
  for (size_t i = 0; i < test.size();) {
    if (!(std::isalpha(static_cast<unsigned char>(test[i])) || test[i] == '_')) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < test.size() &&
           (std::isalnum(static_cast<unsigned char>(test[j])) || test[j] == '_' || test[j] == '.'))
      ++j;
    if (j < test.size() && test[j] == '(') calls.push_back(test.substr(i, j - i));
    i = j;
  }
  for (const auto& c : calls) {
    if (code.find("def " + c + "(") != std::string::npos) return c;
  }
  for (const auto& c : calls) {
    if (!wrappers.count(c)) return c;
  }
  return "";
}

}  // namespace

std::vector<std::string> dataset_formats() {
  return {std::begin(kFormats), std::end(kFormats)};
}

bool is_dataset_format(const std::string& format) {
  for (const char* f : kFormats) {
    if (format == f) return true;
  }
  return false;
}

std::string last_boxed(const std::string& text) {
  size_t best = std::string::npos, len = 0;
  for (const char* tag : {"\\boxed", "\\fbox"}) {
    size_t p = text.rfind(tag);
    if (p != std::string::npos && (best == std::string::npos || p > best))
      best = p, len = std::char_traits<char>::length(tag);
  }
  if (best == std::string::npos) return "";
  size_t p = best + len;
  while (p < text.size() && text[p] == ' ') ++p;
  if (p >= text.size() || text[p] != '{') return "";
  int depth = 0;
  for (size_t q = p; q < text.size(); ++q) {
    if (text[q] == '{')
      ++depth;
    else if (text[q] == '}' && --depth == 0)
      return text.substr(p + 1, q - p - 1);
  }
  return "";  // unbalanced
}

Task dataset_task(const std::string& format, const json& j, const std::string& where, size_t line) {
  Record r(j, where);
  Task t;
  t.family = format;
  t.difficulty = 0;
  if (format == "gsm8k") {
    t.id = r.id(format, "idx", line);
    t.prompt = r.text("question");
    std::string full = r.text("answer");
    size_t mark = full.rfind("####");
    if (mark == std::string::npos) fail(where, ": field 'answer': no '#### <answer>' line");
    std::string ans = trim(full.substr(mark + 4));
    std::string plain;
    for (char ch : ans) {
      if (ch != ',') plain += ch;
    }
    if (plain.empty()) fail(where, ": field 'answer': nothing after '####'");
    t.answer = plain;
    t.verifier = "math";
    t.meta = r.rest(t.prompt);
    t.meta["solution"] = trim(strip_calculator_notes(full.substr(0, mark)));
  } else if (format == "math") {
    t.id = r.id(format, "unique_id", line);
    t.prompt = r.text("problem");
    std::string solution = r.text_or("solution", "");
    if (r.has("answer")) {
      t.answer = r.answer("answer");
    } else {
      r.use("answer");
      t.answer = last_boxed(solution);
      if (t.answer.empty()) fail(where, ": no field 'answer' and no \\boxed{} in field 'solution'");
    }
    t.verifier = "math";
    t.meta = r.rest(t.prompt);
    if (!solution.empty()) t.meta["solution"] = solution;
  } else if (format == "aime" || format == "amc") {
    t.id = r.id(format, "id", line);
    t.prompt = r.text("problem");
    t.answer = r.answer("answer");
    std::string solution = r.text_or("solution", "");
    t.verifier = "math";
    t.meta = r.rest(t.prompt);
    if (!solution.empty()) t.meta["solution"] = solution;
  } else if (format == "humaneval") {
    std::string task_id = r.text("task_id");
    t.id = task_id;
    t.prompt = r.text("prompt");
    t.tests = r.text("test");
    t.entry_point = r.text("entry_point");
    std::string canonical = r.text_or("canonical_solution", "");
    t.verifier = "python";
    t.meta = r.rest(t.prompt);
    t.meta["task_id"] = task_id;
    if (!canonical.empty()) t.meta["canonical_solution"] = canonical;
  } else if (format == "mbpp") {
    t.id = r.id(format, "task_id", line);
    // The original MBPP calls the task "text"; the sanitized subset calls it "prompt".
    std::string text = r.has("text") || !r.has("prompt") ? r.text("text") : r.text("prompt");
    std::vector<std::string> tests = r.texts("test_list");
    if (tests.empty()) fail(where, ": field 'test_list' is empty");
    std::string setup = r.text_or("test_setup_code", "");
    if (r.has("test_imports")) {
      for (const auto& imp : r.texts("test_imports"))
        setup = setup.empty() ? imp : setup + "\n" + imp;
    }
    std::string code = r.text_or("code", "");
    t.entry_point = tested_function(tests[0], code);
    if (t.entry_point.empty())
      fail(where, ": field 'test_list': cannot find the function called in '", tests[0], "'");
    // The tests are the only place MBPP names the function, so the prompt shows one of them.
    // Only one: the original prompt shows all three, and then a table of their inputs and
    // outputs passes every test (a reward hack a verifier audit found). The others and the
    // challenge tests, where the file has them, stay hidden.
    t.prompt = text + "\nYour code should pass this test, and others like it:\n" + tests[0];
    std::vector<std::string> hidden = tests;
    if (r.has("challenge_test_list"))
      for (auto& c : r.texts("challenge_test_list")) hidden.push_back(std::move(c));
    t.tests = setup.empty() ? "" : setup + "\n";
    for (const auto& s : hidden) t.tests += s + "\n";
    t.verifier = "python";
    t.meta = r.rest(t.prompt);
    t.meta["text"] = text;
    t.meta["test_list"] = tests;
    if (!code.empty()) t.meta["canonical_solution"] = code;
  } else if (format == "generic") {
    t.id = r.id(format, "id", line);
    t.prompt = r.text("prompt");
    t.answer = r.answer("answer");
    t.verifier = r.text_or("verifier", "math");
    t.meta = r.rest(t.prompt);
  } else if (format == "deduction" || format == "abduction") {
    // A triplet file (self-play's form): the program with its first input and output.
    Triplet tr;
    t.id = r.id(format, "id", line);
    tr.program = r.text("program");
    tr.entry = r.text_or("entry", "f");
    tr.inputs = r.texts("inputs");
    tr.outputs = r.texts("outputs");
    if (tr.inputs.empty() || tr.inputs.size() != tr.outputs.size())
      fail(where, ": fields 'inputs' and 'outputs' need the same, nonzero, number of entries");
    // The first pair that does not answer itself (echo_solvable: an input equal to its output,
    // or an output f maps to itself, as the pairs or "fixed_points" say), else the first.
    // tools/mark_fixed_points.py writes "fixed_points", running the programs.
    const std::vector<bool> fixed = r.flags("fixed_points", tr.inputs.size());
    const SelfPlayKind kind =
        format == "deduction" ? SelfPlayKind::Deduction : SelfPlayKind::Abduction;
    size_t first = 0;
    while (first + 1 < tr.inputs.size() && echo_solvable(tr, kind, first, fixed)) ++first;
    // Judged on every pair, before the task keeps one: (-3 -> 3) shows that abs maps 3 to 3.
    const bool every_pair_answers_itself = echo_solvable(tr, kind, first, fixed);
    if (every_pair_answers_itself) first = 0;
    tr.inputs = {tr.inputs[first]};
    tr.outputs = {tr.outputs[first]};
    tr.key = t.id;
    tr.program_key = t.id;
    tr.origin = "dataset";
    Rng unused(0);
    const std::string id = t.id;
    t = make_solve_task(
        tr, kind, unused,
        first < fixed.size() ? std::vector<bool>{fixed[first]} : std::vector<bool>{});
    t.id = id;
    t.family = format;
    if (every_pair_answers_itself) t.meta["echo_solvable"] = true;
    t.meta.update(r.rest(""));
  } else {
    std::string known;
    for (const char* f : kFormats) known += cat(known.empty() ? "" : ", ", f);
    fail("unknown dataset format '", format, "' (known: ", known, ")");
  }
  return t;
}

std::vector<Task> parse_dataset(const std::string& format, const std::string& text,
                                const std::string& where) {
  if (!is_dataset_format(format))
    dataset_task(format, json::object(), where, 0);  // throws, listing formats
  std::vector<Task> out;
  size_t line = 0, pos = 0, answered = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string s = text.substr(pos, end - pos);
    pos = end + 1;
    ++line;
    if (trim(s).empty()) continue;
    std::string at = cat(where, ":", line);
    Task t = dataset_task(format, parse_json(s, at), at, line);
    // A self-play task whose every pair answers itself (an abduction on a function that maps
    // each of its outputs to itself) measures copying, not solving: left out.
    if (t.meta.value("echo_solvable", false)) {
      ++answered;
      continue;
    }
    out.push_back(std::move(t));
  }
  if (answered > 0)
    log_info(where, ": ", answered, " ", format,
             " task(s) left out: copying the prompt's value answers them (echo_solvable)");
  return out;
}

std::string eval_set_look(const std::string& path) {
  std::string lower;
  for (char c : path) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  // Folders, then the file name's words (split at anything but letters and digits).
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t i = 0; i <= lower.size(); ++i) {
    if (i == lower.size() || lower[i] == '/') {
      parts.push_back(lower.substr(start, i - start));
      start = i + 1;
    }
  }
  const std::string file = parts.back();
  parts.pop_back();
  for (const std::string& dir : parts) {
    if (dir == "eval" || dir == "evals" || dir == "test" || dir == "benchmarks")
      return cat("it sits in a folder named '", dir, "'");
  }
  std::vector<std::string> words;
  std::string word;
  for (char c : file + ".") {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      word += c;
    } else if (!word.empty()) {
      words.push_back(std::move(word));
      word.clear();
    }
  }
  for (const std::string& w : words) {
    if (w == "test" || w == "eval") return cat("its name has the word '", w, "'");
  }
  std::string joined;  // the file name's letters and digits: "MATH-500.jsonl" is "math500jsonl"
  for (const std::string& w : words) joined += w;
  for (const char* bench : {"aime", "amc", "math500", "humaneval", "gpqa"}) {
    if (joined.rfind(bench, 0) == 0)
      return cat("its name starts with '", bench, "', a benchmark without a training split");
  }
  return "";
}

std::vector<Task> read_dataset(const std::string& format, const std::string& path) {
  return parse_dataset(format, read_file(path), path);
}

}  // namespace r1
