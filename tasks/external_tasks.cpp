#include "tasks/external_tasks.h"

#include "core/clock.h"
#include "core/error.h"
#include "core/log.h"
#include "core/rng.h"

namespace r1 {

namespace {
constexpr int kMalformedShown = 3;  // malformed lines logged per source; the rest are counted
}

const ConfigFields<ExternalTaskOptions>& ExternalTaskOptions::fields() {
  using C = ExternalTaskOptions;
  static const auto f =
      ConfigFields<C>("tasks.mix[i].external")
          .add_custom(
              "command", "argv of the program; a string runs through /bin/sh -c", "(required)",
              [](const json& v, const std::string& where, C& c) {
                c.command = command_from_json(v, where);
              },
              [](const C& c) { return json(c.command); })
          .required()
          .add("name", &C::name, "family of its tasks, and the curriculum's key",
               must<std::string>([](const std::string& s) { return !s.empty(); },
                                 "must not be empty"))
          .add("verifier", &C::verifier,
               "verifier of tasks that name none (\"\": each must name one)")
          .add("batch", &C::batch, "tasks per request",
               in_range<int>(1, 4096, "must be in [1, 4096]"))
          .add("timeout_ms", &C::timeout_ms, "per request; the program is restarted after it",
               at_least<int>(1, "must be at least 1"))
          .add("max_difficulty", &C::max_difficulty,
               "levels 1..N, passed through as \"difficulty\"",
               in_range<int>(1, 1000, "must be in [1, 1000]"))
          .add("attempts", &C::attempts, "failed requests in a row before the source rests",
               in_range<int>(1, 100, "must be in [1, 100]"))
          .add("retry_after_s", &C::retry_after_s,
               "how long a failing source rests (the other sources of the mix serve meanwhile)",
               must_got<double>([](double v) { return v >= 0 && v <= 86400; },
                                "must be in [0, 86400]"));
  return f;
}

json ExternalTaskCounts::to_json() const {
  return {{"requests", requests},       {"tasks", tasks},
          {"restarts", restarts},       {"timeouts", timeouts},
          {"crashes", crashes},         {"malformed", malformed},
          {"unavailable", unavailable}, {"last_problem", last_problem}};
}

ExternalTaskFeed::ExternalTaskFeed(ExternalTaskOptions options, uint64_t stream_seed)
    : options_(std::move(options)),
      stream_seed_(stream_seed),
      proc_(std::make_unique<LineProcess>(options_.command)) {}

ExternalTaskFeed::~ExternalTaskFeed() = default;

void ExternalTaskFeed::problem(const std::string& what) {
  counts_.last_problem = what;
  log_warn("task source '", options_.name, "': ", what);
}

bool ExternalTaskFeed::fetch(uint64_t batch, int difficulty) {
  auto start = [&] {
    std::string error;
    if (proc_->ensure_started(&error)) return true;
    // A program that never started (no such file, not executable) is a config error, not a
    // source resting: the run would wait minutes on it to fail.
    if (proc_->starts() == 0)
      fail("task source '", options_.name,
           "': cannot start its command (tasks.mix[].external"
           ".command): ",
           error);
    problem("cannot start: " + error);
    ++counts_.crashes;
    return false;
  };
  const int starts_before = proc_->starts();
  if (!start()) return false;
  if (starts_before > 0 && proc_->starts() > starts_before) ++counts_.restarts;
  const uint64_t seed =
      hash64(cat("external-tasks:", options_.name, ":", stream_seed_, ":", batch));
  const json req = {{"n", options_.batch}, {"seed", seed}, {"difficulty", difficulty}};
  std::vector<std::string> lines;
  ++counts_.requests;
  auto status = proc_->request_lines(req.dump(), static_cast<size_t>(options_.batch),
                                     std::chrono::milliseconds(options_.timeout_ms), &lines);
  if (LineProcess::sent_nothing(status)) {
    // It exited, or wrote lines nobody asked for, while idle: nothing of this request reached
    // it. A restart, not a failed request: start it again and ask again.
    if (!start()) return false;
    ++counts_.restarts;
    status = proc_->request_lines(req.dump(), static_cast<size_t>(options_.batch),
                                  std::chrono::milliseconds(options_.timeout_ms), &lines);
  }
  const bool died = status == LineProcess::Status::Died || status == LineProcess::Status::DiedIdle;
  if (!answered_) deaths_unanswered_ = died ? deaths_unanswered_ + 1 : 0;
  if (!answered_ && died && deaths_unanswered_ >= options_.attempts) {
    // Dead before its first answer, every time: a wrong command (a script path that does not
    // exist, a program that reads no stdin), not a source resting. Resting would leave a run
    // whose mix has nothing else waiting minutes for it to fail.
    fail("task source '", options_.name, "': its program ended before answering any request, ",
         deaths_unanswered_, " times in a row (the last one ", proc_->last_exit(),
         "; what it wrote to stderr is above): check tasks.mix[].external.command ",
         json(options_.command).dump(-1, ' ', false, json::error_handler_t::replace));
  }
  if (status != LineProcess::Status::Ok) {
    if (status == LineProcess::Status::Timeout) {
      ++counts_.timeouts;
      problem(cat("no answer within ", options_.timeout_ms, " ms (request ", req.dump(),
                  "); restarting it"));
    } else {
      ++counts_.crashes;
      problem(
          cat("the program ", LineProcess::status_name(status), " during request ", req.dump()));
    }
    return false;
  }
  answered_ = true;
  buffer_.clear();
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string where =
        cat("task source '", options_.name, "' batch ", batch, " line ", i + 1);
    try {
      json j = parse_json(lines[i], where);
      if (!j.is_object()) fail(where, ": expected a task object, got ", json_type_name(j));
      // The source's name is the family (the curriculum's key); the level is the one asked for.
      j.erase("family");
      j.erase("difficulty");
      Task t = Task::from_json(j, where);
      if (t.prompt.empty()) fail(where, ": the task has no prompt");
      if (t.verifier.empty()) t.verifier = options_.verifier;
      if (t.verifier.empty())
        fail(where, ": the task names no verifier (or set the source's 'verifier')");
      t.family = options_.name;
      t.difficulty = difficulty;
      if (t.id.empty()) t.id = cat(options_.name, "-s", stream_seed_, "-b", batch, "-", i);
      buffer_.push_back(std::move(t));
    } catch (const std::exception& e) {
      ++counts_.malformed;
      if (malformed_shown_ < kMalformedShown) {
        ++malformed_shown_;
        const std::string shown = lines[i].substr(0, 200);
        problem(cat(
            "skipped a line that is not a task (", e.what(),
            "): ", json(shown).dump(-1, ' ', false, json::error_handler_t::replace),
            malformed_shown_ == kMalformedShown ? " (further ones are counted, not shown)" : ""));
      } else {
        counts_.last_problem = e.what();
      }
    }
  }
  return true;  // answered (buffer_ may still be empty: every line was malformed)
}

