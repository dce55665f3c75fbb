// r1 bench <what>: speed figures as JSON (see bench/).
#include <cstdio>
#include <string>

#include "apps/commands.h"
#include "bench/bench.h"
#include "core/error.h"

namespace r1 {

namespace {
struct Bench {
  const char* name;
  const char* summary;
  CommandFn fn;
};
// One line per benchmark.
const Bench kBenches[] = {
    {"model", "training and decode speed of a model config", bench_model},
    {"rl", "where an RL step's time goes (rollout, verify, train, publish)", bench_rl},
    {"serve", "r1 serve's requests/s, tokens/s and time to first token by concurrency",
     bench_serve},
    {"verifiers", "sandboxed Python execs/s, python and math verdicts/s", bench_verifiers},
    {"tokenizer", "Hugging Face tokenizer encode/decode MB/s", bench_tokenizer},
};
}  // namespace

int cmd_bench(int argc, char** argv) {
  auto list = [] {
    std::string s;
    for (const auto& b : kBenches) {
      if (b.fn)
        s += cat("  ", b.name, std::string(12 - std::string(b.name).size(), ' '), b.summary, "\n");
    }
    return s;
  };
  if (argc < 1 || std::string(argv[0]) == "--help" || std::string(argv[0]) == "-h") {
    std::printf(
        "usage: r1 bench <what> [flags]\n\nbenchmarks:\n%s\n`r1 bench <what> --help` lists its "
        "flags.\n",
        list().c_str());
    return argc < 1 ? 2 : 0;
  }
  for (const auto& b : kBenches) {
    if (b.fn && argv[0] == std::string(b.name)) return b.fn(argc - 1, argv + 1);
  }
  fail("unknown benchmark '", argv[0], "'; known:\n", list());
}

}  // namespace r1
