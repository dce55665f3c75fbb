// Weights that one role writes and others read in place, within one process: the learner's
// policy and the rollout workers' models on one GPU (Model::sharing_weights_of), so no weights
// travel between them. A rollout worker holds a Reading for a whole generate call, so a batch is
// sampled from one version; the learner holds a Writing for a whole update (every minibatch's
// AdamW and the expert-bias step) and publishes the new version before it lets go. Writers go
// first: once the learner waits, no new reader starts, so workers taking turns never starve it.
//
// Device work needs no extra fence: every op of every host thread queues on one CUDA stream
// (kernels/cuda/common.cuh), so the order in which the lock hands out turns is the order the
// kernels run in.
#pragma once
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <utility>

namespace r1 {

class WeightsShare {
 public:
  struct Version {
    bool published = false;  // false until the owner's first publish
    uint64_t version = 0;
    uint64_t session = 0;  // the learner's session (WeightsPayload::session)
  };

  // A turn, released when destroyed; a default-constructed one holds nothing (no sharing).
  template <bool kWriter>
  class Turn {
   public:
    Turn() = default;
    explicit Turn(WeightsShare& s) : s_(&s) { s_->acquire(kWriter); }
    Turn(Turn&& o) noexcept : s_(std::exchange(o.s_, nullptr)) {}
    Turn& operator=(Turn&& o) noexcept {
      if (this != &o) {
        release();
        s_ = std::exchange(o.s_, nullptr);
      }
      return *this;
    }
    Turn(const Turn&) = delete;
    Turn& operator=(const Turn&) = delete;
    ~Turn() { release(); }
    void release() {
      if (s_) std::exchange(s_, nullptr)->let_go(kWriter);
    }

   private:
    WeightsShare* s_ = nullptr;
  };
  using Reading = Turn<false>;
  using Writing = Turn<true>;

  Reading read() { return Reading(*this); }   // waits while a writer holds or waits
  Writing write() { return Writing(*this); }  // waits until no reader holds

  // The version the shared weights are now: called by the owner under its Writing (or before any
  // reader starts), when the weights change.
  void publish(uint64_t version, uint64_t session) {
    {
      std::lock_guard<std::mutex> l(mu_);
      v_ = {true, version, session};
    }
    cv_.notify_all();
  }
  Version current() const {
    std::lock_guard<std::mutex> l(mu_);
    return v_;
  }
  // Waits up to timeout_ms for a version other than `seen` to be published; returns the current.
  Version wait_change(const Version& seen, int timeout_ms) const {
    std::unique_lock<std::mutex> l(mu_);
    cv_.wait_for(l, std::chrono::milliseconds(timeout_ms), [&] { return !same(v_, seen); });
    return v_;
  }
  int writers_waiting() const {  // for tests and diagnostics
    std::lock_guard<std::mutex> l(mu_);
    return writers_waiting_;
  }
  static bool same(const Version& a, const Version& b) {
    return a.published == b.published && a.version == b.version && a.session == b.session;
  }

 private:
  void acquire(bool writer) {
    std::unique_lock<std::mutex> l(mu_);
    if (writer) {
      ++writers_waiting_;
      cv_.wait(l, [&] { return !writing_ && readers_ == 0; });
      --writers_waiting_;
      writing_ = true;
    } else {
      cv_.wait(l, [&] { return !writing_ && writers_waiting_ == 0; });
      ++readers_;
    }
  }
  void let_go(bool writer) {
    {
      std::lock_guard<std::mutex> l(mu_);
      if (writer) {
        writing_ = false;
      } else {
        --readers_;
      }
    }
    cv_.notify_all();
  }

  mutable std::mutex mu_;
  mutable std::condition_variable cv_;  // turns and versions
  int readers_ = 0;
  int writers_waiting_ = 0;
  bool writing_ = false;
  Version v_;
};

}  // namespace r1
