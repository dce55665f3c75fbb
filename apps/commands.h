// The subcommands of `r1`, one per apps/cmd_*.cpp file. Each returns the process exit code.
#pragma once

namespace r1 {

using CommandFn = int (*)(int argc, char** argv);
struct Command {
  const char* name;
  const char* summary;
  CommandFn fn;
};

int cmd_version(int argc, char** argv);
int cmd_init(int argc, char** argv);
int cmd_generate(int argc, char** argv);
int cmd_bench(int argc, char** argv);

// Sorted as shown by `r1 --help`.
inline constexpr Command kCommands[] = {
    {"version", "print the version", cmd_version},
    {"bench", "measure speed (r1 bench --help lists the benchmarks)", cmd_bench},
};

}  // namespace r1
