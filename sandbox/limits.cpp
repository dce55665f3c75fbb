#include "sandbox/limits.h"

#include <cmath>

namespace r1 {

SandboxLimits SandboxLimits::from_json(const json& j, const std::string& where,
                                       const SandboxLimits& base) {
  JsonReader r(j, where);
  SandboxLimits l = base;
  l.timeout_s = r.get<double>("timeout_s", l.timeout_s);
  l.cpu_s = r.get<int>("cpu_s", l.cpu_s);
  l.memory_mb = r.get<int>("memory_mb", l.memory_mb);
  l.nproc = r.get<int>("nproc", l.nproc);
  l.fsize_mb = r.get<int>("fsize_mb", l.fsize_mb);
  l.nofile = r.get<int>("nofile", l.nofile);
  l.tmp_mb = r.get<int>("tmp_mb", l.tmp_mb);
  l.output_bytes = r.get<int64_t>("output_bytes", l.output_bytes);
  r.done();
  l.validate(where);
  return l;
}

SandboxLimits SandboxLimits::from_json(const json& j, const std::string& where) {
  return from_json(j, where, SandboxLimits{});
}

json SandboxLimits::to_json() const {
  return {{"timeout_s", timeout_s}, {"cpu_s", effective_cpu_s()},  {"memory_mb", memory_mb},
          {"nproc", nproc},         {"fsize_mb", fsize_mb},        {"nofile", nofile},
          {"tmp_mb", tmp_mb},       {"output_bytes", output_bytes}};
}

int SandboxLimits::effective_cpu_s() const {
  return cpu_s > 0 ? cpu_s : static_cast<int>(std::ceil(timeout_s)) + 1;
}

void SandboxLimits::validate(const std::string& where) const {
  auto need = [&](bool ok, const char* field, const char* what) {
    if (!ok) fail(where, ": field '", field, "': ", what);
  };
  need(timeout_s > 0 && timeout_s <= 3600, "timeout_s", "must be in (0, 3600] seconds");
  need(cpu_s >= 0 && cpu_s <= 3600, "cpu_s", "must be in [0, 3600] seconds");
  // Python itself needs some 30 MiB of address space; below 64 nothing runs.
  need(memory_mb >= 64 && memory_mb <= (1 << 20), "memory_mb", "must be in [64, 1048576]");
  need(nproc >= 1 && nproc <= 4096, "nproc", "must be in [1, 4096]");
  need(fsize_mb >= 0 && fsize_mb <= (1 << 20), "fsize_mb", "must be in [0, 1048576]");
  need(nofile >= 16 && nofile <= 65536, "nofile", "must be in [16, 65536]");
  need(tmp_mb >= 1 && tmp_mb <= (1 << 20), "tmp_mb", "must be in [1, 1048576]");
  need(output_bytes >= 0 && output_bytes <= (int64_t{1} << 32), "output_bytes",
       "must be in [0, 4294967296]");
}

}  // namespace r1
