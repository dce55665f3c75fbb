#include "sandbox/namespaces.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

#include "core/error.h"

namespace r1 {

namespace {

enum Bit { kUser = 1, kPid = 2, kNet = 4, kMount = 8, kIpc = 16 };

struct ProbeResult {
  int bits = 0;
  int user_errno = 0;   // why CLONE_NEWUSER failed, when it did
  int other_errno = 0;  // why the first of the others failed
};

// Forks a child that tries each namespace with unshare(2) and reports over a pipe; the
// child exits right after, so nothing it created outlives the probe.
ProbeResult probe_in_child(bool with_user) {
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0)
    fail("sandbox: pipe for the namespace probe: ", std::strerror(errno));
  pid_t pid = ::fork();
  if (pid < 0) {
    int e = errno;
    ::close(p[0]);
    ::close(p[1]);
    fail("sandbox: fork for the namespace probe: ", std::strerror(e));
  }
  if (pid == 0) {
    // Only async-signal-safe calls from here: the parent may be multithreaded.
    ProbeResult r;
    bool base_ok = true;
    if (with_user) {
      if (::unshare(CLONE_NEWUSER) == 0) {
        r.bits |= kUser;
      } else {
        r.user_errno = errno;
        base_ok = false;
      }
    }
    if (base_ok) {
      const struct {
        int flag;
        int bit;
      } tries[] = {
          {CLONE_NEWPID, kPid}, {CLONE_NEWNET, kNet}, {CLONE_NEWNS, kMount}, {CLONE_NEWIPC, kIpc}};
      for (const auto& t : tries) {
        if (::unshare(t.flag) == 0) {
          r.bits |= t.bit;
        } else if (r.other_errno == 0) {
          r.other_errno = errno;
        }
      }
    }
    ssize_t n = ::write(p[1], &r, sizeof r);
    ::_exit(n == static_cast<ssize_t>(sizeof r) ? 0 : 1);
  }
  ::close(p[1]);
  ProbeResult r;
  ssize_t got = 0;
  while (got < static_cast<ssize_t>(sizeof r)) {
    ssize_t n = ::read(p[0], reinterpret_cast<char*>(&r) + got, sizeof r - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += n;
  }
  ::close(p[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (got != static_cast<ssize_t>(sizeof r)) return ProbeResult{};
  return r;
}

int count(int bits) {
  return __builtin_popcount(bits & ~kUser);
}

}  // namespace

int NamespaceSupport::clone_flags() const {
  return (user ? CLONE_NEWUSER : 0) | (pid ? CLONE_NEWPID : 0) | (net ? CLONE_NEWNET : 0) |
         (mount ? CLONE_NEWNS : 0) | (ipc ? CLONE_NEWIPC : 0);
}

NamespaceSupport probe_namespaces() {
  ProbeResult in_user = probe_in_child(true);
  // Root (or CAP_SYS_ADMIN) can create the others without a user namespace; try that too,
  // and prefer the user namespace only when it gives at least as much.
  ProbeResult plain = probe_in_child(false);
  NamespaceSupport s;
  int bits = 0;
  if ((in_user.bits & kUser) && count(in_user.bits) >= count(plain.bits) &&
      count(in_user.bits) > 0) {
    bits = in_user.bits;
  } else {
    bits = plain.bits;
  }
  s.user = bits & kUser;
  s.pid = bits & kPid;
  s.net = bits & kNet;
  s.mount = bits & kMount;
  s.ipc = bits & kIpc;
  if (!(in_user.bits & kUser)) {
    s.note = cat("user namespace refused (", std::strerror(in_user.user_errno), ")");
  } else if (count(in_user.bits) == 0) {
    s.note = cat("user namespace without capabilities (", std::strerror(in_user.other_errno),
                 "), so none created inside it");
  }
  if (count(bits) < 4) {
    int e = s.user ? in_user.other_errno : plain.other_errno;
    s.note += cat(s.note.empty() ? "" : "; ", "some namespaces refused (",
                  std::strerror(e ? e : EPERM), ")");
  }
  return s;
}

}  // namespace r1
