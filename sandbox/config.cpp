#include "sandbox/config.h"

#include <thread>

namespace r1 {

namespace {
bool absolute(const std::string& p) {
  return !p.empty() && p[0] == '/';
}
}  // namespace

const ConfigFields<SandboxConfig>& SandboxConfig::fields() {
  using C = SandboxConfig;
  static const auto f =
      ConfigFields<C>("sandbox")
          .add("python", &C::python, "the zygote's interpreter",
               must<std::string>(absolute, "must be an absolute path"))
          .add("concurrency", &C::concurrency, "runs in flight at once; 0: one per hardware thread",
               in_range<int>(0, 4096, "must be in [0, 4096]"))
          .add("limits", &C::limits, "the default limits of a run (sandbox/limits.h)")
          .add("namespaces", &C::namespaces, "user, pid, net, mount and ipc namespaces")
          .add("seccomp", &C::seccomp, "the seccomp-bpf policy (seccomp_policy.h)")
          .add("landlock", &C::landlock,
               "Landlock: writes only in the work dir, no TCP, scoped signals")
          .add("readonly_root", &C::readonly_root,
               "remount / read-only in the zygote's mount namespace")
          .add("minimal_root", &C::minimal_root,
               "each run sees a root of its own: the runtime read-only, a few devices, its /tmp "
               "and /proc")
          .add("ro_binds", &C::ro_binds,
               "host paths (absolute) bound read-only into the minimal root",
               FieldCheck<std::vector<std::string>>(
                   [](const std::vector<std::string>& paths) -> std::optional<std::string> {
                     for (const std::string& p : paths) {
                       if (p.size() < 2 || p[0] != '/' || p.find("..") != std::string::npos ||
                           p.find('\0') != std::string::npos) {
                         return cat("'", p, "' must be an absolute path other than / without '..'");
                       }
                     }
                     return std::nullopt;
                   }))
          .add("cgroup", &C::cgroup, "a cgroup capping the memory and processes of all runs")
          .add("host_uid_base", &C::host_uid_base,
               "started as root, runs use host uids host_uid_base + 1000 + slot",
               in_range<uint32_t>(65536, 0xF0000000u, "must be in [65536, 4026531840]"))
          .add("tmp_root", &C::tmp_root, "parent of work dirs when a run gets no private tmpfs",
               must<std::string>(absolute, "must be an absolute path"))
          .add("start_timeout_s", &C::start_timeout_s,
               "for the zygote to start and probe the layers",
               must<double>([](double v) { return v > 0; }, "must be positive"));
  return f;
}

int SandboxConfig::effective_concurrency() const {
  if (concurrency > 0) return concurrency;
  unsigned n = std::thread::hardware_concurrency();
  return n > 0 ? static_cast<int>(n) : 1;
}

}  // namespace r1
