#include "eval/report.h"

#include <cstdio>

#include "core/error.h"
#include "eval/estimators.h"

namespace r1 {

namespace {

std::string pct(double x) {
  char b[32];
  std::snprintf(b, sizeof b, "%.1f", 100 * x);
  return b;
}

std::string interval(const json& ci) {
  return pct(ci["mean"].get<double>()) + " [" + pct(ci["lo"].get<double>()) + ", " + pct(ci["hi"].get<double>()) + "]";
}

const json& suites_of(const json& report, const char* which) {
  if (!report.is_object() || !report.contains("suites") || !report["suites"].is_array()) {
    fail(which, ": not an r1 eval report (no \"suites\" array)");
  }
  return report["suites"];
}

std::vector<double> per_task(const json& s, const char* key) {
  std::vector<double> v;
  const json& pt = s["per_task"];
  const double n = pt["n"].get<double>();
  for (const auto& c : pt[key]) v.push_back(key == std::string("correct") ? c.get<double>() / n : c.get<double>());
  return v;
}

}  // namespace

std::string markdown_table(const json& report) {
  std::string t =
      "| suite | tasks | K | pass@1 % [95% CI] | pass@K % | maj@K % | greedy pass@1 % | format % | mean tokens |\n"
      "|---|---|---|---|---|---|---|---|---|\n";
  for (const auto& s : suites_of(report, "report")) {
    const int K = s["samples_per_task"].get<int>();
    const json& pk = s["pass@k"];
    std::string passK = pk.contains(std::to_string(K)) ? pct(pk[std::to_string(K)].get<double>()) : "-";
    std::string greedy = s.contains("greedy_pass@1") ? interval(s["greedy_pass@1"]) : "-";
    char len[32];
    std::snprintf(len, sizeof len, "%.1f", s["mean_response_tokens"].get<double>());
    t += cat("| ", s["suite"].get<std::string>(), " | ", s["tasks"].get<int>(), " | ", K, " | ", interval(s["pass@1"]), " | ",
             passK, " | ", pct(s[cat("maj@", K)].get<double>()), " | ", greedy, " | ", pct(s["format_rate"].get<double>()),
             " | ", len, " |\n");
  }
  return t;
}

json compare_reports(const json& a, const json& b) {
  const json& sa = suites_of(a, "first report");
  const json& sb = suites_of(b, "second report");
  json out = json::array();
  for (const auto& x : sa) {
    for (const auto& y : sb) {
      if (x["suite"] != y["suite"]) continue;
      const bool paired = x["per_task"]["ids"] == y["per_task"]["ids"];
      json row = {{"suite", x["suite"]}, {"paired", paired}};
      auto diff = [&](const char* key) {
        MeanCI d = difference_ci95(per_task(x, key), per_task(y, key), paired);
        return json{{"mean", d.mean}, {"se", d.se}, {"lo", d.lo}, {"hi", d.hi}};
      };
      row["pass@1"] = diff("correct");
      if (x["per_task"].contains("greedy") && y["per_task"].contains("greedy")) row["greedy_pass@1"] = diff("greedy");
      out.push_back(row);
    }
  }
  return out;
}

std::string markdown_comparison(const json& cmp, const std::string& name_a, const std::string& name_b) {
  std::string t = "difference " + name_a + " - " + name_b + " (percentage points, 95% CI):\n\n"
                   "| suite | pass@1 | greedy pass@1 | paired |\n|---|---|---|---|\n";
  for (const auto& r : cmp) {
    std::string g = r.contains("greedy_pass@1") ? interval(r["greedy_pass@1"]) : "-";
    t += cat("| ", r["suite"].get<std::string>(), " | ", interval(r["pass@1"]), " | ", g, " | ",
             r["paired"].get<bool>() ? "yes" : "no", " |\n");
  }
  if (cmp.empty()) t += "(no suite in common)\n";
  return t;
}

std::string target_verdict(const json& before, const json& after, const std::string& suite, double min_gain) {
  auto find = [&](const json& report) -> const json* {
    for (const auto& s : suites_of(report, "report")) {
      if (s.value("suite", "") == suite) return &s;
    }
    return nullptr;
  };
  const json* b = find(before);
  const json* a = find(after);
  if (!a || !b) return "declared target " + suite + ": missing from the " + (b ? "after" : "before") + " report\n";
  json gain;
  for (const auto& row : compare_reports(after, before)) {
    if (row["suite"] == suite) gain = row["pass@1"];
  }
  const double d = gain["mean"].get<double>();
  std::string line = "declared target " + suite + ": sampled pass@1 " + pct((*b)["pass@1"]["mean"].get<double>()) +
                     "% -> " + pct((*a)["pass@1"]["mean"].get<double>()) + "%, gain " + (d >= 0 ? "+" : "") +
                     interval(gain) + " points (goal +" + pct(min_gain) + "): " +
                     (d >= min_gain ? "reached" : "NOT reached");
  if (b->contains("greedy_pass@1") && a->contains("greedy_pass@1")) {
    line += "; greedy pass@1 " + pct((*b)["greedy_pass@1"]["mean"].get<double>()) + "% -> " +
            pct((*a)["greedy_pass@1"]["mean"].get<double>()) + "%";
  }
  return line + "\n";
}

}  // namespace r1
