// Finite-difference checks of the elementwise and row-wise ops (double precision; see fd.h for
// why the tolerance is rtol 1e-6).
#include <gtest/gtest.h>

#include "kernels/ops.h"
#include "tests/kernels/fd.h"

using namespace r1;
using namespace r1::cpu;
using r1::test::check_gradient;
using r1::test::dot;
using r1::test::randn;

TEST(LinearGrad, InputWeightBias) {
  const int N = 5, C = 7, OC = 4;
  auto x = randn(N * C, 1), W = randn(OC * C, 2), b = randn(OC, 3), R = randn(N * OC, 4);
  std::vector<double> out(N * OC);
  auto loss = [&] {
    linear_forward(out.data(), x.data(), W.data(), b.data(), N, C, OC);
    return dot(out, R);
  };
  std::vector<double> dx(N * C, 0.0), dW(OC * C, 0.0), db(OC, 0.0);
  linear_backward(dx.data(), dW.data(), db.data(), R.data(), x.data(), W.data(), N, C, OC, false);
  check_gradient("linear.dx", x, dx, loss);
  check_gradient("linear.dW", W, dW, loss);
  check_gradient("linear.db", b, db, loss);
}

TEST(LinearGrad, AccumulatesIntoDinp) {
  const int N = 3, C = 4, OC = 2;
  auto x = randn(N * C, 1), W = randn(OC * C, 2), R = randn(N * OC, 4);
  std::vector<double> dx1(N * C, 0.0), dx2(N * C, 1.0), dW(OC * C, 0.0);
  linear_backward(dx1.data(), dW.data(), (double*)nullptr, R.data(), x.data(), W.data(), N, C, OC, false);
  linear_backward(dx2.data(), (double*)nullptr, (double*)nullptr, R.data(), x.data(), W.data(), N, C, OC, true);
  for (int i = 0; i < N * C; ++i) EXPECT_NEAR(dx2[i], dx1[i] + 1.0, 1e-12);
}

TEST(RmsNormGrad, InputAndWeight) {
  const int N = 4, C = 9;
  auto x = randn(N * C, 5), w = randn(C, 6), R = randn(N * C, 7);
  for (auto& v : w) v += 1.0;
  std::vector<double> out(N * C), rstd(N);
  auto loss = [&] {
    rmsnorm_forward(out.data(), rstd.data(), x.data(), w.data(), N, C, 1e-6);
    return dot(out, R);
  };
  loss();
  std::vector<double> dx(N * C), dw(C, 0.0);
  rmsnorm_backward(dx.data(), dw.data(), R.data(), x.data(), w.data(), rstd.data(), N, C, false);
  check_gradient("rmsnorm.dx", x, dx, loss);
  check_gradient("rmsnorm.dw", w, dw, loss);
}

TEST(RmsNorm, MatchesDefinition) {
  std::vector<double> x = {3, 4}, w = {1, 2}, out(2), rstd(1);
  rmsnorm_forward(out.data(), rstd.data(), x.data(), w.data(), 1, 2, 0.0);
  // mean(x^2) = 12.5, rstd = 1/sqrt(12.5)
  EXPECT_NEAR(rstd[0], 1 / std::sqrt(12.5), 1e-15);
  EXPECT_NEAR(out[1], 4 * 2 / std::sqrt(12.5), 1e-14);
}

TEST(RopeGrad, RotationAndInverse) {
  const int N = 6, H = 2, D = 8;
  RopeTable<double> table(32, D, 10000.0);
  std::vector<int32_t> pos = {0, 1, 2, 5, 17, 31};
  auto x = randn(N * H * D, 8), R = randn(N * H * D, 9);
  auto loss = [&] {
    auto y = x;
    rope_forward(y.data(), pos.data(), N, H, D, table);
    return dot(y, R);
  };
  auto dx = R;
  rope_backward(dx.data(), pos.data(), N, H, D, table);
  check_gradient("rope.dx", x, dx, loss);
  // Position 0 is the identity; rotations preserve the norm.
  auto y = x;
  rope_forward(y.data(), pos.data(), N, H, D, table);
  for (int d = 0; d < H * D; ++d) EXPECT_NEAR(y[d], x[d], 1e-15);
  EXPECT_NEAR(dot(y, y), dot(x, x), 1e-9);
}

// Interleaved pairs on heads spaced wider than the rotated part (MLA's query heads): the
// rotation is the rotate-half one on de-interleaved values (as Hugging Face computes it), the
// values outside the rotated part are untouched, and backward is the exact adjoint.
TEST(RopeGrad, InterleavedAndStrided) {
  const int N = 5, H = 3, D = 6, stride = 10, off = 4;
  RopeTable<double> table(32, D, 500.0);
  std::vector<int32_t> pos = {0, 3, 4, 9, 30};
  auto x = randn(N * H * stride, 12), R = randn(N * H * stride, 13);
  const RopeLayout layout{stride, true};
  auto y = x;
  rope_forward(y.data() + off, pos.data(), N, H, D, table, layout);
  for (int n = 0; n < N; ++n) {
    for (int h = 0; h < H; ++h) {
      const size_t base = (static_cast<size_t>(n) * H + h) * stride;
      for (int i = 0; i < off; ++i) EXPECT_EQ(y[base + i], x[base + i]);
      // De-interleave, rotate halves, compare against the pairs rotated in place.
      std::vector<double> d(D);
      for (int i = 0; i < D / 2; ++i) d[i] = x[base + off + 2 * i], d[i + D / 2] = x[base + off + 2 * i + 1];
      rope_forward(d.data(), &pos[n], 1, 1, D, table);
      for (int i = 0; i < D / 2; ++i) {
        EXPECT_NEAR(y[base + off + 2 * i], d[i], 1e-14);
        EXPECT_NEAR(y[base + off + 2 * i + 1], d[i + D / 2], 1e-14);
      }
    }
  }
  auto loss = [&] {
    auto z = x;
    rope_forward(z.data() + off, pos.data(), N, H, D, table, layout);
    return dot(z, R);
  };
  auto dx = R;
  rope_backward(dx.data() + off, pos.data(), N, H, D, table, layout);
  check_gradient("rope.interleaved.dx", x, dx, loss);
}

