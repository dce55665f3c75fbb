// pyfunc: write a small Python function from a one-line spec and two examples; hidden cases
// check it. Expected outputs are computed in C++ when the task is made, and stored as data in
// meta.cases ({"args": [...], "expected": ...}, the first meta.shown of them appear in the
// prompt) so the python verifier can compute outputs in the sandbox and compare them outside.
// `tests` holds the same cases as a HumanEval-style check(candidate).
// solve() answers with plain code (no ``` fence) inside <answer>.
#include <set>
#include <string>
#include <vector>

#include "core/error.h"
#include "tasks/builtin.h"
#include "tasks/families/pyfunc_templates.h"
#include "tasks/meta.h"
#include "tasks/pyvalue.h"
#include "tasks/selfplay/selfplay_tasks.h"
#include "tasks/solution.h"

namespace r1 {
namespace {

constexpr int kShown = 2;  // examples in the prompt
constexpr int kCases = 8;  // shown + hidden

class PyfuncGenerator : public TaskGenerator {
 public:
  std::string family() const override { return "pyfunc"; }
  std::string summary() const override {
    return "write a small Python function (strings, lists, integers) checked by hidden tests "
           "(verifier: python)";
  }
  int max_difficulty() const override { return 3; }

  Task generate(Rng& rng, int difficulty) const override {
    check_difficulty(*this, difficulty);
    std::vector<const PyTemplate*> pool;
    for (const auto& t : py_templates()) {
      if (t.level == difficulty) pool.push_back(&t);
    }
    const PyTemplate& tpl = *pool[rng.below(pool.size())];
    json k = tpl.constants(rng);

    // Distinct argument lists: two random ones to show, then the edge cases, then random ones.
    std::vector<json> args;
    std::set<std::string> seen;
    auto add = [&](const json& a) {
      if (seen.insert(a.dump()).second) args.push_back(a);
    };
    for (int tries = 0; args.size() < kShown && tries < 100; ++tries) add(tpl.input(rng, k));
    for (const auto& e : tpl.edges) add(e);
    for (int tries = 0; args.size() < kCases && tries < 200; ++tries) add(tpl.input(rng, k));
    R1_CHECK(args.size() >= kShown + 2, "template ", tpl.name, " gave too few distinct inputs");

    Task t;
    t.family = family();
    t.difficulty = difficulty;
    t.verifier = "python";
    t.entry_point = tpl.name;
    json cases = json::array();
    t.prompt = cat("Write a Python function ", tpl.name, "(", tpl.params, ") that ", tpl.spec(k));
    t.tests = "def check(candidate):\n";
    for (size_t i = 0; i < args.size(); ++i) {
      json expected = tpl.eval(args[i], k);
      cases.push_back({{"args", args[i]}, {"expected", expected}});
      if (i < kShown)
        t.prompt += cat("\n", py_call(tpl.name, args[i]), " == ", py_literal(expected));
      t.tests +=
          cat("    assert ", py_call("candidate", args[i]), " == ", py_literal(expected), "\n");
    }
    t.meta = {{"template", tpl.name},
              {"params", k},
              {"cases", cases},
              {"shown", kShown},
              {"canonical_solution", tpl.code(k)}};
    return t;
  }

  // The function to write, whatever examples the prompt shows: every level has only 14 to 234
  // distinct ones (template and constants), so a suite of pyfunc holds out most of its level.
  // The key is the one an induction task on the same program has (program_problem_key).
  std::string problem_key(const Task& task) const override {
    const std::string code = task.meta.is_object()
                                 ? task.meta.value("canonical_solution", std::string())
                                 : std::string();
    if (code.empty() || task.entry_point.empty()) return TaskGenerator::problem_key(task);
    return program_to_write_key(code, task.entry_point);
  }

  // The prompt shows the function's first kShown cases (the verifier runs the rest): each is
  // also a deduction and an abduction problem of that program (as a pyplay or self-play task
  // would pose it), which a held-out one must not be trained on through this task.
  std::vector<std::string> problem_keys(const Task& task) const override {
    std::vector<std::string> keys = TaskGenerator::problem_keys(task);
    if (!task.meta.is_object() || task.meta.value("canonical_solution", std::string()).empty() ||
        task.entry_point.empty())
      return keys;
    try {
      const Triplet t = pyfunc_triplet(task, true);
      const size_t shown = task.meta.value("shown", size_t{kShown});
      for (size_t i = 0; i < shown && i < t.inputs.size(); ++i)
        for (std::string& k : pair_problem_keys(t, i)) keys.push_back(std::move(k));
    } catch (const std::exception&) {
      // Cases that are not {args, expected} (a task read from a file): its own key stands.
    }
    return keys;
  }

  std::string solve(const Task& task) const override {
    const PyTemplate& tpl = py_template(meta_string(task, "template"));
    if (!task.meta.contains("params") || !task.meta["params"].is_object()) {
      fail("task ", task.id, ": pyfunc needs meta.params (an object)");
    }
    const json& k = task.meta["params"];
    std::string code = tpl.code(k);
    while (!code.empty() && code.back() == '\n') code.pop_back();
    return format_solution({tpl.plan(k)}, code);
  }
};

}  // namespace

std::unique_ptr<TaskGenerator> make_pyfunc_generator() {
  return std::make_unique<PyfuncGenerator>();
}

}  // namespace r1
