#include "tasks/holdout.h"

#include <cctype>
#include <string_view>

#include "tasks/selfplay/selfplay_tasks.h"
#include "tasks/suite.h"

namespace r1 {
namespace {

// The task's problem key: its family's, or for a task no generator made (self-play's, a
// dataset's) the program task key it may have ("" if none).
std::string key_of(const Task& task, const TaskGenerator* gen) {
  return gen ? gen->problem_key(task) : program_problem_key(task);
}

// The rolling hash of a window of w bytes: h = sum of b[i] * kBase^(w - 1 - i), mod 2^64.
constexpr uint64_t kBase = 1099511628211ull;

uint64_t window_hash(std::string_view w) {
  uint64_t h = 0;
  for (unsigned char c : w) h = h * kBase + c;
  return h;
}

bool word_char(unsigned char c) {
  return std::isalnum(c) || c >= 0x80;
}

}  // namespace

std::string problem_text_key(const std::string& prompt) {
  // Commands read as nothing (spacing, delimiters, sizing, text wrappers; their braces go with
  // every other brace) or as another. A command word matches only whole: "\rightarrow" is not
  // "\right" + "arrow".
  static const std::pair<std::string_view, std::string_view> kCommands[] = {
      {"\\displaystyle", ""}, {"\\qquad", " "},      {"\\quad", " "},
      {"\\left", ""},         {"\\right", ""},       {"\\text", " "},
      {"\\mathrm", " "},      {"\\mbox", " "},       {"\\dfrac", "\\frac"},
      {"\\tfrac", "\\frac"},  {"\\leq", "\\le"},     {"\\geq", "\\ge"},
      {"\\ldots", "\\dots"},  {"\\cdots", "\\dots"}, {"\\dbinom", "\\binom"},
      {"\\tbinom", "\\binom"}};
  // UTF-8 sequences read as ASCII: typographic quotes and dashes, the minus sign, and spaces
  // (no-break, thin, narrow no-break; zero-width ones as nothing); a degree sign as LaTeX's.
  static const std::pair<std::string_view, std::string_view> kUnicode[] = {
      {"\xe2\x80\x98", "'"},  {"\xe2\x80\x99", "'"}, {"\xe2\x80\x9c", "\""}, {"\xe2\x80\x9d", "\""},
      {"\xe2\x80\x93", "-"},  {"\xe2\x80\x94", "-"}, {"\xe2\x88\x92", "-"},  {"\xc2\xa0", " "},
      {"\xe2\x80\x89", " "},  {"\xe2\x80\xaf", " "}, {"\xe2\x80\x8b", ""},   {"\xef\xbb\xbf", ""},
      {"\xc2\xb0", "^\\circ"}};
  auto starts = [&](size_t i, std::string_view w) { return prompt.compare(i, w.size(), w) == 0; };
  std::string text;
  text.reserve(prompt.size());
  for (size_t i = 0; i < prompt.size();) {
    const char c = prompt[i];
    if (c == '\\' && i + 1 < prompt.size()) {
      const char n = prompt[i + 1];
      if (n == '\\') {  // a line break: a space
        text += ' ';
        i += 2;
        continue;
      }
      if (std::string_view(",;:! ()[]").find(n) != std::string_view::npos) {
        text += ' ';  // spacing and math delimiters
        i += 2;
        continue;
      }
      if (std::string_view("$%&#_{}").find(n) != std::string_view::npos) {
        i += 1;  // an escaped character is the character
        continue;
      }
    }
    // The entry of `table` that starts at i (a command only as a whole word).
    auto replace = [&](const auto& table, bool word) {
      for (const auto& [from, as] : table) {
        const size_t end = i + from.size();
        if (starts(i, from) && (!word || end >= prompt.size() ||
                                !std::isalpha(static_cast<unsigned char>(prompt[end])))) {
          text += as;
          i = end;
          return true;
        }
      }
      return false;
    };
    if (c == '\\' && replace(kCommands, true)) continue;
    if (static_cast<unsigned char>(c) >= 0x80 && replace(kUnicode, false)) continue;
    if (c == '*' && i + 1 < prompt.size() && prompt[i + 1] == '*') {
      i += 2;  // markdown's bold
      continue;
    }
    if (c == '$' || c == '{' || c == '}' || c == '~') {
      text += c == '~' ? " " : "";  // math marks, and braces: \frac{1}{2} is \frac12
      ++i;
      continue;
    }
    text += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    ++i;
  }
  // One space between two word characters, and between a point and a digit ("2. 5 points" is
  // not "2.5 points"); none elsewhere.
  std::string out;
  out.reserve(text.size());
  bool space = false;
  for (char c : text) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      space = true;
      continue;
    }
    const bool keep =
        !out.empty() && ((word_char(out.back()) && word_char(c)) ||
                         (out.back() == '.' && std::isdigit(static_cast<unsigned char>(c))));
    if (space && keep) out += ' ';
    space = false;
    out += c;
  }
  // The end's punctuation: a copy may leave out the question mark (not "!", a factorial).
  while (!out.empty() && (out.back() == '.' || out.back() == '?')) out.pop_back();
  return out;
}

