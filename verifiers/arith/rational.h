// Exact rational numbers for verifiers. Answers are compared exactly whenever they are
// rational, so integers of any length and fractions never go through floating point.
// Boost.Multiprecision's cpp_rational (header-only) does the arithmetic; the limits below keep
// every operation cheap on hostile input (a verifier must answer within milliseconds).
#pragma once
#include <boost/multiprecision/cpp_int.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace r1 {

using BigInt = boost::multiprecision::cpp_int;
using BigRational = boost::multiprecision::cpp_rational;

// Bounds on exact arithmetic. Beyond them a value is "too large" rather than computed: a model
// writing 9^9^9 must not stall a verifier.
struct ExactLimits {
  int max_literal_digits = 1000;  // digits in one number literal
  int max_bits = 8192;            // numerator or denominator size after any operation
  int max_factorial = 500;
};

// Parses a plain decimal literal: digits with an optional fraction part ("12", "0.25", ".5",
// "3."). No sign, no exponent, no separators. nullopt when the text is not such a literal or
// has more than `max_digits` digits.
std::optional<BigRational> parse_decimal(std::string_view text, int max_digits = 1000);

// Number of bits of |numerator| and of the denominator, whichever is larger (0 for zero).
int rational_bits(const BigRational& r);
bool is_integer(const BigRational& r);
double to_double(const BigRational& r);
// "7", "-3/4".
std::string to_string(const BigRational& r);

}  // namespace r1
