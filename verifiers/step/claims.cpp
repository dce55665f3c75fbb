#include "verifiers/step/claims.h"

#include <cmath>
#include <cstdio>

#include "verifiers/arith/ball_eval.h"
#include "verifiers/arith/exact_eval.h"
#include "verifiers/arith/plain_parser.h"
#include "verifiers/completion.h"

namespace r1 {

namespace {

// A ball's midpoint for verdict details: a double, or a power of two beyond double range.
std::string describe(const Ball& b) {
  if (!b.known()) return b.undefined ? "undefined" : "unknown";
  double v = b.to_double();
  char buf[64];
  if (std::isfinite(v) && (v == 0) == (b.mid == 0))
    std::snprintf(buf, sizeof buf, "%.17g", v);
  else
    std::snprintf(buf, sizeof buf, "%s2^%.6f", b.mid < 0 ? "-" : "", b.log2_mid());
  return buf;
}

// Bytes allowed in a claim line. Non-ASCII bytes are allowed only as part of × ÷ · ⋅ − ∗,
// which the plain parser recognises; anything else makes the line prose.
bool claim_char(char c) {
  return (c >= '0' && c <= '9') || c == ' ' || c == '\t' || c == '+' || c == '-' || c == '*' ||
         c == '/' || c == '^' || c == '(' || c == ')' || c == '.' || c == ',' || c == '=' ||
         c == '\r';
}

constexpr std::string_view kNotEqualSign = "\xE2\x89\xA0";  // ≠

// The bytes of the relation ("=", "!=" or "≠") that starts at s[i], 0 for none; *unequal says
// which it is.
size_t relation_at(std::string_view s, size_t i, bool* unequal) {
  *unequal = true;
  if (s[i] == '!' && i + 1 < s.size() && s[i + 1] == '=') return 2;
  if (s.compare(i, kNotEqualSign.size(), kNotEqualSign) == 0) return kNotEqualSign.size();
  *unequal = false;
  return s[i] == '=' ? 1 : 0;
}

bool only_claim_chars(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    bool unequal;
    if (const size_t width = relation_at(s, i, &unequal); width > 0) {
      i += width;
      continue;
    }
    if (c < 0x80) {
      if (!claim_char(static_cast<char>(c))) return false;
      ++i;
      continue;
    }
    static const char* const kSigns[] = {"\xC3\x97",     "\xC3\xB7",     "\xC2\xB7",
                                         "\xE2\x8B\x85", "\xE2\x88\x92", "\xE2\x88\x97"};
    bool matched = false;
    for (const char* sign : kSigns) {
      std::string_view sv(sign);
      if (s.compare(i, sv.size(), sv) == 0) {
        i += sv.size();
        matched = true;
        break;
      }
    }
    if (!matched) return false;
  }
  return true;
}

bool has_digit(std::string_view s) {
  for (char c : s) {
    if (c >= '0' && c <= '9') return true;
  }
  return false;
}

// Digits after the decimal point when `s` is a plain decimal literal ("3.14" -> 2), else -1.
int decimal_places(std::string_view s) {
  s = trim(s);
  if (!s.empty() && s[0] == '-') s.remove_prefix(1);
  size_t dot = s.find('.');
  if (dot == std::string_view::npos || dot == 0) return -1;
  for (size_t i = 0; i < s.size(); ++i) {
    if (i != dot && !(s[i] >= '0' && s[i] <= '9')) return -1;
  }
  return static_cast<int>(s.size() - dot - 1);
}

}  // namespace

const char* claim_truth_name(ClaimTruth t) {
  switch (t) {
    case ClaimTruth::True:
      return "true";
    case ClaimTruth::Rounded:
      return "rounded";
    case ClaimTruth::False:
      return "false";
    case ClaimTruth::Malformed:
      return "malformed";
    case ClaimTruth::TooLarge:
      return "too_large";
    case ClaimTruth::DivisionByZero:
      return "division_by_zero";
  }
  return "?";
}

