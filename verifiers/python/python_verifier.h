// The "python" verifier: runs a completion's code with the task's tests in the sandbox.
//
// Two kinds of task:
//   - cases (our generated code families): task.meta.cases = [{"args": [...], "expected": v}]
//     and task.entry_point. The sandbox calls the function on each case's args and sends the
//     outputs back as plain JSON; they are compared here, outside, with the expected values,
//     which never enter the sandbox.
//   - tests (HumanEval, MBPP): task.tests holds `def check(candidate)` (HumanEval) or bare
//     asserts (MBPP). A trusted harness runs the task prompt and the tests and calls the
//     solution, which runs in a process of its own, over pipes. Success needs the harness's
//     report with this run's nonce (read only after the last test), a normal exit, and no
//     timeout.
// Score 1 when everything passes, else 0. Reasons: ok, wrong_answer, runtime_error,
// syntax_error, early_exit, no_entry_point, memory, timeout, no_code, code_too_long,
// no_result; sandbox or task problems come back with verifier_error = true.
//
// Options (all optional): {"sandbox": {SandboxConfig fields, see sandbox/config.h},
//                          "raw_fallback": true, "max_code_bytes": 262144}
#pragma once
#include <memory>
#include <string>

#include "sandbox/config.h"
#include "verifiers/lazy_sandbox.h"
#include "verifiers/verifier.h"

namespace r1 {

class SandboxPool;
struct SandboxResult;

struct PythonVerifierOptions : FieldListed<PythonVerifierOptions> {
  SandboxConfig sandbox;
  bool raw_fallback = true;  // a completion without tags or fences is taken as code
  size_t max_code_bytes = 256 << 10;

  static const ConfigFields<PythonVerifierOptions>& fields();  // name, default, check, help
};

class PythonVerifier : public Verifier {
 public:
  explicit PythonVerifier(PythonVerifierOptions options);
  ~PythonVerifier() override;
  std::string name() const override { return "python"; }
  Verdict verify(const Task& task, const std::string& completion) override;

  // The pool, started on first use. Null (with the reason in *error) when the sandbox cannot
  // start on this machine.
  SandboxPool* pool(std::string* error = nullptr);

 private:
  PythonVerifierOptions options_;
  LazySandbox sandbox_;
};

std::unique_ptr<Verifier> make_python_verifier(const json& options);

}  // namespace r1
