// The problem keys (TaskGenerator::problem_key) of every task of generated suites of one family:
// what a holdout of those suites keeps out of training (tasks/holdout.h).
#pragma once
#include <set>
#include <string>

#include "tasks/generator.h"
#include "tasks/suite.h"

namespace r1::testing {

inline std::set<std::string> suite_problems(const std::string& family, const std::string& spec) {
  std::set<std::string> keys;
  auto gen = make_generator(family);
  for (const SuiteSpec& s : parse_suites(spec))
    for (const Task& t : load_suite(s)) keys.insert(gen->problem_key(t));
  return keys;
}

}  // namespace r1::testing
