#include "core/line_process.h"

#include "core/error.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace r1 {

LineProcess::LineProcess(std::vector<std::string> argv, size_t max_reply_bytes)
    : argv_(std::move(argv)), max_reply_(max_reply_bytes) {}

LineProcess::~LineProcess() {
  stop();
}

const char* LineProcess::status_name(Status s) {
  switch (s) {
    case Status::Ok:
      return "ok";
    case Status::Timeout:
      return "timeout";
    case Status::Died:
      return "died";
    case Status::ReplyTooLong:
      return "reply_too_long";
    case Status::SpawnFailed:
      return "spawn_failed";
    case Status::ExtraOutput:
      return "wrote_unrequested_lines";
    case Status::DiedIdle:
      return "died_before_the_request";
    case Status::StrayOutput:
      return "wrote_output_before_the_request";
  }
  return "?";
}

bool LineProcess::ensure_started(std::string* error) {
  if (pid_ > 0) return true;
  if (argv_.empty()) {
    *error = "empty command";
    return false;
  }
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
    *error = std::string("socketpair: ") + strerror(errno);
    return false;
  }
  posix_spawn_file_actions_t fa;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&fa);
  posix_spawnattr_init(&attr);
  // dup2 clears close-on-exec on the targets; the originals close on exec.
  posix_spawn_file_actions_adddup2(&fa, sv[1], 0);
  posix_spawn_file_actions_adddup2(&fa, sv[1], 1);
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
  // Descriptors other threads opened without close-on-exec must not leak into the child.
  posix_spawn_file_actions_addclosefrom_np(&fa, 3);
#endif
  sigset_t none, defaults;
  sigemptyset(&none);
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  sigaddset(&defaults, SIGINT);
  sigaddset(&defaults, SIGTERM);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setpgroup(&attr, 0);  // its own process group, killed as a whole
  posix_spawnattr_setflags(&attr,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  std::vector<char*> args;
  for (auto& a : argv_) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  int rc = posix_spawnp(&pid, args[0], &fa, &attr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  close(sv[1]);
  if (rc != 0) {
    close(sv[0]);
    *error = "cannot start '" + argv_[0] + "': " + strerror(rc);
    return false;
  }
  fcntl(sv[0], F_SETFL, fcntl(sv[0], F_GETFL) | O_NONBLOCK);
  pid_ = pid;
  fd_ = sv[0];
  buffer_.clear();
  ++starts_;
  return true;
}

void LineProcess::stop() {
  if (fd_ >= 0) {
    close(fd_);
    fd_ = -1;
  }
  if (pid_ > 0) {
    kill(-pid_, SIGKILL);
    kill(pid_, SIGKILL);
    int status = 0;
    while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    if (WIFEXITED(status)) {
      last_exit_ = cat("exited with status ", WEXITSTATUS(status));
    } else if (WIFSIGNALED(status)) {
      last_exit_ = cat("was killed by signal ", WTERMSIG(status));
    }
    pid_ = -1;
  }
  buffer_.clear();
}

LineProcess::Status LineProcess::request(const std::string& line, std::chrono::milliseconds timeout,
                                         std::string* reply) {
  std::vector<std::string> replies;
  const Status s = request_lines(line, 1, timeout, &replies);
  if (s == Status::Ok) *reply = std::move(replies[0]);
  return s;
}

LineProcess::Status LineProcess::request_lines(const std::string& line, size_t n_lines,
                                               std::chrono::milliseconds timeout,
                                               std::vector<std::string>* replies) {
  replies->clear();
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + timeout;
  auto remaining_ms = [&]() -> int {
    auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    return left < 0 ? 0 : static_cast<int>(left);
  };
  auto give_up = [&](Status s) {
    stop();
    return s;
  };
  if (pid_ <= 0) return Status::Died;
  // Output written since the last reply (a stray print, the rest of a reply's line) would be read
  // as this reply; an end of stream is a child that exited since.
  if (!buffer_.empty()) return give_up(Status::StrayOutput);
  {
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, 0) > 0 && (p.revents & (POLLIN | POLLHUP | POLLERR))) {
      char probe[1];
      const ssize_t k = recv(fd_, probe, 1, MSG_PEEK);
      if (k > 0) return give_up(Status::StrayOutput);
      if (k == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
        return give_up(Status::DiedIdle);
    }
  }

  std::string out = line;
  out += '\n';
  size_t sent = 0;
  while (sent < out.size()) {
    ssize_t n = send(fd_, out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      pollfd p{fd_, POLLOUT, 0};
      int ms = remaining_ms();
      if (ms == 0) return give_up(Status::Timeout);
      int pr = poll(&p, 1, ms);
      if (pr == 0) return give_up(Status::Timeout);
      if (pr < 0 && errno != EINTR) return give_up(Status::Died);
      if (p.revents & (POLLERR | POLLHUP))
        return give_up(sent == 0 ? Status::DiedIdle : Status::Died);
      continue;
    }
    // Gone before it read a byte of this request (EPIPE): it exited while idle.
    return give_up(sent == 0 ? Status::DiedIdle : Status::Died);
  }

  size_t scanned = 0;  // bytes of buffer_ known to hold no newline
  for (;;) {
    size_t nl = buffer_.find('\n', scanned);
    scanned = buffer_.size();
    if (nl != std::string::npos) {
      replies->emplace_back(buffer_, 0, nl);
      buffer_.erase(0, nl + 1);
      scanned = 0;
      if (replies->size() == n_lines) {
        // Lines beyond the reply that came with it: the child answers more than it is asked.
        if (buffer_.find('\n') != std::string::npos) return give_up(Status::ExtraOutput);
        return Status::Ok;
      }
      continue;
    }
    if (buffer_.size() > max_reply_) return give_up(Status::ReplyTooLong);
    pollfd p{fd_, POLLIN, 0};
    int ms = remaining_ms();
    if (ms == 0) return give_up(Status::Timeout);
    int pr = poll(&p, 1, ms);
    if (pr == 0) return give_up(Status::Timeout);
    if (pr < 0) {
      if (errno == EINTR) continue;
      return give_up(Status::Died);
    }
    char buf[65536];
    ssize_t n = recv(fd_, buf, sizeof buf, 0);
    if (n > 0) {
      buffer_.append(buf, static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)) continue;
    return give_up(Status::Died);  // EOF: the child exited or closed stdout
  }
}

std::vector<std::string> command_from_json(const json& cmd, const std::string& where) {
  if (cmd.is_string()) {
    if (cmd.get<std::string>().empty()) fail(where, ": must not be empty");
    return {"/bin/sh", "-c", cmd.get<std::string>()};
  }
  if (!cmd.is_array()) fail(where, ": expected an array of strings or a string");
  std::vector<std::string> argv;
  for (size_t i = 0; i < cmd.size(); ++i) {
    if (!cmd[i].is_string())
      fail(where, ": [", i, "] expected a string, got ", json_snippet(cmd[i]));
    argv.push_back(cmd[i].get<std::string>());
  }
  if (argv.empty()) fail(where, ": must not be empty");
  return argv;
}

}  // namespace r1
