#include "run/pipeline.h"

#include <algorithm>

#include <chrono>
#include <cstdio>
#include <map>
#include <optional>
#include <set>

#include "core/fs.h"
#include "core/log.h"
#include "core/progress.h"
#include "core/stop.h"
#include "eval/eval_memory.h"
#include "eval/evaluator.h"
#include "eval/rejection_sampling.h"
#include "eval/report.h"
#include "eval/run_story.h"
#include "kernels/backend_select.h"
#include "learner/run_checkpoint.h"
#include "learner/sft.h"
#include "learner/sft_config.h"
#include "model/checkpoint.h"
#include "model/weight_source.h"
#include "run/roles.h"
#include "run/run_memory.h"

namespace r1 {

namespace {

// A model a stage starts from, samples with or evaluates: made by an earlier stage (its folder
// may not exist yet) or a folder given by the user.
struct ModelRef {
  std::string dir;           // the model folder
  std::string model_config;  // a config.json of the same shape, to check before dir exists
  ChatTemplate chat;         // the template it was trained with (a folder: chatml)
  std::string stage;         // the stage that makes it; "" for a folder
  std::string label() const { return stage.empty() ? dir : stage; }
};

// One stage, resolved and checked.
struct Plan {
  const PipelineStage* stage = nullptr;
  std::string dir;                 // out/<name>
  std::optional<ModelRef> source;  // rl: start; rejection-sft, distill: sampler; eval
  std::optional<ModelRef> start;   // rejection-sft, distill: the model SFT trains (init)
  std::optional<SftConfig> sft;    // sft, rejection-sft, distill
  json rl;                         // rl: the run config, out and model rewritten
  ModelRef made;                   // model stages: what they make
  std::string trains;              // sft-based stages: what SFT starts from, for the summary
};

// A config's "model" section replaced by `model`, keeping the config's own device and dtype:
// where and how a stage trains stays its config's choice.
json model_section(const json& config, json model) {
  if (config.contains("model") && config["model"].is_object()) {
    for (const char* key : {"device", "dtype"})
      if (config["model"].contains(key)) model[key] = config["model"][key];
  }
  return model;
}

// The JSON paths where two plans differ ("/sft/data/holdout, /stage/config/learner/steps"), at
// most 6 of them.
std::string plan_differences(const json& before, const json& now) {
  std::set<std::string> paths;
  for (const json& op : json::diff(before, now)) paths.insert(op.value("path", std::string("/")));
  std::string out;
  int shown = 0;
  for (const std::string& path : paths) {
    if (shown++ == 6) return out + ", ...";
    out += (out.empty() ? "" : ", ") + path;
  }
  return out;
}

std::string fixed(double v, int decimals = 1) {
  char b[32];
  std::snprintf(b, sizeof b, "%.*f", decimals, v);
  return b;
}

json evaluate(const std::string& model_dir, const EvalOptions& opt,
              const std::vector<SuiteSpec>& suites, const std::string& out_path,
              const std::string& label, const Backend<float>& backend) {
  auto model = load_model(model_dir, backend);
  auto tok = load_tokenizer(model_dir);
  Evaluator ev(*model, *tok, opt);
  json report = eval_report(model_dir, opt);
  report["settings"]["backend"] = backend.name;  // cpu, cuda (fp32) or cuda-bf16
  for (const auto& s : suites) {
    log_info("pipeline: evaluating ", label, " on ", s.text);
    SuiteResult r = ev.run(s);
    report["suites"].push_back(r.summary());
  }
  write_file_atomic(out_path, report.dump(2) + "\n");
  return report;
}

// The last row of a metrics.jsonl, or null.
json last_metrics_row(const std::string& dir) {
  const std::vector<json> rows = read_run_metrics(dir);
  return rows.empty() ? json() : rows.back();
}

std::string sft_result(const std::string& dir) {
  const json last = last_metrics_row(dir);
  if (!last.is_object() || !last.contains("step")) return "";
  std::string s = cat(last["step"].get<int64_t>(), " SFT steps");
  if (last.contains("loss") && last["loss"].is_number())
    s += ", last loss " + fixed(last["loss"].get<double>(), 3);
  return s;
}

std::string eval_result(const json& report) {
  std::string s;
  for (const auto& suite : report["suites"]) {
    if (!s.empty()) s += "; ";
    s += cat(suite["suite"].get<std::string>(), ": pass@1 ",
             fixed(suite["pass@1"]["mean"].get<double>(), 3));
  }
  return s;
}

class PipelineRunner {
 public:
  PipelineRunner(const PipelineConfig& pc, std::string out, std::string where)
      : pc_(pc), out_(std::move(out)), where_(std::move(where)) {}

