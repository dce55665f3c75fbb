// Decode steps as recorded graphs (model/decode_graphs.h) on the CPU backend with graphs
// (kernels/backend.h, cpu_backend_with_graphs), whose recordings keep each op's arguments as a
// CUDA graph keeps a kernel's. Generation must give the same tokens and log-probs, bit for bit,
// with the graphs on as with them off: a step that passed an address, a shape or a host value
// its recording did not hold would not. The CUDA graphs themselves are checked against their
// op-by-op run on a GPU (tests/cuda/test_cuda_model.cpp).
#include <gtest/gtest.h>

#include "model/model.h"
#include "rollout/engine.h"
#include "tests/common/model_compare.h"

using namespace r1;

namespace {

std::vector<GenerationRequest> requests(int n, int vocab, int max_new) {
  std::vector<GenerationRequest> reqs(n);
  for (int i = 0; i < n; ++i) {
    Rng r(300 + i);
    reqs[i].prompt.resize(1 + (i * 5) % 23);
    for (auto& t : reqs[i].prompt) t = static_cast<int32_t>(r.below(vocab));
    reqs[i].max_new_tokens = max_new - (i % 3);
    reqs[i].seed = 11;
    reqs[i].stream = static_cast<uint64_t>(i);
  }
  return reqs;
}

struct Generated {
  std::vector<GenerationResult> out;
  DecodeGraphs::Stats stats;
};

Generated generate(const ModelConfig& cfg, bool graphs, int slots, int calls = 2) {
  Model<float> m(cfg, cpu_backend_with_graphs());
  m.init_weights(5);
  m.set_decode_graphs(graphs);
  GenerationEngine g(m, slots, 96);
  GenerationOptions opt;
  opt.sampling.temperature = 1.0;
  opt.sampling.top_p = 0.9;
  Generated r;
  for (int c = 0; c < calls; ++c) {  // a second call reuses the engine's cache and buffers
    auto out = g.generate(requests(24, cfg.vocab_size, 40 + 7 * c), opt);
    r.out.insert(r.out.end(), out.begin(), out.end());
  }
  r.stats = m.decode_graph_stats();
  return r;
}

void expect_same(const Generated& a, const Generated& b) {
  ASSERT_EQ(a.out.size(), b.out.size());
  int differ = 0;
  for (size_t i = 0; i < a.out.size(); ++i)
    differ += a.out[i].tokens != b.out[i].tokens || a.out[i].logprobs != b.out[i].logprobs;
  EXPECT_EQ(differ, 0) << "completions that differ between graphs and op by op";
}

}  // namespace

TEST(DecodeGraphs, ADenseModelDecodesTheSameWithGraphsAsOpByOp) {
  const ModelConfig cfg = test::tiny_qwen3();
  for (int slots : {4, 16}) {
    SCOPED_TRACE(slots);
    const Generated off = generate(cfg, false, slots);
    const Generated on = generate(cfg, true, slots);
    expect_same(on, off);
    EXPECT_EQ(on.stats.off_why, "");
    EXPECT_GT(on.stats.recorded, 0);
    // Most decode steps replay a graph (the batch stays full while requests wait).
    EXPECT_GT(on.stats.launched, on.stats.recorded * 4);
    EXPECT_EQ(off.stats.launched, 0);
    EXPECT_EQ(off.stats.off_why, "turned off (set_decode_graphs)");
  }
}

TEST(DecodeGraphs, MoeModelsDecodeOpByOpAndSayWhy) {
  const ModelConfig cfg = test::tiny_gqa_config();  // qwen3_moe: routed experts
  const Generated on = generate(cfg, true, 8, 1);
  const Generated off = generate(cfg, false, 8, 1);
  expect_same(on, off);
  EXPECT_EQ(on.stats.launched, 0);
  EXPECT_NE(on.stats.off_why.find("MoE"), std::string::npos) << on.stats.off_why;
}

TEST(DecodeGraphs, AStepThatCannotBeRecordedTurnsTheGraphsOffAndStillRuns) {
  const Backend<float>& be = cpu_backend_with_graphs();
  float* x = static_cast<float*>(be.mem.alloc(sizeof(float)));
  float one = 1.f;
  DecodeGraphs graphs;
  graphs.use(be.graphs);
  DecodeGraphs::Where where;
  where.logits = x;
  int runs = 0;
  auto step = [&] {  // an upload inside the step: a graph cannot hold it
    be.mem.upload(x, &one, sizeof(float));
    be.ops.scale_inplace(x, 1, 3.f);
    ++runs;
  };
  // Op by op, a failed recording (then op by op), again op by op: three failures turn it off.
  for (int i = 0; i < 10; ++i) {
    graphs.run(8, where, step);
    float v = 0;
    be.mem.download(&v, x, sizeof(float));
    EXPECT_EQ(v, 3.f) << "step " << i;
  }
  EXPECT_EQ(graphs.stats().recorded, 0);
  EXPECT_EQ(graphs.stats().failed, DecodeGraphs::kMaxFailures);
  EXPECT_EQ(graphs.stats().op_by_op, 10);
  EXPECT_EQ(runs, 10 + DecodeGraphs::kMaxFailures);  // a recording runs the step's host code too
  EXPECT_NE(graphs.stats().off_why.find("upload cannot be recorded"), std::string::npos)
      << graphs.stats().off_why;
  be.mem.free(x);
}

