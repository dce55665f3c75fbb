#include "tasks/curriculum.h"

#include <algorithm>

#include "core/error.h"

namespace r1 {

const ConfigFields<CurriculumConfig>& CurriculumConfig::fields() {
  using C = CurriculumConfig;
  static const auto f =
      ConfigFields<C>("curriculum")
          .add("low", &C::low, "pass rate below which the level goes down")
          .add("high", &C::high, "pass rate above which the level goes up")
          .add("window", &C::window,
               "results per decision: once per window of results at a level, the level moves "
               "one up (pass rate > high), one down (< low) or stays",
               must_got<int>([](int v) { return v >= 1; }, "must be >= 1"))
          .add("start", &C::start, "first level of every family, unless start_levels says",
               must_got<int>([](int v) { return v >= 1; }, "must be >= 1"))
          .add("start_levels", &C::start_levels, "family -> first level",
               FieldCheck<std::map<std::string, int>>(
                   [](const std::map<std::string, int>& levels) -> std::optional<std::string> {
                     for (const auto& [family, level] : levels) {
                       if (level < 1) return cat("'", family, "' must be >= 1, got ", level);
                     }
                     return std::nullopt;
                   }));
  return f;
}

CurriculumConfig CurriculumConfig::from_json(const json& j, const std::string& where) {
  JsonReader r(j, where);
  if (j.is_object() && j.contains("min_samples")) {
    r.fail_field("min_samples",
                 "is gone: the curriculum now decides once per window of 'window' results (set "
                 "'window' to the results each decision should see, and drop min_samples)");
  }
  CurriculumConfig c = fields().read(j, where);
  r.check(c.low >= 0 && c.low < c.high && c.high <= 1, "high",
          cat("need 0 <= low < high <= 1, got low ", c.low, ", high ", c.high));
  return c;
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
  if (window_.size() < static_cast<size_t>(config_.window)) return false;
  last_rate_ = pass_rate();
  window_.clear();
  ++decisions_;
  int next = level_;
  if (last_rate_ > config_.high && level_ < max_)
    next = level_ + 1;
  else if (last_rate_ < config_.low && level_ > 1)
    next = level_ - 1;
  if (next == level_) return false;
  level_ = next;
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
  return {{"difficulty", level_}, {"window", bits},          {"stale", stale_},
          {"changes", changes_},  {"decisions", decisions_}, {"last_rate", last_rate_}};
}

void FamilyCurriculum::load_state(const json& j, const std::string& where) {
  JsonReader r(j, where);
  int level = r.req<int>("difficulty");
  std::string bits = r.req<std::string>("window");
  uint64_t stale = r.get<uint64_t>("stale", 0);
  uint64_t changes = r.get<uint64_t>("changes", 0);
  uint64_t decisions = r.get<uint64_t>("decisions", 0);
  double last_rate = r.get<double>("last_rate", 0.0);
  // States written before decisions were once per window: their window of the most recent
  // results is read as the window being filled (a full one decides on the next result).
  r.ignore({"since_change"});
  r.done();
  r.check(level >= 1 && level <= max_, "difficulty", cat("must be in 1..", max_, ", got ", level));
  r.check(bits.size() <= static_cast<size_t>(config_.window) &&
              bits.find_first_not_of("01") == std::string::npos,
          "window", cat("must be at most ", config_.window, " characters of 0 and 1"));
  level_ = level;
  window_.clear();
  for (char ch : bits) window_.push_back(ch == '1');
  stale_ = stale;
  changes_ = changes;
  decisions_ = decisions;
  last_rate_ = last_rate;
}

Curriculum::Curriculum(CurriculumConfig config) : config_(std::move(config)) {}

void Curriculum::add_family(const std::string& family, int max_difficulty) {
  if (families_.count(family)) return;
  auto it = config_.start_levels.find(family);
  int start = it != config_.start_levels.end() ? it->second : config_.start;
  families_.emplace(family, FamilyCurriculum(config_, max_difficulty, start));
}

void Curriculum::check_start_levels(const std::string& where) const {
  for (const auto& [name, level] : config_.start_levels) {
    auto it = families_.find(name);
    if (it == families_.end()) {
      std::string known;
      for (const auto& [f, _] : families_) known += (known.empty() ? "" : ", ") + f;
      fail(where, ": field 'start_levels': '", name, "' is no family the curriculum drives (",
           known.empty() ? std::string("none: every mix entry has a fixed difficulty")
                         : "known: " + known,
           ")");
    }
    if (level > it->second.max_difficulty())
      fail(where, ": field 'start_levels': '", name, "' starts at ", level,
           ", past its last level, ", it->second.max_difficulty());
  }
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
