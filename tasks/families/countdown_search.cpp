#include "tasks/families/countdown_search.h"

#include <algorithm>
#include <cstdlib>

#include "core/error.h"
#include "tasks/solution.h"

namespace r1 {

bool countdown_apply(char op, int64_t a, int64_t b, int64_t* out) {
  switch (op) {
    case '+':
      *out = a + b;
      return true;
    case '-':
      *out = a - b;
      return a > b;
    case '*':
      *out = a * b;
      return true;
    default:
      *out = b > 1 && a % b == 0 ? a / b : 0;
      return b > 1 && a % b == 0;
  }
}

namespace {

constexpr int64_t kMaxValue = 1000000;  // larger intermediate values are not tried

// One step of the search: items[i] op items[j] = value.
struct Move {
  size_t i, j;
  char op;
  int64_t value;
};

// Every valid move from `items`, in the search's order: pairs (i < j) in order; for each, + and *
// once, - and / with the larger first when that gives a positive integer.
std::vector<Move> moves(const std::vector<CountdownItem>& items) {
  std::vector<Move> out;
  for (size_t i = 0; i < items.size(); ++i) {
    for (size_t j = i + 1; j < items.size(); ++j) {
      for (char op : {'+', '-', '*', '/'}) {
        size_t a = i, b = j;
        if ((op == '-' || op == '/') && items[j].value > items[i].value) std::swap(a, b);
        int64_t v;
        if (countdown_apply(op, items[a].value, items[b].value, &v) && v <= kMaxValue)
          out.push_back({a, b, op, v});
      }
    }
  }
  return out;
}

std::vector<CountdownItem> after(const std::vector<CountdownItem>& items, const Move& m) {
  std::vector<CountdownItem> next;
  for (size_t k = 0; k < items.size(); ++k) {
    if (k != m.i && k != m.j) next.push_back(items[k]);
  }
  next.push_back({m.value, IntExpr::binary(m.op, items[m.i].expr, items[m.j].expr)});
  return next;
}

std::string move_line(const std::vector<CountdownItem>& items, const Move& m) {
  return claim(items[m.i].value, m.op, items[m.j].value, m.value);
}

bool reachable(std::vector<CountdownItem> items, int64_t target) {
  std::set<std::vector<int64_t>> failed;
  IntExprPtr found;
  return countdown_search(items, target, failed, &found);
}

class Tracer {
 public:
  Tracer(int64_t target, const SearchTraceOptions& opt) : target_(target), opt_(opt) {}

  // Appends the trace of `items` to `out` within `budget` lines. Returns true (and sets
  // answer_) when the target is reached: only ever in a branch that can reach it, which is
  // taken whatever the budget (the caller reserved its path).
  bool node(const std::vector<CountdownItem>& items, int budget, std::vector<std::string>& out) {
    std::vector<Move> ms = moves(items);
    if (items.size() == 2) return leaf(items, ms, budget, out);
    const int path = search_path_lines(items.size(), opt_.leaf_order);  // reserved for the path
    bool skipping = false;
    for (const Move& m : ms) {
      std::vector<CountdownItem> next = after(items, m);
      if (reachable(next, target_)) {
        out.push_back(move_line(items, m));
        return node(next, budget - 1, out);
      }
      if (skipping) continue;
      // A dead end: written whole ("a op b = v", its own search, "back") if it fits beside the
      // path still to come.
      std::vector<std::string> sub = {move_line(items, m)};
      node(next, budget - path - 2, sub);
      sub.push_back("back");
      // A dead end shows at least one try, or it is not written.
      if (sub.size() == 2 || static_cast<int>(sub.size()) > budget - path) {
        skipping = true;
        continue;
      }
      out.insert(out.end(), sub.begin(), sub.end());
      budget -= static_cast<int>(sub.size());
      ++dead_ends_;
    }
    return false;
  }

  IntExprPtr answer() const { return answer_; }
  int dead_ends() const { return dead_ends_; }

