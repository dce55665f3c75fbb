// A cgroup around one zygote and all its runs. It caps their total memory and process count.
// rlimits are per process, so without it a run could still hold nproc x memory_mb of host
// memory: a fork-then-allocate attack. Optional: made only where this process may create
// cgroups (root on cgroup v1, or a cgroup v2 subtree with the memory and pids controllers
// delegated), always nested under this process's own cgroup.
#pragma once
#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

namespace r1 {

class SandboxCgroup {
 public:
  // Null when no cgroup can be made here; *why says what was refused.
  static std::unique_ptr<SandboxCgroup> create(int64_t memory_bytes, int64_t max_pids,
                                               std::string* why);
  // Kills whatever is still inside and removes the cgroup directories.
  ~SandboxCgroup();
  SandboxCgroup(const SandboxCgroup&) = delete;
  SandboxCgroup& operator=(const SandboxCgroup&) = delete;

  // Moves a process (and its future children) in; false with *why on failure.
  bool add(pid_t pid, std::string* why);
  // For the isolation report: "cgroup v1: memory 1.2 GiB, pids 96".
  const std::string& description() const { return description_; }

 private:
  SandboxCgroup() = default;
  std::vector<std::string> dirs_;  // one per v1 hierarchy, or the one v2 directory
  std::string description_;
};

}  // namespace r1
