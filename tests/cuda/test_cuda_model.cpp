// The whole model on the CUDA backend against the CPU backend (fp32 on both): forward log-probs
// and every parameter gradient, greedy decoding, and a 50-step training curve. Skips without a
// GPU.
//
// Tolerances: one forward and backward chains ~20 ops per block; each CUDA op agrees with the
// CPU to 1e-5..1e-4 in relative norm (tests/common/backend_op_cases.h), so whole-model log-probs
// and gradients are held to 1e-3 relative norm per tensor. Greedy decoding must give the same
// tokens: logit gaps between the best two tokens are far above 1e-4 except at rare near-ties,
// which the test reports. The training curve compares per-step losses within 1e-3 relative:
// AdamW normalises updates, so small gradient differences move parameters by ~lr * 1e-3 per
// step and the loss drifts slowly.
#include <gtest/gtest.h>

#include <cmath>

#include "kernels/cuda/backend_cuda.h"
#include "kernels/cuda/device.h"
#include "learner/optimizer.h"
#include "model/model.h"
#include "rollout/engine.h"
#include "tests/common/model_test_util.h"

using namespace r1;

namespace {

#define REQUIRE_GPU()                                                             \
  do {                                                                            \
    if (cuda::device_count() == 0) GTEST_SKIP() << "no CUDA GPU on this machine"; \
  } while (0)

double rel_norm(const std::vector<float>& a, const std::vector<float>& b, size_t off = 0, size_t n = SIZE_MAX) {
  n = std::min(n, a.size() - off);
  double num = 0, den = 0;
  for (size_t i = off; i < off + n; ++i) {
    num += (double(a[i]) - b[i]) * (double(a[i]) - b[i]);
    den += double(b[i]) * b[i];
  }
  return std::sqrt(num) / std::max(std::sqrt(den), 1e-30);
}

// A tiny dense Qwen3 (GQA with q/k-norm, no experts).
ModelConfig tiny_qwen3() {
  ModelConfig c = test::tiny_gqa_config();
  c.model_type = "qwen3";
  c.n_routed_experts = 0;
  c.num_experts_per_tok = 0;
  c.mlp_only_layers = {};
  c.validate("tiny_qwen3");
  return c;
}

struct Pass {
  std::vector<float> lp, grads;
};

Pass forward_backward(const ModelConfig& cfg, const Backend<float>& be) {
  Model<float> m(cfg, be);
  m.init_weights(17);
  PackedBatch batch = test::random_batch({7, 1, 12, 30, 5}, cfg.vocab_size, 23);
  Pass p;
  p.lp.resize(batch.num_tokens());
  std::vector<float> d(batch.num_tokens());
  for (size_t i = 0; i < d.size(); ++i) d[i] = 0.05f * static_cast<float>(i % 7) - 0.1f;
  m.zero_grad();
  m.forward(batch, p.lp.data(), 0.9);
  m.backward(d.data());
  p.grads.resize(m.num_params());
  be.mem.download(p.grads.data(), m.grads(), p.grads.size() * sizeof(float));
  return p;
}

}  // namespace

TEST(CudaModel, ForwardAndEveryGradientMatchTheCpu) {
  REQUIRE_GPU();
  for (const auto& [name, cfg] : {std::pair<std::string, ModelConfig>{"tiny-moe (MLA, MoE)", test::tiny_config()},
                                  {"tiny qwen3_moe (GQA)", test::tiny_gqa_config()},
                                  {"tiny qwen3 (dense)", tiny_qwen3()}}) {
    SCOPED_TRACE(name);
    const Pass cpu = forward_backward(cfg, cpu_backend<float>());
    const Pass gpu = forward_backward(cfg, cuda::cuda_backend(0));
    EXPECT_LE(rel_norm(gpu.lp, cpu.lp), 1e-3);
    const ParamTable table(cfg);
    for (const auto& p : table.params()) {
      EXPECT_LE(rel_norm(gpu.grads, cpu.grads, p.offset, p.numel), 1e-3) << p.name;
    }
  }
}

TEST(CudaModel, GreedyDecodingGivesTheCpuTokens) {
  REQUIRE_GPU();
  const ModelConfig cfg = test::tiny_config();
  std::vector<GenerationRequest> reqs(64);
  for (int i = 0; i < 64; ++i) {
    Rng r(100 + i);
    reqs[i].prompt.resize(1 + (i * 7) % 40);
    for (auto& t : reqs[i].prompt) t = static_cast<int32_t>(r.below(cfg.vocab_size));
    reqs[i].max_new_tokens = 24;
  }
  GenerationOptions opt;
  opt.sampling.temperature = 0;
  auto generate = [&](const Backend<float>& be) {
    Model<float> m(cfg, be);
    m.init_weights(5);
    GenerationEngine g(m, 16, 80);
    return g.generate(reqs, opt);
  };
  const auto cpu = generate(cpu_backend<float>());
  const auto gpu = generate(cuda::cuda_backend(0));
  int same = 0;
  for (int i = 0; i < 64; ++i) same += cpu[i].tokens == gpu[i].tokens;
  EXPECT_EQ(same, 64) << "prompts whose greedy tokens differ: " << 64 - same;
}

TEST(CudaModel, FiftyTrainingStepsFollowTheCpuCurve) {
  REQUIRE_GPU();
  const ModelConfig cfg = test::tiny_config();
  auto curve = [&](const Backend<float>& be) {
    Model<float> m(cfg, be);
    m.init_weights(9);
    AdamW opt(m.table(), OptimizerConfig{}, be);
    std::vector<double> losses;
    for (int step = 0; step < 50; ++step) {
      PackedBatch b = test::random_batch({16, 16, 16, 16}, 40, 1000 + step % 4);  // 4 batches, repeated
      std::vector<float> lp(b.num_tokens()), d(b.num_tokens(), -1.0f / b.num_tokens());
      m.zero_grad();
      m.forward(b, lp.data());
      double loss = 0;
      for (float x : lp) loss -= x;
      losses.push_back(loss / lp.size());
      m.backward(d.data());
      opt.step(m.params(), m.grads(), 3e-3);
      m.update_expert_bias(1e-3);
    }
    return losses;
  };
  const auto cpu = curve(cpu_backend<float>());
  const auto gpu = curve(cuda::cuda_backend(0));
  for (int s = 0; s < 50; ++s) EXPECT_NEAR(gpu[s], cpu[s], 1e-3 * std::fabs(cpu[s])) << "step " << s;
  EXPECT_LT(cpu.back(), cpu.front()) << "the CPU run did not learn: the comparison proves little";
}
