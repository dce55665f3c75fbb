#include "sandbox/cgroup.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "core/error.h"

namespace r1 {

namespace {

bool write_text(const std::string& path, const std::string& text) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  int e = errno;
  ::close(fd);
  errno = e;
  return ok;
}

std::string read_text(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

struct Mount {
  std::string root, point, type, options;
};

// cgroup and cgroup2 mounts from /proc/self/mountinfo.
std::vector<Mount> cgroup_mounts() {
  std::vector<Mount> out;
  std::ifstream f("/proc/self/mountinfo");
  std::string line;
  while (std::getline(f, line)) {
    std::istringstream is(line);
    std::string id, parent, dev, root, point, opts, field;
    is >> id >> parent >> dev >> root >> point >> opts;
    while (is >> field && field != "-") {
    }
    std::string type, source, super;
    is >> type >> source >> super;
    if (type == "cgroup" || type == "cgroup2") out.push_back({root, point, type, super});
  }
  return out;
}

bool has_option(const std::string& options, const std::string& name) {
  std::istringstream is(options);
  std::string o;
  while (std::getline(is, o, ',')) {
    if (o == name) return true;
  }
  return false;
}

// This process's cgroup path in the hierarchy of `controller` ("" for v2), from
// /proc/self/cgroup; false when it has none.
bool own_path(const std::string& controller, std::string* path) {
  std::ifstream f("/proc/self/cgroup");
  std::string line;
  while (std::getline(f, line)) {
    size_t a = line.find(':'), b = line.find(':', a + 1);
    if (a == std::string::npos || b == std::string::npos) continue;
    std::string ctrls = line.substr(a + 1, b - a - 1);
    if (controller.empty() ? (line.substr(0, a) == "0" && ctrls.empty())
                           : has_option(ctrls, controller)) {
      *path = line.substr(b + 1);
      return true;
    }
  }
  return false;
}

// The directory of `path` under a mount whose root is `m.root`.
std::string dir_under(const Mount& m, const std::string& path) {
  if (m.root == "/") return m.point + (path == "/" ? "" : path);
  if (path.compare(0, m.root.size(), m.root) == 0) return m.point + path.substr(m.root.size());
  return "";
}

bool host_has_swap() {
  std::ifstream f("/proc/meminfo");
  std::string key;
  for (int64_t kb; f >> key >> kb;) {
    if (key == "SwapTotal:") return kb > 0;
    f.ignore(1 << 10, '\n');
  }
  return false;
}

// For the description: "" when swap is capped with RAM (error 0) or the host has none, else
// why the total may exceed the cap.
std::string swap_note(int error, const std::string& file, const std::string& dir) {
  if (error == 0 || !host_has_swap()) return "";
  return cat(" (not counting swap: cannot write ", dir, "/", file, ": ", std::strerror(error), ")");
}

// 0 when `text` was written to `path`, else errno.
int write_error(const std::string& path, const std::string& text) {
  return write_text(path, text) ? 0 : errno;
}

std::string unique_name() {
  static std::atomic<int> seq{0};
  return cat("r1-sandbox-", ::getpid(), "-", ++seq);
}

}  // namespace

std::unique_ptr<SandboxCgroup> SandboxCgroup::create(int64_t memory_bytes, int64_t max_pids,
                                                     std::string* why) {
  auto cg = std::unique_ptr<SandboxCgroup>(new SandboxCgroup);
  const std::string name = unique_name();
  std::vector<Mount> mounts = cgroup_mounts();
  std::string gib = cat(memory_bytes / double(1 << 30));

  // cgroup v2, when memory and pids are available to a child of our own cgroup.
  for (const Mount& m : mounts) {
    std::string path;
    if (m.type != "cgroup2" || !own_path("", &path)) continue;
    std::string parent = dir_under(m, path);
    if (parent.empty()) continue;
    std::string ctl = read_text(parent + "/cgroup.subtree_control");
    if (!has_option(ctl.substr(0, ctl.find('\n')), "memory")) {
      std::string controllers = read_text(parent + "/cgroup.controllers");
      bool avail = controllers.find("memory") != std::string::npos;
      // Allowed only where the parent holds no processes itself (or is the root).
      if (!avail || !write_text(parent + "/cgroup.subtree_control", "+memory +pids")) continue;
    }
    std::string dir = parent + "/" + name;
    if (::mkdir(dir.c_str(), 0755) != 0) continue;
    cg->dirs_.push_back(dir);
    if (!write_text(dir + "/memory.max", cat(memory_bytes))) {
      *why = cat("cgroup v2 at ", dir, ": cannot set memory.max (", std::strerror(errno), ")");
      return nullptr;
    }
    // memory.max bounds RAM only: without this, a run could page the excess out to swap
    // and hold more than the cap in total (and thrash the host while doing it).
    std::string swap =
        swap_note(write_error(dir + "/memory.swap.max", "0"), "memory.swap.max", dir);
    write_text(dir + "/pids.max", cat(max_pids));
    cg->description_ = cat("cgroup v2 ", dir, ": memory ", gib, " GiB", swap, ", pids ", max_pids);
    return cg;
  }

  // cgroup v1: one directory in the memory hierarchy, one in pids when it is mounted.
  std::string swap_v1;
  for (const char* controller : {"memory", "pids"}) {
    for (const Mount& m : mounts) {
      std::string path;
      if (m.type != "cgroup" || !has_option(m.options, controller) ||
          !own_path(controller, &path)) {
        continue;
      }
      std::string parent = dir_under(m, path);
      if (parent.empty()) continue;
      std::string dir = parent + "/" + name;
      if (::mkdir(dir.c_str(), 0755) != 0) {
        if (std::string(controller) == "memory") {
          *why = cat("cannot create ", dir, " (", std::strerror(errno), ")");
          return nullptr;
        }
        break;
      }
      cg->dirs_.push_back(dir);
      bool ok = std::string(controller) == "memory"
                    ? write_text(dir + "/memory.limit_in_bytes", cat(memory_bytes))
                    : write_text(dir + "/pids.max", cat(max_pids));
      if (!ok) {
        *why = cat("cannot set the limit in ", dir, " (", std::strerror(errno), ")");
        return nullptr;
      }
      if (std::string(controller) == "memory") {
        // As for v2: memory and swap together (memsw must be set after the RAM limit, and
        // exists only where the kernel accounts swap); swappiness 0 where it does not.
        int error = write_error(dir + "/memory.memsw.limit_in_bytes", cat(memory_bytes));
        // Without swap accounting, swappiness 0 keeps the cgroup's own reclaim off swap.
        if (error != 0 && write_text(dir + "/memory.swappiness", "0") && host_has_swap())
          swap_v1 = " (swap held off by swappiness 0: the kernel does not account it)";
        else
          swap_v1 = swap_note(error, "memory.memsw.limit_in_bytes", dir);
      }
      break;
    }
  }
  if (cg->dirs_.empty()) {
    *why = "no writable cgroup hierarchy with a memory controller";
    return nullptr;
  }
  cg->description_ = cat("cgroup v1: memory ", gib, " GiB", swap_v1,
                         cg->dirs_.size() > 1 ? cat(", pids ", max_pids) : "");
  return cg;
}

bool SandboxCgroup::add(pid_t pid, std::string* why) {
  for (const auto& dir : dirs_) {
    if (!write_text(dir + "/cgroup.procs", cat(pid))) {
      *why = cat("moving pid ", pid, " into ", dir, ": ", std::strerror(errno));
      return false;
    }
  }
  return true;
}

SandboxCgroup::~SandboxCgroup() {
  for (auto it = dirs_.rbegin(); it != dirs_.rend(); ++it) {
    // Normally empty by now (the zygote and its runs are gone); a straggler is killed.
    for (int tries = 0; tries < 100; ++tries) {
      std::istringstream procs(read_text(*it + "/cgroup.procs"));
      bool any = false;
      for (pid_t pid; procs >> pid;) {
        ::kill(pid, SIGKILL);
        any = true;
      }
      if (!any && ::rmdir(it->c_str()) == 0) break;
      if (!any && errno == ENOENT) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
}

}  // namespace r1
