#include "eval/report.h"

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <unordered_map>
#include <unordered_set>

#include "core/error.h"
#include "eval/estimators.h"

namespace r1 {

namespace {

std::string pct(double x) {
  char b[32];
  std::snprintf(b, sizeof b, "%.1f", 100 * x);
  return b;
}

// x in percent, with as many decimals (1 to 4) as it takes not to read as `goal` or past it when
// it is below: a lower end of 19.97 against a goal of 20 printed as "20.0" contradicted the
// "NOT reached" beside it.
std::string pct_below(double x, double goal) {
  char b[32], g[32];
  for (int digits = 1;; ++digits) {
    std::snprintf(b, sizeof b, "%.*f", digits, 100 * x);
    std::snprintf(g, sizeof g, "%.*f", digits, 100 * goal);
    if (digits == 4 || std::strtod(b, nullptr) < std::strtod(g, nullptr)) return b;
  }
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

// A suite's per-task values of `key` ("correct" as a rate over its n samples, "greedy" as 0/1),
// checked: a report edited by hand or cut short is an error naming it, not a read past the end.
std::vector<double> per_task(const json& s, const char* key, const char* which) {
  const std::string suite = s.value("suite", std::string("?"));
  const json* pt = s.contains("per_task") && s["per_task"].is_object() ? &s["per_task"] : nullptr;
  if (!pt || !pt->contains("n") || !(*pt)["n"].is_number() || (*pt)["n"].get<double>() <= 0 ||
      !pt->contains(key) || !(*pt)[key].is_array())
    fail(which, ": suite ", suite, " has no per-task results (per_task.n and per_task.", key, ")");
  const double n = (*pt)["n"].get<double>();
  std::vector<double> v;
  for (const auto& c : (*pt)[key]) {
    if (!c.is_number()) fail(which, ": suite ", suite, ": per_task.", key, " holds a non-number");
    v.push_back(key == std::string("correct") ? c.get<double>() / n : c.get<double>());
  }
  return v;
}

// A suite's task ids (per_task.ids, one string per task), or none.
std::optional<std::vector<std::string>> task_ids(const json& s, size_t tasks) {
  const json& pt = s["per_task"];  // per_task() checked it is an object
  if (!pt.contains("ids") || !pt["ids"].is_array() || pt["ids"].size() != tasks)
    return std::nullopt;
  std::vector<std::string> ids;
  for (const auto& id : pt["ids"]) {
    if (!id.is_string()) return std::nullopt;
    ids.push_back(id.get<std::string>());
  }
  return ids;
}

// The tasks two reports' suites share, as (index in the first, index in the second): by
// position when both list the same ids in the same order (repeats and all: a dataset may give
// two lines one id), else by id, in whatever order each lists them. None, and why, where the
// ids are missing, repeated in lists that differ, or share no task.
struct TaskPairs {
  std::vector<std::pair<size_t, size_t>> pairs;
  std::string unpaired_because;
};
TaskPairs task_pairs(const json& x, size_t nx, const json& y, size_t ny) {
  TaskPairs r;
  const auto ix = task_ids(x, nx), iy = task_ids(y, ny);
  if (ix && iy && *ix == *iy) {
    for (size_t i = 0; i < nx; ++i) r.pairs.emplace_back(i, i);
    return r;
  }
  std::unordered_map<std::string, size_t> at;
  bool repeated = false;
  if (ix && iy) {
    for (size_t j = 0; j < iy->size(); ++j) repeated |= !at.emplace((*iy)[j], j).second;
    repeated |= std::unordered_set<std::string>(ix->begin(), ix->end()).size() != ix->size();
  }
  if (!ix || !iy || repeated) {
    r.unpaired_because = "task ids missing or repeated";
    return r;
  }
  for (size_t i = 0; i < ix->size(); ++i) {
    auto it = at.find((*ix)[i]);
    if (it != at.end()) r.pairs.emplace_back(i, it->second);
  }
  if (r.pairs.empty()) r.unpaired_because = "no task in common";
  return r;
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
      const std::vector<double> xc = per_task(x, "correct", "first report");
      const std::vector<double> yc = per_task(y, "correct", "second report");
      // per_task() has checked both suites' per_task objects.
      const bool greedy = x["per_task"].contains("greedy") && y["per_task"].contains("greedy");
      std::vector<double> xg, yg;
      if (greedy) {
        xg = per_task(x, "greedy", "first report");
        yg = per_task(y, "greedy", "second report");
        if (xg.size() != xc.size() || yg.size() != yc.size())
          fail("suite ", x["suite"].get<std::string>(),
               ": per_task.greedy and per_task.correct differ in length");
      }
      // Where the two evaluated other tasks too, the pairs are the tasks both have, and the
      // row says how many.
      const TaskPairs tp = task_pairs(x, xc.size(), y, yc.size());
      const auto& pairs = tp.pairs;
      const bool paired = !pairs.empty();
      json row = {{"suite", x["suite"]},
                  {"paired", paired},
                  {"tasks", json::array({xc.size(), yc.size()})},
                  {"tasks_paired", pairs.size()}};
      if (!paired) row["unpaired_because"] = tp.unpaired_because;
      auto diff = [&](const std::vector<double>& xv, const std::vector<double>& yv) {
        MeanCI d;
        if (paired) {
          std::vector<double> p, q;
          for (const auto& [i, j] : pairs) {
            p.push_back(xv[i]);
            q.push_back(yv[j]);
          }
          d = difference_ci95(p, q, true);
        } else {
          d = difference_ci95(xv, yv, false);
        }
        return json{{"mean", d.mean}, {"se", d.se}, {"lo", d.lo}, {"hi", d.hi}};
      };
      row["pass@1"] = diff(xc, yc);
      if (greedy) row["greedy_pass@1"] = diff(xg, yg);
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
    const size_t na = r["tasks"][0].get<size_t>(), nb = r["tasks"][1].get<size_t>();
    const size_t np = r["tasks_paired"].get<size_t>();
    const std::string paired =
        !r["paired"].get<bool>() ? cat("no (", r["unpaired_because"].get<std::string>(), ")")
        : np != na || np != nb
            ? cat("yes, over the ", np, " tasks both have (of ", na, " and ", nb, ")")
            : std::string("yes");
    t += cat("| ", r["suite"].get<std::string>(), " | ", interval(r["pass@1"]), " | ", g, " | ",
             paired, " |\n");
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
                pct_below(lo, min_gain) + " is not)"
          : "NOT reached";
  std::string line =
      "declared target " + suite + ": sampled pass@1 " + pct((*b)["pass@1"]["mean"].get<double>()) +
      "% -> " + pct((*a)["pass@1"]["mean"].get<double>()) + "%, gain " + (d >= 0 ? "+" : "") +
      pct(d) + " [" + (lo < min_gain ? pct_below(lo, min_gain) : pct(lo)) + ", " +
      pct(gain["hi"].get<double>()) + "] points (goal +" + pct(min_gain) + "): " + verdict;
  if (b->contains("greedy_pass@1") && a->contains("greedy_pass@1")) {
    line += "; greedy pass@1 " + pct((*b)["greedy_pass@1"]["mean"].get<double>()) + "% -> " +
            pct((*a)["greedy_pass@1"]["mean"].get<double>()) + "%";
  }
  return line + "\n";
}

}  // namespace r1
