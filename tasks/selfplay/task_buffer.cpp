#include "tasks/selfplay/task_buffer.h"

#include <algorithm>

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
            {"key", key},
            {"ast_nodes", ast_nodes},
            {"origin", origin},
            {"seed", seed},
            {"step", step},
            {"attempts", attempts},
            {"solved", solved}};
  if (!message.empty()) j["message"] = message;
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
  t.key = r.req<std::string>("key");
  t.ast_nodes = r.get<int>("ast_nodes", 0);
  t.origin = r.get<std::string>("origin", "");
  t.seed = r.get<uint64_t>("seed", 0);
  t.step = r.get<int64_t>("step", -1);
  t.attempts = r.get<uint64_t>("attempts", 0);
  t.solved = r.get<uint64_t>("solved", 0);
  r.done();
  if (t.inputs.size() != t.outputs.size() || t.inputs.empty()) {
    fail(where, ": a triplet needs as many outputs as inputs, and at least one");
  }
  if (t.solved > t.attempts) fail(where, ": solved is larger than attempts");
  return t;
}

TaskBuffer::TaskBuffer(size_t capacity) : capacity_(capacity) {
  if (capacity_ == 0) fail("task buffer: capacity must be positive");
}

bool TaskBuffer::add(Triplet t) {
  R1_CHECK(!t.key.empty(), "task buffer: a triplet without a key (not validated?)");
  R1_CHECK(!t.inputs.empty() && t.inputs.size() == t.outputs.size(),
           "task buffer: a triplet needs one output per input");
  if (contains(t.key)) return false;
  if (entries_.size() == capacity_) {
    index_.erase(entries_.front().key);
    entries_.pop_front();
    ++first_;
  }
  index_[t.key] = added_++;
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
  entries_ = std::move(entries);
  index_ = std::move(index);
  first_ = first;
  added_ = added;
}

}  // namespace r1
