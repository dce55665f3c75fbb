#include "verifiers/math/extract.h"

#include <cstring>

namespace r1 {

namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
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

std::optional<std::string_view> last_boxed(std::string_view text) {
  size_t at = std::string_view::npos;
  size_t cmd_len = 0;
  for (const char* cmd : {"\\boxed", "\\fbox"}) {
    size_t p = rfind_text(text, cmd);
    if (p != std::string_view::npos && (at == std::string_view::npos || p > at)) {
      at = p;
      cmd_len = std::strlen(cmd);
    }
  }
  if (at == std::string_view::npos) return std::nullopt;
  size_t i = at + cmd_len;
  while (i < text.size() && text[i] == ' ') ++i;
  if (i < text.size() && text[i] == '{') {
    int depth = 0;
    for (size_t j = i; j < text.size(); ++j) {
      if (text[j] == '\\' && j + 1 < text.size()) {
        ++j;  // \{ and \} do not count as grouping braces
        continue;
      }
      if (text[j] == '{')
        ++depth;
      else if (text[j] == '}' && --depth == 0)
        return text.substr(i + 1, j - i - 1);
    }
    return std::nullopt;  // unbalanced
  }
  // "\boxed 5": one token up to the next space or '$'.
  size_t j = i;
  while (j < text.size() && text[j] != ' ' && text[j] != '$' && text[j] != '\n') ++j;
  if (j == i) return std::nullopt;
  return text.substr(i, j - i);
}

std::optional<std::string_view> answer_is(std::string_view text) {
  static const char kNeedle[] = "answer is";
  const size_t n = sizeof(kNeedle) - 1;
  size_t found = std::string_view::npos;
  // Case-insensitive search for the last occurrence, scanning backwards.
  for (size_t p = text.size() >= n ? text.size() - n + 1 : 0; p-- > 0;) {
    bool eq = true;
    for (size_t k = 0; k < n && eq; ++k) {
      char c = text[p + k];
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      eq = c == kNeedle[k];
    }
    if (eq) {
      found = p;
      break;
    }
  }
  if (found == std::string_view::npos) return std::nullopt;
  size_t i = found + n;
  while (i < text.size() && (text[i] == ' ' || text[i] == ':' || text[i] == '*')) ++i;
  size_t j = i;
  // Up to the end of the line, or a period that ends the sentence (not a decimal point).
  while (j < text.size() && text[j] != '\n') {
    if (text[j] == '.' && (j + 1 == text.size() || text[j + 1] == ' ' || text[j + 1] == '\n'))
      break;
    ++j;
  }
  std::string_view out = trim(text.substr(i, j - i));
  while (!out.empty() && (out.back() == '*' || out.back() == '.')) out.remove_suffix(1);
  if (out.empty()) return std::nullopt;
  return out;
}

std::optional<std::string_view> last_number(std::string_view text) {
  size_t i = text.size();
  while (i > 0 && !is_digit(text[i - 1])) --i;
  if (i == 0) return std::nullopt;
  size_t start = number_start(text, i);
  return text.substr(start, i - start);
}

int count_numbers(std::string_view text, int stop_at) {
  int n = 0;
  size_t i = text.size();
  while (n < stop_at) {
    while (i > 0 && !is_digit(text[i - 1])) --i;
    if (i == 0) break;
    ++n;
    i = number_start(text, i);
  }
  return n;
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

ExtractedAnswer extract_answer(std::string_view completion, const TagNames& tags,
                               Fallback fallback) {
  ExtractedAnswer out;
  if (auto block = answer_block(completion, tags)) {
    std::string_view a = *block;
    if (auto b = last_boxed(a))
      a = *b;
    else if (auto is = answer_is(a))
      a = *is;
    out.text = std::string(trim(a));
    out.source = AnswerSource::AnswerTag;
    return out;
  }
  if (fallback == Fallback::Never ||
      (fallback == Fallback::Untagged && uses_tags(completion, tags))) {
    return out;
  }
  if (auto b = last_boxed(completion)) {
    out.text = std::string(trim(*b));
    out.source = AnswerSource::Boxed;
    return out;
  }
  if (auto is = answer_is(completion)) {
    out.text = std::string(*is);
    out.source = AnswerSource::AnswerIs;
    return out;
  }
  if (auto num = last_number(completion)) {
    out.text = std::string(*num);
    out.source = AnswerSource::LastNumber;
    return out;
  }
  return out;
}

}  // namespace r1
