#include "verifiers/python/python_verifier.h"

#include "core/error.h"
#include "sandbox/pool.h"
#include "verifiers/python/compare_outputs.h"
#include "verifiers/python/extract.h"

namespace r1 {

namespace {

Verdict fail_verdict(const std::string& reason, bool format_ok, json details = json::object()) {
  Verdict v;
  v.reason = reason;
  v.format_ok = format_ok;
  v.details = std::move(details);
  return v;
}

// A harness failure kind (see the zygote script) as a verdict reason.
std::string reason_of(const json& failure) {
  std::string kind = failure.value("kind", std::string());
  std::string type = failure.value("type", std::string());
  if (kind == "assertion" || kind == "test_error" || kind == "bad_return") return "wrong_answer";
  if (kind == "exception") return type == "MemoryError" ? "memory" : "runtime_error";
  if (kind == "load_error") return type == "MemoryError" ? "memory" : "runtime_error";
  if (kind == "syntax_error") return "syntax_error";
  if (kind == "candidate_died") return "early_exit";
  if (kind == "no_entry_point") return "no_entry_point";
  if (kind == "memory") return "memory";
  // The harness failed while the solution ran: only the solution can have caused it.
  if (kind == "harness_fault") return "harness_fault";
  return "runtime_error";
}

json run_details(const SandboxResult& r) {
  json d = r.to_json(600);
  d.erase("ok");
  return d;
}

}  // namespace

const ConfigFields<PythonVerifierOptions>& PythonVerifierOptions::fields() {
  using C = PythonVerifierOptions;
  static const auto f =
      ConfigFields<C>("python verifier options")
          .add("sandbox", &C::sandbox, "the sandbox the tests run in (sandbox below)")
          .add("raw_fallback", &C::raw_fallback,
               "a completion without tags or fences is taken as code")
          .add("max_code_bytes", &C::max_code_bytes, "longer code is refused unrun",
               must<size_t>([](size_t v) { return v > 0; }, "must be positive"));
  return f;
}

PythonVerifier::PythonVerifier(PythonVerifierOptions options)
    : options_(std::move(options)), sandbox_(options_.sandbox) {}
PythonVerifier::~PythonVerifier() = default;

SandboxPool* PythonVerifier::pool(std::string* error) {
  return sandbox_.get(error);
}

namespace {

// A program's text as maj@K tells programs apart: without trailing spaces and blank lines, which
// change nothing a test sees.
std::string code_layout_key(std::string_view code) {
  std::string out;
  size_t at = 0;
  while (at <= code.size()) {
    size_t end = code.find('\n', at);
    if (end == std::string_view::npos) end = code.size();
    std::string_view line = code.substr(at, end - at);
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t' || line.back() == '\r'))
      line.remove_suffix(1);
    if (!line.empty()) out.append(line).push_back('\n');
    at = end + 1;
  }
  return out;
}

}  // namespace

Verdict PythonVerifier::verify(const Task& task, const std::string& completion) {
  try {
    const json* cases = nullptr;
    if (task.meta.is_object() && task.meta.contains("cases") && task.meta["cases"].is_array() &&
        !task.meta["cases"].empty()) {
      cases = &task.meta["cases"];
    }
    if (!cases && task.tests.empty()) {
      return Verdict::verifier_failure("bad_task",
                                       cat("task ", task.id, ": no tests and no meta.cases"));
    }
    if (cases && task.entry_point.empty()) {
      return Verdict::verifier_failure(
          "bad_task", cat("task ", task.id, ": meta.cases without an entry_point"));
    }
    // HumanEval-style tests define check(candidate) and the harness calls it with the entry
    // point. Without one nothing would call it, and any code would pass.
    if (!cases && task.entry_point.empty() && defines_name(task.tests, "check")) {
      return Verdict::verifier_failure(
          "bad_task",
          cat("task ", task.id, ": its tests define check(candidate) but it has no entry_point"));
    }

    std::optional<ExtractedCode> found = extract_python_code(completion, options_.raw_fallback);
    if (!found) return fail_verdict("no_code", false);
    const bool format_ok = found->source != "raw";
    if (found->code.size() > options_.max_code_bytes) {
      return fail_verdict("code_too_long", format_ok, {{"bytes", found->code.size()}});
    }
    std::string code = found->code;
    // A HumanEval prompt is code (imports, helpers the tests call, the stub); an MBPP or
    // generated prompt is prose.
    const bool code_prompt = defines_name(task.prompt, task.entry_point);
    // A HumanEval completion may be the body that continues the prompt's signature.
    bool prepended = false;
    if (code_prompt && !defines_name(code, task.entry_point)) {
      code = task.prompt + (task.prompt.empty() || task.prompt.back() == '\n' ? "" : "\n") + code;
      prepended = true;
    }

    std::string pool_error;
    SandboxPool* sandbox = pool(&pool_error);
    if (!sandbox)
      return Verdict::verifier_failure("sandbox_error", "sandbox unavailable: " + pool_error);

    SandboxRequest req;
    req.code = code;
    req.entry_point = task.entry_point;
    if (cases) {
      req.mode = SandboxMode::Cases;
      req.cases = json::array();
      for (const json& c : *cases) {
        if (!c.is_object() || !c.contains("args") || !c["args"].is_array() ||
            !c.contains("expected")) {
          return Verdict::verifier_failure(
              "bad_task",
              cat("task ", task.id,
                  ": each meta.cases entry needs \"args\" (an array) and \"expected\""));
        }
        json call = {{"args", c["args"]}};
        if (c.contains("kwargs")) call["kwargs"] = c["kwargs"];
        req.cases.push_back(std::move(call));
      }
    } else {
      req.mode = SandboxMode::Check;
      // A prose prompt stays out of the harness.
      if (code_prompt) req.prelude = task.prompt;
      req.tests = task.tests;
    }
    // A whole function written anew leaves out the prompt's imports and helpers: U runs them
    // first (a HumanEval answer without "from typing import List" failed as a NameError).
    const bool context = code_prompt && !prepended;
    if (context) req.context = task.prompt;
    SandboxResult r = sandbox->run(std::move(req));

    json details = run_details(r);
    details[kAnswerKey] = answer_key_of(code_layout_key(found->code));
    details["mode"] = cases ? "cases" : "tests";
    details["code_source"] = found->source;
    if (prepended) details["prompt_prepended"] = true;
    if (context) details["prompt_context"] = true;
    if (!r.ok) {
      Verdict v = Verdict::verifier_failure("sandbox_error", r.error);
      v.format_ok = format_ok;
      v.details.update(details);
      return v;
    }
    if (r.timed_out) return fail_verdict("timeout", format_ok, details);
    if (r.report.is_null()) {
      // The harness wrote nothing trustworthy: fail closed (never verifier_error, which
      // would let a solution that kills its harness dodge a zero).
      return fail_verdict("no_result", format_ok, details);
    }
    const json& rep = r.report;
    const bool clean_exit = r.exited && r.exit_code == 0;
    if (!cases) {
      std::string status = rep.value("status", std::string());
      if (status == "passed" && clean_exit) {
        Verdict v;
        v.score = 1.0;
        v.correct = true;
        v.format_ok = format_ok;
        v.reason = "ok";
        v.details = details;
        return v;
      }
      if (rep.value("kind", std::string()) == "harness_error") {
        Verdict v =
            Verdict::verifier_failure("harness_error", rep.value("error", std::string("?")));
        v.details.update(details);
        return v;
      }
      details["failure"] = rep;
      return fail_verdict(status == "passed" ? "runtime_error" : reason_of(rep), format_ok,
                          details);
    }

    // Cases: compare outside the sandbox.
    if (rep.value("status", std::string()) != "done") {
      if (rep.value("kind", std::string()) == "harness_error") {
        Verdict v =
            Verdict::verifier_failure("harness_error", rep.value("error", std::string("?")));
        v.details.update(details);
        return v;
      }
      details["failure"] = rep;
      return fail_verdict(reason_of(rep), format_ok, details);
    }
    const json outputs = rep.value("outputs", json::array());
    size_t total = cases->size(), passed = 0;
    json first_failure;
    std::string first_reason;
    for (size_t i = 0; i < total; ++i) {
      const json& expected = (*cases)[i]["expected"];
      bool ok = false;
      std::string why = "wrong_answer";
      json got;
      if (i < outputs.size() && outputs[i].is_object()) {
        if (outputs[i].contains("ok")) {
          got = outputs[i]["ok"];
          ok = outputs_equal(got, expected);
        } else if (outputs[i].contains("error") && outputs[i]["error"].is_object()) {
          why = reason_of(outputs[i]["error"]);
          got = outputs[i]["error"];
        }
      } else {
        why = "early_exit";  // the solution died before this case
      }
      if (ok) {
        ++passed;
      } else if (first_failure.is_null()) {
        first_reason = why;
        first_failure = {
            {"case", i}, {"args", (*cases)[i]["args"]}, {"expected", expected}, {"got", got}};
      }
    }
    details["passed"] = passed;
    details["total"] = total;
    if (passed == total && clean_exit && outputs.size() == total) {
      Verdict v;
      v.score = 1.0;
      v.correct = true;
      v.format_ok = format_ok;
      v.reason = "ok";
      v.details = details;
      return v;
    }
    if (!first_failure.is_null()) {
      std::string dumped = first_failure.dump(-1, ' ', false, json::error_handler_t::replace);
      details["first_failure"] =
          dumped.size() <= 2000 ? json::parse(dumped) : json(dumped.substr(0, 2000));
    }
    return fail_verdict(first_reason.empty() ? "runtime_error" : first_reason, format_ok, details);
  } catch (const std::exception& e) {
    // verify() never throws on model output; anything here is ours or the task's.
    return Verdict::verifier_failure("verifier_exception", e.what());
  }
}

std::unique_ptr<Verifier> make_python_verifier(const json& options) {
  return std::make_unique<PythonVerifier>(PythonVerifierOptions::from_json(
      options.is_null() ? json::object() : options, "python verifier options"));
}

}  // namespace r1
