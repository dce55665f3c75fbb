#include "verifiers/selfplay/program_runner.h"

#include <algorithm>

#include <future>
#include <optional>

#include "core/error.h"
#include "sandbox/pool.h"

namespace r1 {

namespace {

constexpr const char* kMark = "\nR1SP ";
constexpr uint64_t kJudgeSeed = 1;  // the string-hash seed of every judging run
// Reruns under the first judging run's seed when interpreters with other seeds disagree on an
// input holding a set of strings (run()): a coin of the program's own passes all of them with
// a chance of at most 2^-3 for a fair one.
constexpr int kSameSeedReruns = 3;
// Probe inputs behind a proposal's behaviour_key: enough that programs which differ somewhere
// common differ on one (a lone int meets every value from -2 to 12), few enough to cost about
// as much as the proposal's own inputs. The probe run has the judge's hash seed too, so a
// program whose outputs follow the order of a set of strings gets one key, not one per seed.
constexpr int kBehaviourProbes = 16;
// The share of the judge's CPU per input (ProgramLimits::input_cpu_s) a proposal's inputs may
// use when validated.
constexpr double kValidationCpuShare = 0.25;
// The probe run's wall-clock limit. Its work is bounded in CPU time by the runner (three
// probes of 0.1 s may time out), so this only ends a run the machine starves; a tight limit would
// make a loaded machine's keys differ from an idle one's.
constexpr double kProbeRunTimeoutS = 20.0;

ProgramReport failed(const std::string& reason, const std::string& message,
                     bool sandbox_error = false) {
  ProgramReport r;
  r.reason = reason;
  r.message = message;
  r.sandbox_error = sandbox_error;
  return r;
}

std::vector<std::string> strings_of(const json& j) {
  std::vector<std::string> out;
  if (!j.is_array()) return out;
  for (const json& v : j) out.push_back(v.is_string() ? v.get<std::string>() : v.dump());
  return out;
}

// The script's report: the JSON on its one marker line. A second marker line (something else
// wrote to the run's stdout) or an unreadable one fails closed: the program is not trusted.
ProgramReport read_report(const SandboxResult& r) {
  // The runner always ends with exit status 0 right after its report. Anything else (killed,
  // timed out, output cut) means something besides the runner decided how the run ended, and
  // a report line, if any, is not trusted.
  if (!r.ok) return failed("sandbox_error", r.error, true);
  // Every program runs under a CPU limit inside the run ("timeout" in the report), so only a
  // machine that starves the run meets its wall-clock limit.
  if (r.timed_out) return failed("wall_timeout", "the run waited past its wall-clock backstop");
  if (r.signal || !r.exited || r.exit_code != 0 || r.out_truncated) {
    return failed("crashed", r.signal          ? cat("the run was killed by signal ", r.signal)
                             : r.out_truncated ? std::string("the run's output was cut")
                                               : cat("the run exited with status ", r.exit_code));
  }
  const size_t at = r.out.find(kMark);
  if (at == std::string::npos) return failed("crashed", "the run ended without a report");
  if (r.out.find(kMark, at + 1) != std::string::npos) {
    return failed("crashed", "more than one report line: something besides the runner wrote");
  }
  size_t begin = at + std::string(kMark).size();
  size_t end = r.out.find('\n', begin);
  json j = json::parse(r.out.substr(begin, end == std::string::npos ? end : end - begin), nullptr,
                       false);
  if (!j.is_object()) return failed("crashed", "the runner's report is unreadable");
  ProgramReport p;
  p.ok = j.value("ok", false);
  p.reason = j.value("reason", std::string(p.ok ? "ok" : "runtime_error"));
  p.message = j.value("message", std::string());
  p.program_key = j.value("program_key", std::string());
  p.shape_key = j.value("shape_key", std::string());
  p.key = j.value("key", std::string());
  p.behaviour_key = j.value("behaviour_key", std::string());
  p.probe_values = j.value("probe_values", 0);
  p.probe_timeouts = j.value("probe_timeouts", 0);
  p.probe_stateful = j.value("probe_stateful", 0);
  p.ast_nodes = j.value("ast_nodes", 0);
  p.inputs = strings_of(j.value("inputs", json::array()));
  p.outputs = strings_of(j.value("outputs", json::array()));
  for (const json& m : j.value("equal", json::array())) p.matches.push_back(m == true);
  for (const json& m : j.value("fixed", json::array())) p.fixed_points.push_back(m == true);
  for (const json& m : j.value("hash_ordered", json::array())) p.hash_ordered.push_back(m == true);
  p.program_keys = strings_of(j.value("program_keys", json::array()));
  return p;
}

// A run that only the wall clock ended says nothing of the program or the answer: where its
// report decides a verdict, it is a sandbox error (the sample is dropped), not a refusal or a
// wrong answer. (Probe and fixed-point runs that end so leave what they measure unknown.)
ProgramReport starved_is_sandbox_error(ProgramReport r) {
  if (!r.ok && r.reason == "wall_timeout") {
    r.sandbox_error = true;
    r.message = "a starved machine: " + r.message;
  }
  return r;
}

}  // namespace

json ProgramLimits::to_request() const {
  return {{"max_program_bytes", max_program_bytes},
          {"max_ast_nodes", max_ast_nodes},
          {"max_input_bytes", max_input_bytes},
          {"max_output_bytes", max_output_bytes},
          {"max_inputs", max_inputs}};
}

const ConfigFields<ProgramLimits>& ProgramLimits::fields() {
  using C = ProgramLimits;
  static const auto f =
      ConfigFields<C>("program limits")
          .add("max_program_bytes", &C::max_program_bytes, "longer programs are refused",
               at_least<size_t>(1, "must be >= 1"))
          .add("max_ast_nodes", &C::max_ast_nodes, "programs with more syntax nodes are refused",
               at_least(1, "must be >= 1"))
          .add("max_input_bytes", &C::max_input_bytes, "longest argument text of one input",
               at_least<size_t>(1, "must be >= 1"))
          .add("max_output_bytes", &C::max_output_bytes,
               "longest repr of one output (longer: huge_output)",
               at_least<size_t>(1, "must be >= 1"))
          .add("max_inputs", &C::max_inputs, "most inputs per program",
               in_range(1, 64, "must be in [1, 64]"))
          .add("input_cpu_s", &C::input_cpu_s,
               "CPU seconds one input may use when judged; a proposal's inputs must each "
               "finish in a quarter of it",
               must<double>([](double v) { return v > 0 && v <= 60; }, "must be in (0, 60]"))
          .add("timeout_s", &C::timeout_s,
               "wall-clock backstop of one sandbox run, plus 4 * inputs * input_cpu_s",
               must<double>([](double v) { return v > 0 && v <= 600; }, "must be in (0, 600]"))
          .add("memory_mb", &C::memory_mb, "address-space limit of one sandbox run",
               in_range(64, 65536, "must be in [64, 65536]"));
  return f;
}

ProgramRunner::ProgramRunner(SandboxPool& pool, ProgramLimits limits)
    : pool_(pool), limits_(std::move(limits)) {}

std::future<SandboxResult> ProgramRunner::submit(const json& request, uint64_t hash_seed,
                                                 double timeout_s) {
  SandboxRequest req;
  req.stdin_data = request.dump(-1, ' ', false, json::error_handler_t::replace);
  // A fresh interpreter each time, with a fixed string-hash seed: the same program gives the
  // same output whenever it is judged. -S: no site import (faster, nothing from site-packages);
  // not -I, which would ignore PYTHONHASHSEED.
  req.mode = SandboxMode::Command;
  req.argv = {"env",
              cat("PYTHONHASHSEED=", hash_seed),
              pool_.config().python,
              "-S",
              "-c",
              program_runner_py()};
  SandboxLimits sl;
  sl.timeout_s = timeout_s > 0 ? timeout_s : limits_.timeout_s;
  sl.memory_mb = limits_.memory_mb;
  sl.output_bytes = 2 << 20;  // the report alone (the program's prints go to /dev/null)
  req.limits = sl;
  return pool_.submit(std::move(req));
}

ProgramReport ProgramRunner::exec(const json& request, uint64_t hash_seed) {
  return starved_is_sandbox_error(read_report(submit(request, hash_seed).get()));
}

json ProgramRunner::run_request(const std::string& program, const std::string& entry,
                                const std::vector<std::string>& inputs, double cpu_s) const {
  return {{"mode", "run"},    {"program", program},   {"entry", entry},
          {"inputs", inputs}, {"input_cpu_s", cpu_s}, {"limits", limits_.to_request()}};
}

double ProgramRunner::run_wall_s(size_t n, double cpu_s) const {
  return limits_.timeout_s + 4.0 * static_cast<double>(n) * cpu_s;
}

ProgramReport ProgramRunner::validate(const std::string& program, const std::string& entry,
                                      const std::vector<std::string>& inputs) {
  // A quarter of the judge's CPU per input: a program that needs more would be judged near
  // its limit, where a solver's program doing the same work passes or times out by chance.
  const double cpu_s = limits_.input_cpu_s * kValidationCpuShare;
  json req = run_request(program, entry, inputs, cpu_s);
  req["refuse_dead_code"] = true;
  const double wall_s = run_wall_s(inputs.size(), cpu_s);
  ProgramReport first =
      starved_is_sandbox_error(read_report(submit(req, kJudgeSeed, wall_s).get()));
  if (!first.ok) return first;
  // The probes run in a sandbox run of their own, beside the other seeds: they have its whole
  // time limit, and however they end (a probe past its CPU limit is counted in probe_timeouts;
  // a run that fails leaves the key unknown) the validation above stands. The proposal
  // verifier decides what the counts mean (meta.strict_probes).
  json probe = {{"mode", "probe"},  {"program", program},         {"entry", entry},
                {"inputs", inputs}, {"probes", kBehaviourProbes}, {"limits", limits_.to_request()}};
  // Twice, in interpreters with other hash seeds and memory layouts: a program that decides
  // by chance only on inputs other than its own (`next(iter({A, B}))` past an `if` its inputs
  // take) passes the runs above, and its key would be a coin too.
  std::future<SandboxResult> probed = submit(probe, kJudgeSeed, kProbeRunTimeoutS);
  std::future<SandboxResult> probed_again = submit(probe, kJudgeSeed + 2, kProbeRunTimeoutS);
  // The outputs passed back: which pairs' abduction a copy of the output answers. Each call
  // gets as much CPU as the judge's whole run has, so a program slow only on its own outputs is
  // not marked uncopyable while the judge pays the copy. Two interpreters (other hash seeds,
  // other addresses): a pair either finds fixed counts as fixed, against a program that decides
  // by chance. Runs that fail leave them unknown.
  const json fixed = {{"mode", "fixed"},
                      {"program", program},
                      {"entry", entry},
                      {"outputs", first.outputs},
                      {"call_s", limits_.input_cpu_s},
                      {"limits", limits_.to_request()}};
  const double fixed_timeout =
      kProbeRunTimeoutS + 2 * limits_.input_cpu_s * static_cast<double>(2 * first.outputs.size());
  std::vector<std::future<SandboxResult>> fixed_runs;
  for (uint64_t seed : {kJudgeSeed, kJudgeSeed + 1})
    fixed_runs.push_back(submit(fixed, seed, fixed_timeout));
  // More interpreters with other hash seeds (and other memory layouts): output that depends on
  // the order of a set of strings, or on addresses, shows up as a difference. The judge's seed
  // comes first, so the recorded outputs are what judging the same program computes.
  // They run at once (the pool bounds how many run together).
  std::vector<std::future<SandboxResult>> others;
  for (uint64_t seed = kJudgeSeed + 1; seed <= kJudgeSeed + 3; ++seed)
    others.push_back(submit(req, seed, wall_s));
  for (auto& pending : others) {
    ProgramReport other = starved_is_sandbox_error(read_report(pending.get()));
    if (other.sandbox_error) return other;
    if (!other.ok) {
      // Past the CPU limit in one interpreter and not in another: the program is near the limit
      // (the clock, not a coin), which validation refuses as such.
      if (other.reason == "timeout") return other;
      other.message = cat("an interpreter with another hash seed failed where the first did not (",
                          other.reason, ": ", other.message, ")");
      other.reason = "nondeterministic";
      return other;
    }
    if (other.outputs != first.outputs || other.key != first.key) {
      return failed("nondeterministic",
                    "interpreters with different hash seeds gave different outputs (set order, "
                    "addresses?)");
    }
  }
  ProgramReport behaviour = read_report(probed.get());
  if (behaviour.sandbox_error) return behaviour;
  ProgramReport behaviour_again = read_report(probed_again.get());
  if (behaviour_again.sandbox_error) return behaviour_again;
  if (behaviour.ok && behaviour_again.ok &&
      (behaviour.behaviour_key != behaviour_again.behaviour_key ||
       behaviour.probe_values != behaviour_again.probe_values)) {
    // A probe near its CPU limit may end in one run and not the other: that is the clock, not
    // a coin in the program (and probes judge nothing). The run with more timeouts stands, so
    // that strict probes refuse it as probe_timeout.
    if (behaviour.probe_timeouts == 0 && behaviour_again.probe_timeouts == 0)
      return failed("nondeterministic",
                    "two probe runs with different hash seeds and memory layouts gave different "
                    "values on the same probe inputs");
    if (behaviour_again.probe_timeouts > behaviour.probe_timeouts) behaviour = behaviour_again;
  }
  if (!behaviour_again.ok) behaviour.ok = false;  // a starved run: the key stays unknown
  // A program that keeps state between calls (`def f(xs, acc=[])`) agrees with itself on its
  // own inputs and not on others: judged on a solver's input it would look like a coin and
  // condemn a task the solver answered right. Refused here, where the probes show it.
  if ((behaviour.ok && behaviour.probe_stateful > 0) ||
      (behaviour_again.ok && behaviour_again.probe_stateful > 0))
    return failed("nondeterministic",
                  "two calls on a probe input gave different values (state kept between calls)");
  for (auto& pending : fixed_runs) {
    ProgramReport f = read_report(pending.get());
    if (f.sandbox_error) return f;
    if (!f.ok || f.fixed_points.size() != first.outputs.size()) continue;
    if (first.fixed_points.empty()) first.fixed_points.assign(first.outputs.size(), false);
    for (size_t i = 0; i < f.fixed_points.size(); ++i)
      if (f.fixed_points[i]) first.fixed_points[i] = true;
  }
  if (behaviour.ok) {
    first.probed = true;
    first.behaviour_key = behaviour.behaviour_key;
    first.probe_values = behaviour.probe_values;
    first.probe_timeouts = behaviour.probe_timeouts;
  }
  return first;
}

ProgramReport ProgramRunner::program_keys(const std::vector<std::string>& programs,
                                          const std::string& entry) {
  ProgramReport r = exec({{"mode", "keys"},
                          {"programs", programs},
                          {"entry", entry},
                          {"limits", limits_.to_request()}},
                         kJudgeSeed);
  if (r.ok && r.program_keys.size() != programs.size())
    return failed("crashed", "the runner gave the wrong number of program keys");
  return r;
}

ProgramReport ProgramRunner::run(const std::string& program, const std::string& entry,
                                 const std::vector<std::string>& inputs,
                                 const std::vector<std::string>& expected, int interpreters) {
  R1_CHECK(expected.empty() || expected.size() == inputs.size(),
           "program runner: expected outputs must match the inputs one to one");
  R1_CHECK(interpreters >= 1 && interpreters <= 4, "program runner: 1 to 4 interpreters");
  const json req = run_request(program, entry, inputs, limits_.input_cpu_s);
  const double wall_s = run_wall_s(inputs.size(), limits_.input_cpu_s);
  std::vector<std::future<SandboxResult>> runs;
  for (int k = 0; k < interpreters; ++k)
    runs.push_back(submit(req, kJudgeSeed + static_cast<uint64_t>(k), wall_s));
  std::vector<ProgramReport> reports;
  for (auto& pending : runs)
    reports.push_back(starved_is_sandbox_error(read_report(pending.get())));
  for (const ProgramReport& r : reports)
    if (r.sandbox_error) return r;
  // A program whose two calls on one input disagreed, in any interpreter, decided by chance:
  // both calls get copies of one parsed input under one hash seed, so not the input's doing.
  for (const ProgramReport& r : reports)
    if (!r.ok && r.reason == "nondeterministic")
      return failed("nondeterministic_program", "two calls on the same input gave two values");
  // Limits met in one interpreter and not in another are the clock or the heap's random shift,
  // not the answer: "resource_limit", which says nothing of it (a solver cannot get an honest
  // task condemned by answering near a limit, and the learner leaves such answers out of the
  // proposer's solve rate). Out of memory in every interpreter is "memory_error": a program may
  // raise MemoryError on purpose, so it counts, unless the same task's other answers show the
  // limit moving (learner/selfplay_coordinator.cpp). (Recursion depth is the same in every run,
  // so a RecursionError on one side only is a coin like any other.)
  const auto memory = [](const ProgramReport& r) {
    return !r.ok && (r.reason == "crashed" ||
                     (r.reason == "runtime_error" && r.message.rfind("MemoryError", 0) == 0));
  };
  const auto resource = [&](const ProgramReport& r) {
    return memory(r) || (!r.ok && r.reason == "timeout");
  };
  ProgramReport r = reports.front();
  const auto differs = [&](const ProgramReport& one) {
    return one.ok != r.ok || (r.ok && one.outputs != r.outputs) ||
           (!r.ok && one.reason != r.reason);
  };
  // `one` against the first run: a limit met by one of them only, as resource_limit.
  const auto limit_split = [&](const ProgramReport& one) -> std::optional<ProgramReport> {
    if (!differs(one) || !(resource(r) || resource(one))) return std::nullopt;
    ProgramReport limited = resource(one) ? one : r;
    limited.message = cat("a limit met in one run and not in another (", limited.reason, ": ",
                          limited.message, ")");
    limited.reason = "resource_limit";
    return limited;
  };
  bool all_memory = true;
  for (const ProgramReport& one : reports) {
    all_memory = all_memory && memory(one);
    if (auto limited = limit_split(one)) return *limited;
  }
  if (all_memory) {
    r.reason = "memory_error";
    return r;
  }
  // Interpreters with other hash seeds disagreeing on an input that holds a set of strings may
  // owe it to the input (its order follows the seed: even `for x in xs: return x` gives two
  // values). Then the first interpreter's seed runs again, kSameSeedReruns times: if those
  // runs all agree with it, the seed alone decided, "nondeterministic_input" (the answer's, no
  // sign against the program); if any differs, the program has a coin of its own (addresses,
  // state), "nondeterministic_program".
  const bool input_ordered = std::any_of(reports.begin(), reports.end(), [](const auto& one) {
    return std::find(one.hash_ordered.begin(), one.hash_ordered.end(), true) !=
           one.hash_ordered.end();
  });
  const auto seed_alone_decided = [&]() -> std::optional<ProgramReport> {
    std::vector<std::future<SandboxResult>> again;
    for (int k = 0; k < kSameSeedReruns; ++k) again.push_back(submit(req, kJudgeSeed, wall_s));
    bool agree = true;
    for (auto& pending : again) {
      ProgramReport one = starved_is_sandbox_error(read_report(pending.get()));
      if (one.sandbox_error) return one;
      // A rerun past a limit is the clock or the heap's shift, as above, not a coin.
      if (auto limited = limit_split(one)) return *limited;
      agree = agree && !differs(one);
    }
    if (!agree) return std::nullopt;
    return failed("nondeterministic_input",
                  "an input holding a set of strings gave two values under two hash seeds, "
                  "and one value whenever the seed was the same");
  };
  for (size_t k = 1; k < reports.size(); ++k) {
    const ProgramReport& other = reports[k];
    if (differs(other)) {
      if (input_ordered) {
        if (std::optional<ProgramReport> seed = seed_alone_decided()) return *seed;
      }
      return failed(
          "nondeterministic_program",
          r.ok && other.ok
              ? std::string("the same input gave two values in two interpreters (other "
                            "hash seeds and memory layouts)")
              : cat("the same input gave ", r.ok ? "a value" : r.reason, " in one interpreter and ",
                    other.ok ? "a value" : other.reason, " in another"));
    }
  }
  if (!r.ok || expected.empty()) return r;
  // Compared in a process that runs no program: the one that ran it never sees the expected
  // outputs.
  json pairs = json::array();
  for (size_t i = 0; i < expected.size(); ++i)
    pairs.push_back(json::array({r.outputs.at(i), expected[i]}));
  ProgramReport c = exec({{"mode", "compare"}, {"pairs", pairs}}, kJudgeSeed);
  if (!c.ok) return c;  // bad_gold: the task's outputs are not literals
  r.matches = c.matches;
  if (r.matches.size() != expected.size()) return failed("crashed", "the comparison is incomplete");
  return r;
}

ProgramReport ProgramRunner::compare(const std::string& answer, const std::string& gold) {
  json pairs = json::array({json::array({answer, gold})});  // (a braced pair would be an object)
  ProgramReport r = exec({{"mode", "compare"}, {"pairs", pairs}}, kJudgeSeed);
  if (r.ok) r.equal = r.matches.size() == 1 && r.matches[0];
  return r;
}

json report_triplet(const std::string& program, const std::string& entry, const ProgramReport& r) {
  return {{"program", program},
          {"entry", entry},
          {"inputs", r.inputs},
          {"outputs", r.outputs},
          {"key", r.key},
          {"program_key", r.program_key},
          {"shape_key", r.shape_key},
          {"behaviour_key", r.behaviour_key},
          {"ast_nodes", r.ast_nodes},
          {"fixed_points", r.fixed_points}};
}

}  // namespace r1
