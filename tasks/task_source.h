// The stream of tasks for an RL run: a weighted mix of generated families (level from the
// curriculum, or fixed) and datasets. Task k of the stream is drawn from Rng(seed, k), so the
// stream is the same on every machine; tasks that are the same problem as one of
// `holdout`'s suites are skipped (tasks/holdout.h); the cursor (k), the curriculum and the
// datasets' read positions make up the state, saved with a checkpoint so a resumed run continues
// the same stream. Datasets are read in a fresh shuffled order each epoch. Not thread-safe: one
// owner draws tasks and records results.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/config_fields.h"
#include "tasks/curriculum.h"
#include "tasks/external_tasks.h"
#include "tasks/generator.h"
#include "tasks/holdout.h"
#include "tasks/selfplay/selfplay_source.h"
#include "tasks/task.h"

namespace r1 {

struct TaskSourceEntry : FieldListed<TaskSourceEntry> {
  std::string family;   // a generator family, or
  std::string dataset;  // a dataset format (see tasks/datasets.h) read from `path`, or
  std::string path;
  std::optional<ExternalTaskOptions> external;  // a program that writes tasks (external_tasks.h)
  std::optional<SelfPlayOptions> self_play;     // tasks the policy proposes (selfplay_source.h)
  double weight = 1.0;  // relative share of the stream, > 0
  int difficulty = 0;   // generated families: a fixed level, or 0 to follow the curriculum
  json options = json::object();  // generated families: the generator's options
  // Generated families: each task carries its worked solution (the generator's solve(), in
  // meta["guide"]); rollout workers add it to the task's group as one more completion, sampled
  // by no one (off-policy guidance, as LUFFY). The model never sees it in a prompt.
  bool guide = false;

  static TaskSourceEntry from_json(const json& j, const std::string& where);
  static const ConfigFields<TaskSourceEntry>& fields();  // name, default, check, help of each
};

struct TaskSourceConfig : FieldListed<TaskSourceConfig> {
  uint64_t seed = 0;
  std::vector<TaskSourceEntry> mix;
  CurriculumConfig curriculum;
  std::string holdout;  // suites whose problems the stream never gives (tasks/holdout.h)

  // {"seed": 1, "mix": [{"family": "arith", "weight": 2}, {"family": "countdown", "difficulty": 3},
  //  {"dataset": "gsm8k", "path": "train.jsonl"}], "curriculum": {...}}
  // Reads the fields, then checks curriculum.start_levels against the mix (a family the
  // curriculum drives, at a level it has), so that a typo fails where the config is read.
  static TaskSourceConfig from_json(const json& j, const std::string& where);
  static const ConfigFields<TaskSourceConfig>& fields();  // name, default, check, help of each
};

class TaskSource {
 public:
  explicit TaskSource(TaskSourceConfig config);

  Task next();  // the task at cursor(); advances the cursor
  // Feeds a result to the curriculum (generated families that follow it; others are ignored).
  void record(const Task& task, bool correct);

  uint64_t cursor() const { return cursor_; }
  uint64_t held_out() const { return held_out_; }  // tasks skipped as held-out problems so far
  // The external sources' counts, by name ({} when the mix has none).
  json external_counts() const;
  // The mix's self-play entry (at most one), or null.
  SelfPlaySource* self_play() { return self_play_; }
  const Holdout& holdout() const { return holdout_; }
  const Curriculum& curriculum() const { return curriculum_; }
  const TaskSourceConfig& config() const { return config_; }

  // {"seed", "cursor", "curriculum", "datasets": {"<entry index>": tasks drawn},
  //  "external": {"<entry index>": ExternalTaskFeed::state()},
  //  "self_play": {"<entry index>": the task buffer (TaskBuffer::state())}}
  json state() const;
  // Throws if the state comes from another seed or mix.
  void load_state(const json& j, const std::string& where);

 private:
  struct Source {
    TaskSourceEntry entry;
    uint64_t units = 0;  // integer weight: the draw uses integers only
    std::unique_ptr<TaskGenerator> generator;
    std::unique_ptr<ExternalTaskFeed> external;
    std::unique_ptr<SelfPlaySource> self_play;
    std::vector<Task> tasks;  // datasets
    uint64_t drawn = 0;       // datasets: tasks taken so far
    uint64_t order_epoch = UINT64_MAX;
    std::vector<uint32_t> order;  // datasets: this epoch's shuffled order
  };
  Task from_dataset(Source& s, size_t index);
  size_t pick_source(uint64_t k) const;  // the source of task k of the stream
  // The task at the cursor, from that source; nullopt when an external source has none now
  // (the cursor still advances, as for a held-out task).
  std::optional<Task> draw(size_t source);

  TaskSourceConfig config_;
  std::vector<Source> sources_;
  uint64_t total_units_ = 0;
  uint64_t cursor_ = 0;
  Curriculum curriculum_;
  Holdout holdout_;
  uint64_t held_out_ = 0;
  static constexpr uint64_t kMaxUnavailableInARow = 20000;
  uint64_t unavailable_in_a_row_ = 0;
  SelfPlaySource* self_play_ = nullptr;
};

}  // namespace r1
