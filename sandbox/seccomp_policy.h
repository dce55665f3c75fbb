// The seccomp-bpf policy of sandboxed runs, built with libseccomp and exported as a raw BPF
// program that the run installs on itself (after no_new_privs, before the untrusted code).
//
// Default allow, with a deny list: Python and arbitrary commands must work, and the list
// covers what could reach the host or break out of the other layers. Denied calls fail with
// EPERM (ENOSYS for clone3) so that Python raises a clean PermissionError; calls from a foreign
// architecture (int 0x80 on x86-64) kill the process.
#pragma once
#include <string>
#include <vector>

namespace r1 {

struct SeccompOptions {
  // Also deny signals to other processes (kill(2) with pid != 0, tkill, tgkill, sigqueue,
  // pidfd_send_signal). For runs that have neither a pid namespace, nor a uid of their own,
  // nor Landlock signal scoping: there kill(-1) would reach the caller's own processes.
  bool restrict_kill = false;
};

// The BPF program (struct sock_filter[], 8 bytes each). Throws when libseccomp fails.
std::string build_seccomp_bpf(const SeccompOptions& options);

// Syscalls denied outright (the policy also filters socket, socketpair, clone and ioctl by
// argument). For reports and docs.
const std::vector<std::string>& seccomp_denied_syscalls();

}  // namespace r1
