#include "core/memory_limit.h"

#include <sys/resource.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <optional>

namespace r1 {

namespace {

std::mutex g_mu;
std::optional<MemoryLimit> g_set;  // from set_memory_limit

void lower(MemoryLimit& m, double bytes, const char* source) {
  if (bytes > 0 && bytes < m.bytes) m = {bytes, source};
}

double rlimit_bytes(int resource) {
  rlimit rl{};
  if (getrlimit(resource, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY) return 0;
  return static_cast<double>(rl.rlim_cur);
}

// cgroup v2: "max" or a byte count.
double cgroup_bytes() {
  std::ifstream f("/sys/fs/cgroup/memory.max");
  std::string s;
  if (!(f >> s) || s == "max") return 0;
  try {
    return std::stod(s);
  } catch (const std::exception&) {
    return 0;
  }
}

}  // namespace

MemoryLimit memory_limit() {
  {
    std::lock_guard<std::mutex> lock(g_mu);
    if (g_set) return *g_set;
  }
  MemoryLimit m{HUGE_VAL, "no limit"};
  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
  if (pages > 0 && page > 0)
    lower(m, static_cast<double>(pages) * static_cast<double>(page), "physical memory");
  lower(m, rlimit_bytes(RLIMIT_AS), "address-space limit (ulimit -v)");
  lower(m, rlimit_bytes(RLIMIT_DATA), "data-segment limit (ulimit -d)");
  lower(m, cgroup_bytes(), "cgroup memory.max");
  return m;
}

void set_memory_limit(double bytes, const std::string& source) {
  std::lock_guard<std::mutex> lock(g_mu);
  g_set = MemoryLimit{bytes, source};
}

std::string human_bytes(double bytes) {
  static const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  int u = 0;
  while (bytes >= 1024 && u < 6) {
    bytes /= 1024;
    ++u;
  }
  char buf[64];
  if (u == 0)
    std::snprintf(buf, sizeof buf, "%.0f B", bytes);
  else
    std::snprintf(buf, sizeof buf, bytes >= 100 ? "%.0f %s" : "%.1f %s", bytes, units[u]);
  return buf;
}

}  // namespace r1
