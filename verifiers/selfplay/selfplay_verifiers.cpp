#include "verifiers/selfplay/selfplay_verifiers.h"

#include <algorithm>

#include "core/error.h"
#include "tasks/selfplay/selfplay_tasks.h"
#include "verifiers/completion.h"
#include "verifiers/lazy_sandbox.h"
#include "verifiers/selfplay/program_runner.h"

namespace r1 {

namespace {

Verdict verdict(bool correct, const std::string& reason, bool format_ok, json details) {
  Verdict v;
  v.correct = correct;
  v.score = correct ? 1.0 : 0.0;
  v.reason = reason;
  v.format_ok = format_ok;
  v.details = std::move(details);
  return v;
}

// The runner's verdict on the code: a failed sandbox is the verifier's problem, never a zero.
std::optional<Verdict> sandbox_failure(const ProgramReport& r) {
  if (!r.sandbox_error) return std::nullopt;
  return Verdict::verifier_failure("sandbox_error", r.message);
}

bool listed(const json& list, const std::string& s) {
  return list.is_array() && std::find(list.begin(), list.end(), json(s)) != list.end();
}

class SelfPlayVerifierBase : public Verifier {
 public:
  explicit SelfPlayVerifierBase(SelfPlayVerifierOptions o)
      : options_(std::move(o)), sandbox_(options_.sandbox) {}

  Verdict verify(const Task& task, const std::string& completion) override {
    try {
      if (!task.meta.is_object())
        return Verdict::verifier_failure("bad_task", "self-play task without meta");
      auto answer = answer_block(completion, options_.tags);
      if (!answer) return verdict(false, "no_answer", false, json::object());
      std::string error;
      SandboxPool* pool = sandbox_.get(&error);
      if (!pool) return Verdict::verifier_failure("sandbox_error", "sandbox unavailable: " + error);
      ProgramRunner runner(*pool, options_.limits);
      Verdict v = judge(task, std::string(*answer), runner);
      if (!v.verifier_error) v.details[kAnswerKey] = answer_key_of(trim(*answer));
      return v;
    } catch (const std::exception& e) {
      return Verdict::verifier_failure("verifier_exception", e.what());
    }
  }

 protected:
  virtual Verdict judge(const Task& task, const std::string& answer, ProgramRunner& runner) = 0;

 private:
  SelfPlayVerifierOptions options_;
  LazySandbox sandbox_;
};

class ProposalVerifier : public SelfPlayVerifierBase {
 public:
  using SelfPlayVerifierBase::SelfPlayVerifierBase;
  std::string name() const override { return "proposal"; }

