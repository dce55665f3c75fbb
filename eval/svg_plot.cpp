#include "eval/svg_plot.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "core/error.h"

namespace r1 {

namespace {

std::string esc(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '<') o += "&lt;";
    else if (c == '>') o += "&gt;";
    else if (c == '&') o += "&amp;";
    else if (c == '"') o += "&quot;";
    else o += c;
  }
  return o;
}

std::string num(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.4g", v);
  return b;
}

// "Nice" tick step: 1, 2 or 5 times a power of ten, giving about `want` ticks.
double tick_step(double span, int want) {
  if (span <= 0) return 1;
  double raw = span / want, p = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    if (raw <= m * p) return m * p;
  }
  return 10 * p;
}

std::vector<double> moving_average(const std::vector<double>& y, int w) {
  std::vector<double> out(y.size());
  double sum = 0;
  for (size_t i = 0; i < y.size(); ++i) {
    sum += y[i];
    if (i >= static_cast<size_t>(w)) sum -= y[i - w];
    out[i] = sum / std::min<size_t>(i + 1, w);
  }
  return out;
}

}  // namespace

std::string svg_line_plot(const std::vector<PlotSeries>& series, const PlotOptions& o) {
  static const char* colors[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"};
  double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
  for (const auto& s : series) {
    if (s.x.size() != s.y.size()) fail("plot: series '", s.label, "' has ", s.x.size(), " x and ", s.y.size(), " y values");
    for (size_t i = 0; i < s.x.size(); ++i) {
      if (!std::isfinite(s.x[i]) || !std::isfinite(s.y[i])) continue;
      x0 = std::min(x0, s.x[i]);
      x1 = std::max(x1, s.x[i]);
      y0 = std::min(y0, s.y[i]);
      y1 = std::max(y1, s.y[i]);
    }
  }
  if (!(x0 <= x1)) fail("plot: no finite points to draw");
  if (!std::isfinite(x1 - x0) || !std::isfinite(y1 - y0))
    fail("plot: the values span more than a double holds (x ", x0, " to ", x1, ", y ", y0, " to ",
         y1, ")");
  if (x1 == x0) x1 = x0 + 1;
  if (y1 == y0) y1 = y0 + 1;
  const double pad = 0.05 * (y1 - y0);
  y0 -= pad;
  y1 += pad;
  const int L = 70, R = 20, T = 40, B = 55;
  const double W = o.width - L - R, H = o.height - T - B;
  auto px = [&](double x) { return L + (x - x0) / (x1 - x0) * W; };
  auto py = [&](double y) { return T + (1 - (y - y0) / (y1 - y0)) * H; };
  std::string svg = cat("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"", o.width, "\" height=\"", o.height,
                        "\" font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
  svg += cat("<text x=\"", o.width / 2, "\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">", esc(o.title), "</text>\n");
  // Grid and ticks.
  const double xs = tick_step(x1 - x0, 8), ys = tick_step(y1 - y0, 6);
  // Ticks are snapped to 0 near zero so that accumulated rounding never prints "-0".
  auto snap = [](double t, double step) { return std::fabs(t) < 1e-9 * step ? 0.0 : t; };
  for (double t0 = std::ceil(x0 / xs) * xs; t0 <= x1 + 1e-9; t0 += xs) {
    const double t = snap(t0, xs);
    svg += cat("<line x1=\"", num(px(t)), "\" y1=\"", T, "\" x2=\"", num(px(t)), "\" y2=\"", T + H,
               "\" stroke=\"#eee\"/><text x=\"", num(px(t)), "\" y=\"", T + H + 16, "\" text-anchor=\"middle\">", num(t),
               "</text>\n");
  }
  for (double t0 = std::ceil(y0 / ys) * ys; t0 <= y1 + 1e-9; t0 += ys) {
    const double t = snap(t0, ys);
    svg += cat("<line x1=\"", L, "\" y1=\"", num(py(t)), "\" x2=\"", L + W, "\" y2=\"", num(py(t)),
               "\" stroke=\"#eee\"/><text x=\"", L - 6, "\" y=\"", num(py(t) + 4), "\" text-anchor=\"end\">", num(t),
               "</text>\n");
  }
  svg += cat("<rect x=\"", L, "\" y=\"", T, "\" width=\"", W, "\" height=\"", H, "\" fill=\"none\" stroke=\"#444\"/>\n");
  svg += cat("<text x=\"", L + W / 2, "\" y=\"", o.height - 12, "\" text-anchor=\"middle\">", esc(o.x_label), "</text>\n");
  svg += cat("<text transform=\"translate(16,", T + H / 2, ") rotate(-90)\" text-anchor=\"middle\">", esc(o.y_label),
             "</text>\n");
  for (size_t k = 0; k < series.size(); ++k) {
    const auto& s = series[k];
    const char* c = colors[k % 6];
    auto polyline = [&](const std::vector<double>& y, const char* extra) {
      std::string pts;
      for (size_t i = 0; i < s.x.size(); ++i) {
        if (std::isfinite(s.x[i]) && std::isfinite(y[i])) pts += num(px(s.x[i])) + "," + num(py(y[i])) + " ";
      }
      return cat("<polyline fill=\"none\" stroke=\"", c, "\" ", extra, " points=\"", pts, "\"/>\n");
    };
    if (o.smooth > 1) {
      svg += polyline(s.y, "stroke-width=\"1\" stroke-opacity=\"0.35\"");
      svg += polyline(moving_average(s.y, o.smooth), "stroke-width=\"2.2\"");
    } else {
      svg += polyline(s.y, "stroke-width=\"1.6\"");
    }
    svg += cat("<rect x=\"", L + 10, "\" y=\"", T + 10 + 18 * k, "\" width=\"12\" height=\"3\" fill=\"", c, "\"/><text x=\"",
               L + 28, "\" y=\"", T + 15 + 18 * k, "\">", esc(s.label), "</text>\n");
  }
  return svg + "</svg>\n";
}

}  // namespace r1
