// Every CUDA op against its CPU twin (kernels/cpu), on random inputs. Skips without a GPU.
// Tolerances: float32 on both sides with different summation orders and expf vs the CPU's
// polynomial exp: 1e-5 relative + 1e-6 absolute; rmsnorm's dw sums N rows with atomics: 1e-4.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "core/rng.h"
#include "kernels/cpu/adamw.h"
#include "kernels/cpu/rmsnorm.h"
#include "kernels/cpu/swiglu.h"
#include "kernels/cuda/device.h"
#include "kernels/cuda/ops.h"

using namespace r1;

namespace {

#define REQUIRE_GPU()                                                                  \
  do {                                                                                 \
    if (cuda::device_count() == 0) GTEST_SKIP() << "no CUDA GPU on this machine";      \
  } while (0)

std::vector<float> randv(size_t n, uint64_t seed) {
  Rng r(seed);
  std::vector<float> v(n);
  for (auto& x : v) x = static_cast<float>(r.normal());
  return v;
}

struct Dev {
  float* p;
  size_t n;
  explicit Dev(const std::vector<float>& h) : p(cuda::device_alloc(h.size())), n(h.size()) {
    cuda::copy_to_device(p, h.data(), n);
  }
  explicit Dev(size_t n_) : p(cuda::device_alloc(n_)), n(n_) {}
  ~Dev() { cuda::device_free(p); }
  std::vector<float> host() const {
    std::vector<float> h(n);
    cuda::copy_to_host(h.data(), p, n);
    return h;
  }
};

void expect_close(const std::vector<float>& gpu, const std::vector<float>& cpu, double rtol, double atol,
                  const char* what) {
  ASSERT_EQ(gpu.size(), cpu.size());
  for (size_t i = 0; i < gpu.size(); ++i) {
    ASSERT_NEAR(gpu[i], cpu[i], atol + rtol * std::fabs(cpu[i])) << what << "[" << i << "]";
  }
}

}  // namespace

TEST(CudaOps, DeviceCountIsSafeWithoutGpu) { EXPECT_GE(cuda::device_count(), 0); }

TEST(CudaOps, RmsNormForwardBackward) {
  REQUIRE_GPU();
  const int N = 67, C = 300;
  auto x = randv(N * C, 1), w = randv(C, 2), d = randv(N * C, 3);
  std::vector<float> out(N * C), rstd(N), dx(N * C), dw(C, 0.f);
  cpu::rmsnorm_forward(out.data(), rstd.data(), x.data(), w.data(), N, C, 1e-6f);
  cpu::rmsnorm_backward(dx.data(), dw.data(), d.data(), x.data(), w.data(), rstd.data(), N, C, false);
  Dev gx(x), gw(w), gd(d), gout(N * C), grstd(N), gdx(N * C), gdw(std::vector<float>(C, 0.f));
  cuda::rmsnorm_forward(gout.p, grstd.p, gx.p, gw.p, N, C, 1e-6f);
  cuda::rmsnorm_backward(gdx.p, gdw.p, gd.p, gx.p, gw.p, grstd.p, N, C, false);
  cuda::synchronize();
  expect_close(gout.host(), out, 1e-5, 1e-6, "rmsnorm.out");
  expect_close(grstd.host(), rstd, 1e-5, 1e-6, "rmsnorm.rstd");
  expect_close(gdx.host(), dx, 1e-5, 1e-5, "rmsnorm.dx");
  expect_close(gdw.host(), dw, 1e-4, 1e-4, "rmsnorm.dw");
}

TEST(CudaOps, SwiGluForwardBackward) {
  REQUIRE_GPU();
  const int N = 33, I = 129;
  auto gu = randv(N * 2 * I, 4), d = randv(N * I, 5);
  std::vector<float> out(N * I), dgu(N * 2 * I);
  cpu::swiglu_forward(out.data(), gu.data(), N, I);
  cpu::swiglu_backward(dgu.data(), d.data(), gu.data(), N, I);
  Dev ggu(gu), gd(d), gout(N * I), gdgu(N * 2 * I);
  cuda::swiglu_forward(gout.p, ggu.p, N, I);
  cuda::swiglu_backward(gdgu.p, gd.p, ggu.p, N, I);
  cuda::synchronize();
  expect_close(gout.host(), out, 1e-5, 1e-6, "swiglu.out");
  expect_close(gdgu.host(), dgu, 1e-5, 1e-6, "swiglu.dgu");
}

TEST(CudaOps, AdamW) {
  REQUIRE_GPU();
  const size_t n = 10007;
  auto p = randv(n, 6), g = randv(n, 7), m = randv(n, 8), v = randv(n, 9);
  for (auto& x : v) x = x * x;
  cpu::AdamWHyper h;
  h.lr = 1e-3;
  h.weight_decay = 0.1;
  Dev gp(p), gg(g), gm(m), gv(v);
  cpu::adamw_update(p.data(), g.data(), m.data(), v.data(), n, h, 3);
  cuda::adamw_update(gp.p, gg.p, gm.p, gv.p, n, h, 3);
  cuda::synchronize();
  expect_close(gp.host(), p, 1e-6, 1e-7, "adamw.p");
  expect_close(gm.host(), m, 1e-6, 1e-7, "adamw.m");
  expect_close(gv.host(), v, 1e-6, 1e-7, "adamw.v");
}
