// pyplay: self-play's task kinds (tasks/selfplay/selfplay_tasks.h) on pyfunc programs, with
// gold answers, so that a cold start can learn the formats before a self-play run: deduction,
// abduction, induction, and propose (a worked proposal is another pyfunc program with its
// inputs, after references drawn like the buffer's). Outputs are the pyfunc generator's values
// written as Python's repr, the form the sandbox gives in a run. The level is pyfunc's level.
// Options: {"kinds": [...], "propose_share": 0.25, "references": 1, "inputs": 2,
//           "induction_inputs": 4, "programs": "templates", "pyoutput_proposals": 0}. `programs`
// says where the programs come from: pyfunc's templates, composed ones
// (tasks/families/pycompose.h: a grammar of parts, so a proposer can learn to write programs no
// buffer holds), or "mixed" (half each). `pyoutput_proposals` is the share of worked proposals
// that write a pyoutput program as a function instead (tasks/families/pyoutput.h: loops, while
// loops, branches, string walks), so a cold start shows shapes beyond the two above; only
// proposals, which need no outputs (those are the sandbox's in a run), and an induction one goes
// without a message.
// Family "pyplay", not "selfplay": its tasks train and evaluate like any family; only a
// self_play mix entry feeds the buffer.
#include <algorithm>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/error.h"
#include "tasks/builtin.h"
#include "tasks/families/pycompose.h"
#include "tasks/families/pyfunc_templates.h"
#include "tasks/families/pyoutput.h"
#include "tasks/meta.h"
#include "tasks/selfplay/selfplay_tasks.h"
#include "tasks/solution.h"

namespace r1 {
namespace {

class PyplayGenerator : public TaskGenerator {
 public:
  std::string family() const override { return "pyplay"; }
  std::string summary() const override {
    return "self-play's kinds on pyfunc programs, with gold answers: predict an output, find an "
           "input, write a function from examples, propose a program (verifiers: program, "
           "proposal)";
  }
  int max_difficulty() const override { return 3; }

  void configure(const json& options, const std::string& where) override {
    JsonReader r(options, where);
    // A list, or one kind as text (a suite's opt.kinds=deduction).
    std::vector<std::string> kinds = {"deduction", "abduction", "induction"};
    if (r.has("kinds") && r.raw("kinds").is_string())
      kinds = {r.raw("kinds").get<std::string>()};
    else
      kinds = r.get<std::vector<std::string>>("kinds", kinds);
    r.check(!kinds.empty(), "kinds", "must not be empty");
    kinds_.clear();
    for (const auto& k : kinds) kinds_.push_back(parse_selfplay_kind(k, where + ": kinds"));
    propose_share_ = r.get<double>("propose_share", propose_share_);
    r.check(propose_share_ >= 0 && propose_share_ <= 1, "propose_share", "must be in [0, 1]");
    references_ = r.get<int>("references", references_);
    r.check(references_ >= 0 && references_ <= 8, "references", "must be in [0, 8]");
    inputs_ = r.get<int>("inputs", inputs_);
    r.check(inputs_ >= 1 && inputs_ <= 4, "inputs", "must be in [1, 4]");
    programs_ = r.get<std::string>("programs", programs_);
    r.check(programs_ == "templates" || programs_ == "composed" || programs_ == "mixed", "programs",
            "must be templates, composed or mixed");
    pyoutput_proposals_ = r.get<double>("pyoutput_proposals", pyoutput_proposals_);
    r.check(pyoutput_proposals_ >= 0 && pyoutput_proposals_ <= 1, "pyoutput_proposals",
            "must be in [0, 1]");
    induction_inputs_ = r.get<int>("induction_inputs", induction_inputs_);
    r.check(induction_inputs_ >= 2 && induction_inputs_ <= 6, "induction_inputs",
            "must be in [2, 6] (pyfunc tasks have at least 4 distinct cases)");
    r.done();
  }

