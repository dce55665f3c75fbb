// Attention: finite differences (double, rtol 1e-6, see fd.h), a reference computed naively per
// sequence, and cached decode against the packed full forward.
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
struct Batch {
  std::vector<int32_t> cu = {0, 3, 4, 9};  // three sequences of lengths 3, 1, 5
  int S = 3, N = 9, H = 4, KVH = 2, D = 6;
};
}  // namespace

TEST(Attention, MatchesNaiveReference) {
  Batch b;
  auto q = randn(b.N * b.H * b.D, 1), k = randn(b.N * b.KVH * b.D, 2), v = randn(b.N * b.KVH * b.D, 3);
  std::vector<double> out(b.N * b.H * b.D), lse(b.N * b.H);
  double scale = 1.0 / std::sqrt(b.D);
  attention_forward(out.data(), lse.data(), q.data(), k.data(), v.data(), b.cu.data(), b.S, b.H, b.KVH, b.D, scale);
  for (int s = 0; s < b.S; ++s) {
    for (int i = b.cu[s]; i < b.cu[s + 1]; ++i) {
      for (int h = 0; h < b.H; ++h) {
        int g = h / (b.H / b.KVH);
        std::vector<double> w;
        double z = 0;
        for (int j = b.cu[s]; j <= i; ++j) {
          double sc = 0;
          for (int d = 0; d < b.D; ++d) sc += q[(i * b.H + h) * b.D + d] * k[(j * b.KVH + g) * b.D + d];
          w.push_back(std::exp(sc * scale));
          z += w.back();
        }
        for (int d = 0; d < b.D; ++d) {
          double o = 0;
          for (int j = b.cu[s]; j <= i; ++j) o += w[j - b.cu[s]] / z * v[(j * b.KVH + g) * b.D + d];
          ASSERT_NEAR(out[(i * b.H + h) * b.D + d], o, 1e-12) << "token " << i << " head " << h;
        }
        EXPECT_NEAR(lse[i * b.H + h], std::log(z), 1e-12);
      }
    }
  }
}

TEST(AttentionGrad, QueryKeyValue) {
  Batch b;
  auto q = randn(b.N * b.H * b.D, 4), k = randn(b.N * b.KVH * b.D, 5), v = randn(b.N * b.KVH * b.D, 6);
  auto R = randn(b.N * b.H * b.D, 7);
  std::vector<double> out(b.N * b.H * b.D), lse(b.N * b.H);
  double scale = 0.37;
  auto loss = [&] {
    attention_forward(out.data(), lse.data(), q.data(), k.data(), v.data(), b.cu.data(), b.S, b.H, b.KVH, b.D,
                      scale);
    return dot(out, R);
  };
  loss();
  std::vector<double> dq(q.size()), dk(k.size()), dv(v.size());
  attention_backward(dq.data(), dk.data(), dv.data(), R.data(), out.data(), lse.data(), q.data(), k.data(),
                     v.data(), b.cu.data(), b.S, b.H, b.KVH, b.D, scale);
  check_gradient("attention.dq", q, dq, loss);
  check_gradient("attention.dk", k, dk, loss);
  check_gradient("attention.dv", v, dv, loss);
}

TEST(Attention, CachedEqualsPacked) {
  Batch b;
  auto q = randn(b.N * b.H * b.D, 8), k = randn(b.N * b.KVH * b.D, 9), v = randn(b.N * b.KVH * b.D, 10);
  std::vector<double> full(b.N * b.H * b.D), lse(b.N * b.H), cached(b.N * b.H * b.D);
  attention_forward(full.data(), lse.data(), q.data(), k.data(), v.data(), b.cu.data(), b.S, b.H, b.KVH, b.D, 0.5);
  // Every token attends to the keys of its own sequence so far: point each at its sequence start.
  std::vector<const double*> kr(b.N), vr(b.N);
  std::vector<int32_t> len(b.N);
  for (int s = 0; s < b.S; ++s) {
    for (int i = b.cu[s]; i < b.cu[s + 1]; ++i) {
      kr[i] = k.data() + static_cast<size_t>(b.cu[s]) * b.KVH * b.D;
      vr[i] = v.data() + static_cast<size_t>(b.cu[s]) * b.KVH * b.D;
      len[i] = i - b.cu[s] + 1;
    }
  }
  attention_cached_forward(cached.data(), q.data(), kr.data(), vr.data(), len.data(), b.N, b.H, b.KVH, b.D, 0.5);
  for (size_t i = 0; i < full.size(); ++i) ASSERT_NEAR(cached[i], full[i], 1e-13);
}

