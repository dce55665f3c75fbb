// Worked solutions in the output format: "<think>line\nline</think><answer>final</answer>".
// Lines inside <think> that hold an '=' and no letters are arithmetic claims ("347*8 = 2776")
// that the `step` verifier checks, so generators write every arithmetic step that way and keep
// words on other lines.
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
