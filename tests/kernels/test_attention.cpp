// Attention: finite differences (double, rtol 1e-6, see fd.h), a reference computed naively per
// sequence, and cached decode against the packed full forward. Each check runs with one head
// size for queries, keys and values (GQA) and with Dqk != Dv (Multi-head Latent Attention, where
// v_head_dim differs from the nope + rope query/key size).
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <numeric>

#include "core/error.h"
#include "kernels/ops.h"
#include "tests/kernels/fd.h"

using namespace r1;
using namespace r1::cpu;
using r1::test::check_gradient;
using r1::test::dot;
using r1::test::randn;

namespace {

struct Shape {
  std::vector<int32_t> cu;
  int S, N, H, KVH, Dqk, Dv;
};

// Three sequences of lengths 3, 1, 5.
Shape small(int H, int KVH, int Dqk, int Dv) {
  return {{0, 3, 4, 9}, 3, 9, H, KVH, Dqk, Dv};
}

const Shape kShapes[] = {small(4, 2, 6, 6), small(4, 2, 10, 6), small(3, 3, 5, 7)};

std::string label(const Shape& b) {
  return "H=" + std::to_string(b.H) + " KVH=" + std::to_string(b.KVH) +
         " Dqk=" + std::to_string(b.Dqk) + " Dv=" + std::to_string(b.Dv);
}

// Naive causal attention of query row i, head h, of the sequence that starts at token b0.
void naive_row(const Shape& b, const std::vector<double>& q, const std::vector<double>& k,
               const std::vector<double>& v, int b0, int i, int h, double scale,
               std::vector<double>& o, double& lse) {
  const int g = h / (b.H / b.KVH);
  std::vector<double> w;
  double z = 0;
  for (int j = b0; j <= i; ++j) {
    double sc = 0;
    for (int d = 0; d < b.Dqk; ++d)
      sc += q[(static_cast<size_t>(i) * b.H + h) * b.Dqk + d] *
            k[(static_cast<size_t>(j) * b.KVH + g) * b.Dqk + d];
    w.push_back(std::exp(sc * scale));
    z += w.back();
  }
  o.assign(b.Dv, 0.0);
  for (int d = 0; d < b.Dv; ++d) {
    for (int j = b0; j <= i; ++j)
      o[d] += w[j - b0] / z * v[(static_cast<size_t>(j) * b.KVH + g) * b.Dv + d];
  }
  lse = std::log(z);
}

}  // namespace

TEST(Attention, MatchesNaiveReference) {
  for (const Shape& b : kShapes) {
    SCOPED_TRACE(label(b));
    auto q = randn(b.N * b.H * b.Dqk, 1), k = randn(b.N * b.KVH * b.Dqk, 2),
         v = randn(b.N * b.KVH * b.Dv, 3);
    std::vector<double> out(b.N * b.H * b.Dv), lse(b.N * b.H);
    double scale = 1.0 / std::sqrt(b.Dqk);
    attention_forward(out.data(), lse.data(), q.data(), k.data(), v.data(), b.cu.data(), nullptr,
                      b.S, b.H, b.KVH, b.Dqk, b.Dv, scale);
    for (int s = 0; s < b.S; ++s) {
      for (int i = b.cu[s]; i < b.cu[s + 1]; ++i) {
        for (int h = 0; h < b.H; ++h) {
          std::vector<double> o;
          double l;
          naive_row(b, q, k, v, b.cu[s], i, h, scale, o, l);
          for (int d = 0; d < b.Dv; ++d)
            ASSERT_NEAR(out[(i * b.H + h) * b.Dv + d], o[d], 1e-12)
                << "token " << i << " head " << h;
          EXPECT_NEAR(lse[i * b.H + h], l, 1e-12);
        }
      }
    }
  }
}

TEST(AttentionGrad, QueryKeyValue) {
  for (const Shape& b : kShapes) {
    SCOPED_TRACE(label(b));
    auto q = randn(b.N * b.H * b.Dqk, 4), k = randn(b.N * b.KVH * b.Dqk, 5),
         v = randn(b.N * b.KVH * b.Dv, 6);
    auto R = randn(b.N * b.H * b.Dv, 7);
    std::vector<double> out(b.N * b.H * b.Dv), lse(b.N * b.H);
    double scale = 0.37;
    auto loss = [&] {
      attention_forward(out.data(), lse.data(), q.data(), k.data(), v.data(), b.cu.data(), nullptr,
                        b.S, b.H, b.KVH, b.Dqk, b.Dv, scale);
      return dot(out, R);
    };
    loss();
    std::vector<double> dq(q.size()), dk(k.size()), dv(v.size());
    attention_backward(dq.data(), dk.data(), dv.data(), R.data(), out.data(), lse.data(), q.data(),
                       k.data(), v.data(), b.cu.data(), nullptr, b.S, b.H, b.KVH, b.Dqk, b.Dv,
                       scale);
    check_gradient("attention.dq", q, dq, loss);
    check_gradient("attention.dk", k, dk, loss);
    check_gradient("attention.dv", v, dv, loss);
  }
}

