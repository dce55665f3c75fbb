// Decode steps as recorded graphs (Backend::graphs, kernels/backend.h): one inference lane's
// graphs, one per row count N. A step of N rows runs op by op the first time N is seen (which
// sizes every scratch buffer and plan its ops use), is recorded the second time and launched,
// and is launched from then on: one launch in place of a few hundred (CUDA graphs).
//
// A graph holds every address its ops were given. `Where` lists those that can change under a
// lane between steps: the cache's pools and block table, the logits, the lane's buffers (they
// move when the lane grows), the parameters and their packed decode copies. A step whose Where
// differs from the graphs' drops them all and starts again. What a step reads from those
// buffers (token ids, positions, lengths, the block table's contents, the weights) is uploaded
// before the launch and read when the graph runs.
//
// A recording that fails (an op that cannot be recorded, an error) runs that step op by op and
// says why in stats(); the next step of N runs op by op and the one after records again, and
// after kMaxFailures failed recordings the lane's graphs are off for good.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>

#include "kernels/backend.h"

namespace r1 {

class DecodeGraphs {
 public:
  struct Where {
    const void* cache_k = nullptr;
    const void* cache_v = nullptr;
    const int32_t* table = nullptr;
    int max_blocks = 0, block_size = 0, cache_blocks = 0;  // cache_blocks sets the layers' stride
    const void* logits = nullptr;
    const void* lane = nullptr;  // the first of the lane's buffers
    int lane_rows = 0;           // rows the lane's buffers were laid out for
    const void* params = nullptr;
    const void* packed = nullptr;  // the packed decode copies, or null when none are held
    bool operator==(const Where& o) const;
  };
  struct Stats {
    long recorded = 0;    // graphs recorded
    long launched = 0;    // steps run as a graph
    long op_by_op = 0;    // steps run op by op (first sightings, past the bound, graphs off)
    long failed = 0;      // recordings that failed
    std::string off_why;  // why the lane's graphs are off, or why the last recording failed
  };
  // Graphs this lane keeps at most (distinct row counts); steps of other counts run op by op.
  static constexpr size_t kMaxGraphs = 32;
  static constexpr long kMaxFailures = 3;

  DecodeGraphs() = default;
  ~DecodeGraphs();
  DecodeGraphs(const DecodeGraphs&) = delete;
  DecodeGraphs& operator=(const DecodeGraphs&) = delete;

  // The backend's graphs (none: every step runs op by op), or off from the start with a reason.
  void use(const Graphs& graphs);
  void turn_off(std::string why);

  // Runs `step`, the ops of one decode step of N rows, as a graph where it can (see above).
  void run(int N, const Where& where, const std::function<void()>& step);

  const Stats& stats() const { return stats_; }

 private:
  void clear();
  // Records `step`: the graph, or null with *why.
  void* record(const std::function<void()>& step, std::string* why);
  const Graphs* graphs_ = nullptr;
  Where where_;
  std::map<int, void*> by_rows_;
  std::set<int> seen_;
  Stats stats_;
};

}  // namespace r1