 protected:
  Verdict judge(const Task& task, const std::string& answer, ProgramRunner& runner) override {
    std::string why;
    auto p = parse_proposal(answer, &why);
    if (!p) return verdict(false, "bad_format", false, {{"error", why}});
    // Model output may be any bytes: what is validated, and later stored in the buffer and its
    // checkpoints (JSON), is the text with invalid UTF-8 replaced.
    p->program = valid_utf8(p->program);
    p->message = valid_utf8(p->message);
    for (auto& in : p->inputs) in = valid_utf8(in);
    const int wanted = task.meta.value("n_inputs", 1);
    json details = {{"program_bytes", p->program.size()}, {"inputs_given", p->inputs.size()}};
    if (static_cast<int>(p->inputs.size()) < wanted) {
      details["error"] = cat("asked for ", wanted, " inputs, got ", p->inputs.size());
      return verdict(false, "too_few_inputs", true, details);
    }
    p->inputs.resize(static_cast<size_t>(wanted));  // extra inputs are ignored
    ProgramReport r = runner.validate(p->program, "f", p->inputs);
    if (auto f = sandbox_failure(r)) return *f;
    if (!r.ok) {
      details["error"] = r.message;
      return verdict(false, r.reason, true, details);
    }
    std::vector<std::string> distinct = r.inputs;
    std::sort(distinct.begin(), distinct.end());
    if (std::unique(distinct.begin(), distinct.end()) != distinct.end()) {
      details["error"] = "two inputs are the same";
      return verdict(false, "repeated_input", true, details);
    }
    // The message is shown to induction solvers beside half of the pairs: one that quotes a pair
    // could pass a lookup table on the hidden half. (Any kind's triplet may become an induction
    // task.)
    if (std::string leak = message_leak(p->message, r.inputs, r.outputs); !leak.empty()) {
      details["error"] = leak;
      return verdict(false, "leaky_message", true, details);
    }
    json triplet = report_triplet(p->program, "f", r);
    if (!p->message.empty()) triplet["message"] = p->message;
    details[kLearnerData] = {{"triplet", triplet}};
    // A copy of a reference it was shown is no new task. (Copies of other buffer entries are
    // found where the buffer is.)
    if (listed(task.meta.value("ref_keys", json::array()), r.key) ||
        listed(task.meta.value("ref_program_keys", json::array()), r.program_key)) {
      return verdict(false, "duplicate", true, details);
    }
    // References that never ran here (a generated propose task's, meta.ref_programs): their
    // keys come from the static checks alone.
    if (const json refs = task.meta.value("ref_programs", json::array());
        refs.is_array() && !refs.empty()) {
      std::vector<std::string> programs;
      for (const json& p : refs)
        if (p.is_string()) programs.push_back(p.get<std::string>());
      ProgramReport k = runner.program_keys(programs, "f");
      if (auto f = sandbox_failure(k)) return *f;
      if (!k.ok) return Verdict::verifier_failure("bad_task", "meta.ref_programs: " + k.message);
      if (std::find(k.program_keys.begin(), k.program_keys.end(), r.program_key) !=
          k.program_keys.end())
        return verdict(false, "duplicate", true, details);
    }
    // Where novelty is judged by behaviour (meta.strict_probes), a proposal must let the probes
    // judge it: a known function that loops on a probe input its own inputs avoid (`if n == 100:
    // loop`) would otherwise get a key of its own, and one that fails on every probe none, and
    // pass on its shape alone. Only keys made by a timeout or by no value at all are refused: one
    // that returns another value, or raises, on a single probe is another function by the key,
    // by design (x > 10 and x >= 10 differ on one probe too). A probe run that failed as a whole
    // (a starved machine) says nothing of the program and refuses nothing. These refusals come
    // before the learner's buffer check, so a copy of a buffer entry that also fails them is
    // counted as refused, not as a duplicate.
    if (task.meta.value("strict_probes", false) && r.probed) {
      if (r.probe_timeouts > 0) {
        details["error"] =
            cat(r.probe_timeouts, " probe input(s) of its arguments' kinds ran past the CPU limit");
        return verdict(false, "probe_timeout", true, details);
      }
      if (r.probe_values == 0) {
        details["error"] = "it gave no value on any probe input of its arguments' kinds";
        return verdict(false, "no_probe_value", true, details);
      }
    }
    return verdict(true, "ok", true, details);
  }
};

class ProgramVerifier : public SelfPlayVerifierBase {
 public:
  using SelfPlayVerifierBase::SelfPlayVerifierBase;
  std::string name() const override { return "program"; }

