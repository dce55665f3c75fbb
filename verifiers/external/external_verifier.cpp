#include "verifiers/external/external_verifier.h"

#include <atomic>
#include <condition_variable>
#include <mutex>

#include "core/line_process.h"
#include "verifiers/completion.h"
#include "verifiers/registry.h"

namespace r1 {

namespace {

void read_command(const json& cmd, const std::string& where, ExternalVerifierOptions& o) {
  o.command = command_from_json(cmd, where);
}

}  // namespace

const ConfigFields<ExternalVerifierOptions>& ExternalVerifierOptions::fields() {
  using C = ExternalVerifierOptions;
  static const auto f =
      ConfigFields<C>("external verifier options")
          .add_custom("command", "argv of the program; a string runs through /bin/sh -c",
                      "(required)", read_command, [](const C& c) { return json(c.command); })
          .required()
          .add("timeout_ms", &C::timeout_ms, "per request", at_least<int>(1, "must be at least 1"))
          .add("startup_ms", &C::startup_ms,
               "added to timeout_ms for the first request of a copy just started (its imports)",
               in_range<int>(0, 600000, "must be in [0, 600000]"))
          .add("processes", &C::processes, "concurrent copies of the program",
               in_range<int>(1, 256, "must be in [1, 256]"))
          .add("name", &C::name, "reported as the verifier's name");
  return f;
}

namespace {

constexpr size_t kMaxReasonBytes = 256;

class ExternalVerifier : public Verifier {
 public:
  explicit ExternalVerifier(ExternalVerifierOptions o) : o_(std::move(o)) {
    for (int i = 0; i < o_.processes; ++i) {
      slots_.push_back(std::make_unique<LineProcess>(o_.command));
      free_.push_back(i);
    }
  }

  std::string name() const override { return o_.name; }

  Verdict verify(const Task& task, const std::string& completion) override {
    struct Slot {
      ExternalVerifier& self;
      int index;
      ~Slot() { self.release(index); }  // also when ask throws: a lost slot would hang the rest
    } slot{*this, acquire()};
    return ask(*slots_[slot.index], task, completion);
  }

