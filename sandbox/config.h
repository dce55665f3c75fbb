// How a sandbox pool is built: which interpreter, how many runs at once, the default limits,
// and which isolation layers to ask for (each is used only where the kernel grants it, and
// the pool reports what it got; see docs/sandbox.md).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/config_fields.h"
#include "core/json.h"
#include "sandbox/limits.h"

namespace r1 {

struct SandboxConfig : FieldListed<SandboxConfig> {
  // The interpreter of the zygote. Not the python on PATH: a pyenv shim there may not exist
  // on other machines, and the sandbox should not depend on the user's shell setup.
  std::string python = "/usr/bin/python3";
  int concurrency = 0;  // runs in flight at once; 0 means one per hardware thread
  SandboxLimits limits;
  bool namespaces = true;     // user, pid, net, mount and ipc namespaces
  bool seccomp = true;        // the seccomp-bpf policy of seccomp_policy.h
  bool landlock = true;       // Landlock: writes only in the work dir, no TCP, scoped signals
  bool readonly_root = true;  // remount / read-only in the zygote's mount namespace
  // Each run sees a root of its own: the Python runtime bound read-only, a few devices, its
  // /tmp and /proc, and nothing else of the host (no home, work tree, datasets, /var, /run,
  // /dev/shm). Needs the mount namespace.
  bool minimal_root = true;
  // Host paths (absolute) bound read-only into the minimal root, and readable under Landlock,
  // beside the runtime: e.g. a package directory that solutions may import from.
  std::vector<std::string> ro_binds;
  // A cgroup capping the memory and processes of all runs together (see cgroup.h): at most
  // concurrency x (memory_mb + tmp_mb) + 512 MiB and concurrency x (nproc + 2) + 16 tasks.
  bool cgroup = true;
  // When started as root, runs use host uids host_uid_base + 1000 + slot: no file on the
  // host belongs to them, and no two runs in flight share one.
  uint32_t host_uid_base = 0x70000000;
  std::string tmp_root = "/tmp";  // parent of work dirs when a run gets no private tmpfs
  double start_timeout_s = 30;    // for the zygote to start and probe the layers

  static const ConfigFields<SandboxConfig>& fields();  // name, default, check, help of each field
  int effective_concurrency() const;
};

}  // namespace r1
