// One sandbox pool shared by the sandbox and python-verifier tests of this binary: starting a
// zygote costs a probe run, so each test suite reuses it.
#pragma once
#include <gtest/gtest.h>

#include <memory>

#include "tasks/task.h"
#include "verifiers/python/python_verifier.h"
#include "sandbox/sandbox.h"

namespace r1::testing {

// Short limits keep the attack tests fast; concurrency 2 matches the CI machines.
inline SandboxConfig test_sandbox_config() {
  SandboxConfig c;
  c.concurrency = 2;
  c.limits.timeout_s = 2.0;
  c.limits.memory_mb = 512;
  c.limits.nproc = 16;
  c.limits.output_bytes = 1 << 16;
  return c;
}

inline SandboxPool& shared_pool() {
  static std::unique_ptr<SandboxPool> pool = std::make_unique<SandboxPool>(test_sandbox_config());
  return *pool;
}

inline SandboxResult run_program(const std::string& code, double timeout_s = 2.0) {
  SandboxRequest r;
  r.mode = SandboxMode::Program;
  r.code = code;
  SandboxLimits l = shared_pool().config().limits;
  l.timeout_s = timeout_s;
  r.limits = l;
  return shared_pool().run(std::move(r));
}

// A python verifier with the same short limits.
inline PythonVerifier& shared_python_verifier() {
  static std::unique_ptr<PythonVerifier> v = [] {
    PythonVerifierOptions o;
    o.sandbox = test_sandbox_config();
    return std::make_unique<PythonVerifier>(o);
  }();
  return *v;
}

// A HumanEval-shaped task: add(a, b), with a prompt that ends in the signature and docstring.
inline Task humaneval_add_task() {
  Task t;
  t.id = "test/add";
  t.family = "humaneval";
  t.verifier = "python";
  t.entry_point = "add";
  t.prompt = "def add(a, b):\n    \"\"\"Return the sum of a and b.\"\"\"\n";
  t.tests =
      "def check(candidate):\n"
      "    assert candidate(1, 2) == 3\n"
      "    assert candidate(-1, 1) == 0\n"
      "    assert candidate(10, 5) == 15\n";
  return t;
}

// A pyfunc-shaped task: rev(s) reverses a string or list; expected values stay outside.
inline Task cases_rev_task() {
  Task t;
  t.id = "test/rev";
  t.family = "pyfunc";
  t.verifier = "python";
  t.entry_point = "rev";
  t.prompt = "Write a Python function rev(x) that returns x reversed.";
  t.meta = {{"cases", json::parse(R"([
      {"args": ["abc"], "expected": "cba"},
      {"args": [""], "expected": ""},
      {"args": [[1, 2, 3]], "expected": [3, 2, 1]}])")}};
  return t;
}

// The verdict of the shared python verifier.
inline Verdict verify_python(const Task& t, const std::string& completion) {
  return shared_python_verifier().verify(t, completion);
}

inline std::string answer(const std::string& code) {
  return "<think>reasoning</think><answer>\n" + code + "\n</answer>";
}

}  // namespace r1::testing
