// GRPO math against hand-computed values, and its gradient by finite differences: first of the
// loss with respect to the log-probs for every option, then through the whole tiny model.
#include <gtest/gtest.h>

#include <cmath>

#include "learner/grpo.h"
#include "model/model.h"
#include "tests/common/model_test_util.h"
#include "tests/kernels/fd.h"

using namespace r1;

namespace {

GrpoConfig no_eps(AdvantageKind k) {
  GrpoConfig c;
  c.advantage = k;
  c.adv_eps = 0;
  return c;
}

void expect_all_near(const std::vector<double>& got, const std::vector<double>& want,
                     double tol = 1e-12) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], tol) << "entry " << i;
}

struct Loss {
  GrpoStats st;
  std::vector<double> dlogp;
};

Loss loss_of(const GrpoConfig& c, const std::vector<GrpoSequence>& seqs,
             const std::vector<double>& logp, const std::vector<double>& old,
             const std::vector<double>& ref = {}) {
  Loss out;
  out.dlogp.assign(logp.size(), 123.0);  // must be overwritten everywhere
  out.st = grpo_loss<double>(c, seqs, logp, old, ref, out.dlogp);
  return out;
}

// One token with advantage A and ratio r (old log-prob 0), token-mean.
Loss one_token(const GrpoConfig& c, double A, double r) {
  return loss_of(c, {{0, 1, A}}, {std::log(r)}, {0.0});
}

}  // namespace

// ---- advantages ----

TEST(GrpoAdvantages, HandComputedGroups) {
  // {1,0,0,0}: mean 0.25, sample variance (0.5625 + 3 * 0.0625) / 3 = 0.25, std 0.5.
  expect_all_near(group_advantages({1, 0, 0, 0}, no_eps(AdvantageKind::Grpo)),
                  {1.5, -0.5, -0.5, -0.5});
  expect_all_near(group_advantages({2, 4, 6}, no_eps(AdvantageKind::Grpo)), {-1, 0, 1});
  // Groups of 2: the sample std of {1, 0} is 1/sqrt(2), so the advantages are +-1/sqrt(2).
  expect_all_near(group_advantages({1, 0}, no_eps(AdvantageKind::Grpo)), {M_SQRT1_2, -M_SQRT1_2});
  expect_all_near(group_advantages({0.2, 0.7}, no_eps(AdvantageKind::Grpo)),
                  {-M_SQRT1_2, M_SQRT1_2});
  // eps is added to the std.
  GrpoConfig c;
  c.adv_eps = 0.5;
  expect_all_near(group_advantages({1, 0, 0, 0}, c), {0.75 / 1.0, -0.25, -0.25, -0.25});
  // Dr.GRPO: no std.
  expect_all_near(group_advantages({1, 0, 0, 0}, no_eps(AdvantageKind::DrGrpo)),
                  {0.75, -0.25, -0.25, -0.25});
  expect_all_near(group_advantages({1, 0}, no_eps(AdvantageKind::DrGrpo)), {0.5, -0.5});
}

TEST(GrpoAdvantages, EqualRewardsAndTinyGroupsGiveExactZeros) {
  for (auto k : {AdvantageKind::Grpo, AdvantageKind::DrGrpo}) {
    GrpoConfig c;
    c.advantage = k;
    c.adv_eps = 1e-12;  // a tiny eps would amplify any rounding residue of the mean
    for (const std::vector<double>& g : {std::vector<double>{0.1, 0.1, 0.1},
                                         std::vector<double>(7, 0.3),
                                         std::vector<double>{1, 1},
                                         {0.0},
                                         {}}) {
      auto a = group_advantages(g, c);
      ASSERT_EQ(a.size(), g.size());
      for (double x : a) EXPECT_EQ(x, 0.0);
    }
  }
  EXPECT_THROW(group_advantages({1, NAN}, GrpoConfig{}), Error);
}

// ---- aggregation ----