// Writes every token's keys and values into a paged cache whose blocks come from the pool in a
// scrambled order (the table, not adjacency, must find them), then attends each token over its
// prefix from the cache.
template <typename T>
std::vector<T> paged_attention(const Shape& b, const std::vector<T>& q, const std::vector<T>& k,
                               const std::vector<T>& v, int block, T scale) {
  const int K = b.KVH * b.Dqk, V = b.KVH * b.Dv;
  int max_blocks = 0;
  for (int s = 0; s < b.S; ++s)
    max_blocks = std::max(max_blocks, (b.cu[s + 1] - b.cu[s] + block - 1) / block);
  int pool = b.S * max_blocks + 2;
  if (pool % 7 == 0) ++pool;
  std::vector<int32_t> table(static_cast<size_t>(b.S) * max_blocks, -1);
  for (size_t i = 0; i < table.size(); ++i) table[i] = static_cast<int32_t>((i * 7 + 3) % pool);
  std::vector<T> kpool(static_cast<size_t>(pool) * block * K, NAN),
      vpool(static_cast<size_t>(pool) * block * V, NAN);
  std::vector<int32_t> seq(b.N), pos(b.N), len(b.N);
  for (int s = 0; s < b.S; ++s) {
    for (int i = b.cu[s]; i < b.cu[s + 1]; ++i) {
      seq[i] = s;
      pos[i] = i - b.cu[s];
      len[i] = pos[i] + 1;
    }
  }
  kv_cache_write(kpool.data(), vpool.data(), k.data(), v.data(), table.data(), max_blocks, block,
                 seq.data(), pos.data(), b.N, K, V);
  std::vector<T> out(static_cast<size_t>(b.N) * b.H * b.Dv, NAN);
  attention_paged_forward(out.data(), q.data(), kpool.data(), vpool.data(), V, table.data(),
                          max_blocks, block, seq.data(), len.data(), b.N, b.H, b.KVH, b.Dqk, b.Dv,
                          scale);
  return out;
}

// The paged cache (blocks of 3 tokens, so sequences straddle blocks): every token's attention
// over its prefix equals the packed causal attention.
TEST(Attention, PagedCacheEqualsPacked) {
  for (const Shape& b : kShapes) {
    SCOPED_TRACE(label(b));
    auto q = randn(b.N * b.H * b.Dqk, 8), k = randn(b.N * b.KVH * b.Dqk, 9),
         v = randn(b.N * b.KVH * b.Dv, 10);
    std::vector<double> full(b.N * b.H * b.Dv), lse(b.N * b.H);
    attention_forward(full.data(), lse.data(), q.data(), k.data(), v.data(), b.cu.data(), nullptr,
                      b.S, b.H, b.KVH, b.Dqk, b.Dv, 0.5);
    const auto cached = paged_attention(b, q, k, v, 3, 0.5);
    for (size_t i = 0; i < full.size(); ++i) ASSERT_NEAR(cached[i], full[i], 1e-13);
  }
}