TEST(Attention, FloatAgreesWithDouble) {
  Batch b;
  auto q = randn(b.N * b.H * b.D, 11), k = randn(b.N * b.KVH * b.D, 12), v = randn(b.N * b.KVH * b.D, 13);
  std::vector<double> out(b.N * b.H * b.D), lse(b.N * b.H);
  attention_forward(out.data(), lse.data(), q.data(), k.data(), v.data(), b.cu.data(), b.S, b.H, b.KVH, b.D, 0.4);
  std::vector<float> qf(q.begin(), q.end()), kf(k.begin(), k.end()), vf(v.begin(), v.end());
  std::vector<float> of(out.size()), lf(lse.size());
  attention_forward(of.data(), lf.data(), qf.data(), kf.data(), vf.data(), b.cu.data(), b.S, b.H, b.KVH, b.D, 0.4f);
  for (size_t i = 0; i < out.size(); ++i) ASSERT_NEAR(of[i], out[i], 1e-5);
}

// Sequences longer than one 64-row block exercise the blocked GEMM path and block boundaries.
TEST(Attention, LongSequencesMatchNaiveAndGradients) {
  std::vector<int32_t> cu = {0, 70, 75, 205};
  const int S = 3, N = 205, H = 2, KVH = 1, D = 4;
  auto q = randn(N * H * D, 31), k = randn(N * KVH * D, 32), v = randn(N * KVH * D, 33), R = randn(N * H * D, 34);
  std::vector<double> out(N * H * D), lse(N * H);
  const double scale = 0.6;
  auto loss = [&] {
    attention_forward(out.data(), lse.data(), q.data(), k.data(), v.data(), cu.data(), S, H, KVH, D, scale);
    return dot(out, R);
  };
  loss();
  // Naive reference for a few rows on both sides of block boundaries.
  for (int i : {0, 63, 64, 65, 69, 70, 74, 75, 138, 139, 140, 204}) {
    int s = i < 70 ? 0 : (i < 75 ? 1 : 2);
    for (int h = 0; h < H; ++h) {
      std::vector<double> w;
      double z = 0;
      for (int j = cu[s]; j <= i; ++j) {
        double sc = 0;
        for (int d = 0; d < D; ++d) sc += q[(i * H + h) * D + d] * k[j * D + d];
        w.push_back(std::exp(sc * scale));
        z += w.back();
      }
      for (int d = 0; d < D; ++d) {
        double o = 0;
        for (int j = cu[s]; j <= i; ++j) o += w[j - cu[s]] / z * v[j * D + d];
        ASSERT_NEAR(out[(i * H + h) * D + d], o, 1e-12) << "row " << i;
      }
    }
  }
  std::vector<double> dq(q.size()), dk(k.size()), dv(v.size());
  attention_backward(dq.data(), dk.data(), dv.data(), R.data(), out.data(), lse.data(), q.data(), k.data(),
                     v.data(), cu.data(), S, H, KVH, D, scale);
  check_gradient("attention.dq", q, dq, loss, 1e-6, 1e-9, 150);
  check_gradient("attention.dk", k, dk, loss, 1e-6, 1e-9, 150);
  check_gradient("attention.dv", v, dv, loss, 1e-6, 1e-9, 150);
}