 protected:
  Verdict judge(const Task& task, const std::string& answer, ProgramRunner& runner) override {
    const std::string kind = task.meta.value("kind", std::string());
    const std::string entry = task.entry_point.empty() ? "f" : task.entry_point;
    if (kind == "deduction") {
      ProgramReport r = runner.compare(answer, meta_text(task, "output"));
      if (auto f = sandbox_failure(r)) return *f;
      if (!r.ok && r.reason == "bad_gold") return Verdict::verifier_failure("bad_task", r.message);
      if (!r.ok) return verdict(false, "bad_answer", false, {{"error", r.message}});
      return verdict(r.equal, r.equal ? "ok" : "wrong_answer", true, json::object());
    }
    if (kind == "abduction") {
      // The proposer's program runs on an input validation never ran, so twice, in interpreters
      // with other hash seeds and memory layouts: a program that decides by chance off its own
      // inputs (`next(iter({A, B}))`) would make the solve rate a coin, and pay the proposer
      // for it. Such a program is no task: the learner condemns it (the triplet leaves the
      // buffer, the proposal counts as refused; learner/selfplay_coordinator.cpp). The answer
      // that showed it scores 0, as a wrong one does: were it dropped, an unsure solver could
      // pass an input of a kind validation never drew (a list of strings to
      // `list(set(xs))[0]`, whose order follows the hash seed) and leave its group with no
      // penalty to give. An answer on which the program runs past a limit
      // (program_timeout, or resource_limit when only one interpreter met it) scores 0, as a
      // wrong one does (a huge input is no way out of a penalty), and is not counted in the
      // proposer's solve rate: near a limit, which answers finish is a coin.
      ProgramReport r = runner.run(meta_text(task, "program"), entry, {answer},
                                   {meta_text(task, "output")}, /*interpreters=*/2);
      if (auto f = sandbox_failure(r)) return *f;
      // Two values under two hash seeds on an answer that holds a set of strings, and one value
      // whenever the seed was the same (nondeterministic_input: the runner reran it): the
      // set's order decided, which may be the answer's doing. It scores 0, and the learner
      // takes the task out of the buffer without a verdict on the proposal (a task such
      // answers can decide is a coin for the solve rate, but not one the program is known to
      // have thrown).
      if (!r.ok && r.reason == "nondeterministic_input")
        return verdict(false, "hash_ordered_answer", true, {{"error", r.message}});
      if (!r.ok && (r.reason == "nondeterministic_program" || r.reason == "timeout" ||
                    r.reason == "resource_limit" || r.reason == "memory_error"))
        return verdict(false, r.reason == "timeout" ? "program_timeout" : r.reason, true,
                       {{"error", r.message}});
      if (!r.ok && r.reason == "bad_gold") return Verdict::verifier_failure("bad_task", r.message);
      if (!r.ok) {
        const bool unreadable = r.reason == "bad_input" || r.reason == "input_too_long";
        return verdict(false, unreadable ? "bad_answer" : r.reason, !unreadable,
                       {{"error", r.message}});
      }
      const bool ok = r.matches.size() == 1 && r.matches[0];
      return verdict(ok, ok ? "ok" : "wrong_answer", true,
                     {{"got", r.outputs.empty() ? "" : r.outputs[0]}});
    }
    if (kind == "induction") {
      std::vector<std::string> inputs, expected;
      for (const char* part : {"shown", "hidden"}) {
        for (const json& pair : task.meta.value(part, json::array())) {
          inputs.push_back(pair.value("input", std::string()));
          expected.push_back(pair.value("output", std::string()));
        }
      }
      if (inputs.empty())
        return Verdict::verifier_failure("bad_task", "induction task without pairs");
      // The program as plain text, in a ``` fence, or in <program> tags as references show it.
      std::string code = answer;
      const size_t open = code.find("<program>"), close = code.rfind("</program>");
      if (open != std::string::npos && close != std::string::npos && close > open) {
        code = code.substr(open + 9, close - open - 9);
      }
      code = strip_code_fence(code);
      ProgramReport r = runner.run(code, entry, inputs, expected);
      if (auto f = sandbox_failure(r)) return *f;
      if (!r.ok && r.reason == "bad_gold") return Verdict::verifier_failure("bad_task", r.message);
      // The solver's program out of memory on an input the proposer chose: one run cannot tell a
      // limit the heap's shift moves from the program's own fault, so the proposer's solve rate
      // leaves it out (resource_limit); the solver scores 0.
      if (!r.ok && r.reason == "memory_error")
        return verdict(false, "resource_limit", true, {{"error", r.message}});
      // The solver's own program deciding by chance is a wrong answer, and no sign against the
      // task (only an abduction's disagreement, the proposer's program, condemns one).
      if (!r.ok && (r.reason == "nondeterministic_program" || r.reason == "nondeterministic_input"))
        return verdict(false, "nondeterministic_answer", true, {{"error", r.message}});
      if (!r.ok) return verdict(false, r.reason, true, {{"error", r.message}});
      const size_t passed =
          static_cast<size_t>(std::count(r.matches.begin(), r.matches.end(), true));
      const bool ok = passed == inputs.size();
      return verdict(ok, ok ? "ok" : "wrong_answer", true,
                     {{"passed", passed}, {"total", inputs.size()}});
    }
    return Verdict::verifier_failure(
        "bad_task", cat("task ", task.id, ": unknown self-play kind '", kind, "' (meta.kind)"));
  }

 private:
  static std::string meta_text(const Task& task, const char* key) {
    auto it = task.meta.find(key);
    if (it == task.meta.end() || !it->is_string()) {
      fail("task ", task.id, ": self-play meta.", key, " must be text");
    }
    return it->get<std::string>();
  }
};

}  // namespace

SelfPlayVerifierOptions SelfPlayVerifierOptions::read(const json& options,
                                                      const std::string& where) {
  const json obj = options.is_null() ? json::object() : options;  // the reader keeps a reference
  JsonReader r(obj, where);
  SelfPlayVerifierOptions o;
  o.tags = TagNames::from_options(r);
  if (r.has("sandbox")) o.sandbox = SandboxConfig::from_json(r.raw("sandbox"), where + ": sandbox");
  if (r.has("limits")) o.limits = ProgramLimits::from_json(r.raw("limits"), where + ": limits");
  r.done();
  return o;
}

std::unique_ptr<Verifier> make_proposal_verifier(const json& options) {
  return std::make_unique<ProposalVerifier>(
      SelfPlayVerifierOptions::read(options, "proposal verifier options"));
}

std::unique_ptr<Verifier> make_program_verifier(const json& options) {
  return std::make_unique<ProgramVerifier>(
      SelfPlayVerifierOptions::read(options, "program verifier options"));
}

}  // namespace r1
