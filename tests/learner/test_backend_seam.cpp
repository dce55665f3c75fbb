// The backend seam (kernels/backend.h): the model, optimizer, KV cache and generator must get
// every buffer from their backend and touch it only through its ops and copy calls.
//
// The proof runs them on the guarded backend (tests/common/guarded_backend.h): the CPU ops on
// memory that is PROT_NONE except while one of the backend's own functions runs. Host code that
// reads or writes backend memory directly, as a GPU's memory could not be, dies with SIGSEGV
// instead of passing. The results must equal the plain CPU backend's bit for bit, since the ops
// are the same functions.
#include <gtest/gtest.h>
#include <omp.h>

#include "kernels/cpu/gemm.h"
#include "learner/optimizer.h"
#include "model/checkpoint.h"
#include "model/kv_cache.h"
#include "model/model.h"
#include "rollout/engine.h"
#include "tests/common/guarded_backend.h"
#include "tests/common/model_test_util.h"

using namespace r1;

namespace {

using test::guarded_allocations;
using test::guarded_backend;

// Bit-identical holds on one thread. On two OpenMP threads (which this OpenBLAS uses too) each
// backend repeats itself run to run, but generation's log-probs differ between them in the last
// bit (one value of one sequence here): some op splits its work by the memory it is given,
// page-aligned maps here and aligned heap blocks on the CPU backend (which op was not traced).
// ctest sets one thread already; this makes a direct run of the binary the same test.
struct OneThread {
  int omp = omp_get_max_threads();
  int blas = cpu::set_blas_threads(1);
  OneThread() { omp_set_num_threads(1); }
  ~OneThread() {
    omp_set_num_threads(omp);
    cpu::set_blas_threads(blas);
  }
};

template <typename T>
bool table_complete(const Ops<T>& o) {
  bool ok = true;
#define R1_CHECK_OP(name) \
  if (!o.name) {          \
    ADD_FAILURE() << "op " #name " is not set"; \
    ok = false;           \
  }
  R1_BACKEND_OPS(R1_CHECK_OP)
#undef R1_CHECK_OP
  return ok;
}

std::vector<float> download(const Backend<float>& be, const float* p, size_t n) {
  std::vector<float> out(n);
  be.mem.download(out.data(), p, n * sizeof(float));
  return out;
}

// One training step and the state it leaves: log-probs, entropy, gradients, updated parameters.
struct StepResult {
  std::vector<float> logprobs, entropy, grads, params, bias;
  std::vector<int32_t> routing;
};

StepResult train_step(const ModelConfig& cfg, const Backend<float>& be,
                      const std::vector<int>& lengths = {5, 9, 1, 6}) {
  Model<float> m(cfg, be);
  m.init_weights(7);
  PackedBatch batch = test::random_batch(lengths, cfg.vocab_size, 13);
  const int N = batch.num_tokens();
  std::vector<float> lp(N), ent(N), dlp(N);  // host: forward and backward copy them
  for (int i = 0; i < N; ++i) dlp[i] = 0.1f * static_cast<float>((i % 5) - 2);
  AdamW opt(m.table(), OptimizerConfig{}, be);
  StepResult r;
  for (int step = 0; step < 2; ++step) {
    m.zero_grad();
    m.forward(batch, lp.data(), step == 0 ? 1.0 : 0.7);
    m.token_entropy(ent.data());
    m.backward(dlp.data());
    r.grads = download(be, m.grads(), m.num_params());
    opt.step(m.params(), m.grads(), 1e-3);
    m.update_expert_bias(1e-3);
  }
  r.logprobs = lp;
  r.entropy = ent;
  r.params.resize(m.num_params());
  m.read_params(r.params.data(), 0, r.params.size());
  for (int l = 0; l < cfg.num_hidden_layers; ++l) {
    auto b = m.expert_bias(l);
    r.bias.insert(r.bias.end(), b.begin(), b.end());
  }
  r.routing = m.last_routing();
  return r;
}

void expect_same_bits(const StepResult& a, const StepResult& b) {
  EXPECT_EQ(a.logprobs, b.logprobs);
  EXPECT_EQ(a.entropy, b.entropy);
  EXPECT_EQ(a.grads, b.grads);
  EXPECT_EQ(a.params, b.params);
  EXPECT_EQ(a.bias, b.bias);
  EXPECT_EQ(a.routing, b.routing);
}

}  // namespace

TEST(BackendSeam, EveryOpOfTheCpuTablesIsSet) {
  EXPECT_TRUE(table_complete(cpu_backend<float>().ops));
  EXPECT_TRUE(table_complete(cpu_backend<double>().ops));
  // The X-macro names every entry: a new op added to Ops but not to R1_BACKEND_OPS would escape
  // these checks and the guarded backend.
  size_t listed = 0;
#define R1_COUNT(name) ++listed;
  R1_BACKEND_OPS(R1_COUNT)
#undef R1_COUNT
  EXPECT_EQ(listed * sizeof(void (*)()), sizeof(Ops<float>));
  EXPECT_TRUE(cpu_backend<float>().mem.host_addressable);
}

