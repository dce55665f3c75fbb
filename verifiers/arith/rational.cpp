#include "verifiers/arith/rational.h"

#include <cmath>

namespace r1 {

std::optional<BigRational> parse_decimal(std::string_view text, int max_digits) {
  // Digits are gathered 18 at a time in a machine word so a long literal costs one big
  // multiply per chunk instead of one per digit.
  BigInt num = 0;
  uint64_t chunk = 0, chunk_scale = 1;
  int digits = 0, frac_digits = 0;
  bool seen_dot = false;
  for (char c : text) {
    if (c == '.') {
      if (seen_dot) return std::nullopt;
      seen_dot = true;
      continue;
    }
    if (c < '0' || c > '9') return std::nullopt;
    if (++digits > max_digits) return std::nullopt;
    if (seen_dot) ++frac_digits;
    chunk = chunk * 10 + static_cast<uint64_t>(c - '0');
    chunk_scale *= 10;
    if (chunk_scale == 1000000000000000000ull) {
      num = num * chunk_scale + chunk;
      chunk = 0;
      chunk_scale = 1;
    }
  }
  if (digits == 0) return std::nullopt;
  if (chunk_scale > 1) num = num * chunk_scale + chunk;
  BigInt den = 1;
  if (frac_digits > 0)
    den = boost::multiprecision::pow(BigInt(10), static_cast<unsigned>(frac_digits));
  return BigRational(num, den);
}

int rational_bits(const BigRational& r) {
  const BigInt& n = boost::multiprecision::numerator(r);
  const BigInt& d = boost::multiprecision::denominator(r);
  int bn = n == 0 ? 0 : static_cast<int>(boost::multiprecision::msb(abs(n))) + 1;
  int bd = static_cast<int>(boost::multiprecision::msb(d)) + 1;
  return bn > bd ? bn : bd;
}

bool is_integer(const BigRational& r) {
  return boost::multiprecision::denominator(r) == 1;
}

double to_double(const BigRational& r) {
  return r.convert_to<double>();
}

std::string to_string(const BigRational& r) {
  if (is_integer(r)) return boost::multiprecision::numerator(r).str();
  return boost::multiprecision::numerator(r).str() + "/" +
         boost::multiprecision::denominator(r).str();
}

}  // namespace r1
