// The learner's side of self-play (tasks/selfplay/selfplay_source.h, docs/selfplay.md): where
// the proposer's reward is computed, because it needs the solver's results.
//
//   1. Before the first step, seed_buffer() validates the pyfunc seed triplets in the sandbox.
//   2. A proposer group comes back scored: each valid proposal's triplet (computed by the
//      sandbox in the "proposal" verifier) joins the buffer unless it is there already, and a
//      follow-up solve task of the same kind is queued for it; the group waits.
//   3. The collector sends follow-ups before new stream tasks. When a follow-up's G samples
//      are back, the proposal's solve rate s is known; when all of a group's are back, each
//      proposal's reward becomes its learnability (1 - s for 0 < s < 1, else 0), or the
//      configured reward for duplicates, refused and malformed proposals, and the group trains.
//      On-policy, the step that sampled a proposer group waits for its follow-ups (the collector
//      sends waves of follow-ups alone once its batch is full); asynchronous runs bound its age
//      by max_staleness like any group. A follow-up that is written off resolves its proposal
//      with reward 0; one whose samples were all verifier errors drops the proposal's sample.
//   4. set_advantages() normalises self-play advantages per (role, kind) over the batch (AZR's
//      task-relative baselines; "tiered" adds an admitted proposal's reward normalised among
//      the admitted ones) or keeps the group ones, then scales them by the role's weight.
// Every solve group's results are also counted against its buffer entry. Waiting groups and
// queued follow-ups are in-flight work, like tasks at the workers: a resumed run starts without
// them (the buffer itself is restored exactly, with the task source's state).
#pragma once
#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <vector>

#include "core/rl_messages.h"
#include "learner/scored_group.h"
#include "sandbox/config.h"
#include "tasks/holdout.h"
#include "tasks/selfplay/selfplay_source.h"
#include "verifiers/lazy_sandbox.h"
#include "verifiers/selfplay/program_runner.h"

namespace r1 {

class SelfPlayCoordinator {
 public:
  // `holdout`: the run's held-out problems (TaskSource::holdout()), or null. A proposal any of
  // whose solve tasks would be one of them (its follow-up's, or another pair's) counts as a
  // duplicate (held_out in the metrics): the stream's tasks pass the holdout, and follow-ups
  // must too, or a proposer that writes an eval suite's program and input has it trained on;
  // and an entry's other pairs are shown in propose prompts. Seeds with a held-out pair are
  // left out of the buffer for the same reason.
  SelfPlayCoordinator(SelfPlaySource& source, SandboxConfig sandbox, ProgramLimits limits,
                      const Holdout* holdout = nullptr);

  // Fills an empty buffer with the seed triplets that validate; throws when none does. A
  // restored buffer is screened against the holdout first (entries with a held-out problem
  // leave), and seeded only if nothing is left.
  void seed_buffer();

  bool has_followup() const { return !followups_.empty(); }
  Task take_followup();  // the oldest queued follow-up solve task

  // A scored group: returns the groups ready to train on now (the group itself, nothing for a
  // proposer group that waits for solve rates, and the proposer groups this one completes).
  // Groups of other task families pass through unchanged. `step` is the step being collected.
  std::vector<RolloutGroup> admit(RolloutGroup g, int64_t step);
  // A task written off (never came back): a follow-up's proposal resolves without a solve rate.
  std::vector<RolloutGroup> lost(const Task& task);

  // Self-play groups of the batch get their final advantages (see the top of this file).
  void set_advantages(std::vector<UsableGroup>& batch) const;
  // Whether a group with equal rewards must still train (it has a baseline beyond itself).
  bool keeps_flat_group(const RolloutGroup& g) const;

  // This step's figures (docs/selfplay.md lists them); the counters start again from zero.
  json take_step_metrics();
  size_t waiting_groups() const { return held_.size(); }
  size_t queued_followups() const { return followups_.size(); }
  bool is_selfplay_group(const RolloutGroup& g) const;

 private:
  enum class Status { Candidate, Duplicate, Invalid, Malformed, Error };
  struct Held {
    RolloutGroup group;
    std::string kind;
    std::vector<Status> status;
    std::vector<std::optional<double>> rate;  // candidates' solve rates, once known
    std::vector<bool> resolved;               // candidates whose follow-up is accounted for
    int outstanding = 0;                      // follow-ups not yet back
  };
  struct KindStats {
    int64_t proposals = 0, malformed = 0, duplicates = 0;
    int64_t runnable = 0;        // passed the sandbox's checks (duplicates included)
    int64_t ast_nodes = 0;       // summed over the runnable ones
    int64_t new_programs = 0;    // runnable, with a program no buffer entry has
    int64_t held_out = 0;        // would have been a candidate, but its solve task is held out
    int64_t echo = 0;            // valid, but a copy answers every task of its kind (refused)
    int64_t new_shapes = 0;      // runnable, with a shape (literals aside) no buffer entry has
    int64_t new_behaviours = 0;  // runnable, with outputs on the probes no buffer entry has
    int64_t probed = 0;          // runnable, with a behaviour_key (a probe gave a value)
    int64_t valid = 0;           // runnable, new by `novelty`, usable: joined the buffer
    json reasons = json::object();
    int64_t resolved = 0;
    double learnability = 0;
    int64_t never_solved = 0, always_solved = 0;  // resolved with solve rate 0, or 1
    int64_t solve_samples = 0, solve_correct = 0;
    int64_t condemned = 0;  // tasks whose program decided by chance when judged (removed)
    int64_t withdrawn = 0;  // tasks an answer holding a set of strings split (removed)
  };

  RolloutGroup finish(Held& h);  // rewrites the proposer rewards
  // `unknown`: the follow-up came back with no judged sample; the proposal's sample is dropped.
  // `condemned`: its program decided by chance when judged; the proposal counts as refused.
  // `withdrawn`: an answer holding a set of strings split it; dropped as unknown, its reason
  // withdrawn_when_judged.
  void resolve(uint64_t proposer, size_t sample, std::optional<double> rate,
               std::vector<RolloutGroup>& ready, bool unknown, bool condemned = false,
               bool withdrawn = false);

  SelfPlaySource& source_;
  const Holdout* holdout_;
  LazySandbox sandbox_;
  ProgramLimits limits_;
  std::deque<Task> followups_;
  std::map<uint64_t, Held> held_;  // proposer group seq -> the group waiting for solve rates
  std::map<std::string, KindStats> stats_;                 // this step's, by kind
  std::map<std::string, std::deque<std::string>> recent_;  // last valid program keys, by kind
  int64_t proposed_total_ = 0;  // proposals admitted to the buffer, whole run (this process)
};

}  // namespace r1
