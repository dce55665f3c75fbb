#include "verifiers/math/extract.h"

#include <algorithm>
#include <cstring>
#include <initializer_list>
#include <unordered_set>

#include "core/ascii.h"
#include "verifiers/math/normalize.h"
#include "verifiers/math/value.h"

namespace r1 {

namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_letter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool one_of(char c, const char* set) {
  return c != '\0' && std::strchr(set, c) != nullptr;
}

bool one_of(std::string_view w, std::initializer_list<std::string_view> words) {
  return std::find(words.begin(), words.end(), w) != words.end();
}

// The name of the LaTeX command at text[i] ('\\' and letters), empty when none starts there.
std::string_view command_at(std::string_view text, size_t i) {
  if (i + 1 >= text.size() || text[i] != '\\' || !is_letter(text[i + 1])) return {};
  size_t j = i + 1;
  while (j < text.size() && is_letter(text[j])) ++j;
  return text.substr(i + 1, j - i - 1);
}

// Where the run of ASCII letters that ends right before text[b] starts (b when none does).
size_t letters_before(std::string_view text, size_t b) {
  while (b > 0 && is_letter(text[b - 1])) --b;
  return b;
}

// Where the bracket that opens at text[i] closes with `close`; npos when it does not.
size_t closing_bracket(std::string_view text, size_t i, char close) {
  const char open = text[i];
  for (int depth = 0; i < text.size(); ++i) {
    depth += text[i] == open ? 1 : text[i] == close ? -1 : 0;
    if (depth == 0) return i;
  }
  return std::string_view::npos;
}

// Where the bracket that closes at text[i] opens with `open`; npos when nothing opens it.
size_t opening_bracket(std::string_view text, size_t i, char open) {
  const char close = text[i];
  for (int depth = 0;; --i) {
    depth += text[i] == close ? 1 : text[i] == open ? -1 : 0;
    if (depth == 0) return i;
    if (i == 0) return std::string_view::npos;
  }
}

// Extends a number whose last digit is text[end-1] backwards; returns where it starts.
size_t number_start(std::string_view t, size_t end) {
  auto digits_back = [&](size_t j) {
    while (j > 0 && is_digit(t[j - 1])) --j;
    return j;
  };
  const size_t digits_start = digits_back(end);
  size_t i = digits_start;
  if (i >= 2 && t[i - 1] == '/' && is_digit(t[i - 2])) {
    i = digits_back(i - 1);  // "3/4": take the numerator too
  } else {
    if (i >= 2 && t[i - 1] == '.' && is_digit(t[i - 2])) i = digits_back(i - 1);  // "12.5"
    // Thousands separators: a comma counts only between digit groups of three ("1,234,567").
    size_t group_end = i;
    while (group_end < t.size() && is_digit(t[group_end])) ++group_end;
    size_t group = group_end - i;
    // ... or spaces, as in SI style ("1 000 000"), but not both in one number.
    for (char sep : {',', ' '}) {
      size_t before = i;
      while (group == 3 && i >= 2 && t[i - 1] == sep && is_digit(t[i - 2])) {
        size_t k = digits_back(i - 1);
        size_t len = i - 1 - k;
        if (len > 3) break;
        i = k;
        group = len;
      }
      if (i != before) break;
    }
    // A leading-dot decimal (".4") after a space, a bracket, a sign or '=' (not "end.4").
    if (i == digits_start && i >= 1 && t[i - 1] == '.' &&
        (i == 1 || one_of(t[i - 2], " \n\t$(=-+:"))) {
      --i;
    }
  }
  // A minus sign belongs to the number unless it is a binary minus ("5-3").
  if (i >= 1 && t[i - 1] == '-') {
    size_t k = i - 1;
    while (k > 0 && t[k - 1] == ' ') --k;
    if (k == 0 || !(is_digit(t[k - 1]) || t[k - 1] == ')')) --i;
  }
  return i;
}

}  // namespace

const char* answer_source_name(AnswerSource s) {
  switch (s) {
    case AnswerSource::AnswerTag:
      return "answer_tag";
    case AnswerSource::Boxed:
      return "boxed";
    case AnswerSource::AnswerIs:
      return "answer_is";
    case AnswerSource::MathMode:
      return "math_mode";
    case AnswerSource::WholeText:
      return "whole_text";
    case AnswerSource::LastNumber:
      return "last_number";
    case AnswerSource::None:
      return "none";
  }
  return "?";
}

namespace {

const char* const kBoxCommands[] = {"\\boxed", "\\fbox"};

// The content of the box whose command ends at `i` ("\boxed{…}" or "\boxed 5"), and where
// it ends; nullopt when its braces do not balance.
std::optional<std::string_view> box_content(std::string_view text, size_t i, size_t* end) {
  while (i < text.size() && text[i] == ' ') ++i;
  if (i < text.size() && text[i] == '{') {
    int depth = 0;
    for (size_t j = i; j < text.size(); ++j) {
      if (text[j] == '\\' && j + 1 < text.size()) {
        ++j;  // \{ and \} do not count as grouping braces
        continue;
      }
      if (text[j] == '{') {
        ++depth;
      } else if (text[j] == '}' && --depth == 0) {
        *end = j + 1;
        return text.substr(i + 1, j - i - 1);
      }
    }
    return std::nullopt;  // unbalanced
  }
  // "\boxed 5": one token up to the next space or '$'.
  size_t j = i;
  while (j < text.size() && text[j] != ' ' && text[j] != '$' && text[j] != '\n') ++j;
  if (j == i) return std::nullopt;
  *end = j;
  return text.substr(i, j - i);
}

// The phrases that state a final answer, case-insensitive: "the answer is 5", "Final answer: 5",
// "Answer: 5", and GSM8K's "#### 5".
constexpr std::string_view kAnswerPhrases[] = {"answer is", "answer:", "####"};

struct Phrase {
  size_t at = std::string_view::npos;
  size_t len = 0;
};

bool phrase_at(std::string_view text, size_t p, std::string_view phrase) {
  if (p + phrase.size() > text.size()) return false;
  for (size_t k = 0; k < phrase.size(); ++k) {
    char c = text[p + k];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != phrase[k]) return false;
  }
  return true;
}

// The next answer phrase starting at or after `from`.
Phrase find_answer_is(std::string_view text, size_t from) {
  for (size_t p = from; p < text.size(); ++p) {
    char c = text[p];
    if (c != 'a' && c != 'A' && c != '#') continue;
    for (std::string_view phrase : kAnswerPhrases) {
      if (phrase_at(text, p, phrase)) return {p, phrase.size()};
    }
  }
  return {};
}

// What an "answer is" at `found` states: up to the end of the line, or a period that ends the
// sentence (not a decimal point). The scan stops at `limit`; `*cut` says whether it got there
// before the statement ended.
std::optional<std::string_view> statement_after(std::string_view text, Phrase found, size_t limit,
                                                bool* cut) {
  size_t i = found.at + found.len;
  while (i < limit && (text[i] == ' ' || text[i] == ':' || text[i] == '*')) ++i;
  size_t j = i;
  while (j < limit && text[j] != '\n') {
    if (text[j] == '.' && (j + 1 == text.size() || text[j + 1] == ' ' || text[j + 1] == '\n'))
      break;
    ++j;
  }
  *cut = j == limit && limit < text.size();
  std::string_view out = trim(text.substr(i, j - i));
  while (!out.empty() && (out.back() == '*' || out.back() == '.')) out.remove_suffix(1);
  if (out.empty()) return std::nullopt;
  return out;
}

}  // namespace

std::vector<std::string_view> boxes_when_closed(std::string_view text) {
  size_t at = std::string_view::npos;
  size_t cmd_len = 0;
  for (const char* cmd : kBoxCommands) {
    size_t p = rfind_text(text, cmd);
    if (p != std::string_view::npos && (at == std::string_view::npos || p > at)) {
      at = p;
      cmd_len = std::strlen(cmd);
    }
  }
  if (at == std::string_view::npos) return {};
  size_t end = 0;
  // A last box left open (a generation cut off) states nothing.
  if (!box_content(text, at + cmd_len, &end)) return {};
  return all_boxed(text);
}

std::optional<std::string_view> last_boxed(std::string_view text) {
  // The box that holds the last one: "\boxed{\frac{1}{\boxed{4}}}" states 1/4, not 4.
  std::vector<std::string_view> all = boxes_when_closed(text);
  if (all.empty()) return std::nullopt;
  return all.back();
}

namespace {

// The length of the box command ("\boxed", "\fbox") at text[i], or 0.
size_t box_command_at(std::string_view text, size_t i) {
  for (const char* cmd : kBoxCommands) {
    size_t n = std::strlen(cmd);
    if (text.compare(i, n, cmd) == 0) return n;
  }
  return 0;
}

}  // namespace

