// Self-play tasks over (program, input, output) triplets, after Absolute Zero (arXiv 2505.03335):
//   deduction  given the program and an input, give the output          (verifier "program")
//   abduction  given the program and an output, give an input making it  (verifier "program")
//   induction  given (input, output) pairs and a hint, write the program (verifier "program")
//   propose    given reference triplets of one kind, write a new program and inputs
//              (verifier "proposal"; the sandbox computes the outputs)
// Every task has family "selfplay" and meta {"role": "solve" | "propose", "kind", ...}; solve
// tasks carry the triplet's program, inputs and outputs in meta for their verifier, and its key
// so results can be counted against the buffer entry.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/rng.h"
#include "tasks/holdout.h"
#include "tasks/selfplay/task_buffer.h"
#include "tasks/task.h"

namespace r1 {

enum class SelfPlayKind { Deduction, Abduction, Induction };
const char* selfplay_kind_name(SelfPlayKind k);
// Throws naming `where` and the known kinds.
SelfPlayKind parse_selfplay_kind(const std::string& name, const std::string& where);

// Whether pair i of t answers itself as a `kind` task: deduction shows inputs[i] and asks for
// outputs[i], so a copy is right when they are the same value (or the output is the arguments
// as a tuple: "2, 5" and "(2, 5)", both kinds); abduction shows outputs[i] and
// takes any input f maps to it, so a copy is right when f maps it to itself: known when some
// pair says so (inputs[j] == outputs[i] == outputs[j]), or from `fixed` (fixed[i]: f(outputs[i])
// == outputs[i], where the caller could compute it; empty: the triplet's own fixed_points, which
// the sandbox records for every buffer entry). Induction: never.
bool echo_solvable(const Triplet& t, SelfPlayKind kind, size_t i,
                   const std::vector<bool>& fixed = {});
// Whether every pair of t answers itself as a `kind` task: no task of that kind on t asks for
// anything but a copy.
bool every_pair_echo_solvable(const Triplet& t, SelfPlayKind kind);

// The solve task of `kind` on triplet t. Deduction and abduction use one of its inputs, chosen
// by rng among the pairs that are not echo_solvable (a leak audit found a copy of what the
// prompt shows right on 15-39% of such tasks); when every pair is, meta.echo_solvable is true.
// Induction shows about half of the pairs (at least one) and keeps the rest back for the
// verifier; it needs at least two pairs.
Task make_solve_task(const Triplet& t, SelfPlayKind kind, Rng& rng,
                     const std::vector<bool>& fixed = {});

// The propose task: shows the reference triplets in the way `kind` uses them and asks for a new
// program with `n_inputs` inputs (induction: also a message). meta.ref_keys and
// meta.ref_program_keys let the verifier refuse copies of what was shown. (The source adds
// meta.strict_probes under novelty "behaviour": the verifier then refuses a proposal that times
// out on a probe input or gives no value on any.)
Task make_propose_task(const std::vector<const Triplet*>& refs, SelfPlayKind kind, int n_inputs);

// What makes two program tasks the same problem, whatever family made them (tasks/holdout.h):
// a program's text with its entry renamed to f and whitespace collapsed, and then
//   "deduction|PROGRAM|INPUT", "abduction|PROGRAM|OUTPUT" (any input that gives it), or
//   "write|PROGRAM" for induction, which asks for the program whatever pairs it shows.
// pyfunc's "write a function" tasks share the last key: the same function to write from another
// pair of examples is the same problem. "" for any other task (a proposal, a non-program task).
std::string program_problem_key(const Task& task);
// Every problem key a triplet's solve tasks can have: "write|PROGRAM", and the deduction and
// abduction keys of each of its pairs. A triplet one of whose keys is held out never joins the
// buffer, so that no propose prompt shows a held-out pair (learner/selfplay_coordinator.h).
std::vector<std::string> triplet_problem_keys(const Triplet& t);
// The deduction and abduction keys of pair i alone. Solve and propose tasks list in
// meta.problem_keys (as problem_key_hash) what they show and train: the write key of each program
// they show, and the two keys of each pair they show (a deduction trains the output that an
// abduction of that output asks about), so that no held-out problem is trained through them
// (tasks/holdout.h). Induction's hidden pairs only test, and are not listed.
std::vector<std::string> pair_problem_keys(const Triplet& t, size_t i);
// The first of them alone: the problem of what `program` returns on `input`.
std::string deduction_problem_key(const std::string& program, const std::string& entry,
                                  const std::string& input);
std::string program_to_write_key(const std::string& program, const std::string& entry);

struct Proposal {
  std::string program;
  std::vector<std::string> inputs;
  std::string message;
};
// Reads <program>…</program>, then one or more <input>…</input> (and, optionally,
// <message>…</message>) from an answer. A program inside a ``` fence is unfenced. nullopt, with
// the reason in *why, when a part is missing.
std::optional<Proposal> parse_proposal(std::string_view answer, std::string* why = nullptr);

// Why a proposal's <message> would hand the solver what the hidden pairs test, or "" when it
// would not. The message is shown beside the pairs of an induction task, and which pairs are
// hidden is drawn then; a message that quotes as many pairs as the task hides could let a
// lookup table pass, which pays a proposer learnability on a task the solver cannot do. A pair
// is quoted when the message holds its input and its output as literals, apart (spaces, quotes,
// brackets, commas and case aside; when both are one word or number, within four tokens of
// each other). A message is also at most kMaxMessageBytes. Other encodings (words for numbers)
// are not caught: the check refuses the plain copy.
constexpr size_t kMaxMessageBytes = 240;
std::string message_leak(const std::string& message, const std::vector<std::string>& inputs,
                         const std::vector<std::string>& outputs);

// Code written inside a ``` fence (```python … ```) without the fence; other text trimmed.
std::string strip_code_fence(const std::string& text);

// A pyfunc task as a triplet: its reference program with the entry renamed to f, and its
// cases as inputs; with_outputs: the generator's expected values (as Python's repr) as outputs,
// else none (the sandbox computes them). No keys.
Triplet pyfunc_triplet(const Task& pyfunc_task, bool with_outputs);

// Seed triplets, unvalidated (no outputs or keys yet: the sandbox fills them): the first n
// tasks of the pyfunc generator for `seed`, each as its reference program with the task's
// cases as inputs.
std::vector<Triplet> pyfunc_seed_triplets(size_t n, uint64_t seed);

// Likewise from the first n tasks of the pyoutput generator for `seed`, each written as a
// function with n_inputs inputs (tasks/families/pyoutput.h), the program's own literals first.
// A task with nothing to lift, or one `holdout` holds out (its program is a held-out pyoutput
// problem: the buffer would show it with its answer), gives no triplet.
std::vector<Triplet> pyoutput_seed_triplets(size_t n, uint64_t seed, int n_inputs,
                                            const Holdout* holdout);

}  // namespace r1