// Two sequences at tokens [0,1) (A = 2) and [1,4) (A = -1), token 4 belongs to no sequence.
// With logp == old every ratio is 1, so each token's loss is -A: -2 for seq 0, +1 for seq 1.
TEST(GrpoLoss, EachAggregationOnAHandExample) {
  const std::vector<GrpoSequence> seqs = {{0, 1, 2.0}, {1, 3, -1.0}};
  const std::vector<double> lp = {-1, -2, -0.5, -3, -7}, old = lp;
  struct Case {
    LossAgg agg;
    double loss, d0, d1;  // loss, dL/dlogp of seq 0's token and of seq 1's tokens
  };
  // seq-mean-token-mean: (1/2) (-2/1 + 3/3) = -0.5; weights 1/(2*1) and 1/(2*3); dl = -A.
  // token-mean: (-2 + 3) / 4 = 0.25; weight 1/4.
  // seq-mean-token-sum-norm, norm_length 4: (-2 + 3) / (2 * 4) = 0.125; weight 1/8.
  for (const Case& k : {Case{LossAgg::SeqMeanTokenMean, -0.5, -2 * 0.5, 1.0 / 6},
                        Case{LossAgg::TokenMean, 0.25, -2 * 0.25, 0.25},
                        Case{LossAgg::SeqMeanTokenSumNorm, 0.125, -2 / 8.0, 1 / 8.0}}) {
    GrpoConfig c;
    c.loss_agg = k.agg;
    c.norm_length = 4;
    Loss l = loss_of(c, seqs, lp, old);
    SCOPED_TRACE(to_string(k.agg));
    EXPECT_NEAR(l.st.loss, k.loss, 1e-15);
    EXPECT_NEAR(l.st.pg_loss, k.loss, 1e-15);
    EXPECT_NEAR(l.dlogp[0], k.d0, 1e-15);
    for (int t = 1; t < 4; ++t) EXPECT_NEAR(l.dlogp[t], k.d1, 1e-15);
    EXPECT_EQ(l.dlogp[4], 0.0);
    EXPECT_EQ(l.st.tokens, 4);
    EXPECT_EQ(l.st.ratio_mean, 1.0);
    EXPECT_EQ(l.st.clip_fraction, 0.0);
  }
}

TEST(GrpoLoss, ExternalDenominatorsMakeMicroBatchesAddUp) {
  // One mini-batch split into two micro-batches: with the mini-batch's denominators, the two
  // losses and gradients sum to the whole's, for every aggregation.
  const std::vector<GrpoSequence> all = {{0, 2, 1.0}, {2, 3, -0.5}, {5, 1, 0.3}};
  const std::vector<double> lp = {-1, -2, -0.5, -3, -0.2, -1.1},
                            old = {-1.1, -1.9, -0.4, -3.2, -0.2, -1.0};
  for (LossAgg agg :
       {LossAgg::SeqMeanTokenMean, LossAgg::TokenMean, LossAgg::SeqMeanTokenSumNorm}) {
    GrpoConfig c;
    c.loss_agg = agg;
    c.norm_length = 8;
    Loss whole = loss_of(c, all, lp, old);
    const GrpoDenominators d = denominators_of(all);
    std::vector<double> g1(6), g2(6);
    auto a = grpo_loss<double>(c, {all[0]}, lp, old, {}, g1, d);
    auto b = grpo_loss<double>(c, {all[1], all[2]}, lp, old, {}, g2, d);
    EXPECT_NEAR(a.loss + b.loss, whole.st.loss, 1e-15) << to_string(agg);
    for (int t = 0; t < 6; ++t) EXPECT_NEAR(g1[t] + g2[t], whole.dlogp[t], 1e-15) << to_string(agg);
  }
}

// ---- clipping ----

TEST(GrpoLoss, ClipHighForPositiveAdvantages) {
  GrpoConfig c;                      // clip_low 0.2, clip_high 0.28
  Loss in = one_token(c, 1.0, 1.1);  // inside the trust region: J = r A, dJ/dlogp = r A
  EXPECT_NEAR(in.st.loss, -1.1, 1e-12);
  EXPECT_NEAR(in.dlogp[0], -1.1, 1e-12);
  Loss out = one_token(c, 1.0, 1.5);  // above 1 + 0.28 with A > 0: J = 1.28 A, no gradient
  EXPECT_NEAR(out.st.loss, -1.28, 1e-12);
  EXPECT_EQ(out.dlogp[0], 0.0);
  EXPECT_EQ(out.st.clip_high_fraction, 1.0);
  EXPECT_EQ(out.st.clip_low_fraction, 0.0);
  EXPECT_EQ(out.st.clip_fraction, 1.0);
  // Below 1 - eps_low with A > 0 the unclipped term is the minimum: the gradient flows.
  Loss low = one_token(c, 2.0, 0.5);
  EXPECT_NEAR(low.st.loss, -1.0, 1e-12);
  EXPECT_NEAR(low.dlogp[0], -1.0, 1e-12);
  EXPECT_EQ(low.st.clip_fraction, 0.0);
  // A separate eps_high: with clip_high 0.6 the same ratio 1.5 is not clipped.
  c.clip_high = 0.6;
  EXPECT_NEAR(one_token(c, 1.0, 1.5).dlogp[0], -1.5, 1e-12);
}

