// What isolation a sandbox pool actually got: the layers asked for, minus what the kernel or
// container refused, confirmed from inside by a probe run at start-up.
#pragma once
#include <string>
#include <vector>

#include "core/json.h"

namespace r1 {

struct NamespaceSupport;
class Zygote;

struct IsolationReport {
  bool user_ns = false, pid_ns = false, net_ns = false, mount_ns = false, ipc_ns = false;
  std::string uid_mode;       // see Zygote::uid_mode()
  std::string run_uid;        // which host uid runs have, in words
  bool unprivileged = false;  // runs hold no capability and are not host root (probe-checked)
  bool seccomp = false, no_new_privs = false;
  int landlock_abi = 0;  // 0 when Landlock is not applied
  bool readonly_root = false, private_tmp = false, private_proc = false;
  bool minimal_root = false;  // the run's root holds only the runtime (no host files)
  bool rlimits = true;
  std::string cgroup;  // the cgroup capping all runs together; "" when there is none
  bool network_blocked = false, write_outside_blocked = false;  // seen by the probe run
  bool read_outside_blocked = false;                            // seen by the probe run
  std::vector<std::string> runtime_paths;  // host paths a run may read (bound or allowed)
  std::string python;                                           // interpreter path and version
  std::vector<std::string> notes;                               // layers refused, and why

  json to_json() const;
  std::vector<std::string> active_layers() const;  // names of the layers in force
};

IsolationReport make_isolation_report(const NamespaceSupport& ns, const Zygote& zygote,
                                      const std::string& python);

}  // namespace r1
