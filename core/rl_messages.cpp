#include "core/rl_messages.h"

namespace r1 {

namespace {
// Group sizes beyond this are surely garbage; it keeps a bad header from allocating without limit.
constexpr uint64_t kMaxGroup = 4096;
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
  t.task = header_field<json>(m, "task");
  if (!t.task.is_object()) throw MessageError("task message: 'task' is not an object");
  t.group_size = header_field<int>(m, "group_size");
  if (t.group_size < 1 || t.group_size > kMaxGroupSize) {
    throw MessageError(cat("task message: group_size ", t.group_size, " out of range"));
  }
  t.min_version = header_field<uint64_t>(m, "min_version");
  t.session = header_field<uint64_t>(m, "session");
  t.wave = header_field<uint64_t>(m, "wave");
  t.wave_size = header_field<int>(m, "wave_size");
  if (t.wave_size < 1) throw MessageError("task message: wave_size must be >= 1");
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
  g.task = header_field<json>(m, "task");
  if (!g.task.is_object()) throw MessageError(m.type + " message: 'task' is not an object");
  g.version = header_field<uint64_t>(m, "version");
  g.worker = header_field<std::string>(m, "worker");
  g.gen_seconds = header_field<double>(m, "gen_seconds");
  g.verify_seconds = header_field<double>(m, "verify_seconds");
  json samples_h = header_field<json>(m, "samples");
  if (!samples_h.is_array() || samples_h.empty() || samples_h.size() > kMaxGroup) {
    throw MessageError(m.type + " message: 'samples' must be a non-empty array");
  }
  if (m.frames.size() != 1 + 3 * samples_h.size()) {
    throw MessageError(cat(m.type, " message: ", m.frames.size(), " frames for ", samples_h.size(), " samples (expected ",
                           1 + 3 * samples_h.size(), ")"));
  }
  g.prompt = unpack_array<int32_t>(m.frames[0], "prompt");
  for (size_t i = 0; i < samples_h.size(); ++i) {
    const json& h = samples_h[i];
    if (!h.is_object()) throw MessageError(m.type + " message: a sample header is not an object");
    Message view;  // reuse header_field's checks on the sample's own header
    view.type = m.type + " sample";
    view.header = h;
    SampleResult s;
    s.finish_reason = header_field<std::string>(view, "finish_reason");
    long n = header_field<long>(view, "n");
    s.tokens = unpack_array<int32_t>(m.frames[1 + 3 * i], "tokens", n);
    s.logprobs = unpack_array<float>(m.frames[2 + 3 * i], "logprobs", n);
    s.text = m.frames[3 + 3 * i];
    if (g.scored) {
      json r = header_field<json>(view, "reward");
      if (r.is_number()) s.reward = r.get<double>();
      else if (!r.is_null()) throw MessageError("scored sample: 'reward' must be a number or null");
      s.correct = header_field<bool>(view, "correct");
      s.format_ok = header_field<bool>(view, "format_ok");
      s.verifier_error = header_field<bool>(view, "verifier_error");
      s.reason = header_field<std::string>(view, "reason");
      s.components = header_field<json>(view, "components");
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
