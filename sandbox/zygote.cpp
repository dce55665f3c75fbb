#include "sandbox/zygote.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <thread>
#include <vector>

#include "core/error.h"
#include "core/log.h"
#include "sandbox/fd.h"
#include "sandbox/zygote_script.h"

#ifndef SYS_mount_setattr
#define SYS_mount_setattr 442
#endif
#ifndef SYS_close_range
#define SYS_close_range 436
#endif

namespace r1 {

namespace {

// Steps of the child between clone and exec. A failure is written to the report pipe as
// {kind, step, errno}: kind 0 a layer that could not be set up (the zygote runs without it),
// kind 1 fatal.
enum Step : int32_t {
  kWaitMap = 1,
  kSetIds,
  kPrivateMounts,
  kReadonlyRoot,
  kZygoteTmp,
  kProcMount,
  kDescriptors,
  kExec,
};

const char* step_name(int32_t s) {
  switch (s) {
    case kWaitMap:
      return "waiting for the uid map";
    case kSetIds:
      return "becoming root of the user namespace";
    case kPrivateMounts:
      return "making mounts private";
    case kReadonlyRoot:
      return "remounting / read-only";
    case kZygoteTmp:
      return "mounting a tmpfs on /tmp";
    case kProcMount:
      return "mounting /proc";
    case kDescriptors:
      return "arranging descriptors";
    case kExec:
      return "exec";
  }
  return "?";
}

struct Report {
  int32_t kind, step, err;
};

struct MountAttr {  // struct mount_attr of <linux/mount.h>
  uint64_t attr_set, attr_clr, propagation, userns_fd;
};

// Everything the child needs, prepared before clone: the child must not allocate (the
// parent may be multithreaded, and another thread may hold the malloc lock).
struct ChildArgs {
  int flags;
  bool map_range;
  bool readonly_root;
  const char* tmp_opts;  // null: leave /tmp alone
  int ctrl, sync, report;
  const char* python;
  char* const* argv;
  char* const* envp;
};

void report(int fd, int32_t kind, int32_t step) {
  Report r{kind, step, errno};
  ssize_t n = ::write(fd, &r, sizeof r);
  (void)n;
}

[[noreturn]] void child_fail(int fd, int32_t step) {
  report(fd, 1, step);
  ::_exit(127);
}

// Raw syscalls only: glibc's setresuid and friends synchronise all threads of the process,
// and in this clone child glibc still believes the parent's threads exist.
[[noreturn]] void child_main(const ChildArgs& a) {
  if (a.flags & CLONE_NEWUSER) {
    char c;
    if (::read(a.sync, &c, 1) != 1) child_fail(a.report, kWaitMap);
    if (::syscall(SYS_setresgid, 0, 0, 0) != 0 || ::syscall(SYS_setresuid, 0, 0, 0) != 0) {
      child_fail(a.report, kSetIds);
    }
    // Root's supplementary groups (gid 0 among them) must not follow into the sandbox.
    if (a.map_range && ::syscall(SYS_setgroups, 0, nullptr) != 0) child_fail(a.report, kSetIds);
  }
  ::close(a.sync);
  uint64_t empty_mask = 0;
  ::syscall(SYS_rt_sigprocmask, SIG_SETMASK, &empty_mask, nullptr, sizeof empty_mask);
  if (a.flags & CLONE_NEWNS) {
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
      child_fail(a.report, kPrivateMounts);
    }
    if (a.readonly_root) {
      MountAttr attr{1 /* MOUNT_ATTR_RDONLY */, 0, 0, 0};
      if (::syscall(SYS_mount_setattr, AT_FDCWD, "/", 0x8000 /* AT_RECURSIVE */, &attr,
                    sizeof attr) != 0) {
        report(a.report, 0, kReadonlyRoot);
      }
    }
    if (a.tmp_opts && ::mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, a.tmp_opts) != 0) {
      report(a.report, 0, kZygoteTmp);
    }
    if ((a.flags & CLONE_NEWPID) &&
        ::mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) != 0) {
      report(a.report, 0, kProcMount);
    }
  }
  // fd 3 is the control socket, 0 and 1 /dev/null, 2 stays (the zygote's own errors go to
  // the caller's stderr); everything else closes at exec, the report pipe included.
  int rep = ::fcntl(a.report, F_DUPFD_CLOEXEC, 10);
  int ctl = ::fcntl(a.ctrl, F_DUPFD_CLOEXEC, 10);
  int nul = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  if (rep < 0 || ctl < 0 || nul < 0) child_fail(a.report, kDescriptors);
  if (::dup2(ctl, 3) != 3 || ::dup2(nul, 0) != 0 || ::dup2(nul, 1) != 1) {
    child_fail(rep, kDescriptors);
  }
  if (::syscall(SYS_close_range, 4u, ~0u, 4u /* CLOSE_RANGE_CLOEXEC */) != 0) {
    for (int fd = 4; fd < 65536; ++fd) {
      if (fd != rep) ::fcntl(fd, F_SETFD, FD_CLOEXEC);
    }
  }
  ::execve(a.python, a.argv, a.envp);
  child_fail(rep, kExec);
}

