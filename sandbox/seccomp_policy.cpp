#include "sandbox/seccomp_policy.h"

#include <errno.h>
#include <sched.h>
#include <seccomp.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include "core/error.h"
#include "sandbox/fd.h"

namespace r1 {

const std::vector<std::string>& seccomp_denied_syscalls() {
  static const std::vector<std::string> names = {
      // debugging and reading other processes
      "ptrace",
      "process_vm_readv",
      "process_vm_writev",
      "kcmp",
      "pidfd_getfd",
      // namespaces and mounts: the run must stay in the ones it was given
      "unshare",
      "setns",
      "mount",
      "umount2",
      "pivot_root",
      "chroot",
      "move_mount",
      "open_tree",
      "fsopen",
      "fsconfig",
      "fsmount",
      "fspick",
      "mount_setattr",
      // the kernel itself
      "kexec_load",
      "kexec_file_load",
      "reboot",
      "init_module",
      "finit_module",
      "delete_module",
      "bpf",
      "perf_event_open",
      "userfaultfd",
      "io_uring_setup",
      "io_uring_enter",
      "io_uring_register",
      "iopl",
      "ioperm",
      "swapon",
      "swapoff",
      "acct",
      "quotactl",
      "quotactl_fd",
      "syslog",
      "lookup_dcookie",
      "uselib",
      "vhangup",
      "nfsservctl",
      "sysfs",
      "_sysctl",
      "fanotify_init",
      "mbind",
      "migrate_pages",
      "move_pages",
      // keys, clocks and host names
      "keyctl",
      "add_key",
      "request_key",
      "settimeofday",
      "clock_settime",
      "clock_adjtime",
      "adjtimex",
      "sethostname",
      "setdomainname",
      // file handles bypass path checks
      "open_by_handle_at",
      "name_to_handle_at",
      // leaving the process group would escape the timeout's group kill
      "setsid",
      "setpgid",
  };
  return names;
}

namespace {

struct Ctx {
  scmp_filter_ctx ctx = nullptr;
  ~Ctx() {
    if (ctx) seccomp_release(ctx);
  }
};

void check(int rc, const std::string& what) {
  if (rc < 0) fail("sandbox: seccomp ", what, ": ", std::strerror(-rc));
}

void rule(Ctx& c, uint32_t action, const char* name, unsigned argc = 0,
          scmp_arg_cmp cmp = scmp_arg_cmp{}) {
  int nr = seccomp_syscall_resolve_name(name);
  if (nr == __NR_SCMP_ERROR) return;  // not a syscall on this architecture
  int rc = argc == 0 ? seccomp_rule_add(c.ctx, action, nr, 0)
                     : seccomp_rule_add(c.ctx, action, nr, 1, cmp);
  check(rc, std::string("rule for ") + name);
}

}  // namespace

std::string build_seccomp_bpf(const SeccompOptions& options) {
  Ctx c;
  c.ctx = seccomp_init(SCMP_ACT_ALLOW);
  if (!c.ctx) fail("sandbox: seccomp_init failed");
  const uint32_t deny = SCMP_ACT_ERRNO(EPERM);
  for (const auto& name : seccomp_denied_syscalls()) rule(c, deny, name.c_str());

  // Sockets: no socket(2) at all, so nothing can be connected to: no network even where there
  // is no network namespace, and no Unix socket of the host (a path name or an abstract one)
  // even where the host's files are visible. socketpair(2) stays, for AF_UNIX only: it connects
  // a run to itself (Python's multiprocessing pipes and asyncio use it).
  for (const char* name : {"socket", "connect", "bind", "listen", "accept", "accept4"}) {
    rule(c, deny, name);
  }
  rule(c, deny, "socketpair", 1, SCMP_A0(SCMP_CMP_NE, AF_UNIX));
  // clone with a namespace flag; clone3 passes its flags in memory, where BPF cannot look,
  // so it reports ENOSYS and glibc falls back to clone.
  const uint64_t ns_flags[] = {CLONE_NEWNS,  CLONE_NEWUSER, CLONE_NEWPID,    CLONE_NEWNET,
                               CLONE_NEWIPC, CLONE_NEWUTS,  CLONE_NEWCGROUP, 0x80 /* NEWTIME */};
  for (uint64_t flag : ns_flags) {
    rule(c, deny, "clone", 1, SCMP_A0(SCMP_CMP_MASKED_EQ, flag, flag));
  }
  rule(c, SCMP_ACT_ERRNO(ENOSYS), "clone3");
  // Pushing bytes into a terminal's input queue.
  rule(c, deny, "ioctl", 1, SCMP_A1(SCMP_CMP_MASKED_EQ, 0xFFFFFFFFu, TIOCSTI));
  rule(c, deny, "ioctl", 1, SCMP_A1(SCMP_CMP_MASKED_EQ, 0xFFFFFFFFu, TIOCLINUX));

  if (options.restrict_kill) {
    rule(c, deny, "kill", 1, SCMP_A0(SCMP_CMP_NE, 0));
    for (const char* name :
         {"tkill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo", "pidfd_send_signal"}) {
      rule(c, deny, name);
    }
  }

  Fd mem(::memfd_create("r1-seccomp", MFD_CLOEXEC));
  if (!mem.valid()) fail("sandbox: memfd_create for the seccomp program: ", std::strerror(errno));
  check(seccomp_export_bpf(c.ctx, mem.get()), "export");
  std::string bpf;
  if (::lseek(mem.get(), 0, SEEK_SET) != 0) fail("sandbox: lseek: ", std::strerror(errno));
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(mem.get(), buf, sizeof buf);
    if (n < 0) fail("sandbox: reading the seccomp program: ", std::strerror(errno));
    if (n == 0) break;
    bpf.append(buf, static_cast<size_t>(n));
  }
  if (bpf.empty() || bpf.size() % 8 != 0 || bpf.size() / 8 > 4096) {
    fail("sandbox: seccomp program has an invalid size of ", bpf.size(), " bytes");
  }
  return bpf;
}

}  // namespace r1
