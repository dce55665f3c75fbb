#include "eval/evaluator.h"

#include <algorithm>
#include <chrono>
#include <future>
#include <map>
#include <mutex>

#include "core/thread_pool.h"
#include "eval/estimators.h"
#include "rollout/engine.h"
#include "verifiers/registry.h"

namespace r1 {

int TaskOutcome::correct() const {
  int c = 0;
  for (const auto& s : samples) c += s.verdict.correct;
  return c;
}

Evaluator::Evaluator(Model<float>& model, const Tokenizer& tokenizer, EvalOptions options)
    : model_(model), tok_(tokenizer), opt_(std::move(options)) {
  if (opt_.samples < 1) fail("eval: samples must be >= 1");
  if (opt_.max_new_tokens < 1) fail("eval: max_new_tokens must be >= 1");
  opt_.sampling.validate("eval sampling");
}

std::vector<Task> Evaluator::prepare(const SuiteSpec& suite) const {
  std::vector<Task> tasks = load_suite(suite);
  if (tasks.empty()) fail("suite '", suite.text, "' has no tasks");
  check_fits(suite, tasks);
  return tasks;
}

void Evaluator::check_fits(const SuiteSpec& suite, const std::vector<Task>& tasks) const {
  const int limit = model_.config().max_position_embeddings;
  for (const auto& t : tasks) {
    const size_t n = tok_.encode(opt_.chat.render(t.prompt)).size();
    if (static_cast<int>(n) >= limit) {
      fail("suite '", suite.text, "': task ", t.id, " has a prompt of ", n,
           " tokens; the model holds ", limit,
           " (use a model with a longer context, or fewer/shorter tasks)");
    }
  }
}

SuiteResult Evaluator::run(const SuiteSpec& suite,
                           const std::function<void(size_t, size_t)>& progress) {
  return run(suite, prepare(suite), progress);
}

SuiteResult Evaluator::run(const SuiteSpec& suite, std::vector<Task> tasks,
                           const std::function<void(size_t, size_t)>& progress,
                           uint64_t first_index) {
  const auto t0 = std::chrono::steady_clock::now();
  SuiteResult res;
  res.spec = suite;
  res.samples_per_task = opt_.samples;
  check_fits(suite, tasks);
  const int K = opt_.samples;
  std::vector<std::vector<int32_t>> prompts;
  size_t longest = 0;
  for (const auto& t : tasks) {
    prompts.push_back(tok_.encode(opt_.chat.render(t.prompt)));
    longest = std::max(longest, prompts.back().size());
  }
  // The KV cache holds the longest prompt plus the generation budget, within the model's limit.
  const int max_len = static_cast<int>(std::min<size_t>(
      model_.config().max_position_embeddings, longest + static_cast<size_t>(opt_.max_new_tokens)));

  // One generate call for every sample (and greedy completion): the batch stays full.
  std::vector<GenerationRequest> sampled, greedy;
  for (size_t i = 0; i < tasks.size(); ++i) {
    const std::vector<int32_t>& prompt = prompts[i];
    const int room = max_len - static_cast<int>(prompt.size());
    if (room < 1)
      fail("suite '", suite.text, "': task ", tasks[i].id, " has a prompt of ", prompt.size(),
           " tokens; the model holds ", max_len);
    const int budget = std::min(opt_.max_new_tokens, room);
    const uint64_t index = first_index + i;
    for (int k = 0; k < K; ++k)
      sampled.push_back({prompt, budget, opt_.seed, index * static_cast<uint64_t>(K) + k});
    if (opt_.greedy) greedy.push_back({prompt, budget, opt_.seed, index});
  }
  GenerationOptions gopt(opt_.sampling, opt_.stop, tok_);
  gopt.stop_at_end_of_turn(opt_.chat);
  GenerationEngine gen(model_, opt_.slots, max_len);
  const size_t total = sampled.size() + greedy.size();
  size_t done = 0;
  auto tick = [&](size_t) {
    if (progress) progress(++done, total);
  };
  std::vector<GenerationResult> out = gen.generate(sampled, gopt, tick);
  std::vector<GenerationResult> out_greedy;
  if (opt_.greedy) {
    GenerationOptions g = gopt;
    g.sampling.temperature = 0;
    out_greedy = gen.generate(greedy, g, tick);
  }

  // Verify everything on a pool; verifiers are made once per name and shared.
  std::map<std::string, std::unique_ptr<Verifier>> verifiers;
  for (const auto& t : tasks) {
    if (!verifiers.count(t.verifier)) verifiers[t.verifier] = make_verifier(t.verifier);
  }
  res.tasks.resize(tasks.size());
  ThreadPool pool(opt_.verify_threads > 0 ? static_cast<size_t>(opt_.verify_threads) : 0);
  std::vector<std::future<void>> jobs;
  const int32_t end_of_turn = end_of_turn_token(opt_.chat, tok_);
  auto verify_into = [&](SampleOutcome* dst, const Task* task, const GenerationResult* g) {
    dst->completion = opt_.chat.full_completion(decode_completion(tok_, g->tokens, end_of_turn));
    dst->tokens = static_cast<int>(g->tokens.size());
    dst->finish_reason = g->finish_reason;
    // A user verifier that throws is a verifier error, not a 0.
    dst->verdict = verify_guarded(*verifiers.at(task->verifier), *task, dst->completion);
  };
  for (size_t i = 0; i < tasks.size(); ++i) {
    TaskOutcome& to = res.tasks[i];
    to.task = tasks[i];
    to.samples.resize(K);
    if (opt_.greedy) to.greedy.emplace();
  }
  for (size_t i = 0; i < tasks.size(); ++i) {
    TaskOutcome& to = res.tasks[i];
    for (int k = 0; k < K; ++k) {
      jobs.push_back(
          pool.submit([&, i, k] { verify_into(&to.samples[k], &to.task, &out[i * K + k]); }));
    }
    if (opt_.greedy)
      jobs.push_back(pool.submit([&, i] { verify_into(&*to.greedy, &to.task, &out_greedy[i]); }));
  }
  for (auto& j : jobs) j.get();
  for (auto& to : res.tasks) {
    std::vector<VoteInput> votes;
    for (const auto& s : to.samples) {
      VoteInput in{s.completion, s.verdict.correct};
      in.verifier_error = s.verdict.verifier_error;
      auto key = s.verdict.details.find(kAnswerKey);
      if (key != s.verdict.details.end() && key->is_string())
        in.answer_key = key->get<std::string>();
      votes.push_back(std::move(in));
    }
    to.vote = majority_vote(to.task, votes);
  }
  res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return res;
}

json eval_report(const std::string& model_dir, const EvalOptions& opt) {
  return {{"model", model_dir},
          {"settings",
           {{"samples", opt.samples},
            {"temperature", opt.sampling.temperature},
            {"top_p", opt.sampling.top_p},
            {"max_new_tokens", opt.max_new_tokens},
            {"seed", opt.seed},
            {"greedy", opt.greedy},
            {"chat_template", opt.chat.to_json()}}},
          {"suites", json::array()}};
}

json SuiteResult::summary() const {
  const int K = samples_per_task;
  std::vector<double> p1, greedy_v;
  std::vector<int> correct;
  double fmt = 0, len = 0, maj = 0;
  int errors = 0, by_control = 0, n_samples = 0;
  for (const auto& t : tasks) {
    const int c = t.correct();
    correct.push_back(c);
    p1.push_back(static_cast<double>(c) / K);
    maj += t.vote.correct;
    for (const auto& s : t.samples) {
      fmt += s.verdict.format_ok;
      len += s.tokens;
      errors += s.verdict.verifier_error;
      by_control += s.verdict.scored_by_control;
      ++n_samples;
    }
    if (t.greedy) {
      greedy_v.push_back(t.greedy->verdict.correct ? 1.0 : 0.0);
      errors += t.greedy->verdict.verifier_error;
      by_control += t.greedy->verdict.scored_by_control;
    }
  }
  // Rates live in [0, 1]: rate_ci95 clips the interval to it (and widens an all-0 or all-1 one).
  auto ci = [](const MeanCI& m) {
    return json{{"mean", m.mean}, {"se", m.se}, {"lo", m.lo}, {"hi", m.hi}};
  };
  json pass_k = json::object();
  for (int k = 1; k <= K; k *= 2) {
    double s = 0;
    for (int c : correct) s += pass_at_k(K, c, k);
    pass_k[std::to_string(k)] = tasks.empty() ? 0.0 : s / tasks.size();
  }
  if ((K & (K - 1)) != 0) {  // K not a power of two: report pass@K too
    double s = 0;
    for (int c : correct) s += pass_at_k(K, c, K);
    pass_k[std::to_string(K)] = tasks.empty() ? 0.0 : s / tasks.size();
  }
  const double dn = std::max(1, n_samples);
  json j = {{"suite", spec.text},        {"tasks", tasks.size()},
            {"samples_per_task", K},     {"pass@1", ci(rate_ci95(p1))},
            {"pass@k", pass_k},          {cat("maj@", K), tasks.empty() ? 0.0 : maj / tasks.size()},
            {"format_rate", fmt / dn},   {"mean_response_tokens", len / dn},
            {"verifier_errors", errors}, {"scored_by_control", by_control},
            {"seconds", seconds}};
  json per_task = {{"n", K}, {"correct", correct}};
  if (!greedy_v.empty()) {
    j["greedy_pass@1"] = ci(rate_ci95(greedy_v));
    std::vector<int> g(greedy_v.begin(), greedy_v.end());
    per_task["greedy"] = g;
  }
  std::vector<std::string> ids;
  for (const auto& t : tasks) ids.push_back(t.task.id);
  per_task["ids"] = ids;
  j["per_task"] = per_task;
  return j;
}

}  // namespace r1