  Task generate(Rng& rng, int difficulty) const override {
    check_difficulty(*this, difficulty);
    // A program with its pairs, and which outputs it maps to themselves (fixed[i]: an abduction
    // task on pair i is answered by copying the output it shows).
    struct Drawn {
      Triplet triplet;
      std::vector<bool> fixed;
    };
    auto draw_at = [&](int level) {
      Rng sub = rng.fork(rng.next_u64());
      Drawn d;
      Triplet& tr = d.triplet;
      if (programs_ == "composed" || (programs_ == "mixed" && sub.uniform() < 0.5)) {
        ComposedProgram c = compose_program(sub, 6);
        tr.program = c.code;
        tr.inputs = std::move(c.inputs);
        tr.outputs = std::move(c.outputs);
        tr.message = c.spec;
        tr.key = cat("pyplay-composed-", hash64(tr.program));
        tr.program_key = tr.key;
        d.fixed = std::move(c.fixed_points);
        return d;
      }
      Task t = pyfunc_->generate(sub, level);
      tr = pyfunc_triplet(t, true);
      const PyTemplate& tmpl = py_template(t.meta.value("template", std::string()));
      const json& k = t.meta["params"];
      tr.message = tmpl.spec(k);
      tr.key = cat("pyplay-", t.meta.value("template", std::string()));
      tr.program_key = tr.key;
      // A template may not end outside its domain (collatz_steps(0) loops), so an integer is
      // only tried within the range its drawer and edge cases span (their loops over strings
      // and lists end with them).
      int64_t lo = INT64_MAX, hi = INT64_MIN;
      Rng domain(0, 0);
      std::vector<json> samples = tmpl.edges;
      for (int s = 0; s < 32; ++s) samples.push_back(tmpl.input(domain, k));
      for (const json& a : samples) {
        if (a.is_array() && a.size() == 1 && a[0].is_number_integer()) {
          lo = std::min(lo, a[0].get<int64_t>());
          hi = std::max(hi, a[0].get<int64_t>());
        }
      }
      const auto eval = [&](const json& args) {
        const json& x = args[0];
        if (x.is_number_integer() && (x.get<int64_t>() < lo || x.get<int64_t>() > hi))
          throw std::out_of_range("outside the template's domain");
        return tmpl.eval(args, k);
      };
      for (const json& c : t.meta.value("cases", json::array()))
        d.fixed.push_back(maps_to_itself(eval, c.at("args"), c.at("expected")));
      return d;
    };
    auto triplet_at = [&](int level) { return draw_at(level).triplet; };
    const SelfPlayKind kind = kinds_[rng.below(kinds_.size())];
    Drawn drawn = draw_at(difficulty);
    // A deduction or abduction task whose every pair answers itself (an identity, a sort asked
    // backwards) is drawn again: copying the prompt would be right.
    for (int tries = 0; tries < 16 && kind != SelfPlayKind::Induction; ++tries) {
      bool usable = false;
      for (size_t i = 0; i < drawn.triplet.inputs.size(); ++i)
        usable = usable || !echo_solvable(drawn.triplet, kind, i, drawn.fixed);
      if (usable) break;
      drawn = draw_at(difficulty);
    }
    Triplet& target = drawn.triplet;
    Task task;
    if (rng.uniform() < propose_share_) {
      std::vector<Triplet> refs;
      for (int i = 0; i < references_; ++i)
        refs.push_back(triplet_at(static_cast<int>(rng.range(1, 3))));
      std::vector<const Triplet*> ref_ptrs;
      for (const auto& r : refs) ref_ptrs.push_back(&r);
      const int n = kind == SelfPlayKind::Induction ? induction_inputs_ : inputs_;
      task = make_propose_task(ref_ptrs, kind, n);
      // Drawn only when asked for, so that streams without the option stay as they were.
      if (pyoutput_proposals_ > 0 && rng.uniform() < pyoutput_proposals_) {
        if (auto fn = pyoutput_target(rng, n)) {
          target = Triplet{};
          target.program = std::move(fn->code);
          target.inputs = std::move(fn->inputs);
          target.message = "returns what this short program computes from its arguments";
        }
      }
      // A proposal is judged by the sandbox, not against a gold answer; the worked one is the
      // target program with its first n inputs.
      std::vector<size_t> order(target.inputs.size());
      for (size_t i = 0; i < order.size(); ++i) order[i] = i;
      std::string message = target.outputs.empty() ? "" : target.message;
      if (kind == SelfPlayKind::Induction && !message.empty()) {
        // The worked message must pass the check the proposal verifier applies (message_leak):
        // pairs its words quote ("fib(0) is 0") go last, and if they are still needed the
        // worked proposal goes without a message.
        std::stable_partition(order.begin(), order.end(), [&](size_t i) {
          return message.find(target.inputs[i]) == std::string::npos;
        });
        std::vector<std::string> ins, outs;
        for (size_t j = 0; j < order.size() && j < static_cast<size_t>(n); ++j) {
          ins.push_back(target.inputs[order[j]]);
          outs.push_back(target.outputs[order[j]]);
        }
        if (!message_leak(message, ins, outs).empty()) message.clear();
      }
      std::string gold = cat("<program>\n", target.program, "</program>");
      for (int i = 0; i < n && i < static_cast<int>(order.size()); ++i)
        gold += cat("<input>", target.inputs[order[i]], "</input>");
      if (kind == SelfPlayKind::Induction && !message.empty())
        gold += cat("<message>", message, "</message>");
      task.answer = gold;
      task.meta["plan"] = cat("A function that ", target.message);
      task.meta["target_program"] = target.program;  // what the worked proposal writes
      // Nothing here ran in the sandbox, so the references' keys are unknown: the verifier
      // computes them from their programs, so that a copy of one is no new task.
      task.meta["ref_keys"] = json::array();
      task.meta["ref_program_keys"] = json::array();
      json programs = json::array();
      for (const auto& r : refs) programs.push_back(r.program);
      task.meta["ref_programs"] = std::move(programs);
      // Beside what its prompt shows (make_propose_task lists it), the worked proposal trains
      // writing the target program.
      task.meta["problem_keys"].push_back(
          problem_key_hash(program_to_write_key(target.program, target.entry)));
    } else {
      if (kind != SelfPlayKind::Induction) target.message.clear();
      task = make_solve_task(target, kind, rng, drawn.fixed);
    }
    task.family = family();
    task.difficulty = difficulty;
    return task;
  }

