#include "eval/eval_memory.h"

#include <algorithm>

namespace r1 {

namespace {

// Per sample: its request (with a copy of the prompt), its result and its outcome (completion,
// verdict): a floor, so that 10^9 samples are not taken for free.
constexpr double kSampleBytes = 256;
// Tasks of a generated suite without n= (tasks/suite.h).
constexpr double kDefaultGeneratedTasks = 100;

}  // namespace

MemoryEstimate eval_memory(const ModelConfig& mc, const EvalOptions& opt,
                           const std::vector<SuiteSpec>& suites, const EvalFieldNames& names) {
  // Suites run one after the other: the largest one counts. A dataset without n= counts as one
  // task here (its size is known only once it is read).
  double tasks = 1;
  for (const auto& s : suites) {
    tasks = std::max(tasks, s.n > 0            ? static_cast<double>(s.n)
                            : s.family.empty() ? 1
                                               : kDefaultGeneratedTasks);
  }
  const double per_task = opt.samples + (opt.greedy ? 1 : 0);
  // The cache holds the longest prompt (at least one token) and the generation budget.
  const double max_len = std::min<double>(mc.max_position_embeddings, 1.0 + opt.max_new_tokens);
  MemoryEstimate e;
  e.add(model_weights_part(mc, 1, "the model's weights"));
  e.add(kv_cache_part(mc, 1, opt.slots, max_len, "the KV cache of the generation slots",
                      {{names.slots, double(opt.slots), 1024},
                       {names.max_new_tokens, double(opt.max_new_tokens), 32768}}));
  e.add({"the samples of a suite and their verdicts",
         tasks * per_task * kSampleBytes,
         {{names.samples, double(opt.samples), 1024}, {"tasks of a suite (n=)", tasks, 100000}}});
  return e;
}

}  // namespace r1
