// Difficulty control per task family. Each family keeps a window of its recent results at
// its current level; once at least min_samples results have come in since the last change,
// a pass rate above `high` moves one level up and one below `low` moves one level down.
// The gap between low and high, the fresh window after each change and the minimum sample
// count are the hysteresis that stops the level from flapping. Results for tasks made at an
// older level (rollouts in flight when the level changed) are counted as stale and ignored.
// The state is JSON so that a resumed run continues exactly where it stopped.
#pragma once
#include <cstdint>
#include <deque>
#include <map>
#include <string>

#include "core/config_fields.h"
#include "core/json.h"

namespace r1 {

struct CurriculumConfig : FieldListed<CurriculumConfig> {
  double low = 0.2;      // pass rate below which the level goes down
  double high = 0.8;     // pass rate above which the level goes up
  int window = 64;       // results kept per family (the most recent ones at the current level)
  int min_samples = 32;  // results at a level before it may change again (<= window)
  int start = 1;         // first level of every family, unless `start_levels` says otherwise
  std::map<std::string, int> start_levels;  // family -> first level

  // Reads {"low", "high", "window", "min_samples", "start", "start_levels": {family: level}};
  // unknown fields and inconsistent values (low >= high, min_samples > window) throw naming
  // `where` and the field.
  static CurriculumConfig from_json(const json& j, const std::string& where);
  static const ConfigFields<CurriculumConfig>& fields();  // name, default, check, help of each
};

class FamilyCurriculum {
 public:
  FamilyCurriculum(const CurriculumConfig& config, int max_difficulty, int start);

  int difficulty() const { return level_; }
  int max_difficulty() const { return max_; }
  // Adds one result for a task made at `difficulty`; returns true when the level changed.
  bool record(int difficulty, bool correct);
  double pass_rate() const;  // over the window; 0 when empty
  size_t samples() const { return window_.size(); }
  uint64_t stale() const { return stale_; }

  json state() const;
  void load_state(const json& j, const std::string& where);

 private:
  CurriculumConfig config_;
  int max_;
  int level_;
  std::deque<bool> window_;  // recent results at level_, oldest first
  int since_change_ = 0;     // results at level_ since it was set
  uint64_t stale_ = 0;       // results ignored because their task had another level
  uint64_t changes_ = 0;
};

class Curriculum {
 public:
  explicit Curriculum(CurriculumConfig config = {});

  // Adds a family (max level from its generator) if it is not there yet.
  void add_family(const std::string& family, int max_difficulty);
  bool has_family(const std::string& family) const { return families_.count(family) > 0; }
  int difficulty(const std::string& family) const;  // throws for a family never added
  bool record(const std::string& family, int difficulty, bool correct);
  const FamilyCurriculum& family(const std::string& name) const;
  const CurriculumConfig& config() const { return config_; }

  // {"families": {name: state}}; load_state() needs the same families added first.
  json state() const;
  void load_state(const json& j, const std::string& where);

 private:
  CurriculumConfig config_;
  std::map<std::string, FamilyCurriculum> families_;
};

}  // namespace r1
