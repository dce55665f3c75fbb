// Which Linux namespaces this process may create. Kernels, containers and distributions
// differ: unprivileged user namespaces may be disabled (sysctl, AppArmor), a container's
// seccomp profile may forbid unshare, and root may create namespaces without a user one. So
// the sandbox probes in throw-away child processes and uses what it finds.
#pragma once
#include <string>

namespace r1 {

struct NamespaceSupport {
  bool user = false;  // the others below were created inside a new user namespace
  bool pid = false, net = false, mount = false, ipc = false;
  std::string note;         // what was refused and why, for the isolation report
  int clone_flags() const;  // CLONE_NEW* for what is supported
};

NamespaceSupport probe_namespaces();

}  // namespace r1