  // A solve task is the same problem as self-play's on the same program (program_problem_key).
  // A proposal's worked answer writes its target program, as an induction or pyfunc task's
  // does: it is that program's problem, so training on it never teaches a held-out one.
  std::string problem_key(const Task& task) const override {
    if (task.meta.is_object() && task.meta.value("role", std::string()) == "propose" &&
        task.meta.contains("target_program") && task.meta["target_program"].is_string())
      return program_to_write_key(task.meta["target_program"].get<std::string>(), "f");
    std::string key = program_problem_key(task);
    return key.empty() ? TaskGenerator::problem_key(task) : key;
  }

  std::string solve(const Task& task) const override {
    const std::string role = meta_string(task, "role");
    const std::string kind = meta_string(task, "kind");
    std::string plan;
    if (role == "propose") {
      plan = task.meta.value("plan", std::string());
    } else if (kind == "deduction") {
      plan = cat("Run f on ", task.meta.value("input", std::string()), ".");
    } else if (kind == "abduction") {
      plan = cat("Find arguments that give ", task.meta.value("output", std::string()), ".");
    } else {
      plan = "Find the rule that maps each input to its output.";
    }
    std::string answer = task.answer;
    while (!answer.empty() && answer.back() == '\n') answer.pop_back();
    return format_solution({plan}, answer);
  }

 private:
  // A pyoutput program as a function with n inputs (nullopt when 16 draws have nothing to lift).
  std::optional<PyoutputFunction> pyoutput_target(Rng& rng, int n) const {
    for (int tries = 0; tries < 16; ++tries) {
      Rng sub = rng.fork(rng.next_u64());
      const int level = 1 + static_cast<int>(sub.below(pyoutput_->max_difficulty()));
      if (auto fn = pyoutput_function(pyoutput_->generate(sub, level), n)) return fn;
    }
    return std::nullopt;
  }

  std::vector<SelfPlayKind> kinds_ = {SelfPlayKind::Deduction, SelfPlayKind::Abduction,
                                      SelfPlayKind::Induction};
  double propose_share_ = 0.25;
  int references_ = 1;
  int inputs_ = 2;
  int induction_inputs_ = 4;
  std::string programs_ = "templates";  // pyfunc's, composed ones (pycompose.h), or half each
  double pyoutput_proposals_ = 0;       // share of worked proposals that write a pyoutput program
  std::unique_ptr<TaskGenerator> pyfunc_ = make_generator("pyfunc");  // made once, not per task
  std::unique_ptr<TaskGenerator> pyoutput_ = make_generator("pyoutput");
};

}  // namespace

std::unique_ptr<TaskGenerator> make_pyplay_generator() {
  return std::make_unique<PyplayGenerator>();
}

}  // namespace r1