TEST(DecodeGraphs, AStepIsRecordedAgainWhereItsBuffersMove) {
  const Backend<float>& be = cpu_backend_with_graphs();
  float* a = static_cast<float*>(be.mem.alloc(sizeof(float)));
  float* b = static_cast<float*>(be.mem.alloc(sizeof(float)));
  float* target = a;
  auto step = [&] { be.ops.scale_inplace(target, 1, 2.f); };
  DecodeGraphs graphs;
  graphs.use(be.graphs);
  DecodeGraphs::Where where;
  where.logits = a;
  const float one = 1.f;
  be.mem.upload(a, &one, sizeof(float));
  be.mem.upload(b, &one, sizeof(float));
  for (int i = 0; i < 3; ++i) graphs.run(2, where, step);  // op by op, recorded, launched
  EXPECT_EQ(graphs.stats().recorded, 1);
  EXPECT_EQ(graphs.stats().launched, 2);
  target = b;
  where.logits = b;  // the step's buffer moved, and Where says so
  for (int i = 0; i < 3; ++i) graphs.run(2, where, step);
  float va = 0, vb = 0;
  be.mem.download(&va, a, sizeof(float));
  be.mem.download(&vb, b, sizeof(float));
  EXPECT_EQ(va, 8.f);
  EXPECT_EQ(vb, 8.f);
  EXPECT_EQ(graphs.stats().recorded, 2);
  be.mem.free(a);
  be.mem.free(b);
}

namespace {

// The CPU graphs, but a launch can be told to find its graph stale once (as a CUDA launch does
// after the thread's scratch was given back).
bool stale_once = false;
bool launch_unless_stale(void* g) {
  if (stale_once) {
    stale_once = false;
    return false;
  }
  return cpu_backend_with_graphs().graphs.launch(g);
}

}  // namespace

TEST(DecodeGraphs, AStaleGraphRunsOpByOpOnceAndIsRecordedAgain) {
  const Backend<float>& be = cpu_backend_with_graphs();
  Graphs graphs = be.graphs;
  graphs.launch = launch_unless_stale;
  float* x = static_cast<float*>(be.mem.alloc(sizeof(float)));
  const float one = 1.f;
  be.mem.upload(x, &one, sizeof(float));
  DecodeGraphs g;
  g.use(graphs);
  DecodeGraphs::Where where;
  auto step = [&] { be.ops.scale_inplace(x, 1, 2.f); };
  auto value = [&] {
    float v = 0;
    be.mem.download(&v, x, sizeof(float));
    return v;
  };
  for (int i = 0; i < 3; ++i) g.run(4, where, step);  // op by op, recorded, launched
  EXPECT_EQ(value(), 8.f);
  stale_once = true;
  g.run(4, where, step);  // stale: op by op (which sizes what recording cannot allocate)
  EXPECT_EQ(value(), 16.f);
  EXPECT_EQ(g.stats().op_by_op, 2);
  EXPECT_EQ(g.stats().recorded, 1);
  g.run(4, where, step);  // recorded again
  g.run(4, where, step);
  EXPECT_EQ(value(), 64.f);
  EXPECT_EQ(g.stats().recorded, 2);
  EXPECT_EQ(g.stats().launched, 4);
  EXPECT_EQ(g.stats().off_why, "");
  be.mem.free(x);
}

TEST(DecodeGraphs, AnErrorWhileRecordingEndsTheRecordingAndTheStepRunsOpByOp) {
  const Backend<float>& be = cpu_backend_with_graphs();
  float* x = static_cast<float*>(be.mem.alloc(sizeof(float)));
  const float one = 1.f;
  be.mem.upload(x, &one, sizeof(float));
  DecodeGraphs g;
  g.use(be.graphs);
  DecodeGraphs::Where where;
  int calls = 0;
  auto step = [&] {
    be.ops.scale_inplace(x, 1, 2.f);
    if (++calls == 2) fail("a bad step");  // the second call is the recording
  };
  g.run(4, where, step);
  g.run(4, where, step);
  EXPECT_EQ(calls, 3);  // op by op, the failed recording, op by op again
  EXPECT_NE(g.stats().off_why.find("a bad step"), std::string::npos) << g.stats().off_why;
  be.ops.scale_inplace(x, 1, 2.f);  // the thread records no longer: this runs
  float v = 0;
  be.mem.download(&v, x, sizeof(float));
  EXPECT_EQ(v, 8.f);
  be.mem.free(x);
}