  int run(const json& given) {
    plan_all();
    make_dirs(out_);
    write_file_atomic(join_path(out_, "pipeline.json"), given.dump(2) + "\n");
    const std::string record_path = join_path(out_, "stages.json");
    json record = file_exists(record_path) ? load_json_file(record_path) : json::object();
    for (Plan& p : plans_) {
      const PipelineStage& s = *p.stage;
      // What the stage is made of: its resolved settings and the stages it reads, by when they
      // finished. Work already in its folder that was made of something else is not reused.
      const json plan = plan_of(p, record);
      const bool started = model_stage_started(p) || eval_done(p);
      if (started && record.contains(s.name) && record[s.name].contains("plan") &&
          record[s.name]["plan"] != plan && !keeps_samples(p, record[s.name]["plan"], plan)) {
        fail(at(s), ": ", outputs_of(p),
             " holds work made with other settings or from other models than this config now "
             "gives (an earlier stage ran again, the config changed, or this version of r1 "
             "resolves the stage differently; differing: ",
             plan_differences(record[s.name]["plan"], plan),
             "); remove it to redo the stage, and likewise the stages after it that use it");
      }
      json& r = record[s.name];
      r["kind"] = stage_kind_name(s.kind);
      r["plan"] = plan;
      write_file_atomic(record_path, record.dump(2) + "\n");
      const auto t0 = std::chrono::steady_clock::now();
      bool ran = false;
      try {
        ran = run_stage(p);
      } catch (const Error& e) {
        fail(at(s, stage_kind_name(s.kind)), ": ", e.what());
      }
      if (stop_requested()) {
        log_info("pipeline: stopped during stage ", s.name,
                 "; run the same command again to continue");
        return 130;
      }
      if (ran) {
        r["minutes"] =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / 60;
        r["resumed"] = false;
      } else if (!r.contains("minutes")) {
        r["minutes"] = 0.0;  // done before this folder kept records
        r["resumed"] = true;
      }
      if (ran || !r.contains("finished")) {
        r["finished"] = now_stamp();
        write_file_atomic(record_path, record.dump(2) + "\n");
      }
    }
    const std::string md = summary(record);
    write_file_atomic(join_path(out_, "summary.md"), md);
    std::printf("%s", md.c_str());
    return 0;
  }

 private:
  // Errors name the pipeline file, the stage (with its kind, when given), and the stage's own
  // config file when it has one: "p.json: stage 'rs' (rejection-sft, config rs.json)".
  std::string at(const PipelineStage& s, const std::string& kind = "") const {
    std::string about = kind;
    if (!s.config_file.empty()) about += cat(about.empty() ? "" : ", ", "config ", s.config_file);
    return cat(where_, ": stage '", s.name, "'", about.empty() ? "" : cat(" (", about, ")"));
  }

