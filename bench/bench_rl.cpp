// r1 bench rl: where the time of an RL step goes, measured on a short embedded run of a config.
// The reference is the same model's plain generation speed with the same sampling settings,
// measured in the same process: the ratio shows what the loop around generation costs.
#include <omp.h>

#include <chrono>
#include <cstdio>
#include <filesystem>

#include "core/args.h"
#include "run/roles.h"
#include "core/log.h"
#include "rollout/engine.h"
#include "tasks/task_source.h"

namespace r1 {

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Plain generation of one step's tasks (batch_groups, a first wave without over-sampling) in
// one call, as a rollout worker samples a wave.
double reference_generation_tps(const RunConfig& cfg) {
  auto model = cfg.initial_model();
  auto tok = cfg.tokenizer();
  TaskSource source(cfg.tasks);
  const int tasks = std::max(1, cfg.learner.batch_groups);
  std::vector<GenerationRequest> reqs;
  for (int t = 0; t < tasks; ++t) {
    auto prompt = tok->encode(cfg.chat.render(source.next().prompt));
    for (int i = 0; i < cfg.rollout.group_size; ++i) {
      reqs.push_back({prompt, cfg.rollout.max_new_tokens, 7, static_cast<uint64_t>(t * 1000 + i)});
    }
  }
  GenerationOptions opt(cfg.rollout.sampling, cfg.rollout.stop, *tok);
  opt.stop_at_end_of_turn(cfg.chat);
  opt.prefill_chunk = cfg.rollout.prefill_chunk;  // as the rollout workers run
  GenerationEngine gen(*model, cfg.rollout.slots, std::min(model->config().max_position_embeddings, 4096));
  gen.generate(reqs, opt);  // warm up
  auto t0 = std::chrono::steady_clock::now();
  long tokens = 0;
  for (int rep = 0; rep < 3; ++rep) {
    for (auto& r : gen.generate(reqs, opt)) tokens += static_cast<long>(r.tokens.size());
  }
  return tokens / seconds_since(t0);
}

}  // namespace

int bench_rl(int argc, char** argv) {
  Args args("bench rl",
            "Speed of an RL run's parts: rollout and learner tokens/s, and the share of step time "
            "each role takes.");
  args.required("config", "FILE", "run config (e.g. configs/ci-tiny.json)")
      .opt("steps", "N", "steps to run (the first is a warm-up and not counted)", "11")
      .opt("out", "DIR", "run folder (default: a temporary folder, removed afterwards)");
  if (!args.parse(argc, argv)) return 0;
  RunConfig cfg = RunConfig::load(args.str("config"));
  cfg.learner.steps = args.count("steps", 2);  // the first step is a warm-up
  cfg.learner.checkpoint_every = cfg.learner.steps;
  std::string dir =
      args.has("out")
          ? args.str("out")
          : (std::filesystem::temp_directory_path() / cat("r1-bench-rl-", ::getpid())).string();
  const bool temporary = !args.has("out");
  dir = prepare_run_dir(cfg, dir, false);

  // The reference runs before and after the loop, and the ratio uses their mean: on a shared
  // machine the speed drifts over minutes, and one measure on one side of the run is skewed.
  const double reference_before = reference_generation_tps(cfg);
  std::vector<json> steps;
  const auto t0 = std::chrono::steady_clock::now();
  run_embedded(cfg, dir, false, [&](const StepReport& r) { steps.push_back(r.metrics); });
  const double wall = seconds_since(t0);
  const double reference_after = reference_generation_tps(cfg);
  const double reference = 0.5 * (reference_before + reference_after);
  if (temporary) std::filesystem::remove_all(dir);
  if (steps.size() < 2) fail("the run stopped after ", steps.size(), " steps");

  double step_s = 0, collect_s = 0, train_s = 0, publish_s = 0, gen_s = 0, verify_s = 0, tokens = 0,
         gen_tokens = 0, train_tokens = 0;
  for (size_t i = 1; i < steps.size(); ++i) {  // step 1 pays for warm-up
    const json& m = steps[i];
    step_s += m["time"]["step"].get<double>();
    collect_s += m["time"]["collect"].get<double>();
    train_s += m["time"]["train"].get<double>();
    publish_s += m["time"]["publish"].get<double>();
    gen_s += m["time"]["generate_worker"].get<double>();
    verify_s += m["time"]["verify_worker"].get<double>();
    // Kept samples: what the step trains on. Generated tokens: every sample that came back,
    // groups dynamic sampling dropped included, which is what the generate seconds paid for.
    tokens += m["samples"].get<double>() * m["response_length"].get<double>();
    gen_tokens += m["sampled"]["tokens"].get<double>();
    train_tokens +=
        m["tokens_per_second"]["train"].get<double>() * m["time"]["train"].get<double>();
  }
  const double n = static_cast<double>(steps.size() - 1);
  // Each step's mean reward and loss, warm-up included: two runs of one config (weights shared
  // and copied, say) that train alike give the same lists.
  json rewards = json::array(), losses = json::array();
  for (const json& m : steps) {
    rewards.push_back(m["reward"]["mean"]);
    losses.push_back(m["loss"]);
  }
  const double gen_tps = gen_tokens / std::max(gen_s, 1e-9);
  ordered_json out = {{"bench", "rl"},
                      {"config", args.str("config")},
                      {"threads", omp_get_max_threads()},
                      {"steps_measured", steps.size() - 1},
                      {"step_seconds", step_s / n},
                      {"tokens_per_step", {{"generated", gen_tokens / n}, {"trained", tokens / n}}},
                      {"rollout_tokens_per_second", tokens / std::max(step_s, 1e-9)},
                      {"generation_tokens_per_second_in_loop", gen_tps},
                      {"learner_tokens_per_second", train_tokens / std::max(train_s, 1e-9)},
                      {"share_of_step_time",
                       {{"generate", gen_s / step_s},
                        {"verify", verify_s / step_s},
                        {"train", train_s / step_s},
                        {"publish", publish_s / step_s},
                        {"collect_wall", collect_s / step_s}}},
                      {"weight_publish_seconds", publish_s / n},
                      // shared: the workers read the learner's weights in place, and publish is
                      // the update's wait for their batches; copied: publish sends the weights.
                      {"weights", steps.back().value("weights", "copied")},
                      {"reference",
                       {{"what",
                         "plain batched generation, same model and sampling, same process; the "
                         "mean of a measure before the run and one after it"},
                        {"tokens_per_second", reference},
                        {"before", reference_before},
                        {"after", reference_after}}},
                      {"ratio_generation_in_loop_to_reference", gen_tps / reference},
                      {"wall_seconds", wall},
                      {"per_step", {{"reward", rewards}, {"loss", losses}}},
                      {"note",
                       "verification runs beside generation (its share is CPU time of the reward "
                       "service, overlapping)"}};
  std::printf("%s\n", out.dump(2).c_str());
  return 0;
}

}  // namespace r1
