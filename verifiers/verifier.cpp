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

namespace {

// v.verify, with a throw or a score outside [0, 1] (or not finite) made a verifier error.
Verdict verify_once(Verifier& v, const Task& task, const std::string& completion) {
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

}  // namespace

Verdict verify_guarded(Verifier& v, const Task& task, const std::string& completion) {
  Verdict d = verify_once(v, task, completion);
  const bool broke = d.reason == "verifier_threw" || d.reason == "score_out_of_range";
  if (!d.verifier_error || !broke || completion.empty()) return d;
  // Was it this completion? A verifier error drops the sample (docs/verifiers.md), so were a
  // verifier to break on some answers, a policy could write those where it would be wrong and
  // escape the penalty. When the same verifier judges an empty completion of the task, the
  // failure is this completion's: it scores 0.
  if (verify_once(v, task, "").verifier_error) return d;
  return completions_failure(d);
}

Verdict completions_failure(const Verdict& failure) {
  Verdict zero;
  zero.reason = failure.reason;
  zero.details = failure.details.is_object() ? failure.details : json::object();
  zero.details["scored"] =
      "0: the verifier judged an empty completion of this task, so the failure is this "
      "completion's";
  return zero;
}

}  // namespace r1
