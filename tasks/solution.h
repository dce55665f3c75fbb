// Worked solutions in the output format: "<think>line\nline</think><answer>final</answer>".
// Arithmetic inside <think> written "LHS = RHS" is a claim ("347*8 = 2776") that the `step`
// verifier checks (verifiers/step/claims.h), in a sentence too; generators write every
// arithmetic step on its own line that way, and every claim they write must be true
// (StepClaims.EveryWorkedSolutionsClaimsAreTrue).
#pragma once
#include <string>
#include <vector>

namespace r1 {

std::string format_solution(const std::vector<std::string>& think_lines, const std::string& answer);

// Splits a completion in the exact form format_solution() writes; false when it is not.
bool split_solution(const std::string& completion, std::string* think, std::string* answer);

// An arithmetic claim line "a op b = r" ("347*8 = 2776"); negative operands on the right go
// in parentheses so the line parses as arithmetic ("5-(-3) = 8").
std::string claim(long long a, char op, long long b, long long result);

}  // namespace r1
