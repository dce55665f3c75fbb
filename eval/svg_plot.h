// Line plots as standalone SVG files, for reward curves and the like: no dependencies, readable
// in any browser and on GitHub. Each series is drawn as a thin raw line plus a bold moving
// average, on shared axes with ticks.
#pragma once
#include <string>
#include <vector>

namespace r1 {

struct PlotSeries {
  std::string label;
  std::vector<double> x, y;
};

struct PlotOptions {
  std::string title, x_label, y_label;
  int width = 720, height = 420;
  int smooth = 10;  // moving-average window (points); 1 draws the raw line only
};

std::string svg_line_plot(const std::vector<PlotSeries>& series, const PlotOptions& options);

}  // namespace r1
