// Countdown's search-trace worked solutions (tasks/families/countdown_search.h), checked by the
// project's own verifiers: for every generated task of every level, the answer is right
// (countdown verifier), every claim in the trace is true (step verifier: each step's
// arithmetic and each "!= target" check), and the trace stays within its line budget.
#include <gtest/gtest.h>

#include "tasks/families/countdown_search.h"
#include "tasks/generator.h"
#include "tasks/solution.h"
#include "tests/common/error_of.h"
#include "verifiers/registry.h"

using namespace r1;
using r1::testing::error_of;

namespace {

size_t lines_of(const std::string& think) {
  return think.empty() ? 0 : 1 + static_cast<size_t>(std::count(think.begin(), think.end(), '\n'));
}

}  // namespace

TEST(CountdownSearchTrace, EveryTaskOfEveryLevelVerifiesWithinItsBudget) {
  auto countdown = make_verifier("countdown");
  auto step = make_verifier("step");
  struct Case {
    int max_lines;
    const char* leaf_order;
    int leaf_tries;
  };
  for (const Case& c : {Case{5, "nearest", 2}, Case{16, "nearest", 2}, Case{40, "nearest", 2},
                        Case{8, "fixed", 4}, Case{48, "fixed", 4}}) {
    const int max_lines = c.max_lines;
    SCOPED_TRACE(::testing::Message() << max_lines << " lines, " << c.leaf_order << " leaves");
    auto gen = make_generator("countdown",
                              {{"trace", "dfs"},
                               {"trace_lines", max_lines},
                               {"leaf_order", c.leaf_order},
                               {"leaf_tries", c.leaf_tries}},
                              "test");
    size_t backtracks = 0, solutions = 0;
    for (int level = 1; level <= gen->max_difficulty(); ++level) {
      const size_t n = level <= 3 ? 300 : 40;  // 4-5 numbers: the exhaustive checks cost more
      for (const Task& t : generate_tasks("countdown", n, 77, level)) {
        const std::string sol = gen->solve(t);
        std::string think, answer;
        ASSERT_TRUE(split_solution(sol, &think, &answer)) << sol;
        Verdict right = countdown->verify(t, sol);
        EXPECT_TRUE(right.correct) << t.prompt << "\n" << sol << "\n" << right.reason;
        Verdict claims = step->verify(t, sol);
        EXPECT_TRUE(claims.correct) << t.prompt << "\n" << sol << "\n" << claims.details.dump();
        EXPECT_LE(lines_of(think), static_cast<size_t>(max_lines)) << sol;
        // At least the path: one claim per operation.
        EXPECT_GE(claims.details["claims"].get<size_t>(), t.meta["numbers"].size() - 1) << sol;
        backtracks += sol.find("\nback\n") != std::string::npos;
        ++solutions;
      }
    }
    if (max_lines >= 16) {
      EXPECT_GT(backtracks, solutions / 4) << "most searches need no backtrack at " << max_lines;
    }
  }
}

// The trace is a depth-first search: the dead ends come before the path, each ends in "back",
// and with two numbers left the result nearest the target is tried first.
TEST(CountdownSearchTrace, GoldenTraceOfASmallSearch) {
  SearchTraceOptions opt;
  opt.max_lines = 16;
  opt.leaf_tries = 2;
  SearchTrace t = countdown_search_trace({6, 3, 5}, 13, opt);
  const std::vector<std::string> want = {"6+3 = 9",  "5+9 = 14 != 13", "9-5 = 4 != 13", "back",
                                         "6-3 = 3",  "5*3 = 15 != 13", "5+3 = 8 != 13", "back",
                                         "6*3 = 18", "18-5 = 13"};
  EXPECT_EQ(t.lines, want);
  EXPECT_EQ(to_string(*t.answer), "6*3-5");
  EXPECT_EQ(t.dead_ends, 2);
  // A budget with room for one dead end keeps the first and goes straight to the path.
  opt.max_lines = 6;
  t = countdown_search_trace({6, 3, 5}, 13, opt);
  EXPECT_EQ(t.lines, (std::vector<std::string>{"6+3 = 9", "5+9 = 14 != 13", "9-5 = 4 != 13", "back",
                                               "6*3 = 18", "18-5 = 13"}));
  // Only the path fits.
  opt.max_lines = 2;
  t = countdown_search_trace({6, 3, 5}, 13, opt);
  EXPECT_EQ(t.lines, (std::vector<std::string>{"6*3 = 18", "18-5 = 13"}));
  EXPECT_NE(error_of([&] {
              countdown_search_trace({2, 2}, 7, opt);
            }).find("cannot be reached"),
            std::string::npos);
  opt.max_lines = 1;
  EXPECT_NE(error_of([&] {
              countdown_search_trace({6, 3, 5}, 13, opt);
            }).find("no room"),
            std::string::npos);
}

