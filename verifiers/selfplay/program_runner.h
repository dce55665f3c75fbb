// Checks and runs the small Python programs of self-play (tasks/selfplay/) in the sandbox:
// the programs the policy proposes, and the answers it gives when it solves them. The work is
// done by a trusted Python script (program_runner.py, embedded in the binary) that reads one
// JSON request on stdin; its header comment lists what it checks and the reasons it gives.
//
// The script runs in a fresh interpreter for every request (Command mode), with a fixed
// string-hash seed when judging, and the program itself in a forked child per input whose
// stdout is /dev/null: the program can only ever change the value it reports for its own input
// (see the top of program_runner.py). Comparisons with expected outputs are a separate request
// in a process that runs no program.
//
// validate(): is a proposal a usable task? Static checks (it parses; it defines the entry at
// top level; it imports only pure modules; no eval/exec/open/getattr/id/hash/..., no name or
// attribute starting with "_", no frame attributes; no name assigned and never read, no
// argument never read; size limits), then four interpreters with
// different hash seeds (the judge's first) whose outputs must agree, so output that depends on
// set order or addresses is caught. Each input runs in its own process, so no state carries
// between inputs; the entry is called twice per input, and both calls must agree. The outputs
// are the ground truth; nothing the proposer claims about them is used. Each input runs under
// a CPU limit, a quarter of what judging gives one. Two more runs give the behaviour_key (the
// program on probe inputs of its inputs' kinds); they must agree, or the program decided by
// chance off its own inputs (nondeterministic).
#pragma once
#include <future>
#include <string>
#include <vector>

#include "core/config_fields.h"
#include "core/json.h"

namespace r1 {

class SandboxPool;
struct SandboxResult;

const char* program_runner_py();  // verifiers/selfplay/program_runner.py (generated source)

struct ProgramLimits : FieldListed<ProgramLimits> {
  size_t max_program_bytes = 4096;
  int max_ast_nodes = 1000;
  size_t max_input_bytes = 512;    // one input's argument text
  size_t max_output_bytes = 1024;  // one output's repr
  int max_inputs = 16;
  // CPU seconds one input may use when judged (both calls of the entry). A proposal's inputs
  // must each finish in a quarter of it when validated, so that a solver's program doing the
  // same work is not judged by a coin at the limit.
  double input_cpu_s = 0.5;
  // Wall clock per sandbox run, beside the CPU limits: with n inputs a run may take
  // timeout_s + 4 * n * input_cpu_s. Only a starved machine meets it, and a judging run that
  // does says nothing of the answer (a sandbox error, not a wrong answer).
  double timeout_s = 2.0;
  int memory_mb = 512;

  json to_request() const;                             // the limits the script applies
  static const ConfigFields<ProgramLimits>& fields();  // name, default, check, help of each
};

struct ProgramReport {
  bool ok = false;
  // Why not ok: one of the script's reasons (program_runner.py; "nondeterministic" also when
  // validate()'s interpreters disagree; "bad_gold" when run()'s expected outputs are not
  // literals; "timeout" when an input ran past its CPU limit), or "crashed" (no single readable
  // report: memory, a signal, a second report line), "nondeterministic_program" (run() with
  // several interpreters that disagree), "nondeterministic_input" (they disagree under other
  // hash seeds on an input holding a set of strings, and agree under the same seed), or, with
  // sandbox_error set, "sandbox_error" (the
  // sandbox itself failed) or "wall_timeout" (a starved machine): nothing is known about the
  // program.
  std::string reason;
  std::string message;
  bool sandbox_error = false;

