#include "reward/verify_jsonl.h"

#include <deque>
#include <future>
#include <string>

#include "core/line_reader.h"
#include "core/thread_pool.h"

namespace r1 {

Task task_from_record(const json& tj, const std::string& where) {
  if (!tj.is_object()) fail(where, ": expected an object, got ", json_type_name(tj));
  if (tj.contains("task_id") && tj.contains("test")) {
    JsonReader r(tj, where);
    Task t;
    t.id = r.req<std::string>("task_id");
    t.family = "humaneval";
    t.prompt = r.req<std::string>("prompt");
    t.tests = r.req<std::string>("test");
    t.entry_point = r.req<std::string>("entry_point");
    t.verifier = r.get<std::string>("verifier", "python");
    std::string canonical = r.get<std::string>("canonical_solution", "");
    if (!canonical.empty()) t.meta["canonical_solution"] = canonical;
    r.done();
    return t;
  }
  return Task::from_json(tj, where);
}

namespace {

// An error record never echoes the bad line: a message that quotes input is cut to this.
constexpr size_t kMaxErrorChars = 1000;

// Output lines list their fields in the documented order (nlohmann's json would sort them).
ordered_json error_line(const json& id, size_t line, std::string msg) {
  if (msg.size() > kMaxErrorChars) msg = msg.substr(0, kMaxErrorChars) + "...";
  ordered_json o;
  o["id"] = id;
  o["reward"] = nullptr;
  o["correct"] = false;
  o["format_ok"] = false;
  o["verifier"] = "";
  o["reason"] = "bad_input";
  o["details"] = {{"error", msg}};
  o["error"] = msg;
  o["line"] = line;
  return o;
}

ordered_json result_line(const json& id, const RewardResult& res, bool show_components) {
  json r = res.to_json(show_components);
  ordered_json o;
  o["id"] = id;
  for (const char* key :
       {"reward", "correct", "format_ok", "verifier", "reason", "details", "verifier_error",
        "scored_by_control", "overlong_penalty", "components"}) {
    if (r.contains(key)) o[key] = ordered_json(r[key]);
  }
  return o;
}

ordered_json verify_record(const std::string& text, const std::string& where, json* id,
                           const RewardFunction& reward, bool show_components) {
  const json rec = parse_json(text, where);
  if (!rec.is_object()) fail(where, ": expected a JSON object, got ", json_type_name(rec));
  if (rec.contains("id")) {
    const json& rid = rec["id"];
    if (!rid.is_string() && !rid.is_number_integer())
      fail(where, ": field 'id' must be a string or integer, got ", json_type_name(rid));
    *id = rid;
  }
  JsonReader r(rec, where);
  r.get<json>("id", json());
  if (!r.has("task"))
    r.fail_field("task", "missing (records are {\"id\", \"task\", \"completion\"})");
  Task task = task_from_record(r.raw("task"), where + ": field 'task'");
  std::string completion = r.req<std::string>("completion");
  std::optional<int64_t> tokens;
  if (r.has("completion_tokens")) tokens = r.req<int64_t>("completion_tokens");
  // The rest of an `r1 rejection-sample` line (eval/rejection_sampling.h), so that its kept
  // samples are records as they stand: read, not used.
  for (const char* kept_line_field : {"prompt", "suite", "reason"})
    r.get<json>(kept_line_field, json());
  r.done();
  return result_line(*id, reward.score(task, completion, tokens), show_components);
}

}  // namespace

ordered_json verify_line(const std::string& text, size_t line, const RewardFunction& reward,
                         bool show_components) {
  json id = line;
  try {
    return verify_record(text, cat("stdin:", line), &id, reward, show_components);
  } catch (const std::exception& e) {
    return error_line(id, line, e.what());
  } catch (...) {
    return error_line(id, line, cat("stdin:", line, ": unexpected error"));
  }
}

VerifyStreamStats verify_jsonl(std::istream& in, std::ostream& out, const RewardFunction& reward,
                               size_t threads, bool show_components, size_t max_line_bytes) {
  ThreadPool pool(threads);
  VerifyStreamStats stats;
  // A window of in-flight records: verified in parallel, written in input order, and memory
  // stays bounded however long the input is.
  const size_t window = pool.size() * 16 + 16;
  std::deque<std::future<ordered_json>> pending;
  auto flush_one = [&] {
    ordered_json j = pending.front().get();
    pending.pop_front();
    ++stats.records;
    if (j.contains("error"))
      ++stats.bad_input;
    else if (j.value("verifier_error", false))
      ++stats.verifier_errors;
    else if (j.value("correct", false))
      ++stats.correct;
    if (j.value("scored_by_control", false)) ++stats.scored_by_control;
    out << j.dump(-1, ' ', false, json::error_handler_t::replace) << '\n';
  };
  LineReader reader(in, max_line_bytes);
  InputLine line;
  while (reader.next(&line)) {
    if (line.too_long) {
      std::promise<ordered_json> done;
      done.set_value(
          error_line(line.number, line.number,
                     cat("stdin:", line.number, ": line of ", line.too_long,
                         " bytes is over the limit of ", max_line_bytes, " (--max-line-bytes)")));
      pending.push_back(done.get_future());
    } else if (line.text.find_first_not_of(" \t\r") == std::string::npos) {
      continue;  // blank line
    } else {
      auto shared = std::make_shared<InputLine>(std::move(line));
      pending.push_back(pool.submit([shared, &reward, show_components] {
        return verify_line(shared->text, shared->number, reward, show_components);
      }));
    }
    while (pending.size() >= window) flush_one();
  }
  while (!pending.empty()) flush_one();
  out.flush();
  return stats;
}

}  // namespace r1
