// The one generation engine behind `r1 serve`, on a thread of its own. HTTP handlers submit a
// request's choices (n sequences) and read their tokens from a RequestStream as the engine
// samples them; every request in flight shares the engine's continuous batch, and a new one joins
// it at the next forward call. Requests beyond the slots wait in a bounded queue; when that is
// full, submit() refuses (the server answers 429).
#pragma once
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "rollout/engine.h"

namespace r1 {

// What one request's handler reads: the tokens of its choices as they come, then the results.
class RequestStream {
 public:
  struct Event {
    int choice;
    TokenEvent token;
    bool finished = false;  // the choice ended (no token): its result is in results()
  };
  explicit RequestStream(int choices);

  // Handler side. Waits up to `timeout` for events or the end; moves the events out. Returns true
  // when every choice has finished (the results are then complete).
  bool wait(std::vector<Event>& out, std::chrono::milliseconds timeout);
  const std::vector<GenerationResult>& results() const { return results_; }
  // The client went away or ran out of time: each choice ends at its next token (or is dropped
  // from the queue), with finish_reason "cancelled".
  void cancel() { cancelled_ = true; }
  bool cancelled() const { return cancelled_; }
  // Set when the engine refused a choice (the request cannot run); the message says why.
  std::string error() const;

  // Engine side.
  bool on_token(int choice, const TokenEvent& e);
  void on_done(int choice, GenerationResult&& r);
  void fail(const std::string& message);

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Event> events_;
  std::vector<GenerationResult> results_;
  int remaining_;
  std::string error_;
  std::atomic<bool> cancelled_{false};
};

struct EngineServiceStats {
  long queued = 0;   // choices waiting for a slot
  long running = 0;  // choices decoding
  long prompt_tokens = 0, generated_tokens = 0;
};

class EngineService {
 public:
  // `max_queue`: choices that may wait for a slot beyond the `slots` that run.
  EngineService(Model<float>& model, int slots, int context, const GenerationOptions& shared,
                int max_queue);
  ~EngineService();  // shutdown()

  // Cancels whatever is queued or running and stops the engine's thread; submit() refuses from
  // then on. Idempotent.
  void shutdown();
  bool stopped() const;
  // The request's choices still waiting for a slot leave the queue now, finished "cancelled"
  // (those running end at their next token, through RequestStream::cancel()).
  void drop_queued(const RequestStream* stream);

  // Queues a request's choices (their on_token/on_done are set here). Returns nullptr when the
  // queue cannot take them all, or after shutdown() (nothing is queued then).
  std::shared_ptr<RequestStream> submit(std::vector<SequenceRequest> choices);
  EngineServiceStats stats() const;
  int context() const { return context_; }
  int slots() const { return slots_; }

 private:
  struct Pending {
    SequenceRequest seq;
    std::shared_ptr<RequestStream> stream;
  };
  void loop();

  GenerationEngine engine_;
  const int slots_, context_, max_queue_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Pending> queue_;  // not yet handed to the engine
  bool stop_ = false;
  std::atomic<long> running_{0}, prompt_tokens_{0}, generated_tokens_{0};
  std::thread thread_;
};

}  // namespace r1
