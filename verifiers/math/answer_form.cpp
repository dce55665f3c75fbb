#include "verifiers/math/answer_form.h"

#include <algorithm>
#include <cctype>
#include <optional>
#include <set>
#include <vector>

#include <boost/multiprecision/cpp_int.hpp>

#include "core/error.h"
#include "verifiers/arith/rational.h"
#include "verifiers/math/extract.h"
#include "verifiers/math/normalize.h"

namespace r1 {

namespace {

// Digits at s[i...]: their count (0: none).
size_t digits(std::string_view s, size_t i) {
  size_t n = 0;
  while (i + n < s.size() && std::isdigit(static_cast<unsigned char>(s[i + n]))) ++n;
  return n;
}

// At least one digit from s[i] to the end.
bool digits_to_end(std::string_view s, size_t i) {
  const size_t n = digits(s, i);
  return n > 0 && i + n == s.size();
}

// An optional sign and digits at s[*i...], as a number; nothing when there are no digits.
std::optional<BigInt> integer_at(std::string_view s, size_t* i) {
  size_t j = *i;
  bool negative = false;
  if (j < s.size() && (s[j] == '-' || s[j] == '+')) negative = s[j++] == '-';
  const size_t n = digits(s, j);
  if (n == 0) return std::nullopt;
  BigInt v(std::string(s.substr(j, n)));
  *i = j + n;
  return negative ? BigInt(-v) : v;
}

// num/den with den > 1, in lowest terms (gcd 1; 0 is written "0").
bool lowest_terms(const BigInt& num, const BigInt& den) {
  return den > 1 && num != 0 && boost::multiprecision::gcd(num, den) == 1;
}

// \frac{a}{b} (a may carry a sign), or \frac ab with single digits (LaTeX's shorthand), from
// position i; true when it spans the rest of s and is in lowest terms.
bool reduced_latex_fraction(std::string_view s, size_t i) {
  if (s.substr(i, 5) != "\\frac") return false;
  i += 5;
  std::optional<BigInt> num, den;
  if (i < s.size() && s[i] == '{') {
    ++i;
    num = integer_at(s, &i);
    if (!num || s.substr(i, 2) != "}{") return false;
    i += 2;
    den = integer_at(s, &i);
    if (!den || i + 1 != s.size() || s[i] != '}') return false;
  } else {  // \frac34
    if (i + 2 != s.size() || !std::isdigit(static_cast<unsigned char>(s[i])) ||
        !std::isdigit(static_cast<unsigned char>(s[i + 1])))
      return false;
    num = BigInt(s[i] - '0');
    den = BigInt(s[i + 1] - '0');
  }
  return lowest_terms(abs(*num), *den);
}

// `normalized` without whitespace and without brackets around the whole: "( 18 )" is "18".
std::string bare_literal(std::string_view normalized) {
  std::string c;
  for (char ch : normalized)
    if (!std::isspace(static_cast<unsigned char>(ch))) c += ch;
  size_t k = 0;
  while (c.size() >= 2 * (k + 1) && c[k] == '(' && c[c.size() - 1 - k] == ')') ++k;
  return c.substr(k, c.size() - 2 * k);
}

// The numbers written in `text`: runs of digits with at most one inner decimal point, thousands
// commas dropped ("1,234.5" is "1234.5"), leading zeros dropped.
std::vector<std::string> numbers_in(std::string_view text) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < text.size()) {
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) {
      ++i;
      continue;
    }
    std::string n;
    bool point = false;
    while (i < text.size()) {
      const char c = text[i];
      if (std::isdigit(static_cast<unsigned char>(c))) {
        n += c;
      } else if (c == ',' && digits(text, i + 1) == 3) {
        // a thousands group: skip the comma
      } else if (c == '.' && !point && i + 1 < text.size() &&
                 std::isdigit(static_cast<unsigned char>(text[i + 1]))) {
        point = true;
        n += c;
      } else {
        break;
      }
      ++i;
    }
    const size_t nz = n.find_first_not_of('0');
    n = nz == std::string::npos ? "0" : n[nz] == '.' ? n.substr(nz - 1) : n.substr(nz);
    out.push_back(std::move(n));
  }
  return out;
}

// What kind of literal a normalised answer is: 0 none, 1 an integer, 2 a decimal, 3 a fraction.
int literal_kind(std::string_view normalized) {
  if (!written_in_form(normalized, AnswerForm::Reduced)) return 0;
  if (normalized.find('/') != std::string_view::npos ||
      normalized.find("\\frac") != std::string_view::npos)
    return 3;
  return normalized.find('.') != std::string_view::npos ? 2 : 1;
}