bool write_proc_file(pid_t pid, const char* name, const std::string& text) {
  std::string path = cat("/proc/", pid, "/", name);
  Fd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd.valid()) return false;
  return ::write(fd.get(), text.data(), text.size()) == static_cast<ssize_t>(text.size());
}

void reap(pid_t pid) {
  int status;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
}

// Waits up to `seconds` for `fd` to become readable; false on timeout.
bool wait_readable(int fd, double seconds) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, POLLIN, 0};
    int rc = ::poll(&p, 1, static_cast<int>(left.count()));
    if (rc > 0) return true;
    if (rc < 0 && errno != EINTR) return false;
  }
}

// Processes (threads included) of the real uid: RLIMIT_NPROC counts them all when runs
// cannot get a uid of their own.
int count_own_tasks() {
  int n = 0;
  if (DIR* d = ::opendir("/proc")) {
    while (dirent* e = ::readdir(d)) {
      if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
      std::string path = cat("/proc/", e->d_name, "/status");
      Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
      if (!fd.valid()) continue;
      char buf[4096];
      ssize_t len = ::read(fd.get(), buf, sizeof buf - 1);
      if (len <= 0) continue;
      buf[len] = '\0';
      const char* uid = std::strstr(buf, "\nUid:\t");
      const char* threads = std::strstr(buf, "\nThreads:\t");
      if (!uid || !threads) continue;
      if (std::strtol(uid + 6, nullptr, 10) != static_cast<long>(::getuid())) continue;
      n += static_cast<int>(std::strtol(threads + 10, nullptr, 10));
    }
    ::closedir(d);
  }
  return n;
}

}  // namespace

