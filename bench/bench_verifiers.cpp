// r1 bench verifiers: how fast verdicts come.
//   - sandboxed Python executions per second of a trivial program, `concurrency` in flight,
//     against the same-run reference of plain fork+exec of `python3 -I -c pass` (no sandbox)
//     with as many workers;
//   - python-verifier verdicts per second on a HumanEval-shaped task (harness and solution
//     processes, tests, nonce);
//   - math verdicts per second (make_verifier("math")), on as many threads;
//   - the isolation layers that were active.
#include <spawn.h>
#include <sys/wait.h>

#include <atomic>
#include <cstdio>
#include <deque>
#include <future>
#include <thread>

#include "core/args.h"
#include "bench/bench.h"
#include "bench/bench_util.h"
#include "core/json.h"
#include "verifiers/python/python_verifier.h"
#include "verifiers/registry.h"
#include "sandbox/sandbox.h"

extern char** environ;

namespace r1 {

namespace {

// Runs of `make()` kept `window` deep for `seconds`; returns completed runs per second and
// counts those that failed.
double sandbox_rate(SandboxPool& pool, const SandboxRequest& req, int window, double seconds,
                    int64_t* runs, int64_t* failures) {
  std::deque<std::future<SandboxResult>> inflight;
  *runs = 0;
  *failures = 0;
  double t0 = steady_seconds(), end = t0 + seconds;
  while (steady_seconds() < end || !inflight.empty()) {
    while (steady_seconds() < end && static_cast<int>(inflight.size()) < window) {
      inflight.push_back(pool.submit(req));
    }
    SandboxResult r = inflight.front().get();
    inflight.pop_front();
    ++*runs;
    if (!r.ok || r.timed_out || r.exit_code != 0) ++*failures;
  }
  return *runs / (steady_seconds() - t0);
}

// fork+exec of the interpreter, `workers` threads each running one after another.
double plain_exec_rate(const std::string& python, int workers, double seconds, int64_t* runs) {
  std::atomic<int64_t> count{0};
  double t0 = steady_seconds(), end = t0 + seconds;
  std::vector<std::thread> threads;
  for (int w = 0; w < workers; ++w) {
    threads.emplace_back([&] {
      char* argv[] = {const_cast<char*>(python.c_str()), const_cast<char*>("-I"),
                      const_cast<char*>("-c"), const_cast<char*>("pass"), nullptr};
      while (steady_seconds() < end) {
        pid_t pid;
        if (posix_spawn(&pid, python.c_str(), nullptr, nullptr, argv, environ) != 0) return;
        int status;
        waitpid(pid, &status, 0);
        ++count;
      }
    });
  }
  for (auto& t : threads) t.join();
  *runs = count;
  return count / (steady_seconds() - t0);
}

// verify() calls from `threads` threads on the same verifier for `seconds`.
double verdict_rate(Verifier& v, const std::vector<std::pair<Task, std::string>>& items,
                    int threads, double seconds, int64_t* verdicts, int64_t* correct) {
  std::atomic<int64_t> n{0}, ok{0};
  double t0 = steady_seconds(), end = t0 + seconds;
  std::vector<std::thread> pool;
  for (int w = 0; w < threads; ++w) {
    pool.emplace_back([&, w] {
      size_t i = static_cast<size_t>(w);
      while (steady_seconds() < end) {
        for (int k = 0; k < 64; ++k, ++i) {
          const auto& [task, completion] = items[i % items.size()];
          ok += v.verify(task, completion).correct;
          ++n;
        }
      }
    });
  }
  for (auto& t : pool) t.join();
  *verdicts = n;
  *correct = ok;
  return n / (steady_seconds() - t0);
}

std::vector<std::pair<Task, std::string>> math_items() {
  struct Row {
    const char* answer;
    const char* completion;
  } rows[] = {
      {"42", "<think>6*7 = 42</think><answer>42</answer>"},
      {"\\frac{1}{2}", "<think>half</think><answer>0.5</answer>"},
      {"1,234", "The total is 1234 dollars."},
      {"2x+1", "<think>expand</think><answer>1 + 2x</answer>"},
      {"\\sqrt{2}", "so the answer is \\boxed{\\sqrt{2}}"},
      {"(1, 2]", "<answer>(1,2]</answer>"},
      {"3\\pi", "<think>..</think><answer>3\\pi</answer>"},
      {"-7", "<think>wrong</think><answer>7</answer>"},
  };
  std::vector<std::pair<Task, std::string>> out;
  for (const auto& r : rows) {
    Task t;
    t.id = "bench";
    t.verifier = "math";
    t.answer = r.answer;
    out.emplace_back(t, r.completion);
  }
  return out;
}

}  // namespace

int bench_verifiers(int argc, char** argv) {
  Args args("bench verifiers",
            "Sandboxed Python executions/s (with a plain fork+exec reference), python-verifier and "
            "math verdicts/s, and the sandbox's active isolation layers.");
  args.opt("seconds", "S", "time per measurement", "3")
      .opt("concurrency", "N", "runs in flight and verifier threads (0: one per core)", "0")
      .opt("python", "PATH", "interpreter for the sandbox and the reference", "/usr/bin/python3")
      .opt("sandbox", "JSON",
           "sandbox options (sandbox/config.h), e.g. '{\"landlock\": false}'", "{}");
  if (!args.parse(argc, argv)) return 0;
  const double seconds = args.number("seconds");
  if (!(seconds > 0)) fail("--seconds: must be positive");
  int concurrency = static_cast<int>(args.integer("concurrency"));
  if (concurrency < 0) fail("--concurrency: must be >= 0");
  if (concurrency == 0)
    concurrency = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));

  SandboxConfig cfg =
      SandboxConfig::from_json(parse_json(args.str("sandbox"), "--sandbox"), "--sandbox");
  cfg.python = args.str("python");
  cfg.concurrency = concurrency;
  SandboxPool pool(cfg);

  SandboxRequest trivial;
  trivial.code = "pass";
  int64_t warm_runs, warm_fail;
  sandbox_rate(pool, trivial, 2 * concurrency, std::min(0.5, seconds), &warm_runs, &warm_fail);
  int64_t runs = 0, failures = 0;
  double sandboxed = sandbox_rate(pool, trivial, 2 * concurrency, seconds, &runs, &failures);
  int64_t ref_runs = 0;
  double reference = plain_exec_rate(cfg.python, concurrency, seconds, &ref_runs);

  json out;
  out["bench"] = "verifiers";
  out["cores"] = std::thread::hardware_concurrency();
  out["concurrency"] = concurrency;
  out["sandbox"] = {
      {"python_execs_per_s", sandboxed},
      {"program", "pass"},
      {"runs", runs},
      {"failures", failures},
      {"target_per_s", 100},
      {"reference",
       {{"what", "fork+exec " + cfg.python + " -I -c pass, unsandboxed"},
        {"execs_per_s", reference},
        {"runs", ref_runs}}},
      {"ratio_to_reference", reference > 0 ? sandboxed / reference : 0.0},
      {"isolation", pool.isolation().to_json()},
  };

  {
    PythonVerifierOptions opts;
    opts.sandbox = cfg;
    PythonVerifier python(opts);
    Task t;
    t.id = "bench/add";
    t.verifier = "python";
    t.entry_point = "add";
    t.prompt = "def add(a, b):\n    \"\"\"Return a + b.\"\"\"\n";
    t.tests =
        "def check(candidate):\n    assert candidate(1, 2) == 3\n    assert candidate(-4, 4) == "
        "0\n";
    std::vector<std::pair<Task, std::string>> items = {
        {t, "<think>sum</think><answer>\ndef add(a, b):\n    return a + b\n</answer>"}};
    Verdict first = python.verify(items[0].first, items[0].second);
    if (!first.correct) {
      // A figure for failing verdicts would measure the failure path, not the verifier.
      out["python_verifier"] = {{"verdicts_per_s", nullptr}, {"error", first.to_json()}};
    } else {
      int64_t n = 0, ok = 0;
      double rate = verdict_rate(python, items, 2 * concurrency, seconds, &n, &ok);
      out["python_verifier"] = {
          {"verdicts_per_s", rate},
          {"verdicts", n},
          {"correct", ok},
          {"task", "HumanEval-shaped add(a, b), check(candidate) with 2 asserts"}};
    }
  }

  if (has_verifier("math")) {
    auto math = make_verifier("math");
    auto items = math_items();
    int64_t n = 0, ok = 0;
    double multi = verdict_rate(*math, items, concurrency, seconds, &n, &ok);
    int64_t n1 = 0, ok1 = 0;
    double single = verdict_rate(*math, items, 1, std::min(seconds, 1.0), &n1, &ok1);
    out["math"] = {{"verdicts_per_s", multi},
                   {"threads", concurrency},
                   {"verdicts_per_s_1_thread", single},
                   {"verdicts", n},
                   {"correct_fraction", n ? double(ok) / n : 0.0},
                   {"target_per_s", 20000}};
  } else {
    out["math"] = nullptr;
    out["math_note"] = "no verifier named \"math\" is registered in this build";
  }
  std::printf("%s\n", out.dump(2).c_str());
  return 0;
}

}  // namespace r1
