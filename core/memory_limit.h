// How much memory a command may plan to use, and byte counts for messages.
//
// By default the smallest of: the machine's physical memory, this process's address-space and
// data-segment limits (ulimit -v, ulimit -d), and its cgroup's memory.max. A command's
// --max-memory-gb sets another (set_memory_limit). Estimates of what a config needs
// (model/memory_estimate.h) are compared with it before anything big is allocated.
#pragma once
#include <new>
#include <string>

#include "core/error.h"

namespace r1 {

struct MemoryLimit {
  double bytes = 0;
  std::string
      source;  // "physical memory", "ulimit -v", "cgroup memory.max", "--max-memory-gb", ...
};

MemoryLimit memory_limit();
void set_memory_limit(double bytes, const std::string& source);

// "512 B", "3.2 MiB", "1.5 TiB".
std::string human_bytes(double bytes);

// Runs `allocate`; a std::bad_alloc from it becomes an r1::Error naming what was being allocated
// and its size (`what` is only called then).
template <typename What, typename Allocate>
void allocating(double bytes, What&& what, Allocate&& allocate) {
  try {
    allocate();
  } catch (const std::bad_alloc&) {
    fail("out of memory allocating ", what(), " (", human_bytes(bytes), "; the limit checked was ",
         human_bytes(memory_limit().bytes), ", ", memory_limit().source, ")");
  }
}

}  // namespace r1
