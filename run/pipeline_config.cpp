#include "run/pipeline_config.h"

#include <set>

#include "core/fs.h"
#include "kernels/backend_select.h"
#include "model/chat_template.h"
#include "tasks/suite.h"

namespace r1 {

namespace {

struct KindName {
  StageKind kind;
  const char* name;
};
constexpr KindName kKinds[] = {{StageKind::kSft, "sft"},
                               {StageKind::kRl, "rl"},
                               {StageKind::kRejectionSft, "rejection-sft"},
                               {StageKind::kDistill, "distill"},
                               {StageKind::kEval, "eval"}};

StageKind parse_kind(const std::string& text, const std::string& where) {
  for (const auto& k : kKinds)
    if (text == k.name) return k.kind;
  fail(where, ": unknown stage kind '", text, "' (known: sft, rl, rejection-sft, distill, eval)");
}

// A sub-config: a file name (read now) or the object itself.
json read_config(const json& v, const std::string& where) {
  if (v.is_string()) {
    const std::string path = v.get<std::string>();
    if (!file_exists(path)) fail(where, ": no config file ", path);
    return load_json_file(path);
  }
  if (v.is_object()) return v;
  fail(where, ": expected a config file name or an object, got ", json_type_name(v));
}

constexpr const char* kSamplingFields[] = {"tasks",          "samples",     "keep",
                                           "require_format", "temperature", "top_p",
                                           "max_new_tokens", "seed",        "slots"};

FieldCheck<int> positive() {
  return at_least<int>(1, "must be >= 1");
}

// The older form {"sft", "rl", "eval", "target"}: the stages it always meant. Both evaluations
// use the RL config's prompt template, so that they compare the same prompts.
json stages_of_old_form(const json& j, const std::string& where) {
  const json rl = read_config(j.at("rl"), where + ": field 'rl'");
  json s = json::array();
  s.push_back({{"kind", "sft"}, {"name", "sft"}, {"config", j.at("sft")}});
  s.push_back({{"kind", "eval"}, {"name", "before"}});
  s.push_back({{"kind", "rl"}, {"name", "rl"}, {"config", rl}});
  s.push_back({{"kind", "eval"}, {"name", "after"}, {"compare", "before"}});
  if (rl.contains("chat_template")) {
    s[1]["chat_template"] = rl["chat_template"];
    s[3]["chat_template"] = rl["chat_template"];
  }
  return s;
}

}  // namespace

const char* stage_kind_name(StageKind k) {
  for (const auto& e : kKinds)
    if (e.kind == k) return e.name;
  return "?";
}

bool makes_model(StageKind k) {
  return k != StageKind::kEval;
}
bool samples_data(StageKind k) {
  return k == StageKind::kRejectionSft || k == StageKind::kDistill;
}

const ConfigFields<PipelineEval>& PipelineEval::fields() {
  using C = PipelineEval;
  static const auto f =
      ConfigFields<C>("eval")
          .add("tasks", &C::tasks, "the suites, as r1 eval --tasks")
          .required()
          .add("samples", &C::samples, "samples per task", positive())
          .add("temperature", &C::temperature, "sampling temperature",
               must<double>([](double v) { return v >= 0; }, "must be >= 0"))
          .add("top_p", &C::top_p, "nucleus sampling",
               must<double>([](double v) { return v > 0 && v <= 1; }, "must be in (0, 1]"))
          .add("max_new_tokens", &C::max_new_tokens, "generation budget per sample", positive())
          .add("seed", &C::seed, "sampling seed")
          .add("greedy", &C::greedy, "also score one greedy decode per task")
          .add("slots", &C::slots, "sequences decoded at once", positive())
          .add("device", &C::device,
               "where evaluation and rejection sampling run (\"\": the device of the first stage "
               "that "
               "trains by SFT; cpu without one)",
               nullptr, unless_empty())
          .add("dtype", &C::dtype,
               "fp32 or bf16 (\"\": the first SFT stage's when eval.device is \"\" too, else the "
               "device's default: bf16 on CUDA, fp32 on the CPU)",
               must_got<std::string>(known_dtype, "must be fp32 or bf16"), unless_empty());
  return f;
}

const ConfigFields<PipelineTarget>& PipelineTarget::fields() {
  using C = PipelineTarget;
  static const auto f =
      ConfigFields<C>("target")
          .add("suite", &C::suite, "one suite of eval.tasks")
          .required()
          .add("min_gain", &C::min_gain,
               "the rise in sampled pass@1 from `before` to `after` that must be reached (by the "
               "lower end of the gain's 95% interval)",
               must<double>([](double v) { return v > -1 && v < 1; }, "must be in (-1, 1)"))
          .add("before", &C::before, "the eval stage measured first (\"\": the first eval stage)",
               nullptr, unless_empty())
          .add("after", &C::after, "the eval stage measured after (\"\": the last eval stage)",
               nullptr, unless_empty());
  return f;
}

PipelineTarget PipelineTarget::from_json(const json& j, const std::string& where) {
  return fields().read(j, where);
}
json PipelineTarget::to_json() const {
  return fields().write(*this);
}

const ConfigFields<PipelineStage>& PipelineStage::fields() {
  using C = PipelineStage;
  static const auto f =
      ConfigFields<C>("stages[i]")
          .add_named<StageKind>("kind", &C::kind, "sft, rl, rejection-sft, distill or eval",
                                parse_kind, [](StageKind k) { return stage_kind_name(k); })
          .required()
          .add("name", &C::name,
               "the stage's folder under out/ and its name in from, init, compare (default: the "
               "kind)",
               nullptr, unless_empty())
          .add_custom(
              "config",
              "sft, rejection-sft, distill: an r1 sft config (\"out\" replaced; data replaced by "
              "the kept samples); rl: an r1 run config (model.init and out replaced); or its file "
              "name",
              "(required but for eval)",
              [](const json& v, const std::string& where, C& c) {
                c.config = read_config(v, where);
                c.config_file = v.is_string() ? v.get<std::string>() : "";
              },
              [](const C& c) { return c.config; })
          .add("from", &C::from,
               "rl: the model it starts from; rejection-sft: the model that samples; distill: the "
               "teacher; eval: the model evaluated; sft: a model to start from instead of the "
               "config's. A stage name or a model folder; \"\": the model made last",
               nullptr, unless_empty())
          .add("init", &C::init,
               "rejection-sft, distill: the model SFT trains, a stage name or a folder (\"\": the "
               "config's own model section, e.g. a fresh student)",
               nullptr, unless_empty())
          .add("tasks", &C::tasks,
               "rejection-sft, distill: the suites sampled on (r1 eval --tasks; use seeds no other "
               "stage uses)",
               nullptr, unless_empty())
          .add("samples", &C::samples, "rejection-sft, distill: completions per task (K)",
               positive())
          .add("keep", &C::keep, "rejection-sft, distill: kept completions per prompt at most (M)",
               positive())
          .add("require_format", &C::require_format,
               "rejection-sft, distill: keep only well-formed completions")
          .add("temperature", &C::temperature, "rejection-sft, distill: sampling temperature",
               must<double>([](double v) { return v >= 0; }, "must be >= 0"))
          .add("top_p", &C::top_p, "rejection-sft, distill: nucleus sampling",
               must<double>([](double v) { return v > 0 && v <= 1; }, "must be in (0, 1]"))
          .add("max_new_tokens", &C::max_new_tokens,
               "rejection-sft, distill: generation budget per sample", positive())
          .add("seed", &C::seed, "rejection-sft, distill: sampling seed")
          .add("slots", &C::slots, "rejection-sft, distill: sequences decoded at once", positive())
          .add("compare", &C::compare,
               "eval: an earlier eval stage; the summary shows the paired differences", nullptr,
               unless_empty())
          .add("chat_template", &C::chat_template,
               "eval, rejection-sft, distill: the prompt template (model/chat_template.h) of the "
               "model evaluated or sampling; null: the one it was trained with (a model folder: "
               "chatml)",
               nullptr, [](const json& v) { return !v.is_null(); });
  return f;
}

PipelineStage PipelineStage::from_json(const json& j, const std::string& where) {
  PipelineStage s = fields().read(j, where);
  const char* kind = stage_kind_name(s.kind);
  if (s.name.empty()) s.name = kind;
  if (s.name.find_first_of("/\\") != std::string::npos || s.name == "." || s.name == ".." ||
      s.name.rfind("eval-", 0) == 0) {
    fail(where, ": field 'name': '", s.name,
         "' cannot be a folder name here (no slashes, '.', '..' or 'eval-' prefix)");
  }
  auto only_for = [&](const char* field, bool allowed, const char* kinds) {
    if (j.is_object() && j.contains(field) && !allowed)
      fail(where, ": field '", field, "' is for ", kinds, " stages, not ", kind);
  };
  const bool sampling = samples_data(s.kind);
  only_for("config", s.kind != StageKind::kEval, "sft, rl, rejection-sft and distill");
  only_for("compare", s.kind == StageKind::kEval, "eval");
  only_for("chat_template", s.kind == StageKind::kEval || sampling,
           "eval, rejection-sft and distill");
  if (!s.chat_template.is_null())
    ChatTemplate::from_json(s.chat_template, where + ": field 'chat_template'");
  only_for("init", sampling, "rejection-sft and distill");
  for (const char* f : kSamplingFields) only_for(f, sampling, "rejection-sft and distill");
  if (s.kind != StageKind::kEval && !s.config.is_object())
    fail(where, ": field 'config' is required for ", kind, " stages");
  if (sampling) {
    if (s.tasks.empty()) fail(where, ": field 'tasks' is required for ", kind, " stages");
    if (auto problem = suites_problem(s.tasks)) fail(where, ": field 'tasks': ", *problem);
  }
  return s;
}

json PipelineStage::to_json() const {
  json j = fields().write(*this);
  // Only the fields of its kind: the resolved config reads back.
  if (kind == StageKind::kEval) j.erase("config");
  if (kind != StageKind::kEval) j.erase("compare");
  if (!samples_data(kind)) {
    for (const char* f : kSamplingFields) j.erase(f);
    j.erase("init");
  }
  return j;
}

const ConfigFields<PipelineConfig>& PipelineConfig::fields() {
  using C = PipelineConfig;
  static const auto f =
      ConfigFields<C>("pipeline")
          .add("out", &C::out, "the pipeline folder (--out overrides)")
          .add("stages", &C::stages,
               "the stages in order (stages[i] below); the older form {\"sft\", \"rl\"} means "
               "sft, eval \"before\", rl, eval \"after\"")
          .required()
          .add("eval", &C::eval,
               "the settings of every eval stage (eval below); required with an eval stage")
          .add("target", &C::target,
               "the suite on which pass@1 must rise between two eval stages, declared before "
               "the run (target below)");
  return f;
}

PipelineConfig PipelineConfig::from_json(const json& j, const std::string& where) {
  if (!j.is_object()) fail(where, ": expected a JSON object, got ", json_type_name(j));
  json given = j;
  if (!given.contains("stages") && (given.contains("sft") || given.contains("rl"))) {
    for (const char* k : {"sft", "rl"}) {
      if (!given.contains(k)) fail(where, ": field '", k, "' is required (or give \"stages\")");
    }
    given["stages"] = stages_of_old_form(given, where);
    given.erase("sft");
    given.erase("rl");
  } else if (given.contains("stages")) {
    for (const char* k : {"sft", "rl"}) {
      if (given.contains(k))
        fail(where, ": field '", k,
             "' belongs to the older form; with \"stages\", make it a stage");
    }
  }
  PipelineConfig c = fields().read(given, where);
  if (c.stages.empty()) fail(where, ": field 'stages': no stages");
  // Names are unique; every reference names an earlier stage of the right kind, or a folder.
  std::set<std::string> seen, models, evals;
  bool any_model = false;
  for (size_t i = 0; i < c.stages.size(); ++i) {
    const PipelineStage& s = c.stages[i];
    const std::string at = cat(where, ": stages[", i, "] (", s.name, ")");
    if (!seen.insert(s.name).second) fail(at, ": another stage is named '", s.name, "'");
    auto model_ref = [&](const std::string& ref, const char* field) {
      if (ref.empty()) return;
      if (evals.count(ref)) fail(at, ": field '", field, "': stage '", ref, "' makes no model");
      if (!models.count(ref) && !file_exists(join_path(ref, "config.json")))
        fail(at, ": field '", field, "': '", ref,
             "' is neither an earlier stage that makes a model nor a model folder");
    };
    model_ref(s.from, "from");
    model_ref(s.init, "init");
    if (s.from.empty() && s.kind != StageKind::kSft && !any_model)
      fail(at, ": no earlier stage makes a model; set 'from' to a model folder");
    if (s.kind == StageKind::kEval) {
      if (!c.eval) fail(at, ": an eval stage needs the top-level \"eval\" settings");
      if (!s.compare.empty() && !evals.count(s.compare))
        fail(at, ": field 'compare': '", s.compare, "' is not an earlier eval stage");
      evals.insert(s.name);
    } else {
      models.insert(s.name);
      any_model = true;
    }
  }
  if (c.eval) {
    if (auto problem = suites_problem(c.eval->tasks))
      fail(where, ": field 'eval': field 'tasks': ", *problem);
  }
  // A stage that samples training data on an eval suite would find every problem held out and
  // keep nothing, after the stages before it had run: said here instead.
  if (c.eval) {
    const auto eval_suites = parse_suites(c.eval->tasks);
    for (size_t i = 0; i < c.stages.size(); ++i) {
      const PipelineStage& st = c.stages[i];
      if (st.kind != StageKind::kRejectionSft && st.kind != StageKind::kDistill) continue;
      if (st.tasks.empty() || suites_problem(st.tasks)) continue;  // named where it is read
      for (const auto& mine : parse_suites(st.tasks))
        for (const auto& e : eval_suites)
          if (mine.text == e.text)
            fail(where, ": stages[", i, "] (", st.name, "): field 'tasks': '", mine.text,
                 "' is a suite of eval.tasks, held out of training: sample on other seeds");
    }
  }
  if (c.target) {
    PipelineTarget& t = *c.target;
    std::vector<std::string> order;
    for (const auto& s : c.stages)
      if (s.kind == StageKind::kEval) order.push_back(s.name);
    if (order.size() < 2) fail(where, ": field 'target': needs two eval stages to compare");
    if (t.before.empty()) t.before = order.front();
    if (t.after.empty()) t.after = order.back();
    for (const std::string* n : {&t.before, &t.after}) {
      if (!evals.count(*n)) fail(where, ": field 'target': '", *n, "' is not an eval stage");
    }
    if (t.before == t.after) fail(where, ": field 'target': before and after are the same stage");
    bool found = false;
    for (const auto& s : parse_suites(c.eval->tasks)) found = found || s.text == t.suite;
    if (!found)
      fail(where, ": field 'target': suite '", t.suite, "' is not one of eval.tasks (",
           c.eval->tasks, ")");
  }
  return c;
}

json PipelineConfig::to_json() const {
  return fields().write(*this);
}

}  // namespace r1
