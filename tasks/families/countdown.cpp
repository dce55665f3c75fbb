// countdown: reach a target from given numbers with + - * /, each number used exactly once.
// Instances are built by combining the numbers in a random order, so every one is solvable
// with positive integer intermediate values. solve() searches for such a combination (it
// does not read the construction), so it also solves countdown tasks from elsewhere. Its
// worked solution is the path found (option "trace": "path", the default) or a bounded
// depth-first search with backtracking ("trace": "dfs", countdown_search.h).
#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "core/error.h"
#include "tasks/builtin.h"
#include "tasks/families/countdown_search.h"
#include "tasks/int_expr.h"
#include "tasks/meta.h"
#include "tasks/solution.h"

namespace r1 {
namespace {

struct Level {
  int count;   // how many numbers
  int64_t hi;  // numbers are drawn from 1..hi
  int64_t max_target;
};
constexpr Level kLevels[] = {
    {2, 20, 400}, {3, 10, 200}, {3, 25, 500}, {4, 25, 999}, {4, 100, 999}, {5, 50, 999},
};
constexpr int kMaxNumbers = 6;  // solve() is exhaustive; beyond this it gets slow

std::string number_list(const std::vector<int64_t>& numbers) {
  std::string s;
  for (size_t i = 0; i < numbers.size(); ++i) s += cat(i ? ", " : "", numbers[i]);
  return s;
}

class CountdownGenerator : public TaskGenerator {
 public:
  // {"trace": "path" | "dfs", "trace_lines": 16, "leaf_tries": 2, "leaf_order": "nearest"}
  void configure(const json& options, const std::string& where) override {
    if (!options.is_object()) TaskGenerator::configure(options, where);
    JsonReader r(options, where);
    const std::string style = r.get<std::string>("trace", "path");
    r.check(style == "path" || style == "dfs", "trace",
            cat("must be \"path\" (the solution's steps) or \"dfs\" (a search with "
                "backtracking), got \"",
                style, "\""));
    dfs_ = style == "dfs";
    const std::string order = r.get<std::string>("leaf_order", "nearest");
    r.check(order == "nearest" || order == "fixed", "leaf_order",
            cat("must be \"nearest\" (results nearest the target first) or \"fixed\" (+ - * / "
                "in turn), got \"",
                order, "\""));
    trace_.leaf_order = order == "fixed" ? LeafOrder::kFixed : LeafOrder::kNearest;
    // Room for the path of the most numbers a level has.
    const int path = search_path_lines(kMaxNumbers, trace_.leaf_order);
    trace_.max_lines = r.get<int>("trace_lines", trace_.max_lines);
    r.check(trace_.max_lines >= path && trace_.max_lines <= 1000, "trace_lines",
            cat("must be in ", path, "..1000 (room for the path of ", kMaxNumbers, " numbers",
                order == "fixed" ? " with fixed-order leaves" : "", "), got ", trace_.max_lines));
    trace_.leaf_tries = r.get<int>("leaf_tries", trace_.leaf_tries);
    r.check(trace_.leaf_tries >= 1 && trace_.leaf_tries <= 8, "leaf_tries",
            cat("must be in 1..8, got ", trace_.leaf_tries));
    r.done();
  }

  std::string family() const override { return "countdown"; }
  std::string summary() const override {
    return "reach the target using each given number once with + - * / (verifier: countdown)";
  }
  int max_difficulty() const override { return static_cast<int>(std::size(kLevels)); }

