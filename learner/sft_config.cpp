#include "learner/sft_config.h"


#include <cmath>

#include "core/error.h"
#include "kernels/backend_select.h"
#include "tasks/generator.h"

namespace r1 {

namespace {

const json& sub_or_empty(JsonReader& r, const std::string& key) {
  static const json empty = json::object();
  if (r.has(key)) return r.raw(key);
  return empty;
}

std::string known_families() {
  std::string known;
  for (const auto& n : generator_names()) known += (known.empty() ? "" : ", ") + n;
  return known;
}

SftDataConfig data_from_json(JsonReader r) {
  SftDataConfig d;
  r.check(r.has("generated") != r.has("jsonl"), "generated",
          "give exactly one of 'generated' and 'jsonl'");
  if (r.has("jsonl")) {
    d.jsonl = r.req<std::string>("jsonl");
    r.check(!d.jsonl.empty(), "jsonl", "is empty");
  } else {
    JsonReader g = r.child("generated", true);
    d.seed = g.get<uint64_t>("seed", 0);
    d.n = g.req<int64_t>("n");
    g.check(d.n > 0, "n", cat("must be positive, got ", d.n));
    const json& mix = g.raw("mix");
    if (!mix.is_array() || mix.empty())
      g.fail_field("mix", "expected a non-empty array of {family, weight, levels}");
    for (size_t i = 0; i < mix.size(); ++i) {
      JsonReader e(mix[i], cat(g.where(), ": mix[", i, "]"));
      SftMixEntry m;
      m.family = e.req<std::string>("family");
      m.weight = e.get<double>("weight", 1.0);
      m.levels = e.get<std::vector<int>>("levels", {});
      e.done();
      if (!has_generator(m.family)) {
        e.fail_field("family",
                     cat("unknown task family '", m.family, "' (known: ", known_families(), ")"));
      }
      e.check(std::isfinite(m.weight) && m.weight > 0 && m.weight <= 1e6, "weight",
              cat("must be > 0 and <= 1e6, got ", m.weight));
      const int max_level = make_generator(m.family)->max_difficulty();
      for (int l : m.levels) {
        e.check(l >= 1 && l <= max_level, "levels",
                cat("level ", l, " out of range 1..", max_level, " for ", m.family));
      }
      d.mix.push_back(m);
    }
    g.done();
  }
  r.done();
  return d;
}

}  // namespace

SftConfig SftConfig::from_json(const json& j, const std::string& where) {
  JsonReader r(j, where);
  SftConfig c;
  c.out = r.get<std::string>("out", "");

  {
    JsonReader m = r.child("model", true);
    c.init = m.get<std::string>("init", "");
    c.model_config = m.get<std::string>("model_config", "");
    c.init_seed = m.get<uint64_t>("init_seed", 0);
    m.check(c.init.empty() != c.model_config.empty(), "init",
            "give exactly one of 'init' (a checkpoint folder) and 'model_config' (a fresh model)");
    m.check(c.init.empty() || !m.has("init_seed"), "init_seed",
            "only a fresh model ('model_config') takes an init_seed");
    c.device = m.get<std::string>("device", c.device);
    m.done();
    backend_for(c.device, cat(where, ": field 'model.device'"));  // fails now, before any work
  }
  c.data = data_from_json(r.child("data", true));
  c.chat_template = ChatTemplate::from_json(sub_or_empty(r, "chat_template"),
                                            cat(where, ": field 'chat_template'"));

  {
    JsonReader t = r.child("train", true);
    c.batch_size = t.get<int>("batch_size", c.batch_size);
    c.epochs = t.get<int64_t>("epochs", 0);
    c.steps = t.get<int64_t>("steps", 0);
    c.max_seconds = t.get<double>("max_seconds", 0.0);
    t.check(c.max_seconds >= 0, "max_seconds", "must be >= 0 (0: no limit)");
    c.seed = t.get<uint64_t>("seed", c.seed);
    c.bias_gamma = t.get<double>("bias_gamma", c.bias_gamma);
    c.log_every = t.get<int64_t>("log_every", c.log_every);
    c.checkpoint_every = t.get<int64_t>("checkpoint_every", c.checkpoint_every);
    c.keep_last = t.get<int>("keep_last", c.keep_last);
    t.done();
    t.check(c.batch_size > 0, "batch_size", cat("must be positive, got ", c.batch_size));
    t.check(c.epochs >= 0, "epochs", cat("must be >= 0, got ", c.epochs));
    t.check(c.steps >= 0, "steps", cat("must be >= 0, got ", c.steps));
    t.check((c.epochs > 0) != (c.steps > 0), "epochs", "give exactly one of 'epochs' and 'steps'");
    t.check(c.bias_gamma >= 0 && std::isfinite(c.bias_gamma), "bias_gamma",
            cat("must be >= 0, got ", c.bias_gamma));
    t.check(c.log_every > 0, "log_every", cat("must be positive, got ", c.log_every));
    t.check(c.checkpoint_every >= 0, "checkpoint_every",
            cat("must be >= 0 (0: only at the end), got ", c.checkpoint_every));
    t.check(c.keep_last >= 0, "keep_last", cat("must be >= 0 (0 keeps all), got ", c.keep_last));
  }
  c.optimizer =
      OptimizerConfig::from_json(sub_or_empty(r, "optimizer"), cat(where, ": field 'optimizer'"));
  c.schedule = LrSchedule::from_json(sub_or_empty(r, "schedule"), cat(where, ": field 'schedule'"));
  r.done();
  return c;
}

SftConfig SftConfig::load(const std::string& path) {
  return from_json(load_json_file(path), path);
}

json SftConfig::to_json() const {
  json model = init.empty() ? json{{"model_config", model_config}, {"init_seed", init_seed}}
                            : json{{"init", init}};
  if (device != "cpu") model["device"] = device;
  json data;
  if (this->data.generated()) {
    json mix = json::array();
    for (const auto& m : this->data.mix)
      mix.push_back({{"family", m.family}, {"weight", m.weight}, {"levels", m.levels}});
    data = {{"generated", {{"seed", this->data.seed}, {"n", this->data.n}, {"mix", mix}}}};
  } else {
    data = {{"jsonl", this->data.jsonl}};
  }
  json train = {{"batch_size", batch_size},
                {"seed", seed},
                {"bias_gamma", bias_gamma},
                {"log_every", log_every},
                {"checkpoint_every", checkpoint_every},
                {"keep_last", keep_last}};
  if (epochs > 0) train["epochs"] = epochs;
  if (steps > 0) train["steps"] = steps;
  if (max_seconds > 0) train["max_seconds"] = max_seconds;
  return {{"out", out},
          {"model", model},
          {"data", data},
          {"chat_template", chat_template.to_json()},
          {"train", train},
          {"optimizer", optimizer.to_json()},
          {"schedule", schedule.to_json()}};
}

}  // namespace r1
