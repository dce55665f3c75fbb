// The math verifier against its table of gold/answer pairs (tests/verifiers/data/
// math_equivalence.tsv): every category the verifier parses, with right and wrong answers.
// The same table feeds tools/compare_math_verify.py, which runs Math-Verify on it.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <set>

#include "verifiers/registry.h"

namespace r1 {
namespace {

const std::string kTable =
    std::string(R1_SOURCE_DIR) + "/tests/verifiers/data/math_equivalence.tsv";

struct Row {
  int line = 0;
  std::string category, gold, answer, mode;
  bool expected = false;
};

std::vector<Row> read_table() {
  std::ifstream in(kTable);
  EXPECT_TRUE(in.good()) << "cannot read " << kTable;
  std::vector<Row> rows;
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> f;
    size_t start = 0;
    for (size_t tab; (tab = line.find('\t', start)) != std::string::npos; start = tab + 1)
      f.push_back(line.substr(start, tab - start));
    f.push_back(line.substr(start));
    EXPECT_TRUE(f.size() == 4 || f.size() == 5)
        << kTable << ":" << n << ": " << f.size() << " fields";
    if (f.size() < 4) continue;
    EXPECT_TRUE(f[1] == "0" || f[1] == "1") << kTable << ":" << n;
    Row r{n, f[0], f[2], f[3], f.size() == 5 ? f[4] : "both", f[1] == "1"};
    EXPECT_TRUE(r.mode == "both" || r.mode == "free" || r.mode == "tagged") << kTable << ":" << n;
    rows.push_back(std::move(r));
  }
  return rows;
}

TEST(MathTable, EveryRowJudgedAsExpected) {
  std::vector<Row> rows = read_table();
  // The categories the issue asks for, each with right and wrong answers.
  const std::set<std::string> kCategories = {
      "extraction",    "numbers",     "thousands",
      "decimal_comma", "leading_dot", "percent",
      "scientific",    "fraction",    "roots",
      "constants",     "powers",      "implicit_mult",
      "units_text",    "dollar",      "degrees",
      "tuple",         "set",         "interval",
      "union",         "inequality",  "interval_vs_inequality",
      "equation",      "matrix",      "latex_spacing",
      "symbolic",      "tolerance", "reward_hacks"};
  ASSERT_GE(rows.size(), 300u);
  auto v = make_verifier("math");
  std::map<std::string, std::pair<int, int>> tally;  // category -> (passed, judged)
  std::map<std::string, std::set<bool>> sides;
  for (const Row& r : rows) {
    EXPECT_TRUE(kCategories.count(r.category)) << "line " << r.line << ": " << r.category;
    sides[r.category].insert(r.expected);
    Task t;
    t.answer = r.gold;
    for (const char* mode : {"free", "tagged"}) {
      if (r.mode != "both" && r.mode != mode) continue;
      std::string completion = std::string(mode) == "free"
                                   ? r.answer
                                   : "<think>work</think><answer>" + r.answer + "</answer>";
      Verdict d = v->verify(t, completion);
      auto& [passed, judged] = tally[r.category];
      ++judged;
      bool ok = d.correct == r.expected && !d.verifier_error;
      passed += ok;
      EXPECT_TRUE(ok) << "line " << r.line << " [" << r.category << ", " << mode << "] gold '"
                      << r.gold << "' answer '" << r.answer << "' expected "
                      << (r.expected ? "correct" : "wrong") << ": " << d.to_json().dump();
    }
  }
  for (const auto& [category, t] : tally)
    std::printf("[ table    ] %-24s %3d/%3d\n", category.c_str(), t.first, t.second);
  for (const std::string& c : kCategories) {
    EXPECT_TRUE(sides[c].count(true)) << c << " has no right answer";
    EXPECT_TRUE(sides[c].count(false)) << c << " has no wrong answer";
  }
}

}  // namespace
}  // namespace r1