// Fixed-order leaves try + - * / in turn and write every miss, also before the hit, so no line
// needs a result that was not written.
TEST(CountdownSearchTrace, GoldenTraceWithFixedOrderLeaves) {
  SearchTraceOptions opt;
  opt.max_lines = 16;
  opt.leaf_tries = 4;
  opt.leaf_order = LeafOrder::kFixed;
  SearchTrace t = countdown_search_trace({6, 3, 5}, 13, opt);
  const std::vector<std::string> want = {
      "6+3 = 9",  "5+9 = 14 != 13",  "9-5 = 4 != 13", "5*9 = 45 != 13", "back",
      "6-3 = 3",  "5+3 = 8 != 13",   "5-3 = 2 != 13", "5*3 = 15 != 13", "back",
      "6*3 = 18", "5+18 = 23 != 13", "18-5 = 13"};
  EXPECT_EQ(t.lines, want);
  EXPECT_EQ(to_string(*t.answer), "6*3-5");
  EXPECT_EQ(t.dead_ends, 2);
  // leaf_tries bounds a dead end's misses, never the misses before a hit.
  opt.leaf_tries = 1;
  t = countdown_search_trace({6, 3, 5}, 13, opt);
  EXPECT_EQ(t.lines, (std::vector<std::string>{"6+3 = 9", "5+9 = 14 != 13", "back", "6-3 = 3",
                                               "5+3 = 8 != 13", "back", "6*3 = 18",
                                               "5+18 = 23 != 13", "18-5 = 13"}));
  // The path's reserve holds the misses before the hit: 2 combinations and 3 misses.
  EXPECT_EQ(search_path_lines(3, LeafOrder::kFixed), 5);
  opt.max_lines = 5;
  t = countdown_search_trace({6, 3, 5}, 13, opt);
  EXPECT_EQ(t.lines, (std::vector<std::string>{"6*3 = 18", "5+18 = 23 != 13", "18-5 = 13"}));
  opt.max_lines = 4;
  EXPECT_NE(error_of([&] {
              countdown_search_trace({6, 3, 5}, 13, opt);
            }).find("no room"),
            std::string::npos);
}

TEST(CountdownSearchTrace, OptionsAreChecked) {
  EXPECT_NE(error_of([] {
              make_generator("countdown", {{"trace", "bfs"}}, "mix[0].options");
            }).find("mix[0].options"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              make_generator("countdown", {{"trace_lines", 2}}, "o");
            }).find("trace_lines"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              make_generator("countdown", {{"depth", 2}}, "o");
            }).find("depth"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              make_generator("countdown", {{"leaf_order", "random"}}, "o");
            }).find("leaf_order"),
            std::string::npos);
  // Fixed-order leaves need three more lines for the path of six numbers.
  EXPECT_NE(error_of([] {
              make_generator("countdown", {{"leaf_order", "fixed"}, {"trace_lines", 7}}, "o");
            }).find("trace_lines"),
            std::string::npos);
  make_generator("countdown", {{"leaf_order", "fixed"}, {"trace_lines", 8}}, "o");
  EXPECT_NE(error_of([] {
              make_generator("arith", {{"trace", "dfs"}}, "o");
            }).find("arith takes no options"),
            std::string::npos);
  // The default is the path alone, as before options existed.
  auto plain = make_generator("countdown"), path = make_generator("countdown", json::object(), "o");
  for (const Task& t : generate_tasks("countdown", 50, 3, 2))
    EXPECT_EQ(plain->solve(t), path->solve(t));
}
