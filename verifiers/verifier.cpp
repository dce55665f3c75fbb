#include "verifiers/verifier.h"

namespace r1 {

json Verdict::to_json() const {
  json j = {{"score", score}, {"correct", correct}, {"format_ok", format_ok}, {"reason", reason},
            {"details", details}};
  if (verifier_error) j["verifier_error"] = true;
  return j;
}

}  // namespace r1
