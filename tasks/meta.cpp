#include "tasks/meta.h"

#include "core/error.h"

namespace r1 {
namespace {

const json& field(const Task& task, const std::string& key, bool ok(const json&),
                  const char* what) {
  if (!task.meta.is_object() || !task.meta.contains(key)) {
    fail("task ", task.id, " (", task.family, "): missing meta.", key);
  }
  const json& v = task.meta.at(key);
  if (!ok(v))
    fail("task ", task.id, " (", task.family, "): meta.", key, ": expected ", what, ", got ",
         json_type_name(v));
  return v;
}

}  // namespace

int64_t meta_int(const Task& task, const std::string& key) {
  return field(
             task, key, [](const json& v) { return v.is_number_integer(); }, "an integer")
      .get<int64_t>();
}

std::string meta_string(const Task& task, const std::string& key) {
  return field(
             task, key, [](const json& v) { return v.is_string(); }, "a string")
      .get<std::string>();
}

const json& meta_array(const Task& task, const std::string& key) {
  return field(
      task, key, [](const json& v) { return v.is_array(); }, "an array");
}

}  // namespace r1
