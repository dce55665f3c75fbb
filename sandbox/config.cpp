#include "sandbox/config.h"

#include <thread>

namespace r1 {

SandboxConfig SandboxConfig::from_json(const json& j, const std::string& where) {
  JsonReader r(j, where);
  SandboxConfig c;
  c.python = r.get<std::string>("python", c.python);
  c.concurrency = r.get<int>("concurrency", c.concurrency);
  if (r.has("limits")) {
    c.limits = SandboxLimits::from_json(r.raw("limits"), where + ": field 'limits'", c.limits);
  }
  c.namespaces = r.get<bool>("namespaces", c.namespaces);
  c.seccomp = r.get<bool>("seccomp", c.seccomp);
  c.landlock = r.get<bool>("landlock", c.landlock);
  c.readonly_root = r.get<bool>("readonly_root", c.readonly_root);
  c.minimal_root = r.get<bool>("minimal_root", c.minimal_root);
  c.ro_binds = r.get<std::vector<std::string>>("ro_binds", c.ro_binds);
  c.cgroup = r.get<bool>("cgroup", c.cgroup);
  c.host_uid_base = r.get<uint32_t>("host_uid_base", c.host_uid_base);
  c.tmp_root = r.get<std::string>("tmp_root", c.tmp_root);
  c.start_timeout_s = r.get<double>("start_timeout_s", c.start_timeout_s);
  r.done();
  r.check(!c.python.empty() && c.python[0] == '/', "python", "must be an absolute path");
  r.check(c.concurrency >= 0 && c.concurrency <= 4096, "concurrency", "must be in [0, 4096]");
  r.check(c.host_uid_base >= 65536 && c.host_uid_base <= 0xF0000000u, "host_uid_base",
          "must be in [65536, 4026531840]");
  r.check(!c.tmp_root.empty() && c.tmp_root[0] == '/', "tmp_root", "must be an absolute path");
  for (const std::string& p : c.ro_binds) {
    r.check(p.size() > 1 && p[0] == '/' && p.find("..") == std::string::npos &&
                p.find('\0') == std::string::npos,
            "ro_binds", cat("'", p, "' must be an absolute path other than / without '..'"));
  }
  r.check(c.start_timeout_s > 0, "start_timeout_s", "must be positive");
  return c;
}

json SandboxConfig::to_json() const {
  return {{"python", python},
          {"concurrency", concurrency},
          {"limits", limits.to_json()},
          {"namespaces", namespaces},
          {"seccomp", seccomp},
          {"landlock", landlock},
          {"readonly_root", readonly_root},
          {"minimal_root", minimal_root},
          {"ro_binds", ro_binds},
          {"cgroup", cgroup},
          {"host_uid_base", host_uid_base},
          {"tmp_root", tmp_root},
          {"start_timeout_s", start_timeout_s}};
}

int SandboxConfig::effective_concurrency() const {
  if (concurrency > 0) return concurrency;
  unsigned n = std::thread::hardware_concurrency();
  return n > 0 ? static_cast<int>(n) : 1;
}

}  // namespace r1
