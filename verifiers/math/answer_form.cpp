#include "verifiers/math/answer_form.h"

#include <cctype>
#include <numeric>

#include "core/error.h"

namespace r1 {

namespace {

// Reads digits at s[i...]; their count (0: none). Values past 18 digits are not reduced-checked
// exactly; they are kept as text.
size_t digits(std::string_view s, size_t i) {
  size_t n = 0;
  while (i + n < s.size() && std::isdigit(static_cast<unsigned char>(s[i + n]))) ++n;
  return n;
}

bool lowest_terms(std::string_view num, std::string_view den) {
  // Up to 18 digits each fits in int64; longer ones cannot be checked here and are refused.
  if (num.empty() || den.empty() || num.size() > 18 || den.size() > 18) return false;
  const long long a = std::stoll(std::string(num)), b = std::stoll(std::string(den));
  return b > 1 && std::gcd(a, b) == 1;
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
  std::string s;
  for (char c : normalized)
    if (!std::isspace(static_cast<unsigned char>(c))) s += c;
  size_t i = 0;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
  const std::string_view v(s);
  if (form == AnswerForm::Integer) {
    const size_t n = digits(v, i);
    return n > 0 && i + n == v.size();
  }
  // Reduced: \frac{a}{b}
  for (std::string_view frac : {"\\frac{", "\\tfrac{"}) {
    if (v.substr(i, frac.size()) == frac) {
      const size_t a0 = i + frac.size(), na = digits(v, a0);
      if (na == 0 || v.substr(a0 + na, 2) != "}{") return false;
      const size_t b0 = a0 + na + 2, nb = digits(v, b0);
      if (nb == 0 || b0 + nb + 1 != v.size() || v[b0 + nb] != '}') return false;
      return lowest_terms(v.substr(a0, na), v.substr(b0, nb));
    }
  }
  const size_t n = digits(v, i);
  if (n == 0) return false;
  const size_t j = i + n;
  if (j == v.size()) return true;  // an integer
  if (v[j] == '.') {               // a decimal literal
    const size_t m = digits(v, j + 1);
    return m > 0 && j + 1 + m == v.size();
  }
  if (v[j] == '/') {  // a fraction
    const size_t m = digits(v, j + 1);
    return m > 0 && j + 1 + m == v.size() && lowest_terms(v.substr(i, n), v.substr(j + 1, m));
  }
  return false;
}

}  // namespace r1
