#include "rollout/rollout_config.h"

#include "core/rl_messages.h"
#include "core/thread_pool.h"

namespace r1 {

const ConfigFields<RolloutConfig>& RolloutConfig::fields() {
  using C = RolloutConfig;
  static const auto f =
      ConfigFields<C>("rollout")
          .add("group_size", &C::group_size, "G completions sampled per task",
               FieldCheck<int>([](int v) -> std::optional<std::string> {
                 if (v < 2) return "must be >= 2 (advantages compare samples within a group)";
                 if (v > kMaxGroupSize - 1)
                   return cat("must be <= ", kMaxGroupSize - 1,
                              " (the samples a rollout message can carry, less one for a "
                              "guide: docs/learner.md)");
                 return std::nullopt;
               }))
          .add("max_new_tokens", &C::max_new_tokens, "the longest completion, in tokens",
               at_least<int>(1, "must be >= 1"))
          .add<double>(
              "temperature", [](C& c) -> double& { return c.sampling.temperature; },
              "sampling temperature; log-prob ratios are taken at it",
              must<double>([](double v) { return v > 0; },
                           "must be > 0 for RL (greedy groups have no variance)"))
          .add<double>(
              "top_p", [](C& c) -> double& { return c.sampling.top_p; },
              "nucleus sampling: the smallest set of tokens with this probability",
              must<double>([](double v) { return v > 0 && v <= 1; }, "must be in (0, 1]"))
          .add<int>(
              "top_k", [](C& c) -> int& { return c.sampling.top_k; },
              "sample among the k likeliest tokens; 0: no limit", at_least<int>(0, "must be >= 0"))
          .add("stop", &C::stop,
               "stop strings (the end-of-text token and the chat template's end of turn always "
               "stop)",
               FieldCheck<std::vector<std::string>>(
                   [](const std::vector<std::string>& v) -> std::optional<std::string> {
                     for (const auto& s : v) {
                       if (s.empty()) return "stop strings must not be empty";
                     }
                     return std::nullopt;
                   }))
          .add("slots", &C::slots, "sequences decoded together per worker (KV-cache slots)",
               at_least<int>(1, "must be >= 1"))
          .add("prefill_chunk", &C::prefill_chunk,
               "prompt tokens per forward call, beside the running sequences' decode steps (a "
               "refill then delays their next token by at most this much work); 0: whole prompts",
               at_least<int>(0, "must be >= 0"))
          .add("device", &C::device,
               "where workers generate: cpu, cuda, cuda:N (\"\": model.device)", nullptr,
               unless_empty())
          .add("workers", &C::workers, "embedded runs: rollout worker threads",
               at_least<int>(1, "must be >= 1"))
          .add("share_weights", &C::share_weights,
               "embedded runs: workers read the learner's weights in place, with no copy (auto: "
               "when both roles are on one GPU; on: on one device, the CPU too; off: copies). "
               "Sampling and training then take turns: an update waits for the batch being "
               "sampled",
               one_of({"auto", "on", "off"}))
          .add("threads", &C::threads, "OpenMP threads per worker; 0: all cores",
               must<int>([](int v) { return v >= 0 && v <= kMaxThreads; },
                         cat("must be in [0, ", kMaxThreads, "] (0: all cores)")))
          .add("debug_delay_s", &C::debug_delay_s,
               "artificial delay per batch, for staleness tests",
               must<double>([](double v) { return v >= 0; }, "must be >= 0"))
          .add("debug_slow_workers", &C::debug_slow_workers,
               "the delay applies to the first N workers of an embedded run (0: all)",
               at_least<int>(0, "must be >= 0"));
  return f;
}

}  // namespace r1
