// GRPO math: group-relative advantages and the clipped policy-gradient loss with its analytic
// gradient with respect to the per-token log-probabilities. The model's backward pass takes it
// from there (Model::backward(dlogp)).
//
// Sign conventions. Everything here is a LOSS to minimise: the surrogate objective J (to
// maximise) enters with a minus sign, the KL penalty with a plus sign. Per completion token t of
// sequence s, with advantage A_s (plus the token's offset, when the sequence has token_offsets),
// current log-prob logp, sampling log-prob old (from the rollout) and reference log-prob ref:
//   ratio  r = exp(logp - old)
//   J      = min(r A, clip(r, 1 - clip_low, 1 + clip_high) A)
//            and, with dual_clip = c > 1 and A < 0:  J = max(J, c A)        (Ye et al. 2020)
//   k3     = exp(ref - logp) - (ref - logp) - 1   (>= 0; unbiased for KL(pi || ref) under pi)
//   l      = -J + kl_beta * k3
// dl/dlogp = -r A on the unclipped branch and 0 where a clip is active, plus
// kl_beta * (1 - exp(ref - logp)).
//
// The loss aggregates the token losses l_st with weights w_st (see LossAgg), L = sum w_st l_st,
// so dL/dlogp_st = w_st dl_st/dlogp_st. A positive advantage therefore gives a negative dL/dlogp:
// gradient descent raises the log-probability of that token.
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/config_fields.h"
#include "core/json.h"
#include "model/batch.h"

namespace r1 {

enum class AdvantageKind {
  Grpo,    // (r - mean) / (std + eps), std the unbiased sample std of the group (as TRL, veRL)
  DrGrpo,  // r - mean (Dr.GRPO: no std normalisation, which biases toward easy/hard groups)
};

enum class LossAgg {
  SeqMeanTokenMean,  // "seq-mean-token-mean": mean over sequences of each one's token mean (GRPO)
  TokenMean,         // "token-mean": mean over all tokens of the mini-batch (DAPO)
  SeqMeanTokenSumNorm,  // "seq-mean-token-sum-norm": sum of token losses / (sequences *
                        // norm_length) (Dr.GRPO)
};

std::string to_string(AdvantageKind k);
std::string to_string(LossAgg a);
// Parse the names above; throw naming `where` and listing the known names.
AdvantageKind parse_advantage_kind(const std::string& name, const std::string& where);
LossAgg parse_loss_agg(const std::string& name, const std::string& where);

struct GrpoConfig : FieldListed<GrpoConfig> {
  AdvantageKind advantage = AdvantageKind::Grpo;
  // Added to the std. Groups whose rewards are all equal get zero advantages whatever eps is, so
  // eps only has to keep a tiny non-zero std from blowing up; 1e-6 as in veRL (TRL uses 1e-4).
  double adv_eps = 1e-6;
  LossAgg loss_agg = LossAgg::TokenMean;
  double clip_low = 0.2;    // ratio clipped below at 1 - clip_low
  double clip_high = 0.28;  // ratio clipped above at 1 + clip_high (DAPO clip-higher)
  double dual_clip = 0.0;   // 0 = off; else c > 1 bounds the loss of A < 0 tokens at -c A
  double kl_beta = 0.0;     // 0 = no KL term and no reference model
  // The constant length of seq-mean-token-sum-norm (Dr.GRPO uses the generation budget). 0 means
  // "not set": the learner fills in max_new_tokens; grpo_loss throws if it is still 0 there.
  int norm_length = 0;

  // {"advantage": "grpo"|"dr-grpo", "adv_eps", "loss_agg", "clip_low", "clip_high", "dual_clip",
  //  "kl_beta", "norm_length"}; unknown fields are rejected.
  static const ConfigFields<GrpoConfig>& fields();  // name, default, check, help of each field
  bool uses_reference() const { return kl_beta != 0.0; }
};

// Advantages of one group of G rewards (the G completions of one prompt). Groups whose rewards
// are all equal, and groups of one, give zeros (they carry no signal; dynamic sampling drops them).
std::vector<double> group_advantages(const std::vector<double>& rewards, const GrpoConfig& cfg);

// One sequence of a mini-batch: its completion tokens are entries [offset, offset + length) of
// the per-token arrays passed to grpo_loss.
struct GrpoSequence {
  int64_t offset = 0;
  int32_t length = 0;
  double advantage = 0;
  // Empty, or `length` values added to the advantage token by token: token t's advantage is
  // advantage + token_offsets[t] (a reward component's span_penalty on a false step).
  std::span<const float> token_offsets = {};
};

// Where the log-probs of a completion sit in a PackedBatch's per-token arrays: a sequence of
// prompt_len prompt tokens followed by completion tokens (PackedBatch::completion_offset).
GrpoSequence completion_span(const PackedBatch& batch, int seq, int prompt_len, double advantage);

// The denominators of the aggregation. By default (zeros) those of the sequences passed; a
// learner that splits one mini-batch into micro-batches passes the whole mini-batch's, so that the
// micro-batch gradients add up to the mini-batch gradient.
struct GrpoDenominators {
  int64_t seqs = 0;    // sequences (seq-mean-*)
  int64_t tokens = 0;  // completion tokens (token-mean)
};
GrpoDenominators denominators_of(const std::vector<GrpoSequence>& seqs);

struct GrpoStats {
  double loss = 0;           // aggregated total: pg_loss + kl_beta * (aggregated k3)
  double pg_loss = 0;        // aggregated -J
  double kl_mean = 0;        // token mean of k3 (computed when ref_logp is given, even with beta 0)
  double clip_fraction = 0;  // tokens whose gradient a clip removed (low + high + dual)
  double clip_low_fraction = 0;   // A < 0 and r < 1 - clip_low
  double clip_high_fraction = 0;  // A > 0 and r > 1 + clip_high
  double dual_clip_fraction = 0;  // A < 0 and r > dual_clip
  double ratio_mean = 0, ratio_min = 0, ratio_max = 0;
  int64_t tokens = 0;
};

// The loss of the sequences `seqs`. logp, old_logp, dlogp have one entry per token (N);
// ref_logp is N entries or empty (required when cfg.kl_beta != 0). dlogp is fully written: the
// gradient at every completion token, 0 elsewhere. Computed in double whatever T is.
// Throws when a sequence lies outside the arrays or sequences overlap.
template <typename T>
GrpoStats grpo_loss(const GrpoConfig& cfg, const std::vector<GrpoSequence>& seqs,
                    std::span<const T> logp, std::span<const T> old_logp,
                    std::span<const T> ref_logp, std::span<T> dlogp, GrpoDenominators denom = {});

extern template GrpoStats grpo_loss<float>(const GrpoConfig&, const std::vector<GrpoSequence>&,
                                           std::span<const float>, std::span<const float>,
                                           std::span<const float>, std::span<float>,
                                           GrpoDenominators);
extern template GrpoStats grpo_loss<double>(const GrpoConfig&, const std::vector<GrpoSequence>&,
                                            std::span<const double>, std::span<const double>,
                                            std::span<const double>, std::span<double>,
                                            GrpoDenominators);

}  // namespace r1
