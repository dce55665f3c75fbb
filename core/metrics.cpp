#include "core/metrics.h"

#include <cerrno>
#include <cstring>
#include <sstream>

#include "core/fs.h"
#include "core/log.h"
#include "core/tfevents.h"

namespace r1 {

namespace {

std::string child_tag(const std::string& prefix, const std::string& key) {
  return prefix.empty() ? key : prefix + "/" + key;
}

// Keeps the lines of an earlier run's metrics.jsonl with step <= resume_step.
std::string kept_lines(const std::string& path, int64_t resume_step) {
  std::istringstream in(read_file(path));
  std::string line, out;
  size_t dropped = 0, unreadable = 0;
  for (size_t n = 1; std::getline(in, line); ++n) {
    if (line.empty()) continue;
    json j;
    try {
      j = parse_json(line, path);
    } catch (const Error&) {
      j = nullptr;  // counted as unreadable below
    }
    if (!j.is_object() || !j.contains("step") || !j["step"].is_number_integer()) {
      ++unreadable;
      continue;
    }
    if (j["step"].get<int64_t>() > resume_step) {
      ++dropped;
      continue;
    }
    out += line;
    out += '\n';
  }
  if (dropped || unreadable) {
    log_info(path, ": resuming at step ", resume_step, ": dropped ", dropped, " later lines and ",
             unreadable, " unreadable ones");
  }
  return out;
}

}  // namespace

void flatten_scalars(const json& value, const std::string& prefix,
                     std::vector<std::pair<std::string, double>>& out) {
  if (value.is_boolean()) {
    out.emplace_back(prefix, value.get<bool>() ? 1.0 : 0.0);
  } else if (value.is_number()) {
    out.emplace_back(prefix, value.get<double>());
  } else if (value.is_object()) {
    for (const auto& [key, v] : value.items()) flatten_scalars(v, child_tag(prefix, key), out);
  } else if (value.is_array()) {
    for (size_t i = 0; i < value.size(); ++i)
      flatten_scalars(value[i], child_tag(prefix, std::to_string(i)), out);
  }
  // strings, nulls and binary: JSONL only
}

void trim_jsonl_to_step(const std::string& path, int64_t resume_step) {
  if (file_exists(path)) write_file_atomic(path, kept_lines(path, resume_step));
}

MetricsSink::MetricsSink(const std::string& run_dir, bool resume, int64_t resume_step)
    : dir_(run_dir), jsonl_path_(join_path(run_dir, "metrics.jsonl")) {
  make_dirs(dir_);
  if (resume) trim_jsonl_to_step(jsonl_path_, resume_step);
  jsonl_.open(jsonl_path_, resume ? std::ios::app : std::ios::trunc);
  if (!jsonl_) fail(jsonl_path_, ": cannot open for writing: ", std::strerror(errno));
  tb_ = std::make_unique<TfEventWriter>(dir_);
  if (resume) {
    tb_->session_start(resume_step + 1);
    tb_->flush();
  }
}

MetricsSink::~MetricsSink() = default;

std::string MetricsSink::event_file_path() const {
  return tb_->path();
}

void MetricsSink::log(int64_t step, const json& fields) {
  if (!fields.is_object())
    fail(jsonl_path_, ": metrics of step ", step, " must be a JSON object, got ",
         json_type_name(fields));
  if (fields.contains("step"))
    fail(jsonl_path_, ": metrics of step ", step, " hold a 'step' field (it is added by log)");
  // "step" first, for people reading the file; a json object would sort it among the fields.
  std::string line = cat("{\"step\":", step);
  for (const auto& [key, v] : fields.items()) {
    line += ',';
    line += json(key).dump(-1, ' ', false, json::error_handler_t::replace);
    line += ':';
    line += v.dump(-1, ' ', false, json::error_handler_t::replace);
  }
  line += "}\n";
  jsonl_ << line;
  jsonl_.flush();
  if (!jsonl_) fail(jsonl_path_, ": write failed: ", std::strerror(errno));
  std::vector<std::pair<std::string, double>> scalars;
  flatten_scalars(fields, "", scalars);
  if (!scalars.empty()) tb_->scalars(step, scalars);
  tb_->flush();
}

void MetricsSink::flush() {
  jsonl_.flush();
  if (!jsonl_) fail(jsonl_path_, ": write failed: ", std::strerror(errno));
  tb_->flush();
}

}  // namespace r1
