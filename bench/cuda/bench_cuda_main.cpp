// GPU benchmarks of the CUDA backend (scripts/gpu_check.sh runs them): one training step
// (forward, backward, AdamW) and batched decode of a model config on the GPU, at fp32 or bf16
// (--dtype), with two references measured in the same run: an SGEMM (cuBLAS, fp32, no TF32) and
// one large bf16 product through cuBLASLt (bf16 operands, fp32 accumulation and output). Prints
// one JSON object per config.
//
//   bench_cuda [--config FILE] [--dtype fp32|bf16] [--batch B] [--seq T] [--steps N]
//              [--decode-batch B] [--prompt P] [--new-tokens N] [--gemm N]
//
// Figures: tokens/s; the achieved FLOP rate (attention included) over the SGEMM rate; and MFU,
// 6 * active parameters * tokens/s over the bf16 GEMM rate (the definition: attention
// not counted, so MFU understates long sequences a little).
//
// R1_CUDA_PROFILE=1 adds each op's share of the training step and of decode ("profile"), with
// every op synchronised (kernels/cuda/op_profile.h).
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "bench/bench_util.h"
#include "bench/model_flops.h"
#include "core/json.h"
#include "core/rng.h"
#include "kernels/cuda/backend_cuda.h"
#include "kernels/cuda/device.h"
#include "kernels/cuda/gemm_bf16.h"
#include "kernels/cuda/op_profile.h"
#include "kernels/cuda/ops.h"
#include "learner/optimizer.h"
#include "model/kv_cache.h"
#include "model/model.h"

using namespace r1;

