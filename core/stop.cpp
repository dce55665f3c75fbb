#include "core/stop.h"

#include <semaphore.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <thread>

namespace r1 {

namespace {

std::atomic<int> g_requests{0};
std::atomic<int> g_checkpoint_writes{0};
std::atomic<double> g_grace_s{kStopGraceSeconds};
std::atomic<const char*> g_message{nullptr};  // the first request's message; null: the default
sem_t g_wake;  // posted by the first request (sem_post is async-signal-safe)

void say(const char* text) {
  // write(2) is async-signal-safe; stdio is not.
  ssize_t ignored = ::write(2, text, std::strlen(text));
  (void)ignored;
}

void on_signal(int) {
  stop_requested().store(true);
  if (g_requests.fetch_add(1) == 0) {
    const char* m = g_message.load();
    say(m ? m
          : "\nstop requested: ending the run (the last finished checkpoint is kept); press "
            "Ctrl-C again to exit now\n");
    sem_post(&g_wake);
  } else {
    say("\nsecond stop request: exiting now\n");
    ::_exit(130);
  }
}

// Ends the process if it is still running g_grace_s after the first request.
void watchdog() {
  while (sem_wait(&g_wake) != 0) {
  }
  using clock = std::chrono::steady_clock;
  const auto deadline = clock::now() + std::chrono::duration<double>(g_grace_s.load());
  while (clock::now() < deadline || g_checkpoint_writes.load() > 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::fprintf(stderr,
               "still running %.0f s after the stop request: exiting now (the last finished "
               "checkpoint is kept)\n",
               g_grace_s.load());
  std::fflush(stderr);
  ::_exit(130);
}

void set_handler(void (*handler)(int)) {
  struct sigaction sa {};
  sa.sa_handler = handler;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

}  // namespace

std::atomic<bool>& stop_requested() {
  static std::atomic<bool> flag{false};
  return flag;
}

void install_stop_handlers(double grace_s, const char* message) {
  g_message = message;
  static std::once_flag started;
  g_grace_s = grace_s;
  std::call_once(started, [] {
    sem_init(&g_wake, 0, 0);
    std::thread(watchdog).detach();
  });
  set_handler(on_signal);
  signal(SIGPIPE, SIG_IGN);
}

void restore_default_stop_handlers() {
  set_handler(SIG_DFL);
}

CheckpointWriteGuard::CheckpointWriteGuard() {
  g_checkpoint_writes.fetch_add(1);
}
CheckpointWriteGuard::~CheckpointWriteGuard() {
  g_checkpoint_writes.fetch_sub(1);
}

}  // namespace r1
