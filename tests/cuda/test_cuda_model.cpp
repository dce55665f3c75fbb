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
//
// The bf16 backend (GEMMs on bf16 operands, fp32 accumulation, fp32 master weights) is held to
// the CPU's fp32 results more loosely: tests/common/model_compare.h argues the bounds, and the
// CPU's bf16 emulation is shown to meet them on every machine (tests/learner/test_bf16_emulation.cpp).
#include <gtest/gtest.h>

#include <cmath>
#include <thread>

#include "kernels/cuda/backend_cuda.h"
#include "kernels/cuda/device.h"
#include "rollout/engine.h"
#include "tests/common/model_compare.h"

using namespace r1;
using namespace r1::test;

#define REQUIRE_GPU()                                                             \
  do {                                                                            \
    if (cuda::device_count() == 0) GTEST_SKIP() << "no CUDA GPU on this machine"; \
  } while (0)

// n requests with random prompts of 1 + (i * step) % span tokens, request i on stream i.
std::vector<GenerationRequest> random_requests(const ModelConfig& cfg, int n, uint64_t seed,
                                               int step, int span) {
  std::vector<GenerationRequest> reqs(n);
  for (int i = 0; i < n; ++i) {
    Rng r(seed + i);
    reqs[i].prompt.resize(1 + (i * step) % span);
    for (auto& t : reqs[i].prompt) t = static_cast<int32_t>(r.below(cfg.vocab_size));
    reqs[i].stream = static_cast<uint64_t>(i);
  }
  return reqs;
}

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

TEST(CudaModel, Bf16ForwardAndGradientsFollowTheCpu) {
  REQUIRE_GPU();
  test::check_bf16_forward_and_gradients(cuda::cuda_backend(0, cuda::Precision::bf16));
}

