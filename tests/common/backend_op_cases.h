// Every op of the backend table (kernels/backend.h), on every backend, against the CPU backend:
// the harness of llama.cpp's test-backend-ops, in this project's style. Each case is written
// once: its arrays (inputs drawn fresh from a normal distribution, never zeros; outputs), and
// one call through an op table. For each backend the harness
//   - allocates every array in the backend's memory and uploads the inputs;
//   - poisons every output (NaN for floats, -777 for ints) before the call, so an element the op
//     never wrote shows up (the CPU reference run is poisoned too: a case whose reference leaves
//     poison behind is itself wrong);
//   - downloads the outputs and measures the error against the CPU as a relative norm,
//     |out - ref| / |ref| over the whole array (ints must match exactly).
//
// The cases and the harness live here; tests/kernels/test_backend_ops.cpp runs them on the
// guarded CPU backend (tests/common/guarded_backend.h: memory the host cannot touch outside
// backend calls, the same ops, so every error must be exactly 0) and
// tests/cuda/test_cuda_backend_ops.cpp on the CUDA backend when a GPU is present. Tolerances are per case, for fp32 on a device (different
// summation orders, fused multiply-adds, expf): 1e-6 for copies and elementwise ops, which are
// exact or one rounding apart; 1e-5 for reductions over rows (norms, softmax, log-sum-exp),
// whose order differs; 1e-4 for GEMM-based ops (sums of up to a few hundred products in a
// different order, TF32 disabled).
#pragma once
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/rng.h"
#include "kernels/backend.h"

namespace r1::test {


struct Array {
  enum Role { In, Out, InOut } role = In;
  bool is_int = false;
  std::vector<float> f;
  std::vector<int32_t> i;
  size_t size() const { return is_int ? i.size() : f.size(); }
};

// Device pointers of one run, by array name.
struct Ptrs {
  std::map<std::string, void*> p;
  float* f(const std::string& n) const { return static_cast<float*>(p.at(n)); }
  int32_t* i(const std::string& n) const { return static_cast<int32_t*>(p.at(n)); }
};

struct Case {
  std::string op;     // the Ops entry it tests
  std::string label;  // shapes and variant
  double tol = 0;     // relative-norm tolerance on a device backend (see the file comment)
  std::map<std::string, Array> arrays;
  std::function<void(const Backend<float>&, const Ptrs&)> call;

