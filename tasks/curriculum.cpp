#include "tasks/curriculum.h"

#include <algorithm>

#include "core/error.h"

namespace r1 {

CurriculumConfig CurriculumConfig::from_json(const json& j, const std::string& where) {
  JsonReader r(j, where);
  CurriculumConfig c;
  c.low = r.get<double>("low", c.low);
  c.high = r.get<double>("high", c.high);
  c.window = r.get<int>("window", c.window);
  c.min_samples = r.get<int>("min_samples", c.min_samples);
  c.start = r.get<int>("start", c.start);
  JsonReader levels = r.child("start_levels");
  const json& raw_levels = r.has("start_levels") ? j.at("start_levels") : json::object();
  for (auto it = raw_levels.begin(); it != raw_levels.end(); ++it) {
    c.start_levels[it.key()] = levels.req<int>(it.key());
  }
  levels.done();
  r.done();
  r.check(c.low >= 0 && c.low < c.high && c.high <= 1, "high",
          cat("need 0 <= low < high <= 1, got low ", c.low, ", high ", c.high));
  r.check(c.window >= 1, "window", cat("must be >= 1, got ", c.window));
  r.check(c.min_samples >= 1 && c.min_samples <= c.window, "min_samples",
          cat("must be in 1..window (", c.window, "), got ", c.min_samples));
  r.check(c.start >= 1, "start", cat("must be >= 1, got ", c.start));
  for (const auto& [f, lv] : c.start_levels) {
    levels.check(lv >= 1, f, cat("must be >= 1, got ", lv));
  }
  return c;
}

json CurriculumConfig::to_json() const {
  json levels = json::object();
  for (const auto& [f, lv] : start_levels) levels[f] = lv;
  return {{"low", low},       {"high", high},
          {"window", window}, {"min_samples", min_samples},
          {"start", start},   {"start_levels", levels}};
}

FamilyCurriculum::FamilyCurriculum(const CurriculumConfig& config, int max_difficulty, int start)
    : config_(config), max_(max_difficulty), level_(std::clamp(start, 1, max_difficulty)) {
  R1_CHECK(max_difficulty >= 1);
}

bool FamilyCurriculum::record(int difficulty, bool correct) {
  if (difficulty != level_) {
    ++stale_;
    return false;
  }
  window_.push_back(correct);
  if (window_.size() > static_cast<size_t>(config_.window)) window_.pop_front();
  if (++since_change_ < config_.min_samples) return false;
  double rate = pass_rate();
  int next = level_;
  if (rate > config_.high && level_ < max_)
    next = level_ + 1;
  else if (rate < config_.low && level_ > 1)
    next = level_ - 1;
  if (next == level_) return false;
  level_ = next;
  window_.clear();
  since_change_ = 0;
  ++changes_;
  return true;
}

double FamilyCurriculum::pass_rate() const {
  if (window_.empty()) return 0.0;
  size_t pass = std::count(window_.begin(), window_.end(), true);
  return static_cast<double>(pass) / static_cast<double>(window_.size());
}

json FamilyCurriculum::state() const {
  std::string bits;
  for (bool b : window_) bits += b ? '1' : '0';
  return {{"difficulty", level_},
          {"window", bits},
          {"since_change", since_change_},
          {"stale", stale_},
          {"changes", changes_}};
}

void FamilyCurriculum::load_state(const json& j, const std::string& where) {
  JsonReader r(j, where);
  int level = r.req<int>("difficulty");
  std::string bits = r.req<std::string>("window");
  int since = r.req<int>("since_change");
  uint64_t stale = r.get<uint64_t>("stale", 0);
  uint64_t changes = r.get<uint64_t>("changes", 0);
  r.done();
  r.check(level >= 1 && level <= max_, "difficulty", cat("must be in 1..", max_, ", got ", level));
  r.check(bits.size() <= static_cast<size_t>(config_.window) &&
              bits.find_first_not_of("01") == std::string::npos,
          "window", cat("must be at most ", config_.window, " characters of 0 and 1"));
  r.check(since >= 0, "since_change", "must be >= 0");
  level_ = level;
  window_.clear();
  for (char ch : bits) window_.push_back(ch == '1');
  since_change_ = since;
  stale_ = stale;
  changes_ = changes;
}

Curriculum::Curriculum(CurriculumConfig config) : config_(std::move(config)) {}

void Curriculum::add_family(const std::string& family, int max_difficulty) {
  if (families_.count(family)) return;
  auto it = config_.start_levels.find(family);
  int start = it != config_.start_levels.end() ? it->second : config_.start;
  families_.emplace(family, FamilyCurriculum(config_, max_difficulty, start));
}

const FamilyCurriculum& Curriculum::family(const std::string& name) const {
  auto it = families_.find(name);
  if (it == families_.end()) fail("curriculum: no family '", name, "'");
  return it->second;
}

int Curriculum::difficulty(const std::string& family) const {
  return this->family(family).difficulty();
}

bool Curriculum::record(const std::string& family, int difficulty, bool correct) {
  auto it = families_.find(family);
  if (it == families_.end()) fail("curriculum: result for unknown family '", family, "'");
  return it->second.record(difficulty, correct);
}

json Curriculum::state() const {
  json f = json::object();
  for (const auto& [name, fc] : families_) f[name] = fc.state();
  return {{"families", f}};
}

void Curriculum::load_state(const json& j, const std::string& where) {
  JsonReader r(j, where);
  const json& f = r.raw("families");
  r.done();
  if (!f.is_object()) r.fail_field("families", "expected an object");
  for (auto it = f.begin(); it != f.end(); ++it) {
    auto fam = families_.find(it.key());
    if (fam == families_.end()) fail(where, ": families: '", it.key(), "' is not part of this run");
    fam->second.load_state(it.value(), cat(where, ": families.", it.key()));
  }
}

}  // namespace r1
