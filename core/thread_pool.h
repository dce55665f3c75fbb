// A fixed pool of worker threads for coarse tasks (verifications, roles' side work). Numeric
// kernels use OpenMP instead. submit() returns a future; exceptions travel through it.
#pragma once
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

namespace r1 {

// The most threads a config may ask for (a pool, or OpenMP threads): far above any core count,
// low enough that a typo (a million threads) is an error instead of a process that cannot start
// them.
inline constexpr int kMaxThreads = 1024;

class ThreadPool {
 public:
  explicit ThreadPool(size_t threads);  // 0 means std::thread::hardware_concurrency()
  ~ThreadPool();                        // finishes queued tasks, then joins
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  template <typename F>
  auto submit(F&& f) -> std::future<decltype(f())> {
    using R = decltype(f());
    auto task = std::make_shared<std::packaged_task<R()>>(std::forward<F>(f));
    std::future<R> fut = task->get_future();
    {
      std::lock_guard<std::mutex> lock(mu_);
      queue_.emplace_back([task] { (*task)(); });
    }
    cv_.notify_one();
    return fut;
  }

  size_t size() const { return workers_.size(); }

 private:
  void loop();
  std::vector<std::thread> workers_;
  std::deque<std::function<void()>> queue_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
};

}  // namespace r1
