// Batched generation on the paged KV cache with continuous batching: a fixed number of cache slots
// decode together; when a sequence finishes, its slot is released and refilled with the next
// waiting request at once (its prefill rides in the same forward call as the others' decode
// steps), so the batch stays full while lengths vary. Prefill is chunked: one forward call takes
// at most `prefill_chunk` prompt tokens beside the decode steps, so a long prompt arriving does
// not stall the sequences already decoding; a prompt is sampled from once its last chunk is in.
//
// Two ways in, one scheduler:
//   - generate(): a list of requests with shared settings, run to the end (rollout workers,
//     eval, bench, `r1 generate`);
//   - submit() + step(): sequences with settings of their own, joining the running batch between
//     forward calls and reporting each token as it is sampled (`r1 serve`).
//
// Each request samples from its own RNG stream (seed, stream), so its output does not depend
// on which other requests share the batch, on the number of slots, or on when it joined.
#pragma once
#include <atomic>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "model/chat_template.h"
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
  double temperature = -1;  // >= 0: this request's, in place of its sampling settings'
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

  // Adds the chat template's end of turn as a stop, as every prompt rendered with a template
  // needs: its token where `tokenizer` has it as one (end_of_turn_token), else its text as a
  // stop string (which then stays in the completion's text). Nothing for an empty end_of_turn.
  void stop_at_end_of_turn(const ChatTemplate& chat);

  SamplingParams sampling;
  std::vector<int32_t> stop_tokens;       // e.g. the tokenizer's end-of-sequence id
  // e.g. "</answer>"; needs a tokenizer. A completion stops at the token whose text completes
  // one, even where that token's text goes on past it.
  std::vector<std::string> stop_strings;
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
  // Step-wise use only: the weights never change while the engine lives (r1 serve), so the
  // packed copies decode reads are made once and kept when the engine goes idle, rather than
  // made again for the next sequence.
  bool keep_packed_weights = false;
};

struct GenerationStats {
  long prompt_tokens = 0, generated_tokens = 0, forward_calls = 0;
  long max_call_tokens = 0;  // the most tokens (prompt chunks + decode steps) in one forward call
  long shared_prompt_tokens = 0;  // prompt tokens copied from another request's cache, not fed
  double seconds = 0;
};

// One sampled token as the step-wise API reports it.
struct TokenEvent {
  int32_t token = 0;
  float logprob = 0;  // under the sampling policy (kernels/cpu/sampling.h)
  // The `top_logprobs` most likely tokens at this position, most likely first, with their
  // log-probabilities under the same temperature scaling (temperature 0: none).
  std::vector<std::pair<int32_t, float>> top;
};

// A sequence with settings of its own, for submit().
struct SequenceRequest {
  GenerationRequest request;
  SamplingParams sampling;
  std::vector<int32_t> stop_tokens;
  std::vector<std::string> stop_strings;  // need the engine's tokenizer (set_tokenizer)
  int top_logprobs = 0;                   // alternatives reported per token, 0..kMaxTopLogprobs
  // Both are called on the thread that runs step(). on_token gets each token as it is sampled;
  // returning false cancels the sequence (its slot is free for the next call). on_done gets the
  // whole result once, whatever ended it ("cancelled" included). A callback that throws cancels
  // its sequence; step() finishes the forward call's work for every other sequence and then
  // rethrows the first such exception, leaving the engine consistent.
  std::function<bool(const TokenEvent&)> on_token;
  std::function<void(GenerationResult&&)> on_done;
};

class GenerationEngine {
 public:
  static constexpr int kMaxTopLogprobs = 20;

  // `slots` sequences decode together; each holds up to `max_len` tokens (prompt + completion).
  GenerationEngine(Model<float>& model, int slots, int max_len);
  ~GenerationEngine();

  // Runs all requests; results are in request order. `on_done` (optional) is called as each
  // request finishes, with its index. Needs an idle engine (nothing submitted and unfinished).
  std::vector<GenerationResult> generate(const std::vector<GenerationRequest>& requests,
                                         const GenerationOptions& options,
                                         const std::function<void(size_t)>& on_done = nullptr);

  // ---- step-wise ----
  // Settings every submitted sequence shares: the tokenizer for stop strings, prefill_chunk and
  // share_prompts (the sampling, stop and cancel fields are not read).
  void set_shared_options(const GenerationOptions& options);
  // Queues a sequence; it joins the batch at the next step() with a free slot. Checks the
  // request (non-empty prompt that fits the context, valid sampling) and throws if it is bad.
  void submit(SequenceRequest seq);
  // One forward call: refill free slots, feed prompt chunks and decode steps, sample, retire.
  // Does nothing when idle.
  void step();
  bool idle() const;
  size_t waiting() const { return waiting_.size(); }
  size_t running() const;
  // Ends every queued and running sequence now with finish_reason "cancelled".
  void cancel_all();

  int slots() const { return cache_.slots(); }
  int max_len() const { return cache_.max_len(); }
  const GenerationStats& stats() const { return stats_; }

 private:
  struct Active;
  void check(const GenerationRequest& r, const std::string& what) const;
  void enqueue(SequenceRequest seq, const std::string& what);  // checks it, then queues it
  void refill();
  void adopt_prompts();
  void finish(Active& a, std::string reason);

  Model<float>& model_;
  KVCache<float> cache_;
  DeviceBuffer<float> logits_;  // (slots, V) in the model's backend memory
  GenerationStats stats_;
  GenerationOptions shared_;
  std::deque<SequenceRequest> waiting_;
  std::vector<Active> active_;
  uint64_t next_id_ = 0;
  // The weights cannot change while sequences run: decode reads copies packed once, held from
  // the first step after idle until the engine is idle again.
  std::unique_ptr<typename Model<float>::DecodeWeights> packed_;
  std::vector<float> host_row_;  // one logits row on the host, for top_logprobs
  struct StepScratch {
    std::vector<Model<float>::CachedSeq> entries;
    std::vector<size_t> order;
    std::vector<char> sampled;
    std::vector<std::pair<size_t, int>> partial;
    std::vector<int32_t> chosen;
    std::vector<float> chosen_lp;
    std::vector<Rng*> rngs;
    std::vector<int> row_of;
  } scratch_;
  std::exception_ptr first_error;  // a callback's throw during this step, rethrown at its end
};

}  // namespace r1
