#include "verifiers/verifier.h"

#include <cmath>

namespace r1 {

Verdict Verdict::verifier_failure(const std::string& reason, const std::string& message) {
  Verdict v;
  v.reason = reason;
  v.verifier_error = true;
  v.details = {{"error", message}};
  return v;
}

json Verdict::to_json() const {
  json j = {{"score", score},
            {"correct", correct},
            {"format_ok", format_ok},
            {"reason", reason},
            {"details", details}};
  if (verifier_error) j["verifier_error"] = true;
  return j;
}

Verdict verify_guarded(Verifier& v, const Task& task, const std::string& completion) {
  try {
    Verdict d = v.verify(task, completion);
    if (!std::isfinite(d.score) || d.score < 0.0 || d.score > 1.0) {
      Verdict bad;
      bad.verifier_error = true;
      bad.reason = "score_out_of_range";
      bad.details = {{"score", std::isfinite(d.score) ? d.score : -1.0}, {"verifier", v.name()}};
      return bad;
    }
    return d;
  } catch (const std::exception& e) {
    Verdict bad;
    bad.verifier_error = true;
    bad.reason = "verifier_threw";
    bad.details = {{"error", e.what()}, {"verifier", v.name()}};
    return bad;
  } catch (...) {
    Verdict bad;
    bad.verifier_error = true;
    bad.reason = "verifier_threw";
    bad.details = {{"verifier", v.name()}};
    return bad;
  }
}

}  // namespace r1
