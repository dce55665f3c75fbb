// fuzz_verify_line: any bytes as one `r1 verify` input line, through verify_line(), the code
// r1 verify runs per line (parse, record checks, task decoding, scoring, the output record).
// The promise under test: every line gives exactly one JSON object record, never an exception,
// a crash or a hang. Scoring uses in-process verifiers only (math, countdown, format, step):
// the python verifier runs code in sandbox subprocesses, which tests/verifiers covers.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "reward/reward_function.h"
#include "reward/verify_jsonl.h"

namespace {

const r1::RewardFunction& reward() {
  static const r1::RewardFunction f(r1::RewardConfig::from_json(r1::json::parse(R"({"components": {
          "correctness": {"verifier": "math", "weight": 1.0},
          "countdown": {"verifier": "countdown", "weight": 0.5},
          "format": {"weight": 0.1},
          "step": {"weight": 0.1}}})"),
                                                                "fuzz_verify_line"));
  return f;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string line(reinterpret_cast<const char*>(data), size);
  const r1::ordered_json record = r1::verify_line(line, 7, reward(), /*show_components=*/true);
  if (!record.is_object() || !record.contains("id") || !record.contains("reason")) std::abort();
  if (record.contains("error") && record["line"] != 7) std::abort();  // names its line
  const std::string out = record.dump(-1, ' ', false, r1::json::error_handler_t::replace);
  if (out.find('\n') != std::string::npos) std::abort();  // one record, one output line
  return 0;
}