 private:
  int acquire() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return !free_.empty(); });
    int s = free_.back();
    free_.pop_back();
    return s;
  }
  void release(int s) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      free_.push_back(s);
    }
    cv_.notify_one();
  }

  Verdict error(const std::string& reason, const std::string& what) {
    Verdict v;
    v.verifier_error = true;
    v.reason = reason;
    v.details["error"] = what;
    v.details["command"] = o_.command;
    return v;
  }

  Verdict ask(LineProcess& proc, const Task& task, const std::string& completion) {
    // Model output may be any bytes: the program gets valid UTF-8 (each invalid byte as U+FFFD),
    // and the byte offsets it reports are mapped back onto the completion (spans_to_raw). The
    // line is ASCII (\u escapes), so no reader splits it at U+2028 (JavaScript's readline does).
    std::vector<size_t> raw_offset;
    const std::string text = valid_utf8(completion, &raw_offset);
    // A failure on a process that served earlier requests may be its own, not this
    // completion's: one that exits after each reply (it may still be exiting when this request
    // arrives), one killed while idle, a stray line read as the reply. Such a failure is asked
    // again, once, of a fresh process; a completion that breaks the program breaks that one too,
    // and goes to the gold control (verify_guarded) as before. Timeouts are not asked again.
    const bool used = proc.running();
    bool suspect = false;
    Verdict v = ask_once(proc, task, text, raw_offset, &suspect);
    if (suspect && used) {
      proc.stop();
      v = ask_once(proc, task, text, raw_offset, &suspect);
    }
    return v;
  }

  // One request on `proc` (started if need be). *suspect: it failed in a way an earlier request
  // could have caused (an exit, a reply out of step with the request).
  Verdict ask_once(LineProcess& proc, const Task& task, const std::string& text,
                   const std::vector<size_t>& raw_offset, bool* suspect) {
    *suspect = false;
    std::string why;
    // A copy started for this request has its start-up on top of the request's time: the gold
    // control after a timeout or a crash runs on one, and must not fail for the imports' sake
    // (the completion that broke the program would then be a verifier error, and dropped).
    const bool starting = !proc.running();
    if (!proc.ensure_started(&why)) return error("external_spawn_failed", why);
    const int timeout_ms = o_.timeout_ms + (starting ? o_.startup_ms : 0);
    uint64_t id = next_id_++;
    json req = {{"id", id}, {"task", task.to_json()}, {"completion", text}};
    std::string line = req.dump(-1, ' ', true, json::error_handler_t::replace);
    std::string reply;
    LineProcess::Status st = proc.request(line, std::chrono::milliseconds(timeout_ms), &reply);
    if (st == LineProcess::Status::Timeout) {
      return error("external_timeout",
                   "no reply within " + std::to_string(timeout_ms) + " ms; process killed");
    }
    if (st != LineProcess::Status::Ok) {
      *suspect = true;
      return error("external_crashed", std::string("process ") + LineProcess::status_name(st) +
                                           "; it will be restarted");
    }
    json j;
    try {
      j = parse_json(reply, "reply");
    } catch (const Error& e) {
      proc.stop();  // the stream may be out of step; start clean
      *suspect = true;
      return error("external_bad_reply", std::string(e.what()) + ": " + snippet(reply, 120));
    }
    std::string bad = check_reply(j, id);
    if (!bad.empty()) {
      proc.stop();
      *suspect = true;
      return error("external_bad_reply", bad + ": " + snippet(reply, 120));
    }
    Verdict v;
    // A reply with a score alone is correct at score 1 (the curriculum, pass rates and the gold
    // control read `correct`).
    v.score =
        j.contains("score") ? j["score"].get<double>() : (j.value("correct", false) ? 1.0 : 0.0);
    v.correct = j.contains("correct") ? j["correct"].get<bool>() : v.score >= 1.0;
    v.format_ok = j.value("format_ok", false);
    // Reasons are labels; a long one (a traceback quoting the answer) would ride in every scored
    // message of the group.
    v.reason =
        cut_utf8(j.value("reason", v.correct ? std::string("ok") : std::string("wrong_answer")),
                 kMaxReasonBytes);
    if (j.contains("details")) v.details = j["details"];
    spans_to_raw(v.details, raw_offset);
    v.verifier_error = j.value("verifier_error", false);
    // An error the program reports itself may be the completion's (a scorer that crashes on
    // some answers): verify_guarded asks the control about it, as about a crash.
    if (v.verifier_error) {
      if (!v.details.is_object()) v.details = json{{"reply_details", v.details}};
      v.details["reported_by_verifier"] = true;
    }
    return v;
  }

  // details.wrong_spans are byte ranges of the text the program got: mapped onto the completion's
  // bytes. A range that is not inside that text stays as it is, for the reward function to refuse.
  static void spans_to_raw(json& details, const std::vector<size_t>& raw_offset) {
    if (!details.is_object()) return;
    auto it = details.find(kWrongSpans);
    if (it == details.end() || !it->is_array()) return;
    for (json& e : *it) {
      if (!e.is_array() || e.size() != 2 || !e[0].is_number_integer() || !e[1].is_number_integer())
        continue;
      if (auto r = raw_range(raw_offset, e[0].get<int64_t>(), e[1].get<int64_t>()))
        e = json::array({r->first, r->second});
    }
  }

  static std::string check_reply(const json& j, uint64_t id) {
    if (!j.is_object()) return "reply is not an object";
    if (!j.contains("id") || !j["id"].is_number_unsigned() || j["id"].get<uint64_t>() != id) {
      return "reply id does not match request id " + std::to_string(id);
    }
    if (!j.contains("score") && !j.contains("correct"))
      return "reply has neither 'score' nor 'correct'";
    if (j.contains("score")) {
      if (!j["score"].is_number()) return "'score' is not a number";
      double s = j["score"].get<double>();
      if (!(s >= 0.0 && s <= 1.0)) return "'score' is outside [0, 1]";
    }
    for (const char* b : {"correct", "format_ok", "verifier_error"}) {
      if (j.contains(b) && !j[b].is_boolean()) return std::string("'") + b + "' is not a boolean";
    }
    if (j.contains("reason") && !j["reason"].is_string()) return "'reason' is not a string";
    if (j.contains("details") && !j["details"].is_object()) return "'details' is not an object";
    return {};
  }

  ExternalVerifierOptions o_;
  std::vector<std::unique_ptr<LineProcess>> slots_;
  std::vector<int> free_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::atomic<uint64_t> next_id_{1};
};

}  // namespace

std::unique_ptr<Verifier> make_external_verifier(const ExternalVerifierOptions& options) {
  return std::make_unique<ExternalVerifier>(options);
}

std::unique_ptr<Verifier> make_external_verifier(const json& options) {
  return make_external_verifier(
      ExternalVerifierOptions::from_json(options, "external verifier options"));
}

void register_external_verifier(const std::string& name, ExternalVerifierOptions options) {
  options.name = name;
  register_verifier(
      name,
      [options](const json& extra) {
        if (!extra.empty()) {
          // Options given at make time replace the registered ones wholesale.
          ExternalVerifierOptions o =
              ExternalVerifierOptions::from_json(extra, "verifier '" + options.name + "' options");
          o.name = options.name;
          return make_external_verifier(o);
        }
        return make_external_verifier(options);
      },
      "external program " + (options.command.empty() ? std::string("?") : options.command[0]));
}

}  // namespace r1
