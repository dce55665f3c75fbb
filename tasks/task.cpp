#include "tasks/task.h"

namespace r1 {

json Task::to_json() const {
  json j = {{"id", id},           {"family", family},         {"prompt", prompt},
            {"answer", answer},   {"verifier", verifier},     {"difficulty", difficulty},
            {"meta", meta}};
  if (!tests.empty()) j["tests"] = tests;
  if (!entry_point.empty()) j["entry_point"] = entry_point;
  return j;
}

Task Task::from_json(const json& j, const std::string& where) {
  JsonReader r(j, where);
  Task t;
  t.id = r.get<std::string>("id", "");
  t.family = r.get<std::string>("family", "");
  t.prompt = r.get<std::string>("prompt", "");
  // Answers are text, but datasets often store numbers: accept both.
  if (r.has("answer")) {
    const json& a = r.raw("answer");
    if (a.is_string()) t.answer = a.get<std::string>();
    else if (a.is_number()) t.answer = a.dump();
    else if (!a.is_null()) r.fail_field("answer", cat("expected a string or number, got ", json_type_name(a)));
  }
  t.verifier = r.get<std::string>("verifier", "");
  t.difficulty = r.get<int>("difficulty", 0);
  if (r.has("meta")) {
    t.meta = r.raw("meta");
    if (!t.meta.is_object()) r.fail_field("meta", "expected an object");
  }
  t.tests = r.get<std::string>("tests", "");
  t.entry_point = r.get<std::string>("entry_point", "");
  r.done();
  return t;
}

}  // namespace r1