  // A rejection-sft or distill stage whose sampling is done but whose SFT has not begun may
  // change its SFT settings (the model it trains, its config: say, after the SFT refused
  // samples too long for the student's context) and keep its samples. Anything the sampling
  // depends on (sampler, tasks, counts, template, holdout) still needs the folder removed.
  bool keeps_samples(const Plan& p, const json& before, const json& now) const {
    if (!samples_data(p.stage->kind) || !file_exists(join_path(p.dir, "sampling.json")) ||
        file_exists(join_path(p.dir, "done")) || !list_checkpoints(p.dir).empty())
      return false;
    auto under = [](const std::string& path, const std::string& part) {
      return path == part || path.rfind(part + "/", 0) == 0;
    };
    // The sampler's entry under /inputs, as plan_of writes it.
    const std::string sampler =
        p.source ? (json::json_pointer("/inputs") /
                    out_marked(p.source->stage.empty() ? p.source->dir : p.source->stage))
                       .to_string()
                 : "";
    for (const json& op : json::diff(before, now)) {
      const std::string path = op.value("path", std::string("/"));
      bool sft = false;
      for (const char* part : {"/sft", "/stage/config", "/stage/init"})
        sft = sft || under(path, part);
      // Any input but the sampler is the model SFT trains (init), added, changed or removed.
      if (under(path, "/inputs") && path != "/inputs")
        sft = sampler.empty() || !under(path, sampler);
      if (!sft) return false;
    }
    log_warn(at(*p.stage), ": its SFT settings changed before its SFT began (differing: ",
             plan_differences(before, now), "); keeping the samples already drawn in ", p.dir);
    return true;
  }

  std::string eval_path(const PipelineStage& s) const {
    return join_path(out_, "eval-" + s.name + ".json");
  }
  bool model_stage_started(const Plan& p) const {
    return makes_model(p.stage->kind) && file_exists(p.dir);
  }
  bool eval_done(const Plan& p) const {
    return p.stage->kind == StageKind::kEval && file_exists(eval_path(*p.stage));
  }
  std::string outputs_of(const Plan& p) const {
    return makes_model(p.stage->kind) ? p.dir : eval_path(*p.stage);
  }

  static std::string now_stamp() {
    const auto t = std::chrono::system_clock::now().time_since_epoch();
    return std::to_string(std::chrono::duration_cast<std::chrono::microseconds>(t).count());
  }

  // The stage's resolved settings and its inputs (the stages it reads, by their "finished"
  // stamps), with the pipeline folder written as <out> so that the same folder reached by
  // another path is the same plan.
  json plan_of(const Plan& p, const json& record) const {
    const PipelineStage& s = *p.stage;
    json plan = {{"stage", s.to_json()}};
    if (p.sft) plan["sft"] = p.sft->to_json();
    if (!p.rl.is_null()) plan["rl"] = p.rl;
    if (s.kind == StageKind::kEval) plan["eval"] = pc_.eval->to_json();
    if (samples_data(s.kind) && pc_.eval) plan["holdout"] = pc_.eval->tasks;
    json inputs = json::object();
    for (const std::optional<ModelRef>* m : {&p.source, &p.start}) {
      if (!*m) continue;
      const std::string& dep = (*m)->stage;
      if (dep.empty()) {
        inputs[(*m)->dir] = "folder";
      } else {
        inputs[dep] = record.contains(dep) ? record[dep].value("finished", "") : "";
      }
    }
    plan["inputs"] = inputs;
    return json::parse(out_marked(plan.dump()));
  }

  // `text` with this pipeline's folder written as <out>, so that a plan does not depend on the
  // path it was reached by.
  std::string out_marked(std::string text) const {
    const std::string prefix = out_ + "/";
    const std::string marker = "<out>/";
    for (size_t at = text.find(prefix); at != std::string::npos;
         at = text.find(prefix, at + marker.size()))
      text.replace(at, prefix.size(), marker);
    return text;
  }

  ModelRef resolve(const std::string& ref, const std::string& where) {
    if (ref.empty()) return *last_model_;
    auto it = made_.find(ref);
    if (it != made_.end()) return it->second;
    folder_reads_.push_back({ref, where, plans_.size()});  // checked once planning is done
    return {ref, join_path(ref, "config.json"), ChatTemplate{}, ""};
  }

  // A model folder a stage reads is checked before the first stage runs, not when its turn
  // comes hours later: its config, that its weights open (every shard, every tensor inside its
  // file) with embeddings of the config's shape, and its tokenizer.
  static void check_model_folder(const std::string& dir, const std::string& where) {
    try {
      const ModelConfig mc = ModelConfig::load(join_path(dir, "config.json"));
      const WeightSource weights(dir);
      const char* name = "model.embed_tokens.weight";
      const TensorInfo* e = weights.find(name);
      const std::vector<int64_t> want = {mc.vocab_size, mc.hidden_size};
      if (!e) fail(weights.description(), ": no tensor '", name, "'");
      if (e->shape != want)
        fail(weights.file_of(name), ": tensor '", name, "' has shape ", json(e->shape).dump(),
             "; config.json gives ", json(want).dump());
      load_tokenizer(dir);
    } catch (const std::exception& e) {
      fail(where, ": model folder ", dir, ": ", e.what());
    }
  }