  Task generate(Rng& rng, int difficulty) const override {
    check_difficulty(*this, difficulty);
    const Level& lv = kLevels[difficulty - 1];
    for (;;) {
      std::vector<int64_t> numbers;
      for (int i = 0; i < lv.count; ++i) numbers.push_back(rng.range(1, lv.hi));
      // Combine two random values with a random valid operation until one value is left.
      std::vector<CountdownItem> pool;
      for (int64_t n : numbers) pool.push_back({n, IntExpr::number(n)});
      bool ok = true;
      while (pool.size() > 1 && ok) {
        size_t i = rng.below(pool.size());
        size_t j = rng.below(pool.size() - 1);
        if (j >= i) ++j;
        const char* ops = "+-*/";
        char op = ops[rng.below(4)];
        int64_t v;
        if (!countdown_apply(op, pool[i].value, pool[j].value, &v)) {
          // Subtraction the other way round is as good a step; anything else retries.
          if (op == '-' && pool[j].value > pool[i].value) {
            std::swap(i, j);
            countdown_apply(op, pool[i].value, pool[j].value, &v);
          } else {
            ok = false;
          }
        }
        if (!ok) break;
        CountdownItem merged{v, IntExpr::binary(op, pool[i].expr, pool[j].expr)};
        pool.erase(pool.begin() + static_cast<long>(std::max(i, j)));
        pool.erase(pool.begin() + static_cast<long>(std::min(i, j)));
        pool.push_back(merged);
      }
      if (!ok) continue;
      int64_t target = pool[0].value;
      // A target equal to an input or out of range makes a dull or unwieldy task.
      if (target > lv.max_target || std::count(numbers.begin(), numbers.end(), target)) continue;
      Task t;
      t.family = family();
      t.difficulty = difficulty;
      t.verifier = "countdown";
      t.prompt = cat("Use ", number_list(numbers), " once each with + - * / to make ", target, ".");
      t.answer = to_string(*pool[0].expr);
      t.meta = {{"numbers", numbers}, {"target", target}};
      return t;
    }
  }

  // The same numbers in any order, and the same target, are one problem.
  std::string problem_key(const Task& task) const override {
    const json& m = task.meta;
    if (!m.is_object() || !m.contains("numbers") || !m["numbers"].is_array() ||
        !m.contains("target") || !m["target"].is_number_integer())
      return TaskGenerator::problem_key(task);
    std::vector<int64_t> numbers;
    for (const auto& n : m["numbers"]) {
      if (!n.is_number_integer()) return TaskGenerator::problem_key(task);
      numbers.push_back(n.get<int64_t>());
    }
    std::sort(numbers.begin(), numbers.end());
    return cat("countdown|", number_list(numbers), "|", m["target"].get<int64_t>());
  }

  std::string solve(const Task& task) const override {
    const json& nums = meta_array(task, "numbers");
    int64_t target = meta_int(task, "target");
    if (nums.empty() || nums.size() > kMaxNumbers) {
      fail("task ", task.id, ": countdown solve() takes 1..", kMaxNumbers, " numbers, got ",
           nums.size());
    }
    std::vector<int64_t> numbers;
    for (const auto& n : nums) {
      if (!n.is_number_integer() || n.get<int64_t>() <= 0) {
        fail("task ", task.id, ": meta.numbers must be positive integers, got ", n.dump());
      }
      numbers.push_back(n.get<int64_t>());
    }
    if (dfs_) {
      SearchTrace t = countdown_search_trace(numbers, target, trace_);  // throws if unsolvable
      return format_solution(t.lines, to_string(*t.answer));
    }
    std::vector<CountdownItem> items;
    for (int64_t n : numbers) items.push_back({n, IntExpr::number(n)});
    std::set<std::vector<int64_t>> failed;
    IntExprPtr found;
    if (!countdown_search(items, target, failed, &found)) {
      fail("task ", task.id, ": no combination of ", nums.dump(), " makes ", target,
           " with positive integer steps");
    }
    std::vector<std::string> lines;
    evaluate_steps(*found, &lines);
    return format_solution(lines, to_string(*found));
  }

 private:
  bool dfs_ = false;
  SearchTraceOptions trace_;
};

}  // namespace

std::unique_ptr<TaskGenerator> make_countdown_generator() {
  return std::make_unique<CountdownGenerator>();
}

}  // namespace r1
