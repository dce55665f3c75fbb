// Exact arithmetic: the plain parser, exact rational evaluation and its limits.
#include <gtest/gtest.h>

#include "verifiers/arith/exact_eval.h"
#include "verifiers/arith/plain_parser.h"

namespace r1 {
namespace {

std::string eval(const std::string& text, PlainParseOptions o = {}) {
  ParsedExpr p = parse_plain(text, o);
  if (!p.ok()) return "parse_error:" + p.error;
  ExactResult r = eval_exact(p.tree, p.root);
  if (!r.ok()) return exact_status_name(r.status);
  return to_string(r.value);
}

TEST(PlainParser, EvaluatesExactly) {
  struct Case {
    const char* in;
    const char* out;
  } cases[] = {
      {"347*8", "2776"},
      {"1 + 2 * 3", "7"},
      {"(1 + 2) * 3", "9"},
      {"10 / 4", "5/2"},
      {"2^10", "1024"},
      {"2^3^2", "512"},  // right-associative
      {"-2^2", "-4"},    // unary minus binds looser than ^
      {"2^-2", "1/4"},
      {"0.1 + 0.2", "3/10"},       // exact, not 0.30000000000000004
      {"3 \xC3\x97 4", "12"},      // ×
      {"12 \xC3\xB7 4", "3"},      // ÷
      {"5 \xE2\x88\x92 7", "-2"},  // − (minus sign)
      {"2 \xC2\xB7 3", "6"},       // ·
      {"123456789012345678901234567890 * 10", "1234567890123456789012345678900"},
      {"99999999999999999999^2", "9999999999999999999800000000000000000001"},
      {"1/0", "division_by_zero"},
      {"0^-1", "division_by_zero"},
      {"9^9^9", "too_large"},
      {"4^0.5", "2"},
      {"2^0.5", "not_rational"},
      {"(-8)^(1/3)", "-2"},
      {"", "parse_error:unexpected_end"},
      {"2 3", "parse_error:missing_operator"},
      {"2(3)", "parse_error:missing_operator"},
      {"(1+2", "parse_error:unbalanced_parentheses"},
      {"x+1", "parse_error:bad_character"},
      {"1..2", "parse_error:missing_operator"},  // "1." then ".2"
  };
  for (const auto& c : cases) EXPECT_EQ(eval(c.in), c.out) << c.in;
}

TEST(PlainParser, Options) {
  PlainParseOptions strict;
  strict.allow_unary = false;
  strict.allow_pow = false;
  strict.allow_decimals = false;
  EXPECT_EQ(eval("-3 + 5", strict), "parse_error:unary_sign_not_allowed");
  EXPECT_EQ(eval("2^3", strict), "parse_error:power_not_allowed");
  EXPECT_EQ(eval("2.5", strict), "parse_error:bad_character");
  PlainParseOptions thousands;
  thousands.allow_thousands = true;
  EXPECT_EQ(eval("1,234 + 1", thousands), "1235");
  EXPECT_EQ(eval("1,234,567.5 * 2", thousands), "2469135");
  EXPECT_EQ(eval("1,23", thousands), "parse_error:unexpected_token");
  EXPECT_EQ(eval("1,234", {}), "parse_error:unexpected_token");
}

TEST(PlainParser, BoundedOnHostileInput) {
  std::string deep(5000, '(');
  EXPECT_EQ(eval(deep + "1" + std::string(5000, ')')), "parse_error:too_long");
  std::string nested(300, '(');
  EXPECT_EQ(eval(nested + "1" + std::string(300, ')')), "parse_error:too_deep");
  std::string chain = "1";
  for (int i = 0; i < 1500; ++i) chain += "+1";
  EXPECT_EQ(eval(chain), "parse_error:too_many_nodes");
  EXPECT_EQ(eval(std::string(1200, '7')), "parse_error:number_too_long");
}

TEST(ExactRoot, IntegerRoots) {
  BigInt r;
  EXPECT_TRUE(exact_integer_root(BigInt(1) << 300, 3, &r));
  EXPECT_EQ(r, BigInt(1) << 100);
  EXPECT_FALSE(exact_integer_root((BigInt(1) << 300) + 1, 3, &r));
  EXPECT_TRUE(exact_integer_root(BigInt(144), 2, &r));
  EXPECT_EQ(r, 12);
}

}  // namespace
}  // namespace r1