 private:
  // Two numbers left, tried nearest the target first or in the fixed order of moves(). A leaf
  // that can reach the target writes its misses before the hit (none when nearest first, where
  // the hit is the first try; at most three in fixed order, which the path's reserve covers).
  // One that cannot writes at most leaf_tries misses, and no more than the budget.
  bool leaf(const std::vector<CountdownItem>& items, std::vector<Move> ms, int budget,
            std::vector<std::string>& out) {
    if (opt_.leaf_order == LeafOrder::kNearest) {
      std::stable_sort(ms.begin(), ms.end(), [&](const Move& a, const Move& b) {
        return std::llabs(a.value - target_) < std::llabs(b.value - target_);
      });
    }
    const bool can_hit =
        std::any_of(ms.begin(), ms.end(), [&](const Move& m) { return m.value == target_; });
    int misses = 0;
    for (const Move& m : ms) {
      if (m.value == target_) {
        out.push_back(move_line(items, m));
        answer_ = after(items, m).back().expr;
        return true;
      }
      if (!can_hit && (misses >= opt_.leaf_tries || misses >= budget)) break;
      out.push_back(cat(move_line(items, m), " != ", target_));
      ++misses;
    }
    return false;
  }

  int64_t target_;
  SearchTraceOptions opt_;
  IntExprPtr answer_;
  int dead_ends_ = 0;
};

}  // namespace

int search_path_lines(size_t numbers, LeafOrder order) {
  // A pair has at most four results, so a fixed-order leaf misses at most three before its hit.
  constexpr int kMaxMissesBeforeHit = 3;
  if (numbers < 2) return 0;
  return static_cast<int>(numbers) - 1 + (order == LeafOrder::kFixed ? kMaxMissesBeforeHit : 0);
}

bool countdown_search(std::vector<CountdownItem>& items, int64_t target,
                      std::set<std::vector<int64_t>>& failed, IntExprPtr* found) {
  if (items.size() == 1) {
    if (items[0].value != target) return false;
    *found = items[0].expr;
    return true;
  }
  std::vector<int64_t> key;
  for (const auto& it : items) key.push_back(it.value);
  std::sort(key.begin(), key.end());
  if (failed.count(key)) return false;
  for (size_t i = 0; i < items.size(); ++i) {
    for (size_t j = 0; j < items.size(); ++j) {
      if (i == j) continue;
      for (char op : {'+', '-', '*', '/'}) {
        // + and * commute: try each unordered pair once.
        if ((op == '+' || op == '*') && j < i) continue;
        int64_t v;
        if (!countdown_apply(op, items[i].value, items[j].value, &v) || v > kMaxValue) continue;
        std::vector<CountdownItem> next = after(items, {i, j, op, v});
        if (countdown_search(next, target, failed, found)) return true;
      }
    }
  }
  failed.insert(key);
  return false;
}

SearchTrace countdown_search_trace(const std::vector<int64_t>& numbers, int64_t target,
                                   const SearchTraceOptions& opt) {
  std::vector<CountdownItem> items;
  for (int64_t n : numbers) items.push_back({n, IntExpr::number(n)});
  if (items.empty()) fail("countdown search trace: no numbers");
  SearchTrace t;
  if (items.size() == 1) {
    if (numbers[0] != target) fail("countdown search trace: ", numbers[0], " is not ", target);
    t.answer = items[0].expr;
    return t;
  }
  if (!reachable(items, target)) fail("countdown search trace: the target cannot be reached");
  const int path = search_path_lines(items.size(), opt.leaf_order);
  if (opt.max_lines < path)
    fail("countdown search trace: ", opt.max_lines, " lines leave no room for the path of ",
         items.size(), " numbers (", path, " lines)");
  Tracer tracer(target, opt);
  const bool ok = tracer.node(items, opt.max_lines, t.lines);
  R1_CHECK(ok, "countdown search trace: a reachable target was not reached");
  t.answer = tracer.answer();
  t.dead_ends = tracer.dead_ends();
  return t;
}

}  // namespace r1