ClaimScan find_claims(std::string_view text, size_t max_claims, size_t max_line) {
  ClaimScan scan;
  size_t line_no = 0;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    ++line_no;
    std::string_view line = trim(text.substr(start, end - start));
    start = end + 1;
    if (line.size() > max_line || (line.find('=') == std::string_view::npos &&
                                   line.find(kNotEqualSign) == std::string_view::npos)) {
      if (end == text.size()) break;
      continue;
    }
    // List markers and sentence punctuation are not part of the arithmetic.
    if (line.size() >= 2 && (line[0] == '-' || line[0] == '*') && line[1] == ' ')
      line = trim(line.substr(2));
    while (!line.empty() && (line.back() == '.' || line.back() == ',' || line.back() == ';')) {
      line.remove_suffix(1);
    }
    if (only_claim_chars(line)) {
      // Split the chain at "=", "!=" and "≠"; every side must hold a number ("= 12"
      // continuation lines are skipped). unequal[k] is the relation between sides k and k + 1.
      std::vector<std::string_view> sides;
      std::vector<bool> unequal;
      std::vector<size_t> relation;  // where relation k starts in `text`
      size_t s0 = 0;
      for (size_t i = 0; i < line.size(); ++i) {
        bool ne;
        const size_t width = relation_at(line, i, &ne);
        if (width == 0) continue;
        sides.push_back(trim(line.substr(s0, i - s0)));
        unequal.push_back(ne);
        relation.push_back(static_cast<size_t>(line.data() - text.data()) + i);
        i += width - 1;
        s0 = i + 1;
      }
      sides.push_back(trim(line.substr(s0)));
      bool all_sides = true;
      for (auto sd : sides) all_sides = all_sides && has_digit(sd);
      if (all_sides) {
        for (size_t k = 0; k + 1 < sides.size(); ++k) {
          if (scan.claims.size() >= max_claims) {
            scan.truncated = true;
            return scan;
          }
          const std::string_view rhs = sides[k + 1];
          scan.claims.push_back({line_no, std::string(sides[k]), std::string(rhs), unequal[k],
                                 relation[k],
                                 static_cast<size_t>(rhs.data() - text.data()) + rhs.size()});
        }
      }
    }
    if (end == text.size()) break;
  }
  return scan;
}

namespace {

ClaimCheck check_equality(const Claim& claim) {
  ClaimCheck out;
  PlainParseOptions po;
  po.allow_thousands = true;
  po.max_length = 1000;
  po.max_literal_digits = 400;
  ParsedExpr l = parse_plain(claim.lhs, po), r = parse_plain(claim.rhs, po);
  if (!l.ok() || !r.ok()) return out;  // Malformed
  ExactResult lv = eval_exact(l.tree, l.root), rv = eval_exact(r.tree, r.root);
  if (lv.status == ExactStatus::DivisionByZero || rv.status == ExactStatus::DivisionByZero) {
    out.truth = ClaimTruth::DivisionByZero;
    return out;
  }
  if (lv.status == ExactStatus::TooLarge || rv.status == ExactStatus::TooLarge) {
    out.truth = ClaimTruth::TooLarge;
    return out;
  }
  if (lv.ok() && rv.ok()) {
    out.lhs_value = snippet(to_string(lv.value), 80);
    out.rhs_value = snippet(to_string(rv.value), 80);
    if (lv.value == rv.value) {
      out.truth = ClaimTruth::True;
      return out;
    }
    // "22/7 = 3.14": the decimal side is the other side rounded to its own places.
    for (int side = 0; side < 2; ++side) {
      int places = decimal_places(side == 0 ? claim.rhs : claim.lhs);
      if (places < 1 || places > 30) continue;
      const BigRational& exact = side == 0 ? lv.value : rv.value;
      const BigRational& rounded = side == 0 ? rv.value : lv.value;
      BigRational diff = exact - rounded;
      if (diff < 0) diff = -diff;
      BigRational half_ulp(
          BigInt(1), 2 * boost::multiprecision::pow(BigInt(10), static_cast<unsigned>(places)));
      if (diff <= half_ulp) {
        out.truth = ClaimTruth::Rounded;
        return out;
      }
    }
    out.truth = ClaimTruth::False;
    return out;
  }
  // Irrational parts (2^0.5): ball arithmetic, so tiny and huge values keep their size and a
  // claim the doubles cannot decide is not true.
  Ball a = eval_ball(l.tree, l.root, eval_exact_nodes(l.tree, l.root));
  Ball b = eval_ball(r.tree, r.root, eval_exact_nodes(r.tree, r.root));
  out.lhs_value = describe(a);
  out.rhs_value = describe(b);
  out.truth = compare_balls(a, b, 1e-9) == BallOrder::Equal ? ClaimTruth::True : ClaimTruth::False;
  return out;
}

}  // namespace

ClaimCheck check_claim(const Claim& claim) {
  ClaimCheck out = check_equality(claim);
  if (!claim.unequal) return out;
  // "a != b": true when the values differ. Equal within rounding is not different.
  if (out.truth == ClaimTruth::False)
    out.truth = ClaimTruth::True;
  else if (out.truth == ClaimTruth::True || out.truth == ClaimTruth::Rounded)
    out.truth = ClaimTruth::False;
  return out;
}

}  // namespace r1
