#include "tasks/holdout.h"

#include "tasks/suite.h"

namespace r1 {

Holdout::Holdout(const std::string& suites) : suites_(suites) {
  if (suites.empty()) return;
  for (const SuiteSpec& spec : parse_suites(suites)) {
    std::unique_ptr<TaskGenerator> gen;
    if (!spec.family.empty()) gen = make_generator(spec.family);
    for (const Task& t : load_suite(spec)) {
      if (gen) problems_.insert(gen->problem_key(t));
      prompts_.insert(prompt_key(t.prompt));
      ++tasks_;
    }
  }
}

bool Holdout::contains(const Task& task, const TaskGenerator* gen) const {
  if (empty()) return false;
  if (gen && problems_.count(gen->problem_key(task))) return true;
  return prompts_.count(prompt_key(task.prompt)) > 0;
}

}  // namespace r1