TEST(Rope, HandComputed) {
  // D = 2: one pair, inv_freq = 1, so position p rotates by p radians.
  RopeTable<double> table(4, 2, 10000.0);
  std::vector<double> x = {1.0, 0.0};
  int32_t pos = 1;
  rope_forward(x.data(), &pos, 1, 1, 2, table);
  EXPECT_NEAR(x[0], std::cos(1.0), 1e-15);
  EXPECT_NEAR(x[1], std::sin(1.0), 1e-15);
}

TEST(SwiGluGrad, GateAndUp) {
  const int N = 3, I = 5;
  auto gu = randn(N * 2 * I, 10, 2.0), R = randn(N * I, 11);
  std::vector<double> out(N * I);
  auto loss = [&] {
    swiglu_forward(out.data(), gu.data(), N, I);
    return dot(out, R);
  };
  std::vector<double> dgu(N * 2 * I);
  swiglu_backward(dgu.data(), R.data(), gu.data(), N, I);
  check_gradient("swiglu.dgu", gu, dgu, loss);
}

TEST(EmbeddingGrad, RepeatedIdsAccumulate) {
  const int V = 5, C = 3, N = 6;
  std::vector<int32_t> ids = {1, 3, 1, 0, 4, 1};
  auto wte = randn(V * C, 12), R = randn(N * C, 13);
  std::vector<double> out(N * C);
  auto loss = [&] {
    embedding_forward(out.data(), ids.data(), wte.data(), N, C);
    return dot(out, R);
  };
  std::vector<double> dwte(V * C, 0.0);
  embedding_backward(dwte.data(), R.data(), ids.data(), N, C);
  check_gradient("embedding.dwte", wte, dwte, loss);
}

TEST(LogprobsGrad, GatheredLogprobsAndIgnoredTargets) {
  const int N = 4, V = 11;
  auto logits = randn(N * V, 14, 3.0), R = randn(N, 15);
  std::vector<int32_t> t = {3, -1, 10, 0};
  std::vector<double> lp(N), lse(N);
  auto loss = [&] {
    logprobs_forward(lp.data(), lse.data(), logits.data(), t.data(), N, V);
    return dot(lp, R);
  };
  loss();
  EXPECT_EQ(lp[1], 0.0);
  std::vector<double> dl(N * V);
  logprobs_backward(dl.data(), R.data(), logits.data(), lse.data(), t.data(), N, V);
  check_gradient("logprobs.dlogits", logits, dl, loss);
  // lp is a log-probability: exp(lp) summed over all targets of a row is 1.
  double s = 0;
  for (int v = 0; v < V; ++v) {
    int32_t tv = v;
    double one_lp, one_lse;
    logprobs_forward(&one_lp, &one_lse, logits.data(), &tv, 1, V);
    s += std::exp(one_lp);
  }
  EXPECT_NEAR(s, 1.0, 1e-12);
}

TEST(Logprobs, FloatStableForLargeLogits) {
  std::vector<float> logits = {1000.f, 0.f, -1000.f};
  int32_t t = 0;
  float lp, lse;
  logprobs_forward(&lp, &lse, logits.data(), &t, 1, 3);
  EXPECT_NEAR(lp, 0.0f, 1e-6f);
  EXPECT_NEAR(lse, 1000.0f, 1e-3f);
}

TEST(AdamW, OneStepHandComputed) {
  // Step 1 with bias correction: m_hat = g, v_hat = g^2, so the update is lr * g/(|g|+eps) plus decay.
  std::vector<double> p = {1.0, -2.0}, g = {0.5, -0.25}, m = {0, 0}, v = {0, 0};
  AdamWHyper h;
  h.lr = 0.1;
  h.eps = 0.0;
  h.weight_decay = 0.01;
  adamw_update(p.data(), g.data(), m.data(), v.data(), 2, h, 1);
  EXPECT_NEAR(p[0], 1.0 - 0.1 * 1.0 - 0.1 * 0.01 * 1.0, 1e-12);
  EXPECT_NEAR(p[1], -2.0 + 0.1 * 1.0 + 0.1 * 0.01 * 2.0, 1e-12);
  EXPECT_NEAR(m[0], 0.05, 1e-15);
  EXPECT_NEAR(v[0], 0.05 * 0.25, 1e-15);
}

TEST(AdamW, GlobalNormClipping) {
  std::vector<double> g = {3.0, 4.0};
  EXPECT_NEAR(global_norm(g.data(), 2), 5.0, 1e-15);
  double before = clip_global_norm(g.data(), 2, 1.0);
  EXPECT_NEAR(before, 5.0, 1e-15);
  EXPECT_NEAR(global_norm(g.data(), 2), 1.0, 1e-6);
  std::vector<double> small = {0.3, 0.4};
  clip_global_norm(small.data(), 2, 1.0);
  EXPECT_EQ(small[0], 0.3);  // under the limit: untouched
}
