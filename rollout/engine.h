// Batched generation on the paged KV cache with continuous batching: a fixed number of cache slots
// decode together; when a sequence finishes, its slot is released and refilled with the next
// waiting request at once (its prefill rides in the same forward call as the others' decode
// steps), so the batch stays full while lengths vary. Prefill is chunked: one forward call takes
// at most `prefill_chunk` prompt tokens beside the decode steps, so a long prompt arriving does
// not stall the sequences already decoding; a prompt is sampled from once its last chunk is in.
//
// Each request samples from its own RNG stream (seed, stream), so its output does not depend
// on which other requests share the batch or on the number of slots.
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "model/kv_cache.h"
#include "model/model.h"
#include "model/tokenizer.h"
#include "rollout/sampler.h"

namespace r1 {

struct GenerationRequest {
  std::vector<int32_t> prompt;
  int max_new_tokens = 128;
  uint64_t seed = 0;
  uint64_t stream = 0;
};

struct GenerationResult {
  std::vector<int32_t> tokens;  // the completion (stop token included when one ended it)
  std::vector<float> logprobs;  // per completion token, under the sampling policy
  std::string finish_reason;  // "stop" (stop token or string), "length", "context", or "cancelled"
};

struct GenerationOptions {
  GenerationOptions() = default;
  // The usual setup, shared by rollout workers, eval, bench and `r1 generate`: these sampling
  // settings and stop strings, with `tok` matching the strings and its end-of-text token (when
  // it has one) stopping too.
  GenerationOptions(const SamplingParams& sampling, std::vector<std::string> stop_strings,
                    const Tokenizer& tok);

  SamplingParams sampling;
  std::vector<int32_t> stop_tokens;       // e.g. the tokenizer's end-of-sequence id
  std::vector<std::string> stop_strings;  // e.g. "</answer>"; needs a tokenizer
  const Tokenizer* tokenizer = nullptr;   // to match stop strings
  // When set (e.g. by a stop request), generation ends after the current forward call; the
  // unfinished results have finish_reason "cancelled".
  const std::atomic<bool>* cancel = nullptr;
  // Prompt tokens per forward call, over all prompts being prefilled (decode steps are not
  // counted); 0 = whole prompts at once. A call's cost grows with its tokens, and every running
  // sequence waits for the call: this bounds the wait a refill adds to their next token.
  int prefill_chunk = 1024;
  // Requests with the same prompt (GRPO's G samples of a task) prefill it once: the others copy
  // the first one's cached prompt, all but its last token, and feed only that token themselves.
  bool share_prompts = true;
};

struct GenerationStats {
  long prompt_tokens = 0, generated_tokens = 0, forward_calls = 0;
  long max_call_tokens = 0;  // the most tokens (prompt chunks + decode steps) in one forward call
  long shared_prompt_tokens = 0;  // prompt tokens copied from another request's cache, not fed
  double seconds = 0;
};

class GenerationEngine {
 public:
  // `slots` sequences decode together; each holds up to `max_len` tokens (prompt + completion).
  GenerationEngine(Model<float>& model, int slots, int max_len);

  // Runs all requests; results are in request order. `on_done` (optional) is called as each
  // request finishes, with its index.
  std::vector<GenerationResult> generate(const std::vector<GenerationRequest>& requests,
                                         const GenerationOptions& options,
                                         const std::function<void(size_t)>& on_done = nullptr);
  const GenerationStats& stats() const { return stats_; }

 private:
  Model<float>& model_;
  KVCache<float> cache_;
  DeviceBuffer<float> logits_;  // (slots, V) in the model's backend memory
  GenerationStats stats_;
};

}  // namespace r1