  // The eval suites are held out of the training stages: no generated SFT example, RL task or
  // task sampled for rejection-sft and distill is the same problem as one the pipeline evaluates
  // on (tasks/holdout.h); an SFT stage's JSONL lines whose prompt is an eval task's are dropped
  // (rejection-sft and distill write theirs from tasks already held out when sampled).
  // Suites the section holds out already (a config may name the eval suites itself) are not
  // added twice: the holdout, and so the stage's plan, is the same either way.
  void hold_out_eval(json& section) const {
    if (!pc_.eval || !section.is_object()) return;
    std::string held =
        section.contains("holdout") && section["holdout"].is_string() ? section["holdout"] : "";
    auto suites = [](const std::string& list) {
      std::vector<std::string> out;
      for (size_t at = 0; at <= list.size();) {
        size_t comma = list.find(',', at);
        if (comma == std::string::npos) comma = list.size();
        if (comma > at) out.push_back(list.substr(at, comma - at));
        at = comma + 1;
      }
      return out;
    };
    std::vector<std::string> have = suites(held);
    for (const std::string& suite : suites(pc_.eval->tasks)) {
      if (std::find(have.begin(), have.end(), suite) != have.end()) continue;
      held += held.empty() ? suite : "," + suite;
      have.push_back(suite);
    }
    section["holdout"] = held;
  }

  // Parses an SFT config whose model may not exist yet, and checks its memory. user_jsonl: the
  // data is the user's JSONL (an sft stage), held out of the eval suites here.
  SftConfig plan_sft(json j, const std::string& dir, const std::optional<ModelRef>& start,
                     const std::string& where, std::string* model_config, bool user_jsonl) {
    j["out"] = dir;
    if (start) j["model"] = model_section(j, {{"init", start->dir}});
    if (j.contains("data") && j["data"].is_object()) {
      if (j["data"].contains("generated"))
        hold_out_eval(j["data"]["generated"]);
      else if (user_jsonl && j["data"].contains("jsonl"))
        hold_out_eval(j["data"]);
    }
    SftConfig c = SftConfig::from_json(j, where);
    *model_config = start ? start->model_config
                          : (c.init.empty() ? c.model_config : join_path(c.init, "config.json"));
    SftConfig probe = c;
    if (!probe.init.empty() && !file_exists(join_path(probe.init, "config.json"))) {
      probe.init.clear();
      probe.model_config = *model_config;
    }
    check_sft_memory(probe, where);
    if (first_device_.empty()) {
      first_device_ = c.device;
      first_dtype_ = c.dtype;
    }
    return c;
  }

  void check_eval_memory(const ModelRef& m, const EvalOptions& eo,
                         const std::vector<SuiteSpec>& suites, const std::string& where) const {
    if (file_exists(m.model_config))
      check_memory(eval_memory(ModelConfig::load(m.model_config), eo, suites), where);
  }

