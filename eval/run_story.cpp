#include "eval/run_story.h"

#include <cmath>
#include <fstream>

#include "core/error.h"
#include "core/fs.h"
#include "eval/svg_plot.h"

namespace r1 {

namespace {

struct Column {
  const char* path;
  const char* title;
  int decimals;
};

const Column kColumns[] = {
    {"sampled/accuracy", "sampled accuracy", 3},
    {"response_length", "response tokens", 1},
    {"reasoning/backtrack_rate", "samples that backtrack", 3},
    {"reasoning/correct_first_try", "right on the first try", 3},
    {"reasoning/correct_after_backtrack", "right after a backtrack", 3},
    {"reasoning/claims_per_sample", "claims per sample", 1},
    {"reasoning/false_claim_rate", "false claims", 3},
};

// The mean of `path` over rows [a, b), skipping rows without it; NaN when none has it.
double window_mean(const std::vector<json>& rows, size_t a, size_t b, const std::string& path) {
  double sum = 0;
  int n = 0;
  for (size_t i = a; i < b; ++i) {
    const double v = metric_field(rows[i], path);
    if (std::isnan(v)) continue;
    sum += v;
    ++n;
  }
  return n > 0 ? sum / n : NAN;
}

PlotSeries series(const std::vector<json>& rows, const std::string& label,
                  const std::string& path) {
  PlotSeries s;
  s.label = label;
  for (const json& r : rows) {
    s.x.push_back(metric_field(r, "step"));
    s.y.push_back(metric_field(r, path));
  }
  return s;
}

}  // namespace

std::vector<json> read_run_metrics(const std::string& run_dir) {
  const std::string path = join_path(run_dir, "metrics.jsonl");
  std::ifstream f(path);
  if (!f) fail(path, ": cannot open");
  std::vector<json> rows;
  std::string line;
  for (int lineno = 1; std::getline(f, line); ++lineno) {
    if (!line.empty()) rows.push_back(parse_json(line, cat(path, ":", lineno)));
  }
  return rows;
}

double metric_field(const json& row, const std::string& path) {
  const json* j = &row;
  size_t start = 0;
  while (start <= path.size()) {
    const size_t slash = path.find('/', start);
    const std::string key =
        path.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    if (!j->is_object() || !j->contains(key)) return NAN;
    j = &(*j)[key];
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return j->is_number() ? j->get<double>() : NAN;
}

std::string run_story_markdown(const std::vector<json>& rows) {
  if (rows.empty()) return "";
  const size_t n = rows.size(), w = std::max<size_t>(1, n / 10);
  const size_t mid = n / 2 >= w / 2 ? n / 2 - w / 2 : 0;
  const std::pair<size_t, size_t> windows[] = {{0, w}, {mid, std::min(n, mid + w)}, {n - w, n}};
  std::string md = "| steps |";
  std::string rule = "|---|";
  for (const Column& c : kColumns) {
    md += cat(" ", c.title, " |");
    rule += "---|";
  }
  md += "\n" + rule + "\n";
  for (const auto& [a, b] : windows) {
    md += cat("| ", metric_field(rows[a], "step"), "-", metric_field(rows[b - 1], "step"), " |");
    for (const Column& c : kColumns) {
      const double v = window_mean(rows, a, b, c.path);
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.*f", c.decimals, v);
      md += cat(" ", std::isnan(v) ? std::string("-") : std::string(buf), " |");
    }
    md += "\n";
  }
  return md;
}

std::vector<std::string> write_run_story_plots(const std::vector<json>& rows,
                                               const std::string& dir, const std::string& prefix) {
  if (rows.empty()) return {};
  PlotOptions o;
  o.x_label = "step";
  std::vector<std::string> written;
  auto write = [&](const std::string& name, const std::vector<PlotSeries>& s,
                   const std::string& title, const std::string& y) {
    o.title = title;
    o.y_label = y;
    write_file_atomic(join_path(dir, name), svg_line_plot(s, o));
    written.push_back(name);
  };
  write(prefix + "-accuracy.svg", {series(rows, "every sample", "sampled/accuracy")},
        "GRPO: accuracy of every sample", "accuracy");
  write(prefix + "-response-length.svg", {series(rows, "trained samples", "response_length")},
        "GRPO: response length", "tokens");
  write(prefix + "-reasoning.svg",
        {series(rows, "backtrack", "reasoning/backtrack_rate"),
         series(rows, "right first try", "reasoning/correct_first_try"),
         series(rows, "right after backtrack", "reasoning/correct_after_backtrack"),
         series(rows, "false claims", "reasoning/false_claim_rate")},
        "GRPO: the samples' reasoning", "share");
  return written;
}

}  // namespace r1