std::optional<Task> ExternalTaskFeed::next(int difficulty) {
  // A failed request, or an answer without one task in it, counts towards the rest.
  auto failed = [&]() -> bool {
    if (++failures_in_a_row_ < options_.attempts) return false;
    failures_in_a_row_ = 0;
    resting_until_ = steady_seconds() + options_.retry_after_s;
    problem(cat(options_.attempts, " requests in a row gave no task; the source rests for ",
                options_.retry_after_s, " s and the rest of the mix serves"));
    ++counts_.unavailable;
    return true;
  };
  while (buffer_.empty()) {
    if (steady_seconds() < resting_until_) {
      ++counts_.unavailable;
      return std::nullopt;
    }
    // After a resume the batch being read is fetched again and what was taken is skipped.
    const bool refetch = skip_on_fetch_ > 0;
    const uint64_t b = refetch ? next_batch_ - 1 : next_batch_;
    const int d = refetch ? batch_difficulty_ : difficulty;
    if (!fetch(b, d)) {  // not answered: the same batch is asked for again
      if (failed()) return std::nullopt;
      continue;
    }
    // Answered: the batch is consumed, even when none of its lines was a task.
    if (refetch) {
      for (uint64_t k = 0; k < skip_on_fetch_ && !buffer_.empty(); ++k) buffer_.pop_front();
      taken_ = skip_on_fetch_;
      skip_on_fetch_ = 0;
      if (buffer_.empty()) continue;  // it had been read to its end
    } else {
      next_batch_ = b + 1;
      batch_difficulty_ = d;
      taken_ = 0;
      if (buffer_.empty()) {
        if (failed()) return std::nullopt;
        continue;
      }
    }
    failures_in_a_row_ = 0;
  }
  Task t = std::move(buffer_.front());
  buffer_.pop_front();
  ++taken_;
  ++counts_.tasks;
  return t;
}

json ExternalTaskFeed::state() const {
  // Nothing requested yet: batch 0 is next. Otherwise the batch being read is next_batch_ - 1.
  return {{"next_batch", next_batch_}, {"difficulty", batch_difficulty_}, {"taken", taken_}};
}

void ExternalTaskFeed::load_state(const json& j, const std::string& where) {
  JsonReader r(j, where);
  next_batch_ = r.req<uint64_t>("next_batch");
  batch_difficulty_ = r.req<int>("difficulty");
  const uint64_t taken = r.req<uint64_t>("taken");
  r.done();
  buffer_.clear();
  taken_ = taken;
  // The current batch is fetched again on the next draw, less what was taken; a batch read to
  // its end (or none yet) needs nothing.
  skip_on_fetch_ = next_batch_ > 0 && taken < static_cast<uint64_t>(options_.batch) ? taken : 0;
}

}  // namespace r1
