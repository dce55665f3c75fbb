// The verifiers of self-play tasks (tasks/selfplay/selfplay_tasks.h), both through the sandbox
// (program_runner.h):
//   "proposal"  a propose task's answer: <program>…</program><input>…</input>… is parsed and
//               validated. Score 1 for a valid proposal that is not a copy of a reference it
//               was shown, else 0 with the reason (syntax_error, banned_import,
//               nondeterministic, timeout, huge_output, duplicate, too_few_inputs, ...; with
//               meta.strict_probes, also probe_timeout and no_probe_value). The
//               details carry the triplet the sandbox computed (details.learner_data.triplet:
//               program, entry, inputs, outputs, message, keys, ast_nodes), which the reward
//               service passes on to the learner, whose buffer admits it.
//               (The proposer's training reward, learnability, needs the solver's results and
//               is computed where both are known.)
//   "program"   a solve task's answer, by meta.kind:
//               deduction  the answer is a Python literal strictly equal to the sandbox's output
//               abduction  the answer is arguments for which the program returns the output
//                          (0 with nondeterministic_program when the program decided by chance
//                          on it: the learner condemns the task; hash_ordered_answer when a set
//                          of strings in the answer did: the learner withdraws it)
//               induction  the answer is a program whose f gives every pair's output (shown and
//                          held back); it passes the same static checks as a proposal (0 with
//                          nondeterministic_answer when it decides by chance)
// Options (all optional): {"sandbox": {...}, "limits": {ProgramLimits fields},
//                          "think_tag", "answer_tag"}.
#pragma once
#include <memory>

#include "core/json.h"
#include "sandbox/config.h"
#include "verifiers/completion.h"
#include "verifiers/selfplay/program_runner.h"
#include "verifiers/verifier.h"

namespace r1 {

// The options both verifiers read; the learner reads the same ones (reward.
// task_verifier_options.proposal) to validate the seed programs like the proposals.
struct SelfPlayVerifierOptions {
  SandboxConfig sandbox;
  ProgramLimits limits;
  TagNames tags;
  static SelfPlayVerifierOptions read(const json& options, const std::string& where);
};

std::unique_ptr<Verifier> make_proposal_verifier(const json& options);
std::unique_ptr<Verifier> make_program_verifier(const json& options);

}  // namespace r1