TEST(BackendSeam, GuardedMemoryReallyFaults) {
  const Backend<float>& be = guarded_backend();
  DeviceBuffer<float> b(be.mem);
  b.resize(16);
  float x = 3;
  b.upload(&x, 5, 1);
  float y = 0;
  b.download(&y, 5, 1);
  EXPECT_EQ(y, 3.0f);
  EXPECT_DEATH({ volatile float z = b.data()[5]; (void)z; }, "");
}

// Training (forward, entropy, backward, AdamW, expert-bias update) on tiny-moe (MLA, MoE with a
// shared expert and selection bias) and on a GQA config with q/k-norm.
TEST(BackendSeam, TrainingStepTouchesOnlyBackendMemoryAndMatchesTheCpu) {
  OneThread one;
  for (const ModelConfig& cfg : {test::tiny_config(), test::tiny_gqa_config()}) {
    StepResult cpu = train_step(cfg, cpu_backend<float>());
    StepResult guarded = train_step(cfg, guarded_backend());
    expect_same_bits(cpu, guarded);
  }
  EXPECT_TRUE(guarded_allocations().empty()) << guarded_allocations().size() << " backend allocations leaked";
}

// Generation (prefill and decode on the paged cache, sampling) and a checkpoint round trip.
TEST(BackendSeam, GenerationAndCheckpointsTouchOnlyBackendMemory) {
  OneThread one;
  const ModelConfig cfg = test::tiny_config();
  std::vector<GenerationRequest> reqs;
  for (int i = 0; i < 7; ++i) {
    GenerationRequest r;
    for (int t = 0; t <= i * 3; ++t) r.prompt.push_back(1 + (t * 5 + i) % (cfg.vocab_size - 1));
    r.max_new_tokens = 6 + i;
    r.seed = 3;
    r.stream = static_cast<uint64_t>(i);
    reqs.push_back(r);
  }
  GenerationOptions opt;
  opt.sampling.temperature = 0.9;
  opt.sampling.top_k = 20;
  auto run = [&](const Backend<float>& be) {
    Model<float> m(cfg, be);
    m.init_weights(21);
    GenerationEngine gen(m, 3, 48);
    return gen.generate(reqs, opt);
  };
  auto cpu = run(cpu_backend<float>());
  auto guarded = run(guarded_backend());
  ASSERT_EQ(cpu.size(), guarded.size());
  for (size_t i = 0; i < cpu.size(); ++i) {
    EXPECT_EQ(cpu[i].tokens, guarded[i].tokens) << i;
    EXPECT_EQ(cpu[i].logprobs, guarded[i].logprobs) << i;
  }
  // Save from a guarded model, load into another one: the same parameters come back.
  const std::string dir = ::testing::TempDir() + "/backend_seam_ckpt";
  Model<float> a(cfg, guarded_backend());
  a.init_weights(5);
  int moe_layer = 0;
  while (a.expert_bias(moe_layer).empty()) ++moe_layer;
  a.set_expert_bias(moe_layer, std::vector<float>(cfg.n_routed_experts, 0.25f));
  save_model(dir, a);
  Model<float> b(cfg, guarded_backend());
  load_weights(WeightSource(dir), b);
  std::vector<float> pa(a.num_params()), pb(b.num_params());
  a.read_params(pa.data(), 0, pa.size());
  b.read_params(pb.data(), 0, pb.size());
  EXPECT_EQ(pa, pb);
  EXPECT_EQ(a.expert_bias(moe_layer), b.expert_bias(moe_layer));
  Model<float> c(cfg, guarded_backend());
  c.copy_weights_from(a);
  std::vector<float> pc(c.num_params());
  c.read_params(pc.data(), 0, pc.size());
  EXPECT_EQ(pa, pc);
}

// A training step gives the same bits at any thread count: every sum the CPU ops split across
// OpenMP threads is added in a fixed order (tests/kernels/test_thread_count.cpp has the ops that
// did not). BLAS keeps one thread here: whether OpenBLAS's kernels do the same is its business.
TEST(BackendSeam, TrainingStepIsTheSameAtAnyThreadCount) {
  const int omp = omp_get_max_threads(), blas = cpu::set_blas_threads(1);
  for (const ModelConfig& cfg : {test::tiny_config(), test::tiny_gqa_config()}) {
    omp_set_num_threads(1);
    const StepResult one = train_step(cfg, cpu_backend<float>(), {70, 90, 3, 66});
    omp_set_num_threads(3);
    const StepResult three = train_step(cfg, cpu_backend<float>(), {70, 90, 3, 66});
    expect_same_bits(one, three);
  }
  omp_set_num_threads(omp);
  cpu::set_blas_threads(blas);
}
