// Router: hand-computed selection cases (DeepSeek-V3 sigmoid + bias, Qwen3-MoE softmax with and
// without renormalisation, group-limited top-k) and finite differences of the mixing weights.
#include <gtest/gtest.h>

#include <cmath>

#include "kernels/ops.h"
#include "tests/kernels/fd.h"

using namespace r1;
using namespace r1::cpu;
using r1::test::check_gradient;
using r1::test::dot;
using r1::test::randn;

namespace {
double sigmoid(double x) { return 1 / (1 + std::exp(-x)); }
}  // namespace

TEST(Router, SigmoidBiasSelectsButDoesNotWeigh) {
  // Scores: sigmoid(2) > sigmoid(1) > sigmoid(0) > sigmoid(-1). The bias lifts expert 3 to the top
  // for selection, but its weight is still its unbiased score.
  RouterSpec sp;
  sp.n_experts = 4;
  sp.top_k = 2;
  sp.sigmoid = true;
  sp.norm_topk = true;
  sp.scale = 2.5;
  std::vector<double> logits = {2, 1, 0, -1}, scores(4), w(2);
  std::vector<int32_t> idx(2);
  std::vector<float> bias = {0, 0, 0, 1.0f};
  router_forward(scores.data(), idx.data(), w.data(), logits.data(), bias.data(), sp, 1);
  // choice = {0.881, 0.731, 0.5, 0.269 + 1.0}: expert 3 first, then expert 0.
  EXPECT_EQ(idx[0], 3);
  EXPECT_EQ(idx[1], 0);
  double s3 = sigmoid(-1), s0 = sigmoid(2);
  EXPECT_NEAR(w[0], 2.5 * s3 / (s3 + s0), 1e-12);
  EXPECT_NEAR(w[1], 2.5 * s0 / (s3 + s0), 1e-12);
  EXPECT_NEAR(scores[1], sigmoid(1), 1e-15);
}

TEST(Router, SoftmaxWithAndWithoutRenorm) {
  RouterSpec sp;
  sp.n_experts = 3;
  sp.top_k = 2;
  sp.sigmoid = false;
  std::vector<double> logits = {std::log(1.0), std::log(2.0), std::log(5.0)}, scores(3), w(2);
  std::vector<int32_t> idx(2);
  // softmax = {0.125, 0.25, 0.625}
  sp.norm_topk = false;
  router_forward(scores.data(), idx.data(), w.data(), logits.data(), nullptr, sp, 1);
  EXPECT_EQ(idx[0], 2);
  EXPECT_EQ(idx[1], 1);
  EXPECT_NEAR(w[0], 0.625, 1e-12);
  EXPECT_NEAR(w[1], 0.25, 1e-12);
  sp.norm_topk = true;
  router_forward(scores.data(), idx.data(), w.data(), logits.data(), nullptr, sp, 1);
  EXPECT_NEAR(w[0], 0.625 / 0.875, 1e-12);
  EXPECT_NEAR(w[1], 0.25 / 0.875, 1e-12);
}

TEST(Router, GroupLimitedSelection) {
  // 8 experts in 4 groups of 2, keep 2 groups, pick 2 experts. Sigmoid group score = sum of top 2.
  RouterSpec sp;
  sp.n_experts = 8;
  sp.top_k = 2;
  sp.sigmoid = true;
  sp.n_group = 4;
  sp.topk_group = 2;
  // Expert 0 has the single highest score, but its group (0,1) sums lower than groups 1 and 3.
  std::vector<double> logits = {5.0, -5.0, 1.0, 1.0, 0.0, 0.0, 1.5, 0.5}, scores(8), w(2);
  std::vector<int32_t> idx(2);
  router_forward(scores.data(), idx.data(), w.data(), logits.data(), nullptr, sp, 1);
  // group sums: g0 = s(5)+s(-5) = 1.0, g1 = 2*s(1) = 1.462, g2 = 1.0, g3 = s(1.5)+s(.5) = 1.440
  EXPECT_EQ(idx[0], 6);  // s(1.5) = 0.818, best inside groups 1 and 3
  EXPECT_TRUE(idx[1] == 2 || idx[1] == 3);
  EXPECT_EQ(idx[1], 2);  // tie between experts 2 and 3 goes to the lower index
  // Without the group limit, expert 0 wins.
  sp.n_group = 1;
  sp.topk_group = 1;
  router_forward(scores.data(), idx.data(), w.data(), logits.data(), nullptr, sp, 1);
  EXPECT_EQ(idx[0], 0);
}

TEST(Router, MaskedGroupsAreNeverChosen) {
  // With a large negative bias every kept choice is below 0. Dropped groups are masked to -inf
  // (DeepSeek's reference code and transformers 5.x), so the kept group still wins; masking with
  // 0.0 (transformers 4.x) would pick expert 2 of the dropped group instead.
  RouterSpec sp;
  sp.n_experts = 4;
  sp.top_k = 1;
  sp.sigmoid = true;
  sp.n_group = 2;
  sp.topk_group = 1;
  std::vector<double> logits = {3.0, 2.0, -3.0, -3.0}, scores(4), w(1);
  std::vector<int32_t> idx(1);
  std::vector<float> bias = {-2.0f, -2.0f, -9.0f, -9.0f};
  router_forward(scores.data(), idx.data(), w.data(), logits.data(), bias.data(), sp, 1);
  EXPECT_EQ(idx[0], 0);  // group 0 kept (choices ~ -1.05, -1.12); group 1 masked to -inf
}

class RouterGrad : public ::testing::TestWithParam<std::tuple<bool, bool, int>> {};

TEST_P(RouterGrad, WeightsWrtLogits) {
  auto [sig, norm, groups] = GetParam();
  RouterSpec sp;
  sp.n_experts = 8;
  sp.top_k = 3;
  sp.sigmoid = sig;
  sp.norm_topk = norm;
  sp.scale = 1.7;
  sp.n_group = groups;
  sp.topk_group = groups > 1 ? 2 : 1;
  const int N = 6, E = 8, K = 3;
  auto logits = randn(N * E, 21), R = randn(N * K, 22);
  std::vector<float> bias(E);
  for (int e = 0; e < E; ++e) bias[e] = 0.05f * e;
  std::vector<double> scores(N * E), w(N * K);
  std::vector<int32_t> idx(N * K), idx0;
  auto loss = [&] {
    router_forward(scores.data(), idx.data(), w.data(), logits.data(), bias.data(), sp, N);
    return dot(w, R);
  };
  loss();
  idx0 = idx;
  std::vector<double> dl(N * E);
  router_backward(dl.data(), R.data(), scores.data(), idx.data(), sp, N);
  // Skip an entry if a +-h step flipped the selection (non-differentiable there).
  auto flipped = [&](size_t i) {
    bool changed = false;
    for (double step : {1e-5, -1e-5}) {
      double o = logits[i];
      logits[i] = o + step;
      loss();
      changed |= idx != idx0;
      logits[i] = o;
    }
    loss();
    return changed;
  };
  check_gradient("router.dlogits", logits, dl, loss, 1e-6, 1e-9, 0, 1e-5, flipped);
}

INSTANTIATE_TEST_SUITE_P(AllModes, RouterGrad,
                         ::testing::Values(std::make_tuple(true, true, 1), std::make_tuple(true, false, 1),
                                           std::make_tuple(false, true, 1), std::make_tuple(false, false, 1),
                                           std::make_tuple(true, true, 4)));
