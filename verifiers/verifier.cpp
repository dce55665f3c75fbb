#include "verifiers/verifier.h"

#include <cmath>
#include <cstdio>

#include "core/rng.h"
#include "verifiers/completion.h"

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

std::string answer_key_of(std::string_view text) {
  constexpr size_t kShort = 120, kKept = 80;
  std::string s = valid_utf8(text);
  if (s.size() <= kShort) return s;
  char hash[24];
  std::snprintf(hash, sizeof hash, "#%016llx",
                static_cast<unsigned long long>(hash64(std::string(text))));
  return cut_utf8(std::move(s), kKept) + "..." + hash;
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
  if (!d.verifier_error) return d;
  // A verifier that failed, as opposed to one that reported the task broken (gold_unparseable,
  // bad_task, ...): a C++ verifier's throw or bad score, a plugin's error code or bad score, an
  // external program's timeout, crash or unusable reply (its next request starts it afresh),
  // an error a plugin or program reports itself, the python verifier's own exception or its
  // harness's fault. Not a sandbox_error: the pool's (a zygote lost under load takes every run
  // in flight with it), which a control would pass and so score honest completions 0.
  const bool broke = d.reason == "plugin_error" || d.reason == "plugin_bad_verdict" ||
                     d.reason == "external_timeout" || d.reason == "external_crashed" ||
                     d.reason == "external_bad_reply" ||
                     (d.details.is_object() && d.details.value("reported_by_verifier", false)) ||
                     d.reason == "verifier_threw" || d.reason == "score_out_of_range" ||
                     d.reason == "verifier_exception" || d.reason == "harness_error";
  if (!broke) return d;
  // Was it this completion? A verifier error drops the sample (docs/verifiers.md), so were a
  // verifier to break on some answers, a policy could write those where it would be wrong and
  // escape the penalty.
  const std::string control = gold_control(task);
  if (!control.empty() && completion != control) {
    const Verdict c = verify_once(v, task, control);
    if (c.verifier_error || !c.correct) return d;
    return completions_failure(d);
  }
  // No gold to judge: nothing tells the completion's fault from the task's or the program's (a
  // control with an empty answer passes a program that returns early on it, and would score
  // honest answers to a broken task 0). It stays an error: docs/custom_verifiers.md asks such
  // programs to score what they cannot read 0 rather than fail on it.
  return d;
}

std::string gold_control(const Task& task) {
  if (!task.answer.empty()) return "<answer>" + task.answer + "</answer>";
  // Code tasks keep their reference solution in meta (HumanEval's body, MBPP's and pyfunc's
  // whole code); the python verifier puts a body under the prompt's signature.
  if (task.verifier == "python" && task.meta.is_object() &&
      task.meta.contains("canonical_solution") && task.meta["canonical_solution"].is_string()) {
    const std::string& code = task.meta["canonical_solution"].get_ref<const std::string&>();
    if (!code.empty()) return "<answer>\n```python\n" + code + "\n```\n</answer>";
  }
  return std::string();
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
