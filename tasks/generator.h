// Task generators: one per family ("arith", "countdown", ...). A generator draws a task at a
// difficulty level from an Rng, and solves any task of its family with a worked solution in
// the output format <think>steps</think><answer>final</answer>, used for cold-start SFT and to
// check the verifiers. Generators are stateless, so one instance may serve many threads.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/json.h"
#include "core/rng.h"
#include "tasks/task.h"

namespace r1 {

class TaskGenerator {
 public:
  virtual ~TaskGenerator() = default;
  virtual std::string family() const = 0;
  virtual std::string summary() const = 0;  // one line, for `r1 tasks --list`
  virtual int max_difficulty() const = 0;   // levels are 1..max_difficulty()
  // Draws one task using only integer draws of `rng`. Fills everything but `id`.
  // Throws when difficulty is outside 1..max_difficulty().
  virtual Task generate(Rng& rng, int difficulty) const = 0;
  // A correct worked solution "<think>...</think><answer>...</answer>" for a task of this
  // family (from its prompt data in `meta`); throws naming the task when it cannot.
  virtual std::string solve(const Task& task) const = 0;
  // What makes two tasks the same problem, for holding problems out of training
  // (tasks/holdout.h): by default the family and the prompt with its whitespace collapsed;
  // families whose prompts can state one problem in several ways (countdown lists its numbers in
  // any order) say so here.
  virtual std::string problem_key(const Task& task) const;
  // Every problem a task shows or trains on, for the holdout, beside the hashes its generator
  // listed in meta.problem_keys (problem_key_hash, shown_problem_hashes()): by default its
  // problem_key alone. A task can show more than the problem it poses: a pyplay proposal shows
  // reference programs with two pairs each, a deduction on a pair shows its program and trains
  // the output that an abduction of that output asks about, a pyfunc task shows two cases.
  virtual std::vector<std::string> problem_keys(const Task& task) const;
  // The texts a held-out task's problem is known by, for training tasks matched by text alone
  // (tasks/holdout.h): by default its prompt; a family whose prompt adds an instruction to the
  // problem ("Give the answer in lowest terms.") gives the problem without it too.
  virtual std::vector<std::string> problem_texts(const Task& task) const;
  // The family's options (a JSON object: `options` of a mix entry, e.g. countdown's worked
  // solution style), read once before use; throws naming `where` and each unknown or bad
  // option. The default takes none.
  virtual void configure(const json& options, const std::string& where);
};

// problem_texts for a family whose prompt ends in `instruction` (" Give the answer in lowest
// terms."): the prompt, and the prompt without it.
std::vector<std::string> prompt_and_problem(const Task& task, const std::string& instruction);

// The family-independent key of a task: its prompt with runs of whitespace collapsed to one
// space and the ends trimmed. Datasets' tasks are compared by it.
std::string prompt_key(const std::string& prompt);

// A problem key as a generator lists it in meta.problem_keys: 16 hex digits of its hash, since a
// key holds a whole program and a task travels to rollout workers and verifiers.
std::string problem_key_hash(const std::string& key);
// The strings of task.meta.problem_keys (none when absent or not an array of strings).
std::vector<std::string> shown_problem_hashes(const Task& task);

using GeneratorFactory = std::function<std::unique_ptr<TaskGenerator>()>;

// The registry. Built-ins are added by register_builtin_generators() on first use; users may
// add their own families with register_generator().
void register_generator(const std::string& family, GeneratorFactory factory);
bool has_generator(const std::string& family);
// Throws naming the family and listing the known ones when `family` is unknown.
std::unique_ptr<TaskGenerator> make_generator(const std::string& family);
// The same, configured with `options` (an empty object: the defaults).
std::unique_ptr<TaskGenerator> make_generator(const std::string& family, const json& options,
                                              const std::string& where);
std::vector<std::string> generator_names();  // sorted

// Throws "<family>: difficulty D out of range 1..N" unless 1 <= difficulty <= max.
void check_difficulty(const TaskGenerator& gen, int difficulty);

// "arith-s7-d3-000042": family, seed, difficulty and index.
std::string task_id(const std::string& family, uint64_t seed, int difficulty, uint64_t index);

// The Rng that task `index` of (family, seed) is drawn from. Each task has its own stream, so
// task i is the same whatever n or thread count produced it.
Rng task_rng(const std::string& family, uint64_t seed, uint64_t index);

// Tasks 0..n-1 of `family` for `seed`. difficulty 0 draws each task's level uniformly from
// 1..max (from the task's own stream); otherwise every task has that level.
std::vector<Task> generate_tasks(const std::string& family, size_t n, uint64_t seed,
                                 int difficulty);
// One task of that sequence, without generating the ones before it.
Task generate_task(const TaskGenerator& gen, uint64_t seed, uint64_t index, int difficulty);

}  // namespace r1
