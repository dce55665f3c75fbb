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
  // Samples a verifier failed on (an unreadable gold, a verifier's crash) count as wrong in the
  // figures above: said under the table, so that a suite scored 0 by a broken gold shows.
  for (const auto& s : suites_of(report, "report")) {
    const int64_t errors = s.value("verifier_errors", int64_t{0});
    if (errors > 0) {
      t += cat("\n", s["suite"].get<std::string>(), ": ", errors,
               " completion(s) had a verifier error and count as wrong above (a gold the verifier "
               "cannot read, or a verifier that failed: see --dump)\n");
    }
  }
  return t;
}

std::vector<std::string> differing_settings(const json& a, const json& b) {
  std::vector<std::string> out;
  auto settings = [](const json& r) {
    return r.is_object() && r.contains("settings") && r["settings"].is_object() ? r["settings"]
                                                                                : json::object();
  };
  const json sa = settings(a), sb = settings(b);
  json keys = sa;
  keys.update(sb);
  for (const auto& [key, _] : keys.items()) {
    // Another seed is another draw of the same measurement; suites are matched by name.
    if (key == "seed" || key == "tasks") continue;
    const json va = sa.contains(key) ? sa[key] : json(), vb = sb.contains(key) ? sb[key] : json();
    if (va != vb) out.push_back(cat(key, " (", va.dump(), " vs ", vb.dump(), ")"));
  }
  return out;
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
  const double d = gain["mean"].get<double>(), lo = gain["lo"].get<double>();
  // Reached when the whole interval is past the goal, not its middle: a gain whose interval
  // reaches below the goal has not shown it.
  const std::string verdict =
      lo >= min_gain ? "reached"
      : d >= min_gain
          ? "NOT reached (the point estimate is past the goal, the interval's lower end " +
                pct(lo) + " is not)"
          : "NOT reached";
  std::string line = "declared target " + suite + ": sampled pass@1 " +
                     pct((*b)["pass@1"]["mean"].get<double>()) + "% -> " +
                     pct((*a)["pass@1"]["mean"].get<double>()) + "%, gain " + (d >= 0 ? "+" : "") +
                     interval(gain) + " points (goal +" + pct(min_gain) + "): " + verdict;
  if (b->contains("greedy_pass@1") && a->contains("greedy_pass@1")) {
    line += "; greedy pass@1 " + pct((*b)["greedy_pass@1"]["mean"].get<double>()) + "% -> " +
            pct((*a)["greedy_pass@1"]["mean"].get<double>()) + "%";
  }
  return line + "\n";
}

}  // namespace r1