namespace {

const double t_start = steady_seconds();
// Progress on stderr, so that a run cut short by a timeout says where it was.
void progress(const std::string& path, const char* what) {
  std::fprintf(stderr, "[bench_cuda %.1fs] %s: %s\n", steady_seconds() - t_start, path.c_str(), what);
}

// R1_CUDA_PROFILE=1: the ops' share of the time since the last profile_reset (op_profile.h),
// longest first.
json profile_json(double wall_seconds) {
  json rows = json::array();
  for (const auto& r : cuda::profile_rows())
    rows.push_back({{"op", r.op}, {"calls", r.calls}, {"seconds", r.seconds}, {"share", r.seconds / wall_seconds}});
  return rows;
}

// GFLOP/s of reps n x n x n products by `product` (one warm-up call first, which also plans).
template <typename Product>
double gemm_gflops(int n, int reps, Product product) {
  product();
  cuda::synchronize();
  const double t0 = steady_seconds();
  for (int r = 0; r < reps; ++r) product();
  cuda::synchronize();
  return 2.0 * n * n * double(n) * reps / (steady_seconds() - t0) / 1e9;
}

// cuBLAS SGEMM (fp32, no TF32): the fp32 backend's gemm op.
double time_gemm(const Backend<float>& be, int n) {
  DeviceBuffer<float> a(be.mem), b(be.mem), c(be.mem);
  a.resize(static_cast<size_t>(n) * n);
  b.resize(static_cast<size_t>(n) * n);
  c.resize(static_cast<size_t>(n) * n);
  return gemm_gflops(n, 10, [&] {
    be.ops.gemm(false, false, n, n, n, 1.f, a.data(), n, b.data(), n, 0.f, c.data(), n);
  });
}

// One product in bf16 through cuBLASLt (the MFU reference), operands already bf16.
double time_bf16_gemm(const Backend<float>& be, int n) {
  const size_t nn = static_cast<size_t>(n) * n;
  DeviceBuffer<float> a(be.mem), b(be.mem), c(be.mem);  // a and b hold bf16 values in their first half
  a.resize(nn / 2 + 1);
  b.resize(nn / 2 + 1);
  c.resize(nn);
  auto* ab = reinterpret_cast<const cuda::bf16_bits*>(a.data());
  auto* bb = reinterpret_cast<const cuda::bf16_bits*>(b.data());
  return gemm_gflops(n, 20, [&] { cuda::matmul_bf16(false, false, n, n, n, 1.f, ab, n, bb, n, 0.f, c.data(), n); });
}

struct Flags {
  std::string dtype = "bf16";  // CUDA's default, as in r1 (kernels/backend_select.h)
  std::vector<std::string> configs;
  int batch = 16, seq = 2048, steps = 3, decode_batch = 256, prompt = 128, new_tokens = 64,
      gemm = 8192;
};

Flags parse(int argc, char** argv) {
  Flags f;
  for (int i = 1; i < argc; ++i) {
    const std::string k = argv[i];
    if (i + 1 >= argc) fail("bench_cuda: ", k, " needs a value");
    const std::string v = argv[++i];
    auto num = [&] {
      char* end = nullptr;
      const long x = std::strtol(v.c_str(), &end, 10);
      if (!end || *end || x <= 0 || x > 1 << 20)
        fail("bench_cuda: ", k, " needs a positive integer, got '", v, "'");
      return static_cast<int>(x);
    };
    if (k == "--config")
      f.configs.push_back(v);
    else if (k == "--dtype") {
      if (v != "fp32" && v != "bf16") fail("bench_cuda: --dtype must be fp32 or bf16, got '", v, "'");
      f.dtype = v;
    }
    else if (k == "--batch")
      f.batch = num();
    else if (k == "--seq")
      f.seq = num();
    else if (k == "--steps")
      f.steps = num();
    else if (k == "--decode-batch")
      f.decode_batch = num();
    else if (k == "--prompt")
      f.prompt = num();
    else if (k == "--new-tokens")
      f.new_tokens = num();
    else if (k == "--gemm")
      f.gemm = num();
    else
      fail("bench_cuda: unknown flag ", k);
  }
  if (f.configs.empty()) f.configs.push_back("configs/models/small-moe.json");
  return f;
}

json bench_config(const Backend<float>& be, const std::string& path, const Flags& f,
                  double gemm_gflops, double bf16_gflops) {
  const ModelConfig cfg = ModelConfig::load(path);
  progress(path, "allocating");
  Model<float> model(cfg, be);
  progress(path, "initialising weights");
  model.init_weights(1);
  progress(path, "first training step (warm-up)");
  Rng rng(7);
  PackedBatch batch;
  const int T = std::min(f.seq, cfg.max_position_embeddings);
  for (int b = 0; b < f.batch; ++b) {
    std::vector<int32_t> s(T);
    for (auto& t : s) t = static_cast<int32_t>(rng.below(cfg.vocab_size));
    batch.add(s);
  }
  const int N = batch.num_tokens();
  std::vector<float> lp(N), dlp(N, -1.0f / N);
  AdamW opt(model.table(), OptimizerConfig{}, be);
  auto step = [&] {
    model.zero_grad();
    model.forward(batch, lp.data());
    model.backward(dlp.data());
    opt.step(model.params(), model.grads(), 1e-5);
  };
  step();  // warm up: plans memory
  cuda::synchronize();
  progress(path, "timed training steps");
  cuda::profile_reset();
  double t0 = steady_seconds();
  for (int s = 0; s < f.steps; ++s) step();
  cuda::synchronize();
  const double step_s = (steady_seconds() - t0) / f.steps;
  const json train_profile = cuda::profiling() ? profile_json(step_s * f.steps) : json();
  progress(path, "prefill");
  const double gflops = 3.0 * forward_flops_per_seq(cfg, T) * f.batch / step_s / 1e9;
  const double active = static_cast<double>(active_params(cfg, model.num_params()));
  const double mfu = 6.0 * active * (N / step_s) / (bf16_gflops * 1e9);

  // Decode: prefill the prompts (untimed), then time single-token steps of the whole batch, on
  // weights packed once, as GenerationEngine::generate decodes. Where the backend has graphs
  // (R1_CUDA_GRAPHS=1), the same steps again with each replayed as a recorded graph
  // (model/decode_graphs.h), and whether the two runs wrote the same logits.
  const Model<float>::DecodeWeights packed(model);
  const int B = f.decode_batch,
            P = std::min(f.prompt, cfg.max_position_embeddings - f.new_tokens - 1);
  struct Decoded {
    double seconds = 0;
    std::vector<float> last_logits;  // the last step's logits of the first row
    DecodeGraphs::Stats graphs;
  };
  auto decode = [&](bool graphs) {
    model.set_decode_graphs(graphs);
    Rng prompt_rng(17);  // the same prompts in both runs
    KVCache<float> cache(cfg, B, P + f.new_tokens + 1, be);
    std::vector<std::vector<int32_t>> prompts(B, std::vector<int32_t>(P));
    std::vector<Model<float>::CachedSeq> entries;
    for (int b = 0; b < B; ++b) {
      for (auto& t : prompts[b]) t = static_cast<int32_t>(prompt_rng.below(cfg.vocab_size));
      entries.push_back({cache.acquire(), prompts[b].data(), P});
    }
    DeviceBuffer<float> logits(be.mem);
    logits.resize(static_cast<size_t>(B) * cfg.vocab_size);
    model.forward_cached(cache, entries, logits.data());
    std::vector<int32_t> next(B, 1);
    for (int b = 0; b < B; ++b) entries[b] = {b, &next[b], 1};
    cuda::synchronize();
    progress(path, graphs ? "timed decode steps (graphs)" : "timed decode steps");
    cuda::profile_reset();
    const DecodeGraphs::Stats before = model.decode_graph_stats();
    const double t = steady_seconds();
    for (int s = 0; s < f.new_tokens; ++s) {
      model.forward_cached(cache, entries, logits.data());
      for (int b = 0; b < B; ++b)
        next[b] = static_cast<int32_t>((next[b] * 31 + s) % cfg.vocab_size);
    }
    cuda::synchronize();
    Decoded d;
    d.seconds = steady_seconds() - t;
    d.last_logits.resize(cfg.vocab_size);
    logits.download(d.last_logits.data(), 0, d.last_logits.size());
    d.graphs = model.decode_graph_stats();
    d.graphs.recorded -= before.recorded;
    d.graphs.launched -= before.launched;
    d.graphs.op_by_op -= before.op_by_op;
    return d;
  };
  const Decoded plain = decode(false);
  const double decode_s = plain.seconds;
  const double decode_tps = double(B) * f.new_tokens / decode_s;
  json decode_json = {
      {"batch", B}, {"prompt", P}, {"new_tokens", f.new_tokens}, {"tokens_per_second", decode_tps}};
  if (be.graphs.available()) {
    const Decoded g = decode(true);
    decode_json["graphs"] = {{"tokens_per_second", double(B) * f.new_tokens / g.seconds},
                             {"speedup", decode_s / g.seconds},
                             {"recorded", g.graphs.recorded},
                             {"launched", g.graphs.launched},
                             {"op_by_op", g.graphs.op_by_op},
                             {"failed", g.graphs.failed},
                             {"timed",
                              "every step: the first of the batch size runs op by op, the "
                              "second is recorded, the rest launch"},
                             {"off_why", g.graphs.off_why},
                             {"same_last_logits", g.last_logits == plain.last_logits}};
  } else {
    decode_json["graphs"] = {{"off_why", model.decode_graph_stats().off_why}};
  }
  json out = {{"config", path},
              {"dtype", f.dtype},
              {"params", model.num_params()},
              {"active_params", active},
              {"train",
               {{"batch", f.batch},
                {"seq", T},
                {"step_seconds", step_s},
                {"tokens_per_second", N / step_s},
                {"achieved_gflops", gflops},
                {"mfu", mfu}}},
              {"decode", decode_json},
              {"reference",
               {{"what", "cuBLAS SGEMM (fp32, no TF32), same run"},
                {"size", f.gemm},
                {"gflops", gemm_gflops}}},
              {"reference_bf16",
               {{"what", "cuBLASLt bf16 x bf16 -> fp32 (fp32 accumulation), same run"},
                {"size", f.gemm},
                {"gflops", bf16_gflops}}},
              {"ratio_train_gflops_to_sgemm", gflops / gemm_gflops}};
  if (cuda::profiling()) {  // every op synchronised: the figures above are slower than a plain run's
    out["profiled"] = true;
    out["profile"] = {{"train", train_profile}, {"decode", profile_json(decode_s)}};
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const Flags f = parse(argc, argv);
    if (cuda::device_count() == 0) {
      std::fprintf(stderr, "bench_cuda: no CUDA GPU on this machine\n");
      return 2;
    }
    const Backend<float>& be =
        cuda::cuda_backend(0, f.dtype == "bf16" ? cuda::Precision::bf16 : cuda::Precision::fp32);
    const double gemm = time_gemm(cuda::cuda_backend(0), f.gemm);
    const double bf16 = time_bf16_gemm(be, f.gemm);
    for (const auto& c : f.configs)
      std::printf("%s\n", bench_config(be, c, f, gemm, bf16).dump().c_str());
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_cuda: %s\n", e.what());
    return 1;
  }
}
