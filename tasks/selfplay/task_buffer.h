// Self-play's task buffer (Absolute Zero style): valid (program, inputs, outputs) triplets with
// their provenance. Propose prompts show a few of them as references; solve tasks are made from
// them (tasks/selfplay/selfplay_tasks.h). Entries come from the seed generators (pyfunc) and
// from the policy's own proposals once the sandbox has validated them
// (verifiers/selfplay/program_runner.h): the outputs are always the sandbox's, never the
// proposer's. The buffer is part of a run's state and is saved with its checkpoints.
#pragma once
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/json.h"
#include "core/rng.h"

namespace r1 {

struct Triplet {
  std::string program;               // Python source that defines `entry` at top level
  std::string entry = "f";           // the function the inputs are passed to
  std::vector<std::string> inputs;   // each: the arguments as Python source ("'ab', 3")
  std::vector<std::string> outputs;  // repr of entry(*inputs[i]), computed in the sandbox
  std::string message;               // induction: the proposer's hint about the program
  std::string program_key;           // normal form of the program (program_runner.h)
  std::string shape_key;             // ... with literals replaced by their types ("" if unknown)
  std::string behaviour_key;         // its outputs on probe inputs (program_runner.h; "" unknown)
  std::string key;                   // normal form of program and inputs: duplicates share it
  int ast_nodes = 0;
  // Per pair, whether the program maps the output to itself (program_runner.h): that pair's
  // abduction is answered by copying its output. Empty when unknown (entries saved before).
  std::vector<bool> fixed_points;

  // Provenance.
  std::string origin;     // "seed:pyfunc", "proposed"
  uint64_t seed = 0;      // the seed task's stream seed, or the proposal's sampling stream
  int64_t step = -1;      // learner step of the proposal (-1 for seeds)
  uint64_t attempts = 0;  // solver samples judged on tasks made from this triplet
  uint64_t solved = 0;    // ... of which correct

  // solved / attempts, or nullopt before any attempt.
  std::optional<double> solve_rate() const;
  json to_json() const;
  static Triplet from_json(const json& j, const std::string& where);
};

class TaskBuffer {
 public:
  // capacity > 0: when full, the oldest entry leaves to make room.
  explicit TaskBuffer(size_t capacity = 4096);

  // Adds a validated triplet; false (and nothing changes) when its key is already here.
  // Throws when the triplet has no key or no outputs, or inputs and outputs differ in count.
  bool add(Triplet t);
  bool contains(const std::string& key) const { return index_.count(key) > 0; }
  // Whether an entry has this program (its normal form, whatever its inputs).
  bool contains_program(const std::string& program_key) const {
    return !program_key.empty() && programs_.count(program_key) > 0;
  }
  // Whether an entry has this shape (its program's normal form with literals replaced by their
  // types). Entries of unknown shape (saved before shapes were recorded) match nothing.
  bool contains_shape(const std::string& shape_key) const {
    return !shape_key.empty() && shapes_.count(shape_key) > 0;
  }
  // Whether an entry computes the same on the probe inputs (program_runner.h's behaviour_key).
  bool contains_behaviour(const std::string& behaviour_key) const {
    return !behaviour_key.empty() && behaviours_.count(behaviour_key) > 0;
  }
  size_t size() const { return entries_.size(); }
  size_t capacity() const { return capacity_; }
  const Triplet& at(size_t i) const { return entries_.at(i); }  // 0 = oldest
  const Triplet* find(const std::string& key) const;

  // Up to k distinct entries drawn uniformly, among those with at least `min_inputs` inputs.
  std::vector<const Triplet*> sample(Rng& rng, size_t k, size_t min_inputs = 1) const;
  // Up to k distinct entries, each draw proportional to weight(entry) among those not drawn
  // yet (weights must be > 0), among those with at least `min_inputs` inputs.
  std::vector<const Triplet*> sample_weighted(
      Rng& rng, size_t k, size_t min_inputs,
      const std::function<double(const Triplet&)>& weight) const;
  // Removes the entries `drop` picks; the count removed. (For a restored buffer whose entries
  // must meet a rule they were not held to when they joined.)
  size_t remove_if(const std::function<bool(const Triplet&)>& drop);
  // Counts solver results against an entry (ignored when it has left the buffer).
  void record(const std::string& key, uint64_t attempts, uint64_t solved);

  // {"capacity", "added", "entries": [Triplet...]}: restores the buffer exactly.
  json state() const;
  void load_state(const json& j, const std::string& where);
  uint64_t added() const { return added_; }  // entries ever added (evicted ones included)

 private:
  size_t capacity_;
  std::deque<Triplet> entries_;
  uint64_t first_ = 0;                                  // sequence number of entries_.front()
  uint64_t added_ = 0;                                  // sequence number of the next entry
  std::unordered_map<std::string, uint64_t> index_;     // key -> sequence number
  std::unordered_map<std::string, size_t> programs_;    // program_key -> entries with it
  std::unordered_map<std::string, size_t> shapes_;      // shape_key -> entries with it
  std::unordered_map<std::string, size_t> behaviours_;  // behaviour_key -> entries with it
};

}  // namespace r1
