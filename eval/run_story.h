// What an RL run shows besides its eval scores, from its metrics.jsonl: accuracy, response
// length and the reasoning of its samples (learner/reasoning_stats.h: backtracks, answers right
// on the first try or after one, false arithmetic claims) at the start, middle and end of the
// run, as a markdown table for r1 pipeline's summary and as SVG curves. Whether RL makes the
// model search longer, backtrack more, and claim true things is read here.
#pragma once
#include <string>
#include <vector>

#include "core/json.h"

namespace r1 {

// The rows of <run_dir>/metrics.jsonl, in order; throws naming the file and line on a bad one.
std::vector<json> read_run_metrics(const std::string& run_dir);

// A metric by path, nested fields joined by '/' ("reasoning/backtrack_rate"); NaN when the row
// lacks it or it is not a number.
double metric_field(const json& row, const std::string& path);

// "| steps | sampled accuracy | ... |" with one row for each of the first, middle and last tenth
// of the steps (means over them); "" for no rows.
std::string run_story_markdown(const std::vector<json>& rows);

// Writes <prefix>-accuracy.svg, <prefix>-response-length.svg and <prefix>-reasoning.svg into
// `dir` (r1 pipeline: the RL stage's name); returns the file names written (none for no rows).
std::vector<std::string> write_run_story_plots(const std::vector<json>& rows,
                                               const std::string& dir,
                                               const std::string& prefix = "rl");

}  // namespace r1
