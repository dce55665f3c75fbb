#include "reward/verify_jsonl.h"

#include <deque>
#include <future>
#include <string>

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

struct Line {
  size_t number = 0;
  std::string text;
};

// Output lines list their fields in the documented order (nlohmann's json would sort them).
ordered_json error_line(const json& id, size_t line, const std::string& msg) {
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
  for (const char* key : {"reward", "correct", "format_ok", "verifier", "reason", "details",
                          "verifier_error", "overlong_penalty", "components"}) {
    if (r.contains(key)) o[key] = ordered_json(r[key]);
  }
  return o;
}

ordered_json process(const Line& line, const RewardFunction& reward, bool show_components) {
  const std::string where = cat("stdin:", line.number);
  json id = line.number;
  json rec;
  try {
    rec = json::parse(line.text);
  } catch (const json::parse_error& e) {
    return error_line(id, line.number, cat(where, ": invalid JSON at byte ", e.byte));
  }
  try {
    if (!rec.is_object()) fail(where, ": expected a JSON object, got ", json_type_name(rec));
    if (rec.contains("id")) {
      const json& rid = rec["id"];
      if (!rid.is_string() && !rid.is_number_integer())
        fail(where, ": field 'id' must be a string or integer");
      id = rid;
    }
    JsonReader r(rec, where);
    r.get<json>("id", json());
    if (!r.has("task"))
      r.fail_field("task", "missing (records are {\"id\", \"task\", \"completion\"})");
    Task task = task_from_record(r.raw("task"), where + ": field 'task'");
    std::string completion = r.req<std::string>("completion");
    std::optional<int64_t> tokens;
    if (r.has("completion_tokens")) tokens = r.req<int64_t>("completion_tokens");
    r.done();
    return result_line(id, reward.score(task, completion, tokens), show_components);
  } catch (const std::exception& e) {
    return error_line(id, line.number, e.what());
  }
}

}  // namespace

VerifyStreamStats verify_jsonl(std::istream& in, std::ostream& out, const RewardFunction& reward,
                               size_t threads, bool show_components) {
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
    out << j.dump(-1, ' ', false, json::error_handler_t::replace) << '\n';
  };
  std::string text;
  size_t number = 0;
  while (std::getline(in, text)) {
    ++number;
    if (text.find_first_not_of(" \t\r") == std::string::npos) continue;  // blank line
    auto line = std::make_shared<Line>(Line{number, std::move(text)});
    pending.push_back(pool.submit(
        [line, &reward, show_components] { return process(*line, reward, show_components); }));
    while (pending.size() >= window) flush_one();
  }
  while (!pending.empty()) flush_one();
  out.flush();
  return stats;
}

}  // namespace r1
