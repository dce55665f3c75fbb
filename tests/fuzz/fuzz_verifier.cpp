// fuzz_verifier: any bytes as a model completion, through every in-process built-in verifier
// (math, countdown, step, format, exact) against a few fixed tasks; the bytes before the first
// newline, when there is one, are the gold answer of one more task. The promise under test
// (verifiers/verifier.h): verify() never throws on model output, returns a score in [0, 1],
// and details that serialise as strict JSON. The python verifier runs code in sandbox
// subprocesses; tests/verifiers covers it.
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "verifiers/registry.h"

namespace {

using r1::json;

struct Verifiers {
  std::vector<std::unique_ptr<r1::Verifier>> all;
  std::vector<r1::Task> tasks;
};

const Verifiers& verifiers() {
  static const Verifiers v = [] {
    Verifiers out;
    for (const char* name : {"math", "countdown", "step", "format", "exact"}) {
      out.all.push_back(r1::make_verifier(name));
    }
    for (const char* answer : {"42", "\\frac{1}{2}", "x^2+1", "(1, 2]", "-0.5"}) {
      r1::Task t;
      t.answer = answer;
      out.tasks.push_back(t);
    }
    r1::Task cd;
    cd.answer = "24";
    cd.meta = {{"numbers", {3, 8, 8, 1}}, {"target", 24}};
    out.tasks.push_back(cd);
    return out;
  }();
  return v;
}

void check(r1::Verifier& v, const r1::Task& task, const std::string& completion) {
  const r1::Verdict d = v.verify(task, completion);
  if (!std::isfinite(d.score) || d.score < 0.0 || d.score > 1.0) std::abort();
  (void)d.details.dump();  // strict: throws on invalid UTF-8, which escapes as a finding
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  const Verifiers& vs = verifiers();
  r1::Task own;
  const size_t nl = input.find('\n');
  const std::string completion = nl == std::string::npos ? input : input.substr(nl + 1);
  if (nl != std::string::npos) own.answer = input.substr(0, nl);
  for (const auto& v : vs.all) {
    for (const auto& t : vs.tasks) check(*v, t, completion);
    if (nl != std::string::npos) check(*v, own, completion);
  }
  return 0;
}
