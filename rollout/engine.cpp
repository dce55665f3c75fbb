#include "rollout/engine.h"

#include <algorithm>
#include <chrono>
#include <deque>
#include <limits>
#include <utility>

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
  std::vector<int32_t> pending;  // tokens to feed: the prompt, then one sampled token per step
  size_t fed = 0;                // of pending, already in the cache
  std::string tail;              // recent decoded text, for stop strings
  // A follower waits for the active request `leader` (same prompt) to cache all but the last
  // prompt token, copies them, and feeds the last one itself; -1: feeds its own prompt.
  long leader = -1;
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
  if (opt.prefill_chunk < 0)
    fail("generate: prefill_chunk must be >= 0 (0 = whole prompts), got ", opt.prefill_chunk);
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
  // The weights cannot change during a call: decode reads copies packed once for the call.
  const typename Model<float>::DecodeWeights packed(model_);
  std::vector<GenerationResult> results(requests.size());
  std::deque<size_t> waiting;
  for (size_t i = 0; i < requests.size(); ++i) waiting.push_back(i);
  std::vector<Active> active;
  std::vector<Model<float>::CachedSeq> entries;
  std::vector<size_t> order;  // active indices in entry order: those sampled this step first
  std::vector<char> sampled;
  std::vector<int32_t> chosen;
  std::vector<float> chosen_lp;
  std::vector<Rng*> rngs;
  // Followers whose leader has cached all but the last prompt token copy it. A leader is active
  // until its first token is sampled, after its whole prompt is cached, and this runs after
  // every refill and every forward call before anything retires: the leader is always there.
  auto adopt_prompts = [&] {
    for (Active& a : active) {
      if (a.leader < 0) continue;
      const auto o = std::find_if(active.begin(), active.end(), [&](const Active& x) {
        return static_cast<long>(x.request) == a.leader;
      });
      R1_CHECK(o != active.end(), "generate: request ", a.request,
               " lost the request whose prompt it shares");
      const int shared = static_cast<int>(a.pending.size()) - 1;
      if (cache_.length(o->slot) < shared) continue;
      cache_.copy_prefix(o->slot, a.slot, shared);
      a.fed = static_cast<size_t>(shared);
      a.leader = -1;
      stats_.shared_prompt_tokens += shared;
    }
  };

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
          {i, slot, Rng(requests[i].seed, requests[i].stream), requests[i].prompt, 0, "", -1});
      stats_.prompt_tokens += static_cast<long>(requests[i].prompt.size());
      if (opt.share_prompts && requests[i].prompt.size() > 1) {
        for (size_t e = 0; e + 1 < active.size(); ++e) {
          const Active& o = active[e];
          if (o.leader < 0 && requests[o.request].prompt == requests[i].prompt) {
            active.back().leader = static_cast<long>(o.request);
            break;
          }
        }
      }
    }
    adopt_prompts();
    // This step's entries: every decode step, and prompt chunks within the budget. Entries whose
    // pending tokens all go in now come first: their last rows' logits are sampled.
    entries.clear();
    order.clear();
    sampled.assign(active.size(), 0);
    long budget = opt.prefill_chunk > 0 ? opt.prefill_chunk : std::numeric_limits<long>::max();
    std::vector<std::pair<size_t, int>> partial;  // (active index, tokens fed this step)
    long call_tokens = 0;
    for (size_t e = 0; e < active.size(); ++e) {
      Active& a = active[e];
      if (a.leader >= 0) continue;  // waits for its leader's prompt
      const long left = static_cast<long>(a.pending.size() - a.fed);
      long take = left;
      if (left > 1) {  // a prompt (decode steps feed one token and always go)
        take = std::min(left, budget);
        budget -= take;
        if (take == 0) continue;
      }
      call_tokens += take;
      if (take == left) {
        order.push_back(e);
        sampled[e] = 1;
        entries.push_back({a.slot, a.pending.data() + a.fed, static_cast<int>(take)});
      } else {
        partial.push_back({e, static_cast<int>(take)});
      }
    }
    const int R = static_cast<int>(order.size());
    for (const auto& [e, take] : partial) {
      order.push_back(e);
      entries.push_back({active[e].slot, active[e].pending.data() + active[e].fed, take});
    }
    const size_t need = entries.size() * static_cast<size_t>(V);
    if (logits_.size() < need) logits_.resize(need);
    model_.forward_cached(cache_, entries, logits_.data());
    stats_.forward_calls++;
    stats_.max_call_tokens = std::max(stats_.max_call_tokens, call_tokens);
    for (size_t i = 0; i < order.size(); ++i)
      active[order[i]].fed += static_cast<size_t>(entries[i].n);
    adopt_prompts();  // before this step retires leaders
    // Sampling runs where the logits are; only the chosen tokens and their log-probs come back.
    chosen.resize(R);
    chosen_lp.resize(R);
    rngs.resize(R);
    for (int r = 0; r < R; ++r) rngs[r] = &active[order[r]].rng;
    model_.backend().ops.sample_rows(chosen.data(), chosen_lp.data(), logits_.data(), R, V,
                                     opt.sampling, rngs.data());
    // One token for each sampled sequence; retire the finished ones. The others keep their place.
    std::vector<int> row_of(active.size(), -1);
    for (int r = 0; r < R; ++r) row_of[order[r]] = r;
    std::vector<Active> still;
    for (size_t e = 0; e < active.size(); ++e) {
      Active& a = active[e];
      if (!sampled[e]) {
        still.push_back(std::move(a));
        continue;
      }
      const GenerationRequest& req = requests[a.request];
      GenerationResult& res = results[a.request];
      const float lp = chosen_lp[row_of[e]];
      const int32_t tok = chosen[row_of[e]];
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
        a.fed = 0;
        still.push_back(std::move(a));
      }
    }
    active = std::move(still);
  }
  stats_.seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return results;
}

}  // namespace r1
