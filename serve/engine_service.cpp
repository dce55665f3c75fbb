#include "serve/engine_service.h"

#include <cstdio>

#include "core/log.h"

namespace r1 {

RequestStream::RequestStream(int choices) : results_(choices), remaining_(choices) {}

bool RequestStream::wait(std::vector<Event>& out, std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_for(lock, timeout, [&] { return !events_.empty() || remaining_ == 0; });
  out.insert(out.end(), std::make_move_iterator(events_.begin()),
             std::make_move_iterator(events_.end()));
  events_.clear();
  return remaining_ == 0;
}

std::string RequestStream::error() const {
  std::lock_guard<std::mutex> lock(mu_);
  return error_;
}

bool RequestStream::on_token(int choice, const TokenEvent& e) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    events_.push_back({choice, e});
  }
  cv_.notify_all();
  return !cancelled_;
}

void RequestStream::on_done(int choice, GenerationResult&& r) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    results_[choice] = std::move(r);
    --remaining_;
    events_.push_back({choice, {}, true});
  }
  cv_.notify_all();
}

void RequestStream::fail(const std::string& message) {
  std::lock_guard<std::mutex> lock(mu_);
  if (error_.empty()) error_ = message;
}

EngineService::EngineService(Model<float>& model, int slots, int context,
                             const GenerationOptions& shared, int max_queue)
    : engine_(model, slots, context), slots_(slots), context_(context), max_queue_(max_queue) {
  engine_.set_shared_options(shared);
  thread_ = std::thread([this] { loop(); });
}

EngineService::~EngineService() {
  shutdown();
}

void EngineService::shutdown() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool EngineService::stopped() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stop_;
}

void EngineService::drop_queued(const RequestStream* stream) {
  std::vector<Pending> dropped;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto it = queue_.begin(); it != queue_.end();) {
      if (it->stream.get() == stream) {
        dropped.push_back(std::move(*it));
        it = queue_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (Pending& p : dropped) {
    GenerationResult r;
    r.finish_reason = "cancelled";
    p.seq.on_done(std::move(r));
  }
}

std::shared_ptr<RequestStream> EngineService::submit(std::vector<SequenceRequest> choices) {
  auto stream = std::make_shared<RequestStream>(static_cast<int>(choices.size()));
  {
    std::lock_guard<std::mutex> lock(mu_);
    // Free slots take choices at once; the queue holds the rest.
    const long free = slots_ - running_.load();
    const long waiting = static_cast<long>(queue_.size());
    if (stop_ || waiting + static_cast<long>(choices.size()) > max_queue_ + std::max(0L, free))
      return nullptr;
    for (size_t i = 0; i < choices.size(); ++i) {
      SequenceRequest& s = choices[i];
      const int c = static_cast<int>(i);
      // The sequence keeps the stream alive until its last call, whatever the handler does.
      s.on_token = [stream, c](const TokenEvent& e) { return stream->on_token(c, e); };
      s.on_done = [stream, c](GenerationResult&& r) { stream->on_done(c, std::move(r)); };
      queue_.push_back({std::move(s), stream});
    }
  }
  cv_.notify_all();
  return stream;
}

EngineServiceStats EngineService::stats() const {
  EngineServiceStats s;
  {
    std::lock_guard<std::mutex> lock(mu_);
    s.queued = static_cast<long>(queue_.size());
  }
  s.running = running_.load();
  s.prompt_tokens = prompt_tokens_.load();
  s.generated_tokens = generated_tokens_.load();
  return s;
}

void EngineService::loop() {
  for (;;) {
    std::vector<Pending> admit;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return stop_ || !queue_.empty() || !engine_.idle(); });
      if (stop_) break;
      // Hand the engine only what its free slots take: a request still queued here can be
      // dropped if its client goes away, and the queue's length is the true wait.
      long free = slots_ - static_cast<long>(engine_.running() + engine_.waiting());
      while (free > 0 && !queue_.empty()) {
        admit.push_back(std::move(queue_.front()));
        queue_.pop_front();
        --free;
      }
    }
    for (Pending& p : admit) {
      if (p.stream->cancelled()) {
        GenerationResult r;
        r.finish_reason = "cancelled";
        p.seq.on_done(std::move(r));
        continue;
      }
      auto done = std::move(p.seq.on_done);
      p.seq.on_done = [this, done](GenerationResult&& r) {
        running_--;
        done(std::move(r));
      };
      running_++;
      try {
        engine_.submit(std::move(p.seq));
      } catch (const std::exception& e) {  // the handler checks requests first: rare
        running_--;
        p.stream->fail(e.what());
        GenerationResult r;
        r.finish_reason = "error";
        done(std::move(r));
      }
    }
    try {
      engine_.step();
    } catch (const std::exception& e) {
      log_warn("serve: the generation engine failed: ", e.what(), "; ending every request");
      engine_.cancel_all();
    }
    const GenerationStats& st = engine_.stats();
    prompt_tokens_ = st.prompt_tokens;
    generated_tokens_ = st.generated_tokens;
  }
  engine_.cancel_all();
  std::lock_guard<std::mutex> lock(mu_);
  for (Pending& p : queue_) {
    GenerationResult r;
    r.finish_reason = "cancelled";
    p.seq.on_done(std::move(r));
  }
  queue_.clear();
}

}  // namespace r1
