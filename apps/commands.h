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
int cmd_run(int argc, char** argv);
int cmd_eval(int argc, char** argv);
int cmd_pipeline(int argc, char** argv);
int cmd_rejection_sample(int argc, char** argv);
int cmd_plot(int argc, char** argv);
int cmd_sft(int argc, char** argv);
int cmd_worker(int argc, char** argv);
int cmd_tasks(int argc, char** argv);
int cmd_verify(int argc, char** argv);
int cmd_tokenize(int argc, char** argv);
int cmd_serve(int argc, char** argv);
int cmd_buffer(int argc, char** argv);

// Sorted as shown by `r1 --help`.
inline constexpr Command kCommands[] = {
    {"version", "print the version", cmd_version},
    {"init", "create a freshly initialised model checkpoint", cmd_init},
    {"generate", "sample completions from a model checkpoint", cmd_generate},
    {"tasks", "print generated tasks (or a dataset) as JSONL", cmd_tasks},
    {"verify", "verify completions (JSONL in, verdicts out)", cmd_verify},
    {"tokenize", "text to token ids and back (JSONL in and out)", cmd_tokenize},
    {"sft", "cold-start supervised fine-tuning on worked solutions", cmd_sft},
    {"run", "run R1-style RL with all roles in this process", cmd_run},
    {"worker", "run one role of an RL run as its own process", cmd_worker},
    {"eval", "evaluate a checkpoint: pass@k, maj@K, format rate", cmd_eval},
    {"rejection-sample", "keep a model's verified-correct completions as SFT data",
     cmd_rejection_sample},
    {"buffer", "write a self-play run's task buffer as a triplet file (JSONL)", cmd_buffer},
    {"serve", "serve a checkpoint over an OpenAI-compatible HTTP API", cmd_serve},
    {"pipeline", "the R1 recipe: cold-start SFT, eval, GRPO, eval", cmd_pipeline},
    {"plot", "plot a metric of runs as an SVG chart", cmd_plot},
    {"bench", "measure speed (r1 bench --help lists the benchmarks)", cmd_bench},
};

}  // namespace r1
