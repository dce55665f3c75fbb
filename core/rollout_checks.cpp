#include "core/rollout_checks.h"

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

namespace r1 {

namespace {

const char* kind_of(const RolloutGroup& g) {
  return g.scored ? "scored group" : "rollout group";
}

void check_ids(const RolloutGroup& g, const std::vector<int32_t>& ids, int vocab_size,
               const std::string& what) {
  for (size_t i = 0; i < ids.size(); ++i) {
    if (ids[i] < 0 || ids[i] >= vocab_size) {
      throw MessageError(cat(kind_of(g), " seq ", g.seq, ": ", what, " token ", i, " is id ",
                             ids[i], ", outside the vocabulary of ", vocab_size));
    }
  }
}

}  // namespace

void check_rollout_group(const RolloutGroup& g, const RolloutLimits& limits) {
  auto bad = [&](size_t sample, const std::string& why) {
    throw MessageError(cat(kind_of(g), " seq ", g.seq, ": sample ", sample, ": ", why));
  };
  // A task with a worked solution may have it as one more sample, the last (rl_messages.h
  // task_guide): its text must be that solution, so no peer can pass a sample of its own off as
  // one (the learner's check_answers then holds the task to the one it sent).
  const bool guided = !g.samples.empty() && g.samples.back().guide;
  for (size_t i = 0; i + 1 < g.samples.size(); ++i) {
    if (g.samples[i].guide) bad(i, "a guide sample that is not the group's last");
  }
  if (guided) {
    const size_t last = g.samples.size() - 1;
    std::string guide;
    try {
      guide = task_guide(g.task);
    } catch (const MessageError& e) {
      bad(last, e.what());
    }
    if (guide.empty()) bad(last, "a guide sample for a task without a guide");
    if (g.samples[last].text != (limits.guide_text ? limits.guide_text(guide) : guide))
      bad(last, "a guide sample whose text is not the task's guide");
    if (g.samples[last].finish_reason != "stop")
      bad(last, "a guide sample that does not finish with 'stop'");
  }
  if (g.samples.size() != static_cast<size_t>(limits.group_size) + (guided ? 1 : 0)) {
    throw MessageError(cat(kind_of(g), " seq ", g.seq, ": ", g.samples.size(),
                           " samples, the run's group_size is ", limits.group_size,
                           guided ? " (and one guide)" : ""));
  }
  if (g.prompt.empty() || g.prompt.size() >= static_cast<size_t>(limits.max_positions)) {
    throw MessageError(cat(kind_of(g), " seq ", g.seq, ": a prompt of ", g.prompt.size(),
                           " tokens (1 to ", limits.max_positions - 1, " fit)"));
  }
  check_ids(g, g.prompt, limits.vocab_size, "prompt");
  for (size_t i = 0; i < g.samples.size(); ++i) {
    const SampleResult& s = g.samples[i];
    const size_t n = s.tokens.size();
    if (n > static_cast<size_t>(limits.max_new_tokens)) {
      bad(i, cat(n, " completion tokens, more than max_new_tokens ", limits.max_new_tokens));
    }
    if (g.prompt.size() + n > static_cast<size_t>(limits.max_positions)) {
      bad(i, cat(g.prompt.size(), " prompt and ", n, " completion tokens exceed ",
                 limits.max_positions, " positions"));
    }
    check_ids(g, s.tokens, limits.vocab_size, cat("sample ", i, ": completion"));
    if (s.logprobs.size() != n) bad(i, cat(s.logprobs.size(), " log-probs for ", n, " tokens"));
    for (size_t t = 0; t < n; ++t) {
      if (!std::isfinite(s.logprobs[t]) || s.logprobs[t] > kMaxLogprob) {
        bad(i,
            cat("log-prob ", t, " is ", s.logprobs[t], " (a log-probability is finite and <= 0)"));
      }
    }
    if (s.finish_reason != "stop" && s.finish_reason != "length" && s.finish_reason != "context") {
      bad(i, cat("finish_reason '", s.finish_reason, "' (expected stop, length or context)"));
    }
    if (limits.decode) {
      std::string decoded;
      try {
        decoded = limits.decode(s.tokens);
      } catch (const std::exception& e) {
        bad(i, cat("the tokens do not decode: ", e.what()));
      }
      if (s.text != decoded)
        bad(i,
            "the text is not the decoding of the tokens (are all roles of one build and one chat "
            "template?)");
    }
    if (!g.scored) continue;
    if (s.reward) {
      if (!std::isfinite(*s.reward) || *s.reward < limits.reward_min ||
          *s.reward > limits.reward_max) {
        bad(i, cat("reward ", *s.reward, " outside the reward config's range [", limits.reward_min,
                   ", ", limits.reward_max, "]"));
      }
      if (s.verifier_error) bad(i, "a reward and a verifier error");
      // Spans may overlap (two components marking the same bytes); the penalty on any byte
      // adds up to at most the sum of the components' span_penalty.
      std::vector<std::pair<int64_t, double>> edges;
      for (const PenaltySpan& q : s.penalties) {
        if (!(q.value > 0 && q.value <= limits.max_span_penalty)) {
          bad(i, cat("a penalty span of ", q.value, " where the reward config allows (0, ",
                     limits.max_span_penalty, "]"));
        }
        edges.push_back({q.begin, q.value});
        edges.push_back({q.end, -q.value});
      }
      std::sort(edges.begin(), edges.end());  // at one byte, ends (negative) before begins
      double on_byte = 0;
      for (const auto& e : edges) {
        on_byte += e.second;
        if (on_byte > limits.max_span_penalty * (1 + 1e-9)) {
          bad(i, cat("penalty spans that add up to ", on_byte, " on byte ", e.first,
                     " where the reward config allows ", limits.max_span_penalty));
        }
      }
    } else if (!s.verifier_error) {
      bad(i, "no reward and no verifier error");
    } else if (!s.penalties.empty()) {
      bad(i, "penalty spans on a sample without a reward");
    }
  }
}

void check_answers(const RolloutGroup& g, const SentTask& sent, uint64_t learner_version) {
  if (g.task != sent.task)
    throw MessageError(cat(kind_of(g), " seq ", g.seq, ": not the task sent for that seq"));
  if (g.prompt != sent.prompt) {
    throw MessageError(
        cat(kind_of(g), " seq ", g.seq, ": the prompt tokens are not that task's prompt"));
  }
  if (g.version > learner_version) {
    throw MessageError(cat(kind_of(g), " seq ", g.seq, ": sampled with weights version ", g.version,
                           ", newer than the learner's ", learner_version));
  }
}

}  // namespace r1
