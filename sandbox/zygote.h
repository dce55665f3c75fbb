// Starting the zygote: a Python interpreter that runs zygote_script() inside zygote-level
// namespaces (user, pid, net, mount, ipc, as granted) and forks one process tree per run.
// The zygote is pid 1 of its pid namespace when it has one, so killing it ends every run.
#pragma once
#include <sys/types.h>

#include <memory>
#include <string>

#include "core/json.h"
#include "sandbox/cgroup.h"

namespace r1 {

struct ZygoteSpec {
  std::string python;   // absolute path of the interpreter
  int clone_flags = 0;  // CLONE_NEW* for the zygote
  uint32_t host_uid_base = 0x70000000;
  bool readonly_root = true;
  int tmp_mb = 0;        // zygote-level /tmp tmpfs size (with a mount namespace)
  std::string tmp_root;  // work dirs' parent when runs get no private tmpfs
  double start_timeout_s = 30;
  // A cgroup capping the zygote and all its runs (see cgroup.h); 0 bytes: none.
  int64_t cgroup_memory_bytes = 0;
  int64_t cgroup_pids = 0;
  json config;  // the rest of the zygote's configuration (bpf, want, limits)
};

class Zygote {
 public:
  // Throws naming the interpreter and the failing step when the zygote does not start.
  static std::unique_ptr<Zygote> spawn(const ZygoteSpec& spec);
  ~Zygote();  // closes the control socket (the zygote exits, ending its runs) and reaps it
  Zygote(const Zygote&) = delete;
  Zygote& operator=(const Zygote&) = delete;

  pid_t pid() const { return pid_; }
  int control_fd() const { return ctrl_; }
  // "ns_range" (a uid per run inside a user namespace mapped to unprivileged host uids),
  // "host_range" (root without a user namespace: a host uid per run), "caps_only" (a user
  // namespace mapping only the caller's uid: capabilities dropped) or "none".
  const std::string& uid_mode() const { return uid_mode_; }
  int clone_flags() const { return clone_flags_; }
  bool readonly_root() const { return readonly_root_; }
  bool private_zygote_tmp() const { return tmp_mounted_; }
  const std::string& notes() const { return notes_; }
  // "" when the zygote runs without a cgroup of its own.
  std::string cgroup() const { return cgroup_ ? cgroup_->description() : ""; }
  // The zygote's "ready" message: {"plan": layers per run, "probe": what a probe run saw}.
  const json& ready() const { return ready_; }

  // Sends a run's header with its six descriptors; false when the zygote is gone.
  bool send(const std::string& header, const int fds[6]);
  void kill();  // SIGKILL, for a zygote that stopped answering

 private:
  Zygote() = default;
  pid_t pid_ = -1;
  int ctrl_ = -1;
  int clone_flags_ = 0;
  std::string uid_mode_;
  bool readonly_root_ = false, tmp_mounted_ = false;
  std::string notes_;
  json ready_;
  std::unique_ptr<SandboxCgroup> cgroup_;  // destroyed after the zygote is reaped
};

}  // namespace r1
