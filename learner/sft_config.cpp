#include "learner/sft_config.h"

#include <cmath>

#include "core/error.h"
#include "kernels/backend_select.h"
#include "tasks/generator.h"
#include "tasks/suite.h"

namespace r1 {

namespace {

std::string known_families() {
  std::string known;
  for (const auto& n : generator_names()) known += (known.empty() ? "" : ", ") + n;
  return known;
}

}  // namespace

const ConfigFields<SftMixEntry>& SftMixEntry::fields() {
  using C = SftMixEntry;
  static const auto f =
      ConfigFields<C>("data.generated.mix[i]")
          .add("family", &C::family, "a task family whose worked solutions are drawn")
          .required()
          .add("weight", &C::weight, "relative share",
               must_got<double>([](double v) { return v > 0 && v <= 1e6; },
                                "must be > 0 and <= 1e6"))
          .add("levels", &C::levels, "difficulty levels drawn uniformly; []: all of the family's")
          .add("options", &C::options,
               "the family's options (docs/tasks.md), e.g. countdown {\"trace\": \"dfs\"}: worked "
               "solutions as a search with backtracking");
  return f;
}

SftMixEntry SftMixEntry::from_json(const json& j, const std::string& where) {
  SftMixEntry m = fields().read(j, where);
  JsonReader e(j, where);
  if (!has_generator(m.family)) {
    e.fail_field("family",
                 cat("unknown task family '", m.family, "' (known: ", known_families(), ")"));
  }
  // Bad options are an error here, naming the entry, not at the first example.
  const int max_level =
      make_generator(m.family, m.options, cat(where, ": field 'options'"))->max_difficulty();
  for (int l : m.levels) {
    e.check(l >= 1 && l <= max_level, "levels",
            cat("level ", l, " out of range 1..", max_level, " for ", m.family));
  }
  return m;
}

json SftMixEntry::to_json() const {
  return fields().write(*this);
}

const ConfigFields<SftDataConfig>& SftDataConfig::fields() {
  using C = SftDataConfig;
  static const auto f =
      ConfigFields<C>("data")
          .add_group("generated", "worked solutions of generated tasks, or",
                     ConfigFields<C>("generated")
                         .add("seed", &C::seed, "example i is drawn from its own stream of seed")
                         .add("n", &C::n, "examples (the sets of a size sweep are nested)")
                         .add("mix", &C::mix, "the families (data.generated.mix[i] below)")
                         .add("holdout", &C::holdout,
                              "suites (r1 eval --tasks syntax) whose problems no example is; r1 "
                              "pipeline adds its eval suites",
                              FieldCheck<std::string>(suites_problem)))
          .add("jsonl", &C::jsonl, "a JSONL file of {prompt, completion}")
          .add("holdout", &C::jsonl_holdout,
               "with jsonl: suites (r1 eval --tasks syntax) whose tasks are dropped from the file "
               "(by prompt text (problem_text_key: case, spacing, LaTeX spacing aside; a long "
               "held-out prompt inside a line's), or by problem_key where a line carries its "
               "task); r1 "
               "pipeline adds its eval suites",
               FieldCheck<std::string>(suites_problem), unless_empty());
  return f;
}

SftDataConfig SftDataConfig::from_json(const json& j, const std::string& where) {
  JsonReader r(j, where);
  r.check(r.has("generated") != r.has("jsonl"), "generated",
          "give exactly one of 'generated' and 'jsonl'");
  SftDataConfig d = fields().read(j, where);
  if (r.has("jsonl")) {
    r.check(!d.jsonl.empty(), "jsonl", "is empty");
  } else {
    r.check(d.jsonl_holdout.empty(), "holdout",
            "applies to 'jsonl' data; a generated set's goes in generated.holdout");
    JsonReader g(j.at("generated"), cat(where, ": field 'generated'"));
    g.raw("n");  // required here
    g.check(d.n > 0, "n", cat("must be positive, got ", d.n));
    g.check(!d.mix.empty(), "mix", "expected a non-empty array of {family, weight, levels}");
  }
  return d;
}

json SftDataConfig::to_json() const {
  json j = fields().write(*this);
  j.erase(generated() ? "jsonl" : "generated");
  if (generated()) j.erase("holdout");
  return j;
}

const ConfigFields<SftConfig>& SftConfig::fields() {
  using C = SftConfig;
  auto positive = [](auto v) { return v > 0; };
  static const auto f =
      ConfigFields<C>("sft")
          .add("out", &C::out, "the run folder (--out overrides)")
          .add_group(
              "model", "what training starts from",
              ConfigFields<C>("model")
                  .add("init", &C::init, "a checkpoint folder, or", nullptr, unless_empty())
                  .add("model_config", &C::model_config,
                       "a model config for a fresh model with the byte tokenizer ...", nullptr,
                       unless_empty())
                  .add("init_seed", &C::init_seed, "... initialised with this seed")
                  .add("device", &C::device, "where the model trains: cpu, cuda, cuda:N", nullptr,
                       [](const std::string& d) { return d != "cpu"; })
                  .add("dtype", &C::dtype,
                       "fp32, or bf16: GEMMs and attention on tensor cores with fp32 master "
                       "weights (CUDA only); \"\": bf16 on CUDA, fp32 on the CPU",
                       must_got<std::string>(known_dtype, "must be fp32 or bf16"), unless_empty()))
          .required()
          .add("data", &C::data, "the examples (data below)")
          .required()
          .add("chat_template", &C::chat_template,
               "how a question becomes a prompt (model/chat_template.h)")
          .add_group(
              "train", "the loop",
              ConfigFields<C>("train")
                  .add("batch_size", &C::batch_size, "sequences per optimizer step",
                       must_got<int>(positive, "must be positive"))
                  .add("epochs", &C::epochs, "passes over the data; give epochs or steps",
                       must_got<int64_t>([](int64_t v) { return v >= 0; }, "must be >= 0"),
                       [](int64_t v) { return v > 0; })
                  .add("steps", &C::steps, "optimizer steps; give epochs or steps",
                       must_got<int64_t>([](int64_t v) { return v >= 0; }, "must be >= 0"),
                       [](int64_t v) { return v > 0; })
                  .add("seed", &C::seed,
                       "data order: epoch e is a permutation drawn from (seed, e)")
                  .add("bias_gamma", &C::bias_gamma,
                       "aux-loss-free expert-bias step after every optimizer step",
                       must_got<double>([](double v) { return v >= 0 && v <= 1; },
                                        "must be in [0, 1]"))
                  .add("log_every", &C::log_every,
                       "steps between progress lines (metrics.jsonl gets every step)",
                       must_got<int64_t>(positive, "must be positive"))
                  .add("checkpoint_every", &C::checkpoint_every, "steps; 0: only at the end",
                       must_got<int64_t>([](int64_t v) { return v >= 0; },
                                         "must be >= 0 (0: only at the end)"))
                  .add("keep_last", &C::keep_last, "checkpoints kept; 0 keeps all",
                       must_got<int>([](int v) { return v >= 0; }, "must be >= 0 (0 keeps all)"))
                  .add("max_seconds", &C::max_seconds,
                       "> 0: stop once the run has trained this long (wall time, resumes "
                       "included)",
                       must<double>([](double v) { return v >= 0; }, "must be >= 0 (0: no limit)"),
                       [](double v) { return v > 0; }))
          .required()
          .add("optimizer", &C::optimizer, "AdamW (learner.optimizer above)")
          .add("schedule", &C::schedule, "the learning-rate schedule (learner.schedule above)");
  return f;
}

SftConfig SftConfig::from_json(const json& j, const std::string& where) {
  SftConfig c = fields().read(j, where);
  const json& model = j.at("model");
  JsonReader m(model, cat(where, ": field 'model'"));
  m.check(c.init.empty() != c.model_config.empty(), "init",
          "give exactly one of 'init' (a checkpoint folder) and 'model_config' (a fresh model)");
  m.check(c.init.empty() || !m.has("init_seed"), "init_seed",
          "only a fresh model ('model_config') takes an init_seed");
  backend_for(c.device, c.dtype, cat(where, ": field 'model.device'"), cat(where, ": field 'model.dtype'"));  // fails now, before any work
  JsonReader(j.at("train"), cat(where, ": field 'train'"))
      .check((c.epochs > 0) != (c.steps > 0), "epochs", "give exactly one of 'epochs' and 'steps'");
  return c;
}

SftConfig SftConfig::load(const std::string& path) {
  return from_json(load_json_file(path), path);
}

json SftConfig::to_json() const {
  json j = fields().write(*this);
  if (!init.empty()) j["model"].erase("init_seed");  // only a fresh model takes one
  return j;
}

}  // namespace r1