std::vector<std::string_view> all_boxed(std::string_view text) {
  // One pass with a stack of open braces, so a megabyte of unclosed "\boxed{" stays linear.
  struct Content {
    size_t start, end;
  };
  std::vector<Content> boxes;
  std::vector<std::pair<size_t, bool>> open;  // brace position, whether it opens a box
  bool box_next = false;                      // a box command was read; its '{' is next
  constexpr size_t kMaxBareToken = 200;       // "\\boxed 5"
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\\') {
      size_t len = box_command_at(text, i);
      if (len == 0) {
        ++i;  // \{ and \} do not count as grouping braces
        continue;
      }
      size_t j = i + len;
      while (j < text.size() && text[j] == ' ') ++j;
      box_next = j < text.size() && text[j] == '{';
      if (!box_next) {
        size_t e = j;
        auto ends = [&](size_t k) {
          return k == text.size() || text[k] == ' ' || text[k] == '$' || text[k] == '\n';
        };
        while (!ends(e) && e - j < kMaxBareToken) ++e;
        if (e > j && ends(e)) boxes.push_back({j, e});
      }
      i = j - 1;
      continue;
    }
    if (c == '{') {
      open.emplace_back(i, box_next);
    } else if (c == '}' && !open.empty()) {
      if (open.back().second) boxes.push_back({open.back().first + 1, i});
      open.pop_back();
    }
    box_next = false;
  }
  // Boxes were found as they closed: keep the outermost, in the order they start.
  auto by_start = [](const Content& a, const Content& b) { return a.start < b.start; };
  if (!std::is_sorted(boxes.begin(), boxes.end(), by_start))
    std::sort(boxes.begin(), boxes.end(), by_start);
  std::vector<std::string_view> out;
  size_t covered = 0;
  for (const Content& b : boxes) {
    if (!out.empty() && b.start < covered) continue;
    out.push_back(text.substr(b.start, b.end - b.start));
    covered = b.end;
  }
  return out;
}

std::optional<std::string_view> answer_is(std::string_view text) {
  std::vector<std::string_view> all = all_answer_is(text);
  if (all.empty()) return std::nullopt;
  return all.back();
}

namespace {

// "Incorrect answer: 18", "the wrong answer is 18", "not the answer: 18": a phrase that the
// two words before it deny states no answer.
bool denied_phrase(std::string_view text, size_t at) {
  size_t i = at;
  for (int word = 0; word < 2; ++word) {
    while (i > 0 && !is_letter(text[i - 1]) && text[i - 1] != '\n') --i;
    size_t e = i;
    while (i > 0 && is_letter(text[i - 1])) --i;
    if (i == e) return false;
    std::string w(text.substr(i, e - i));
    for (char& c : w) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    for (const char* d : {"wrong", "incorrect", "not", "false", "invalid", "bad", "rejected"}) {
      if (w == d) return true;
    }
  }
  return false;
}

}  // namespace

std::vector<std::string_view> all_answer_is(std::string_view text) {
  std::vector<std::string_view> out;
  Phrase p = find_answer_is(text, 0);
  while (p.at != std::string_view::npos) {
    Phrase next = find_answer_is(text, p.at + p.len);
    // The scan stops at the next phrase, which keeps repeated phrases linear. A statement cut
    // there counts when it holds a number ("the answer is 2 or the answer is 3"), not when it
    // is a run-on ("the answer is the answer is 5").
    bool cut = false;
    auto st = statement_after(text, p, std::min(next.at, text.size()), &cut);
    bool counts = st && (!cut || std::any_of(st->begin(), st->end(), is_digit));
    if (counts && !denied_phrase(text, p.at)) out.push_back(*st);
    p = next;
  }
  return out;
}