  // Every stage is resolved and checked here, before the first one runs.
  void plan_all() {
    if (pc_.eval) eval_suites_ = parse_suites(pc_.eval->tasks);
    for (const PipelineStage& s : pc_.stages) {
      Plan p;
      p.stage = &s;
      p.dir = join_path(out_, s.name);
      const std::string where = at(s);
      switch (s.kind) {
        case StageKind::kSft: {
          if (!s.from.empty()) p.source = resolve(s.from, where);
          std::string mc;
          p.sft = plan_sft(s.config, p.dir, p.source, where, &mc, true);
          p.made = {join_path(p.dir, "final"), mc, p.sft->chat_template, s.name};
          p.trains = p.source ? "from " + p.source->label()
                              : (p.sft->init.empty() ? "fresh " + p.sft->model_config
                                                     : "from " + p.sft->init);
          break;
        }
        case StageKind::kRl: {
          p.source = resolve(s.from, where);
          json j = s.config;
          j["out"] = p.dir;
          j["model"] = model_section(j, {{"init", p.source->dir}});
          if (j.contains("tasks")) hold_out_eval(j["tasks"]);
          load_run_plugins(j, where);
          json probe = j;
          if (!file_exists(join_path(p.source->dir, "config.json"))) {
            // RunConfig checks that model.init exists; until the source is made, check the rest
            // against a fresh model of its shape.
            probe["model"] =
                model_section(j, {{"config", p.source->model_config}, {"init_seed", 0}});
          }
          const RunConfig rc = RunConfig::from_json(probe, where);
          check_run_memory(rc, "all");
          p.rl = j;
          p.made = {join_path(p.dir, "final"), p.source->model_config, rc.chat, s.name};
          p.trains = "from " + p.source->label();
          break;
        }
        case StageKind::kRejectionSft:
        case StageKind::kDistill: {
          p.source = resolve(s.from, where);
          if (!s.init.empty()) p.start = resolve(s.init, where);
          json j = s.config;
          j["data"] = {{"jsonl", join_path(p.dir, "samples.jsonl")}};
          std::string mc;
          p.sft = plan_sft(j, p.dir, p.start, where, &mc, false);
          p.made = {join_path(p.dir, "final"), mc, p.sft->chat_template, s.name};
          p.trains = p.start ? "trains " + p.start->label()
                             : (p.sft->init.empty() ? "trains fresh " + p.sft->model_config
                                                    : "trains " + p.sft->init);
          check_eval_memory(*p.source, generation_options(s, *p.source), parse_suites(s.tasks),
                            where);
          break;
        }
        case StageKind::kEval: {
          p.source = resolve(s.from, where);
          check_eval_memory(*p.source, eval_options(*p.source), eval_suites_, where);
          break;
        }
      }
      if (p.source && !s.chat_template.is_null() && s.kind != StageKind::kRl &&
          s.kind != StageKind::kSft) {
        p.source->chat =
            ChatTemplate::from_json(s.chat_template, where + ": field 'chat_template'");
      }
      if (makes_model(s.kind)) {
        made_[s.name] = p.made;
        last_model_ = p.made;
      }
      plans_.push_back(std::move(p));
    }
    // Model folders are checked before the first stage runs, for stages that still need them.
    std::set<std::string> checked;
    for (const FolderRead& r : folder_reads_) {
      const Plan& reader = plans_[r.plan];
      if (file_exists(join_path(reader.dir, "done")) || eval_done(reader)) continue;
      if (checked.insert(r.dir).second) check_model_folder(r.dir, r.where);
    }
    // eval.device and eval.dtype each default to the first SFT stage's.
    const bool own = pc_.eval && !pc_.eval->device.empty();
    const std::string device = own ? pc_.eval->device : first_device_;
    const std::string dtype = pc_.eval && !pc_.eval->dtype.empty() ? pc_.eval->dtype
                              : own                                ? ""
                                                                   : first_dtype_;
    backend_ = &backend_for(device.empty() ? "cpu" : device, dtype, where_ + ": eval.device",
                            where_ + ": eval.dtype");
  }

  // The eval settings and a sampling stage's share their field names.
  template <typename Settings>
  static EvalOptions generation_options(const Settings& s, const ModelRef& m) {
    EvalOptions eo;
    eo.samples = s.samples;
    eo.sampling.temperature = s.temperature;
    eo.sampling.top_p = s.top_p;
    eo.max_new_tokens = s.max_new_tokens;
    eo.seed = s.seed;
    eo.slots = s.slots;
    eo.chat = m.chat;
    return eo;
  }

  EvalOptions eval_options(const ModelRef& m) const {
    EvalOptions eo = generation_options(*pc_.eval, m);
    eo.greedy = pc_.eval->greedy;
    return eo;
  }

  // Runs SFT into p.dir unless it is done; true when it ran.
  bool run_sft_stage(const Plan& p) {
    if (file_exists(join_path(p.dir, "done"))) return false;
    SftOptions so;
    so.out = p.dir;
    so.resume = !list_checkpoints(p.dir).empty();
    so.show_progress = true;
    run_sft(*p.sft, so);
    write_file_atomic(join_path(p.dir, "done"), "");
    return true;
  }

