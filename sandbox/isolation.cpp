#include "sandbox/isolation.h"

#include <sched.h>
#include <unistd.h>

#include "core/error.h"
#include "sandbox/namespaces.h"
#include "sandbox/zygote.h"

namespace r1 {

namespace {
bool flag(const json& obj, const char* key) {
  return obj.is_object() && obj.contains(key) && obj[key].is_boolean() && obj[key].get<bool>();
}
}  // namespace

IsolationReport make_isolation_report(const NamespaceSupport& ns, const Zygote& zygote,
                                      const std::string& python) {
  IsolationReport r;
  const json& ready = zygote.ready();
  const json plan = ready.value("plan", json::object());
  const json probe = ready.value("probe", json::object());
  const json checks = probe.is_object() && probe.contains("result") && probe["result"].is_object()
                          ? probe["result"].value("checks", json::object())
                          : json::object();
  const int flags = zygote.clone_flags();
  r.user_ns = flags & CLONE_NEWUSER;
  r.net_ns = flags & CLONE_NEWNET;
  // Per run: each run gets its own pid, mount and IPC namespace from the zygote.
  r.ipc_ns = flag(plan, "ipc_ns");
  r.pid_ns = flag(plan, "pid_ns");
  r.mount_ns = flag(plan, "mount_ns");
  r.minimal_root = flag(plan, "minimal_root");
  r.private_tmp = flag(plan, "private_tmp");
  r.private_proc = flag(plan, "private_proc");
  r.uid_mode = zygote.uid_mode();
  if (r.uid_mode == "ns_range" || r.uid_mode == "host_range") {
    r.run_uid = "a host uid of its own per run in flight (unmapped on the host)";
  } else if (r.uid_mode == "caps_only") {
    r.run_uid = cat("the caller's uid ", ::geteuid(), ", without capabilities");
  } else {
    r.run_uid = cat("the caller's uid ", ::getuid());
  }
  r.unprivileged = flag(checks, "cap_eff_zero") &&
                   (r.uid_mode != "caps_only" || ::geteuid() != 0) &&
                   (r.uid_mode != "none" || ::getuid() != 0);
  r.seccomp = flag(plan, "seccomp") && checks.value("seccomp_mode", 0) == 2;
  r.no_new_privs = flag(checks, "no_new_privs");
  r.landlock_abi = flag(plan, "landlock") ? ready.value("landlock_abi", 0) : 0;
  r.readonly_root = flag(checks, "readonly_root");
  r.network_blocked = flag(checks, "inet_socket_blocked");
  r.write_outside_blocked = flag(checks, "write_outside_blocked");
  r.read_outside_blocked = flag(checks, "read_outside_blocked");
  if (ready.contains("runtime_paths") && ready["runtime_paths"].is_array()) {
    for (const json& p : ready["runtime_paths"])
      if (p.is_string()) r.runtime_paths.push_back(p.get<std::string>());
  }
  r.python = cat(python, " ", ready.value("python", std::string("?")));
  r.cgroup = zygote.cgroup();

  if (!ns.note.empty()) r.notes.push_back(ns.note);
  if (!zygote.notes().empty()) r.notes.push_back(zygote.notes());
  const json failed = probe.is_object() && probe.contains("result") && probe["result"].is_object()
                          ? probe["result"].value("failed", json::object())
                          : json::object();
  for (auto it = failed.begin(); it != failed.end(); ++it) {
    r.notes.push_back(cat(
        it.key(),
        " refused: ", it.value().is_string() ? it.value().get<std::string>() : it.value().dump()));
  }
  if (ready.value("landlock_abi", 0) == 0 && flag(plan, "landlock") == false) {
    r.notes.push_back("Landlock not available (or disabled)");
  }
  return r;
}

json IsolationReport::to_json() const {
  return {{"user_ns", user_ns},
          {"pid_ns", pid_ns},
          {"net_ns", net_ns},
          {"mount_ns", mount_ns},
          {"ipc_ns", ipc_ns},
          {"uid_mode", uid_mode},
          {"run_uid", run_uid},
          {"unprivileged", unprivileged},
          {"seccomp", seccomp},
          {"no_new_privs", no_new_privs},
          {"landlock_abi", landlock_abi},
          {"readonly_root", readonly_root},
          {"private_tmp", private_tmp},
          {"private_proc", private_proc},
          {"minimal_root", minimal_root},
          {"rlimits", rlimits},
          {"cgroup", cgroup},
          {"network_blocked", network_blocked},
          {"write_outside_blocked", write_outside_blocked},
          {"read_outside_blocked", read_outside_blocked},
          {"runtime_paths", runtime_paths},
          {"python", python},
          {"active", active_layers()},
          {"notes", notes}};
}

std::vector<std::string> IsolationReport::active_layers() const {
  std::vector<std::string> out;
  auto add = [&](bool on, const char* name) {
    if (on) out.push_back(name);
  };
  add(user_ns, "user_ns");
  add(pid_ns, "pid_ns");
  add(net_ns, "net_ns");
  add(mount_ns, "mount_ns");
  add(ipc_ns, "ipc_ns");
  add(unprivileged, "unprivileged_uid");
  add(seccomp, "seccomp");
  add(no_new_privs, "no_new_privs");
  add(landlock_abi > 0, "landlock");
  add(readonly_root, "readonly_root");
  add(private_tmp, "private_tmp");
  add(private_proc, "private_proc");
  add(minimal_root, "minimal_root");
  add(rlimits, "rlimits");
  add(!cgroup.empty(), "cgroup");
  return out;
}

}  // namespace r1