  std::string program_key;  // normal form of the program (spacing and comments do not count)
  std::string shape_key;    // ... with its literals replaced by their types (x > 1 ~ x > 10)
  std::string key;          // normal form of program and inputs together: duplicates share it
  // validate(): what the program computes, from its outputs on probe inputs of the kinds of its
  // inputs (x+1 and 1+x share it; "" when the probe run itself failed or no probe gave a
  // value).
  std::string behaviour_key;
  // validate(): whether the probe run reported (not on a machine so starved that a probe waited
  // past its wall-clock backstop), how many probes gave a value, and how many ran past their
  // CPU limit (at most 3: the runner skips the rest).
  bool probed = false;
  int probe_values = 0;
  int probe_timeouts = 0;
  int probe_stateful = 0;  // probes whose two calls disagreed (state kept between calls)
  int ast_nodes = 0;
  std::vector<std::string> inputs;   // each input's arguments as read (normalised)
  std::vector<std::string> outputs;  // repr of entry(*input) for each input
  std::vector<bool> matches;         // run() with expected outputs: strictly equal, per input
  // validate(): per pair, whether the program maps its output to itself (f(o) == o, the output
  // passed back as an abduction answer copied from the prompt is): copying answers that pair's
  // abduction. Empty when unknown (that run failed).
  std::vector<bool> fixed_points;
  // run(): per input, whether it holds a set of two or more values one of which is a str or
  // bytes (or a tuple or frozenset of them): its order follows the hash seed, so interpreters
  // with other seeds may disagree on it for the input's sake (run() then reruns one seed).
  std::vector<bool> hash_ordered;
  bool equal = false;                // compare()
  std::vector<std::string> program_keys;  // program_keys(): one per program
};

// The triplet a validated program makes with its report's inputs and outputs, as the proposal
// verifier hands it to the learner (Triplet::from_json reads it; the learner adds provenance).
json report_triplet(const std::string& program, const std::string& entry, const ProgramReport& r);

class ProgramRunner {
 public:
  ProgramRunner(SandboxPool& pool, ProgramLimits limits);

  // Static checks and four interpreters with different hash seeds; ok only when all succeed
  // and agree. The outputs are those of the judge's seed. Beside them, a probe run (the
  // behaviour_key) and a run of the outputs passed back (fixed_points).
  ProgramReport validate(const std::string& program, const std::string& entry,
                         const std::vector<std::string>& inputs);
  // Static checks and one run; with `expected` (Python literals, one per input) each output is
  // compared strictly: same types all the way down, 1 is not 1.0 or True, (1,) is not [1].
  // interpreters > 1: the run is repeated with other hash seeds and memory layouts, and when
  // the runs disagree (values, or one fails where another does not) the report is not ok with
  // reason "nondeterministic_program": the program, not the input, decided by chance. Unless
  // the disagreement may be the input's: on an input holding a set of two or more strings
  // (hash_ordered), the first run's seed runs three more times, and when they all agree with
  // it the reason is "nondeterministic_input". Two calls disagreeing inside one interpreter
  // are always the program's. (Judging an abduction runs the proposer's program on the
  // solver's input, which validation never ran.)
  ProgramReport run(const std::string& program, const std::string& entry,
                    const std::vector<std::string>& inputs,
                    const std::vector<std::string>& expected = {}, int interpreters = 1);
  // The program_key of each program, by the static checks alone (nothing runs); "" for one
  // that fails them. For programs that were shown but never validated here.
  // The report's program_keys hold them.
  ProgramReport program_keys(const std::vector<std::string>& programs, const std::string& entry);
  // Two Python literals compared strictly (a deduction answer against the gold output). Not ok
  // with reason "bad_answer" when the answer is not a literal.
  ProgramReport compare(const std::string& answer, const std::string& gold);

 private:
  // One sandbox run of the script, in a fresh interpreter with PYTHONHASHSEED=hash_seed.
  ProgramReport exec(const json& request, uint64_t hash_seed);
  // A "run" request for `inputs`, each with cpu_s seconds of CPU.
  json run_request(const std::string& program, const std::string& entry,
                   const std::vector<std::string>& inputs, double cpu_s) const;
  // The wall-clock backstop of a run of n inputs with cpu_s seconds of CPU each.
  double run_wall_s(size_t n, double cpu_s) const;
  // timeout_s: the run's wall-clock limit (0: the limits' timeout_s).
  std::future<SandboxResult> submit(const json& request, uint64_t hash_seed, double timeout_s = 0);

  SandboxPool& pool_;
  ProgramLimits limits_;
};

}  // namespace r1
