// Parses one scalar math expression written in LaTeX or plain text into an ExprTree:
// \frac{a}{b} (also "\frac 34"), \sqrt{x}, \sqrt[n]{x}, \binom, ^, _ subscripts, \pi,
// \infty, e (Euler's number), functions (\sin, \ln, \log_2, ...), Greek letters, |x|, n!, implicit
// multiplication
// ("2x", "3\sqrt{2}", "(a+5)(b+2)") and mixed numbers ("2\frac{1}{2}" = 5/2).
// Input is normalised text (see normalize.h) without top-level commas. A run of three or more
// letters that is not a function name makes the error "text": the answer is a word.
#pragma once
#include <string_view>

#include "verifiers/arith/plain_parser.h"

namespace r1 {

struct LatexParseOptions {
  size_t max_length = 2000;
  int max_depth = 60;
  int max_nodes = 2000;
  int max_literal_digits = 1000;
};

ParsedExpr parse_latex(std::string_view text, const LatexParseOptions& options = {});

}  // namespace r1
