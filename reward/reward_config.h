// The reward configuration: weighted verifier scores plus an optional DAPO-style soft overlong
// penalty. In JSON (every field is checked; unknown fields are errors naming file and field):
//
//   {
//     "components": {
//       "correctness": {"verifier": "task", "weight": 1.0},
//       "format":      {"verifier": "format", "weight": 0.1},
//       "step":        {"weight": 0.0, "span_penalty": 0.5}
//     },
//     "primary": "correctness",
//     "task_verifier_options": {"math": {"decimal_rel_tol": 1e-6}},
//     "overlong": {"max_tokens": 4096, "buffer_tokens": 512, "weight": 1.0}
//   }
//
// A component's "verifier" defaults to its own name, except "correctness", which defaults to
// "task": the verifier named by each task (task.verifier). "options" (an object) go to a named
// verifier; options for task verifiers go in "task_verifier_options" by verifier name.
// "primary" names the component whose verdict gives correct / format_ok / reason (default
// "correctness").
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "core/config_fields.h"
#include "core/json.h"

namespace r1 {

inline constexpr const char* kTaskVerifier = "task";

struct RewardComponent : FieldListed<RewardComponent> {
  std::string name;
  std::string verifier;  // a registered verifier name, or "task"
  double weight = 0.0;
  json options = json::object();
  // Per token, not per completion: a token inside a span this component's verdict marks wrong
  // (Verdict details.wrong_spans) has this much taken off its advantage, on top of the group's
  // advantage of its completion. Pushes down the tokens of a false step without waiting for the
  // answer to fail. 0 = off.
  double span_penalty = 0.0;

  // Reads {"verifier", "weight", "options", "span_penalty"}; `name` and a missing verifier are
  // filled in by RewardConfig (the key, and its default verifier).
  static const ConfigFields<RewardComponent>& fields();  // name, default, check, help of each
};

struct OverlongPenalty : FieldListed<OverlongPenalty> {
  int64_t max_tokens = 0;     // L_max: the generation limit
  int64_t buffer_tokens = 0;  // L_cache: the soft zone before L_max where the penalty ramps
  double weight = 1.0;

  static OverlongPenalty from_json(const json& j, const std::string& where);
  static const ConfigFields<OverlongPenalty>& fields();  // name, default, check, help of each
};

struct RewardConfig : FieldListed<RewardConfig> {
  std::vector<RewardComponent> components;  // sorted by name
  std::string primary = "correctness";
  json task_verifier_options = json::object();
  std::optional<OverlongPenalty> overlong;

  // `where` names the source in errors ("configs/run.json: field 'reward'"). Verifier names
  // are checked against the registry, so load plugins first.
  static RewardConfig from_json(const json& j, const std::string& where);
  static RewardConfig from_file(const std::string& path);
  // One component "correctness" with weight 1: the reward is that verifier's score.
  static RewardConfig single(const std::string& verifier, const json& options = json::object());
  static const ConfigFields<RewardConfig>& fields();  // name, default, check, help of each field
  const RewardComponent& primary_component() const;
};

}  // namespace r1
