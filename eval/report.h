// Eval reports: the JSON written by `r1 eval --out`, its markdown table, and the comparison of
// two reports (`r1 eval --compare A.json B.json`).
#pragma once
#include <string>
#include <vector>

#include "core/json.h"

namespace r1 {

// One row per suite: tasks, K, pass@1 with its 95% interval, pass@K, maj@K, greedy pass@1, format
// rate and mean response length.
std::string markdown_table(const json& report);

// Per suite present in both: pass@1 of A minus B with a 95% interval (paired over tasks when both
// evaluated the same task ids), and the same for greedy pass@1 when both have it.
json compare_reports(const json& a, const json& b);
// The eval settings two reports differ in, the seed aside ("temperature (1.0 vs 0.3)"): a
// difference between such reports measures those too.
std::vector<std::string> differing_settings(const json& a, const json& b);
std::string markdown_comparison(const json& comparison, const std::string& name_a, const std::string& name_b);

// One line on a declared target suite: sampled pass@1 before -> after, the gain with its 95%
// interval, whether it reaches `min_gain` (a fraction, 0.20 = 20 points: reached when the
// interval's lower end is at or past it), and greedy pass@1
// beside it. Says so when the suite is missing from either report.
std::string target_verdict(const json& before, const json& after, const std::string& suite, double min_gain);

}  // namespace r1
