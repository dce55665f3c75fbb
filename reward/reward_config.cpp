#include "reward/reward_config.h"

#include <algorithm>
#include <cmath>

#include "verifiers/registry.h"

namespace r1 {

RewardConfig RewardConfig::from_json(const json& j, const std::string& where) {
  JsonReader r(j, where);
  RewardConfig c;
  JsonReader comps = r.child("components", true);
  const json& comp_obj = r.raw("components");
  if (comp_obj.empty()) r.fail_field("components", "needs at least one component");
  for (auto it = comp_obj.begin(); it != comp_obj.end(); ++it) {
    JsonReader cr = comps.child(it.key(), true);
    RewardComponent rc;
    rc.name = it.key();
    rc.verifier = cr.get<std::string>(
        "verifier", rc.name == "correctness" ? std::string(kTaskVerifier) : rc.name);
    rc.weight = cr.req<double>("weight");
    cr.check(std::isfinite(rc.weight), "weight", "must be a finite number");
    if (cr.has("options")) {
      rc.options = cr.raw("options");
      cr.check(rc.options.is_object(), "options", "expected an object");
      cr.check(
          rc.verifier != kTaskVerifier, "options",
          "a component using the task's own verifier takes options from 'task_verifier_options'");
    }
    if (rc.verifier != kTaskVerifier && !has_verifier(rc.verifier)) {
      std::string known;
      for (const auto& n : verifier_names()) known += (known.empty() ? "" : ", ") + n;
      cr.fail_field("verifier",
                    cat("unknown verifier '", rc.verifier, "' (known: ", known, ", or 'task')"));
    }
    cr.done();
    c.components.push_back(std::move(rc));
  }
  comps.done();
  c.primary = r.get<std::string>("primary", c.primary);
  bool found = std::any_of(c.components.begin(), c.components.end(),
                           [&](const RewardComponent& rc) { return rc.name == c.primary; });
  if (!found) {
    if (r.has("primary")) r.fail_field("primary", cat("no component named '", c.primary, "'"));
    c.primary = c.components.front().name;
  }
  if (r.has("task_verifier_options")) {
    c.task_verifier_options = r.raw("task_verifier_options");
    r.check(c.task_verifier_options.is_object(), "task_verifier_options", "expected an object");
    for (auto it = c.task_verifier_options.begin(); it != c.task_verifier_options.end(); ++it) {
      r.check(it.value().is_object(), "task_verifier_options",
              cat("options for '", it.key(), "' must be an object"));
    }
  }
  if (r.has("overlong")) {
    JsonReader o = r.child("overlong");
    OverlongPenalty p;
    p.max_tokens = o.req<int64_t>("max_tokens");
    p.buffer_tokens = o.req<int64_t>("buffer_tokens");
    p.weight = o.get<double>("weight", 1.0);
    o.check(p.max_tokens >= 1, "max_tokens", "must be at least 1");
    o.check(p.buffer_tokens >= 1 && p.buffer_tokens <= p.max_tokens, "buffer_tokens",
            "must be in [1, max_tokens]");
    o.check(std::isfinite(p.weight) && p.weight >= 0, "weight", "must be a non-negative number");
    o.done();
    c.overlong = p;
  }
  r.done();
  return c;
}

RewardConfig RewardConfig::from_file(const std::string& path) {
  return from_json(load_json_file(path), path);
}

RewardConfig RewardConfig::single(const std::string& verifier, const json& options) {
  RewardConfig c;
  RewardComponent rc;
  rc.name = "correctness";
  rc.verifier = verifier;
  rc.weight = 1.0;
  if (verifier == kTaskVerifier) {
    R1_CHECK(options.empty(), "options for the task verifier belong in task_verifier_options");
  } else {
    rc.options = options;
  }
  c.components.push_back(std::move(rc));
  return c;
}

json RewardConfig::to_json() const {
  json comps = json::object();
  for (const auto& c : components) {
    json cj = {{"verifier", c.verifier}, {"weight", c.weight}};
    if (!c.options.empty()) cj["options"] = c.options;
    comps[c.name] = cj;
  }
  json j = {{"components", comps}, {"primary", primary}};
  if (!task_verifier_options.empty()) j["task_verifier_options"] = task_verifier_options;
  if (overlong) {
    j["overlong"] = {{"max_tokens", overlong->max_tokens},
                     {"buffer_tokens", overlong->buffer_tokens},
                     {"weight", overlong->weight}};
  }
  return j;
}

const RewardComponent& RewardConfig::primary_component() const {
  for (const auto& c : components) {
    if (c.name == primary) return c;
  }
  R1_CHECK(!components.empty(), "reward config without components");
  return components.front();
}

}  // namespace r1
