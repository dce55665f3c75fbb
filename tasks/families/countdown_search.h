// Countdown's arithmetic and search, shared by its generator (tasks/families/countdown.cpp):
// the exhaustive solver, and worked solutions written as a bounded depth-first search, the way
// Stream of Search (Gandhi et al., 2024) trains a model on countdown: tried steps, each result
// checked against the target, an explicit backtrack from dead ends, then the path that works.
//
// A search trace for 7, 5, 3 -> 36 (every line is a claim the step verifier checks, "back" is
// prose):
//   7+5 = 12
//   12+3 = 15 != 36
//   12-3 = 9 != 36
//   back
//   7-5 = 2
//   ...
//   7*5 = 35
//   ...
// The search combines two remaining numbers at a time (pairs in order, + - * /, subtraction and
// division only where the result is a positive integer). With two numbers left it tries, by
// default, the results nearest the target first, at most leaf_tries of them, so a leaf that can
// reach the target always does on its first try: choosing that try takes every result of the
// pair computed in one's head. With LeafOrder::kFixed it tries them in the order above instead,
// writing each miss, so every leaf line follows from lines written before it; a leaf that can reach
// the target then shows up to three misses before the hit. A trace holds at most max_lines lines:
// dead ends are written while they fit beside the path still to come; after the first that
// does not fit, the search goes straight down the first branch that can reach the target.
#pragma once
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "tasks/int_expr.h"

namespace r1 {

// a op b when the result is a positive integer (division exact, no zero or negative values).
bool countdown_apply(char op, int64_t a, int64_t b, int64_t* out);

struct CountdownItem {
  int64_t value;
  IntExprPtr expr;
};

// Depth-first search over "combine two of the remaining values"; `failed` remembers value
// multisets already shown to miss the target. True with *found set when the target is reached.
bool countdown_search(std::vector<CountdownItem>& items, int64_t target,
                      std::set<std::vector<int64_t>>& failed, IntExprPtr* found);

// The order of the tries with two numbers left.
enum class LeafOrder {
  kNearest,  // nearest the target first (an exact result is always the first try)
  kFixed,    // + - * /, as everywhere else in the search
};

struct SearchTraceOptions {
  int max_lines = 16;  // lines in <think>, at least search_path_lines(numbers, leaf_order)
  // Results tried with two numbers left, in a leaf that cannot reach the target.
  int leaf_tries = 2;
  LeafOrder leaf_order = LeafOrder::kNearest;
};

// The most lines the path from `numbers` values down to the target can take: one per
// combination, and with LeafOrder::kFixed up to three misses before the last one's hit.
int search_path_lines(size_t numbers, LeafOrder order);

struct SearchTrace {
  std::vector<std::string> lines;  // the <think> lines
  IntExprPtr answer;               // the expression found
  int dead_ends = 0;               // backtracks written
};

// The trace for `numbers` -> `target`; throws when no combination reaches the target.
SearchTrace countdown_search_trace(const std::vector<int64_t>& numbers, int64_t target,
                                   const SearchTraceOptions& opt);

}  // namespace r1
