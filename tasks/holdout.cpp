#include "tasks/holdout.h"

#include "tasks/selfplay/selfplay_tasks.h"
#include "tasks/suite.h"

namespace r1 {
namespace {

// The task's problem key: its family's, or for a task no generator made (self-play's, a
// dataset's) the program task key it may have ("" if none).
std::string key_of(const Task& task, const TaskGenerator* gen) {
  return gen ? gen->problem_key(task) : program_problem_key(task);
}

}  // namespace

Holdout::Holdout(const std::string& suites) : suites_(suites) {
  if (suites.empty()) return;
  for (const SuiteSpec& spec : parse_suites(suites)) {
    std::unique_ptr<TaskGenerator> gen;
    if (!spec.family.empty()) gen = make_generator(spec.family);
    for (const Task& t : load_suite(spec)) {
      if (std::string key = key_of(t, gen.get()); !key.empty()) {
        hashes_.insert(problem_key_hash(key));
        problems_.insert(std::move(key));
      }
      prompts_.insert(prompt_key(t.prompt));
      ++tasks_;
    }
  }
}

bool Holdout::contains(const Task& task, const TaskGenerator* gen) const {
  if (empty()) return false;
  if (gen) {
    for (const std::string& key : gen->problem_keys(task))
      if (contains_key(key)) return true;
  } else if (contains_key(key_of(task, gen))) {
    return true;
  }
  for (const std::string& hash : shown_problem_hashes(task))
    if (hashes_.count(hash)) return true;
  return prompts_.count(prompt_key(task.prompt)) > 0;
}

}  // namespace r1