namespace {

struct Span {
  size_t start = 0, end = 0;
};

// The numbers of the text from the last backwards, at most `max` of them.
std::vector<Span> numbers_backwards(std::string_view text, size_t max) {
  std::vector<Span> out;
  size_t i = text.size();
  while (out.size() < max) {
    while (i > 0 && !is_digit(text[i - 1])) --i;
    if (i == 0) break;
    size_t start = number_start(text, i);
    out.push_back({start, i});
    i = start;
  }
  return out;
}

// Characters that glue a number to what is around it: letters and digits (a word or an
// identifier: "AZYUK2A", "x2", "H2O"), LaTeX structure ("x^2", "a_1", "\sqrt{5}", "{2}"),
// and non-ASCII bytes (letters of other scripts, Unicode operators).
bool glues(char c) {
  auto u = static_cast<unsigned char>(c);
  return is_letter(c) || is_digit(c) || u >= 0x80 || one_of(c, "_^\\{}|/!&");
}

// "2nd place", "6th": an ordinal is its number.
bool ordinal_suffix(std::string_view rest) {
  for (const char* suffix : {"st", "nd", "rd", "th"}) {
    if (rest.compare(0, 2, suffix) == 0 && (rest.size() == 2 || !is_letter(rest[2]))) return true;
  }
  return false;
}

bool stands_alone(std::string_view t, Span n) {
  if (n.start > 0) {
    char b = t[n.start - 1];
    if (glues(b) || b == '.') return false;
    // "1,23" and "3:45" are one token, not the number 23 or 45.
    if ((b == ',' || b == ':') && n.start >= 2 && is_digit(t[n.start - 2])) return false;
  }
  if (n.end < t.size()) {
    char a = t[n.end];
    std::string_view rest = t.substr(n.end);
    bool per_unit = a == '/' && rest.size() > 1 && is_letter(rest[1]);  // "$2/hour"
    if (glues(a) && !per_unit && !ordinal_suffix(rest)) return false;
    if ((a == '.' || a == ',' || a == ':') && n.end + 1 < t.size() && is_digit(t[n.end + 1]))
      return false;
  }
  return true;
}

// Where the sentence holding position `at` starts: after a line break or a sentence-ending
// '.', '!' or '?' (one followed by a space, so not a decimal point).
size_t sentence_start(std::string_view t, size_t at) {
  for (size_t i = at; i > 0; --i) {
    char c = t[i - 1];
    // A line break ends a sentence unless the line stops mid-sentence ("It is not\n18.").
    if (c == '\n' && (i < 2 || !is_letter(t[i - 2]))) return i;
    if ((c == '.' || c == '!' || c == '?') && i < t.size() && (t[i] == ' ' || t[i] == '\n'))
      return i;
  }
  return 0;
}

std::string lower_word(std::string_view w) {
  std::string out(w);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// Words that make a sentence around a number claim something other than that number:
// negations and comparisons ("not 18", "at least 18"), hedges ("2 or 3", "maybe 3"),
// arithmetic ("half of 18") and scale words ("2 million").
bool changes_the_value(std::string_view word) {
  static const char* const kWords[] = {
      "not",       "no",         "never",       "neither",       "nor",
      "isn",       "isnt",       "aren",        "wasn",          "doesn",
      "don",       "cannot",     "or",          "either",        "between",
      "maybe",     "perhaps",    "possibly",    "probably",      "least",
      "most",      "more",       "less",        "fewer",         "than",
      "over",      "under",      "above",       "below",         "except",
      "without",   "minus",      "plus",        "half",          "twice",
      "double",    "triple",     "hundred",     "hundreds",      "thousand",
      "thousands", "million",    "millions",    "billion",       "billions",
      "trillion",  "trillions",  "dozen",       "dozens",        "alternatively",
      "negative",  "reciprocal", "inverse",     "opposite",      "squared",
      "cubed",     "thirds",     "quarters",    "fourths",       "halves",
      "tenths",    "hundredths", "thousandths", "multiple",      "might",
      "could",     "exceeds",    "exceed",      "approximately", "approx",
      "about",     "around",     "nearly",      "almost",        "roughly",
      "incorrect", "wrong",      "false",       "unless",        "different",
      "differs",   "excluding",  "exclude",     "excluded",      "unequal",
      "guess",     "suppose",    "doubt",       "hardly",        "unlikely",
      "ruled",     "reject",     "rejected",    "discard",       "impossible",
      "nowhere",   "far",        "negation",    "besides",       "untrue",
      "excess",    "upwards",    "upward",      "close",         "circa",
      "tops"};
  std::string w = lower_word(word);
  for (const char* k : kWords) {
    if (w == k) return true;
  }
  if (changes_value(w)) return true;  // "18 sixths", "18 inverses" (normalize.h)
  return false;
}

// Words that, in a sentence around one number, name something computed from it ("the square
// of 18", "3 times 18"). Reasoning uses them freely before its last number ("the square has
// side 4, so ... = 16"), so only a one-number answer sentence checks them.
bool transforms_the_value(std::string_view word) {
  static const char* const kWords[] = {
      "square", "cube",    "root",       "third",    "quarter", "times", "power", "factor",
      "sum",    "product", "difference", "quotient", "if",      "may",   "ratio", "factorial"};
  std::string w = lower_word(word);
  for (const char* k : kWords) {
    if (w == k) return true;
  }
  if (changes_value(w)) return true;  // "18 sixths", "18 inverses" (normalize.h)
  return false;
}

// Whether a word of the text, in lower case, passes `test`.
template <typename Test>
bool any_word(std::string_view text, Test test) {
  return any_ascii_word(
      text, [&](size_t i, size_t j) { return test(lower_word(text.substr(i, j - i))); });
}

bool has_value_word(std::string_view text) {
  return any_word(text, [](const std::string& w) { return changes_the_value(w); });
}

bool has_hedge_word(std::string_view text) {
  return any_word(text, [](const std::string& w) {
    return w == "or" || w == "nor" || w == "maybe" || w == "perhaps" || w == "alternatively" ||
           w == "unsure" || w == "uncertain";
  });
}

// "2 million", "3 dozen": the word after a number scales it.
bool starts_with_scale_word(std::string_view after) {
  size_t i = 0;
  // Spaces, '$' and a text wrapper may come first: "18 \text{ thousand}", "$18$ million".
  for (;;) {
    while (i < after.size() && (after[i] == ' ' || after[i] == '$' || after[i] == '{')) ++i;
    bool wrapper = false;
    for (std::string_view w : {"\\text{", "\\mathrm{", "\\mbox{", "\\textrm{"}) {
      if (after.substr(i, w.size()) == w) {
        i += w.size();
        wrapper = true;
      }
    }
    if (!wrapper) break;
  }
  size_t j = i;
  while (j < after.size() && is_letter(after[j])) ++j;
  return is_scale_word(lower_word(after.substr(i, j - i)));
}

// Whether the text between two numbers lists them as alternatives or a range ("2 or 3",
// "1, 2", "1 to 3") rather than going on from one to the other ("3 apples and 4 pears",
// "9 * 2 = 18").
bool joins_alternatives(std::string_view between) {
  if (between.find('=') != std::string_view::npos) return false;
  bool words = false, separator = false;
  for (size_t i = 0; i < between.size();) {
    char c = between[i];
    if (c == ',' || c == ';') separator = true;
    if (!is_letter(c)) {
      if (c != ' ' && c != ',' && c != ';' && c != '$') words = true;
      ++i;
      continue;
    }
    size_t j = i;
    while (j < between.size() && is_letter(between[j])) ++j;
    std::string w = lower_word(between.substr(i, j - i));
    if (w == "or" || w == "nor" || w == "either" || w == "maybe" || w == "perhaps") return true;
    if (w == "and" || w == "to")
      separator = true;
    else
      words = true;
    i = j;
  }
  return separator && !words;  // only ", ", " and ", " to " between them
}

// A question mark anywhere in the text: ASCII, full-width "？", "‽", "⁇", or an opening "¿".
bool has_question_mark(std::string_view text) {
  if (text.find('?') != std::string_view::npos) return true;
  for (std::string_view mark : {"\xEF\xBC\x9F", "\xE2\x80\xBD", "\xE2\x81\x87", "\xC2\xBF"})
    if (text.find(mark) != std::string_view::npos) return true;
  return false;
}

// Whether `before` (the text before a box and its delimiters) ends with a comparison: one of
// "than", "exceeds", "exceeding", "beyond", or "but" after "anything", "everything" or "all", or
// the sign ≥, ≤ or ≠.
bool compared_right_before(std::string_view before) {
  for (std::string_view sign : {"\xE2\x89\xA5", "\xE2\x89\xA4", "\xE2\x89\xA0"})
    if (before.size() >= sign.size() && before.substr(before.size() - sign.size()) == sign)
      return true;
  const size_t e = before.size();
  size_t s = e;
  while (s > 0 && is_letter(before[s - 1])) --s;
  const std::string word = lower_word(before.substr(s, e - s));
  if (word == "than" || word == "exceeds" || word == "exceeding" || word == "beyond") return true;
  if (word != "but") return false;
  size_t pe = s;
  while (pe > 0 && before[pe - 1] == ' ') --pe;
  size_t ps = pe;
  while (ps > 0 && is_letter(before[ps - 1])) --ps;
  const std::string previous = lower_word(before.substr(ps, pe - ps));
  return previous == "anything" || previous == "everything" || previous == "all";
}

// Whether the value at `start` of free text has a comparison right before it, past spaces,
// '$' and '(' ("anything but 18", "more than $18$"); words further back compare something
// else ("She eats all but the crust, so she has 18 left.").
bool compared_before_value(std::string_view text, size_t start) {
  size_t b = std::min(start, text.size());
  while (b > 0 && one_of(text[b - 1], " $(")) --b;
  return compared_right_before(text.substr(0, b));
}

// Whether the text outside [start, end) is prose: words that do not change or hedge a value,
// and the given punctuation (ASCII; other scripts' letters pass), with no digits.
bool prose_around(std::string_view text, size_t start, size_t end, const char* punctuation) {
  if (compared_before_value(text, start)) return false;
  for (size_t i = 0; i < text.size();) {
    if (i >= start && i < end) {
      i = end;
      continue;
    }
    char c = text[i];
    if (is_letter(c)) {
      size_t j = i;
      while (j < text.size() && is_letter(text[j])) ++j;
      std::string_view w = text.substr(i, j - i);
      if (changes_the_value(w) || transforms_the_value(w)) return false;
      i = j;
      continue;
    }
    // "can't", "isn't", "won’t": a negation.
    if ((c == '\'' || text.substr(i, 3) == "\xE2\x80\x99") && i > 0 && text[i - 1] == 'n') {
      size_t t = i + (c == '\'' ? 1 : 3);
      if (t < text.size() && (text[t] == 't' || text[t] == 'T')) return false;
    }
    // Bytes of other scripts (a Cyrillic "о" in "nоt", an en dash, a zero-width space) could
    // hide a negation or a sign: not prose.
    if (text.substr(i, 3) == "\xE2\x80\x99") {
      i += 3;
      continue;
    }
    auto u = static_cast<unsigned char>(c);
    if (is_digit(c) || u >= 0x80 || !one_of(c, punctuation)) return false;
    ++i;
  }
  return true;
}

// LaTeX commands that format prose and change no value: "\textbf{Answer:} $18$".
bool formatting_command(std::string_view name) {
  for (std::string_view c :
       {"text",      "textbf", "textit",    "textrm",  "textsf",     "textsc",       "emph",
        "underline", "mathrm", "mathbf",    "mathsf",  "boldsymbol", "bf",           "it",
        "quad",      "qquad",  "noindent",  "newline", "par",        "displaystyle", "textstyle",
        "checkmark", "hfill",  "smallskip", "medskip", "bigskip",    "small",        "normalsize",
        "large",     "Large",  "LARGE",     "huge",    "Huge"})
    if (name == c) return true;
  return false;
}

// Signs that relate the value to another rather than state it ("19 \to 18", "\approx 18",
// "~18", "x \neq 18").
bool has_relation_sign(std::string_view text) {
  if (text.find_first_of("~<>") != std::string_view::npos) return true;
  for (size_t i = text.find('\\'); i != std::string_view::npos; i = text.find('\\', i + 1)) {
    size_t j = i + 1;
    while (j < text.size() && is_letter(text[j])) ++j;
    std::string_view cmd = text.substr(i + 1, j - i - 1);
    for (std::string_view sign :
         {"to",   "approx",    "sim",       "simeq", "ne",    "neq",      "leq",      "geq",
          "le",   "ge",        "lt",        "gt",    "not",   "leqslant", "geqslant", "leqq",
          "geqq", "lneq",      "gneq",      "lneqq", "gneqq", "lesssim",  "gtrsim",   "nleq",
          "ngeq", "nleqslant", "ngeqslant", "prec",  "succ",  "preceq",   "succeq",   "nequiv"}) {
      if (cmd == sign) return true;
    }
  }
  return false;
}

// Words after an answer that deny it or compute something else from it ("18 is wrong",
// "$18$ squared", "\boxed{18} factorial").
bool denies_or_transforms(const std::string& w) {
  for (const char* d : {"incorrect", "wrong", "false", "not", "ruled", "impossible", "excluded",
                        "negation", "rejected", "squared", "cubed", "factorial", "mod", "modulo",
                        "tenths", "hundredths", "thousandths", "reciprocal", "inverse"}) {
    if (w == d) return true;
  }
  return false;
}

// Whether the answer at [start, end) of free text is stated plainly in its sentence: not the
// last of alternatives listed there ("2 or 3", "1, 2", "1 to 3", "$17$ or $18$"), not negated,
// hedged or related to something else before it ("It is not 18.", "Maybe 18.", "\approx 18"),
// not hedged, scaled or questioned after it ("18 or more", "2 million", "18?"). `previous`
// ends the answer before it (a number or a math span), or is npos. Only the text since the
// last '=' or previous answer counts before it, as reasoning goes on with comparisons
// ("= 2 more than B"); after an '=' a scale word gives the units of a result ("= 7 dozen").
bool stated_plainly(std::string_view text, size_t start, size_t end, size_t previous) {
  size_t from = sentence_start(text, start);
  if (previous != std::string_view::npos && previous > from && previous <= start) {
    if (joins_alternatives(text.substr(previous, start - previous))) return false;
    from = previous;
  }
  std::string_view before = text.substr(from, start - from);
  size_t eq = before.rfind('=');
  if (eq != std::string_view::npos) before.remove_prefix(eq + 1);
  size_t stop = end;
  while (stop < text.size() && text[stop] != '\n' &&
         !((text[stop] == '.' || text[stop] == '!' || text[stop] == '?') &&
           (stop + 1 == text.size() || text[stop + 1] == ' ' || text[stop + 1] == '\n'))) {
    ++stop;
  }
  std::string_view after = text.substr(end, stop - end);
  bool question = (stop < text.size() && text[stop] == '?') || has_question_mark(after);
  bool scaled = eq == std::string_view::npos && starts_with_scale_word(after);
  // A number later in its sentence goes on computing ("$18$ times 2").
  bool denied =
      any_word(after, denies_or_transforms) || std::any_of(after.begin(), after.end(), is_digit);
  // The word right before it: "2 times $18$", "minus 18".
  size_t wb = start;
  while (wb > 0 && !is_letter(text[wb - 1]) && one_of(text[wb - 1], " $(\\")) --wb;
  size_t wa = wb;
  while (wa > 0 && is_letter(text[wa - 1])) --wa;
  std::string last_word = lower_word(text.substr(wa, wb - wa));
  for (const char* op : {"times", "plus", "minus", "over", "divided", "multiplied"}) {
    if (last_word == op) denied = true;
  }
  // A command right before it operates on it or relates it: "\sqrt $18$", "\ne $18$".
  if (wa > 0 && text[wa - 1] == '\\' && !formatting_command(text.substr(wa, wb - wa)))
    denied = true;
  // An operator right before or after it makes it part of an expression ("1 + $18$",
  // "$18$^2"); a contraction after it negates ("18 isn't right").
  // Math delimiters and brackets hide nothing: "-$18$", "-(18)", "$18$ + 1".
  size_t o = end;
  while (o < text.size() && one_of(text[o], " $)")) ++o;
  size_t p = start;
  while (p > 0 && one_of(text[p - 1], " $(")) --p;
  bool per_unit = o + 1 < text.size() && text[o] == '/' && is_letter(text[o + 1]);  // "$24/year"
  bool operated = (o < text.size() && one_of(text[o], "^/*+-") && !per_unit) ||
                  (p > 0 && one_of(text[p - 1], "+-*/^"));
  bool contraction = find_text(after, "n't") != std::string_view::npos ||
                     find_text(after, "n\xE2\x80\x99t") != std::string_view::npos;
  // What follows its sentence takes it back: "We get $18$. Not really."
  std::string_view rest = text.substr(stop);
  bool retracted = any_word(rest, [](const std::string& w) {
    return w == "not" || w == "wrong" || w == "incorrect" || w == "kidding" || w == "mistake" ||
           w == "oops" || w == "wait";
  });
  bool foreign = std::any_of(before.begin(), before.end(),
                             [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
  return !(has_value_word(before) || compared_before_value(text, start) ||
           has_relation_sign(before) || has_hedge_word(after) || scaled || question || denied ||
           operated || contraction || retracted || foreign);
}

}  // namespace

std::optional<std::string_view> last_number(std::string_view text) {
  std::vector<Span> n = numbers_backwards(text, 1);
  if (n.empty() || !stands_alone(text, n[0])) return std::nullopt;
  return text.substr(n[0].start, n[0].end - n[0].start);
}

std::optional<std::string_view> final_number(std::string_view text) {
  std::vector<Span> n = numbers_backwards(text, 2);
  if (n.empty() || !stands_alone(text, n[0])) return std::nullopt;
  size_t previous = n.size() == 2 ? n[1].end : std::string_view::npos;
  if (!stated_plainly(text, n[0].start, n[0].end, previous)) return std::nullopt;
  return text.substr(n[0].start, n[0].end - n[0].start);
}

std::optional<std::string_view> number_in_prose(std::string_view text) {
  std::vector<Span> n = numbers_backwards(text, 2);
  if (n.size() != 1 || !stands_alone(text, n[0])) return std::nullopt;
  // Everything else is words and sentence punctuation: no operator, bracket or command that
  // would make the number part of an expression.
  if (!prose_around(text, n[0].start, n[0].end, " \t\n\r.,;:!'\"$()-%")) return std::nullopt;
  // A '-' right before the number, over spaces, '$' and '(', is a sign it lost: "The value is
  // - 18.", "-$18$", "-(18)" (an audit). A bullet or a dash elsewhere is prose.
  size_t before = n[0].start;
  while (before > 0 && one_of(text[before - 1], " $(")) --before;
  if (before > 0 && before < n[0].start && text[before - 1] == '-' &&
      !(before >= 2 && text[before - 2] == '-'))  // "Answer -- 18." is a dash
    return std::nullopt;
  return text.substr(n[0].start, n[0].end - n[0].start);
}

std::vector<std::string_view> math_spans(std::string_view t) {
  std::vector<std::string_view> out;
  // Once a closing delimiter is missing after some position, it is missing after every later
  // one: remembering that keeps a megabyte of unclosed "\(" or "$" linear.
  bool no_paren_close = false, no_bracket_close = false;
  bool no_dollar_close[3] = {false, false, false};  // by delimiter width
  size_t i = 0;
  const size_t n = t.size();
  while (i < n) {
    char c = t[i];
    if (c == '\\' && i + 1 < n) {
      char d = t[i + 1];
      bool& missing = d == '(' ? no_paren_close : no_bracket_close;
      if ((d == '(' || d == '[') && !missing) {
        size_t close = find_text(t, d == '(' ? "\\)" : "\\]", i + 2);
        if (close == std::string_view::npos) {
          missing = true;
        } else {
          if (close > i + 2) out.push_back(t.substr(i + 2, close - i - 2));
          i = close + 2;
          continue;
        }
      }
      i += 2;  // an escaped character ("\\$" is a dollar sign, not math mode)
      continue;
    }
    if (c == '$') {
      size_t width = i + 1 < n && t[i + 1] == '$' ? 2 : 1;
      size_t start = i + width;
      // TeX's currency convention: math starts with no space after the '$', and a '$' that
      // a digit follows opens an amount ("$5 and $6"), so it cannot close math.
      if (!no_dollar_close[width] && start < n && t[start] != ' ' && t[start] != '\n') {
        size_t j = start;
        bool closed = false;
        while (j < n) {
          if (t[j] == '\\') {
            j += 2;
            continue;
          }
          if (t[j] == '$') {
            size_t after = j + width;
            bool digit_next = after < n && is_digit(t[after]);
            if ((width == 1 || (j + 1 < n && t[j + 1] == '$')) && !digit_next) {
              if (j > start) out.push_back(t.substr(start, j - start));
              i = after;
              closed = true;
              break;
            }
          }
          ++j;
        }
        if (closed) continue;
        no_dollar_close[width] = true;  // nothing after `start` closes it, nor anything later
      }
      i += width;
      continue;
    }
    ++i;
  }
  return out;
}

// Whether `text` holds a LaTeX command that does not format prose ("\ne", "\sqrt").
bool non_formatting_command_in(std::string_view text) {
  for (size_t i = 0; i < text.size(); ++i) {
    const std::string_view name = command_at(text, i);
    if (!name.empty() && !formatting_command(name)) return true;
    i += name.size();
  }
  return false;
}

// Whether every LaTeX command in `text` outside [a, b) formats prose: "The value is \ne $18$",
// "\sqrt $18$" and "\log $18$" relate or operate (an audit).
bool only_formatting_commands(std::string_view text, size_t a, size_t b) {
  return !non_formatting_command_in(text.substr(0, a)) &&
         !non_formatting_command_in(text.substr(b));
}

std::optional<std::string_view> math_in_prose(std::string_view text) {
  std::vector<std::string_view> spans = math_spans(text);
  if (spans.size() != 1 || trim(spans[0]).empty()) return std::nullopt;
  // The rest is words and sentence punctuation: "Therefore $x \geq 5$ is the solution."
  size_t a = static_cast<size_t>(spans[0].data() - text.data());
  if (!prose_around(text, a, a + spans[0].size(), " \t\n\r.,;:!'\"$()\\[]") ||
      !only_formatting_commands(text, a, a + spans[0].size()))
    return std::nullopt;
  return trim(spans[0]);
}

Fallback parse_fallback(const std::string& name, const std::string& where) {
  if (name == "untagged") return Fallback::Untagged;
  if (name == "always") return Fallback::Always;
  if (name == "never") return Fallback::Never;
  fail(where, ": expected \"untagged\", \"always\" or \"never\", got \"", name, "\"");
}

bool uses_tags(std::string_view c, const TagNames& tags) {
  for (const std::string& t : {tags.open(tags.think), tags.close(tags.think),
                               tags.open(tags.answer), tags.close(tags.answer)}) {
    if (find_text(c, t) != std::string_view::npos) return true;
  }
  return false;
}

namespace {

// The answer a region states: its last \boxed{}, else its last "answer is" (with the ones
// before it kept as `others`). False when it states none.
// The value that text ends on: its last math span or number, whichever ends later, and of a
// span only what follows its last '=' ("AB = \frac54 = 1\frac14" gives "1\frac14").
std::optional<std::string> value_before(std::string_view text) {
  std::vector<std::string_view> spans = math_spans(text);
  std::vector<Span> numbers = numbers_backwards(text, 1);
  size_t span_end =
      spans.empty() ? 0
                    : static_cast<size_t>(spans.back().data() - text.data()) + spans.back().size();
  if (!numbers.empty() && (spans.empty() || numbers[0].end > span_end))
    return std::string(text.substr(numbers[0].start, numbers[0].end - numbers[0].start));
  if (spans.empty()) return std::nullopt;
  std::string_view v = spans.back();
  size_t eq = v.rfind('=');
  if (eq != std::string_view::npos) v.remove_prefix(eq + 1);
  v = trim(v);
  if (v.empty()) return std::nullopt;
  return std::string(v);
}

// The width of a narrow LaTeX space starting at text[i] ("\,", "\!", "\;", "\:", "\ ", "~"), 0
// if none. Such a space glues what it separates: "-\,\boxed{18}" is -18, "\boxed{18}\,000" is
// 18000. (A "\quad" separates: "18 \qquad \boxed{18}", "**Answer:**\quad \boxed{18}".)
constexpr std::string_view kNamedNarrowSpaces[] = {"\\thinspace", "\\medspace", "\\thickspace",
                                                   "\\negthinspace", "\\enspace"};

// The width of an invisible group at text[i]: a formatting group holding only spaces
// ("\text{ }", "\mbox{}") or a phantom ("\phantom{-}"). Such a group is a space: it must not
// hide what it separates ("-\text{ }\boxed{18}", "\boxed{18}\text{ }000"; a review).
size_t narrow_space_at(std::string_view text, size_t i);

// `nest` bounds the groups inside groups it looks into ("\text{\text{ }}"), so that deep
// nesting costs no stack.
size_t invisible_group_at(std::string_view text, size_t i, int nest = 0) {
  const std::string_view name = command_at(text, i);
  if (name.empty()) return 0;
  size_t j = i + 1 + name.size();
  // Phantoms and explicit spaces are invisible whatever they hold: "\phantom{-}", "\hspace{1pt}".
  // Structure is too: "-\color{red}\boxed{18}" and "-\begin{matrix}\boxed{18}" are -18 (a review).
  const bool phantom = one_of(name, {"phantom", "hphantom", "vphantom", "hspace", "vspace", "color",
                                     "label", "tag", "begin", "end"});
  if (phantom && j < text.size() && text[j] == '*') ++j;  // "\hspace*{1em}"
  if (j >= text.size() || text[j] != '{' ||
      !(phantom || formatting_command(name) || name == "mbox" || name == "hbox"))
    return 0;
  const size_t k = closing_bracket(text, j, '}');
  if (k == std::string_view::npos) return 0;
  // Inside: nothing but spaces, LaTeX spaces and invisible groups ("\text{\ }", "\mathbf{\text{
  // }}", "\text{\quad}"), unless it is a phantom.
  for (size_t p = j + 1; !phantom && p < k;) {
    if (text[p] == ' ') {
      ++p;
    } else if (const size_t w = narrow_space_at(text, p)) {
      p += w;
    } else if (const size_t g = nest < 4 ? invisible_group_at(text, p, nest + 1) : 0) {
      p += g;
    } else if (text.compare(p, 6, "\\qquad") == 0) {
      p += 6;
    } else if (text.compare(p, 5, "\\quad") == 0) {
      p += 5;
    } else {
      return 0;
    }
  }
  return k + 1 - i;
}

size_t latex_space_at(std::string_view text, size_t i) {
  if (const size_t w = invisible_group_at(text, i)) return w;
  return narrow_space_at(text, i);
}

size_t narrow_space_at(std::string_view text, size_t i) {
  if (i < text.size() && text[i] == '~') return 1;
  if (i + 1 < text.size() && text[i] == '\\' && one_of(text[i + 1], ",!;: >")) return 2;
  if (text.compare(i, 2, "{}") == 0) return 2;  // an empty group: "\boxed{18}{}^2"
  for (std::string_view n : kNamedNarrowSpaces)
    if (text.compare(i, n.size(), n) == 0 &&
        (i + n.size() == text.size() || !is_letter(text[i + n.size()])))
      return n.size();
  return 0;
}

// The width of a narrow LaTeX space (not "~", which before a number means "about") that ends
// right before text[b], 0 if none; with `wide`, "\quad" and "\qquad" too.
size_t latex_space_before(std::string_view text, size_t b, bool wide = false) {
  if (b >= 2 && text[b - 2] == '\\' && one_of(text[b - 1], ",!;: >")) return 2;
  if (const size_t k =
          b >= 3 && text[b - 1] == '}' ? opening_bracket(text, b - 1, '{') : std::string_view::npos;
      k != std::string_view::npos) {  // an invisible group ending here
    size_t c = k;
    if (c > 0 && text[c - 1] == '*') --c;  // "\hspace*{1em}"
    while (c > 0 && is_letter(text[c - 1])) --c;
    if (c > 0 && text[c - 1] == '\\' && invisible_group_at(text, c - 1) == b - (c - 1))
      return b - (c - 1);
  }
  if (b >= 2 && text.substr(b - 2, 2) == "{}") return 2;  // "-{}\boxed{18}"
  {  // an explicit kern: "\kern1pt", "\mkern 2mu", "\hskip1em" (a unit has two letters)
    size_t k = b;
    while (k > 0 && text[k - 1] == ' ') --k;
    for (int unit = 0; unit < 2 && k > 0 && is_letter(text[k - 1]); ++unit) --k;
    const size_t digits_end = k;
    while (k > 0 && (is_digit(text[k - 1]) || text[k - 1] == '.' || text[k - 1] == '-' ||
                     text[k - 1] == ' '))
      --k;
    if (k < digits_end)
      for (std::string_view cmd : {"\\kern", "\\mkern", "\\hskip", "\\mskip"})
        if (k >= cmd.size() && text.substr(k - cmd.size(), cmd.size()) == cmd)
          return b - (k - cmd.size());
  }
  for (std::string_view n : kNamedNarrowSpaces)
    if (b >= n.size() && text.substr(b - n.size(), n.size()) == n) return n.size();
  if (wide)
    for (std::string_view q : {"\\qquad", "\\quad"})
      if (b >= q.size() && text.substr(b - q.size(), q.size()) == q) return q.size();
  return 0;
}

// Signs and operators in Unicode: − ± ∓ × · ÷ √ ¬.
constexpr std::string_view kUnicodeOperators[] = {"\xE2\x88\x92", "\xC2\xB1", "\xE2\x88\x93",
                                                  "\xC3\x97",     "\xC2\xB7", "\xC3\xB7",
                                                  "\xE2\x88\x9A", "\xC2\xAC"};

// Whether text that stands right before a box, in brackets or bold, could be math that
// multiplies it: a digit, a sign or operator (ASCII, Unicode, or a command that is not
// formatting), or a word that operates ("(minus one)\boxed{18}"). A label or a remark in words
// is not: "(a)", "(final)", "Answer (in cm)", "\text{So, }", "**Answer:**".
bool math_like(std::string_view inside) {
  for (size_t i = 0; i < inside.size(); ++i) {
    const char c = inside[i];
    // The number of a part is a label: "(Part 2)", "\textbf{Final answer (part 2):}".
    if (is_digit(c)) {
      size_t w = i;
      while (w > 0 && inside[w - 1] == ' ') --w;
      size_t v = w;
      while (v > 0 && is_letter(inside[v - 1])) --v;
      if (v < w && one_of(lower_word(inside.substr(v, w - v)),
                          {"part", "step", "question", "problem", "case", "exercise"})) {
        while (i + 1 < inside.size() && is_digit(inside[i + 1])) ++i;
        continue;
      }
    }
    if (is_digit(c) || one_of(c, "-+*/^=<>~|")) return true;
    for (std::string_view sign : kUnicodeOperators)
      if (inside.substr(i, sign.size()) == sign) return true;
  }
  return non_formatting_command_in(inside) || any_word(inside, [](const std::string& w) {
           for (const char* op :
                {"minus", "plus", "times", "negative", "twice", "thrice", "double", "triple",
                 "half", "third", "quarter", "reciprocal", "inverse", "opposite", "negated",
                 "negation", "multiplied", "divided", "product"})
             if (w == op) return true;
           return false;
         });
}

// Number words: "\boxed{18} minus one".
bool is_number_word(std::string_view w) {
  // Not "a": "\boxed{3} times a week".
  return one_of(w, {"one",     "two",      "three", "four",   "five",    "six",    "seven",
                    "eight",   "nine",     "ten",   "eleven", "twelve",  "twenty", "thirty",
                    "hundred", "thousand", "half",  "third",  "quarter", "dozen"});
}

// Whether what closes right before a box (at text[b - 1]) ends prose, not math that
// multiplies the box. A bracket or bold holds no math_like text ("(a) \boxed{18}", "(final)",
// "**Answer:**"; not "(-1)\boxed{18}", "(minus one)", "**-1:**"); a brace closes a formatting
// command's group ("\textbf{Answer:}"; not "\frac{1}{2}", "\sqrt{2}", "\text{-}", "\neq{}",
// "{-}"); "\)" and "\]" are delimiters. An audit found all of those multiplying boxes
// accepted. True when text[b - 1] closes nothing ("2) \boxed{18}" numbers a list).
bool closes_prose_before_box(std::string_view text, size_t b) {
  const char close = text[b - 1];
  if (close == '*' && b >= 2 && text[b - 2] == '*') {  // markdown bold: "**Answer:**"
    // No opening "**" before it: a power ("2**\boxed{18}"), not bold.
    const size_t open = b >= 5 ? text.rfind("**", b - 5) : std::string_view::npos;
    if (open == std::string_view::npos || open + 2 > b - 2) return false;
    std::string_view label = text.substr(open + 2, b - 2 - (open + 2));
    while (!label.empty() && label.front() == '*') label.remove_prefix(1);  // "***Answer:***"
    while (!label.empty() && label.back() == '*') label.remove_suffix(1);
    return !math_like(label);
  }
  if (close != '}' && close != ')' && close != ']') return true;
  if (b >= 2 && text[b - 2] == '\\') return close != '}';  // "\)", "\]"; "\}" closes a set
  const size_t k = opening_bracket(text, b - 1, close == '}' ? '{' : close == ')' ? '(' : '[');
  if (k == std::string_view::npos) return close != '}';  // closes nothing
  size_t c = k;  // the command that owns a brace group ("\section*{...}" too)
  if (close == '}' && c > 0 && text[c - 1] == '*') --c;
  const size_t name_end = c;
  while (c > 0 && is_letter(text[c - 1])) --c;
  const bool command = close == '}' && c > 0 && text[c - 1] == '\\';
  const std::string_view name = text.substr(c, name_end - c);
  // Structure and spacing, whatever their argument: "\end{align}", "\section*{Final Answer}",
  // "\color{blue}", "\hspace{1em}".
  if (command && one_of(name, {"section", "subsection", "subsubsection"})) return true;
  const std::string_view inside = text.substr(k + 1, b - 2 - k);
  if (math_like(inside)) return false;
  if (close != '}') return true;
  // A formatting group without a word is no label: it could only hide what is before it
  // ("-\text{\text{...}}\boxed{18}" nested past what counts as invisible).
  const bool word =
      any_ascii_word(inside, [&](size_t i, size_t) { return i == 0 || inside[i - 1] != '\\'; });
  return command && word && formatting_command(name);
}

// Whether the box whose content is `content` is stated plainly: not part of an expression
// around it ("-\boxed{18}", "\frac{1}{\boxed{18}}", "(\boxed{18})^2", "\boxed{18} + 1",
// "\boxed{18},000", "\boxed{18}e3"), not denied, hedged or related by the words just before it
// ("Not \boxed{18}", "17 or \boxed{18}", "\approx \boxed{18}"), and not hedged, denied, scaled
// or questioned in the rest of its sentence ("\boxed{18} is wrong", "\boxed{18} million",
// "\boxed{18}?"). A unit or a percent sign after it ("\boxed{10}\%", "\boxed{5}\text{ cm}")
// leaves it the answer.
bool box_stated_plainly(std::string_view text, std::string_view content,
                        std::vector<std::string>* others) {
  const size_t n = text.size();
  size_t e = static_cast<size_t>(content.data() - text.data()) + content.size();
  const bool braced = e < n && text[e] == '}';
  if (braced) ++e;  // the box's own closing brace
  // Right after the box, before any space: a letter or digit continues it ("\boxed{18}e3").
  if (braced && e < n && (is_letter(text[e]) || is_digit(text[e]))) return false;
  // LaTeX spacing ("\,", "\!", "\;", "\:", "\ ", "~", "\quad") is a space here: "-\,\boxed{18}"
  // is -18 as much as "-\boxed{18}" is (an audit, 2026-12-06).
  bool spaced = false;  // spacing after the box: "\boxed{18}\,000" is 18000
  auto skip_delimiters = [&](size_t i) {
    for (;;) {
      while (i < n && (text[i] == ' ' || text[i] == '$')) ++i;
      if (i + 1 < n && text[i] == '\\' && (text[i + 1] == ')' || text[i + 1] == ']')) {
        i += 2;
        continue;
      }
      if (const size_t w = latex_space_at(text, i)) {
        i += w;
        spaced = true;
        continue;
      }
      return i;
    }
  };
  size_t a = skip_delimiters(e);
  if (a < n) {
    char c = text[a];
    if (spaced && is_digit(c)) return false;
    // Degrees after a space: "\boxed{75}\,^\circ".
    const bool degrees =
        spaced && c == '^' &&
        (text.compare(a + 1, 5, "\\circ") == 0 || text.compare(a + 1, 6, "{\\circ") == 0);
    if (degrees) c = ' ';
    bool continues_number = (c == '.' || c == ',') && a + 1 < n && is_digit(text[a + 1]);
    // "+" or "-" before a word is a dash ("$\boxed{236}$ -westwoodmonster"), not an operator.
    bool dash =
        (c == '-' || c == '+') && a + 2 < n && is_letter(text[a + 1]) && is_letter(text[a + 2]);
    // A lone letter after a narrow space multiplies it: "\boxed{18}\,e", "\boxed{18}\,x".
    if (spaced && is_letter(c) && (a + 1 == n || !is_letter(text[a + 1]))) return false;
    // A group of three digits after a plain space goes on with the number: "\boxed{18} 000".
    // ... when the group ends the statement ("\boxed{18} 000."; not "\boxed{5} 500 ml bottles").
    // "000" always does ("\boxed{18} 000 apples").
    const bool group = is_digit(c) && a + 3 <= n && is_digit(text[a + 1]) &&
                       is_digit(text[a + 2]) && (a + 3 == n || !is_digit(text[a + 3]));
    const bool thousands =
        group &&
        (text.compare(a, 3, "000") == 0 || a + 3 == n || one_of(text[a + 3], ".,;:!?$)\n") ||
         (text[a + 3] == ' ' && (a + 4 == n || !is_letter(text[a + 4]))));
    // A thousands separator in braces or a text group: "\boxed{18}{,}000", "\boxed{18}\text{,000}".
    const bool separator =
        (text.compare(a, 3, "{,}") == 0 && a + 3 < n && is_digit(text[a + 3])) ||
        (text.compare(a, 6, "\\text{") == 0 && a + 7 < n &&
         (is_digit(text[a + 6]) || (text[a + 6] == ',' && is_digit(text[a + 7]))));
    if ((is_digit(c) && (a == e || spaced || thousands)) || (one_of(c, "^_!}+-*/|)") && !dash) ||
        continues_number || separator)
      return false;
    // A bracket of math right after it states another value, which must be right too (it may
    // restate the box: "\boxed{12} (3 \times 4)", "\boxed{\frac34} (0.75)"; "\boxed{18}(\sqrt{3})"
    // and "\boxed{18} (17)" state something else). A note in words is no value ("\boxed{18}
    // (the number of apples)", "(\text{in cm})").
    if (c == '(' || c == '[') {
      const size_t k = closing_bracket(text, a, c == '(' ? ')' : ']');
      if (k == std::string_view::npos) return false;  // never closed: part of an expression
      std::string_view note = trim(text.substr(a + 1, k - a - 1));
      // A note with letters, whatever numbers it names, is no value: "(-3 is extraneous)",
      // "(18 apples)", "(\text{cm}^2)", "(m/s^2)", "(i.e. 3/4)". Nor is a rounding: "(\approx
      // 0.67)", "(~0.67)", "(0.333)" for a fraction. "(= 0.75)" restates.
      const bool letters =
          any_ascii_word(note, [&](size_t i, size_t) { return i == 0 || note[i - 1] != '\\'; });
      while (!note.empty() && note.front() == '$') note = trim(note.substr(1));
      while (!note.empty() && note.back() == '$') note = trim(note.substr(0, note.size() - 1));
      if (note.substr(0, 1) == "=") note = trim(note.substr(1));
      // A modulus restates a residue: "\boxed{5} (\bmod 7)".
      const bool modulus = note.substr(0, 5) == "\\bmod" || note.substr(0, 5) == "\\pmod" ||
                           note.substr(0, 3) == "mod";
      const bool rounding =
          modulus || note.substr(0, 7) == "\\approx" || note.substr(0, 1) == "~" ||
          find_text(note, "\\overline") != std::string_view::npos ||
          note.substr(0, 3) == "\xE2\x89\x88" ||
          (!note.empty() &&
           std::all_of(note.begin(), note.end(),
                       [](char ch) { return is_digit(ch) || ch == '.' || ch == '-'; }) &&
           note.find('.') != std::string_view::npos);
      if (!letters && !rounding && math_like(note)) others->emplace_back(note);
    }
    if (const std::string_view cmd = command_at(text, a); !cmd.empty()) {
      // A modulus after a residue ("\boxed{3} \pmod{7}") leaves it the answer.
      for (std::string_view op :
           {"times", "cdot",   "div",   "pi",  "sqrt", "frac",  "not",   "neq",   "ne",   "approx",
            "pm",    "mp",     "over",  "ln",  "log",  "lg",    "exp",   "sin",   "cos",  "tan",
            "bmod",  "choose", "binom", "ast", "star", "oplus", "sim",   "leq",   "geq",  "le",
            "ge",    "lt",     "gt",    "to",  "neg",  "lnot",  "cdots", "ldots", "dots", "left"}) {
        if (cmd == op) return false;
      }
    }
  }
  // The next three words of its sentence.
  size_t stop = a;
  int words = 0;
  while (stop < n && text[stop] != '\n' &&
         !((text[stop] == '.' || text[stop] == '!' || text[stop] == '?') &&
           (stop + 1 == n || one_of(text[stop + 1], " \n$\\")))) {
    // A command's name is no word: "\boxed{18}\text{ is definitely not it}" has four.
    if (is_letter(text[stop]) &&
        (stop == 0 || !(is_letter(text[stop - 1]) || text[stop - 1] == '\\')) && ++words > 3)
      break;
    ++stop;
  }
  std::string_view after = text.substr(a, stop - a);
  // "\boxed{18}?", and a question mark the sentence scan does not stop at: "\boxed{18}\text{?}",
  // "\boxed{18} (?)", a full-width "？", or one past the three words ("\boxed{18} is the right
  // answer?").
  size_t sentence_end = stop;
  while (sentence_end < n && text[sentence_end] != '\n' &&
         !((text[sentence_end] == '.' || text[sentence_end] == '!') &&
           (sentence_end + 1 == n || one_of(text[sentence_end + 1], " \n$\\"))))
    ++sentence_end;
  bool question = has_question_mark(text.substr(a, sentence_end - a));
  // A contraction denies it ("\boxed{18} \text{ isn't right}"); an operator word first after
  // it, with a number or a command after that, computes something else from it ("\boxed{18}
  // minus 1", "\boxed{18} times 2", "\boxed{18} divided by 2"; not "She ran \boxed{18} times.",
  // "\boxed{10} more than Susan", "\boxed{3} when divided by 4").
  bool denied = any_word(after, denies_or_transforms);
  {
    // The first word after it, past spaces, '$', punctuation and text groups.
    size_t i = 0;
    for (;;) {
      while (i < after.size() && !is_letter(after[i]) && one_of(after[i], " ${},;:(")) ++i;
      if (after.compare(i, 6, "\\text{") == 0)
        i += 6;
      else if (after.compare(i, 8, "\\textbf{") == 0)
        i += 8;
      else
        break;
    }
    size_t j = i;
    while (j < after.size() && is_letter(after[j])) ++j;
    const std::string first = lower_word(after.substr(i, j - i));
    // A contraction: "\boxed{18} isn't right" (not "\boxed{18}, which isn't prime").
    if (after.compare(j, 3, "n't") == 0 || after.compare(j, 5, "n\xE2\x80\x99t") == 0 ||
        ((after.compare(j, 2, "'t") == 0 || after.compare(j, 4, "\xE2\x80\x99t") == 0) && j > i &&
         after[j - 1] == 'n'))
      denied = true;
    // A word that computes something else from it: "\boxed{18} halved" (not "\boxed{6}, which
    // doubled is 12").
    if (one_of(first, {"halved", "doubled", "tripled", "negated"})) denied = true;
    // An operator word with a number, a number word, a bracket or a command right after it
    // (over "by"): "\boxed{18} times 2", "x 2", "divided by 2", "minus one", "times (2)"; not
    // "\boxed{12} times around the track", "\boxed{15} over 3 days" (a number that a word
    // follows counts something).
    if (one_of(first, {"plus", "minus", "times", "divided", "multiplied", "less", "x", "over"})) {
      size_t k = j;
      const auto skip = [&] {
        for (;;) {
          while (k < after.size() && one_of(after[k], " ${(")) ++k;
          if (after.compare(k, 2, "\\(") != 0) break;
          k += 2;  // "over \(3\) days"
        }
      };
      skip();
      if (after.compare(k, 2, "by") == 0 && (k + 2 == after.size() || !is_letter(after[k + 2])))
        k += 2;
      skip();
      // "times a half": the article before a number word.
      for (std::string_view article : {"a ", "an "})
        if (after.compare(k, article.size(), article) == 0) {
          k += article.size();
          skip();
        }
      size_t m = k;
      while (m < after.size() && (is_letter(after[m]) || is_digit(after[m]))) ++m;
      size_t next = m;  // past math delimiters: "over $3$ days"
      while (next < after.size() && one_of(after[next], " $}")) ++next;
      if (after.compare(next, 2, "\\)") == 0) next += 2;
      while (next < after.size() && after[next] == ' ') ++next;
      const bool counts = next < after.size() && is_letter(after[next]);
      if (k < after.size() && !counts &&
          (is_digit(after[k]) || after[k] == '\\' ||
           is_number_word(lower_word(after.substr(k, m - k)))))
        denied = true;
    }
  }
  if (question || denied || has_hedge_word(after) || starts_with_scale_word(after)) return false;
  // Back over the opening brace, spaces and the command name to its backslash.
  size_t b = static_cast<size_t>(content.data() - text.data());
  if (b > 0 && text[b - 1] == '{') --b;
  while (b > 0 && text[b - 1] == ' ') --b;
  while (b > 0 && is_letter(text[b - 1])) --b;
  if (b > 0 && text[b - 1] == '\\') --b;
  size_t before_end = b;
  // Back over what separates nothing: spaces (not the one of "\ "), '$', "\(", "\[", narrow
  // spaces and invisible groups ("\,", "\text{ }", "\phantom{-}"), and formatting commands
  // ("\displaystyle", "\large", "\quad"), so every check below looks past them:
  // "-\,\boxed{18}", "2 \times\,\boxed{18}", "(-1)\text{ }\boxed{18}", "-\displaystyle\boxed{18}"
  // (reviews). `narrow`: a narrow space or an invisible group was passed, which glues as much
  // as nothing would; `wide`: a "\quad" was, which separates numbers ("18 \qquad \boxed{18}")
  // but not signs ("-\quad\boxed{18}").
  bool narrow = false, wide = false;
  for (bool moved = true; moved;) {
    moved = false;
    while (b > 0 &&
           (text[b - 1] == '$' || (text[b - 1] == ' ' && !(b >= 2 && text[b - 2] == '\\'))))
      --b;
    if (b >= 2 && text[b - 2] == '\\' && (text[b - 1] == '(' || text[b - 1] == '[')) {
      b -= 2;
      moved = true;
      continue;
    }
    if (const size_t w = latex_space_before(text, b)) {
      b -= w;
      narrow = moved = true;
      continue;
    }
    const size_t c = letters_before(text, b);
    if (c < b && c > 0 && text[c - 1] == '\\' && formatting_command(text.substr(c, b - c))) {
      wide = wide || one_of(text.substr(c, b - c), {"quad", "qquad"});
      b = c - 1;
      moved = true;
    }
  }
  for (std::string_view sign : kUnicodeOperators)
    if (b >= sign.size() && text.substr(b - sign.size(), sign.size()) == sign) return false;
  if (b > 0 && ((is_digit(text[b - 1]) && !wide) || one_of(text[b - 1], "-+/^_{(|<>~") ||
                (text[b - 1] == '*' && !(b >= 2 && text[b - 2] == '*'))))
    return false;
  if (b > 0 && !closes_prose_before_box(text, b)) return false;
  // A lone letter or a command right before it, glued or over a narrow space, multiplies it:
  // "x\boxed{18}", "\pi\boxed{18}", "x\,\boxed{18}" ("\therefore\boxed{18}" is fine).
  if ((b == before_end || narrow) && b > 0 && is_letter(text[b - 1])) {
    const size_t c = letters_before(text, b);
    const std::string_view name = text.substr(c, b - c);
    if (c > 0 && text[c - 1] == '\\') {
      if (!one_of(name, {"therefore", "because", "Rightarrow", "rightarrow", "Longrightarrow",
                         "longrightarrow", "Leftrightarrow", "Longleftrightarrow", "implies", "iff",
                         "approx", "equiv"}))
        return false;
    } else if (name.size() == 1) {
      return false;
    }
  }
  if (b > 0 && is_letter(text[b - 1])) {  // a relation command right before: "\neq \boxed{18}"
    const size_t c = letters_before(text, b);
    std::string_view cmd = c > 0 ? text.substr(c - 1, b - c + 1) : std::string_view();
    // "\approx \boxed{…}" is how a rounded answer is given.
    if (c > 0 && text[c - 1] == '\\' && cmd != "\\approx" && has_relation_sign(cmd)) return false;
    // An operator or a function right before it makes it an operand: "\pm \boxed{18}", "3
    // \times \boxed{6}", "\log_2\boxed{6}" (an audit, 2026-12-06).
    for (std::string_view op :
         {"\\pm",     "\\mp",     "\\times",    "\\cdot",   "\\div",  "\\neg",   "\\lnot",
          "\\propto", "\\ll",     "\\gg",       "\\nleq",   "\\ngeq", "\\nless", "\\ngtr",
          "\\notin",  "\\nmid",   "\\ncong",    "\\nsim",   "\\sqrt", "\\log",   "\\ln",
          "\\lg",     "\\sin",    "\\cos",      "\\tan",    "\\cot",  "\\sec",   "\\csc",
          "\\arcsin", "\\arccos", "\\arctan",   "\\sinh",   "\\cosh", "\\tanh",  "\\exp",
          "\\max",    "\\min",    "\\det",      "\\sum",    "\\prod", "\\ast",   "\\star",
          "\\oplus",  "\\bmod",   "\\setminus", "\\lfloor", "\\lceil"})
      if (c > 0 && text[c - 1] == '\\' && cmd == op) return false;
    // A negated relation: "\not\in \boxed{18}", "\not\equiv \boxed{18}".
    if (c >= 5 && text[c - 1] == '\\' && text.substr(c - 5, 4) == "\\not") return false;
  }
  // An index: "\sqrt[\boxed{6}]{2}".
  if (b >= 6 && text[b - 1] == '[' && text.substr(b - 6, 5) == "\\sqrt") return false;
  // "\not= \boxed{18}" is "\neq \boxed{18}".
  if (b > 0 && text[b - 1] == '=') {
    size_t k = b - 1;
    while (k > 0 && text[k - 1] == ' ') --k;
    if (k >= 4 && text.substr(k - 4, 4) == "\\not") return false;
  }
  // A comparison right before it, with only spaces or '$' between: "more than \boxed{18}",
  // "anything but \boxed{18}" and "≥ \boxed{18}" claim some other value. (Words further
  // back compare something else: "less than 100 is \boxed{33}". "at least" and "at most" may
  // answer a question of a minimum or maximum, and "\approx" gives a rounded answer.)
  if (compared_right_before(text.substr(0, b))) return false;
  // The two words before it, since the last '=' of its line: a denial or a hedge. "or" after
  // a value ("$1\frac14$, or $\boxed{1.25}$", "17 or \boxed{18}") restates or hedges: that
  // value becomes another stated answer, which must be right too.
  size_t line = before_end, line_start;
  while (line > 0 && text[line - 1] != '\n' && text[line - 1] != '=') --line;
  for (line_start = line; line_start > 0 && text[line_start - 1] != '\n';) --line_start;
  size_t w = before_end;
  for (size_t sp; (sp = latex_space_before(text, w, true)) > 0 && w - sp >= line;) w -= sp;
  std::string previous_word;
  for (int count = 0; count < 2 && w > line; ++count) {
    while (w > line && !is_letter(text[w - 1]) && !one_of(text[w - 1], ".,;:")) --w;
    size_t word_end = w;
    while (w > line && is_letter(text[w - 1])) --w;
    if (w > line && text[w - 1] == '\\') {  // a command, not a word
      --w;
      continue;
    }
    std::string word = lower_word(text.substr(w, word_end - w));
    // A word that computes something else from it: "minus \boxed{18}", "twice \boxed{18}",
    // "half of \boxed{18}" (an audit).
    if (one_of(word, {"minus", "plus", "negative", "twice", "thrice", "double", "triple", "half",
                      "times", "third", "quarter", "square", "cube", "reciprocal", "inverse",
                      "opposite", "root", "negation"}) &&
        (count == 0 || previous_word == "of"))
      return false;
    previous_word = word;
    if (word == "or") {
      std::optional<std::string> value = value_before(text.substr(line_start, w - line_start));
      if (value) others->push_back(*value);
      continue;
    }
    for (const char* d :
         {"not", "no", "never", "nor", "either", "maybe", "perhaps", "possibly", "probably",
          "except", "without", "wrong", "incorrect", "false", "cannot", "isn"}) {
      if (word == d) return false;
    }
  }
  return true;
}

// The answers a region states outside its boxes ("The answer is 17. \boxed{18}"), as math:
// a phrase whose statement holds a box, or is words, adds nothing to the boxes.
std::vector<std::string_view> phrases_besides_boxes(std::string_view region,
                                                    std::string_view last_box) {
  std::vector<std::string_view> out;
  for (std::string_view st : all_answer_is(region)) {
    // Only phrases before the box: after it they check or discuss it ("We may check our
    // answer: $17 \cdot 44 = 748$").
    if (st.data() > last_box.data()) continue;
    // ... and on the same line: solutions often hold several attempts, one per paragraph.
    std::string_view between(st.data(), static_cast<size_t>(last_box.data() - st.data()));
    if (between.find('\n') != std::string_view::npos) continue;
    if (find_text(st, "\\boxed") != std::string_view::npos ||
        find_text(st, "\\fbox") != std::string_view::npos || st.size() > kMaxAnswerLength) {
      continue;
    }
    ValueParse v = parse_math_value(normalize_answer(st));
    if (v.value && v.value->kind != ValueKind::Text) out.push_back(st);
  }
  return out;
}

// The contents of the answer blocks before the last one, each up to its closing tag or the
// next opening tag, without repeats, and at most kMaxOtherAnswers + 1 of them (more are a
// hedge whatever they say).
std::vector<std::string_view> earlier_answer_blocks(std::string_view c, const TagNames& tags) {
  const std::string open = tags.open(tags.answer), close = tags.close(tags.answer);
  std::vector<size_t> opens, closes;
  for (size_t p = find_text(c, open); p != std::string_view::npos; p = find_text(c, open, p + 1))
    opens.push_back(p);
  if (opens.size() < 2) return {};
  for (size_t p = find_text(c, close); p != std::string_view::npos; p = find_text(c, close, p + 1))
    closes.push_back(p);
  std::vector<std::string_view> out;
  std::unordered_set<std::string_view> seen;
  size_t next_close = 0;  // both lists are in order: one pass over each
  for (size_t k = 0; k + 1 < opens.size() && out.size() <= kMaxOtherAnswers; ++k) {
    size_t from = opens[k] + open.size();
    while (next_close < closes.size() && closes[next_close] < from) ++next_close;
    size_t to = opens[k + 1];
    if (next_close < closes.size()) to = std::min(to, closes[next_close]);
    std::string_view block = trim(c.substr(from, to - from));
    if (seen.insert(block).second) out.push_back(block);
  }
  return out;
}

// Adds the answers of `stated` but the one at `skip` to out.others, trimmed and without
// repeats of each other or of out.text, up to one more than kMaxOtherAnswers.
void add_others(const std::vector<std::string_view>& stated, size_t skip, ExtractedAnswer& out) {
  std::unordered_set<std::string_view> seen = {out.text};
  for (const std::string& o : out.others) seen.insert(o);
  for (size_t i = 0; i < stated.size() && out.others.size() <= kMaxOtherAnswers; ++i) {
    if (i == skip) continue;
    std::string_view t = trim(stated[i]);
    if (seen.insert(t).second) out.others.emplace_back(t);
  }
}

// The answer a region states: its last box (`boxes`, from boxes_when_closed), else its last
// "answer is". The other boxes and phrases are kept as `others`: each must be right too. False
// when it states none; a box that is not stated plainly states none.
bool stated_answer(std::string_view region, const std::vector<std::string_view>& boxes,
                   AnswerSource source, ExtractedAnswer& out) {
  std::vector<std::string_view> stated = boxes;
  std::vector<std::string> restated;
  // Thousands of boxes are no answer: degenerate output, and bounded work.
  constexpr size_t kMaxBoxes = 1000;
  if (stated.size() > kMaxBoxes) return false;
  if (!stated.empty()) {
    if (!box_stated_plainly(region, stated.back(), &restated)) return false;
    std::vector<std::string_view> phrases = phrases_besides_boxes(region, stated.back());
    stated.insert(stated.begin(), phrases.begin(), phrases.end());
    stated.insert(stated.begin(), restated.begin(), restated.end());
  } else {
    stated = all_answer_is(region);
  }
  if (stated.empty()) return false;
  out.text = std::string(trim(stated.back()));
  out.source = source;
  add_others(stated, stated.size() - 1, out);
  return true;
}

bool stated_answer(std::string_view region, AnswerSource source, ExtractedAnswer& out) {
  return stated_answer(region, boxes_when_closed(region), source, out);
}

// A short answer in words, without digits ("Evelyn", "\text{even}"): a span or text that
// parses as words and holds a digit is a sentence about a number, not a word answer.
bool is_word_answer(std::string_view text) {
  constexpr size_t kMaxWordAnswer = 60;
  return text.size() <= kMaxWordAnswer && std::none_of(text.begin(), text.end(), is_digit);
}

// The last math-mode span, when it holds math or a word answer ("$\text{even}$"): a span of
// words about numbers ("$5 and $") or one that does not parse means the text's math-mode
// spans are not its answer.
std::optional<std::string_view> last_math_expression(std::string_view text) {
  std::vector<std::string_view> spans = math_spans(text);
  if (spans.empty()) return std::nullopt;
  std::string_view last = trim(spans.back());
  // Its sentence must state it plainly ("It is not $18$.", "$17$ or $18$" do not). The
  // delimiters around a span are part of its place in the sentence.
  size_t start = static_cast<size_t>(spans.back().data() - text.data());
  size_t end = start + spans.back().size();
  while (start > 0 && one_of(text[start - 1], "$([\\")) --start;
  while (end < text.size() && one_of(text[end], "$)]\\")) ++end;
  size_t previous = std::string_view::npos;
  if (spans.size() >= 2) {
    const std::string_view& p = spans[spans.size() - 2];
    previous = static_cast<size_t>(p.data() - text.data()) + p.size();
    while (previous < start && one_of(text[previous], "$)]\\")) ++previous;
  }
  if (!stated_plainly(text, start, end, previous)) return std::nullopt;
  if (last.empty() || last.size() > kMaxAnswerLength) return std::nullopt;
  ValueParse v = parse_math_value(normalize_answer(last));
  if (!v.value) return std::nullopt;
  if (v.value->kind == ValueKind::Text && !is_word_answer(last)) return std::nullopt;
  return last;
}

// English words of two letters ("is", "so"): "bc" in "a \cdot bc" is a product, not a word.
bool is_short_word(const std::string& w) {
  static const char* const kWords[] = {"am", "an", "as", "at", "be", "by", "do", "go",
                                       "he", "if", "in", "is", "it", "me", "my", "no",
                                       "of", "on", "or", "so", "to", "up", "us", "we"};
  for (const char* k : kWords) {
    if (w == k) return true;
  }
  return false;
}

// Function names written without a backslash ("sin x", "log 8") are math, not words.
bool is_function_word(const std::string& w) {
  for (const char* f : {"sin", "cos", "tan", "sec", "csc", "cot", "log", "exp", "sqrt", "arcsin",
                        "arccos", "arctan", "sinh", "cosh", "tanh", "pi"}) {
    if (w == f) return true;
  }
  return false;
}

// Whether the text reads as prose: it holds a word standing alone ("so 9 * 2 = 18"), where a
// word stands between spaces, the ends and sentence punctuation, has three letters or more (not
// a function name) or is a two-letter English word, and the text is more than that word. "yx",
// "Evelyn", "ab+2a", "\frac{x+y}{xy}" and
// "\begin{bmatrix}" are not prose.
bool reads_as_prose(std::string_view text) {
  auto boundary = [](char c) { return one_of(c, " \t\n.,;:!?"); };
  return any_ascii_word(text, [&](size_t i, size_t j) {
    bool alone = (i == 0 || boundary(text[i - 1])) && (j == text.size() || boundary(text[j]));
    if (!alone || j - i < 2 || (i == 0 && j == text.size())) return false;
    std::string w = lower_word(text.substr(i, j - i));
    return j - i >= 3 ? !is_function_word(w) : is_short_word(w);
  });
}

// A completion that is one answer and nothing else: "\frac{10}{9}", "1 000", "(1, 4.5)",
// "x \geq 5", "9 * 2 = 18" (an equation without variables is judged by its right side), or a
// word answer without digits ("Evelyn").
bool whole_text_is_math(std::string_view text) {
  text = trim(text);
  if (text.empty() || text.size() > kMaxAnswerLength || text.find('\n') != std::string_view::npos ||
      reads_as_prose(text)) {
    return false;
  }
  ValueParse v = parse_math_value(normalize_answer(text));
  if (!v.value) return false;
  return v.value->kind != ValueKind::Text || is_word_answer(text);
}

}  // namespace

ExtractedAnswer extract_answer(std::string_view completion, const TagNames& tags,
                               Fallback fallback) {
  ExtractedAnswer out;
  if (auto block = answer_block(completion, tags)) {
    if (!stated_answer(*block, AnswerSource::AnswerTag, out)) {
      out.text = std::string(trim(*block));
      out.source = AnswerSource::AnswerTag;
    }
    // Several answer blocks state several answers: each must be right.
    std::vector<std::string> answers;
    for (std::string_view e : earlier_answer_blocks(completion, tags)) {
      ExtractedAnswer one;
      answers.push_back(stated_answer(e, AnswerSource::AnswerTag, one) ? one.text
                                                                       : std::string(trim(e)));
    }
    std::vector<std::string_view> views(answers.begin(), answers.end());
    add_others(views, views.size(), out);
    return out;
  }
  if (fallback == Fallback::Never ||
      (fallback == Fallback::Untagged && uses_tags(completion, tags))) {
    return out;
  }
  std::vector<std::string_view> boxes = boxes_when_closed(completion);
  if (!boxes.empty()) {
    stated_answer(completion, boxes, AnswerSource::Boxed, out);
    return out;
  }
  if (stated_answer(completion, AnswerSource::AnswerIs, out)) return out;
  if (auto span = last_math_expression(completion)) {
    out.text = std::string(*span);
    out.source = AnswerSource::MathMode;
    return out;
  }
  if (whole_text_is_math(completion)) {
    out.text = std::string(trim(completion));
    out.source = AnswerSource::WholeText;
    return out;
  }
  if (auto num = final_number(completion)) {
    out.text = std::string(*num);
    out.source = AnswerSource::LastNumber;
  }
  return out;
}

}  // namespace r1
