// Arithmetic claims in reasoning text. A claim is "LHS = RHS", "LHS != RHS" or "LHS ≈ RHS"
// (also "≠" and "=="; a chain "a = b != c" is one claim per adjacent pair, each with its own
// relation) whose sides are arithmetic on numbers: + - * / ^, parentheses, × ÷ ·, thousands
// separators. A search trace checks a result against its target that way ("35+3 = 38 != 36").
// Other notations are read as this one first (claim_notation.h: "6 – 6", "6 x 6", "6²",
// "\frac{6}{3}", "6 \times 6", "\approx"), and a claim split across lines ("36 + 1" then
// "= 37") is one claim. Claims are found inside sentences too ("So 6*6 = 36 apples.", "(since
// 3*4 = 12)"), so words cannot hide a false one. A stretch of arithmetic that something around
// it continues ("3x + 6 = 12", "x² = 36", "50% = 0.5", "24 = 4!", "20% of 50 = 10"), a question
// ("6*7 = 43?") and, inside a sentence, sides the checker cannot read ("17 // 5 = 3") are not
// claims. A traced condition "a == b is False" claims a != b. List markers ("- ", "1. "),
// markdown bold and trailing '.' or ',' are ignored; ", " outside brackets separates claims.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace r1 {

struct Claim {
  size_t line = 0;  // 1-based line number in the text
  std::string lhs, rhs;
  bool unequal = false;  // "lhs != rhs" (true when the values differ), else "lhs = rhs"
  // The bytes [relation_begin, rhs_end) of the scanned text: the relation and the right side,
  // what a false claim got wrong (its left side was the step taken, or the previous result).
  size_t relation_begin = 0, rhs_end = 0;
  bool approx = false;  // "lhs ≈ rhs": the right side is the left rounded to its precision
  // A division whose note says the arithmetic is cut ("100/3 = 33 (remainder 1)", "2/3 = 0.66
  // (to 2 places)"): the right side may be the left cut at its own last place, down, or up too
  // when the note says so ("50/8 = 7 (rounding up)").
  enum class Cut { None, Down, DownOrUp };
  Cut cut = Cut::None;
  // A right side glued to a '!' that ends the sentence ("3*7 = 21!", "4*6 = 4!"): an
  // exclamation or a factorial; the claim is true when either reading is.
  bool bang = false;
  std::string text() const {
    return lhs + (unequal ? " != " : approx ? " \xE2\x89\x88 " : " = ") + rhs;
  }
};

struct ClaimScan {
  std::vector<Claim> claims;
  bool truncated = false;  // more than max_claims claims; the rest were not collected
};

// Lines of any length are read; a stretch of arithmetic longer than max_stretch bytes is not.
ClaimScan find_claims(std::string_view text, size_t max_claims = 2000, size_t max_stretch = 1000);

enum class ClaimTruth { True, Rounded, False, Malformed, TooLarge, DivisionByZero };
const char* claim_truth_name(ClaimTruth t);

struct ClaimCheck {
  ClaimTruth truth = ClaimTruth::Malformed;
  std::string lhs_value, rhs_value;  // exact values when known
  bool ok() const { return truth == ClaimTruth::True || truth == ClaimTruth::Rounded; }
};

// Exact rational check. An unequal claim is true exactly when the equal claim of the same sides
// would be false (so a value and its rounding, "22/7 != 3.14", are not unequal). A right side
// written as a decimal with k digits after the point may be the left side rounded to k places
// ("22/7 = 3.14" and "2^0.5 = 1.414" are true; "3.1 = 3.14" is not). An approximate claim
// also allows the rounding of an integer to its last nonzero digit ("22/7 ≈ 3", "6*6 ≈ 40";
// not "6*6 ≈ 35"). Non-integer powers (2^0.5) are evaluated in ball arithmetic (ball.h) to a
// relative tolerance of 1e-9, with no absolute tolerance, so tiny and huge values keep their
// size.
ClaimCheck check_claim(const Claim& claim);

}  // namespace r1
