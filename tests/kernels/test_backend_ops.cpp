// The backend op harness (tests/common/backend_op_cases.h) on the guarded CPU backend, and
// checks of the harness itself.
#include <gtest/gtest.h>

#include "tests/common/backend_op_cases.h"
#include "tests/common/guarded_backend.h"

using namespace r1;
using namespace r1::test;

TEST(BackendOps, EveryOpHasACase) {
  std::set<std::string> covered;
  for (const Case& c : all_cases()) covered.insert(c.op);
  std::vector<std::string> missing;
#define R1_NAME(name) \
  if (!covered.count(#name)) missing.push_back(#name);
  R1_BACKEND_OPS(R1_NAME)
#undef R1_NAME
  EXPECT_TRUE(missing.empty()) << "ops without a case: " << testing::PrintToString(missing);
}

// The guarded backend runs the CPU's own functions: every error must be exactly 0.
TEST(BackendOps, GuardedBackendAgreesWithTheCpuExactly) {
  EXPECT_GT(check_backend_against_cpu(guarded_backend(), [](const Case&) { return 0.0; }), 40);
}

// The harness catches what it is for: an op that skips an element, or computes it wrongly.
TEST(BackendOps, HarnessCatchesUnwrittenAndWrongOutputs) {
  Case c;
  c.op = "add_inplace";
  c.in("x", randn_f(10, 1)).out("y", 10);
  c.call = [](const Backend<float>& b, const Ptrs& p) { b.ops.split3(p.f("y"), 9, p.f("y"), 0, p.f("y"), 0, p.f("x"), 1); };
  const auto out = run(c, test::guarded_backend());
  EXPECT_FALSE(std::isnan(out.at("y").f[8]));
  EXPECT_TRUE(std::isnan(out.at("y").f[9])) << "the element no op wrote must still be poison";
  // An op one element off by 1e-2 (relative error ~1e-3 over the array) fails its case.
  Backend<float> broken = cpu_backend<float>();
  broken.name = "broken";
  broken.ops.swiglu_forward = [](float* out, const float* gu, int N, int I) {
    cpu_backend<float>().ops.swiglu_forward(out, gu, N, I);
    out[3] += 1e-2f;
  };
  for (const Case& k : all_cases()) {
    if (k.op != "swiglu_forward") continue;
    const auto ref = run(k, cpu_backend<float>()), got = run(k, broken);
    EXPECT_GT(rel_norm_error(got.at("out").f, ref.at("out").f), k.tol);
  }
  std::vector<float> a = {1, 2, 3}, b = {1, 2, 3.001f};
  EXPECT_GT(rel_norm_error(b, a), 1e-4);
  EXPECT_EQ(rel_norm_error(a, a), 0.0);
}
