// A child process that answers lines on stdout for each line written to its stdin, with a
// deadline per request. Used by the external-process verifier (one reply line per request) and
// external task sources (N lines per request). The child runs in its own
// process group, so a timeout kills everything it started. Its stdin/stdout are one end of a
// Unix socket pair (writes use MSG_NOSIGNAL: a dead child cannot SIGPIPE us); its stderr is
// ours, so its diagnostics show up in our log.
#pragma once
#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

#include "core/json.h"

namespace r1 {

class LineProcess {
 public:
  // ExtraOutput: the child wrote lines beyond its reply: the replies would no longer line up
  // with the requests, so it is restarted. DiedIdle and StrayOutput: before anything of the
  // request reached it, the child had exited (one that serves one request, one killed while
  // idle) or had written output nobody asked for; it is killed, and the request is not to blame
  // (sent_nothing()).
  enum class Status {
    Ok,
    Timeout,
    Died,
    ReplyTooLong,
    SpawnFailed,
    ExtraOutput,
    DiedIdle,
    StrayOutput
  };
  static bool sent_nothing(Status s) { return s == Status::DiedIdle || s == Status::StrayOutput; }

  explicit LineProcess(std::vector<std::string> argv, size_t max_reply_bytes = 16 << 20);
  ~LineProcess();
  LineProcess(const LineProcess&) = delete;
  LineProcess& operator=(const LineProcess&) = delete;

  // Starts the child if it is not running. On failure returns false and says why.
  bool ensure_started(std::string* error);
  // Writes `line` (a newline is added) and reads one reply line (without its newline).
  // Anything but Ok leaves the child killed; the next call starts a fresh one.
  Status request(const std::string& line, std::chrono::milliseconds timeout, std::string* reply);
  // The same, reading `n` reply lines within the one deadline.
  Status request_lines(const std::string& line, size_t n, std::chrono::milliseconds timeout,
                       std::vector<std::string>* replies);
  void stop();
  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  int starts() const { return starts_; }
  // How the last child that stop() reaped ended ("exited with status 2", "was killed by signal
  // 9"), or "" before any. A child that died by itself is reaped when the request sees it gone.
  const std::string& last_exit() const { return last_exit_; }

  static const char* status_name(Status s);

 private:
  std::vector<std::string> argv_;
  size_t max_reply_;
  pid_t pid_ = -1;
  int fd_ = -1;
  int starts_ = 0;
  std::string buffer_;  // bytes read past the last reply line
  std::string last_exit_;
};

// A config's "command": ["prog", "arg"] runs as is; "command": "text" runs through /bin/sh -c.
// Throws naming `where` when it is neither, or empty.
std::vector<std::string> command_from_json(const json& cmd, const std::string& where);

}  // namespace r1