  // True when the stage did work in this invocation; false when it was already done.
  bool run_stage(const Plan& p) {
    const PipelineStage& s = *p.stage;
    switch (s.kind) {
      case StageKind::kSft: {
        const bool ran = run_sft_stage(p);
        if (!ran) log_info("pipeline: stage ", s.name, " (sft) already in ", p.dir);
        return ran;
      }
      case StageKind::kRl: {
        if (file_exists(join_path(p.dir, "final/model.safetensors")) &&
            file_exists(join_path(p.dir, "done"))) {
          log_info("pipeline: stage ", s.name, " (rl) already in ", p.dir);
          return false;
        }
        const RunConfig rl = RunConfig::from_json(p.rl, at(s));
        check_run_memory(rl, "all");
        const bool resume = !list_checkpoints(p.dir).empty();
        const std::string dir = prepare_run_dir(rl, p.dir, resume);
        install_stop_handlers();
        run_embedded(rl, dir, resume);
        if (stop_requested()) return true;
        // The stages below never check for a stop request: let a signal end them at once.
        restore_default_stop_handlers();
        write_file_atomic(join_path(p.dir, "done"), "");
        return true;
      }
      case StageKind::kRejectionSft:
      case StageKind::kDistill: {
        bool ran = false;
        const std::string stats_path = join_path(p.dir, "sampling.json");
        if (!file_exists(stats_path)) {
          ran = true;
          sample(p, stats_path);
        }
        ran = run_sft_stage(p) || ran;
        if (!ran)
          log_info("pipeline: stage ", s.name, " (", stage_kind_name(s.kind), ") already in ",
                   p.dir);
        return ran;
      }
      case StageKind::kEval: {
        const std::string path = eval_path(s);
        if (file_exists(path)) {
          log_info("pipeline: stage ", s.name, " (eval) already in ", path);
          return false;
        }
        evaluate(p.source->dir, eval_options(*p.source), eval_suites_, path, p.source->label(),
                 *backend_);
        return true;
      }
    }
    return false;
  }

  void sample(const Plan& p, const std::string& stats_path) {
    const PipelineStage& s = *p.stage;
    RejectionOptions ro;
    ro.eval = generation_options(s, *p.source);
    ro.keep = s.keep;
    ro.require_format = s.require_format;
    if (pc_.eval) ro.holdout = pc_.eval->tasks;
    ro.sampler = p.source->label();  // the stage plan already ties it to those weights
    ro.keep_journal = true;          // until sampling.json records the result
    make_dirs(p.dir);
    log_info("pipeline: stage ", s.name, ": ", p.source->label(), " samples ", s.samples,
             " completions per task of ", s.tasks);
    auto model = load_model(p.source->dir, *backend_);
    auto tok = load_tokenizer(p.source->dir);
    PartProgress progress("sample", "completions");
    const RejectionStats st =
        rejection_sample(*model, *tok, parse_suites(s.tasks), ro, join_path(p.dir, "samples.jsonl"),
                         [&](size_t done, size_t total, const std::string& suite) {
                           progress.update(suite, done, total);
                         });
    progress.finish();
    json stats = st.to_json();
    stats["sampler"] = p.source->dir;
    stats["tasks_spec"] = s.tasks;
    if (st.kept == 0) {
      fail(at(s), ": no sample was kept (", stats.dump(), "); the sampler solved none of ", s.tasks,
           ": use easier tasks, more samples, or require_format false");
    }
    write_file_atomic(stats_path, stats.dump(2) + "\n");
    remove_rejection_journal(join_path(p.dir, "samples.jsonl"));
    log_info("pipeline: stage ", s.name, ": kept ", st.kept, " of ", st.samples, " samples (",
             st.correct, " correct) for ", st.prompts_kept, " of ", st.prompts, " prompts");
  }

