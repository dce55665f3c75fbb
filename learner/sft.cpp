#include "learner/sft.h"

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <numeric>

#include "core/clock.h"
#include "core/error.h"
#include "core/fs.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/progress.h"
#include "core/rng.h"
#include "kernels/backend_select.h"
#include "learner/optimizer.h"
#include "learner/run_checkpoint.h"
#include "learner/sft_data.h"
#include "learner/update_step.h"
#include "model/byte_tokenizer.h"
#include "model/checkpoint.h"
#include "model/memory_estimate.h"

namespace r1 {

namespace {

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

// The example order of one epoch: a permutation drawn from (seed, epoch) alone, so that a resumed
// run finds the same order without saving it.
std::vector<uint32_t> epoch_order(size_t n, uint64_t seed, int64_t epoch) {
  std::vector<uint32_t> order(n);
  std::iota(order.begin(), order.end(), 0u);
  Rng rng = Rng(seed, hash64("sft-order")).fork(static_cast<uint64_t>(epoch));
  rng.shuffle(order);
  return order;
}

struct ModelAndTokenizer {
  std::unique_ptr<Model<float>> model;
  std::unique_ptr<Tokenizer> tokenizer;
};

ModelAndTokenizer make_model(const SftConfig& cfg) {
  ModelAndTokenizer mt;
  if (!cfg.init.empty()) {
    mt.model = load_model(cfg.init, backend_for(cfg.device, cfg.dtype, "sft config: field 'model.device'",
                                      "sft config: field 'model.dtype'"));
    mt.tokenizer = load_tokenizer(cfg.init);
  } else {
    ModelConfig mc = ModelConfig::load(cfg.model_config);
    mt.tokenizer = std::make_unique<ByteTokenizer>();
    mt.model = std::make_unique<Model<float>>(
        mc, backend_for(cfg.device, cfg.dtype, "sft config: field 'model.device'",
                                      "sft config: field 'model.dtype'"));
    mt.model->init_weights(cfg.init_seed);
  }
  const int V = mt.model->config().vocab_size, TV = mt.tokenizer->vocab_size();
  if (V < TV) {
    fail(cfg.init.empty() ? cfg.model_config : cfg.init, ": vocab_size ", V,
         " is smaller than the tokenizer's ", TV, " tokens");
  }
  return mt;
}

// Warns about fields of the saved resolved config that the resumed run changes.
void compare_resolved(const std::string& path, const json& now) {
  if (!file_exists(path)) return;
  json before = load_json_file(path);
  json diff = json::diff(before, now);
  for (const auto& d : diff) {
    const std::string p = d.value("path", "");
    if (p == "/out") continue;
    log_warn("resume: ", path, ": '", p, "' changed (", d.value("op", ""), ")",
             d.contains("value") ? cat(" to ", d["value"].dump()) : std::string(),
             "; the continuation will differ from the interrupted run");
  }
}

}  // namespace

void check_sft_memory(const SftConfig& cfg, const std::string& where) {
  const std::string path = cfg.init.empty() ? cfg.model_config : join_path(cfg.init, "config.json");
  if (!file_exists(path)) return;  // make_model says what is missing
  const ModelConfig mc = ModelConfig::load(path);
  check_memory(MemoryEstimate().add(
                   model_weights_part(mc, 4, "the model's weights, gradients and AdamW moments")),
               cat(where, " (model config ", path, ")"));
}

SftResult run_sft(const SftConfig& cfg, const SftOptions& opts) {
  SftResult res;
  res.run_dir = opts.out.empty() ? cfg.out : opts.out;
  if (res.run_dir.empty()) fail("sft: no run folder: pass --out DIR or set \"out\" in the config");
  check_not_a_model_folder(res.run_dir, opts.out.empty() ? "\"out\"" : "--out");

  // Everything that can fail on the inputs fails here, before a file is written.
  ModelAndTokenizer mt = make_model(cfg);
  Model<float>& model = *mt.model;
  const std::vector<SftExample> examples =
      tokenize_sft(sft_texts(cfg.data), cfg.chat_template, *mt.tokenizer,
                   model.config().max_position_embeddings);
  const int64_t n = static_cast<int64_t>(examples.size());
  const int64_t steps_per_epoch = (n + cfg.batch_size - 1) / cfg.batch_size;
  const int64_t total = cfg.steps > 0 ? cfg.steps : cfg.epochs * steps_per_epoch;
  const std::string fingerprint = sft_fingerprint(examples);
  res.total_steps = total;
  res.examples = n;

  AdamW opt(model.table(), cfg.optimizer, model.backend());
  int64_t start = 0;
  double elapsed_before = 0;
  const auto latest = find_latest_checkpoint(res.run_dir);
  if (opts.resume) {
    if (latest) {
      json st = load_run_checkpoint(latest->dir, model, &opt);
      if (st.value("data_fingerprint", "") != fingerprint) {
        fail(latest->dir, ": the checkpoint was trained on other data (fingerprint ",
             st.value("data_fingerprint", "?"), ", ", st.value("examples", -1),
             " examples) than this config gives (", fingerprint, ", ", n, " examples)");
      }
      start = st["step"].get<int64_t>();
      elapsed_before = st.value("elapsed_s", 0.0);
      if (st.value("total_steps", total) != total) {
        log_warn("resume: the run now has ", total, " steps instead of ",
                 st.value("total_steps", total),
                 ": the lr schedule differs from the interrupted run's");
      }
      if (start > total)
        fail(latest->dir, ": checkpoint step ", start, " is beyond the run's ", total, " steps");
      log_info("sft: resuming ", res.run_dir, " at step ", start, " of ", total, " from ",
               latest->dir);
    } else {
      log_warn("sft: --resume but no checkpoint in ", checkpoints_dir(res.run_dir),
               ": starting at step 0");
    }
  } else if (latest) {
    fail(res.run_dir, ": already holds checkpoints (newest ", latest->dir,
         "); pass --resume to continue that run, or choose another --out");
  }
  res.start_step = start;

  make_dirs(res.run_dir);
  json resolved = cfg.to_json();
  resolved["out"] = res.run_dir;
  const std::string config_path = join_path(res.run_dir, "config.json");
  if (opts.resume) compare_resolved(config_path, resolved);
  write_file_atomic(config_path, resolved.dump(2) + "\n");
  MetricsSink sink(res.run_dir, opts.resume, start);
  log_info("sft: ", n, " examples (data ", fingerprint, "), ", total, " steps of ", cfg.batch_size,
           " (", steps_per_epoch, " per epoch), model ", model.num_params(), " parameters");

  auto state = [&](int64_t step, double elapsed) {
    return json{
        {"kind", "sft"},        {"data_fingerprint", fingerprint},      {"examples", n},
        {"total_steps", total}, {"next_epoch", step / steps_per_epoch}, {"shuffle_seed", cfg.seed},
        {"elapsed_s", elapsed}};
  };

  const double t_start = steady_seconds();
  double train_seconds = 0;
  int64_t train_tokens = 0;
  std::vector<uint32_t> order;
  int64_t order_epoch = -1;
  std::unique_ptr<Progress> progress;
  if (opts.show_progress) progress = std::make_unique<Progress>("sft", total, cfg.log_every, start);
  if (progress && cfg.max_seconds > 0) progress->set_time_budget(cfg.max_seconds);
  int64_t reached = total;  // less when the time budget ends the run early
  for (int64_t step = start; step < total; ++step) {
    const double t0 = steady_seconds();
    const int64_t epoch = step / steps_per_epoch, b = step % steps_per_epoch;
    if (epoch != order_epoch) {
      order = epoch_order(static_cast<size_t>(n), cfg.seed, epoch);
      order_epoch = epoch;
    }
    PackedBatch batch;
    const int64_t first = b * cfg.batch_size, last = std::min(n, first + cfg.batch_size);
    for (int64_t i = first; i < last; ++i) batch.add(examples[order[i]].tokens);
    const int N = batch.num_tokens();
    int64_t scored = 0;
    for (int64_t i = first; i < last; ++i)
      scored += examples[order[i]].tokens.size() - examples[order[i]].prompt_len;
    double loss = 0;
    // Mean negative log-likelihood of the completion tokens. Position t predicts token t + 1:
    // the completion of a sequence starting at `begin` with P prompt tokens is predicted at
    // positions [begin + P - 1, end - 1).
    auto nll = [&](const std::vector<float>& lp, std::vector<float>& dlp) {
      double sum = 0;
      for (int s = 0; s < batch.num_seqs(); ++s) {
        const int begin = batch.cu_seqlens[s], end = batch.cu_seqlens[s + 1];
        const int P = examples[order[first + s]].prompt_len;
        for (int t = begin + P - 1; t < end - 1; ++t)
          dlp[t] = static_cast<float>(-1.0 / static_cast<double>(scored));
      }
      for (int t = 0; t < N; ++t) {
        if (dlp[t] != 0.0f) sum -= lp[t];
      }
      loss = sum / static_cast<double>(scored);
      if (!std::isfinite(loss))
        fail("sft: the loss is not finite at step ", step + 1, " (lower the lr?)");
    };
    const double lr = cfg.schedule.lr(cfg.optimizer.lr, step, total);
    const UpdateStepResult u = update_step(model, opt, batch, 1.0, lr, cfg.bias_gamma, nll);
    const double grad_norm = u.grad_norm;
    const double imbalance = u.load_imbalance;
    const double dt = steady_seconds() - t0;
    train_seconds += dt;
    train_tokens += N;
    res.losses.push_back(loss);
    const double elapsed = elapsed_before + (steady_seconds() - t_start);
    sink.log(step + 1,
             {{"loss", loss},
              {"lr", lr},
              {"grad_norm", grad_norm},
              {"epoch", static_cast<double>(step + 1) / static_cast<double>(steps_per_epoch)},
              {"tokens", N},
              {"completion_tokens", scored},
              {"tokens_per_s", N / std::max(dt, 1e-9)},
              {"load_imbalance", imbalance},
              {"elapsed_s", elapsed}});
    if (progress) {
      progress->update(step + 1, cat("loss ", fmt("%.4f", loss), " lr ", fmt("%.2e", lr), " tok/s ",
                                     fmt("%.0f", train_tokens / std::max(train_seconds, 1e-9))));
    }
    const int64_t done = step + 1;
    if (cfg.max_seconds > 0 && elapsed >= cfg.max_seconds && done < total) {
      log_info("sft: time budget of ", cfg.max_seconds, "s reached at step ", done, " of ", total);
      reached = done;
      break;
    }
    if (cfg.checkpoint_every > 0 && done % cfg.checkpoint_every == 0 && done < total) {
      save_run_checkpoint(res.run_dir, done, model, *mt.tokenizer, &opt, state(done, elapsed),
                          cfg.keep_last);
    }
  }
  if (progress) progress->finish();
  sink.flush();
  const double elapsed = elapsed_before + (steady_seconds() - t_start);
  if (start < reached || !latest || latest->step != reached) {
    save_run_checkpoint(res.run_dir, reached, model, *mt.tokenizer, &opt, state(reached, elapsed),
                        cfg.keep_last);
  }
  res.final_dir = write_final_model(res.run_dir, model, *mt.tokenizer);
  res.tokens_per_second = train_tokens / std::max(train_seconds, 1e-9);
  if (!res.losses.empty()) {
    log_info("sft: steps ", start + 1, "..", reached, ": loss ", fmt("%.4f", res.losses.front()),
             " -> ", fmt("%.4f", res.losses.back()), ", ", fmt("%.0f", res.tokens_per_second),
             " tokens/s; model in ", res.final_dir);
  }
  return res;
}

}  // namespace r1
