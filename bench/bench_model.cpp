// r1 bench model: training and decode speed of a model config on this machine, against the
// OpenBLAS sgemm figure measured in the same process.
//
// FLOPs are model FLOPs: the matrix products of the forward pass (attention counted over each
// position's causal context), times 3 for a training step (backward = 2x forward). Work the
// implementation repeats (attention recomputation in backward) and AdamW are not counted.
#include <omp.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "bench/bench.h"
#include "bench/bench_util.h"
#include "bench/model_flops.h"
#include "core/args.h"
#include "core/json.h"
#include "core/rng.h"
#include "kernels/backend_select.h"
#include "kernels/cpu/blas_env.h"
#include "learner/optimizer.h"
#include "model/memory_estimate.h"
#include "model/model.h"

namespace r1 {

int bench_model(int argc, char** argv) {
  Args args("bench model",
            "Training-step and decode speed of a model config, with the same-run sgemm reference.");
  args.required("model-config", "FILE", "model architecture (e.g. configs/models/small-moe.json)")
      .opt("batch", "B", "sequences per training step", "16")
      .opt("seq", "T", "tokens per training sequence", "256")
      .opt("steps", "N", "timed training steps (0: decode only)", "5")
      .opt("decode-steps", "N", "timed decode steps per batch size", "32")
      .opt("decode-batches", "LIST", "comma-separated batch sizes whose decode speed is timed",
           "1,16,64,128")
      .opt("prompt", "P", "prompt tokens prefilled before decode is timed", "64")
      .opt("gemm-size", "N", "size of the square sgemm reference", "2048")
      .opt("device", "NAME",
           "where the model runs: cpu, cuda or cuda:N (a GPU; needs a build with CUDA)", "cpu")
      .opt("dtype", "TYPE", "fp32, or bf16: GEMMs and attention on tensor cores (CUDA only); default bf16 on CUDA, fp32 on the CPU",
           "");
  if (!args.parse(argc, argv)) return 0;
  ModelConfig cfg = ModelConfig::load(args.str("model-config"));
  const int B = static_cast<int>(args.integer("batch")), T = static_cast<int>(args.integer("seq"));
  const int steps = static_cast<int>(args.integer("steps")),
            dsteps = static_cast<int>(args.integer("decode-steps"));
  const int P = static_cast<int>(args.integer("prompt"));
  if (B <= 0 || T <= 1 || steps < 0 || dsteps <= 0 || P <= 0)
    fail("batch, seq, decode-steps and prompt must be positive, and steps not negative");
  std::vector<int> decode_batches;
  for (const std::string& item : args.list("decode-batches")) {
    char* stop = nullptr;
    const long b = std::strtol(item.c_str(), &stop, 10);
    if (item.empty() || *stop != '\0' || b <= 0 || b > 4096)
      fail("--decode-batches: '", item, "' is not a batch size in [1, 4096] (e.g. 1,16,64,128)");
    decode_batches.push_back(static_cast<int>(b));
  }
  if (T > cfg.max_position_embeddings || P + dsteps > cfg.max_position_embeddings) {
    fail("seq (or prompt + decode-steps) exceeds max_position_embeddings=",
         cfg.max_position_embeddings);
  }

  const Backend<float>& backend = backend_for(args.str("device"), args.str("dtype"), "--device", "--dtype");
  if (backend.mem
          .host_addressable) {  // the model and its training state live in this machine's memory
    check_memory(
        MemoryEstimate()
            .add(model_weights_part(cfg, 4, "the model's weights, gradients and AdamW moments"))
            .add({"the training activations of --batch x --seq tokens",
                  train_activation_bytes(cfg, double(B) * T),
                  {{"--batch", double(B), 64}, {"--seq", double(T), 4096}}}),
        "r1 bench model (" + args.str("model-config") + ")");
  }
  const double sgemm = bench::sgemm_gflops(args.count("gemm-size"));

  Model<float> model(cfg, backend);
  model.init_weights(1);
  Rng rng(2);
  PackedBatch batch;
  for (int b = 0; b < B; ++b) {
    std::vector<int32_t> s(T);
    for (auto& t : s) t = static_cast<int32_t>(rng.below(cfg.vocab_size));
    batch.add(s);
  }
  const int N = batch.num_tokens();
  std::vector<float> lp(N), dlp(N, -1.0f / N);
  AdamW opt(model.table(), OptimizerConfig{}, model.backend());
  auto train_step = [&] {
    model.zero_grad();
    model.forward(batch, lp.data());
    model.backward(dlp.data());
    opt.step(model.params(), model.grads(), 1e-4);
  };
  double train_s = 0, train_gflops = 0;
  if (steps > 0) {
    train_step();  // warm up: plans memory, faults pages in
    const double t0 = steady_seconds();
    for (int s = 0; s < steps; ++s) train_step();
    train_s = (steady_seconds() - t0) / steps;
    train_gflops = 3.0 * forward_flops_per_seq(cfg, T) * B / train_s / 1e9;
  }

  const size_t active = active_params(cfg, model.num_params());

  // Decode: prefill P tokens per sequence (untimed), then time single-token steps of the whole
  // batch. The FLOP rate is 2 * active parameters * tokens/s (attention over the cache not
  // counted), so the fraction of sgemm says how close decode runs to the machine's GEMM speed.
  auto decode_tps = [&](int batch_size) {
    const Model<float>::DecodeWeights packed(model);  // as GenerationEngine::generate decodes
    KVCache<float> cache(cfg, batch_size, P + dsteps + 1, model.backend());
    std::vector<std::vector<int32_t>> prompts(batch_size, std::vector<int32_t>(P));
    std::vector<Model<float>::CachedSeq> entries;
    for (int b = 0; b < batch_size; ++b) {
      for (auto& t : prompts[b]) t = static_cast<int32_t>(rng.below(cfg.vocab_size));
      entries.push_back({cache.acquire(), prompts[b].data(), P});
    }
    DeviceBuffer<float> logits(model.backend().mem);
    logits.resize(static_cast<size_t>(batch_size) * cfg.vocab_size);
    model.forward_cached(cache, entries, logits.data());
    std::vector<int32_t> next(batch_size, 1);
    for (int b = 0; b < batch_size; ++b) entries[b] = {b, &next[b], 1};
    const double d0 = steady_seconds();
    for (int s = 0; s < dsteps; ++s) {
      model.forward_cached(cache, entries, logits.data());
      for (int b = 0; b < batch_size; ++b)
        next[b] = static_cast<int32_t>((next[b] * 31 + s) % cfg.vocab_size);
    }
    return batch_size * dsteps / (steady_seconds() - d0);
  };
  ordered_json decode = {{"prompt_tokens", P}, {"steps", dsteps}};
  ordered_json rows = ordered_json::array();
  double first_tps = 0;
  for (int b : decode_batches) {
    const double tps = decode_tps(b);
    if (rows.empty()) first_tps = tps;
    const double gflops = 2.0 * static_cast<double>(active) * tps / 1e9;
    rows.push_back({{"batch", b},
                    {"tokens_per_second", tps},
                    {"gflops", gflops},
                    {"fraction_of_sgemm", gflops / sgemm},
                    {"speedup_over_first_batch", tps / first_tps}});
  }
  decode["batches"] = rows;
  // Whether decode steps replayed as recorded graphs (model/decode_graphs.h; CUDA with
  // R1_CUDA_GRAPHS=1), and if not, why.
  const DecodeGraphs::Stats graphs = model.decode_graph_stats();
  decode["graphs"] = {
      {"launched", graphs.launched}, {"recorded", graphs.recorded}, {"off_why", graphs.off_why}};

  ordered_json out = {{"bench", "model"},
                      {"model_config", args.str("model-config")},
                      {"params", model.num_params()},
                      {"active_params_per_token", active},
                      {"backend", backend.name},  // cpu, cuda (fp32) or cuda-bf16
                      {"threads", omp_get_max_threads()}};
  if (steps > 0) {
    out["train"] = {{"batch", B},
                    {"seq", T},
                    {"tokens_per_step", N},
                    {"step_seconds", train_s},
                    {"tokens_per_second", N / train_s},
                    {"achieved_gflops", train_gflops}};
  }
  out["decode"] = decode;
  out["reference"] = {{"what", "OpenBLAS sgemm, square"},
                      {"blas_kernels", cpu::blas_core_name()},
                      {"n", args.integer("gemm-size")},
                      {"gflops", sgemm}};
  if (steps > 0) out["ratio_train_gflops_to_sgemm"] = train_gflops / sgemm;
  out["peak_rss_mib"] = bench::peak_rss_mib();
  out["flop_convention"] =
      "train: model FLOPs, 3 x forward matmuls (causal attention counted), AdamW excluded; "
      "decode: 2 x active parameters per token";
  std::printf("%s\n", out.dump(2).c_str());
  return 0;
}

}  // namespace r1
