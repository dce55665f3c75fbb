// MoE dispatch and combine: plan invariants, and finite differences (double, rtol 1e-6) through
// gather -> per-expert linear -> weighted combine, wrt the tokens and the mixing weights.
#include <gtest/gtest.h>

#include "kernels/ops.h"
#include "tests/kernels/fd.h"

using namespace r1;
using namespace r1::cpu;
using r1::test::check_gradient;
using r1::test::dot;
using r1::test::randn;

TEST(Dispatch, PlanGroupsByExpertStably) {
  std::vector<int32_t> idx = {2, 0, 1, 2, 2, 1};  // N = 3 tokens, k = 2
  DispatchPlan p;
  dispatch_plan(p, idx.data(), 3, 2, 4);
  EXPECT_EQ(p.count, (std::vector<int32_t>{1, 2, 3, 0}));
  EXPECT_EQ(p.offset, (std::vector<int32_t>{0, 1, 3, 6, 6}));
  EXPECT_EQ(p.token_of, (std::vector<int32_t>{0, 1, 2, 0, 1, 2}));
  for (int i = 0; i < 6; ++i) EXPECT_EQ(p.token_of[p.row_of[i]], i / 2);
}

TEST(MoeGrad, GatherExpertCombine) {
  const int N = 7, K = 2, E = 4, C = 5;
  std::vector<int32_t> idx = {0, 1, 1, 2, 3, 0, 2, 3, 1, 0, 3, 2, 0, 2};
  DispatchPlan p;
  dispatch_plan(p, idx.data(), N, K, E);
  auto x = randn(N * C, 1), w = randn(N * K, 2), We = randn(E * C * C, 3), R = randn(N * C, 4);
  std::vector<double> xs(N * K * C), ys(N * K * C), out(N * C);
  auto forward = [&] {
    moe_gather(xs.data(), x.data(), p, C);
    for (int e = 0; e < E; ++e) {
      linear_forward(ys.data() + p.offset[e] * C, xs.data() + p.offset[e] * C, We.data() + e * C * C,
                     (const double*)nullptr, p.count[e], C, C);
    }
    moe_combine_forward(out.data(), ys.data(), w.data(), p, C, false);
    return dot(out, R);
  };
  forward();
  std::vector<double> dys(N * K * C), dw(N * K), dxs(N * K * C), dx(N * C, 0.0), dWe(E * C * C, 0.0);
  moe_combine_backward(dys.data(), dw.data(), R.data(), ys.data(), w.data(), p, C);
  for (int e = 0; e < E; ++e) {
    linear_backward(dxs.data() + p.offset[e] * C, dWe.data() + e * C * C, (double*)nullptr,
                    dys.data() + p.offset[e] * C, xs.data() + p.offset[e] * C, We.data() + e * C * C, p.count[e],
                    C, C, false);
  }
  moe_scatter_add(dx.data(), dxs.data(), p, C);
  check_gradient("moe.dx", x, dx, forward);
  check_gradient("moe.dw", w, dw, forward);
  check_gradient("moe.dWe", We, dWe, forward);
}
