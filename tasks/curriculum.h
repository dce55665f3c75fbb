// Difficulty control per task family. Each family collects its results at its current level in
// windows of `window` results, and decides once per full window: a pass rate above `high` moves
// one level up, one below `low` one level down, anything else keeps the level; then a fresh
// window starts. One test per window, not one after every result: a group's G samples of one
// task are correlated, so the pass rate of a few hundred results is noisy, and testing it
// after each of them would cross a bound by chance long before the policy does. The band
// between low and high and the fresh window are the hysteresis that stops the level from
// flapping. Results for tasks made at an older level (rollouts in flight when the level changed)
// are counted as stale and ignored. The state is JSON so that a resumed run continues exactly
// where it stopped.
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
  int window = 64;       // results per decision: the level may change once per window
  int start = 1;         // first level of every family, unless `start_levels` says otherwise
  std::map<std::string, int> start_levels;  // family -> first level

  // Reads {"low", "high", "window", "start", "start_levels": {family: level}}; unknown fields and
  // inconsistent values (low >= high) throw naming `where` and the field; "min_samples" (gone:
  // decisions are once per window) throws saying so.
  static CurriculumConfig from_json(const json& j, const std::string& where);
  static const ConfigFields<CurriculumConfig>& fields();  // name, default, check, help of each
};

class FamilyCurriculum {
 public:
  FamilyCurriculum(const CurriculumConfig& config, int max_difficulty, int start);

  int difficulty() const { return level_; }
  int max_difficulty() const { return max_; }
  // Adds one result for a task made at `difficulty`; returns true when the level changed (only
  // ever on the result that fills a window).
  bool record(int difficulty, bool correct);
  double pass_rate() const;  // over the window being filled; 0 when empty
  size_t samples() const { return window_.size(); }
  uint64_t stale() const { return stale_; }
  uint64_t decisions() const { return decisions_; }  // full windows so far
  double last_rate() const { return last_rate_; }    // the last full window's pass rate

  json state() const;
  void load_state(const json& j, const std::string& where);

 private:
  CurriculumConfig config_;
  int max_;
  int level_;
  std::deque<bool> window_;  // results at level_ since the last decision, oldest first
  uint64_t stale_ = 0;       // results ignored because their task had another level
  uint64_t changes_ = 0;
  uint64_t decisions_ = 0;
  double last_rate_ = 0;
};

class Curriculum {
 public:
  explicit Curriculum(CurriculumConfig config = {});

  // Adds a family (max level from its generator) if it is not there yet.
  void add_family(const std::string& family, int max_difficulty);
  bool has_family(const std::string& family) const { return families_.count(family) > 0; }
  // Throws naming the field when start_levels names a family not added (a typo would leave its
  // family at `start`) or a level past the family's last; call once every family is added.
  void check_start_levels(const std::string& where) const;
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
