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
    // What the reward is made of. Verifier options are left out: beside what they judge they
    // hold per-host choices (an external verifier's processes and interpreter path, the
    // sandbox's python, concurrency, cgroup and tmp_root), as reward_service.threads is one.
    const json& reward = resolved.at("reward");
    json& r = out["reward"];
    r = json::object();
    for (const char* k : {"primary", "overlong"})
      if (reward.contains(k)) r[k] = reward.at(k);
    for (const auto& [name, c] : reward.at("components").items()) {
      json& rc = r["components"][name];
      for (const char* k : {"verifier", "weight", "span_penalty"})
        if (c.contains(k)) rc[k] = c.at(k);
    }
  } else {
    fail("role_settings: unknown role '", role, "'");
  }
  return out;
}

}  // namespace r1
