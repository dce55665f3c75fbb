#include "eval/rejection_sampling.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <optional>

#include "core/fs.h"
#include "core/log.h"
#include "tasks/generator.h"
#include "verifiers/completion.h"
#include "verifiers/registry.h"

namespace r1 {

namespace {

// Every count of RejectionStats, by its JSON name: to_json and from_json read one list.
constexpr std::pair<const char*, int64_t RejectionStats::*> kCounts[] = {
    {"tasks", &RejectionStats::tasks},
    {"held_out", &RejectionStats::held_out},
    {"samples", &RejectionStats::samples},
    {"correct", &RejectionStats::correct},
    {"wrong", &RejectionStats::wrong},
    {"bad_format", &RejectionStats::bad_format},
    {"verifier_errors", &RejectionStats::verifier_errors},
    {"invalid_text", &RejectionStats::invalid_text},
    {"cut_fails", &RejectionStats::cut_fails},
    {"duplicates", &RejectionStats::duplicates},
    {"over_cap", &RejectionStats::over_cap},
    {"kept", &RejectionStats::kept},
    {"prompts_kept", &RejectionStats::prompts_kept},
    {"prompts", &RejectionStats::prompts}};

}  // namespace

json RejectionStats::to_json() const {
  json j = json::object();
  for (const auto& [name, field] : kCounts) j[name] = this->*field;
  j["seconds"] = seconds;
  return j;
}

RejectionStats RejectionStats::from_json(const json& j) {
  RejectionStats s;
  for (const auto& [name, field] : kCounts) s.*field = j.at(name).get<int64_t>();
  s.seconds = j.at("seconds").get<double>();
  return s;
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

// A kept completion of a prompt, as the filter remembers it.
std::string completion_key(const std::string& prompt_key, const std::string& completion) {
  return prompt_key + '\x1f' + without_whitespace(completion);
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
  std::string key = completion_key(pkey, text);
  // Only kept completions are remembered, so the state is exactly what the kept lines say
  // (restore() rebuilds it from them).
  if (seen_.count(key)) {
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
  seen_.insert(std::move(key));
  return json{{"prompt", task.prompt}, {"completion", text}, {"id", task.id},
              {"suite", suite},        {"reason", v.reason}, {"task", task.to_json()}};
}

void RejectionFilter::restore(const std::vector<json>& kept, const RejectionStats& stats) {
  per_prompt_.clear();
  seen_.clear();
  for (const json& line : kept) {
    const std::string pkey = prompt_key(line.at("prompt").get<std::string>());
    ++per_prompt_[pkey];
    seen_.insert(completion_key(pkey, line.at("completion").get<std::string>()));
  }
  stats_ = stats;
}

namespace {

// The journal of a sampling in progress, "<out>.partial": a header line with the settings, then
// per part of a suite its kept lines and a mark {"r1_part": {"suite", "next", "stats"}}, each
// part appended and synced. A part counts once its mark is on disk; anything after the last
// mark (a part cut short by a kill) is cut off when the journal is read back.
class Journal {
 public:
  Journal(std::string path, json settings)
      : path_(std::move(path)), settings_(std::move(settings)) {}
  ~Journal() {
    if (fd_ >= 0) ::close(fd_);
  }
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  // Reads a journal left by a stopped run with the same settings: its kept lines (parsed, and
  // as text) and its last mark. False when there is none, or no part was finished.
  bool load(std::vector<json>* kept, std::string* kept_text, json* mark) {
    if (!file_exists(path_)) return false;
    const std::string text = read_file(path_);
    size_t pos = 0, good_end = 0, pending_from = 0;
    bool header = false;
    std::vector<json> pending;
    try {
      while (pos < text.size()) {
        const size_t nl = text.find('\n', pos);
        if (nl == std::string::npos) break;  // a line cut short
        json j = json::parse(text.begin() + pos, text.begin() + nl, nullptr, false);
        const size_t line_start = pos;
        pos = nl + 1;
        if (j.is_discarded() || !j.is_object()) break;
        if (!header) {
          if (!j.contains("r1_rejection_journal")) fail("not a rejection-sampling journal");
          if (j["settings"] != settings_) {
            fail("a sampling with other settings was stopped here (differing: ",
                 json::diff(j["settings"], settings_).dump(), ")");
          }
          header = true;
          pending_from = pos;
        } else if (j.contains("r1_part")) {
          RejectionStats::from_json(j["r1_part"].at("stats"));  // a mark that reads back
          for (json& k : pending) kept->push_back(std::move(k));
          *kept_text += text.substr(pending_from, line_start - pending_from);
          pending.clear();
          pending_from = pos;
          *mark = j["r1_part"];
        } else {
          if (!j.contains("prompt") || !j.contains("completion")) break;
          pending.push_back(std::move(j));
          continue;
        }
        good_end = pos;
      }
    } catch (const std::exception& e) {
      fail(path_, ": ", e.what(), "; remove it to sample from the start");
    }
    if (!header) return false;
    // Continue from the last whole part: what follows it is sampled again.
    write_file_atomic(path_, text.substr(0, good_end));
    open_for_append();
    return !mark->is_null();
  }

  void start() {
    write_file_atomic(path_,
                      json{{"r1_rejection_journal", 1}, {"settings", settings_}}.dump() + "\n");
    open_for_append();
  }

  // One part on disk, durably.
  void add_part(const std::string& kept_lines, const json& mark) {
    const std::string text = kept_lines + json{{"r1_part", mark}}.dump() + "\n";
    size_t off = 0;
    while (off < text.size()) {
      const ssize_t n = ::write(fd_, text.data() + off, text.size() - off);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) fail(path_, ": cannot write the sampling journal: ", std::strerror(errno));
      off += static_cast<size_t>(n);
    }
    if (::fdatasync(fd_) != 0)
      fail(path_, ": cannot sync the sampling journal: ", std::strerror(errno));
  }

  void remove() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    std::remove(path_.c_str());
  }

 private:
  void open_for_append() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
    if (fd_ < 0) fail(path_, ": cannot open the sampling journal: ", std::strerror(errno));
  }

  std::string path_;
  json settings_;
  int fd_ = -1;
};

std::string dump_line(const json& line) {
  return line.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace

std::string rejection_journal_path(const std::string& out_path) {
  return out_path + ".partial";
}

void remove_rejection_journal(const std::string& out_path) {
  std::remove(rejection_journal_path(out_path).c_str());
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
  json suite_texts = json::array();
  for (const SuiteSpec& s : suites) {
    suite_texts.push_back(s.text);
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

  // Parts of about part_samples completions: a stopped run loses at most one part. Large enough
  // that the batch drains (and the engine is made) rarely.
  const size_t K = static_cast<size_t>(std::max(1, opt.eval.samples));
  const size_t slots = static_cast<size_t>(std::max(1, opt.eval.slots));
  const size_t part_samples = opt.part_samples > 0 ? static_cast<size_t>(opt.part_samples)
                                                   : std::max<size_t>(1024, 16 * slots);
  const size_t part_tasks = std::max<size_t>(1, part_samples / K);
  const json settings = {{"suites", suite_texts},
                         {"sampler", opt.sampler},
                         {"samples", opt.eval.samples},
                         {"keep", opt.keep},
                         {"require_format", opt.require_format},
                         {"holdout", opt.holdout},
                         {"temperature", opt.eval.sampling.temperature},
                         {"top_p", opt.eval.sampling.top_p},
                         {"top_k", opt.eval.sampling.top_k},
                         {"max_new_tokens", opt.eval.max_new_tokens},
                         {"seed", opt.eval.seed},
                         {"stop", opt.eval.stop},
                         {"chat_template", opt.eval.chat.to_json()}};
  const std::string journal_path = rejection_journal_path(out_path);
  Journal journal(journal_path, settings);
  std::string kept_text;  // every kept line so far, as written
  size_t first_suite = 0, first_task = 0;
  double earlier_seconds = 0;
  {
    std::vector<json> kept;
    json mark;
    if (journal.load(&kept, &kept_text, &mark)) {
      const RejectionStats st = RejectionStats::from_json(mark.at("stats"));
      earlier_seconds = st.seconds;
      filter.restore(kept, st);
      first_suite = mark.at("suite").get<size_t>();
      first_task = mark.at("next").get<size_t>();
      log_info("rejection sampling: resuming from ", journal_path, ": ", st.samples,
               " samples done, ", st.kept, " kept");
    } else {
      journal.start();
    }
  }

  for (size_t i = first_suite; i < suites.size(); ++i) {
    const std::vector<Task>& tasks = kept_tasks[i];
    const size_t total = tasks.size() * K;
    const size_t resume_at = i == first_suite ? first_task : 0;
    if (progress && resume_at > 0) progress(resume_at * K, total, suites[i].text);
    for (size_t b = resume_at; b < tasks.size(); b += part_tasks) {
      const size_t e = std::min(tasks.size(), b + part_tasks);
      SuiteResult r = ev.run(
          suites[i], std::vector<Task>(tasks.begin() + b, tasks.begin() + e),
          [&](size_t d, size_t) {
            if (progress) progress(b * K + d, total, suites[i].text);
          },
          b);
      std::string lines;
      for (const TaskOutcome& t : r.tasks) {
        for (const SampleOutcome& s : t.samples) {
          if (auto line = filter.offer(t.task, s, suites[i].text)) lines += dump_line(*line);
        }
      }
      kept_text += lines;
      RejectionStats so_far = filter.stats();
      so_far.seconds = earlier_seconds +
                       std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      // The next part to run: this suite's task e, or the next suite's first.
      const bool suite_done = e == tasks.size();
      journal.add_part(lines, {{"suite", suite_done ? i + 1 : i},
                               {"next", suite_done ? 0 : e},
                               {"stats", so_far.to_json()}});
    }
  }
  write_file_atomic(out_path, kept_text);
  if (!opt.keep_journal) journal.remove();
  RejectionStats stats = filter.stats();
  stats.tasks = held.tasks;
  stats.held_out = held.held_out;
  stats.prompts = static_cast<int64_t>(prompts.size());
  stats.seconds = earlier_seconds +
                  std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return stats;
}

}  // namespace r1
