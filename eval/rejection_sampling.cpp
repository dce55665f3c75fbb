#include "eval/rejection_sampling.h"

#include <cctype>
#include <chrono>
#include <map>
#include <memory>
#include <optional>

#include "core/fs.h"
#include "tasks/generator.h"
#include "verifiers/completion.h"
#include "verifiers/registry.h"

namespace r1 {

json RejectionStats::to_json() const {
  return {{"tasks", tasks},
          {"held_out", held_out},
          {"samples", samples},
          {"correct", correct},
          {"wrong", wrong},
          {"bad_format", bad_format},
          {"verifier_errors", verifier_errors},
          {"invalid_text", invalid_text},
          {"cut_fails", cut_fails},
          {"duplicates", duplicates},
          {"over_cap", over_cap},
          {"kept", kept},
          {"prompts_kept", prompts_kept},
          {"prompts", prompts},
          {"seconds", seconds}};
}

namespace {

// Two completions are the same when they differ only in whitespace.
std::string without_whitespace(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s)
    if (!std::isspace(static_cast<unsigned char>(c))) out += c;
  return out;
}

}  // namespace

std::string trim_kept_completion(const std::string& completion, const ChatTemplate& chat) {
  std::string s = completion;
  const size_t end = rfind_text(s, "</answer>");
  if (end != std::string::npos) s.resize(end + std::string("</answer>").size());
  const std::string& eot = chat.end_of_turn;
  while (!eot.empty() && s.size() >= eot.size() &&
         s.compare(s.size() - eot.size(), eot.size(), eot) == 0)
    s.resize(s.size() - eot.size());
  return s;
}

Rejudge task_verifiers() {
  auto made = std::make_shared<std::map<std::string, std::unique_ptr<Verifier>>>();
  return [made](const Task& task, const std::string& completion) {
    auto& v = (*made)[task.verifier];
    if (!v) v = make_verifier(task.verifier);
    return verify_guarded(*v, task, completion);
  };
}

RejectionFilter::RejectionFilter(int keep, bool require_format, ChatTemplate chat, Rejudge rejudge)
    : keep_(keep),
      require_format_(require_format),
      chat_(std::move(chat)),
      rejudge_(std::move(rejudge)) {
  if (keep_ < 1) fail("rejection sampling: keep must be >= 1, got ", keep_);
  if (!rejudge_) fail("rejection sampling: no verifier to judge cut completions");
}

std::optional<json> RejectionFilter::offer(const Task& task, const SampleOutcome& sample,
                                           const std::string& suite) {
  ++stats_.samples;
  const Verdict& v = sample.verdict;
  if (v.verifier_error) {
    ++stats_.verifier_errors;
    return std::nullopt;
  }
  if (!v.correct) {
    ++stats_.wrong;
    return std::nullopt;
  }
  ++stats_.correct;
  if (require_format_ && !v.format_ok) {
    ++stats_.bad_format;
    return std::nullopt;
  }
  const std::string text = trim_kept_completion(sample.completion, chat_);
  if (valid_utf8(text) != text || valid_utf8(task.prompt) != task.prompt) {
    ++stats_.invalid_text;
    return std::nullopt;
  }
  if (text != sample.completion) {
    const Verdict again = rejudge_(task, text);
    if (again.verifier_error || !again.correct || (require_format_ && !again.format_ok)) {
      ++stats_.cut_fails;
      return std::nullopt;
    }
  }
  const std::string pkey = prompt_key(task.prompt);
  if (!seen_.insert(pkey + '\x1f' + without_whitespace(text)).second) {
    ++stats_.duplicates;
    return std::nullopt;
  }
  int& n = per_prompt_[pkey];
  if (n >= keep_) {
    ++stats_.over_cap;
    return std::nullopt;
  }
  if (n++ == 0) ++stats_.prompts_kept;
  ++stats_.kept;
  return json{{"prompt", task.prompt}, {"completion", text}, {"id", task.id},
              {"suite", suite},        {"reason", v.reason}, {"task", task.to_json()}};
}

RejectionStats rejection_sample(
    Model<float>& model, const Tokenizer& tok, const std::vector<SuiteSpec>& suites,
    const RejectionOptions& opt, const std::string& out_path,
    const std::function<void(size_t, size_t, const std::string&)>& progress) {
  const auto t0 = std::chrono::steady_clock::now();
  const Holdout holdout(opt.holdout);
  EvalOptions eo = opt.eval;
  eo.greedy = false;  // only the K samples are candidates
  Evaluator ev(model, tok, eo);
  // Every suite loads, loses its held-out problems and fits the model before any sampling.
  std::vector<std::vector<Task>> kept_tasks;
  RejectionFilter filter(opt.keep, opt.require_format, opt.eval.chat, task_verifiers());
  std::unordered_set<std::string> prompts;
  RejectionStats held;
  for (const SuiteSpec& s : suites) {
    std::vector<Task> tasks = ev.prepare(s);
    std::unique_ptr<TaskGenerator> gen;
    if (!s.family.empty()) gen = make_generator(s.family, s.options, s.text);
    std::vector<Task> left;
    for (Task& t : tasks) {
      if (!holdout.empty() && holdout.contains(t, gen.get())) {
        ++held.held_out;
      } else {
        prompts.insert(prompt_key(t.prompt));
        left.push_back(std::move(t));
      }
    }
    held.tasks += static_cast<int64_t>(left.size());
    kept_tasks.push_back(std::move(left));
  }
  std::string lines;
  for (size_t i = 0; i < suites.size(); ++i) {
    if (kept_tasks[i].empty()) continue;
    SuiteResult r = ev.run(suites[i], std::move(kept_tasks[i]), [&](size_t done, size_t total) {
      if (progress) progress(done, total, suites[i].text);
    });
    for (const TaskOutcome& t : r.tasks) {
      for (const SampleOutcome& s : t.samples) {
        if (auto line = filter.offer(t.task, s, suites[i].text))
          lines += line->dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
      }
    }
  }
  write_file_atomic(out_path, lines);
  RejectionStats stats = filter.stats();
  stats.tasks = held.tasks;
  stats.held_out = held.held_out;
  stats.prompts = static_cast<int64_t>(prompts.size());
  stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return stats;
}

}  // namespace r1
