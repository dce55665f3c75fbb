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
  if (scored_by_control) j["scored_by_control"] = true;
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
  // A verifier that failed, as opposed to one that reported the task broken (gold_unparseable,
  // bad_task, ...): a C++ verifier's throw or bad score, a plugin's error code or bad score, an
  // external program's timeout, crash or unusable reply (its next request starts it afresh).
  const bool broke = d.reason == "verifier_threw" || d.reason == "score_out_of_range" ||
                     d.reason == "plugin_error" || d.reason == "plugin_bad_verdict" ||
                     d.reason == "external_timeout" || d.reason == "external_crashed" ||
                     d.reason == "external_bad_reply";
  const std::string control = gold_control(task);
  if (!d.verifier_error || !broke || control.empty() || completion == control) return d;
  // Was it this completion? A verifier error drops the sample (docs/verifiers.md), so were a
  // verifier to break on some answers, a policy could write those where it would be wrong and
  // escape the penalty.
  const Verdict c = verify_once(v, task, control);
  if (c.verifier_error || !c.correct) return d;
  return completions_failure(d);
}

std::string gold_control(const Task& task) {
  return task.answer.empty() ? std::string() : "<answer>" + task.answer + "</answer>";
}

Verdict completions_failure(const Verdict& failure) {
  Verdict zero;
  zero.scored_by_control = true;
  zero.reason = failure.reason;
  zero.details = failure.details.is_object() ? failure.details : json::object();
  zero.details["scored"] =
      "0: the verifier judged the task's gold answer right, so the failure is this "
      "completion's";
  return zero;
}

}  // namespace r1
