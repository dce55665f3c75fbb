#include "reward/reward_config.h"

#include <algorithm>
#include <cmath>

#include "verifiers/registry.h"

namespace r1 {

namespace {

bool is_object(const json& v) {
  return v.is_object();
}

std::string known_verifiers() {
  std::string known;
  for (const auto& n : verifier_names()) known += (known.empty() ? "" : ", ") + n;
  return known;
}

// "components": {"<name>": {component}, ...}, kept sorted by name.
void read_components(const json& v, const std::string& where, RewardConfig& c) {
  JsonReader(v, where);  // throws unless an object
  if (v.empty()) fail(where, ": needs at least one component");
  c.components.clear();
  for (auto it = v.begin(); it != v.end(); ++it) {
    const std::string name = it.key();
    const std::string cwhere = cat(where, ": field '", name, "'");
    RewardComponent rc = RewardComponent::from_json(it.value(), cwhere);
    rc.name = name;
    if (rc.verifier.empty()) rc.verifier = name == "correctness" ? kTaskVerifier : name;
    JsonReader cr(it.value(), cwhere);
    cr.check(!it.value().contains("options") || rc.verifier != kTaskVerifier, "options",
             "a component using the task's own verifier takes options from "
             "'task_verifier_options'");
    if (rc.verifier != kTaskVerifier && !has_verifier(rc.verifier)) {
      cr.fail_field("verifier", cat("unknown verifier '", rc.verifier,
                                    "' (known: ", known_verifiers(), ", or 'task')"));
    }
    c.components.push_back(std::move(rc));
  }
}

json write_components(const RewardConfig& c) {
  json comps = json::object();
  for (const auto& rc : c.components) comps[rc.name] = rc.to_json();
  return comps;
}

}  // namespace

const ConfigFields<RewardComponent>& RewardComponent::fields() {
  using C = RewardComponent;
  static const auto f =
      ConfigFields<C>("reward.components.NAME")
          .add("verifier", &C::verifier,
               "a registered verifier, or \"task\": the one each task names (\"\": the "
               "component's name; \"task\" for correctness)",
               nullptr, unless_empty())
          // Bounded, so that no sum of weighted scores overflows to inf (the learner would refuse
          // every group).
          .add("weight", &C::weight, "the score's weight in the reward",
               must<double>([](double v) { return v >= -1e6 && v <= 1e6; },
                            "must be a number in [-1e6, 1e6]"))
          .required()
          .add("options", &C::options, "options for a named verifier",
               must<json>(is_object, "expected an object"),
               [](const json& o) { return !o.empty(); })
          .add("span_penalty", &C::span_penalty,
               "taken off the advantage of each completion token inside a span the verdict marks "
               "wrong (details.wrong_spans: the step verifier's false claims); 0: off",
               must<double>([](double v) { return v >= 0 && v <= 100; }, "must be in [0, 100]"),
               [](double v) { return v != 0.0; });
  return f;
}

const ConfigFields<OverlongPenalty>& OverlongPenalty::fields() {
  using C = OverlongPenalty;
  static const auto f =
      ConfigFields<C>("reward.overlong")
          .add("max_tokens", &C::max_tokens, "L_max: the generation limit (rollout.max_new_tokens)",
               at_least<int64_t>(1, "must be at least 1"))
          .required()
          .add("buffer_tokens", &C::buffer_tokens,
               "L_cache: the soft zone before L_max where the penalty ramps")
          .required()
          .add("weight", &C::weight, "the penalty's weight",
               must<double>([](double v) { return v >= 0 && v <= 1e6; },
                            "must be a number in [0, 1e6]"));
  return f;
}

OverlongPenalty OverlongPenalty::from_json(const json& j, const std::string& where) {
  OverlongPenalty p = fields().read(j, where);
  JsonReader(j, where).check(p.buffer_tokens >= 1 && p.buffer_tokens <= p.max_tokens,
                             "buffer_tokens", "must be in [1, max_tokens]");
  return p;
}

const ConfigFields<RewardConfig>& RewardConfig::fields() {
  using C = RewardConfig;
  static const auto f =
      ConfigFields<C>("reward")
          .add_custom("components", "name -> {verifier, weight, options} (below)", "(required)",
                      read_components, write_components)
          .required()
          .add("primary", &C::primary,
               "the component whose verdict gives correct, format_ok and reason")
          .add("task_verifier_options", &C::task_verifier_options,
               "options for the task verifiers, by verifier name",
               FieldCheck<json>([](const json& o) -> std::optional<std::string> {
                 if (!o.is_object()) return "expected an object";
                 for (auto it = o.begin(); it != o.end(); ++it) {
                   if (!it.value().is_object())
                     return cat("options for '", it.key(), "' must be an object");
                 }
                 return std::nullopt;
               }),
               [](const json& o) { return !o.empty(); })
          .add("overlong", &C::overlong, "DAPO's soft overlong penalty (below); absent: none");
  return f;
}

RewardConfig RewardConfig::from_json(const json& j, const std::string& where) {
  RewardConfig c = fields().read(j, where);
  JsonReader r(j, where);
  bool found = std::any_of(c.components.begin(), c.components.end(),
                           [&](const RewardComponent& rc) { return rc.name == c.primary; });
  if (!found) {
    if (r.has("primary")) r.fail_field("primary", cat("no component named '", c.primary, "'"));
    c.primary = c.components.front().name;
  }
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

const RewardComponent& RewardConfig::primary_component() const {
  for (const auto& c : components) {
    if (c.name == primary) return c;
  }
  R1_CHECK(!components.empty(), "reward config without components");
  return components.front();
}

}  // namespace r1