TEST(GrpoLoss, ClipLowForNegativeAdvantages) {
  GrpoConfig c;
  Loss out = one_token(c, -1.0, 0.5);  // below 1 - 0.2 with A < 0: J = 0.8 A, no gradient
  EXPECT_NEAR(out.st.loss, 0.8, 1e-12);
  EXPECT_EQ(out.dlogp[0], 0.0);
  EXPECT_EQ(out.st.clip_low_fraction, 1.0);
  EXPECT_EQ(out.st.clip_high_fraction, 0.0);
  // Above 1 + eps_high with A < 0 the unclipped term is the minimum: unbounded without dual clip.
  Loss high = one_token(c, -1.0, 4.0);
  EXPECT_NEAR(high.st.loss, 4.0, 1e-12);
  EXPECT_NEAR(high.dlogp[0], 4.0, 1e-12);  // d(-rA)/dlogp = -r A = 4
  EXPECT_EQ(high.st.clip_fraction, 0.0);
  c.clip_low = 0.6;  // a separate eps_low: 0.5 is now inside
  EXPECT_NEAR(one_token(c, -1.0, 0.5).dlogp[0], 0.5, 1e-12);
}

TEST(GrpoLoss, DualClipBoundsNegativeAdvantageLoss) {
  GrpoConfig c;
  c.dual_clip = 3.0;
  Loss big = one_token(c, -2.0, 4.0);  // J = max(min(-8, -2.56), 3 * -2) = -6: loss 6, no gradient
  EXPECT_NEAR(big.st.loss, 6.0, 1e-12);
  EXPECT_EQ(big.dlogp[0], 0.0);
  EXPECT_EQ(big.st.dual_clip_fraction, 1.0);
  EXPECT_EQ(big.st.clip_fraction, 1.0);
  Loss mid = one_token(c, -2.0, 2.0);  // r < c: the ordinary branch, loss 4, gradient -rA = 4
  EXPECT_NEAR(mid.st.loss, 4.0, 1e-12);
  EXPECT_NEAR(mid.dlogp[0], 4.0, 1e-12);
  EXPECT_EQ(mid.st.dual_clip_fraction, 0.0);
  // Positive advantages are untouched by the dual clip.
  Loss pos = one_token(c, 2.0, 4.0);
  EXPECT_NEAR(pos.st.loss, -2.0 * 1.28, 1e-12);
  EXPECT_EQ(pos.st.dual_clip_fraction, 0.0);
}

// ---- KL ----

TEST(GrpoLoss, K3KlValueAndGradient) {
  GrpoConfig c;
  c.kl_beta = 0.1;
  // A = 0 isolates the KL term. ref - logp = 0.5: k3 = e^0.5 - 0.5 - 1, dk3/dlogp = 1 - e^0.5.
  Loss l = loss_of(c, {{0, 1, 0.0}}, {-0.5}, {-0.5}, {0.0});
  const double k3 = std::exp(0.5) - 1.5;
  EXPECT_NEAR(l.st.kl_mean, k3, 1e-15);
  EXPECT_NEAR(l.st.loss, 0.1 * k3, 1e-15);
  EXPECT_NEAR(l.st.pg_loss, 0.0, 1e-15);
  EXPECT_NEAR(l.dlogp[0], 0.1 * (1 - std::exp(0.5)), 1e-15);
  // k3 is zero with a zero gradient when the policy equals the reference, positive otherwise.
  Loss same = loss_of(c, {{0, 1, 0.0}}, {-0.7}, {-0.7}, {-0.7});
  EXPECT_EQ(same.st.kl_mean, 0.0);
  EXPECT_EQ(same.dlogp[0], 0.0);
  EXPECT_GT(loss_of(c, {{0, 1, 0.0}}, {-0.1}, {-0.1}, {-2.0}).st.kl_mean, 0.0);
  // kl_beta > 0 without reference log-probs is an error; beta 0 still reports kl_mean.
  EXPECT_THROW(loss_of(c, {{0, 1, 0.0}}, {-0.5}, {-0.5}), Error);
  c.kl_beta = 0;
  Loss report = loss_of(c, {{0, 1, 0.0}}, {-0.5}, {-0.5}, {0.0});
  EXPECT_NEAR(report.st.kl_mean, k3, 1e-15);
  EXPECT_EQ(report.st.loss, 0.0);
}

