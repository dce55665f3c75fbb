#include "run/pipeline_config.h"

#include "core/fs.h"

namespace r1 {

namespace {

// A stage's config: a file name (read now) or the object itself.
std::function<void(const json&, const std::string&, PipelineConfig&)> stage(
    json PipelineConfig::*member) {
  return [member](const json& v, const std::string& where, PipelineConfig& c) {
    if (v.is_string()) {
      c.*member = load_json_file(v.get<std::string>());
    } else if (v.is_object()) {
      c.*member = v;
    } else {
      fail(where, ": expected a config file name or an object");
    }
  };
}

}  // namespace

const ConfigFields<PipelineEval>& PipelineEval::fields() {
  using C = PipelineEval;
  static const auto f =
      ConfigFields<C>("eval")
          .add("tasks", &C::tasks, "the suites, as r1 eval --tasks")
          .required()
          .add("samples", &C::samples, "samples per task", at_least<int>(1, "must be >= 1"))
          .add("temperature", &C::temperature, "sampling temperature")
          .add("top_p", &C::top_p, "nucleus sampling")
          .add("max_new_tokens", &C::max_new_tokens, "generation budget per sample",
               at_least<int>(1, "must be >= 1"))
          .add("seed", &C::seed, "sampling seed")
          .add("greedy", &C::greedy, "also score one greedy decode per task")
          .add("slots", &C::slots, "sequences decoded at once", at_least<int>(1, "must be >= 1"))
          .add("device", &C::device, "where evaluation runs (\"\": the SFT's device)", nullptr,
               unless_empty());
  return f;
}

const ConfigFields<PipelineTarget>& PipelineTarget::fields() {
  using C = PipelineTarget;
  static const auto f =
      ConfigFields<C>("target")
          .add("suite", &C::suite, "one suite of eval.tasks")
          .required()
          .add("min_gain", &C::min_gain,
               "the rise in sampled pass@1 over the cold start that RL must reach",
               must<double>([](double v) { return v > -1 && v < 1; }, "must be in (-1, 1)"));
  return f;
}

const ConfigFields<PipelineConfig>& PipelineConfig::fields() {
  using C = PipelineConfig;
  static const auto f =
      ConfigFields<C>("pipeline")
          .add("out", &C::out, "the pipeline folder (--out overrides)")
          .add_custom("sft", "an r1 sft config, or its file name (\"out\" is replaced)",
                      "(required)", stage(&C::sft), [](const C& c) { return c.sft; })
          .required()
          .add_custom("rl", "an r1 run config, or its file name (model.init and out replaced)",
                      "(required)", stage(&C::rl), [](const C& c) { return c.rl; })
          .required()
          .add("eval", &C::eval, "the evaluations before and after RL (eval below)")
          .required()
          .add("target", &C::target,
               "the suite on which RL must raise pass@1, declared before the run (target below)");
  return f;
}

}  // namespace r1
