#include "run/role_settings.h"

#include "core/error.h"

namespace r1 {

json role_settings(const RunConfig& cfg, const std::string& role) {
  const json resolved = cfg.resolved();
  const json& rollout = resolved.at("rollout");
  json out = {{"model", cfg.model_config().to_json()},
              {"chat_template", resolved.at("chat_template")},
              {"rollout",
               {{"group_size", rollout.at("group_size")},
                {"max_new_tokens", rollout.at("max_new_tokens")}}}};
  if (role == "rollout") {
    // What the samples and their log-probs depend on.
    for (const char* k : {"temperature", "top_p", "top_k", "stop"})
      out["rollout"][k] = rollout.at(k);
    out["seed"] = resolved.at("seed");
  } else if (role == "reward") {
    out["reward"] = resolved.at("reward");
  } else {
    fail("role_settings: unknown role '", role, "'");
  }
  return out;
}

}  // namespace r1