TEST(GrpoLoss, BadInputsAreErrors) {
  GrpoConfig c;
  std::vector<double> lp(4, -1.0), g(4);
  EXPECT_THROW(grpo_loss<double>(c, {{2, 3, 1.0}}, lp, lp, {}, g), Error);  // past the end
  EXPECT_THROW(grpo_loss<double>(c, {{0, 2, 1.0}, {1, 2, 1.0}}, lp, lp, {}, g), Error);  // overlap
  c.loss_agg = LossAgg::SeqMeanTokenSumNorm;  // norm_length not set
  EXPECT_THROW(grpo_loss<double>(c, {{0, 2, 1.0}}, lp, lp, {}, g), Error);
}

// ---- config ----

TEST(GrpoConfigJson, RoundTripAndErrors) {
  GrpoConfig c = GrpoConfig::from_json(json{{"advantage", "dr-grpo"},
                                            {"loss_agg", "seq-mean-token-sum-norm"},
                                            {"norm_length", 256},
                                            {"clip_high", 0.3},
                                            {"dual_clip", 3},
                                            {"kl_beta", 0.04}},
                                       "run.json: field 'grpo'");
  EXPECT_EQ(c.advantage, AdvantageKind::DrGrpo);
  EXPECT_EQ(c.loss_agg, LossAgg::SeqMeanTokenSumNorm);
  EXPECT_EQ(c.norm_length, 256);
  EXPECT_TRUE(c.uses_reference());
  EXPECT_EQ(GrpoConfig::from_json(c.to_json(), "x").to_json(), c.to_json());
  auto err = [](const json& j) {
    try {
      GrpoConfig::from_json(j, "run.json: field 'grpo'");
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(err({{"clip_hgh", 0.3}}).find("clip_hgh"), std::string::npos);
  EXPECT_NE(err({{"loss_agg", "mean"}}).find("token-mean"),
            std::string::npos);  // lists the known names
  EXPECT_NE(err({{"advantage", "ppo"}}).find("'advantage'"), std::string::npos);
  EXPECT_NE(err({{"dual_clip", 0.5}}).find("dual_clip"), std::string::npos);
  EXPECT_NE(err({{"clip_low", 1.0}}).find("clip_low"), std::string::npos);
  EXPECT_NE(err({{"kl_beta", -1}}).find("kl_beta"), std::string::npos);
  EXPECT_NE(err({{"kl_beta", "x"}}).find("run.json"), std::string::npos);
}

// ---- finite differences ----

namespace {

// Log-ratios (logp - old) spread over the unclipped and clipped regions, each at least 0.04
// away from every boundary (log 0.8 = -0.22, log 1.28 = 0.25, log 3 = 1.10) so that a step of h
// never crosses one.
const double kLogRatios[] = {-0.6, -0.1, 0.0, 0.05, 0.15, 0.4, 1.3, -0.3};

std::vector<GrpoConfig> every_option() {
  std::vector<GrpoConfig> out;
  for (LossAgg agg :
       {LossAgg::SeqMeanTokenMean, LossAgg::TokenMean, LossAgg::SeqMeanTokenSumNorm}) {
    for (double dual : {0.0, 3.0}) {
      for (double beta : {0.0, 0.3}) {
        GrpoConfig c;
        c.loss_agg = agg;
        c.norm_length = 7;
        c.dual_clip = dual;
        c.kl_beta = beta;
        out.push_back(c);
      }
    }
  }
  return out;
}

std::string label(const GrpoConfig& c) {
  return cat(to_string(c.loss_agg), " dual ", c.dual_clip, " beta ", c.kl_beta);
}

}  // namespace

TEST(GrpoLoss, FiniteDifferencesWrtLogpForEveryOption) {
  const int N = 24;
  // Four sequences of different lengths with advantages of both signs; tokens 0 and 23 are
  // outside every sequence (prompt positions), so their gradient must be exactly zero. The
  // third has token offsets (a span penalty) that flip some of its tokens' advantages.
  const std::vector<float> offsets = {0, 0, 2.5f, 2.5f, 0, -0.5f, 0, 3.0f, 0};
  const std::vector<GrpoSequence> seqs = {
      {1, 5, 1.3}, {6, 2, -0.7}, {8, 9, -1.6, offsets}, {17, 6, 0.4}};
  std::vector<double> logp = test::randn(N, 11, 0.5), old(N), ref = test::randn(N, 12, 0.5);
  for (auto& x : logp) x -= 2.0;
  for (int t = 0; t < N; ++t) old[t] = logp[t] - kLogRatios[t % 8];
  for (int t = 0; t < N; ++t) ref[t] += logp[t];
  for (const GrpoConfig& c : every_option()) {
    SCOPED_TRACE(label(c));
    Loss l = loss_of(c, seqs, logp, old, ref);
    EXPECT_EQ(l.dlogp[0], 0.0);
    EXPECT_EQ(l.dlogp[23], 0.0);
    EXPECT_GT(l.st.clip_fraction, 0.0);  // the example exercises the clipped branches
    auto x = logp;
    test::check_gradient(
        label(c), x, l.dlogp,
        [&] {
          std::vector<double> g(N);
          return grpo_loss<double>(c, seqs, x, old, ref, g).loss;
        },
        1e-7, 1e-11, 0, 1e-6);
  }
}

// Token offsets move each token's advantage on its own: the sign that decides the clipped branch
// is the token's, not the sequence's.
TEST(GrpoLoss, TokenOffsetsAreAddedTokenByToken) {
  GrpoConfig c;  // token-mean, clip 0.2 / 0.28
  const std::vector<float> offsets = {0.0f, -0.5f, -2.0f};
  // Ratio 1 everywhere: dl/dlogp = -A_t / 3 with A = {1, 0.5, -1}.
  Loss l = loss_of(c, {{0, 3, 1.0, offsets}}, {-1, -1, -1}, {-1, -1, -1});
  expect_all_near(l.dlogp, {-1.0 / 3, -0.5 / 3, 1.0 / 3});
  EXPECT_NEAR(l.st.pg_loss, -(1.0 + 0.5 - 1.0) / 3, 1e-12);
  // Ratio 1.5 > 1 + clip_high: a token still positive is clipped (no gradient), one turned
  // negative is not (J = r A is the minimum), and counts in neither clip fraction.
  const double lr = std::log(1.5);
  Loss k = loss_of(c, {{0, 2, 0.5, std::vector<float>{0.0f, -1.5f}}}, {lr, lr}, {0, 0});
  expect_all_near(k.dlogp, {0.0, -1.5 * -1.0 / 2});
  EXPECT_DOUBLE_EQ(k.st.clip_high_fraction, 0.5);
  EXPECT_DOUBLE_EQ(k.st.clip_low_fraction, 0.0);
  // Offsets must cover the sequence, and be finite.
  std::vector<double> g(3);
  const std::vector<double> z = {0, 0, 0};
  EXPECT_THROW(grpo_loss<double>(c, {{0, 3, 1.0, std::vector<float>{1.0f}}}, z, z, {}, g), Error);
  const std::vector<float> nan = {0, std::nanf(""), 0};
  EXPECT_THROW(grpo_loss<double>(c, {{0, 3, 1.0, nan}}, z, z, {}, g), Error);
}

TEST(GrpoLoss, FloatMatchesDouble) {
  const int N = 16;
  const std::vector<GrpoSequence> seqs = {{0, 7, 0.9}, {7, 9, -1.2}};
  std::vector<double> logp = test::randn(N, 21, 0.5), old(N), ref = test::randn(N, 22, 0.3);
  for (int t = 0; t < N; ++t) old[t] = logp[t] - kLogRatios[t % 8], ref[t] += logp[t];
  std::vector<float> lf(logp.begin(), logp.end()), of(old.begin(), old.end()),
      rf(ref.begin(), ref.end()), gf(N);
  for (const GrpoConfig& c : every_option()) {
    Loss d = loss_of(c, seqs, logp, old, ref);
    auto sf = grpo_loss<float>(c, seqs, lf, of, rf, gf);
    EXPECT_NEAR(sf.loss, d.st.loss, 1e-5) << label(c);
    for (int t = 0; t < N; ++t) EXPECT_NEAR(gf[t], d.dlogp[t], 1e-6) << label(c) << " token " << t;
  }
}

// The GRPO loss through the whole tiny model: params -> forward (temperature 0.7) -> log-probs
// of completion tokens -> GRPO loss with clipping, dual clip and k3 KL -> dlogp -> backward.
// Every parameter tensor is compared with central differences of the loss on up to 16 entries
// (h = 1e-5, rtol 1e-5 in double, as tests/model/test_model_grad.cpp argues), skipping entries
// whose step flips a top-k routing decision.
TEST(GrpoLoss, FiniteDifferencesThroughTheTinyModel) {
  ModelConfig cfg = test::tiny_config();
  Model<double> m(cfg);
  m.init_weights(5);
  double* p = m.params();
  Rng rng(77);
  // Larger weights than the 0.02 default so that every path matters to the loss.
  for (const auto& info : m.table().params()) {
    for (size_t i = 0; i < info.numel; ++i) {
      p[info.offset + i] = info.init == ParamInfo::Normal ? rng.normal() * 0.3
                                                          : p[info.offset + i] + rng.normal() * 0.1;
    }
  }
  // Three (prompt, completion) sequences.
  const std::vector<std::pair<int, int>> shape = {{4, 5}, {2, 3}, {5, 6}};
  PackedBatch batch;
  std::vector<int> prompt_lens;
  for (auto [P, C] : shape) {
    std::vector<int32_t> s(P + C);
    for (auto& t : s) t = static_cast<int32_t>(rng.below(cfg.vocab_size));
    batch.add(s);
    prompt_lens.push_back(P);
  }
  const std::vector<double> adv = {1.1, -0.8, -1.5};
  std::vector<GrpoSequence> seqs;
  for (int s = 0; s < 3; ++s) seqs.push_back(completion_span(batch, s, prompt_lens[s], adv[s]));
  ASSERT_EQ(seqs[0].offset, 3);
  ASSERT_EQ(seqs[0].length, 5);

  const double temperature = 0.7;
  const int N = batch.num_tokens();
  std::vector<double> lp(N), dlp(N);
  m.forward(batch, lp.data(), temperature);
  const std::vector<int32_t> routing0 = m.last_routing();
  // Sampling log-probs put the ratios in every region; the reference differs by noise.
  std::vector<double> old(N), ref = test::randn(N, 78, 0.3);
  for (int t = 0; t < N; ++t) old[t] = lp[t] - kLogRatios[t % 8], ref[t] += lp[t];
  GrpoConfig c;
  c.loss_agg = LossAgg::SeqMeanTokenMean;
  c.dual_clip = 3.0;
  c.kl_beta = 0.2;
  auto st = grpo_loss<double>(c, seqs, lp, old, ref, dlp);
  EXPECT_GT(st.clip_fraction, 0.0);
  EXPECT_LT(st.clip_fraction, 1.0);
  m.zero_grad();
  m.backward(dlp.data());
  std::vector<double> analytic(m.grads(), m.grads() + m.num_params());

  int skipped = 0;
  for (const auto& info : m.table().params()) {
    std::vector<double> x(p + info.offset, p + info.offset + info.numel);
    std::vector<double> g(analytic.begin() + info.offset,
                          analytic.begin() + info.offset + info.numel);
    auto loss = [&] {
      std::copy(x.begin(), x.end(), p + info.offset);
      m.forward(batch, lp.data(), temperature);
      std::vector<double> scratch(N);
      return grpo_loss<double>(c, seqs, lp, old, ref, scratch).loss;
    };
    auto flipped = test::routing_flip_probe(m, x, loss, routing0, skipped);
    test::check_gradient("grpo:" + info.name, x, g, loss, 1e-5, 1e-10, 16, 1e-5, flipped);
    std::copy(x.begin(), x.end(), p + info.offset);
  }
  std::printf(
      "GRPO through tiny-moe: %zu tensors, %d entries skipped for routing flips, clip fraction "
      "%.2f\n",
      m.table().params().size(), skipped, st.clip_fraction);
  EXPECT_LT(skipped, 20);
}
