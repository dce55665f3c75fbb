// r1 plot: an SVG line plot of metrics from one or more runs' metrics.jsonl.
#include <cmath>
#include <cstdio>

#include "apps/commands.h"
#include "core/args.h"
#include "core/fs.h"
#include "core/json.h"
#include "eval/run_story.h"
#include "eval/svg_plot.h"

namespace r1 {

int cmd_plot(int argc, char** argv) {
  Args args("plot", "Plot a metric of one or more runs (metrics.jsonl) as an SVG line chart.");
  args.required("runs", "DIRS",
                "comma-separated run folders (each holds metrics.jsonl); LABEL=DIR names a line")
      .opt("field", "PATH", "metric to plot, nested fields joined by '/'", "reward/mean")
      .opt("x", "PATH", "x axis: step, or a metric such as time/elapsed", "step")
      .opt("smooth", "N", "moving-average window", "10")
      .opt("title", "TEXT", "chart title", "")
      .required("out", "FILE", "SVG file to write");
  if (!args.parse(argc, argv)) return 0;
  std::vector<PlotSeries> series;
  for (const std::string& item : args.list("runs")) {
    if (item.empty()) continue;
    PlotSeries s;
    std::string dir = item;
    if (size_t eq = item.find('='); eq != std::string::npos) {
      s.label = item.substr(0, eq);
      dir = item.substr(eq + 1);
    } else {
      s.label = dir;
    }
    const std::string path = join_path(dir, "metrics.jsonl");
    if (!file_exists(path)) fail("--runs: ", path, ": cannot open");
    for (const json& row : read_run_metrics(dir)) {
      s.x.push_back(metric_field(row, args.str("x")));
      s.y.push_back(metric_field(row, args.str("field")));
    }
    series.push_back(std::move(s));
  }
  if (series.empty()) fail("--runs: no run folders given");
  for (const char* flag : {"field", "x"}) {
    bool any = false;
    for (const auto& s : series)
      for (double v : std::string(flag) == "x" ? s.x : s.y) any = any || std::isfinite(v);
    if (!any)
      fail("--", flag, " '", args.str(flag),
           "': no row of the runs' metrics.jsonl holds a number there (nested fields are joined "
           "by '/', e.g. reward/mean)");
  }
  PlotOptions o;
  o.title = args.str("title").empty() ? args.str("field") : args.str("title");
  o.x_label = args.str("x");
  o.y_label = args.str("field");
  o.smooth = args.count("smooth");
  write_file_atomic(args.str("out"), svg_line_plot(series, o));
  std::printf("wrote %s\n", args.str("out").c_str());
  return 0;
}

}  // namespace r1
