#include "core/rl_messages.h"

#include <cmath>

namespace r1 {

namespace {
// A field that must be a finite number >= 0 (durations).
double seconds_field(const Message& m, const char* key) {
  const double v = header_field<double>(m, key);
  if (!std::isfinite(v) || v < 0) throw MessageError(cat(m.type, " message: header field '", key, "' is ", v, ", expected seconds >= 0"));
  return v;
}

// The task a message carries: an object whose "prompt" is a string (workers render it).
json task_field(const Message& m) {
  json task = header_field<json>(m, "task");
  if (!task.is_object()) throw MessageError(cat(m.type, " message: header field 'task' is not an object"));
  auto prompt = task.find("prompt");
  if (prompt == task.end() || !prompt->is_string()) {
    throw MessageError(cat(m.type, " message: field 'prompt' of 'task' must be a string"));
  }
  return task;
}

// A sample's per-component scores: an object of finite numbers.
json components_field(const Message& view) {
  json c = header_field<json>(view, "components");
  bool ok = c.is_object();
  for (const auto& [name, score] : c.items()) ok = ok && score.is_number() && std::isfinite(score.get<double>());
  if (!ok) throw MessageError(cat(view.type, ": header field 'components' must map names to finite numbers"));
  return c;
}
}  // namespace

Message TaskAssignment::to_message() const {
  Message m;
  m.type = "task";
  m.header = {{"seq", seq},           {"task", task},   {"group_size", group_size},
              {"min_version", min_version}, {"session", session}, {"wave", wave}, {"wave_size", wave_size}};
  return m;
}

TaskAssignment TaskAssignment::from_message(const Message& m) {
  if (m.type != "task") throw MessageError(cat("expected a task message, got '", m.type, "'"));
  TaskAssignment t;
  t.seq = header_field<uint64_t>(m, "seq");
  t.task = task_field(m);
  t.group_size = header_field<int>(m, "group_size");
  if (t.group_size < 1 || t.group_size > kMaxGroupSize) {
    throw MessageError(cat("task message: header field 'group_size' ", t.group_size, " out of range [1, ", kMaxGroupSize, "]"));
  }
  t.min_version = header_field<uint64_t>(m, "min_version");
  t.session = header_field<uint64_t>(m, "session");
  t.wave = header_field<uint64_t>(m, "wave");
  t.wave_size = header_field<int>(m, "wave_size");
  if (t.wave_size < 1) throw MessageError("task message: header field 'wave_size' must be >= 1");
  return t;
}

Message RolloutGroup::to_message() const {
  Message m;
  m.type = scored ? "scored" : "rollout";
  json samples_h = json::array();
  m.frames.push_back(pack_array(prompt));
  for (const auto& s : samples) {
    json h = {{"finish_reason", s.finish_reason}, {"n", s.tokens.size()}};
    if (scored) {
      h["reward"] = s.reward ? json(*s.reward) : json(nullptr);
      h["correct"] = s.correct;
      h["format_ok"] = s.format_ok;
      h["verifier_error"] = s.verifier_error;
      h["reason"] = s.reason;
      h["components"] = s.components;
    }
    samples_h.push_back(std::move(h));
    m.frames.push_back(pack_array(s.tokens));
    m.frames.push_back(pack_array(s.logprobs));
    m.frames.push_back(s.text);
  }
  m.header = {{"seq", seq},       {"task", task},       {"version", version},
              {"worker", worker}, {"gen_seconds", gen_seconds}, {"verify_seconds", verify_seconds},
              {"samples", std::move(samples_h)}};
  return m;
}

RolloutGroup RolloutGroup::from_message(const Message& m) {
  RolloutGroup g;
  if (m.type == "scored") g.scored = true;
  else if (m.type != "rollout") throw MessageError(cat("expected a rollout or scored message, got '", m.type, "'"));
  g.seq = header_field<uint64_t>(m, "seq");
  g.task = task_field(m);
  g.version = header_field<uint64_t>(m, "version");
  g.worker = header_field<std::string>(m, "worker");
  g.gen_seconds = seconds_field(m, "gen_seconds");
  g.verify_seconds = seconds_field(m, "verify_seconds");
  json samples_h = header_field<json>(m, "samples");
  if (!samples_h.is_array() || samples_h.empty() || samples_h.size() > static_cast<size_t>(kMaxGroupSize)) {
    throw MessageError(cat(m.type, " message: header field 'samples' must be an array of 1 to ", kMaxGroupSize, " samples"));
  }
  if (m.frames.size() != 1 + 3 * samples_h.size()) {
    throw MessageError(cat(m.type, " message: ", m.frames.size(), " frames for ", samples_h.size(), " samples (expected ",
                           1 + 3 * samples_h.size(), ")"));
  }
  g.prompt = unpack_array<int32_t>(m.frames[0], "prompt");
  for (size_t i = 0; i < samples_h.size(); ++i) {
    const json& h = samples_h[i];
    Message view;  // reuse header_field's checks on the sample's own header
    view.type = cat(m.type, " sample ", i);
    if (!h.is_object()) throw MessageError(cat(view.type, ": the sample header is not an object"));
    view.header = h;
    SampleResult s;
    s.finish_reason = header_field<std::string>(view, "finish_reason");
    // Counted by the frame sizes too; an n < 0 must not mean "any size" to unpack_array.
    const int64_t n = header_field<int64_t>(view, "n");
    if (n < 0) throw MessageError(cat(view.type, ": header field 'n' is ", n, ", expected a count >= 0"));
    s.tokens = unpack_array<int32_t>(m.frames[1 + 3 * i], "tokens", n);
    s.logprobs = unpack_array<float>(m.frames[2 + 3 * i], "logprobs", n);
    s.text = m.frames[3 + 3 * i];
    if (g.scored) {
      json r = header_field<json>(view, "reward");
      if (r.is_number() && std::isfinite(r.get<double>())) s.reward = r.get<double>();
      else if (!r.is_null()) throw MessageError(cat(view.type, ": header field 'reward' must be a finite number or null"));
      s.correct = header_field<bool>(view, "correct");
      s.format_ok = header_field<bool>(view, "format_ok");
      s.verifier_error = header_field<bool>(view, "verifier_error");
      s.reason = header_field<std::string>(view, "reason");
      s.components = components_field(view);
    }
    g.samples.push_back(std::move(s));
  }
  return g;
}

size_t RolloutGroup::completion_tokens() const {
  size_t n = 0;
  for (const auto& s : samples) n += s.tokens.size();
  return n;
}

}  // namespace r1
