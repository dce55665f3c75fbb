#include "reward/reward_function.h"

#include <algorithm>
#include <cmath>

#include "reward/overlong.h"
#include "verifiers/registry.h"

namespace r1 {

json RewardResult::to_json(bool with_components) const {
  json j = {{"reward", reward ? json(*reward) : json(nullptr)},
            {"correct", correct},
            {"format_ok", format_ok},
            {"verifier", verifier},
            {"reason", reason},
            {"details", details}};
  if (verifier_error) j["verifier_error"] = true;
  if (scored_by_control) j["scored_by_control"] = true;
  if (overlong_penalty != 0.0) j["overlong_penalty"] = overlong_penalty;
  if (!penalties.empty()) j["penalties"] = penalty_spans_json(penalties);
  if (with_components) {
    json comps = json::object();
    for (const auto& c : components) {
      json cj = {{"verifier", c.verifier},           {"weight", c.weight},
                 {"score", c.verdict.score},         {"correct", c.verdict.correct},
                 {"format_ok", c.verdict.format_ok}, {"reason", c.verdict.reason}};
      if (c.verdict.verifier_error) cj["verifier_error"] = true;
      comps[c.name] = cj;
    }
    j["components"] = comps;
  }
  return j;
}

namespace {

// Appends the verdict's wrong spans with `penalty`. Spans that are not [begin, end) byte ranges
// inside the completion make the verdict a verifier error: a (user) verifier's bug, not a reward.
// Spans of one verdict that overlap or touch are merged: a byte is wrong or not, and a token is
// penalised once per component (the learner refuses a byte penalised past the components' sum,
// and a token across two touching spans would lose the penalty twice).
void add_wrong_spans(Verdict& v, double penalty, size_t completion_bytes,
                     std::vector<PenaltySpan>& out) {
  auto it = v.details.find(kWrongSpans);
  if (it == v.details.end()) return;
  std::vector<PenaltySpan> got;
  bool ok = it->is_array();
  for (size_t i = 0; ok && i < it->size(); ++i) {
    const json& e = (*it)[i];
    ok = e.is_array() && e.size() == 2 && e[0].is_number_integer() && e[1].is_number_integer();
    if (!ok) break;
    const int64_t b = e[0].get<int64_t>(), end = e[1].get<int64_t>();
    ok = b >= 0 && b < end && end <= static_cast<int64_t>(completion_bytes);
    if (ok) got.push_back({b, end, penalty});
  }
  if (!ok) {
    v = Verdict::verifier_failure(
        "bad_wrong_spans", cat("details.", kWrongSpans,
                               " must be [[begin, end], ...] byte ranges inside the completion (",
                               completion_bytes, " bytes)"));
    return;
  }
  std::sort(got.begin(), got.end(),
            [](const PenaltySpan& a, const PenaltySpan& b) { return a.begin < b.begin; });
  std::vector<PenaltySpan> merged;
  for (const PenaltySpan& q : got) {
    if (!merged.empty() && q.begin <= merged.back().end) {  // overlapping or touching
      merged.back().end = std::max(merged.back().end, q.end);
    } else {
      merged.push_back(q);
    }
  }
  out.insert(out.end(), merged.begin(), merged.end());
}

// A verdict's details.learner_data must be an object of at most kMaxLearnerDataBytes of JSON.
void check_learner_data(Verdict& v) {
  auto it = v.details.find(kLearnerData);
  if (it == v.details.end()) return;
  if (!it->is_object()) {
    v = Verdict::verifier_failure(
        "bad_learner_data",
        cat("details.", kLearnerData, " must be an object, got ", it->type_name()));
    return;
  }
  // Replacing invalid UTF-8 (a C++ verifier's bytes) rather than throwing out of the reward role.
  const size_t bytes = it->dump(-1, ' ', false, json::error_handler_t::replace).size();
  if (bytes > kMaxLearnerDataBytes) {
    v = Verdict::verifier_failure("bad_learner_data", cat("details.", kLearnerData, " has ", bytes,
                                                          " bytes of JSON, more than the ",
                                                          kMaxLearnerDataBytes, " allowed"));
  }
}

}  // namespace

std::vector<PenaltySpan> spans_after_prefix(const std::vector<PenaltySpan>& spans,
                                            size_t prefix_bytes) {
  const int64_t shift = static_cast<int64_t>(prefix_bytes);
  std::vector<PenaltySpan> out;
  for (const PenaltySpan& q : spans) {
    if (q.end <= shift) continue;
    out.push_back({std::max(q.begin, shift) - shift, q.end - shift, q.value});
  }
  return out;
}

RewardFunction::RewardFunction(RewardConfig config) : config_(std::move(config)) {
  for (const auto& c : config_.components) {
    if (c.verifier == kTaskVerifier) {
      fixed_.push_back(nullptr);
    } else {
      fixed_.push_back(make_verifier(c.verifier, c.options));
    }
  }
}

RewardFunction::~RewardFunction() = default;

Verifier* RewardFunction::task_verifier(const std::string& name, std::string* error) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = by_task_name_.find(name);
  if (it != by_task_name_.end()) return it->second.get();
  try {
    json opts = config_.task_verifier_options.contains(name) ? config_.task_verifier_options[name]
                                                             : json::object();
    auto v = make_verifier(name, opts);
    Verifier* raw = v.get();
    by_task_name_[name] = std::move(v);
    return raw;
  } catch (const std::exception& e) {
    *error = e.what();
    return nullptr;
  }
}

