#include "learner/grpo.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/error.h"

namespace r1 {

std::string to_string(AdvantageKind k) {
  return k == AdvantageKind::Grpo ? "grpo" : "dr-grpo";
}

std::string to_string(LossAgg a) {
  switch (a) {
    case LossAgg::SeqMeanTokenMean:
      return "seq-mean-token-mean";
    case LossAgg::TokenMean:
      return "token-mean";
    case LossAgg::SeqMeanTokenSumNorm:
      return "seq-mean-token-sum-norm";
  }
  return "?";
}

AdvantageKind parse_advantage_kind(const std::string& name, const std::string& where) {
  if (name == "grpo") return AdvantageKind::Grpo;
  if (name == "dr-grpo") return AdvantageKind::DrGrpo;
  fail(where, ": unknown advantage '", name, "' (known: grpo, dr-grpo)");
}

LossAgg parse_loss_agg(const std::string& name, const std::string& where) {
  for (LossAgg a : {LossAgg::SeqMeanTokenMean, LossAgg::TokenMean, LossAgg::SeqMeanTokenSumNorm}) {
    if (name == to_string(a)) return a;
  }
  fail(where, ": unknown loss aggregation '", name,
       "' (known: seq-mean-token-mean, token-mean, seq-mean-token-sum-norm)");
}

const ConfigFields<GrpoConfig>& GrpoConfig::fields() {
  using C = GrpoConfig;
  auto non_negative = [](double v) { return v >= 0 && std::isfinite(v); };
  static const auto f =
      ConfigFields<C>("grpo")
          .add_named<AdvantageKind>(
              "advantage", &C::advantage, "grpo: (r - mean) / (std + adv_eps); dr-grpo: r - mean",
              parse_advantage_kind, [](AdvantageKind k) { return to_string(k); })
          .add("adv_eps", &C::adv_eps, "added to the group's std",
               must<double>(non_negative, "must be >= 0"))
          .add_named<LossAgg>("loss_agg", &C::loss_agg,
                              "token-mean (DAPO), seq-mean-token-mean (GRPO) or "
                              "seq-mean-token-sum-norm (Dr.GRPO)",
                              parse_loss_agg, [](LossAgg a) { return to_string(a); })
          .add("clip_low", &C::clip_low, "the ratio is clipped below at 1 - clip_low",
               must_got<double>([](double v) { return v >= 0 && v < 1; }, "must be in [0, 1)"))
          .add("clip_high", &C::clip_high,
               "the ratio is clipped above at 1 + clip_high (DAPO clip-higher)",
               must_got<double>(non_negative, "must be >= 0"))
          .add("dual_clip", &C::dual_clip,
               "0: off; c > 1 bounds the loss of negative-advantage tokens at -c A",
               must_got<double>([](double v) { return v == 0 || v > 1; },
                                "must be 0 (off) or greater than 1"))
          .add("kl_beta", &C::kl_beta, "weight of the k3 KL penalty; 0: no reference model",
               must_got<double>(non_negative, "must be >= 0"))
          .add("norm_length", &C::norm_length,
               "seq-mean-token-sum-norm's constant length; 0: the run's max_new_tokens",
               must_got<int>([](int v) { return v >= 0; },
                             "must be >= 0 (0: the run's max_new_tokens)"));
  return f;
}

std::vector<double> group_advantages(const std::vector<double>& rewards, const GrpoConfig& cfg) {
  const size_t G = rewards.size();
  std::vector<double> adv(G, 0.0);
  if (G < 2) return adv;
  for (double r : rewards) {
    if (!std::isfinite(r)) fail("group_advantages: non-finite reward ", r);
  }
  // Equal rewards give exact zeros: the mean of equal values need not round back to the value,
  // and a 1e-17 residue divided by (0 + eps) would be a spurious advantage.
  if (std::all_of(rewards.begin(), rewards.end(), [&](double r) { return r == rewards[0]; }))
    return adv;
  double mean = 0;
  for (double r : rewards) mean += r;
  mean /= static_cast<double>(G);
  double denom = 1.0;
  if (cfg.advantage == AdvantageKind::Grpo) {
    double ss = 0;
    for (double r : rewards) ss += (r - mean) * (r - mean);
    denom = std::sqrt(ss / static_cast<double>(G - 1)) + cfg.adv_eps;
  }
  for (size_t i = 0; i < G; ++i) adv[i] = (rewards[i] - mean) / denom;
  return adv;
}

GrpoSequence completion_span(const PackedBatch& batch, int seq, int prompt_len, double advantage) {
  GrpoSequence s;
  s.offset = batch.completion_offset(seq, prompt_len);
  s.length = static_cast<int32_t>(batch.cu_seqlens[seq + 1] - batch.cu_seqlens[seq] - prompt_len);
  s.advantage = advantage;
  return s;
}

GrpoDenominators denominators_of(const std::vector<GrpoSequence>& seqs) {
  GrpoDenominators d;
  d.seqs = static_cast<int64_t>(seqs.size());
  for (const auto& s : seqs) d.tokens += s.length;
  return d;
}

template <typename T>
GrpoStats grpo_loss(const GrpoConfig& cfg, const std::vector<GrpoSequence>& seqs,
                    std::span<const T> logp, std::span<const T> old_logp,
                    std::span<const T> ref_logp, std::span<T> dlogp, GrpoDenominators denom) {
  const size_t N = logp.size();
  if (old_logp.size() != N || dlogp.size() != N) {
    fail("grpo_loss: logp has ", N, " entries but old_logp ", old_logp.size(), " and dlogp ",
         dlogp.size());
  }
  const bool have_ref = !ref_logp.empty();
  if (have_ref && ref_logp.size() != N)
    fail("grpo_loss: ref_logp has ", ref_logp.size(), " entries, expected ", N);
  if (cfg.kl_beta != 0 && !have_ref)
    fail("grpo_loss: kl_beta = ", cfg.kl_beta, " needs reference log-probs");
  if (cfg.loss_agg == LossAgg::SeqMeanTokenSumNorm && cfg.norm_length <= 0) {
    fail(
        "grpo_loss: seq-mean-token-sum-norm needs norm_length > 0 (set it, or the run's "
        "max_new_tokens)");
  }
  // Sequences must lie inside the arrays and not overlap (a token counted twice is a bug upstream).
  std::vector<std::pair<int64_t, int64_t>> spans;
  for (size_t i = 0; i < seqs.size(); ++i) {
    const auto& s = seqs[i];
    if (s.offset < 0 || s.length < 0 || static_cast<size_t>(s.offset + s.length) > N) {
      fail("grpo_loss: sequence ", i, " [", s.offset, ", ", s.offset + s.length,
           ") lies outside the ", N, " tokens");
    }
    if (!std::isfinite(s.advantage)) fail("grpo_loss: sequence ", i, " has a non-finite advantage");
    if (!s.token_offsets.empty() && s.token_offsets.size() != static_cast<size_t>(s.length)) {
      fail("grpo_loss: sequence ", i, " has ", s.token_offsets.size(), " token offsets for ",
           s.length, " tokens");
    }
    for (float o : s.token_offsets) {
      if (!std::isfinite(o)) fail("grpo_loss: sequence ", i, " has a non-finite token offset");
    }
    spans.push_back({s.offset, s.offset + s.length});
  }
  std::sort(spans.begin(), spans.end());
  for (size_t i = 1; i < spans.size(); ++i) {
    if (spans[i].first < spans[i - 1].second)
      fail("grpo_loss: sequences overlap at token ", spans[i].first);
  }
  const GrpoDenominators own = denominators_of(seqs);
  if (denom.seqs == 0) denom.seqs = own.seqs;
  if (denom.tokens == 0) denom.tokens = own.tokens;

  std::fill(dlogp.begin(), dlogp.end(), T(0));
  GrpoStats st;
  st.ratio_min = std::numeric_limits<double>::infinity();
  st.ratio_max = -std::numeric_limits<double>::infinity();
  const double lo = 1.0 - cfg.clip_low, hi = 1.0 + cfg.clip_high;
  double kl_sum = 0, ratio_sum = 0;
  int64_t n_low = 0, n_high = 0, n_dual = 0;
  for (const auto& s : seqs) {
    if (s.length == 0) continue;
    // The weight w of every token of this sequence in L = sum w l.
    double w = 0;
    switch (cfg.loss_agg) {
      case LossAgg::SeqMeanTokenMean:
        w = 1.0 / (static_cast<double>(denom.seqs) * s.length);
        break;
      case LossAgg::TokenMean:
        w = 1.0 / static_cast<double>(denom.tokens);
        break;
      case LossAgg::SeqMeanTokenSumNorm:
        w = 1.0 / (static_cast<double>(denom.seqs) * cfg.norm_length);
        break;
    }
    for (int64_t t = s.offset; t < s.offset + s.length; ++t) {
      const double A =
          s.advantage + (s.token_offsets.empty() ? 0.0 : s.token_offsets[t - s.offset]);
      const double lp = static_cast<double>(logp[t]);
      const double r = std::exp(lp - static_cast<double>(old_logp[t]));
      const double clipped = std::clamp(r, lo, hi);
      // J = min(r A, clip(r) A); the gradient flows only when the unclipped term is the minimum.
      double J = std::min(r * A, clipped * A);
      bool grad_flows = r * A <= clipped * A;
      if (A > 0 && r > hi) ++n_high;
      if (A < 0 && r < lo) ++n_low;
      if (cfg.dual_clip > 0 && A < 0 && cfg.dual_clip * A > J) {
        J = cfg.dual_clip * A;  // r > c: the loss of a bad token stops growing with its ratio
        grad_flows = false;
        ++n_dual;
      }
      double dl = grad_flows ? -r * A : 0.0;  // d(-J)/dlogp, since dr/dlogp = r
      double l = -J;
      st.pg_loss += w * l;
      if (have_ref) {
        const double d = static_cast<double>(ref_logp[t]) - lp;
        const double ed = std::exp(d);
        const double k3 = ed - d - 1.0;
        kl_sum += k3;
        if (cfg.kl_beta != 0) {
          l += cfg.kl_beta * k3;
          dl += cfg.kl_beta * (1.0 - ed);  // dk3/dlogp = -(e^d - 1)
        }
      }
      st.loss += w * l;
      dlogp[t] = static_cast<T>(w * dl);
      ratio_sum += r;
      st.ratio_min = std::min(st.ratio_min, r);
      st.ratio_max = std::max(st.ratio_max, r);
      ++st.tokens;
    }
  }
  if (st.tokens > 0) {
    const double n = static_cast<double>(st.tokens);
    st.kl_mean = kl_sum / n;
    st.ratio_mean = ratio_sum / n;
    st.clip_low_fraction = n_low / n;
    st.clip_high_fraction = n_high / n;
    st.dual_clip_fraction = n_dual / n;
    // A dual-clipped token (A < 0, r > c > 1) is never also low- or high-clipped.
    st.clip_fraction = (n_low + n_high + n_dual) / n;
  } else {
    st.ratio_min = st.ratio_max = 0;
  }
  return st;
}

template GrpoStats grpo_loss<float>(const GrpoConfig&, const std::vector<GrpoSequence>&,
                                    std::span<const float>, std::span<const float>,
                                    std::span<const float>, std::span<float>, GrpoDenominators);
template GrpoStats grpo_loss<double>(const GrpoConfig&, const std::vector<GrpoSequence>&,
                                     std::span<const double>, std::span<const double>,
                                     std::span<const double>, std::span<double>, GrpoDenominators);

}  // namespace r1