// A literal's spelling up to notation: "\frac{57}{160}", "57/160" and "(57/160)" are "57/160",
// "+5" is "5"; "" for what is not a literal.
std::string literal_key(std::string_view normalized) {
  if (literal_kind(normalized) == 0) return "";
  const std::string c = bare_literal(normalized);
  std::string_view v(c);
  std::string sign;
  if (!v.empty() && (v[0] == '-' || v[0] == '+')) {
    if (v[0] == '-') sign = "-";
    v.remove_prefix(1);
  }
  if (v.substr(0, 5) != "\\frac") return sign + std::string(v);
  v.remove_prefix(5);
  if (v.size() == 2) return cat(sign, v[0], "/", v[1]);  // \frac34
  const size_t split = v.find("}{");                     // {57}{160}
  if (v.size() < 4 || v.front() != '{' || v.back() != '}' || split == std::string_view::npos)
    return sign + std::string(v);
  return cat(sign, v.substr(1, split - 1), "/", v.substr(split + 2, v.size() - split - 3));
}

}  // namespace

AnswerForm answer_form_of(const Task& task) {
  if (!task.meta.is_object()) return AnswerForm::Any;
  auto it = task.meta.find("answer_form");
  if (it == task.meta.end()) return AnswerForm::Any;
  if (!it->is_string()) fail("meta.answer_form must be a string");
  const std::string& f = it->get_ref<const std::string&>();
  if (f == "integer") return AnswerForm::Integer;
  if (f == "reduced") return AnswerForm::Reduced;
  if (f == "any") return AnswerForm::Any;
  fail("meta.answer_form '", f, "': use integer, reduced or any");
}

namespace {

// An expression's spelling without what does not change it: whitespace, round brackets and
// braces, \left and \right ("(\sqrt{242})" and "\sqrt{(242)}" are "\sqrt242").
std::string skeleton(std::string_view normalized) {
  std::string s = spelling_key(normalized), out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s.compare(i, 5, "\\left") == 0 &&
        !(i + 5 < s.size() && std::isalpha(static_cast<unsigned char>(s[i + 5])))) {
      i += 4;
      continue;
    }
    if (s.compare(i, 6, "\\right") == 0 &&
        !(i + 6 < s.size() && std::isalpha(static_cast<unsigned char>(s[i + 6])))) {
      i += 5;
      continue;
    }
    if (s[i] == '(' || s[i] == ')' || s[i] == '{' || s[i] == '}' || s[i] == ' ') continue;
    out += s[i];
  }
  return out;
}

// Whether what an answer adds around a restated expression leaves its value alone: signs and
// the identities +0, -0, *1, /1, ^1, \cdot 1, \times 1 ("+0", "\cdot1", "--"), each whole:
// "+1", "*10" and "\cdot 100" change the value ("\pi \cdot 100" is an answer).
bool identity_only(std::string_view rest) {
  size_t i = 0;
  // "1\cdot X", "1*X": a factor of one in front.
  for (std::string_view one : {"1\\cdot", "1\\times", "1*"})
    if (rest.substr(0, one.size()) == one) i = one.size();
  while (i < rest.size()) {
    if (rest[i] == '+' || rest[i] == '-') {
      const bool zero = i + 1 < rest.size() && rest[i + 1] == '0';
      i += zero ? 2 : 1;  // "+0", or a sign
    } else {
      size_t w = 0;
      for (std::string_view op : {"\\cdot", "\\times", "*", "/", "^"})
        if (rest.compare(i, op.size(), op) == 0) w = op.size();
      if (w == 0 || i + w >= rest.size() || rest[i + w] != '1') return false;
      i += w + 1;
    }
    if (i < rest.size() && std::isdigit(static_cast<unsigned char>(rest[i]))) return false;
  }
  return true;
}

}  // namespace

