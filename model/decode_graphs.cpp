#include "model/decode_graphs.h"

#include <exception>
#include <tuple>

#include "core/error.h"

namespace r1 {

bool DecodeGraphs::Where::operator==(const Where& o) const {
  auto tie = [](const Where& w) {
    return std::tie(w.cache_k, w.cache_v, w.table, w.max_blocks, w.block_size, w.cache_blocks,
                    w.logits, w.lane, w.lane_rows, w.params, w.packed);
  };
  return tie(*this) == tie(o);
}

DecodeGraphs::~DecodeGraphs() {
  clear();
}

void* DecodeGraphs::record(const std::function<void()>& step, std::string* why) {
  try {
    graphs_->begin();
  } catch (const std::exception& e) {
    *why = cat("recording could not start: ", e.what());
    return nullptr;
  }
  // Whatever a step throws, the recording ends (else every later op of the thread would be
  // recorded and never run) and what it holds is dropped. A refusal says more than what it led
  // to (a refused allocation throws bad_alloc).
  auto abandon = [&](std::string what) {
    std::string refused;
    if (void* partial = graphs_->end(&refused)) graphs_->destroy(partial);
    *why = refused.empty() ? std::move(what) : refused;
    return nullptr;
  };
  try {
    step();  // recorded, not run
  } catch (const std::exception& e) {
    return abandon(cat("recording failed: ", e.what()));
  } catch (...) {
    return abandon("recording failed");
  }
  void* g = graphs_->end(why);
  if (!g && why->empty()) *why = "recording failed";
  return g;
}

void DecodeGraphs::use(const Graphs& graphs) {
  clear();
  graphs_ = graphs.available() ? &graphs : nullptr;
  stats_.off_why = graphs_ ? "" : "the backend has no graphs";
}

void DecodeGraphs::turn_off(std::string why) {
  clear();
  graphs_ = nullptr;
  stats_.off_why = std::move(why);
}

void DecodeGraphs::clear() {
  if (graphs_)
    for (auto& [n, g] : by_rows_) graphs_->destroy(g);
  by_rows_.clear();
  seen_.clear();
}

void DecodeGraphs::run(int N, const Where& where, const std::function<void()>& step) {
  if (!graphs_) {
    ++stats_.op_by_op;
    return step();
  }
  if (!(where == where_)) {
    clear();
    where_ = where;
  }
  if (auto it = by_rows_.find(N); it != by_rows_.end()) {
    if (graphs_->launch(it->second)) {
      ++stats_.launched;
      return;
    }
    // Stale: scratch the graph used was given back. This step runs op by op, which sizes the
    // scratch again (recording cannot allocate), and the next step of N records anew.
    graphs_->destroy(it->second);
    by_rows_.erase(it);
    ++stats_.op_by_op;
    return step();
  } else if (seen_.insert(N).second || by_rows_.size() >= kMaxGraphs) {
    ++stats_.op_by_op;  // first sighting: op by op, which sizes what the ops use
    return step();
  }
  std::string why;
  void* g = record(step, &why);
  if (!g) {
    // Recorded again after an op-by-op step, which sizes what the ops use (a recording on
    // another thread than that step's finds its scratch unsized); off after kMaxFailures.
    ++stats_.failed;
    stats_.off_why = why;
    seen_.erase(N);
    if (stats_.failed >= kMaxFailures) turn_off(why);
    ++stats_.op_by_op;
    return step();
  }
  ++stats_.recorded;
  if (!graphs_->launch(g)) {  // stale already: scratch moved while recording
    graphs_->destroy(g);
    seen_.erase(N);
    ++stats_.op_by_op;
    return step();
  }
  by_rows_[N] = g;
  ++stats_.launched;
}

}  // namespace r1
