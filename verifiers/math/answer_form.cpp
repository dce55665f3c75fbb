#include "verifiers/math/answer_form.h"

#include <cctype>
#include <optional>

#include <boost/multiprecision/cpp_int.hpp>

#include "core/error.h"
#include "verifiers/arith/rational.h"

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

}  // namespace

AnswerForm answer_form_of(const Task& task) {
  if (!task.meta.is_object()) return AnswerForm::Any;
  auto it = task.meta.find("answer_form");
  if (it == task.meta.end()) return AnswerForm::Any;
  if (!it->is_string()) fail("meta.answer_form must be a string");
  const std::string& f = it->get_ref<const std::string&>();
  if (f == "integer") return AnswerForm::Integer;
  if (f == "reduced") return AnswerForm::Reduced;
  fail("meta.answer_form '", f, "': use integer or reduced");
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
  std::string compact;
  for (char c : normalized)
    if (!std::isspace(static_cast<unsigned char>(c))) compact += c;
  const std::string_view v(compact);
  size_t i = 0;
  if (i < v.size() && (v[i] == '-' || v[i] == '+')) ++i;
  if (form == AnswerForm::Integer) return digits_to_end(v, i);
  // Reduced: an integer, a decimal literal, a/b or \frac{a}{b} in lowest terms.
  const size_t n = digits(v, i), j = i + n;
  if (j == v.size()) return n > 0;                            // an integer
  if (v[j] == '.') return digits_to_end(v, j + 1);            // a decimal ("0.75", ".75")
  if (n == 0) return reduced_latex_fraction(v, i);            // \frac{a}{b}
  if (v[j] != '/' || !digits_to_end(v, j + 1)) return false;  // a/b
  return lowest_terms(BigInt(std::string(v.substr(i, n))), BigInt(std::string(v.substr(j + 1))));
}

}  // namespace r1
