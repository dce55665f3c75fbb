// Stop requests in a child process: a process that never checks stop_requested() still ends
// (the watchdog, after the grace), a second request ends it at once, and a checkpoint being
// written when the grace runs out is finished first.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>

#include "core/stop.h"
#include "tests/common/temp_dir.h"

using namespace r1;

namespace {

// A child process running `body` with the stop handlers installed; its stderr is collected.
class Child {
 public:
  Child(double grace_s, const std::function<void()>& body) {
    int err[2], ready[2];
    if (pipe(err) != 0 || pipe(ready) != 0) throw std::runtime_error("pipe");
    pid_ = fork();
    if (pid_ == 0) {
      dup2(err[1], 2);
      close(err[0]);
      close(ready[0]);
      install_stop_handlers(grace_s);
      if (write(ready[1], "r", 1) != 1) _exit(3);
      body();
      _exit(0);
    }
    close(err[1]);
    close(ready[1]);
    err_ = err[0];
    char c;
    if (read(ready[0], &c, 1) != 1) throw std::runtime_error("child did not start");
    close(ready[0]);
  }
  ~Child() {
    if (!exited_) {
      ::kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    close(err_);
  }
  void signal(int sig) { ::kill(pid_, sig); }
  // The exit status, or -1 if still running after `seconds`.
  int wait(double seconds) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    int status = 0;
    while (waitpid(pid_, &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > deadline) return -1;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    exited_ = true;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  // Reads stderr until it contains `part` (or EOF).
  std::string stderr_until(const std::string& part) {
    char buf[256];
    ssize_t n;
    while (err_text_.find(part) == std::string::npos && (n = read(err_, buf, sizeof buf)) > 0) {
      err_text_.append(buf, static_cast<size_t>(n));
    }
    return err_text_;
  }

 private:
  pid_t pid_ = -1;
  int err_ = -1;
  bool exited_ = false;
  std::string err_text_;
};

// Never looks at stop_requested().
void spin_forever() {
  for (;;) std::this_thread::sleep_for(std::chrono::milliseconds(10));
}

bool has(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

}  // namespace

TEST(Stop, WatchdogEndsAProcessThatNeverChecksTheFlag) {
  Child child(0.2, spin_forever);
  child.signal(SIGTERM);
  EXPECT_EQ(child.wait(30), 130);
  EXPECT_TRUE(has(child.stderr_until("exiting now"), "after the stop request: exiting now"))
      << child.stderr_until("exiting now");
}

// The grace (60 s) would outlast the wait below: only the second request can end it in time.
TEST(Stop, SecondRequestExitsAtOnce) {
  Child child(60, spin_forever);
  child.signal(SIGINT);
  ASSERT_TRUE(has(child.stderr_until("again to exit now"), "stop requested"));
  child.signal(SIGINT);
  EXPECT_EQ(child.wait(20), 130);
  EXPECT_TRUE(has(child.stderr_until("second stop request"), "second stop request: exiting now"));
}

// A checkpoint write that outlasts the grace is finished before the watchdog ends the process.
TEST(Stop, ACheckpointBeingWrittenIsFinishedFirst) {
  r1::testing::TempDir d("stop_guard");
  const std::string marker = d.file("written");
  Child child(0.1, [&] {
    {
      CheckpointWriteGuard writing;
      std::fputs("writing\n", stderr);  // the parent signals only once the guard is held
      while (!stop_requested()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
      std::this_thread::sleep_for(std::chrono::seconds(1));  // ten graces
      std::FILE* f = std::fopen(marker.c_str(), "w");
      if (f) std::fclose(f);
    }
    spin_forever();
  });
  ASSERT_TRUE(has(child.stderr_until("writing\n"), "writing\n"));
  child.signal(SIGTERM);
  EXPECT_EQ(child.wait(30), 130);
  EXPECT_TRUE(std::filesystem::exists(marker)) << "the watchdog cut the write short";
}
