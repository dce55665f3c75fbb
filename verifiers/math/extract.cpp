#include "verifiers/math/extract.h"

#include <algorithm>
#include <cstring>
#include <unordered_set>

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

// Extends a number whose last digit is text[end-1] backwards; returns where it starts.
size_t number_start(std::string_view t, size_t end) {
  auto digits_back = [&](size_t j) {
    while (j > 0 && is_digit(t[j - 1])) --j;
    return j;
  };
  size_t i = digits_back(end);
  if (i >= 2 && t[i - 1] == '/' && is_digit(t[i - 2])) {
    i = digits_back(i - 1);  // "3/4": take the numerator too
  } else {
    if (i >= 2 && t[i - 1] == '.' && is_digit(t[i - 2])) i = digits_back(i - 1);  // "12.5"
    // Thousands separators: a comma counts only between digit groups of three ("1,234,567").
    size_t group_end = i;
    while (group_end < t.size() && is_digit(t[group_end])) ++group_end;
    size_t group = group_end - i;
    while (group == 3 && i >= 2 && t[i - 1] == ',' && is_digit(t[i - 2])) {
      size_t k = digits_back(i - 1);
      size_t len = i - 1 - k;
      if (len > 3) break;
      i = k;
      group = len;
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
    case AnswerSource::LastNumber:
      return "last_number";
    case AnswerSource::None:
      return "none";
  }
  return "?";
}

namespace {

const char* const kBoxCommands[] = {"\\boxed", "\\fbox"};

// The content of the box whose command ends at `i` ("\\boxed{…}" or "\\boxed 5"), and where
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

// Start of the next case-insensitive "answer is" at or after `from`, or npos.
constexpr std::string_view kAnswerIs = "answer is";
size_t find_answer_is(std::string_view text, size_t from) {
  const size_t n = kAnswerIs.size();
  for (size_t p = from; p + n <= text.size(); ++p) {
    bool eq = true;
    for (size_t k = 0; k < n && eq; ++k) {
      char c = text[p + k];
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      eq = c == kAnswerIs[k];
    }
    if (eq) return p;
  }
  return std::string_view::npos;
}

// What an "answer is" at `found` states: up to the end of the line, or a period that ends the
// sentence (not a decimal point). The scan stops at `limit`; `*cut` says whether it got there
// before the statement ended.
std::optional<std::string_view> statement_after(std::string_view text, size_t found, size_t limit,
                                                bool* cut) {
  size_t i = found + kAnswerIs.size();
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

std::optional<std::string_view> last_boxed(std::string_view text) {
  size_t at = std::string_view::npos;
  size_t cmd_len = 0;
  for (const char* cmd : kBoxCommands) {
    size_t p = rfind_text(text, cmd);
    if (p != std::string_view::npos && (at == std::string_view::npos || p > at)) {
      at = p;
      cmd_len = std::strlen(cmd);
    }
  }
  if (at == std::string_view::npos) return std::nullopt;
  size_t end = 0;
  return box_content(text, at + cmd_len, &end);
}

namespace {

// The length of the box command ("\\boxed", "\\fbox") at text[i], or 0.
size_t box_command_at(std::string_view text, size_t i) {
  for (const char* cmd : kBoxCommands) {
    size_t n = std::strlen(cmd);
    if (text.compare(i, n, cmd) == 0) return n;
  }
  return 0;
}

}  // namespace

std::vector<std::string_view> all_boxed(std::string_view text) {
  // One pass with a stack of open braces, so a megabyte of unclosed "\\boxed{" stays linear.
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
  std::sort(boxes.begin(), boxes.end(),
            [](const Content& a, const Content& b) { return a.start < b.start; });
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

std::vector<std::string_view> all_answer_is(std::string_view text) {
  std::vector<std::string_view> out;
  size_t p = find_answer_is(text, 0);
  while (p != std::string_view::npos) {
    size_t next = find_answer_is(text, p + 1);
    // The scan stops at the next "answer is", which keeps repeated phrases linear. A statement
    // cut there counts when it holds a number ("the answer is 2 or the answer is 3"), not when
    // it is a run-on ("the answer is the answer is 5").
    bool cut = false;
    auto st = statement_after(text, p, next == std::string_view::npos ? text.size() : next, &cut);
    if (st && (!cut || std::any_of(st->begin(), st->end(), is_digit))) out.push_back(*st);
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
// identifier: "AZYUK2A", "x2", "H2O"), LaTeX structure ("x^2", "a_1", "\\sqrt{5}", "{2}"),
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
    if (c == '\n') return i;
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
      "not",          "no",      "never",    "neither",  "nor",       "isn",       "isnt",
      "aren",         "wasn",    "doesn",    "don",      "cannot",    "or",        "either",
      "between",      "maybe",   "perhaps",  "possibly", "probably",  "least",     "most",
      "more",         "less",    "fewer",    "than",     "over",      "under",     "above",
      "below",        "except",  "without",  "minus",    "plus",      "half",      "twice",
      "double",       "triple",  "hundred",  "hundreds", "thousand",  "thousands", "million",
      "millions",     "billion", "billions", "trillion", "trillions", "dozen",     "dozens",
      "alternatively"};
  std::string w = lower_word(word);
  for (const char* k : kWords) {
    if (w == k) return true;
  }
  return false;
}

// Whether a word of the text passes `test`.
template <typename Test>
bool any_word(std::string_view text, Test test) {
  for (size_t i = 0; i < text.size();) {
    if (!is_letter(text[i])) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < text.size() && is_letter(text[j])) ++j;
    if (test(lower_word(text.substr(i, j - i)))) return true;
    i = j;
  }
  return false;
}

bool has_value_word(std::string_view text) {
  return any_word(text, [](const std::string& w) { return changes_the_value(w); });
}

bool has_hedge_word(std::string_view text) {
  return any_word(text, [](const std::string& w) {
    return w == "or" || w == "nor" || w == "maybe" || w == "perhaps" || w == "alternatively";
  });
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

}  // namespace

std::optional<std::string_view> last_number(std::string_view text) {
  std::vector<Span> n = numbers_backwards(text, 1);
  if (n.empty() || !stands_alone(text, n[0])) return std::nullopt;
  return text.substr(n[0].start, n[0].end - n[0].start);
}

std::optional<std::string_view> final_number(std::string_view text) {
  std::vector<Span> n = numbers_backwards(text, 2);
  if (n.empty() || !stands_alone(text, n[0])) return std::nullopt;
  size_t from = sentence_start(text, n[0].start);
  if (n.size() == 2 && n[1].end > from) {
    std::string_view between = text.substr(n[1].end, n[0].start - n[1].end);
    if (joins_alternatives(between)) return std::nullopt;  // "2 or 3", "1, 2", "1 to 3"
    from = n[1].end;
  }
  // What the sentence says before the number, since the last '=' or number: "It is not 18.",
  // "Maybe 18." claim no number; after it only a hedge counts ("18 or more"), as reasoning
  // goes on with comparisons ("= 2 more than B", "= 7 dozen").
  std::string_view before = text.substr(from, n[0].start - from);
  size_t eq = before.rfind('=');
  if (eq != std::string_view::npos) before.remove_prefix(eq + 1);
  size_t end = n[0].end;
  while (end < text.size() && text[end] != '\n' &&
         !((text[end] == '.' || text[end] == '!' || text[end] == '?') &&
           (end + 1 == text.size() || text[end + 1] == ' ' || text[end + 1] == '\n'))) {
    ++end;
  }
  if (has_value_word(before) || has_hedge_word(text.substr(n[0].end, end - n[0].end)))
    return std::nullopt;
  return text.substr(n[0].start, n[0].end - n[0].start);
}

std::optional<std::string_view> number_in_prose(std::string_view text) {
  std::vector<Span> n = numbers_backwards(text, 2);
  if (n.size() != 1 || !stands_alone(text, n[0])) return std::nullopt;
  // Everything else is words and sentence punctuation: no operator, bracket or command that
  // would make the number part of an expression.
  size_t i = 0;
  while (i < text.size()) {
    if (i == n[0].start) {
      i = n[0].end;
      continue;
    }
    char c = text[i];
    if (is_letter(c)) {
      size_t j = i;
      while (j < text.size() && is_letter(text[j])) ++j;
      if (changes_the_value(text.substr(i, j - i))) return std::nullopt;
      i = j;
      continue;
    }
    auto u = static_cast<unsigned char>(c);
    if (u < 0x80 && !one_of(c, " \t\n\r.,;:!?'\"$()-%")) return std::nullopt;
    ++i;
  }
  return text.substr(n[0].start, n[0].end - n[0].start);
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

// The answer a region states: its last \\boxed{}, else its last "answer is" (with the ones
// before it kept as `others`). False when it states none.
bool stated_answer(std::string_view region, AnswerSource source, ExtractedAnswer& out) {
  std::vector<std::string_view> stated;
  if (auto b = last_boxed(region)) {
    stated = all_boxed(region);
    if (stated.empty() || stated.back().data() != b->data()) stated.push_back(*b);
  } else {
    stated = all_answer_is(region);
  }
  if (stated.empty()) return false;
  out.text = std::string(trim(stated.back()));
  out.source = source;
  std::unordered_set<std::string_view> seen = {trim(stated.back())};
  for (size_t i = 0; i + 1 < stated.size() && out.others.size() <= kMaxOtherAnswers; ++i) {
    if (seen.insert(trim(stated[i])).second) out.others.emplace_back(trim(stated[i]));
  }
  return true;
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
    return out;
  }
  if (fallback == Fallback::Never ||
      (fallback == Fallback::Untagged && uses_tags(completion, tags))) {
    return out;
  }
  if (last_boxed(completion)) {
    stated_answer(completion, AnswerSource::Boxed, out);
    return out;
  }
  if (stated_answer(completion, AnswerSource::AnswerIs, out)) return out;
  if (auto num = final_number(completion)) {
    out.text = std::string(*num);
    out.source = AnswerSource::LastNumber;
  }
  return out;
}

}  // namespace r1
