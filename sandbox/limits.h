// Per-run resource limits of the sandbox. They become rlimits of the run's processes (CPU,
// address space, processes, file size, open files), the size of its private tmpfs, the
// wall-clock timeout and the cap on captured output.
#pragma once
#include <cstdint>
#include <string>

#include "core/config_fields.h"
#include "core/json.h"

namespace r1 {

struct SandboxLimits {
  double timeout_s = 5.0;          // wall clock; the whole run is killed when it passes
  int cpu_s = 0;                   // RLIMIT_CPU per process; 0 means ceil(timeout_s) + 1
  int memory_mb = 1024;            // RLIMIT_AS per process
  int nproc = 32;                  // RLIMIT_NPROC: processes and threads of the run's uid
  int fsize_mb = 16;               // RLIMIT_FSIZE: largest file the run may write
  int nofile = 64;                 // RLIMIT_NOFILE
  int tmp_mb = 64;                 // size of the run's private tmpfs work dir
  int64_t output_bytes = 1 << 20;  // stdout and stderr are each cut here

  // Reads the fields present in `j` on top of `base`; unknown fields and bad values throw
  // naming `where` and the field.
  static SandboxLimits from_json(const json& j, const std::string& where,
                                 const SandboxLimits& base);
  static SandboxLimits from_json(const json& j, const std::string& where);
  json to_json() const;
  static const ConfigFields<SandboxLimits>& fields();  // name, default, check, help of each field
  int effective_cpu_s() const;
  // Throws naming `where` and the field when a value is out of range.
  void validate(const std::string& where) const;
};

}  // namespace r1
