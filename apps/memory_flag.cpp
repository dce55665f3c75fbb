#include "apps/memory_flag.h"

#include <cmath>

#include "core/error.h"
#include "core/memory_limit.h"

namespace r1 {

Args& add_memory_flag(Args& args) {
  return args.opt("max-memory-gb", "GIB",
                  "memory this command may plan to use, in GiB (default: the machine's memory, or "
                  "a lower ulimit or "
                  "cgroup limit); a config that needs more fails before allocating");
}

void apply_memory_flag(const Args& args) {
  if (!args.has("max-memory-gb")) return;
  const double gb = args.number("max-memory-gb");
  if (!(gb > 0) || !std::isfinite(gb))
    fail("--max-memory-gb must be a positive number of GiB, got ", gb);
  set_memory_limit(gb * 1024 * 1024 * 1024, "--max-memory-gb");
}

}  // namespace r1
