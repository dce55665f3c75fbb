#include "tasks/selfplay/task_buffer.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace r1 {

std::optional<double> Triplet::solve_rate() const {
  if (attempts == 0) return std::nullopt;
  return static_cast<double>(solved) / static_cast<double>(attempts);
}

json Triplet::to_json() const {
  json j = {{"program", program},
            {"entry", entry},
            {"inputs", inputs},
            {"outputs", outputs},
            {"program_key", program_key},
            {"shape_key", shape_key},
            {"behaviour_key", behaviour_key},
            {"key", key},
            {"ast_nodes", ast_nodes},
            {"origin", origin},
            {"seed", seed},
            {"step", step},
            {"attempts", attempts},
            {"solved", solved}};
  if (!message.empty()) j["message"] = message;
  if (!fixed_points.empty()) j["fixed_points"] = fixed_points;
  return j;
}

Triplet Triplet::from_json(const json& j, const std::string& where) {
  JsonReader r(j, where);
  Triplet t;
  t.program = r.req<std::string>("program");
  t.entry = r.get<std::string>("entry", "f");
  t.inputs = r.req<std::vector<std::string>>("inputs");
  t.outputs = r.req<std::vector<std::string>>("outputs");
  t.message = r.get<std::string>("message", "");
  t.program_key = r.get<std::string>("program_key", "");
  t.shape_key = r.get<std::string>("shape_key", "");
  t.behaviour_key = r.get<std::string>("behaviour_key", "");
  t.key = r.req<std::string>("key");
  t.ast_nodes = r.get<int>("ast_nodes", 0);
  t.fixed_points = r.get<std::vector<bool>>("fixed_points", {});
  t.origin = r.get<std::string>("origin", "");
  t.seed = r.get<uint64_t>("seed", 0);
  t.step = r.get<int64_t>("step", -1);
  t.attempts = r.get<uint64_t>("attempts", 0);
  t.solved = r.get<uint64_t>("solved", 0);
  r.done();
  if (t.inputs.size() != t.outputs.size() || t.inputs.empty()) {
    fail(where, ": a triplet needs as many outputs as inputs, and at least one");
  }
  if (!t.fixed_points.empty() && t.fixed_points.size() != t.outputs.size())
    fail(where, ": fixed_points needs one flag per output, or none");
  if (t.solved > t.attempts) fail(where, ": solved is larger than attempts");
  return t;
}

namespace {

// One entry more, or fewer, with this key; an unknown key ("") is not counted.
void count(std::unordered_map<std::string, size_t>& counts, const std::string& key) {
  if (!key.empty()) counts[key]++;
}
void forget(std::unordered_map<std::string, size_t>& counts, const std::string& key) {
  if (auto it = counts.find(key); it != counts.end() && --it->second == 0) counts.erase(it);
}

}  // namespace

TaskBuffer::TaskBuffer(size_t capacity) : capacity_(capacity) {
  if (capacity_ == 0) fail("task buffer: capacity must be positive");
}

bool TaskBuffer::add(Triplet t) {
  R1_CHECK(!t.key.empty(), "task buffer: a triplet without a key (not validated?)");
  R1_CHECK(!t.inputs.empty() && t.inputs.size() == t.outputs.size(),
           "task buffer: a triplet needs one output per input");
  if (contains(t.key)) return false;
  if (entries_.size() == capacity_) {
    const Triplet& old = entries_.front();
    index_.erase(old.key);
    forget(programs_, old.program_key);
    forget(shapes_, old.shape_key);
    forget(behaviours_, old.behaviour_key);
    entries_.pop_front();
    ++first_;
  }
  index_[t.key] = added_++;
  count(programs_, t.program_key);
  count(shapes_, t.shape_key);
  count(behaviours_, t.behaviour_key);
  entries_.push_back(std::move(t));
  return true;
}

const Triplet* TaskBuffer::find(const std::string& key) const {
  auto it = index_.find(key);
  return it == index_.end() ? nullptr : &entries_[it->second - first_];
}

