// Helpers for tests that run build/r1 as users do: shell commands from the repository root,
// background processes with their output in a file, polling with a deadline, free TCP ports,
// and reading a run's metrics.jsonl.
#pragma once
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "core/json.h"

namespace r1::testing {

inline std::string r1_binary() { return R1_BINARY; }
inline std::string repo_root() { return R1_SOURCE_DIR; }

struct CommandResult {
  int code = -1;
  std::string out;  // stdout and stderr together
};

// Runs a shell command line from the repository root.
inline CommandResult run_command(const std::string& cmd) {
  CommandResult r;
  FILE* p = popen(("cd '" + repo_root() + "' && " + cmd + " 2>&1").c_str(), "r");
  if (!p) return r;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  int status = pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

// A process started in the background from the repository root, output to `log`.
class Background {
 public:
  Background(const std::vector<std::string>& argv, std::string log) : log_(std::move(log)) {
    pid_ = fork();
    if (pid_ == 0) {
      if (chdir(repo_root().c_str()) != 0) _exit(127);
      FILE* f = freopen(log_.c_str(), "w", stdout);
      if (!f || dup2(fileno(stdout), 2) < 0) _exit(127);
      std::vector<char*> args;
      for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
      args.push_back(nullptr);
      execv(args[0], args.data());
      _exit(127);
    }
  }
  ~Background() {
    if (running()) {
      kill(SIGKILL);
      wait(5);
    }
  }
  Background(const Background&) = delete;
  Background& operator=(const Background&) = delete;

  bool running() {
    if (exited_) return false;
    int status;
    pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) record(status);
    return !exited_;
  }
  void kill(int sig) {
    if (!exited_) ::kill(pid_, sig);
  }
  // Waits up to `seconds` for exit; returns the exit code, 128 + signal, or -1 on timeout.
  int wait(double seconds) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (running()) {
      if (std::chrono::steady_clock::now() > deadline) return -1;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return code_;
  }
  std::string output() const {
    std::ifstream f(log_);
    return std::string(std::istreambuf_iterator<char>(f), {});
  }
  pid_t pid() const { return pid_; }

 private:
  void record(int status) {
    exited_ = true;
    code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  std::string log_;
  pid_t pid_ = -1;
  bool exited_ = false;
  int code_ = -1;
};

// Polls `ready` every 50 ms for up to `seconds`.
inline bool wait_until(const std::function<bool()>& ready, double seconds) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (!ready()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return true;
}

// A TCP port that was free a moment ago. Port 0 would give one from the kernel's ephemeral
// range, where any outgoing connection of a test running beside this one can take it before the
// caller binds it ("Address already in use"); so the port is drawn at random below that range
// and checked by binding it once.
inline int free_tcp_port() {
  int low = 32768;  // the start of the ephemeral range (Linux's default)
  if (std::ifstream f("/proc/sys/net/ipv4/ip_local_port_range"); f) f >> low;
  const int lo = 10000, hi = std::max(lo + 1000, low);
  static uint64_t state = static_cast<uint64_t>(getpid()) * 0x9E3779B97F4A7C15ull ^
                          static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
  for (int attempt = 0; attempt < 200; ++attempt) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    const int port = lo + static_cast<int>((state >> 33) % static_cast<uint64_t>(hi - lo));
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(static_cast<uint16_t>(port));
    const bool ok = bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    close(fd);
    if (ok) return port;
  }
  return 0;
}

// The lines of a run's metrics.jsonl (complete lines only).
inline std::vector<json> read_metrics(const std::string& run_dir) {
  std::vector<json> rows;
  std::ifstream f(run_dir + "/metrics.jsonl");
  std::string line;
  while (std::getline(f, line)) {
    try {
      rows.push_back(json::parse(line));
    } catch (const std::exception&) {
      break;  // a line being written
    }
  }
  return rows;
}

// The newest metrics row's count of messages rejected on `channel` (0 before the first row).
inline int rejected_messages(const std::string& run_dir, const char* channel) {
  auto rows = read_metrics(run_dir);
  return rows.empty() ? 0 : rows.back()["rejected_messages"][channel].get<int>();
}

inline void write_json(const std::string& path, const json& j) { std::ofstream(path) << j.dump(2); }

}  // namespace r1::testing