// The float decode path has its own inner loops (AVX2 where the CPU has it: four heads' dot
// products at a time, value rows in registers 16 and 8 columns wide, scalar tails). Shapes that
// reach each of them: head counts that are and are not multiples of 4, GQA groups, head sizes
// with and without tails of 8 and 16, odd and even rows per block, sequences over 40 tokens.
TEST(Attention, PagedCacheFloatAgreesWithDouble) {
  const Shape shapes[] = {
      {{0, 41, 42, 59}, 3, 59, 4, 4, 48, 32},  // small-moe's MLA heads
      {{0, 41, 42, 59}, 3, 59, 4, 2, 32, 32},  // GQA, 2 query heads per key head
      {{0, 23, 40}, 2, 40, 6, 2, 13, 20},      // 6 heads (4 + 2), tails everywhere
      {{0, 23, 40}, 2, 40, 8, 1, 16, 24},      // one key head for 8 query heads
      {{0, 5, 9}, 2, 9, 3, 3, 7, 5},           // fewer than 4 heads, sizes below 8
  };
  for (const Shape& b : shapes) {
    for (int block : {3, 16}) {
      SCOPED_TRACE(label(b) + " block=" + std::to_string(block));
      auto q = randn(b.N * b.H * b.Dqk, 21), k = randn(b.N * b.KVH * b.Dqk, 22),
           v = randn(b.N * b.KVH * b.Dv, 23);
      std::vector<double> full(b.N * b.H * b.Dv), lse(b.N * b.H);
      const double scale = 1.0 / std::sqrt(double(b.Dqk));
      attention_forward(full.data(), lse.data(), q.data(), k.data(), v.data(), b.cu.data(), nullptr,
                        b.S, b.H, b.KVH, b.Dqk, b.Dv, scale);
      std::vector<float> qf(q.begin(), q.end()), kf(k.begin(), k.end()), vf(v.begin(), v.end());
      const auto cached = paged_attention(b, qf, kf, vf, block, static_cast<float>(scale));
      for (size_t i = 0; i < full.size(); ++i) ASSERT_NEAR(cached[i], full[i], 2e-5) << i;
    }
  }
}

TEST(Attention, FloatAgreesWithDouble) {
  for (const Shape& b : kShapes) {
    SCOPED_TRACE(label(b));
    auto q = randn(b.N * b.H * b.Dqk, 11), k = randn(b.N * b.KVH * b.Dqk, 12),
         v = randn(b.N * b.KVH * b.Dv, 13);
    std::vector<double> out(b.N * b.H * b.Dv), lse(b.N * b.H);
    attention_forward(out.data(), lse.data(), q.data(), k.data(), v.data(), b.cu.data(), nullptr,
                      b.S, b.H, b.KVH, b.Dqk, b.Dv, 0.4);
    std::vector<float> qf(q.begin(), q.end()), kf(k.begin(), k.end()), vf(v.begin(), v.end());
    std::vector<float> of(out.size()), lf(lse.size());
    attention_forward(of.data(), lf.data(), qf.data(), kf.data(), vf.data(), b.cu.data(), nullptr,
                      b.S, b.H, b.KVH, b.Dqk, b.Dv, 0.4f);
    for (size_t i = 0; i < out.size(); ++i) ASSERT_NEAR(of[i], out[i], 1e-5);
  }
}

// Sequences longer than one 64-row block exercise the blocked GEMM path and block boundaries.
TEST(Attention, LongSequencesMatchNaiveAndGradients) {
  for (auto [Dqk, Dv] : {std::pair{4, 4}, std::pair{6, 3}}) {
    Shape b{{0, 70, 75, 205}, 3, 205, 2, 1, Dqk, Dv};
    SCOPED_TRACE(label(b));
    const int N = b.N, H = b.H, KVH = b.KVH;
    auto q = randn(N * H * Dqk, 31), k = randn(N * KVH * Dqk, 32), v = randn(N * KVH * Dv, 33),
         R = randn(N * H * Dv, 34);
    std::vector<double> out(N * H * Dv), lse(N * H);
    const double scale = 0.6;
    auto loss = [&] {
      attention_forward(out.data(), lse.data(), q.data(), k.data(), v.data(), b.cu.data(), nullptr,
                        b.S, H, KVH, Dqk, Dv, scale);
      return dot(out, R);
    };
    loss();
    // Naive reference for a few rows on both sides of block boundaries.
    for (int i : {0, 63, 64, 65, 69, 70, 74, 75, 138, 139, 140, 204}) {
      int s = i < 70 ? 0 : (i < 75 ? 1 : 2);
      for (int h = 0; h < H; ++h) {
        std::vector<double> o;
        double l;
        naive_row(b, q, k, v, b.cu[s], i, h, scale, o, l);
        for (int d = 0; d < Dv; ++d)
          ASSERT_NEAR(out[(i * H + h) * Dv + d], o[d], 1e-12) << "row " << i;
      }
    }
    std::vector<double> dq(q.size()), dk(k.size()), dv(v.size());
    attention_backward(dq.data(), dk.data(), dv.data(), R.data(), out.data(), lse.data(), q.data(),
                       k.data(), v.data(), b.cu.data(), nullptr, b.S, H, KVH, Dqk, Dv, scale);
    check_gradient("attention.dq", q, dq, loss, 1e-6, 1e-9, 150);
    check_gradient("attention.dk", k, dk, loss, 1e-6, 1e-9, 150);
    check_gradient("attention.dv", v, dv, loss, 1e-6, 1e-9, 150);
  }
}