std::vector<const Triplet*> TaskBuffer::sample(Rng& rng, size_t k, size_t min_inputs) const {
  std::vector<const Triplet*> pool;
  for (const Triplet& t : entries_) {
    if (t.inputs.size() >= min_inputs) pool.push_back(&t);
  }
  // A partial Fisher-Yates shuffle: the first k are a uniform sample without repeats.
  const size_t n = std::min(k, pool.size());
  for (size_t i = 0; i < n; ++i) std::swap(pool[i], pool[i + rng.below(pool.size() - i)]);
  pool.resize(n);
  return pool;
}

std::vector<const Triplet*> TaskBuffer::sample_weighted(
    Rng& rng, size_t k, size_t min_inputs,
    const std::function<double(const Triplet&)>& weight) const {
  std::vector<const Triplet*> pool;
  std::vector<double> w;
  for (const Triplet& t : entries_) {
    if (t.inputs.size() < min_inputs) continue;
    const double x = weight(t);
    R1_CHECK(x > 0 && std::isfinite(x), "task buffer: sampling weights must be positive");
    pool.push_back(&t);
    w.push_back(x);
  }
  // Draws without replacement, one at a time: k is a handful, the buffer a few thousand.
  const size_t n = std::min(k, pool.size());
  for (size_t i = 0; i < n; ++i) {
    double total = 0;
    for (size_t j = i; j < pool.size(); ++j) total += w[j];
    double u = rng.uniform() * total;
    size_t pick = pool.size() - 1;
    for (size_t j = i; j < pool.size(); ++j) {
      if (u < w[j]) {
        pick = j;
        break;
      }
      u -= w[j];
    }
    std::swap(pool[i], pool[pick]);
    std::swap(w[i], w[pick]);
  }
  pool.resize(n);
  return pool;
}

size_t TaskBuffer::remove_if(const std::function<bool(const Triplet&)>& drop) {
  json kept = json::array();
  size_t removed = 0;
  for (const Triplet& t : entries_) {
    if (drop(t))
      ++removed;
    else
      kept.push_back(t.to_json());
  }
  // Rebuilt from what is kept, as a checkpoint would restore it: every index stays consistent.
  if (removed > 0)
    load_state({{"capacity", capacity_}, {"added", added_}, {"entries", std::move(kept)}},
               "task buffer");
  return removed;
}

void TaskBuffer::record(const std::string& key, uint64_t attempts, uint64_t solved) {
  auto it = index_.find(key);
  if (it == index_.end()) return;
  Triplet& t = entries_[it->second - first_];
  t.attempts += attempts;
  t.solved += std::min(solved, attempts);
}

json TaskBuffer::state() const {
  json entries = json::array();
  for (const Triplet& t : entries_) entries.push_back(t.to_json());
  return {{"capacity", capacity_}, {"added", added_}, {"entries", std::move(entries)}};
}

void TaskBuffer::load_state(const json& j, const std::string& where) {
  JsonReader r(j, where);
  const auto cap = r.req<size_t>("capacity");
  const auto added = r.req<uint64_t>("added");
  const json& list = r.raw("entries");
  r.done();
  if (cap != capacity_) {
    fail(where, ": the saved buffer has capacity ", cap, ", the config asks for ", capacity_,
         " (a resumed run keeps its buffer's capacity)");
  }
  if (!list.is_array() || list.size() > cap || list.size() > added) {
    fail(where, ": entries must be an array of at most capacity (and added) triplets");
  }
  std::deque<Triplet> entries;
  std::unordered_map<std::string, uint64_t> index;
  const uint64_t first = added - list.size();
  for (size_t i = 0; i < list.size(); ++i) {
    Triplet t = Triplet::from_json(list[i], cat(where, ": entries[", i, "]"));
    if (!index.emplace(t.key, first + i).second) {
      fail(where, ": entries[", i, "] repeats the key ", t.key);
    }
    entries.push_back(std::move(t));
  }
  programs_.clear();
  shapes_.clear();
  behaviours_.clear();
  for (const Triplet& t : entries) {
    count(programs_, t.program_key);
    count(shapes_, t.shape_key);
    count(behaviours_, t.behaviour_key);
  }
  entries_ = std::move(entries);
  index_ = std::move(index);
  first_ = first;
  added_ = added;
}

}  // namespace r1
