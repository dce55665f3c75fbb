#include "tasks/task_source.h"

#include <chrono>
#include <cmath>
#include <thread>

#include "core/error.h"
#include "core/log.h"
#include "core/rl_messages.h"
#include "tasks/datasets.h"
#include "tasks/suite.h"

namespace r1 {

const ConfigFields<TaskSourceEntry>& TaskSourceEntry::fields() {
  using C = TaskSourceEntry;
  static const auto f =
      ConfigFields<C>("tasks.mix[i]")
          .add("family", &C::family, "a generated task family (r1 tasks --list), or", nullptr,
               unless_empty())
          .add("dataset", &C::dataset, "a dataset format (tasks/datasets.h) read from path",
               nullptr, unless_empty())
          .add("path", &C::path, "the dataset's file", nullptr, unless_empty())
          .add("external", &C::external,
               "a program in any language that writes tasks as JSON lines (tasks.mix[i].external "
               "below; docs/tasks.md)")
          .add("self_play", &C::self_play,
               "tasks the policy proposes and solves, Absolute Zero style "
               "(tasks.mix[i].self_play below; docs/selfplay.md)")
          .add("weight", &C::weight, "relative share of the stream",
               must_got<double>([](double v) { return v > 0 && v <= 1e6; },
                                "must be > 0 and <= 1e6"))
          .add("difficulty", &C::difficulty,
               "generated families: a fixed level, or 0 to follow the curriculum")
          .add("options", &C::options, "generated families: the family's options (docs/tasks.md)")
          .add("guide", &C::guide,
               "generated families: add the task's worked solution to its group as one more "
               "completion, trained on like the sampled ones (off-policy guidance; "
               "docs/learner.md)");
  return f;
}

TaskSourceEntry TaskSourceEntry::from_json(const json& j, const std::string& where) {
  TaskSourceEntry s = fields().read(j, where);
  JsonReader e(j, where);
  e.check((s.family.empty() ? 0 : 1) + (s.dataset.empty() ? 0 : 1) + (s.external ? 1 : 0) +
                  (s.self_play ? 1 : 0) ==
              1,
          "family", "give exactly one of 'family', 'dataset', 'external' and 'self_play'");
  e.check(!s.self_play || (s.options.empty() && s.difficulty == 0), "self_play",
          "a self-play entry takes its options inside 'self_play', and has no levels");
  e.check(!s.external || s.options.empty(), "options",
          "an external source takes its options inside 'external'");
  e.check(!s.external || s.difficulty <= s.external->max_difficulty, "difficulty",
          cat("must be 0 (curriculum) or 1..", s.external ? s.external->max_difficulty : 0,
              " (the source's max_difficulty)"));
  e.check(s.dataset.empty() || !s.path.empty(), "path", "a dataset needs a 'path'");
  e.check(s.dataset.empty() || is_dataset_format(s.dataset), "dataset",
          cat("unknown format '", s.dataset, "'"));
  e.check(s.dataset.empty() || s.difficulty == 0, "difficulty",
          "only generated families have levels");
  e.check(s.dataset.empty() || s.options.empty(), "options",
          "only generated families have options");
  e.check(!s.guide || !s.family.empty(), "guide",
          "only generated families have worked solutions to guide with");
  if (!s.family.empty()) {
    if (!has_generator(s.family)) {
      std::string known;
      for (const auto& n : generator_names()) known += (known.empty() ? "" : ", ") + n;
      e.fail_field("family", cat("unknown task family '", s.family, "' (known: ", known, ")"));
    }
    auto gen = make_generator(s.family, s.options, cat(where, ": field 'options'"));
    e.check(s.difficulty == 0 || (s.difficulty >= 1 && s.difficulty <= gen->max_difficulty()),
            "difficulty",
            cat("must be 0 (curriculum) or 1..", gen->max_difficulty(), " for ", s.family, ", got ",
                s.difficulty));
  }
  return s;
}

namespace {

// The curriculum a mix drives: its families drawn by level, each with its last level (a
// TaskSource's own, and what TaskSourceConfig::from_json checks start_levels against).
Curriculum curriculum_of(const TaskSourceConfig& c) {
  Curriculum cur(c.curriculum);
  for (const auto& e : c.mix) {
    if (e.difficulty != 0) continue;
    if (!e.family.empty())
      cur.add_family(e.family, make_generator(e.family, e.options, "tasks.mix")->max_difficulty());
    else if (e.external)
      cur.add_family(e.external->name, e.external->max_difficulty);
  }
  return cur;
}

}  // namespace

TaskSourceConfig TaskSourceConfig::from_json(const json& j, const std::string& where) {
  TaskSourceConfig c = fields().read(j, where);
  curriculum_of(c).check_start_levels(cat(where, ": field 'curriculum'"));
  return c;
}

const ConfigFields<TaskSourceConfig>& TaskSourceConfig::fields() {
  using C = TaskSourceConfig;
  static const auto f =
      ConfigFields<C>("tasks")
          .add("seed", &C::seed, "task k of the stream is drawn from (seed, k)")
          .add("mix", &C::mix, "the sources of the stream (tasks.mix[i] below)",
               must<std::vector<TaskSourceEntry>>(
                   [](const std::vector<TaskSourceEntry>& m) { return !m.empty(); },
                   "expected a non-empty array of sources"))
          .required()
          .add("curriculum", &C::curriculum, "difficulty control per family (curriculum.h)")
          .add("holdout", &C::holdout,
               "suites (r1 eval --tasks syntax) whose problems the stream never gives; r1 "
               "pipeline adds its eval suites",
               FieldCheck<std::string>(suites_problem));
  return f;
}

TaskSource::TaskSource(TaskSourceConfig config)
    : config_(std::move(config)), curriculum_(curriculum_of(config_)), holdout_(config_.holdout) {
  if (config_.mix.empty()) fail("task source: the mix is empty");
  for (const auto& e : config_.mix) {
    Source s;
    s.entry = e;
    // Parts per million of the weight: integer draws keep the stream identical everywhere.
    s.units = static_cast<uint64_t>(std::llround(e.weight * 1e6));
    if (s.units == 0) fail("task source: weight ", e.weight, " is too small");
    if (!e.family.empty()) {
      s.generator = make_generator(e.family, e.options, cat("tasks.mix: ", e.family, ": options"));
    } else if (e.external) {
      const std::string& name = e.external->name;
      if (has_generator(name))
        fail("tasks.mix: external source '", name,
             "' has the name of a generated family; give it another 'name'");
      for (const Source& o : sources_) {
        if ((o.external && o.entry.external->name == name))
          fail("tasks.mix: two external sources are named '", name,
               "' (their seeds, task ids, curriculum and metrics would mix); give each its own "
               "'name'");
      }
      s.external = std::make_unique<ExternalTaskFeed>(*e.external, config_.seed);
    } else if (e.self_play) {
      if (self_play_)
        fail("tasks.mix: more than one self_play entry (they would share one buffer)");
      s.self_play = std::make_unique<SelfPlaySource>(*e.self_play, config_.seed);
      self_play_ = s.self_play.get();
    } else {
      s.tasks = read_dataset(e.dataset, e.path);
      if (s.tasks.empty()) fail("task source: dataset ", e.path, " has no tasks");
      if (std::string look = eval_set_look(e.path);
          !look.empty() && config_.holdout.find(e.path) == std::string::npos) {
        log_warn("tasks.mix: dataset ", e.path, " looks like an evaluation set (", look,
                 "): a score on it after training on it is recall, not reasoning. Train on "
                 "another split, or name its eval suite in tasks.holdout.");
      }
    }
    total_units_ += s.units;
    sources_.push_back(std::move(s));
  }
}

Task TaskSource::from_dataset(Source& s, size_t index) {
  uint64_t n = s.tasks.size();
  uint64_t epoch = s.drawn / n;
  if (epoch != s.order_epoch) {
    s.order.resize(n);
    for (uint32_t k = 0; k < n; ++k) s.order[k] = k;
    Rng shuffler(config_.seed, hash64(cat("dataset:", index, ":", epoch)));
    shuffler.shuffle(s.order);
    s.order_epoch = epoch;
  }
  Task t = s.tasks[s.order[s.drawn % n]];
  ++s.drawn;
  return t;
}

Task TaskSource::next() {
  // Held-out problems are skipped; the stream's cursor passes them, so the skips are the same
  // on every machine and after a resume.
  for (uint64_t skipped = 0;;) {
    if (skipped == Holdout::kMaxInARow) {
      fail("task source: ", skipped, " tasks in a row were held out (tasks.holdout '",
           config_.holdout,
           "' covers the problems this mix gives; hold out fewer suites or draw "
           "from a larger space, e.g. a higher level)");
    }
    const size_t i = pick_source(cursor_);
    std::optional<Task> t = draw(i);
    if (!t) {  // an external source that is resting: the draw passes to the next cursor
      // When nothing else in the mix serves either, wait a little per draw rather than spin,
      // and give up after minutes of nothing but failures.
      if (++unavailable_in_a_row_ > kMaxUnavailableInARow) {
        fail("task source: no task for ", kMaxUnavailableInARow,
             " draws in a row (over 3 minutes): every external source of the mix is failing (last "
             "problem: ",
             sources_[i].external->counts().last_problem, ")");
      }
      if (unavailable_in_a_row_ > 1000) std::this_thread::sleep_for(std::chrono::milliseconds(10));
      continue;  // not a held-out task
    }
    unavailable_in_a_row_ = 0;
    // Only a guided entry's tasks carry a guide: a dataset column or an external program's meta
    // of that name would otherwise be trained on as a worked solution.
    if (!sources_[i].entry.guide && t->meta.is_object()) t->meta.erase(kGuideKey);
    if (!holdout_.contains(*t, sources_[i].generator.get())) return std::move(*t);
    ++held_out_;
    ++skipped;
  }
}

size_t TaskSource::pick_source(uint64_t k) const {
  Rng rng(config_.seed, k);
  uint64_t pick = rng.below(total_units_);
  size_t i = 0;
  while (pick >= sources_[i].units) pick -= sources_[i++].units;
  return i;
}

std::optional<Task> TaskSource::draw(size_t i) {
  uint64_t k = cursor_++;
  Rng rng(config_.seed, k);
  rng.below(total_units_);  // the source's pick (pick_source), so that the task's draws follow
  Source& s = sources_[i];
  if (s.external) {
    const auto& x = *s.entry.external;
    return s.external->next(s.entry.difficulty != 0 ? s.entry.difficulty
                                                    : curriculum_.difficulty(x.name));
  }
  if (s.self_play) {
    Rng task_rng = rng.fork(1);
    return s.self_play->next(task_rng, k);
  }
  if (!s.generator) return from_dataset(s, i);
  int d = s.entry.difficulty != 0 ? s.entry.difficulty : curriculum_.difficulty(s.entry.family);
  Rng task_rng = rng.fork(1);
  Task t = s.generator->generate(task_rng, d);
  t.id = task_id(s.entry.family, config_.seed, d, k);
  if (s.entry.guide) t.meta[kGuideKey] = s.generator->solve(t);
  return t;
}

void TaskSource::record(const Task& task, bool correct) {
  if (curriculum_.has_family(task.family))
    curriculum_.record(task.family, task.difficulty, correct);
}

json TaskSource::state() const {
  json drawn = json::object(), external = json::object(), self_play = json::object();
  for (size_t i = 0; i < sources_.size(); ++i) {
    if (sources_[i].external) {
      external[std::to_string(i)] = sources_[i].external->state();
    } else if (sources_[i].self_play) {
      self_play[std::to_string(i)] = sources_[i].self_play->state();
    } else if (!sources_[i].generator) {
      drawn[std::to_string(i)] = sources_[i].drawn;
    }
  }
  json j = {
      {"seed", config_.seed}, {"cursor", cursor_},          {"curriculum", curriculum_.state()},
      {"datasets", drawn},    {"holdout", config_.holdout}, {"held_out", held_out_}};
  if (!external.empty()) j["external"] = external;
  if (!self_play.empty()) j["self_play"] = self_play;
  return j;
}

json TaskSource::external_counts() const {
  json out = json::object();
  for (const auto& s : sources_) {
    if (s.external) out[s.entry.external->name] = s.external->counts().to_json();
  }
  return out;
}

namespace {

// The mix entry a state key names ("2"), or `n` (no entry) when it is not a number.
size_t entry_index(const std::string& key, size_t n) {
  try {
    return std::stoul(key);
  } catch (const std::exception&) {
    return n;
  }
}

}  // namespace

void TaskSource::load_state(const json& j, const std::string& where) {
  JsonReader r(j, where);
  uint64_t seed = r.req<uint64_t>("seed");
  uint64_t cursor = r.req<uint64_t>("cursor");
  const json& cur = r.raw("curriculum");
  JsonReader d = r.child("datasets");
  // Absent in states written before holdouts: nothing was held out then.
  const std::string holdout = r.get<std::string>("holdout", "");
  const uint64_t held_out = r.get<uint64_t>("held_out", 0);
  const json external = j.contains("external") ? j.at("external") : json::object();
  if (j.contains("external")) r.raw("external");
  const json self_play = j.contains("self_play") ? j.at("self_play") : json::object();
  if (j.contains("self_play")) r.raw("self_play");
  r.done();
  for (size_t i = 0; i < sources_.size(); ++i) {
    if (!sources_[i].self_play) continue;
    r.check(self_play.contains(std::to_string(i)), "self_play",
            cat("no task buffer for entry ", i, " (a self-play entry of this mix)"));
  }
  for (auto it = self_play.begin(); it != self_play.end(); ++it) {
    const size_t i = entry_index(it.key(), sources_.size());
    r.check(i < sources_.size() && sources_[i].self_play, "self_play",
            cat("'", it.key(), "' is not a self-play entry of this mix"));
    sources_[i].self_play->load_state(it.value(), cat(where, ": self_play: ", it.key()));
  }
  for (auto it = external.begin(); it != external.end(); ++it) {
    const size_t i = entry_index(it.key(), sources_.size());
    r.check(i < sources_.size() && sources_[i].external, "external",
            cat("'", it.key(), "' is not an external entry of this mix"));
    sources_[i].external->load_state(it.value(), cat(where, ": external: ", it.key()));
  }
  r.check(holdout == config_.holdout, "holdout",
          cat("state was written with tasks.holdout '", holdout, "' but this run has '",
              config_.holdout, "': the stream would differ from the one it resumes"));
  r.check(seed == config_.seed, "seed",
          cat("state is for seed ", seed, " but this run has seed ", config_.seed));
  std::vector<uint64_t> drawn(sources_.size(), 0);
  const json& dj = j.contains("datasets") ? j.at("datasets") : json::object();
  for (auto it = dj.begin(); it != dj.end(); ++it) {
    const size_t i = entry_index(it.key(), sources_.size());
    d.check(i < sources_.size() && !sources_[i].generator && !sources_[i].external &&
                !sources_[i].self_play,
            it.key(), "not a dataset entry of this mix");
    drawn[i] = d.req<uint64_t>(it.key());
  }
  d.done();
  curriculum_.load_state(cur, cat(where, ": curriculum"));
  cursor_ = cursor;
  held_out_ = held_out;
  for (size_t i = 0; i < sources_.size(); ++i) {
    sources_[i].drawn = drawn[i];
    sources_[i].order_epoch = UINT64_MAX;
  }
}

}  // namespace r1