std::unique_ptr<Zygote> Zygote::spawn(const ZygoteSpec& spec) {
  const bool root = ::geteuid() == 0;
  const int flags = spec.clone_flags;
  const bool map_range = (flags & CLONE_NEWUSER) && root;

  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
    fail("sandbox: socketpair for the zygote: ", std::strerror(errno));
  }
  Fd ctrl(sv[0]), child_ctrl(sv[1]);
  Pipe sync = make_pipe("the zygote's start");
  Pipe rep = make_pipe("the zygote's start");

  std::string tmp_opts = cat("size=", std::max(spec.tmp_mb, 16), "m,mode=0755");
  std::vector<std::string> args = {spec.python, "-I", "-c", zygote_script()};
  std::vector<std::string> env = {"PATH=/usr/local/bin:/usr/bin:/bin", "LANG=C.UTF-8", "HOME=/",
                                  "PYTHONDONTWRITEBYTECODE=1"};
  std::vector<char*> argv, envp;
  for (auto& s : args) argv.push_back(s.data());
  argv.push_back(nullptr);
  for (auto& s : env) envp.push_back(s.data());
  envp.push_back(nullptr);
  ChildArgs a{flags,
              map_range,
              spec.readonly_root,
              spec.tmp_mb > 0 ? tmp_opts.c_str() : nullptr,
              child_ctrl.get(),
              sync.read.get(),
              rep.write.get(),
              spec.python.c_str(),
              argv.data(),
              envp.data()};

  // The cgroup exists before the zygote does, so that it is in it before its first run.
  std::unique_ptr<SandboxCgroup> cgroup;
  std::string cgroup_note;
  if (spec.cgroup_memory_bytes > 0) {
    cgroup = SandboxCgroup::create(spec.cgroup_memory_bytes, spec.cgroup_pids, &cgroup_note);
  }

  // clone(2) rather than fork + unshare: with CLONE_NEWPID the child itself is pid 1 of the
  // new namespace. A null stack makes it behave like fork.
  long pid = ::syscall(SYS_clone, static_cast<unsigned long>(flags) | SIGCHLD, nullptr, nullptr,
                       nullptr, nullptr);
  if (pid < 0) fail("sandbox: clone with flags 0x", std::hex, flags, ": ", std::strerror(errno));
  if (pid == 0) child_main(a);

  auto z = std::unique_ptr<Zygote>(new Zygote);
  z->pid_ = static_cast<pid_t>(pid);
  z->cgroup_ = std::move(cgroup);
  z->clone_flags_ = flags;
  child_ctrl.reset();
  sync.read.reset();
  rep.write.reset();
  if (z->cgroup_ && !z->cgroup_->add(z->pid_, &cgroup_note)) z->cgroup_.reset();
  if (spec.cgroup_memory_bytes > 0 && !z->cgroup_) z->notes_ = "no cgroup: " + cgroup_note;
  auto abandon = [&](const std::string& why) {
    ::kill(z->pid_, SIGKILL);
    reap(z->pid_);
    z->pid_ = -1;
    fail("sandbox: starting the zygote (", spec.python, "): ", why);
  };

  if (flags & CLONE_NEWUSER) {
    bool mapped = false;
    if (map_range) {
      std::string m = cat("0 ", spec.host_uid_base, " 65536\n");
      mapped = write_proc_file(z->pid_, "uid_map", m) && write_proc_file(z->pid_, "gid_map", m);
      if (!mapped) abandon(cat("writing a uid range map: ", std::strerror(errno)));
      z->uid_mode_ = "ns_range";
    } else {
      mapped = write_proc_file(z->pid_, "setgroups", "deny") &&
               write_proc_file(z->pid_, "uid_map", cat("0 ", ::geteuid(), " 1\n")) &&
               write_proc_file(z->pid_, "gid_map", cat("0 ", ::getegid(), " 1\n"));
      if (!mapped) abandon(cat("writing the uid map: ", std::strerror(errno)));
      z->uid_mode_ = "caps_only";
    }
  } else {
    z->uid_mode_ = root ? "host_range" : "none";
  }
  // Only a child in a new user namespace waits for this byte (the others may be gone to exec).
  if ((flags & CLONE_NEWUSER) && !write_all_fd(sync.write.get(), "x", 1)) {
    abandon("the child vanished before its uid map");
  }
  sync.write.reset();

  // Reports until exec closes the pipe.
  z->readonly_root_ = (flags & CLONE_NEWNS) && spec.readonly_root;
  z->tmp_mounted_ = (flags & CLONE_NEWNS) && spec.tmp_mb > 0;
  for (;;) {
    if (!wait_readable(rep.read.get(), spec.start_timeout_s))
      abandon("no exec within the start timeout");
    Report r;
    ssize_t n = ::read(rep.read.get(), &r, sizeof r);
    if (n < 0 && errno == EINTR) continue;
    if (n == 0) break;
    if (n != static_cast<ssize_t>(sizeof r)) abandon("short report from the child");
    if (r.kind == 1) abandon(cat(step_name(r.step), ": ", std::strerror(r.err)));
    if (r.step == kReadonlyRoot) z->readonly_root_ = false;
    if (r.step == kZygoteTmp) z->tmp_mounted_ = false;
    z->notes_ += cat(z->notes_.empty() ? "" : "; ", step_name(r.step), " failed (",
                     std::strerror(r.err), ")");
  }

  json cfg = spec.config;
  cfg["uid_mode"] = z->uid_mode_;
  cfg["uid_base"] = z->uid_mode_ == "ns_range"     ? 1000u
                    : z->uid_mode_ == "host_range" ? spec.host_uid_base + 1000u
                                                   : 0u;
  cfg["tmp_root"] = z->tmp_mounted_ ? std::string("/tmp") : spec.tmp_root;
  cfg["nproc_base"] = z->uid_mode_ == "none" ? count_own_tasks() : 0;
  std::string first = cfg.dump();
  if (::send(ctrl.get(), first.data(), first.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(first.size())) {
    abandon(cat("sending the configuration: ", std::strerror(errno)));
  }
  if (!wait_readable(ctrl.get(), spec.start_timeout_s))
    abandon("no ready message within the start timeout");
  std::string buf(1 << 20, '\0');
  ssize_t n = ::recv(ctrl.get(), buf.data(), buf.size(), 0);
  if (n <= 0) abandon("the interpreter exited before it was ready (its error is on stderr above)");
  buf.resize(static_cast<size_t>(n));
  try {
    z->ready_ = parse_json(buf, "the zygote's ready message");
  } catch (const Error& e) {
    abandon(cat("unreadable ready message: ", e.what()));
  }
  z->ctrl_ = ctrl.release();
  return z;
}

Zygote::~Zygote() {
  if (ctrl_ >= 0) ::close(ctrl_);
  if (pid_ <= 0) return;
  // The zygote exits on EOF; as pid 1 of its namespace it takes every run with it.
  for (int i = 0; i < 300; ++i) {
    int status;
    pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_ || (r < 0 && errno == ECHILD)) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  log_warn("sandbox: zygote ", pid_, " did not exit within 3 s; killing it");
  ::kill(pid_, SIGKILL);
  reap(pid_);
}

bool Zygote::send(const std::string& header, const int fds[6]) {
  msghdr msg{};
  iovec iov{const_cast<char*>(header.data()), header.size()};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(6 * sizeof(int))];
  std::memset(control, 0, sizeof control);
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(6 * sizeof(int));
  std::memcpy(CMSG_DATA(c), fds, 6 * sizeof(int));
  // The socket may be non-blocking (the pool watches a dup of it with Asio, and the flag is
  // shared); a full socket buffer means the zygote is busy forking, so wait for room.
  for (int waited_ms = 0;;) {
    ssize_t n = ::sendmsg(ctrl_, &msg, MSG_NOSIGNAL);
    if (n == static_cast<ssize_t>(header.size())) return true;
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && waited_ms < 30000) {
      pollfd p{ctrl_, POLLOUT, 0};
      ::poll(&p, 1, 100);
      waited_ms += 100;
      continue;
    }
    return false;
  }
}

void Zygote::kill() {
  if (pid_ > 0) ::kill(pid_, SIGKILL);
}

}  // namespace r1