bool Holdout::holds_text(const std::string& key) const {
  if (texts_.count(key)) return true;
  // After a label of a few words ("question:", "problem 3:").
  if (const size_t colon = key.find(':'); colon != std::string::npos && colon <= 24) {
    bool label = true;
    for (size_t i = 0; i < colon; ++i) label = label && (word_char(key[i]) || key[i] == ' ');
    if (label && texts_.count(key.substr(colon + 1))) return true;
  }
  for (const Contained& index : contained_)
    if (holds(index, key)) return true;
  return false;
}

bool Holdout::holds(const Contained& index, const std::string& key) {
  const size_t w = index.window;
  if (index.texts.empty() || key.size() < w) return false;
  uint64_t top = 1;  // kBase^(w - 1)
  for (size_t i = 1; i < w; ++i) top *= kBase;
  auto digit = [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; };
  // Whether key[at...] carries on an expression: an operator (\cdot, \times, \div, \pm among
  // them), a factorial or percent, or a point, comma or bracket and a digit ("(3)"; not "(show
  // your work)"); "=" before "?" or the end asks for the value.
  auto goes_on = [&](size_t at) {
    if (at >= key.size()) return false;
    const char c = key[at];
    if (c == '=') return at + 1 < key.size() && key[at + 1] != '?';
    if (c == '\\') {
      for (std::string_view op : {"\\cdot", "\\times", "\\div", "\\pm"})
        if (key.compare(at, op.size(), op) == 0) return true;
      return false;
    }
    if (std::string_view("+-*/^_!%").find(c) != std::string_view::npos) return true;
    return (c == '.' || c == ',' || c == '(') && at + 1 < key.size() && digit(key[at + 1]);
  };
  // ... and whether key[...at) leads into one: an operator, or a digit and a point or comma.
  auto leads_in = [&](size_t at) {
    if (at == 0) return false;
    const char c = key[at - 1];
    if (std::string_view("+-*/^_=").find(c) != std::string_view::npos) return true;
    return (c == '.' || c == ',') && at >= 2 && digit(key[at - 2]);
  };
  // A text's end that an expression can carry on: a digit, a bracket, a lone letter (x, not a
  // word).
  auto open_end = [&](const std::string& t, bool back) {
    const char c = back ? t.back() : t.front();
    if (digit(c) || (back && (c == ')' || c == ']')) || (!back && (c == '(' || c == '[')))
      return true;
    if (!std::isalpha(static_cast<unsigned char>(c))) return false;
    const size_t n = t.size();
    return n < 2 || !std::isalpha(static_cast<unsigned char>(back ? t[n - 2] : t[1]));
  };
  uint64_t h = window_hash(std::string_view(key).substr(0, w));
  for (size_t at = 0;; ++at) {
    auto [lo, hi] = index.texts.equal_range(h);
    for (auto it = lo; it != hi; ++it) {
      const std::string& held = it->second.key;
      if (it->second.anchor > at) continue;
      const size_t start = at - it->second.anchor, end = start + held.size();
      if (end > key.size() || key.compare(start, held.size(), held) != 0) continue;
      // Whole words and expressions only: "...numbers 13, 5" does not hold "3, 5...", nor
      // "t = 2.5" or "x = 5 - y" or "5/2" or "(u+6)^2" "... = 5" or "(u+6)", nor "1,200 pounds" or
      // "-200 pounds" "200 pounds".
      const char before = start > 0 ? key[start - 1] : ' ',
                 after = end < key.size() ? key[end] : ' ';
      const bool starts = !(word_char(before) && word_char(held.front())) &&
                          !(open_end(held, false) && leads_in(start));
      const bool ends =
          !(word_char(after) && word_char(held.back())) && !(open_end(held, true) && goes_on(end));
      if (starts && ends) return true;
    }
    if (at + w >= key.size()) return false;
    h = (h - top * static_cast<unsigned char>(key[at])) * kBase +
        static_cast<unsigned char>(key[at + w]);
  }
}

