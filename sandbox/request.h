// What a sandbox run is asked to do, and what came back.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/json.h"
#include "sandbox/limits.h"

namespace r1 {

enum class SandboxMode {
  Program,  // run `code` as a Python program (__name__ == "__main__")
  Command,  // exec `argv` (any program) under the same isolation
  // The two call modes run `code` in its own process U and call its functions from a trusted
  // harness process H over pipes; only plain values (None, bool, int, float, str, bytes,
  // complex, list, tuple, dict, set) cross back, rebuilt by H.
  Check,  // H runs `prelude`, then `tests`, then check(entry_point) when the tests define it
  Cases,  // H calls entry_point on each case's args and reports the outputs as plain JSON
};
const char* sandbox_mode_name(SandboxMode mode);

struct SandboxRequest {
  SandboxMode mode = SandboxMode::Program;
  std::string code;                     // Program, Check, Cases: untrusted Python source
  std::vector<std::string> argv;        // Command: argv[0] is looked up on PATH when not absolute
  std::string stdin_data;               // Program, Command
  std::string entry_point;              // Check (optional for bare-assert tests), Cases (required)
  std::string prelude;                  // Check: trusted code run in H first (a HumanEval prompt)
  // Check, Cases: trusted code whose imports and definitions (but entry_point's) U runs before
  // `code`: a code prompt, for a solution that rewrote the whole function without its imports.
  std::string context;
  std::string tests;                    // Check: trusted test code
  json cases = json::array();           // Cases: [{"args": [...], "kwargs": {...}}, ...]
  std::optional<SandboxLimits> limits;  // the pool's limits when absent
};

struct SandboxResult {
  // False when the sandbox itself failed (could not start, died, protocol error): `error`
  // says why, and nothing is known about the code. Never a verdict on the code.
  bool ok = false;
  std::string error;

  bool timed_out = false;
  bool exited = false;  // the run's first process exited (rather than being killed)
  int exit_code = -1;   // when exited
  int signal = 0;       // when killed by a signal
  std::string out, err;
  bool out_truncated = false, err_truncated = false;

  // Check and Cases: the harness report, present only when it carried this run's nonce.
  // Otherwise null, and report_problem says why ("no report", "nonce mismatch", ...).
  json report;
  std::string report_problem;

  double wall_s = 0, cpu_s = 0;
  int64_t max_rss_kb = 0;

  // A summary for verdict details and logs: outputs cut to `output_chars` each.
  json to_json(size_t output_chars = 2000) const;
};

}  // namespace r1
