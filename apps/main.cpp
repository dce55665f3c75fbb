// r1: the one program. `r1 <command> [flags]`; see `r1 --help`.
#include <cstdio>
#include <cstring>
#include <exception>
#include <new>
#include <string>

#include "apps/commands.h"
#include "core/error.h"
#include "kernels/cpu/blas_env.h"

#ifndef R1_VERSION
#define R1_VERSION "dev"
#endif

namespace {

void print_help() {
  std::printf("r1 %s: R1-style reinforcement learning in C++\n\nusage: r1 <command> [flags]\n\ncommands:\n",
              R1_VERSION);
  for (const auto& c : r1::kCommands) std::printf("  %-10s %s\n", c.name, c.summary);
  std::printf("\n`r1 <command> --help` describes each command's flags.\n");
}

}  // namespace

namespace r1 {
int cmd_version(int, char**) {
  std::printf("r1 %s\n", R1_VERSION);
  return 0;
}
}  // namespace r1

int main(int argc, char** argv) {
  r1::cpu::ensure_blas_kernels(argv);
  if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h") ||
      !std::strcmp(argv[1], "help")) {
    print_help();
    return argc < 2 ? 2 : 0;
  }
  if (!std::strcmp(argv[1], "--version")) {
    std::printf("r1 %s\n", R1_VERSION);
    return 0;
  }
  for (const auto& c : r1::kCommands) {
    if (std::string(argv[1]) == c.name) {
      try {
        return c.fn(argc - 2, argv + 2);
      } catch (const std::bad_alloc&) {
        // Configs are checked against the memory limit before big allocations; this is what is
        // left (a dataset, a tokenizer, or an estimate that fell short).
        std::fprintf(stderr,
                     "r1 %s: error: out of memory (std::bad_alloc): the input needs more memory than this process "
                     "may use; lower the sizes in the config or the flags, or see --max-memory-gb\n",
                     c.name);
        return 1;
      } catch (const std::exception& e) {
        std::fprintf(stderr, "r1 %s: error: %s\n", c.name, e.what());
        return 1;
      }
    }
  }
  std::fprintf(stderr, "r1: unknown command '%s' (see r1 --help)\n", argv[1]);
  return 2;
}