bool restates_prompt(std::string_view prompt, std::string_view normalized,
                     std::string_view gold_normalized,
                     const std::function<bool(std::string_view)>& equals_gold) {
  const std::string key = spelling_key(normalized);
  if (key.empty()) return false;
  // The answer's skeleton, for a question's expression inside it ("(\sqrt{242})",
  // "99^2+99+1+0"); only an answer that is not itself a literal can hold one.
  const std::string answer_skeleton = literal_kind(normalized) == 0 ? skeleton(normalized) : "";
  const bool literal_gold = literal_kind(gold_normalized) != 0;
  for (std::string_view span : math_spans(prompt)) {
    // "Compute $\dbinom{31}{28}.$": the sentence's stop is not part of the expression.
    while (!span.empty() &&
           std::string_view(" \t\n.,;:?!").find(span.back()) != std::string_view::npos)
      span.remove_suffix(1);
    if (span.empty()) continue;
    const std::string spelt = normalize_answer(span);
    // A literal of the gold's kind may be the option the question asks to choose ("Which is
    // larger, $\frac34$ or $\frac23$?"): not a restatement. One of another kind is the question's
    // input ("Express $\frac{57}{160}$ as a decimal.").
    if (const int kind = literal_kind(spelt); kind != 0) {
      if (kind == literal_kind(gold_normalized)) continue;
      if (literal_key(spelt) == literal_key(normalized)) return true;  // "57/160" for it too
    }
    if (spelling_key(spelt) == key) return true;
    // The question's expression inside the answer, with only identities around it
    // ("\frac{57}{160}+0", "\sqrt{242}\cdot 1"), or, for a literal gold, with anything around
    // it ("\binom{31}{28}\cdot 2/2" for 4495): the value is the question's, not worked out.
    // A literal of another kind counts with identities only ("\frac{5}{10}" holds the "10" of a
    // question, and is worked out).
    if (answer_skeleton.empty()) continue;
    const std::string inner = skeleton(spelt);
    if (inner.size() < 2) continue;  // a variable, a digit
    const size_t at = answer_skeleton.find(inner);
    if (at == std::string::npos) continue;
    const std::string rest =
        answer_skeleton.substr(0, at) + answer_skeleton.substr(at + inner.size());
    if ((literal_gold && literal_kind(spelt) == 0) || identity_only(rest)) return true;
    // "2\sqrt{242}/2" for 11\sqrt{2}: the span is worth the gold already, so what surrounds it
    // computed nothing. (A span of another value is a part of the work: "2\sqrt{2}" holds the
    // "\sqrt{2}" of "Let $x = \sqrt{2}$", which is not the gold. A span spelt as the gold is the
    // answer's own form: "\frac{3}{\sqrt{3}}" for \sqrt{3} restates nothing the question asked.)
    const bool computes = std::any_of(spelt.begin(), spelt.end(), [](char c) {
      return std::isdigit(static_cast<unsigned char>(c));
    });
    if (equals_gold && computes && spelling_key(spelt) != spelling_key(gold_normalized) &&
        equals_gold(span))
      return true;
  }
  if (!written_in_form(gold_normalized, AnswerForm::Reduced) ||
      written_in_form(normalized, AnswerForm::Reduced))
    return false;
  const std::vector<std::string> own = numbers_in(normalized);
  if (own.empty()) return false;
  const std::vector<std::string> given = numbers_in(prompt);
  const std::set<std::string> in_prompt(given.begin(), given.end());
  for (const std::string& n : own)
    if (!in_prompt.count(n)) return false;
  return true;
}

const char* answer_form_name(AnswerForm form) {
  switch (form) {
    case AnswerForm::Integer:
      return "integer";
    case AnswerForm::Reduced:
      return "reduced";
    default:
      return "any";
  }
}

bool written_in_form(std::string_view normalized, AnswerForm form) {
  if (form == AnswerForm::Any) return true;
  const std::string bare = bare_literal(normalized);  // "(18)", "(-5)": brackets change nothing
  std::string_view v(bare);
  size_t i = 0;
  if (i < v.size() && (v[i] == '-' || v[i] == '+')) ++i;
  if (form == AnswerForm::Integer) return digits_to_end(v, i);
  // Reduced: an integer, a decimal literal (in scientific notation too), a/b or \frac{a}{b} in
  // lowest terms.
  if (size_t times = v.find("*10^"); times != std::string_view::npos) {
    std::string_view power = v.substr(times + 4);
    if (power.size() >= 2 && power.front() == '{' && power.back() == '}')
      power = power.substr(1, power.size() - 2);
    size_t k = !power.empty() && power[0] == '-' ? 1 : 0;
    if (!digits_to_end(power, k)) return false;
    v = v.substr(0, times);  // the mantissa: an integer or a decimal
    if (i >= v.size()) return false;
    const size_t m = digits(v, i);
    return (m > 0 && i + m == v.size()) ||
           (i + m < v.size() && v[i + m] == '.' && digits_to_end(v, i + m + 1));
  }
  const size_t n = digits(v, i), j = i + n;
  if (j == v.size()) return n > 0;                            // an integer
  if (v[j] == '.') return digits_to_end(v, j + 1);            // a decimal ("0.75", ".75")
  if (n == 0) return reduced_latex_fraction(v, i);            // \frac{a}{b}
  if (v[j] != '/' || !digits_to_end(v, j + 1)) return false;  // a/b
  return lowest_terms(BigInt(std::string(v.substr(i, n))), BigInt(std::string(v.substr(j + 1))));
}

}  // namespace r1
