// Reading the fields a family stores in Task::meta, with errors that name the task and field.
#pragma once
#include <cstdint>
#include <string>

#include "tasks/task.h"

namespace r1 {

int64_t meta_int(const Task& task, const std::string& key);
std::string meta_string(const Task& task, const std::string& key);
const json& meta_array(const Task& task, const std::string& key);

}  // namespace r1