Holdout::Holdout(const std::string& suites) : suites_(suites) {
  if (suites.empty()) return;
  for (const SuiteSpec& spec : parse_suites(suites)) {
    std::unique_ptr<TaskGenerator> gen;
    if (!spec.family.empty()) gen = make_generator(spec.family);
    for (const Task& t : load_suite(spec)) {
      std::string key = key_of(t, gen.get());
      prompts_.insert(prompt_key(t.prompt));
      ++tasks_;
      // A generated task's text too: a training task without its family (an SFT line without
      // its task, a dataset's) is matched by text alone, and a copy with a label, an instruction
      // or a chat template around it is the same problem (an audit: only equal prompts were).
      if (gen)
        for (const std::string& text : gen->problem_texts(t)) add_text(text);
      if (!key.empty()) {
        hashes_.insert(problem_key_hash(key));
        problems_.insert(std::move(key));
      } else if (!gen) {
        add_texts(t);
      }
    }
  }
}

void Holdout::add_text(const std::string& prompt) {
  std::string text = problem_text_key(prompt);
  if (text.empty() || !texts_.insert(text).second) return;
  for (Contained& index : contained_) {
    if (text.size() < index.window) continue;
    const size_t anchor = (text.size() - index.window) / 2;
    const uint64_t h = window_hash(std::string_view(text).substr(anchor, index.window));
    index.texts.emplace(h, HeldText{std::move(text), anchor});
    return;
  }
}

// A dataset's problem in words: its prompt, and the part of it that is the problem where the
// prompt adds to it: MBPP's text (its prompt shows a test), HumanEval's code from its first
// `def` (a copy without the prompt's imports).
void Holdout::add_texts(const Task& t) {
  add_text(t.prompt);
  if (t.family == "mbpp" && t.meta.is_object() && t.meta.contains("text") &&
      t.meta["text"].is_string())
    add_text(t.meta["text"].get<std::string>());
  const size_t def = t.prompt.rfind("def ", 0) == 0 ? 0 : t.prompt.find("\ndef ");
  if (def != 0 && def != std::string::npos) add_text(t.prompt.substr(def + 1));
}

bool Holdout::contains(const Task& task, const TaskGenerator* gen) const {
  if (empty()) return false;
  if (gen) {
    for (const std::string& key : gen->problem_keys(task))
      if (contains_key(key)) return true;
  } else if (contains_key(key_of(task, gen))) {
    return true;
  }
  for (const std::string& hash : shown_problem_hashes(task))
    if (hashes_.count(hash)) return true;
  if (prompts_.count(prompt_key(task.prompt))) return true;
  // A task in words (a dataset's, an SFT line's) against the held-out problems' texts; a program
  // task's text is code, where case and spacing inside strings matter.
  // Self-play's tasks are programs too (a proposal's prompt shows references).
  if (texts_.empty() || gen || task.family == "selfplay" || !program_problem_key(task).empty())
    return false;
  return holds_text(problem_text_key(task.prompt));
}

}  // namespace r1
