#include "tasks/solution.h"

#include "core/error.h"
#include "tasks/rational.h"

namespace r1 {

std::string format_solution(const std::vector<std::string>& think_lines,
                            const std::string& answer) {
  std::string s = "<think>";
  for (size_t i = 0; i < think_lines.size(); ++i) {
    if (i) s += '\n';
    s += think_lines[i];
  }
  return s + "</think><answer>" + answer + "</answer>";
}

bool split_solution(const std::string& completion, std::string* think, std::string* answer) {
  static const std::string t0 = "<think>", t1 = "</think><answer>", t2 = "</answer>";
  if (completion.rfind(t0, 0) != 0) return false;
  size_t mid = completion.find(t1);
  if (mid == std::string::npos) return false;
  if (completion.size() < mid + t1.size() + t2.size()) return false;
  if (completion.compare(completion.size() - t2.size(), t2.size(), t2) != 0) return false;
  *think = completion.substr(t0.size(), mid - t0.size());
  *answer = completion.substr(mid + t1.size(), completion.size() - t2.size() - mid - t1.size());
  return true;
}

std::string claim(long long a, char op, long long b, long long result) {
  return cat(a, op, operand(b), " = ", result);
}

}  // namespace r1
