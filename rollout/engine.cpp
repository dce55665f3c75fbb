#include "rollout/engine.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <utility>

#include "core/error.h"

namespace r1 {

struct GenerationEngine::Active {
  uint64_t id;  // submission order, unique while the engine lives
  SequenceRequest seq;
  int slot;
  Rng rng;
  std::vector<int32_t> pending;  // tokens to feed: the prompt, then one sampled token per step
  size_t fed = 0;                // of pending, already in the cache
  std::string tail;              // recent decoded text, for stop strings
  size_t longest_stop = 0;
  // A follower waits for the active sequence `leader` (same prompt) to cache all but the last
  // prompt token, copies them, and feeds the last one itself; no leader: feeds its own prompt.
  bool has_leader = false;
  uint64_t leader = 0;
  GenerationResult result;
};

namespace {

// Whether the recent text holds a stop string. It held none before the last token, so any match
// involves that token's text: anywhere in it, not only at its end (a BPE token such as
// "answer>\n\n" carries text past "</answer>").
bool holds_stop(const std::string& tail, const std::vector<std::string>& stops) {
  for (const auto& s : stops) {
    if (!s.empty() && tail.find(s) != std::string::npos) return true;
  }
  return false;
}

bool same_sampling(const SamplingParams& a, const SamplingParams& b) {
  return a.temperature == b.temperature && a.top_p == b.top_p && a.top_k == b.top_k;
}

// The `k` most likely tokens of a logits row with their log-probabilities under temperature `t`
// (<= 0: 1, the greedy policy's own scale, as sample_token reports it).
std::vector<std::pair<int32_t, float>> top_logprobs(const float* row, int V, double t, int k) {
  const double inv_t = t > 0 ? 1.0 / t : 1.0;
  const float m = *std::max_element(row, row + V);
  double total = 0;
  for (int v = 0; v < V; ++v) total += std::exp((row[v] - m) * inv_t);
  const double log_total = std::log(total);
  std::vector<int32_t> ids(V);
  for (int v = 0; v < V; ++v) ids[v] = v;
  k = std::min(k, V);
  std::partial_sort(ids.begin(), ids.begin() + k, ids.end(), [&](int32_t a, int32_t b) {
    return row[a] != row[b] ? row[a] > row[b] : a < b;
  });
  std::vector<std::pair<int32_t, float>> out;
  for (int i = 0; i < k; ++i)
    out.push_back({ids[i], static_cast<float>((row[ids[i]] - m) * inv_t - log_total)});
  return out;
}

}  // namespace

GenerationEngine::GenerationEngine(Model<float>& model, int slots, int max_len)
    : model_(model),
      cache_(model.config(), slots, max_len, model.backend()),
      logits_(model.backend().mem) {}

GenerationEngine::~GenerationEngine() = default;

bool GenerationEngine::idle() const {
  return waiting_.empty() && active_.empty();
}
size_t GenerationEngine::running() const {
  return active_.size();
}

GenerationOptions::GenerationOptions(const SamplingParams& sampling_,
                                     std::vector<std::string> stop_strings_, const Tokenizer& tok)
    : sampling(sampling_), stop_strings(std::move(stop_strings_)), tokenizer(&tok) {
  if (tok.eos_id() >= 0) stop_tokens.push_back(tok.eos_id());
}

void GenerationOptions::stop_at_end_of_turn(const ChatTemplate& chat) {
  if (chat.end_of_turn.empty()) return;
  if (!tokenizer)
    fail("generate: the end of turn ", chat.end_of_turn, " stops only with a tokenizer");
  const int32_t id = end_of_turn_token(chat, *tokenizer);
  if (id >= 0) {
    stop_tokens.push_back(id);
  } else {
    stop_strings.push_back(chat.end_of_turn);
  }
}

void GenerationEngine::set_shared_options(const GenerationOptions& options) {
  if (options.prefill_chunk < 0)
    fail("generate: prefill_chunk must be >= 0 (0 = whole prompts), got ", options.prefill_chunk);
  shared_ = options;
}

void GenerationEngine::check(const GenerationRequest& r, const std::string& what) const {
  if (r.prompt.empty()) fail("generate: ", what, " has an empty prompt");
  if (static_cast<int>(r.prompt.size()) >= cache_.max_len()) {
    fail("generate: ", what, " has a prompt of ", r.prompt.size(), " tokens; the context holds ",
         cache_.max_len());
  }
  const int V = model_.config().vocab_size;
  for (int32_t t : r.prompt) {
    if (t < 0 || t >= V) fail("generate: ", what, " has token id ", t, " outside [0, ", V, ")");
  }
}

void GenerationEngine::submit(SequenceRequest seq) {
  enqueue(std::move(seq), "a request");
}

void GenerationEngine::enqueue(SequenceRequest seq, const std::string& what) {
  check(seq.request, what);
  if (seq.request.temperature >= 0) seq.sampling.temperature = seq.request.temperature;
  seq.sampling.validate("sampling");
  if (seq.top_logprobs < 0 || seq.top_logprobs > kMaxTopLogprobs)
    fail("generate: top_logprobs must be in [0, ", kMaxTopLogprobs, "], got ", seq.top_logprobs);
  if (!seq.stop_strings.empty() && !shared_.tokenizer)
    fail("generate: stop strings need a tokenizer");
  waiting_.push_back(std::move(seq));
}

void GenerationEngine::refill() {
  while (!waiting_.empty() && cache_.free_slots() > 0) {
    SequenceRequest seq = std::move(waiting_.front());
    waiting_.pop_front();
    const GenerationRequest& r = seq.request;
    Active a{next_id_++, {}, cache_.acquire(), Rng(r.seed, r.stream), r.prompt, 0, "", 0, false,
             0,          {}};
    for (const auto& s : seq.stop_strings) a.longest_stop = std::max(a.longest_stop, s.size());
    stats_.prompt_tokens += static_cast<long>(r.prompt.size());
    if (shared_.share_prompts && r.prompt.size() > 1) {
      for (const Active& o : active_) {
        if (!o.has_leader && o.seq.request.prompt == r.prompt) {
          a.has_leader = true;
          a.leader = o.id;
          break;
        }
      }
    }
    a.seq = std::move(seq);
    active_.push_back(std::move(a));
  }
}

// Followers whose leader has cached all but the last prompt token copy it. A leader is active
// until its first token is sampled, after its whole prompt is cached, and this runs after every
// refill and every forward call before anything retires: the leader is always there.
void GenerationEngine::adopt_prompts() {
  for (Active& a : active_) {
    if (!a.has_leader) continue;
    const auto o = std::find_if(active_.begin(), active_.end(),
                                [&](const Active& x) { return x.id == a.leader; });
    R1_CHECK(o != active_.end(), "generate: a request lost the request whose prompt it shares");
    const int shared = static_cast<int>(a.pending.size()) - 1;
    if (cache_.length(o->slot) < shared) continue;
    cache_.copy_prefix(o->slot, a.slot, shared);
    a.fed = static_cast<size_t>(shared);
    a.has_leader = false;
    stats_.shared_prompt_tokens += shared;
  }
}

void GenerationEngine::finish(Active& a, std::string reason) {
  cache_.release(a.slot);
  a.result.finish_reason = std::move(reason);
  if (!a.seq.on_done) return;
  try {
    a.seq.on_done(std::move(a.result));
  } catch (...) {  // the sequence is gone either way; step() rethrows once it is consistent
    if (!first_error) first_error = std::current_exception();
  }
}

void GenerationEngine::cancel_all() {
  // A follower's leader may go first: nothing is adopted after this.
  for (Active& a : active_) finish(a, "cancelled");
  active_.clear();
  while (!waiting_.empty()) {
    SequenceRequest seq = std::move(waiting_.front());
    waiting_.pop_front();
    GenerationResult r;
    r.finish_reason = "cancelled";
    try {
      if (seq.on_done) seq.on_done(std::move(r));
    } catch (...) {
    }
  }
  first_error = nullptr;  // everything is ending: a callback's error here has no one to tell
  packed_.reset();
}

void GenerationEngine::step() {
  if (idle()) return;
  const auto t0 = std::chrono::steady_clock::now();
  if (!packed_) packed_ = std::make_unique<typename Model<float>::DecodeWeights>(model_);
  const int V = model_.config().vocab_size;
  refill();
  adopt_prompts();
  // This step's entries: every decode step, and prompt chunks within the budget. Entries whose
  // pending tokens all go in now come first: their last rows' logits are sampled.
  // Per-step lists live in the engine, so a step reuses their storage.
  auto& [entries, order, sampled, partial, chosen, chosen_lp, rngs, row_of] = scratch_;
  entries.clear();
  order.clear();    // active indices in entry order: those sampled this step first
  partial.clear();  // (active index, tokens fed this step)
  sampled.assign(active_.size(), 0);
  long budget =
      shared_.prefill_chunk > 0 ? shared_.prefill_chunk : std::numeric_limits<long>::max();
  long call_tokens = 0;
  for (size_t e = 0; e < active_.size(); ++e) {
    Active& a = active_[e];
    if (a.has_leader) continue;  // waits for its leader's prompt
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
    entries.push_back({active_[e].slot, active_[e].pending.data() + active_[e].fed, take});
  }
  const size_t need = entries.size() * static_cast<size_t>(V);
  if (logits_.size() < need) logits_.resize(need);
  model_.forward_cached(cache_, entries, logits_.data());
  stats_.forward_calls++;
  stats_.max_call_tokens = std::max(stats_.max_call_tokens, call_tokens);
  for (size_t i = 0; i < order.size(); ++i)
    active_[order[i]].fed += static_cast<size_t>(entries[i].n);
  adopt_prompts();  // before this step retires leaders
  // Sampling runs where the logits are; only the chosen tokens and their log-probs come back.
  // Consecutive rows with the same settings go in one call (all of them, for generate()).
  chosen.resize(R);
  chosen_lp.resize(R);
  rngs.resize(R);
  for (int r = 0; r < R; ++r) rngs[r] = &active_[order[r]].rng;
  for (int r0 = 0; r0 < R;) {
    const SamplingParams& sp = active_[order[r0]].seq.sampling;
    int r1 = r0 + 1;
    while (r1 < R && same_sampling(active_[order[r1]].seq.sampling, sp)) ++r1;
    model_.backend().ops.sample_rows(chosen.data() + r0, chosen_lp.data() + r0,
                                     logits_.data() + static_cast<size_t>(r0) * V, r1 - r0, V, sp,
                                     rngs.data() + r0);
    r0 = r1;
  }
  // One token for each sampled sequence; retire the finished ones. The others keep their place.
  row_of.assign(active_.size(), -1);
  for (int r = 0; r < R; ++r) row_of[order[r]] = r;
  std::vector<Active> still;
  for (size_t e = 0; e < active_.size(); ++e) {
    Active& a = active_[e];
    if (!sampled[e]) {
      still.push_back(std::move(a));
      continue;
    }
    const int row = row_of[e];
    const int32_t tok = chosen[row];
    a.result.tokens.push_back(tok);
    a.result.logprobs.push_back(chosen_lp[row]);
    stats_.generated_tokens++;
    bool keep_going = true;
    if (a.seq.on_token) {
      // A throw here (a callback, a device copy) must not leave the batch half retired: the
      // sequence is cancelled, the step completes, and the first error is rethrown at its end.
      try {
        TokenEvent ev{tok, chosen_lp[row], {}};
        if (a.seq.top_logprobs > 0) {
          host_row_.resize(V);
          logits_.download(host_row_.data(), static_cast<size_t>(row) * V, V);
          ev.top =
              top_logprobs(host_row_.data(), V, a.seq.sampling.temperature, a.seq.top_logprobs);
        }
        keep_going = a.seq.on_token(ev);
      } catch (...) {
        if (!first_error) first_error = std::current_exception();
        keep_going = false;
      }
    }
    bool stop = std::find(a.seq.stop_tokens.begin(), a.seq.stop_tokens.end(), tok) !=
                a.seq.stop_tokens.end();
    if (!stop && a.longest_stop > 0) {
      a.tail += shared_.tokenizer->token_text(tok);
      stop = holds_stop(a.tail, a.seq.stop_strings);
      // Keep enough for a stop string that the next token completes.
      if (a.tail.size() > 4 * a.longest_stop) a.tail.erase(0, a.tail.size() - a.longest_stop);
    }
    std::string reason;
    if (stop)
      reason = "stop";
    else if (static_cast<int>(a.result.tokens.size()) >= a.seq.request.max_new_tokens)
      reason = "length";
    else if (cache_.length(a.slot) + 1 >= cache_.max_len())
      reason = "context";
    else if (!keep_going)
      reason = "cancelled";
    if (!reason.empty()) {
      finish(a, std::move(reason));
    } else {
      a.pending.assign(1, tok);
      a.fed = 0;
      still.push_back(std::move(a));
    }
  }
  active_ = std::move(still);
  if (idle() && !shared_.keep_packed_weights) packed_.reset();
  stats_.seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (first_error) std::rethrow_exception(std::exchange(first_error, nullptr));
}

std::vector<GenerationResult> GenerationEngine::generate(
    const std::vector<GenerationRequest>& requests, const GenerationOptions& opt,
    const std::function<void(size_t)>& on_done) {
  R1_CHECK(idle(), "generate: the engine still has submitted sequences");
  packed_.reset();  // the weights may have changed since the last call
  set_shared_options(opt);
  std::vector<GenerationResult> results(requests.size());
  for (size_t i = 0; i < requests.size(); ++i) {
    SequenceRequest s;
    s.request = requests[i];
    s.sampling = opt.sampling;
    s.stop_tokens = opt.stop_tokens;
    s.stop_strings = opt.stop_strings;
    s.on_done = [&results, &on_done, i](GenerationResult&& r) {
      results[i] = std::move(r);
      if (on_done && results[i].finish_reason != "cancelled") on_done(i);
    };
    try {
      enqueue(std::move(s), "request " + std::to_string(i));
    } catch (...) {
      waiting_.clear();  // a bad request: none of the list runs
      throw;
    }
  }
  while (!idle()) {
    if (opt.cancel && opt.cancel->load()) {
      cancel_all();
      break;
    }
    step();
  }
  return results;
}

}  // namespace r1
