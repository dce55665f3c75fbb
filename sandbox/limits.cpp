#include "sandbox/limits.h"

#include <cmath>

namespace r1 {

const ConfigFields<SandboxLimits>& SandboxLimits::fields() {
  using C = SandboxLimits;
  static const auto f =
      ConfigFields<C>("limits")
          .add("timeout_s", &C::timeout_s, "wall clock; the whole run is killed when it passes",
               must<double>([](double v) { return v > 0 && v <= 3600; },
                            "must be in (0, 3600] seconds"))
          .add("cpu_s", &C::cpu_s, "RLIMIT_CPU per process; 0: ceil(timeout_s) + 1",
               in_range<int>(0, 3600, "must be in [0, 3600] seconds"))
          // Python itself needs some 30 MiB of address space; below 64 nothing runs.
          .add("memory_mb", &C::memory_mb, "RLIMIT_AS per process",
               in_range<int>(64, 1 << 20, "must be in [64, 1048576]"))
          .add("nproc", &C::nproc, "RLIMIT_NPROC: processes and threads of the run's uid",
               in_range<int>(1, 4096, "must be in [1, 4096]"))
          .add("fsize_mb", &C::fsize_mb, "RLIMIT_FSIZE: the largest file the run may write",
               in_range<int>(0, 1 << 20, "must be in [0, 1048576]"))
          .add("nofile", &C::nofile, "RLIMIT_NOFILE",
               in_range<int>(16, 65536, "must be in [16, 65536]"))
          .add("tmp_mb", &C::tmp_mb, "size of the run's private tmpfs work dir",
               in_range<int>(1, 1 << 20, "must be in [1, 1048576]"))
          .add("output_bytes", &C::output_bytes, "stdout and stderr are each cut here",
               in_range<int64_t>(0, int64_t{1} << 32, "must be in [0, 4294967296]"));
  return f;
}

SandboxLimits SandboxLimits::from_json(const json& j, const std::string& where,
                                       const SandboxLimits& base) {
  return fields().read(j, where, base);
}

SandboxLimits SandboxLimits::from_json(const json& j, const std::string& where) {
  return from_json(j, where, SandboxLimits{});
}

json SandboxLimits::to_json() const {
  json j = fields().write(*this);
  j["cpu_s"] = effective_cpu_s();  // what the run gets
  return j;
}

int SandboxLimits::effective_cpu_s() const {
  return cpu_s > 0 ? cpu_s : static_cast<int>(std::ceil(timeout_s)) + 1;
}

void SandboxLimits::validate(const std::string& where) const {
  fields().validate(*this, where);
}

}  // namespace r1
