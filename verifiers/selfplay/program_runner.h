// Checks and runs the small Python programs of self-play (tasks/selfplay/) in the sandbox:
// the programs the policy proposes, and the answers it gives when it solves them. The work is
// done by a trusted Python script (program_runner.py, embedded in the binary) that reads one
// JSON request on stdin; its header comment lists what it checks and the reasons it gives.
//
// validate(): is a proposal a usable task? Static checks (it parses; it defines the entry at
// top level; it imports only pure modules; no eval/exec/open/getattr/id/hash/..., no name or
// attribute starting with "_"; size limits), then two runs that must agree: one forked from the
// sandbox's zygote, one in a fresh interpreter with another string-hash seed and another memory
// layout, so output that depends on set order or addresses is caught. Each run calls the entry
// twice per input. The outputs (repr of plain literals) of those runs are the ground truth;
// nothing the proposer claims about them is used.
#pragma once
#include <string>
#include <vector>

#include "core/config_fields.h"
#include "core/json.h"

namespace r1 {

class SandboxPool;

const char* program_runner_py();  // verifiers/selfplay/program_runner.py (generated source)

struct ProgramLimits : FieldListed<ProgramLimits> {
  size_t max_program_bytes = 4096;
  int max_ast_nodes = 1000;
  size_t max_input_bytes = 512;    // one input's argument text
  size_t max_output_bytes = 1024;  // one output's repr
  int max_inputs = 16;
  double timeout_s = 5.0;  // wall clock per sandbox run
  int memory_mb = 512;

  json to_request() const;                             // the limits the script applies
  static const ConfigFields<ProgramLimits>& fields();  // name, default, check, help of each
};

struct ProgramReport {
  bool ok = false;
  // Why not ok: one of the script's reasons (program_runner.py; "nondeterministic" also when
  // validate()'s two runs disagree), or "timeout", "crashed" (the run died without a report:
  // memory, a signal), or "sandbox_error" (the sandbox itself failed; nothing is known about
  // the program).
  std::string reason;
  std::string message;
  bool sandbox_error = false;

  std::string program_key;  // normal form of the program (spacing and comments do not count)
  std::string key;          // normal form of program and inputs together: duplicates share it
  int ast_nodes = 0;
  std::vector<std::string> inputs;   // each input's arguments as read (normalised)
  std::vector<std::string> outputs;  // repr of entry(*input) for each input
  std::vector<bool> matches;         // run() with expected outputs: strictly equal, per input
  bool equal = false;                // compare()

  json to_json() const;  // for verdict details
};

class ProgramRunner {
 public:
  ProgramRunner(SandboxPool& pool, ProgramLimits limits);

  // Static checks and two runs with different hash seeds; ok only when both succeed and agree.
  ProgramReport validate(const std::string& program, const std::string& entry,
                         const std::vector<std::string>& inputs);
  // Static checks and one run; with `expected` (Python literals, one per input) each output is
  // compared strictly: same types all the way down, 1 is not 1.0 or True, (1,) is not [1].
  ProgramReport run(const std::string& program, const std::string& entry,
                    const std::vector<std::string>& inputs,
                    const std::vector<std::string>& expected = {});
  // Two Python literals compared strictly (a deduction answer against the gold output). Not ok
  // with reason "bad_answer" when the answer is not a literal.
  ProgramReport compare(const std::string& answer, const std::string& gold);

  const ProgramLimits& limits() const { return limits_; }

 private:
  // One sandbox run of the script; `hash_seed` > 0 runs it in a fresh interpreter with that
  // PYTHONHASHSEED, 0 forks it from the zygote.
  ProgramReport exec(const json& request, uint64_t hash_seed);

  SandboxPool& pool_;
  ProgramLimits limits_;
};

}  // namespace r1