// Shared prefixes: roots 0 (5 tokens) and 3 (2 tokens); sequences 1 and 2 read root 0 first,
// sequence 4 (70 tokens, past one 64-row block) reads root 3. Each output row equals the row of
// the unshared sequence [prefix; own tokens]; gradients match finite differences, including the
// prefix keys and values that gather every reader's share.
TEST(AttentionSharedPrefix, EqualsConcatenatedSequencesAndGradients) {
  const std::vector<int32_t> cu = {0, 5, 8, 9, 11, 81}, prefix = {-1, 0, 0, -1, 3};
  for (auto [H, KVH, Dqk, Dv] : {std::array{4, 2, 6, 6}, std::array{3, 3, 5, 7}}) {
    SCOPED_TRACE(cat("H=", H, " KVH=", KVH, " Dqk=", Dqk, " Dv=", Dv));
    const int S = 5, N = cu.back();
    auto q = randn(N * H * Dqk, 51), k = randn(N * KVH * Dqk, 52), v = randn(N * KVH * Dv, 53),
         R = randn(N * H * Dv, 54);
    std::vector<double> out(N * H * Dv), lse(N * H);
    const double scale = 0.45;
    auto loss = [&] {
      attention_forward(out.data(), lse.data(), q.data(), k.data(), v.data(), cu.data(),
                        prefix.data(), S, H, KVH, Dqk, Dv, scale);
      return dot(out, R);
    };
    loss();
    // The unshared batch: every sequence with its prefix's rows copied in front.
    std::vector<int32_t> ucu = {0};
    std::vector<double> uq, uk, uv;
    std::vector<int> row_of(N);  // packed row -> its row in the unshared batch (own tokens)
    for (int s = 0; s < S; ++s) {
      std::vector<int> rows;
      if (prefix[s] >= 0)
        for (int i = cu[prefix[s]]; i < cu[prefix[s] + 1]; ++i) rows.push_back(i);
      for (int i = cu[s]; i < cu[s + 1]; ++i) {
        row_of[i] = ucu.back() + static_cast<int>(rows.size());
        rows.push_back(i);
      }
      for (int i : rows) {
        uq.insert(uq.end(), q.begin() + i * H * Dqk, q.begin() + (i + 1) * H * Dqk);
        uk.insert(uk.end(), k.begin() + i * KVH * Dqk, k.begin() + (i + 1) * KVH * Dqk);
        uv.insert(uv.end(), v.begin() + i * KVH * Dv, v.begin() + (i + 1) * KVH * Dv);
      }
      ucu.push_back(ucu.back() + static_cast<int32_t>(rows.size()));
    }
    const int UN = ucu.back();
    std::vector<double> uout(UN * H * Dv), ulse(UN * H);
    attention_forward(uout.data(), ulse.data(), uq.data(), uk.data(), uv.data(), ucu.data(),
                      nullptr, S, H, KVH, Dqk, Dv, scale);
    for (int i = 0; i < N; ++i) {
      for (int e = 0; e < H * Dv; ++e)
        ASSERT_NEAR(out[i * H * Dv + e], uout[row_of[i] * H * Dv + e], 1e-12) << "row " << i;
      for (int h = 0; h < H; ++h) ASSERT_NEAR(lse[i * H + h], ulse[row_of[i] * H + h], 1e-12);
    }
    std::vector<double> dq(q.size()), dk(k.size()), dv(v.size());
    attention_backward(dq.data(), dk.data(), dv.data(), R.data(), out.data(), lse.data(), q.data(),
                       k.data(), v.data(), cu.data(), prefix.data(), S, H, KVH, Dqk, Dv, scale);
    check_gradient("attention.dq", q, dq, loss, 1e-6, 1e-9, 150);
    check_gradient("attention.dk", k, dk, loss, 1e-6, 1e-9, 150);
    check_gradient("attention.dv", v, dv, loss, 1e-6, 1e-9, 150);
  }
}

TEST(AttentionSharedPrefix, RejectsChainsAndBadIndices) {
  const std::vector<int32_t> cu = {0, 2, 4, 6};
  std::vector<double> q(6 * 2), k(6 * 2), v(6 * 2), out(6 * 2), lse(6);
  for (std::vector<int32_t> prefix : {std::vector<int32_t>{-1, 0, 1}, {-1, 3, -1}, {0, -1, -1}}) {
    EXPECT_THROW(attention_forward(out.data(), lse.data(), q.data(), k.data(), v.data(), cu.data(),
                                   prefix.data(), 3, 1, 1, 2, 2, 1.0),
                 std::exception);
  }
}
