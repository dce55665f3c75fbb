#include "rollout/engine.h"

#include <algorithm>
#include <chrono>
#include <deque>

#include "core/error.h"

namespace r1 {

GenerationEngine::GenerationEngine(Model<float>& model, int slots, int max_len)
    : model_(model),
      cache_(model.config(), slots, max_len, model.backend()),
      logits_(model.backend().mem) {}

namespace {

struct Active {
  size_t request;
  int slot;
  Rng rng;
  std::vector<int32_t> pending;  // tokens to feed in the next forward call
  std::string tail;              // recent decoded text, for stop strings
};

bool ends_with_stop(const std::string& tail, const std::vector<std::string>& stops) {
  for (const auto& s : stops) {
    if (!s.empty() && tail.size() >= s.size() &&
        tail.compare(tail.size() - s.size(), s.size(), s) == 0)
      return true;
  }
  return false;
}

}  // namespace

GenerationOptions::GenerationOptions(const SamplingParams& sampling_,
                                     std::vector<std::string> stop_strings_, const Tokenizer& tok)
    : sampling(sampling_), stop_strings(std::move(stop_strings_)), tokenizer(&tok) {
  if (tok.eos_id() >= 0) stop_tokens.push_back(tok.eos_id());
}

std::vector<GenerationResult> GenerationEngine::generate(
    const std::vector<GenerationRequest>& requests, const GenerationOptions& opt,
    const std::function<void(size_t)>& on_done) {
  opt.sampling.validate("sampling");
  if (!opt.stop_strings.empty() && !opt.tokenizer) fail("generate: stop strings need a tokenizer");
  size_t longest_stop = 0;
  for (const auto& s : opt.stop_strings) longest_stop = std::max(longest_stop, s.size());
  const int V = model_.config().vocab_size;
  for (size_t i = 0; i < requests.size(); ++i) {
    const auto& r = requests[i];
    if (r.prompt.empty()) fail("generate: request ", i, " has an empty prompt");
    if (static_cast<int>(r.prompt.size()) >= cache_.max_len()) {
      fail("generate: request ", i, " has a prompt of ", r.prompt.size(),
           " tokens; the context holds ", cache_.max_len());
    }
  }
  auto t0 = std::chrono::steady_clock::now();
  std::vector<GenerationResult> results(requests.size());
  std::deque<size_t> waiting;
  for (size_t i = 0; i < requests.size(); ++i) waiting.push_back(i);
  std::vector<Active> active;
  std::vector<Model<float>::CachedSeq> entries;
  std::vector<int32_t> chosen;
  std::vector<float> chosen_lp;
  std::vector<Rng*> rngs;

  while (!waiting.empty() || !active.empty()) {
    if (opt.cancel && opt.cancel->load()) {
      for (auto& a : active) cache_.release(a.slot);
      for (auto& r : results) {
        if (r.finish_reason.empty()) r.finish_reason = "cancelled";
      }
      break;
    }
    // Refill free slots.
    while (!waiting.empty() && cache_.free_slots() > 0) {
      size_t i = waiting.front();
      waiting.pop_front();
      int slot = cache_.acquire();
      active.push_back(
          {i, slot, Rng(requests[i].seed, requests[i].stream), requests[i].prompt, ""});
      stats_.prompt_tokens += static_cast<long>(requests[i].prompt.size());
    }
    entries.clear();
    for (auto& a : active)
      entries.push_back({a.slot, a.pending.data(), static_cast<int>(a.pending.size())});
    const size_t need = entries.size() * static_cast<size_t>(V);
    if (logits_.size() < need) logits_.resize(need);
    model_.forward_cached(cache_, entries, logits_.data());
    stats_.forward_calls++;
    // Sampling runs where the logits are; only the chosen tokens and their log-probs come back.
    const int R = static_cast<int>(active.size());
    chosen.resize(R);
    chosen_lp.resize(R);
    rngs.resize(R);
    for (int e = 0; e < R; ++e) rngs[e] = &active[e].rng;
    model_.backend().ops.sample_rows(chosen.data(), chosen_lp.data(), logits_.data(), R, V,
                                     opt.sampling, rngs.data());
    // Sample one token per active sequence; retire the finished ones.
    std::vector<Active> still;
    for (size_t e = 0; e < active.size(); ++e) {
      Active& a = active[e];
      const GenerationRequest& req = requests[a.request];
      GenerationResult& res = results[a.request];
      const float lp = chosen_lp[e];
      const int32_t tok = chosen[e];
      res.tokens.push_back(tok);
      res.logprobs.push_back(lp);
      stats_.generated_tokens++;
      bool stop =
          std::find(opt.stop_tokens.begin(), opt.stop_tokens.end(), tok) != opt.stop_tokens.end();
      if (!stop && longest_stop > 0) {
        a.tail += opt.tokenizer->token_text(tok);
        if (a.tail.size() > 4 * longest_stop) a.tail.erase(0, a.tail.size() - 2 * longest_stop);
        stop = ends_with_stop(a.tail, opt.stop_strings);
      }
      if (stop)
        res.finish_reason = "stop";
      else if (static_cast<int>(res.tokens.size()) >= req.max_new_tokens)
        res.finish_reason = "length";
      else if (cache_.length(a.slot) + 1 >= cache_.max_len())
        res.finish_reason = "context";
      if (!res.finish_reason.empty()) {
        cache_.release(a.slot);
        if (on_done) on_done(a.request);
      } else {
        a.pending.assign(1, tok);
        still.push_back(std::move(a));
      }
    }
    active = std::move(still);
  }
  stats_.seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return results;
}

}  // namespace r1