TEST(CudaModel, Bf16DecodeLogitsFollowTheCpu) {
  REQUIRE_GPU();
  test::check_bf16_decode_logits(cuda::cuda_backend(0, cuda::Precision::bf16));
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

// Decode steps replayed as CUDA graphs (model/decode_graphs.h, kernels/cuda/graphs.cu) run the
// kernels they recorded, on the same buffers, in the same order: the same tokens and log-probs
// bit for bit as the steps run op by op, at both precisions, with sampling.
TEST(CudaModel, DecodeGraphsGiveTheSameTokensAsOpByOp) {
  REQUIRE_GPU();
  const ModelConfig cfg = tiny_qwen3();
  std::vector<GenerationRequest> reqs = random_requests(cfg, 48, 200, 5, 30);
  for (int i = 0; i < 48; ++i) {
    reqs[i].max_new_tokens = 40 - i % 4;
    reqs[i].seed = 3;
  }
  GenerationOptions opt;
  opt.sampling.temperature = 1.0;
  opt.sampling.top_p = 0.9;
  for (auto precision : {cuda::Precision::fp32, cuda::Precision::bf16}) {
    const Backend<float>& be = cuda::cuda_backend(0, precision);
    SCOPED_TRACE(be.name);
    ASSERT_TRUE(be.graphs.available());
    auto generate = [&](bool graphs, DecodeGraphs::Stats* stats) {
      Model<float> m(cfg, be);
      m.init_weights(5);
      m.set_decode_graphs(graphs);
      GenerationEngine g(m, 16, 80);
      auto out = g.generate(reqs, opt);
      *stats = m.decode_graph_stats();
      return out;
    };
    DecodeGraphs::Stats on_stats, off_stats;
    const auto off = generate(false, &off_stats);
    const auto on = generate(true, &on_stats);
    EXPECT_EQ(on_stats.off_why, "");
    EXPECT_GT(on_stats.launched, 0);
    int differ = 0;
    for (size_t i = 0; i < reqs.size(); ++i)
      differ += on[i].tokens != off[i].tokens || on[i].logprobs != off[i].logprobs;
    EXPECT_EQ(differ, 0) << "of " << reqs.size() << " completions; graphs recorded "
                         << on_stats.recorded << ", launched " << on_stats.launched;
  }
}

// What a rollout worker does between decode steps, with graphs on and off: requests with their
// own temperatures (self-play mixes them in one batch), a training-shaped forward on the same
// model (a guide's log-probs, which grows the thread's scratch memory), a new engine with
// another cache size, then a generate call from another thread. Graphs on must give the op-by-op
// tokens and log-probs bit for bit at every stage, and the first three may neither fail a
// recording nor turn graphs off (the other thread's steps may run op by op: graphs belong to
// the thread that recorded them).
TEST(CudaModel, DecodeGraphsSurviveMixedTemperaturesAForwardANewEngineAndAnotherThread) {
  REQUIRE_GPU();
  const ModelConfig cfg = tiny_qwen3();
  std::vector<GenerationRequest> reqs = random_requests(cfg, 24, 300, 3, 20);
  for (int i = 0; i < 24; ++i) {
    reqs[i].max_new_tokens = 32;
    reqs[i].seed = 4;
    reqs[i].temperature = i % 3 == 0 ? 0.5 : i % 3 == 1 ? -1 : 0.8;  // -1: the options' 1.0
  }
  GenerationOptions opt;
  opt.sampling.temperature = 1.0;
  opt.sampling.top_k = 20;
  opt.sampling.top_p = 0.95;
  const PackedBatch guide_batch = random_batch({200, 150, 90}, cfg.vocab_size, 31);
  struct Stages {
    std::vector<GenerationResult> first, after_forward, other_thread;
    std::vector<float> logp;
    DecodeGraphs::Stats stats;
  };
  for (auto precision : {cuda::Precision::fp32, cuda::Precision::bf16}) {
    const Backend<float>& be = cuda::cuda_backend(0, precision);
    SCOPED_TRACE(be.name);
    auto run = [&](bool graphs, const std::vector<GenerationRequest>& rs) {
      Stages s;
      Model<float> m(cfg, be);
      m.init_weights(6);
      m.set_decode_graphs(graphs);
      {
        GenerationEngine g(m, 16, 80);
        s.first = g.generate(rs, opt);
      }
      s.logp.resize(static_cast<size_t>(guide_batch.num_tokens()));
      m.forward(guide_batch, s.logp.data(), 1.0);
      {
        GenerationEngine g(m, 8, 120);
        s.after_forward = g.generate(rs, opt);
      }
      s.stats = m.decode_graph_stats();
      std::thread other([&] {
        GenerationEngine g(m, 16, 80);
        s.other_thread = g.generate(rs, opt);
      });
      other.join();
      return s;
    };
    const Stages off = run(false, reqs), on = run(true, reqs);
    EXPECT_EQ(on.stats.off_why, "");
    EXPECT_EQ(on.stats.failed, 0);
    EXPECT_GT(on.stats.launched, 0);
    EXPECT_LE(rel_norm(on.logp, off.logp), 1e-6);  // no graph in a training forward
    auto differing = [](const std::vector<GenerationResult>& a,
                        const std::vector<GenerationResult>& b) {
      int n = 0;
      for (size_t i = 0; i < a.size(); ++i)
        n += a[i].tokens != b[i].tokens || a[i].logprobs != b[i].logprobs;
      return n;
    };
    EXPECT_EQ(differing(on.first, off.first), 0) << "first engine";
    EXPECT_EQ(differing(on.after_forward, off.after_forward), 0) << "after the forward, new engine";
    EXPECT_EQ(differing(on.other_thread, off.other_thread), 0) << "from another thread";
    // Each request kept its own temperature: at 1.0 throughout, the 0.5 ones sample otherwise.
    std::vector<GenerationRequest> plain = reqs;
    for (auto& r : plain) r.temperature = -1;
    const Stages warm = run(true, plain);
    int cooled_differ = 0;
    for (size_t i = 0; i < reqs.size(); i += 3)
      cooled_differ += warm.first[i].tokens != on.first[i].tokens;
    EXPECT_GT(cooled_differ, 0);
  }
}

TEST(CudaModel, FiftyTrainingStepsFollowTheCpuCurve) {
  REQUIRE_GPU();
  const auto cpu = training_curve(cpu_backend<float>());
  const auto gpu = training_curve(cuda::cuda_backend(0));
  for (int s = 0; s < 50; ++s) EXPECT_NEAR(gpu[s], cpu[s], 1e-3 * std::fabs(cpu[s])) << "step " << s;
  EXPECT_LT(cpu.back(), cpu.front()) << "the CPU run did not learn: the comparison proves little";
}

TEST(CudaModel, Bf16TrainingStepsFollowTheCpuCurve) {
  REQUIRE_GPU();
  test::check_bf16_training_curve(cuda::cuda_backend(0, cuda::Precision::bf16));
}