  std::string stage_result(const Plan& p) const {
    const PipelineStage& s = *p.stage;
    switch (s.kind) {
      case StageKind::kSft:
        return sft_result(p.dir);
      case StageKind::kRl: {
        const std::vector<json> rows = read_run_metrics(p.dir);
        return rows.empty() ? "" : cat(rows.size(), " GRPO steps");
      }
      case StageKind::kRejectionSft:
      case StageKind::kDistill: {
        const std::string path = join_path(p.dir, "sampling.json");
        if (!file_exists(path)) return "";
        const json st = load_json_file(path);
        return cat("kept ", st["kept"].get<int64_t>(), " of ", st["samples"].get<int64_t>(),
                   " samples (", st["correct"].get<int64_t>(), " correct) for ",
                   st["prompts_kept"].get<int64_t>(), " of ",
                   st.value("prompts", st["tasks"].get<int64_t>()), " prompts; ",
                   sft_result(p.dir));
      }
      case StageKind::kEval: {
        const std::string path = eval_path(s);
        return file_exists(path) ? eval_result(load_json_file(path)) : "";
      }
    }
    return "";
  }

  std::string summary(const json& record) const {
    std::string md =
        "## stages\n\n| stage | kind | model | result | minutes |\n|---|---|---|---|---|\n";
    for (const Plan& p : plans_) {
      const PipelineStage& s = *p.stage;
      std::string model;
      switch (s.kind) {
        case StageKind::kSft:
        case StageKind::kRl:
          model = p.trains;
          break;
        case StageKind::kRejectionSft:
        case StageKind::kDistill:
          model = "samples with " + p.source->label() + ", " + p.trains;
          break;
        case StageKind::kEval:
          model = p.source->label();
          break;
      }
      const json& r = record.contains(s.name) ? record[s.name] : json::object();
      const std::string minutes = !r.contains("minutes")      ? "-"
                                  : r.value("resumed", false) ? "(earlier)"
                                                              : fixed(r["minutes"].get<double>());
      md += cat("| ", s.name, " | ", stage_kind_name(s.kind), " | ", model, " | ", stage_result(p),
                " | ", minutes, " |\n");
    }
    md += "\nminutes: the wall time of the invocation that finished the stage\n";
    std::map<std::string, json> reports;
    for (const Plan& p : plans_) {
      const PipelineStage& s = *p.stage;
      if (s.kind == StageKind::kEval) {
        const json report = load_json_file(eval_path(s));
        reports[s.name] = report;
        md += cat("\n## eval ", s.name, " (model: ", p.source->label(), ")\n\n",
                  markdown_table(report));
        if (!s.compare.empty()) {
          md += "\n" + markdown_comparison(compare_reports(report, reports.at(s.compare)), s.name,
                                           s.compare);
        }
      }
    }
    if (pc_.target) {
      const PipelineTarget& t = *pc_.target;
      md += "\n" + target_verdict(reports.at(t.before), reports.at(t.after), t.suite, t.min_gain);
    }
    // What each RL stage shows besides the scores: accuracy, length, backtracks, false claims.
    for (const Plan& p : plans_) {
      if (p.stage->kind != StageKind::kRl) continue;
      const std::vector<json> rows = read_run_metrics(p.dir);
      if (rows.empty()) continue;
      md += cat("\n## the RL stage ", p.stage->name,
                " (means over the first, middle and last tenth of its steps)\n\n",
                run_story_markdown(rows));
      md += "\ncurves:";
      for (const std::string& f : write_run_story_plots(rows, out_, p.stage->name)) md += " " + f;
      md += "\n";
    }
    return md;
  }

  const PipelineConfig& pc_;
  const std::string out_, where_;
  std::vector<Plan> plans_;
  std::map<std::string, ModelRef> made_;
  std::optional<ModelRef> last_model_;
  struct FolderRead {
    std::string dir, where;
    size_t plan;  // index in plans_ of the stage that reads it
  };
  std::vector<FolderRead> folder_reads_;  // model folders that stages read (from, init)
  std::vector<SuiteSpec> eval_suites_;
  std::string first_device_, first_dtype_;
  const Backend<float>* backend_ = nullptr;
};

}  // namespace

int run_pipeline(const PipelineConfig& config, const json& given, const std::string& out,
                 const std::string& where) {
  PipelineRunner runner(config, out, where);
  return runner.run(given);
}

}  // namespace r1