  Case& in(const std::string& n, std::vector<float> v) {
    arrays[n] = {Array::In, false, std::move(v), {}};
    return *this;
  }
  Case& in_int(const std::string& n, std::vector<int32_t> v) {
    arrays[n] = {Array::In, true, {}, std::move(v)};
    return *this;
  }
  Case& out(const std::string& n, size_t size) {
    arrays[n] = {Array::Out, false, std::vector<float>(size), {}};
    return *this;
  }
  Case& out_int(const std::string& n, size_t size) {
    arrays[n] = {Array::Out, true, {}, std::vector<int32_t>(size)};
    return *this;
  }
  Case& inout(const std::string& n, std::vector<float> v) {
    arrays[n] = {Array::InOut, false, std::move(v), {}};
    return *this;
  }
};

// Normal floats (named apart from tests/kernels/fd.h's randn of doubles: test binaries hold both).
inline std::vector<float> randn_f(size_t n, uint64_t seed, double scale = 1.0) {
  Rng r(seed);
  std::vector<float> v(n);
  for (auto& x : v) x = static_cast<float>(r.normal() * scale);
  return v;
}
inline std::vector<float> positive(size_t n, uint64_t seed) {
  Rng r(seed);
  std::vector<float> v(n);
  for (auto& x : v) x = static_cast<float>(0.1 + r.uniform());
  return v;
}
inline std::vector<int32_t> randint(size_t n, int hi, uint64_t seed) {
  Rng r(seed);
  std::vector<int32_t> v(n);
  for (auto& x : v) x = static_cast<int32_t>(r.below(static_cast<uint64_t>(hi)));
  return v;
}

// Runs a case on a backend; returns every output array, downloaded.
inline std::map<std::string, Array> run(const Case& c, const Backend<float>& be) {
  Ptrs ptrs;
  for (const auto& [name, a] : c.arrays) {
    const size_t bytes = a.size() * 4;
    void* p = be.mem.alloc(bytes);
    ptrs.p[name] = p;
    if (a.role == Array::Out) {
      if (a.is_int) {
        std::vector<int32_t> poison(a.size(), -777);
        be.mem.upload(p, poison.data(), bytes);
      } else {
        std::vector<float> poison(a.size(), NAN);
        be.mem.upload(p, poison.data(), bytes);
      }
    } else {
      be.mem.upload(p, a.is_int ? static_cast<const void*>(a.i.data()) : a.f.data(), bytes);
    }
  }
  c.call(be, ptrs);
  std::map<std::string, Array> outs;
  for (const auto& [name, a] : c.arrays) {
    if (a.role != Array::In) {
      Array got = a;
      be.mem.download(got.is_int ? static_cast<void*>(got.i.data()) : got.f.data(), ptrs.p[name], a.size() * 4);
      outs[name] = std::move(got);
    }
    be.mem.free(ptrs.p[name]);
  }
  return outs;
}

inline double rel_norm_error(const std::vector<float>& got, const std::vector<float>& ref) {
  double num = 0, den = 0;
  for (size_t k = 0; k < ref.size(); ++k) {
    const double d = static_cast<double>(got[k]) - ref[k];
    num += d * d;
    den += static_cast<double>(ref[k]) * ref[k];
  }
  return std::sqrt(num) / std::max(std::sqrt(den), 1e-30);
}

// ---------------------------------------------------------------------------------------------
// The cases

inline std::vector<Case> all_cases() {
  std::vector<Case> cases;
  auto add = [&](const std::string& op, const std::string& label, double tol) -> Case& {
    cases.push_back({});
    cases.back().op = op;
    cases.back().label = label;
    cases.back().tol = tol;
    return cases.back();
  };

  // ---- dense algebra ----
  for (bool ta : {false, true}) {
    for (bool tb : {false, true}) {
      const int M = 7, N = 9, K = 13;
      add("gemm", cat("M7 N9 K13 ta", ta, " tb", tb), 1e-4)
          .in("A", randn_f(M * K, 1))
          .in("B", randn_f(K * N, 2))
          .inout("C", randn_f(M * N, 3))
          .call = [=](const Backend<float>& b, const Ptrs& p) {
        b.ops.gemm(ta, tb, M, N, K, 0.7f, p.f("A"), ta ? M : K, p.f("B"), tb ? K : N, 0.3f, p.f("C"), N);
      };
    }
  }
  for (bool bias : {false, true}) {
    const int N = 11, C = 16, OC = 24;
    add("linear_forward", cat("N11 C16 OC24 bias", bias), 1e-4)
        .in("inp", randn_f(N * C, 4))
        .in("W", randn_f(OC * C, 5))
        .in("bias", randn_f(OC, 6))
        .out("out", N * OC)
        .call = [=](const Backend<float>& b, const Ptrs& p) {
      b.ops.linear_forward(p.f("out"), p.f("inp"), p.f("W"), bias ? p.f("bias") : nullptr, N, C, OC);
    };
  }
  for (bool acc : {false, true}) {
    const int N = 11, C = 16, OC = 24;
    Case& c = add("linear_backward", cat("N11 C16 OC24 accumulate_dinp", acc), 1e-4)
                  .in("dout", randn_f(N * OC, 7))
                  .in("inp", randn_f(N * C, 8))
                  .in("W", randn_f(OC * C, 9))
                  .inout("dW", randn_f(OC * C, 10))
                  .inout("dbias", randn_f(OC, 11));
    if (acc) c.inout("dinp", randn_f(N * C, 12));
    else c.out("dinp", N * C);
    c.call = [=](const Backend<float>& b, const Ptrs& p) {
      b.ops.linear_backward(p.f("dinp"), p.f("dW"), p.f("dbias"), p.f("dout"), p.f("inp"), p.f("W"), N, C, OC, acc);
    };
  }

  // Packed linears: the packed layout is each backend's own, so Wp is scratch (an input array,
  // never compared); what must agree is the product read through it. Variants: plain, with a
  // bias, accumulating, and from a transposed W into one head's columns of wider rows.
  for (int variant = 0; variant < 4; ++variant) {
    const int N = 13, C = 20, OC = 37;
    const bool bias = variant == 1, acc = variant == 2, heads = variant == 3;
    const int ldi = heads ? 3 * C : C, ldo = heads ? 2 * OC : OC;
    add(variant == 0 ? "pack_linear" : "linear_forward_packed",
        cat("N13 C20 OC37 bias", bias, " accumulate", acc,
            heads ? " transposed W, strided rows" : ""),
        1e-4)
        .in("inp", randn_f(N * ldi, 60))
        .in("W", randn_f(OC * C, 61))
        .in("bias", randn_f(OC, 62))
        .in("Wp", std::vector<float>(cpu::packed_linear_size(C, OC)))
        .inout("out", randn_f(N * ldo, 63))
        .call = [=](const Backend<float>& b, const Ptrs& p) {
      b.ops.pack_linear(p.f("Wp"), p.f("W"), C, OC, heads);
      b.ops.linear_forward_packed(p.f("out") + (heads ? OC : 0), ldo, p.f("inp") + (heads ? C : 0),
                                  ldi, p.f("Wp"), bias ? p.f("bias") : nullptr, N, C, OC, acc);
    };
  }

  // ---- elementwise and layout ----
  add("add_inplace", "n1000", 1e-6).inout("y", randn_f(1000, 13)).in("x", randn_f(1000, 14)).call =
      [](const Backend<float>& b, const Ptrs& p) { b.ops.add_inplace(p.f("y"), p.f("x"), 1000); };
  add("scale_inplace", "n1000 s0.7", 1e-6).inout("x", randn_f(1000, 15)).call =
      [](const Backend<float>& b, const Ptrs& p) { b.ops.scale_inplace(p.f("x"), 1000, 1.0f / 0.7f); };
  {
    const int N = 70, wa = 5, wb = 9, wc = 3;  // N > 64: the CPU's parallel path
    add("split3", "N70 5+9+3", 0)
        .in("src", randn_f(N * (wa + wb + wc), 16))
        .out("a", N * wa)
        .out("b", N * wb)
        .out("c", N * wc)
        .call = [=](const Backend<float>& b, const Ptrs& p) {
      b.ops.split3(p.f("a"), wa, p.f("b"), wb, p.f("c"), wc, p.f("src"), N);
    };
    add("concat3", "N70 5+9+3", 0)
        .in("a", randn_f(N * wa, 17))
        .in("b", randn_f(N * wb, 18))
        .in("c", randn_f(N * wc, 19))
        .out("dst", N * (wa + wb + wc))
        .call = [=](const Backend<float>& b, const Ptrs& p) {
      b.ops.concat3(p.f("dst"), p.f("a"), wa, p.f("b"), wb, p.f("c"), wc, N);
    };
  }
  add("gather_rows", "R6 of 10 C12", 0).in("src", randn_f(10 * 12, 20)).in_int("rows", {9, 0, 3, 3, 7, 1}).out("dst", 6 * 12).call =
      [](const Backend<float>& b, const Ptrs& p) { b.ops.gather_rows(p.f("dst"), p.f("src"), p.i("rows"), 6, 12); };

  {
    // A 7-column block, at column 5 of dst and column 2 of src.
    const int rows = 21, cols = 7, ldd = 12, lds = 9;
    add("copy_2d", "21x7 ld12<-ld9", 0)
        .inout("dst", randn_f(rows * ldd, 21))
        .in("src", randn_f(rows * lds, 22))
        .call = [=](const Backend<float>& b, const Ptrs& p) {
      b.ops.copy_2d(p.f("dst") + 5, ldd, p.f("src") + 2, lds, rows, cols);
    };
  }

  // ---- embedding, norms, activations, rope ----
  {
    const int N = 40, C = 24, V = 30;
    add("embedding_forward", "N40 C24 V30", 0).in("wte", randn_f(V * C, 21)).in_int("ids", randint(N, V, 22)).out("out", N * C).call =
        [=](const Backend<float>& b, const Ptrs& p) { b.ops.embedding_forward(p.f("out"), p.i("ids"), p.f("wte"), N, C); };
    // Ids repeat (40 tokens over 7 ids): the backward is a scatter-add with collisions.
    add("embedding_backward", "N40 C24 V30, 7 distinct ids", 1e-6)
        .inout("dwte", randn_f(V * C, 23))
        .in("dout", randn_f(N * C, 24))
        .in_int("ids", randint(N, 7, 25))
        .call = [=](const Backend<float>& b, const Ptrs& p) {
      b.ops.embedding_backward(p.f("dwte"), p.f("dout"), p.i("ids"), N, C);
    };
  }
  add("rmsnorm_forward", "N9 C48", 1e-5).in("inp", randn_f(9 * 48, 26)).in("w", randn_f(48, 27)).out("out", 9 * 48).out("rstd", 9).call =
      [](const Backend<float>& b, const Ptrs& p) {
        b.ops.rmsnorm_forward(p.f("out"), p.f("rstd"), p.f("inp"), p.f("w"), 9, 48, 1e-6f);
      };
  for (bool acc : {false, true}) {
    const int N = 9, C = 48;
    // dw sums N rows; on a device with atomics, in any order.
    Case& c = add("rmsnorm_backward", cat("N9 C48 accumulate_dinp", acc), 1e-4)
                  .in("dout", randn_f(N * C, 28))
                  .in("inp", randn_f(N * C, 29))
                  .in("w", randn_f(C, 30))
                  .in("rstd", positive(N, 31))
                  .inout("dw", randn_f(C, 32));
    if (acc) c.inout("dinp", randn_f(N * C, 33));
    else c.out("dinp", N * C);
    c.call = [=](const Backend<float>& b, const Ptrs& p) {
      b.ops.rmsnorm_backward(p.f("dinp"), p.f("dw"), p.f("dout"), p.f("inp"), p.f("w"), p.f("rstd"), N, C, acc);
    };
  }
  {
    // Many short rows, as Qwen3's per-head q/k norms: CUDA's blocks each take several groups of
    // rows (N / 8 > its 2,048 blocks) and sum their dw before adding it.
    const int N = 20000, C = 40;
    add("rmsnorm_forward", "N20000 C40", 1e-5)
        .in("inp", randn_f(N * C, 62))
        .in("w", randn_f(C, 63))
        .out("out", N * C)
        .out("rstd", N)
        .call = [=](const Backend<float>& b, const Ptrs& p) {
      b.ops.rmsnorm_forward(p.f("out"), p.f("rstd"), p.f("inp"), p.f("w"), N, C, 1e-6f);
    };
    add("rmsnorm_backward", "N20000 C40", 1e-4)
        .in("dout", randn_f(N * C, 64))
        .in("inp", randn_f(N * C, 65))
        .in("w", randn_f(C, 66))
        .in("rstd", positive(N, 67))
        .inout("dw", randn_f(C, 68))
        .out("dinp", N * C)
        .call = [=](const Backend<float>& b, const Ptrs& p) {
      b.ops.rmsnorm_backward(p.f("dinp"), p.f("dw"), p.f("dout"), p.f("inp"), p.f("w"), p.f("rstd"), N, C, false);
    };
  }
  {
    const int N = 13, I = 20;
    add("swiglu_forward", "N13 I20", 1e-6).in("gu", randn_f(N * 2 * I, 34)).out("out", N * I).call =
        [=](const Backend<float>& b, const Ptrs& p) { b.ops.swiglu_forward(p.f("out"), p.f("gu"), N, I); };
    add("swiglu_backward", "N13 I20", 1e-6).in("gu", randn_f(N * 2 * I, 35)).in("dout", randn_f(N * I, 36)).out("dgu", N * 2 * I).call =
        [=](const Backend<float>& b, const Ptrs& p) { b.ops.swiglu_backward(p.f("dgu"), p.f("dout"), p.f("gu"), N, I); };
  }
  // Rotate-half on contiguous heads (GQA), and interleaved pairs on the last 4 values of heads of
  // 12 (MLA's layout).
  for (bool mla : {false, true}) {
    const int N = 10, H = 3, D = mla ? 4 : 8, max_pos = 64, stride = mla ? 12 : 0;
    const cpu::RopeTable<float> t(max_pos, D, 10000.0);
    const cpu::RopeLayout layout{stride, mla};
    const size_t n = static_cast<size_t>(N) * H * (mla ? stride : D);
    for (bool backward : {false, true}) {
      add(backward ? "rope_backward" : "rope_forward", mla ? "N10 H3 D4 stride12 interleaved" : "N10 H3 D8", 1e-6)
          .inout("x", randn_f(n, 37))
          .in_int("pos", randint(N, max_pos, 38))
          .in("cos", t.cos)
          .in("sin", t.sin)
          .call = [=](const Backend<float>& b, const Ptrs& p) {
        float* x = p.f("x") + (mla ? stride - D : 0);
        if (backward) b.ops.rope_backward(x, p.i("pos"), N, H, D, p.f("cos"), p.f("sin"), max_pos, layout);
        else b.ops.rope_forward(x, p.i("pos"), N, H, D, p.f("cos"), p.f("sin"), max_pos, layout);
      };
    }
  }

  // ---- attention ----
  struct Att {
    std::vector<int32_t> cu, prefix;  // prefix: shared-prefix packing (empty: none)
    int H, KVH, Dqk, Dv;
  };
  for (const Att& a : {Att{{0, 5, 6, 23}, {}, 4, 2, 8, 8}, Att{{0, 70}, {}, 2, 2, 12, 8},
                       Att{{0, 7, 10, 12, 20, 90}, {-1, 0, 0, -1, 3}, 4, 2, 8, 6},
                       // Real head sizes, several 64-token tiles (CUDA's tiled kernels), a key
                       // tile across the prefix boundary: Qwen3's 128, MLA's 192 / 128.
                       Att{{0, 130, 200}, {-1, 0}, 4, 2, 128, 128}, Att{{0, 100}, {}, 2, 2, 192, 128},
                       // Heads of 64 and 48 (the bf16 kernels' 64-wide tile), 4 heads on one.
                       Att{{0, 150}, {}, 4, 1, 64, 48}}) {
    const int S = static_cast<int>(a.cu.size()) - 1, N = a.cu.back();
    const bool shared = !a.prefix.empty();
    const std::string label = cat("S", S, " N", N, " H", a.H, " KVH", a.KVH, " Dqk", a.Dqk, " Dv",
                                  a.Dv, shared ? " shared prefixes" : "");
    // The prefix table travels as one more int input (a dummy one without prefixes).
    const std::vector<int32_t> prefix = shared ? a.prefix : std::vector<int32_t>{-1};
    auto pre = [shared](const Ptrs& p) { return shared ? p.i("prefix") : nullptr; };
    const size_t q = static_cast<size_t>(N) * a.H * a.Dqk, k = static_cast<size_t>(N) * a.KVH * a.Dqk,
                 v = static_cast<size_t>(N) * a.KVH * a.Dv, o = static_cast<size_t>(N) * a.H * a.Dv;
    add("attention_forward", label, 1e-5)
        .in("q", randn_f(q, 39))
        .in("k", randn_f(k, 40))
        .in("v", randn_f(v, 41))
        .in_int("cu", a.cu)
        .in_int("prefix", prefix)
        .out("out", o)
        .out("lse", static_cast<size_t>(N) * a.H)
        .call = [=](const Backend<float>& b, const Ptrs& p) {
      b.ops.attention_forward(p.f("out"), p.f("lse"), p.f("q"), p.f("k"), p.f("v"), p.i("cu"),
                              pre(p), S, a.H, a.KVH, a.Dqk, a.Dv, 0.35f);
    };
    // The backward needs a consistent (out, lse): computed here with the CPU op.
    std::vector<float> qq = randn_f(q, 42), kk = randn_f(k, 43), vv = randn_f(v, 44), out(o), lse(static_cast<size_t>(N) * a.H);
    cpu_backend<float>().ops.attention_forward(
        out.data(), lse.data(), qq.data(), kk.data(), vv.data(), a.cu.data(),
        shared ? a.prefix.data() : nullptr, S, a.H, a.KVH, a.Dqk, a.Dv, 0.35f);
    add("attention_backward", label, 1e-4)
        .in("q", qq)
        .in("k", kk)
        .in("v", vv)
        .in("out", out)
        .in("lse", lse)
        .in("dout", randn_f(o, 45))
        .in_int("cu", a.cu)
        .in_int("prefix", prefix)
        .out("dq", q)
        .out("dk", k)
        .out("dv", v)
        .call = [=](const Backend<float>& b, const Ptrs& p) {
      b.ops.attention_backward(p.f("dq"), p.f("dk"), p.f("dv"), p.f("dout"), p.f("out"), p.f("lse"),
                               p.f("q"), p.f("k"), p.f("v"), p.i("cu"), pre(p), S, a.H, a.KVH,
                               a.Dqk, a.Dv, 0.35f);
    };
  }
  {
    const int N = 70, H = 3, Dn = 8, Dr = 4, Dv = 6;
    add("mla_expand_kv", "N70 H3 Dn8 Dr4 Dv6", 0)
        .in("kvb", randn_f(N * H * (Dn + Dv), 46))
        .in("kpe", randn_f(N * Dr, 47))
        .out("k", N * H * (Dn + Dr))
        .out("v", N * H * Dv)
        .call = [=](const Backend<float>& b, const Ptrs& p) {
      b.ops.mla_expand_kv(p.f("k"), p.f("v"), p.f("kvb"), p.f("kpe"), N, H, Dn, Dr, Dv);
    };
    add("mla_expand_kv_backward", "N70 H3 Dn8 Dr4 Dv6", 1e-6)
        .in("dk", randn_f(N * H * (Dn + Dr), 48))
        .in("dv", randn_f(N * H * Dv, 49))
        .out("dkvb", N * H * (Dn + Dv))
        .out("dkpe", N * Dr)
        .call = [=](const Backend<float>& b, const Ptrs& p) {
      b.ops.mla_expand_kv_backward(p.f("dkvb"), p.f("dkpe"), p.f("dk"), p.f("dv"), N, H, Dn, Dr, Dv);
    };
  }
  {
    // Three slots of a paged cache with blocks of 4 in a scrambled pool order; slot 1 holds 9
    // tokens, slot 0 holds 3, slot 2 holds 6. The step appends 1, 2 and 1 tokens.
    const int block = 4, max_blocks = 4, pool = 12, KVH = 2, Dqk = 8, Dv = 6, H = 4;
    const int K = KVH * Dqk, V = KVH * Dv;
    std::vector<int32_t> table = {7, -1, -1, -1, 2, 11, 5, -1, 0, 9, -1, -1};
    std::vector<int32_t> seq = {0, 1, 1, 2}, pos = {3, 9, 10, 6}, len = {4, 10, 11, 7};
    const int N = 4;
    add("kv_cache_write", "4 tokens into 3 slots, blocks of 4", 0)
        .inout("kpool", randn_f(pool * block * K, 50))
        .inout("vpool", randn_f(pool * block * V, 51))
        .in("k", randn_f(N * K, 52))
        .in("v", randn_f(N * V, 53))
        .in_int("table", table)
        .in_int("seq", seq)
        .in_int("pos", pos)
        .call = [=](const Backend<float>& b, const Ptrs& p) {
      b.ops.kv_cache_write(p.f("kpool"), p.f("vpool"), p.f("k"), p.f("v"), p.i("table"), max_blocks, block, p.i("seq"),
                           p.i("pos"), N, K, V);
    };
    add("attention_paged_forward", "4 queries over 3 slots, blocks of 4, GQA 4/2", 1e-5)
        .in("kpool", randn_f(pool * block * K, 54))
        .in("vpool", randn_f(pool * block * V, 55))
        .in("q", randn_f(N * H * Dqk, 56))
        .in_int("table", table)
        .in_int("seq", seq)
        .in_int("len", len)
        .out("out", N * H * Dv)
        .call = [=](const Backend<float>& b, const Ptrs& p) {
      b.ops.attention_paged_forward(p.f("out"), p.f("q"), p.f("kpool"), p.f("vpool"), V,
                                    p.i("table"), max_blocks, block, p.i("seq"), p.i("len"), N, H,
                                    KVH, Dqk, Dv, 0.3f);
    };
    // MLA's latent cache: one key/value head, each value the first Dv of its key row.
    add("attention_paged_forward", "4 queries, values read from the key rows (MLA latent)", 1e-5)
        .in("kpool", randn_f(pool * block * K, 57))
        .in("q", randn_f(N * H * K, 58))
        .in_int("table", table)
        .in_int("seq", seq)
        .in_int("len", len)
        .out("out", N * H * Dv)
        .call = [=](const Backend<float>& b, const Ptrs& p) {
      b.ops.attention_paged_forward(p.f("out"), p.f("q"), p.f("kpool"), p.f("kpool"), K,
                                    p.i("table"), max_blocks, block, p.i("seq"), p.i("len"), N, H,
                                    1, K, Dv, 0.3f);
    };
  }
  // Decode-sized caches (CUDA's decode kernel, attention_decode.cu): Qwen3's heads of 128 with 2
  // query heads per kv head, and 8 heads on one kv head of 64; lengths past several blocks of 16,
  // the blocks of the three slots interleaved through the pool.
  struct Paged {
    int H, KVH, Dqk, Dv;
  };
  // A group of 7 (Qwen2-0.5B's 14 heads on 2) runs as one of 8 with a padded head.
  for (const Paged& a : {Paged{4, 2, 128, 128}, Paged{8, 1, 64, 64}, Paged{14, 2, 64, 64}}) {
    const int block = 16, max_blocks = 19, pool = 3 * max_blocks;
    const std::vector<int32_t> len = {150, 37, 300};  // one decode query per slot
    std::vector<int32_t> table(3 * max_blocks);
    for (int s = 0; s < 3; ++s)
      for (int b = 0; b < max_blocks; ++b) table[s * max_blocks + b] = (b * 3 + (s + b) % 3) % pool;
    const std::vector<int32_t> seq = {0, 1, 2};
    const int N = 3, K = a.KVH * a.Dqk, V = a.KVH * a.Dv;
    add("attention_paged_forward",
        cat("3 slots up to 300 long, blocks of 16, H", a.H, " KVH", a.KVH, " Dqk", a.Dqk, " Dv", a.Dv), 1e-5)
        .in("kpool", randn_f(static_cast<size_t>(pool) * block * K, 59))
        .in("vpool", randn_f(static_cast<size_t>(pool) * block * V, 60))
        .in("q", randn_f(static_cast<size_t>(N) * a.H * a.Dqk, 61))
        .in_int("table", table)
        .in_int("seq", seq)
        .in_int("len", len)
        .out("out", static_cast<size_t>(N) * a.H * a.Dv)
        .call = [=](const Backend<float>& b, const Ptrs& p) {
      b.ops.attention_paged_forward(p.f("out"), p.f("q"), p.f("kpool"), p.f("vpool"), V, p.i("table"), max_blocks,
                                    block, p.i("seq"), p.i("len"), N, a.H, a.KVH, a.Dqk, a.Dv, 0.09f);
    };
  }

  // ---- mixture of experts ----
  cpu::RouterSpec softmax_spec;
  softmax_spec.n_experts = 8;
  softmax_spec.top_k = 2;
  cpu::RouterSpec sigmoid_spec = softmax_spec;
  sigmoid_spec.sigmoid = true;
  sigmoid_spec.scale = 2.5;
  sigmoid_spec.n_group = 4;
  sigmoid_spec.topk_group = 2;
  for (const auto& [spec, label] : {std::pair{softmax_spec, "softmax top-2 of 8"},
                                    std::pair{sigmoid_spec, "sigmoid + bias, 2 of 4 groups, scale 2.5"}}) {
    const int N = 17, E = 8, k = 2;
    add("router_forward", label, 1e-5)
        .in("logits", randn_f(N * E, 57))
        .in("bias", randn_f(E, 58, 0.1))
        .out("scores", N * E)
        .out_int("idx", N * k)
        .out("w", N * k)
        .call = [=](const Backend<float>& b, const Ptrs& p) {
      b.ops.router_forward(p.f("scores"), p.i("idx"), p.f("w"), p.f("logits"), spec.sigmoid ? p.f("bias") : nullptr,
                           spec, N);
    };
    std::vector<float> logits = randn_f(N * E, 59), scores(N * E), w(N * k);
    std::vector<int32_t> idx(N * k);
    cpu_backend<float>().ops.router_forward(scores.data(), idx.data(), w.data(), logits.data(), nullptr, spec, N);
    add("router_backward", label, 1e-5)
        .in("scores", scores)
        .in_int("idx", idx)
        .in("dw", randn_f(N * k, 60))
        .out("dlogits", N * E)
        .call = [=](const Backend<float>& b, const Ptrs& p) {
      b.ops.router_backward(p.f("dlogits"), p.f("dw"), p.f("scores"), p.i("idx"), spec, N);
    };
  }
  {
    // Routing of 19 tokens to top-2 of 5 experts, one expert never chosen.
    const int N = 19, k = 2, E = 5, C = 6;
    std::vector<int32_t> idx(N * k);
    for (int n = 0; n < N; ++n) {
      idx[n * k] = n % 4;
      idx[n * k + 1] = (n * 3 + 1) % 4 == n % 4 ? (n + 1) % 4 : (n * 3 + 1) % 4;
    }
    auto moe = [&](const std::string& op, double tol) -> Case& {
      return add(op, "N19 top-2 of 5 (one idle) C6", tol).in_int("idx", idx);
    };
    // The plan itself comes back to the host: its counts, offsets and row maps are compared.
    moe("dispatch_plan", 0).out_int("count", E).out_int("offset", E + 1).out_int("token_of", N * k).out_int("row_of", N * k).call =
        [=](const Backend<float>& b, const Ptrs& p) {
          cpu::DispatchPlan plan;
          b.ops.dispatch_plan(plan, p.i("idx"), N, k, E);
          b.mem.upload(p.i("count"), plan.count.data(), 4 * E);
          b.mem.upload(p.i("offset"), plan.offset.data(), 4 * (E + 1));
          b.mem.upload(p.i("token_of"), plan.token_of.data(), 4 * N * k);
          b.mem.upload(p.i("row_of"), plan.row_of.data(), 4 * N * k);
        };
    moe("moe_gather", 0).in("x", randn_f(N * C, 61)).out("xs", N * k * C).call = [=](const Backend<float>& b, const Ptrs& p) {
      cpu::DispatchPlan plan;
      b.ops.dispatch_plan(plan, p.i("idx"), N, k, E);
      b.ops.moe_gather(p.f("xs"), p.f("x"), plan, C);
    };
    for (bool acc : {false, true}) {
      Case& c = moe("moe_combine_forward", 1e-6).in("ys", randn_f(N * k * C, 62)).in("w", randn_f(N * k, 63));
      c.label += cat(" accumulate", acc);
      if (acc) c.inout("out", randn_f(N * C, 64));
      else c.out("out", N * C);
      c.call = [=](const Backend<float>& b, const Ptrs& p) {
        cpu::DispatchPlan plan;
        b.ops.dispatch_plan(plan, p.i("idx"), N, k, E);
        b.ops.moe_combine_forward(p.f("out"), p.f("ys"), p.f("w"), plan, C, acc);
      };
    }
    moe("moe_combine_backward", 1e-6)
        .in("dout", randn_f(N * C, 65))
        .in("ys", randn_f(N * k * C, 66))
        .in("w", randn_f(N * k, 67))
        .out("dys", N * k * C)
        .out("dw", N * k)
        .call = [=](const Backend<float>& b, const Ptrs& p) {
      cpu::DispatchPlan plan;
      b.ops.dispatch_plan(plan, p.i("idx"), N, k, E);
      b.ops.moe_combine_backward(p.f("dys"), p.f("dw"), p.f("dout"), p.f("ys"), p.f("w"), plan, C);
    };
    moe("moe_scatter_add", 1e-6).in("dxs", randn_f(N * k * C, 68)).inout("dx", randn_f(N * C, 69)).call =
        [=](const Backend<float>& b, const Ptrs& p) {
          cpu::DispatchPlan plan;
          b.ops.dispatch_plan(plan, p.i("idx"), N, k, E);
          b.ops.moe_scatter_add(p.f("dx"), p.f("dxs"), plan, C);
        };
  }
  add("expert_bias_update", "E6, loads above, below and at the mean", 0).inout("bias", randn_f(6, 70, 0.01)).call =
      [](const Backend<float>& b, const Ptrs& p) {
        const int64_t load[6] = {10, 2, 6, 6, 0, 12};  // mean 6
        b.ops.expert_bias_update(p.f("bias"), load, 6, 1e-3);
      };

  // ---- loss ----
  {
    const int N = 9, V = 300;
    std::vector<int32_t> targets = randint(N, V, 71);
    targets[4] = -1;  // a position without a target
    add("logprobs_forward", "N9 V300, one target -1", 1e-5)
        .in("logits", randn_f(N * V, 72, 3.0))
        .in_int("targets", targets)
        .out("lp", N)
        .out("lse", N)
        .call = [=](const Backend<float>& b, const Ptrs& p) {
      b.ops.logprobs_forward(p.f("lp"), p.f("lse"), p.f("logits"), p.i("targets"), N, V);
    };
    std::vector<float> logits = randn_f(N * V, 73, 3.0), lp(N), lse(N);
    cpu_backend<float>().ops.logprobs_forward(lp.data(), lse.data(), logits.data(), targets.data(), N, V);
    std::vector<float> dlp = randn_f(N, 74);
    dlp[2] = 0;  // a zero gradient row
    add("logprobs_backward", "N9 V300, one target -1, one zero dlp", 1e-5)
        .in("logits", logits)
        .in("lse", lse)
        .in("dlp", dlp)
        .in_int("targets", targets)
        .out("dlogits", N * V)
        .call = [=](const Backend<float>& b, const Ptrs& p) {
      b.ops.logprobs_backward(p.f("dlogits"), p.f("dlp"), p.f("logits"), p.f("lse"), p.i("targets"), N, V);
    };
    add("softmax_entropy", "N9 V300", 1e-5).in("logits", logits).in("lse", lse).out("ent", N).call =
        [=](const Backend<float>& b, const Ptrs& p) { b.ops.softmax_entropy(p.f("ent"), p.f("logits"), p.f("lse"), N, V); };
  }

  // ---- optimizer ----
  {
    const size_t n = 1000;
    add("adamw_update", "n1000 step 3 wd 0.1", 1e-6)
        .inout("p", randn_f(n, 75))
        .in("g", randn_f(n, 76))
        .inout("m", randn_f(n, 77, 0.1))
        .inout("v", positive(n, 78))
        .call = [=](const Backend<float>& b, const Ptrs& p) {
      cpu::AdamWHyper h;
      h.lr = 1e-2;
      h.weight_decay = 0.1;
      b.ops.adamw_update(p.f("p"), p.f("g"), p.f("m"), p.f("v"), n, h, 3);
    };
    for (double max_norm : {1.0, 1e6}) {
      add("clip_global_norm", cat("n1000 max_norm ", max_norm), 1e-5).inout("g", randn_f(n, 79)).out("norm", 1).call =
          [=](const Backend<float>& b, const Ptrs& p) {
            const float norm = static_cast<float>(b.ops.clip_global_norm(p.f("g"), n, max_norm));
            b.mem.upload(p.f("norm"), &norm, 4);
          };
    }
  }

  // ---- sampling ----
  // Greedy and top-k 1 choose the same token on every backend (the log-prob within tolerance);
  // sampling proper draws from a backend's own generator and is compared by distribution
  // elsewhere.
  for (double temperature : {0.0, 0.8}) {
    const int R = 5, V = 500;
    add("sample_rows", temperature == 0 ? "R5 V500 greedy" : "R5 V500 top_k 1", 1e-5)
        .in("logits", randn_f(R * V, 80, 2.0))
        .out_int("tokens", R)
        .out("lp", R)
        .call = [=](const Backend<float>& b, const Ptrs& p) {
      cpu::SamplingSpec spec;
      spec.temperature = temperature;
      spec.top_k = temperature == 0 ? 0 : 1;
      std::vector<Rng> rngs;
      for (int r = 0; r < R; ++r) rngs.emplace_back(9, r);
      std::vector<Rng*> rp;
      for (auto& g : rngs) rp.push_back(&g);
      std::vector<int32_t> tokens(R);
      std::vector<float> lp(R);
      b.ops.sample_rows(tokens.data(), lp.data(), p.f("logits"), R, V, spec, rp.data());
      b.mem.upload(p.i("tokens"), tokens.data(), 4 * R);
      b.mem.upload(p.f("lp"), lp.data(), 4 * R);
    };
  }
  return cases;
}

// Runs every case on `be` and on the reference (the CPU backend unless told) and checks them
// against each other within tol(case) (the reference must write every output). Returns the
// number of cases run.
inline int check_backend_against_cpu(const Backend<float>& be, const std::function<double(const Case&)>& tol,
                                     const Backend<float>& reference = cpu_backend<float>()) {
  const Backend<float>& cpu = reference;
  // On a GPU an op that faults kills the process and poisons the context for every later case.
  // So R1_OPS_TRACE=1 numbers and names each case on stderr before it runs, R1_OPS_FROM=N skips
  // the cases before number N (scripts/gpu_check.sh resumes past a crash with it), and
  // R1_OPS_ONLY=SUBSTRING runs only the cases whose "op [label]" holds it.
  const char* only = std::getenv("R1_OPS_ONLY");
  const char* from = std::getenv("R1_OPS_FROM");
  const int first = from ? std::atoi(from) : 0;
  const bool trace = std::getenv("R1_OPS_TRACE") != nullptr;
  int compared = 0, index = -1;
  for (const Case& c : all_cases()) {
    ++index;
    if (index < first) continue;
    if (only && (c.op + " [" + c.label + "]").find(only) == std::string::npos) continue;
    if (trace) std::fprintf(stderr, "op case %d: %s [%s]\n", index, c.op.c_str(), c.label.c_str());
    SCOPED_TRACE(c.op + " [" + c.label + "] on " + be.name);
    const auto ref = run(c, cpu);
    for (const auto& [name, a] : ref) {
      for (float x : a.f) EXPECT_FALSE(std::isnan(x)) << name << ": the CPU op left poison (the case is wrong)";
      for (int32_t x : a.i) EXPECT_NE(x, -777) << name << ": the CPU op left poison (the case is wrong)";
    }
    const auto got = run(c, be);
    for (const auto& [name, r] : ref) {
      const Array& g = got.at(name);
      if (r.is_int) {
        EXPECT_EQ(g.i, r.i) << name;
        continue;
      }
      size_t unwritten = 0;
      for (float x : g.f) unwritten += std::isnan(x);
      EXPECT_EQ(unwritten, 0u) << name << ": elements never written";
      const double err = rel_norm_error(g.f, r.f);
      if (trace) std::fprintf(stderr, "  %s: relative norm error %.3g (tolerance %.3g)\n", name.c_str(), err, tol(c));
      EXPECT_LE(err, tol(c)) << name << ": relative norm error " << err;
    }
    ++compared;
  }
  return compared;
}

}  // namespace r1::test