RewardResult RewardFunction::score(const Task& task, const std::string& completion,
                                   std::optional<int64_t> completion_tokens) const {
  if (config_.overlong && !completion_tokens) {
    fail("the reward's overlong penalty needs the completion length in tokens (task '", task.id,
         "')");
  }
  RewardResult r;
  double total = 0.0;
  std::string error_component;
  for (size_t i = 0; i < config_.components.size(); ++i) {
    const RewardComponent& c = config_.components[i];
    ComponentResult cr;
    cr.name = c.name;
    cr.weight = c.weight;
    Verifier* v = fixed_[i].get();
    cr.verifier = c.verifier;
    if (!v) {
      cr.verifier = task.verifier;
      std::string why;
      if (task.verifier.empty()) {
        why = "the task names no verifier (task.verifier is empty)";
      } else {
        v = task_verifier(task.verifier, &why);
      }
      if (!v) {
        cr.verdict.verifier_error = true;
        cr.verdict.reason = task.verifier.empty()         ? "task_has_no_verifier"
                            : has_verifier(task.verifier) ? "verifier_unavailable"
                                                          : "unknown_verifier";
        cr.verdict.details = {{"error", why}};
      }
    }
    if (v) cr.verdict = verify_guarded(*v, task, completion);
    check_learner_data(cr.verdict);
    if (c.span_penalty != 0.0 && !cr.verdict.verifier_error)
      add_wrong_spans(cr.verdict, c.span_penalty, completion.size(), r.penalties);
    if (cr.verdict.scored_by_control && (c.weight != 0.0 || c.span_penalty != 0.0))
      r.scored_by_control = true;
    if (cr.verdict.verifier_error && (c.weight != 0.0 || c.span_penalty != 0.0) &&
        error_component.empty())
      error_component = c.name;
    total += c.weight * cr.verdict.score;
    if (c.name == config_.primary) {
      r.correct = cr.verdict.correct;
      r.format_ok = cr.verdict.format_ok;
      r.verifier = cr.verifier;
      r.reason = cr.verdict.reason;
      r.details = cr.verdict.details;
    }
    r.components.push_back(std::move(cr));
  }
  if (config_.overlong) {
    const OverlongPenalty& p = *config_.overlong;
    r.overlong_penalty =
        p.weight * overlong_penalty(*completion_tokens, p.max_tokens, p.buffer_tokens);
    total += r.overlong_penalty;
  }
  if (!error_component.empty()) {
    r.verifier_error = true;
    r.penalties.clear();  // the sample will not train
    for (const auto& c : r.components) {
      if (c.name == error_component && c.name != config_.primary) {
        // Say which component failed when it is not the one already reported.
        r.details["verifier_error_in"] = c.name;
        r.details["verifier_error_reason"] = c.verdict.reason;
      }
    }
  } else {
    r.reward = total;
  }
  return r;
}

}  // namespace r1
