// A self-play entry of the task mix: {"self_play": {...}, "weight": w}. Each task it gives is
// either a propose task (the policy writes a new program and inputs, shown K references from
// the buffer) or a solve task made from a buffer entry, of one of the configured kinds
// (tasks/selfplay/selfplay_tasks.h). The buffer starts from pyfunc seed triplets, which the
// learner validates in the sandbox before the first step (learner/selfplay_coordinator.h),
// and grows with the proposals the sandbox accepts. The learner also reads the reward and
// advantage options below: they shape how proposals are rewarded (docs/selfplay.md).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/config_fields.h"
#include "core/rng.h"
#include "tasks/selfplay/selfplay_tasks.h"
#include "tasks/selfplay/task_buffer.h"
#include "tasks/task.h"

namespace r1 {

struct SelfPlayOptions : FieldListed<SelfPlayOptions> {
  std::vector<std::string> kinds = {"deduction", "abduction", "induction"};
  double propose_share = 0.5;  // share of this entry's tasks that are propose tasks
  int references = 3;          // buffer triplets shown in a propose prompt
  // How references are drawn: "uniform", or "learnability": in proportion to the entry's
  // learnability for the solver so far (1 - s for a solve rate s in (0, 1); a floor of 0.05
  // for entries always or never solved; 0.5 before any attempt), which shows the proposer
  // tasks at the solver's edge rather than ones it has mastered.
  std::string references_by = "uniform";
  int inputs = 2;            // inputs per deduction/abduction proposal
  int induction_inputs = 4;  // inputs per induction proposal (half shown, half held back)
  int seed_tasks = 48;       // pyfunc tasks that seed the buffer
  // pyoutput tasks that seed it too, written as functions (tasks/families/pyoutput.h): loops,
  // while loops, branches and string walks beside pyfunc's templates, with induction_inputs
  // inputs each.
  int seed_pyoutput = 0;
  // The sampling temperature of propose tasks (meta.sampling_temperature), 0 for the rollout's.
  // A small model writes broken Python at 1.0: the cold start of docs/results/selfplay/ gave a
  // valid proposal in 34% of samples at 1.0 and 70% at 0.5; solutions keep the rollout's.
  double propose_temperature = 0;
  size_t buffer_capacity = 4096;
  // The proposer's reward: learnability 1 - s for a new valid proposal whose solve rate s over
  // the solver's G samples is in (0, 1), else 0; these for the rest.
  double invalid_reward = -0.5;   // well-formed, refused by the sandbox
  double format_reward = -1.0;    // no <program>/<input> answer at all
  double duplicate_reward = 0.0;  // valid, but already in the buffer
  // Valid and new, but the solver never solved it in its G samples. AZR's learnability gives
  // it 0, as it does a task always solved; below 0 it steers a proposer whose new tasks the
  // solver mostly cannot do towards ones it can (the metric `learnability` is unchanged: 0 at
  // s = 0 and s = 1).
  double never_solved_reward = 0.0;
  // What "already in the buffer" means: "triplet" (the same program and inputs), "program"
  // (the same program, whatever the inputs: re-posting a known program with new inputs is no
  // new task of the proposer's), "shape" (the same program up to its literals: x > 10 is
  // x > 1 with another constant) or "behaviour": the same shape, or the same outputs as an
  // entry on the runner's probe inputs (a known function padded with code that changes
  // nothing, `return xs if ys else xs`, or rewritten: sorted(xs)[::-1] for sorted(xs,
  // reverse=True)). Under "behaviour" a proposal the probes cannot judge (it times out on a
  // probe, or gives no value on any) is refused by the verifier (meta.strict_probes).
  // "behaviour" is the default: under the others a proposer is paid for re-posting what the
  // buffer holds (docs/results/selfplay/: 98% of "valid" proposals under "triplet").
  std::string novelty = "behaviour";
  // "role_kind": advantages normalised over all samples of the batch with the same (role,
  // kind), AZR's task-relative baselines; "tiered": the same, with an admitted proposal's
  // counted as 0, plus its own reward normalised over the admitted proposals alone (so a task
  // at the solver's edge and one it never solves differ as much as valid and refused do; a
  // kind whose admitted proposals do not spread is normalised over all the batch's admitted);
  // "group": per group, as for other tasks.
  std::string advantages = "role_kind";
  double propose_weight = 1.0;  // scales the proposer's advantages (its share of the loss)
  double solve_weight = 1.0;

  std::vector<SelfPlayKind> parsed_kinds() const;
  // The weight of a buffer entry when references are drawn by learnability.
  static double reference_weight(const Triplet& t);
  static const ConfigFields<SelfPlayOptions>& fields();  // name, default, check, help of each
};

class SelfPlaySource {
 public:
  SelfPlaySource(SelfPlayOptions options, uint64_t seed);

  // Task k of the stream, drawn with rng. Throws when the buffer is empty (not seeded).
  Task next(Rng& rng, uint64_t k);

  TaskBuffer& buffer() { return buffer_; }
  const TaskBuffer& buffer() const { return buffer_; }
  const SelfPlayOptions& options() const { return options_; }
  uint64_t seed() const { return seed_; }

  // The unvalidated seed triplets: pyfunc's first seed_tasks tasks for this run's seed, then
  // pyoutput's first seed_pyoutput (those `holdout` holds out left out; it may be null).
  std::vector<Triplet> seed_triplets(const Holdout* holdout) const;

  json state() const { return buffer_.state(); }
  void load_state(const json& j, const std::string& where) { buffer_.load_state(j, where); }

 private:
  SelfPlayOptions options_;
  std::vector<SelfPlayKind> kinds_;
  uint64_t seed_;
  TaskBuffer buffer_;
};

}  // namespace r1
