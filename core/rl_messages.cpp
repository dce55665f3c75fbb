#include "core/rl_messages.h"

#include <algorithm>
#include <cmath>

namespace r1 {

namespace {
// A field that must be a finite number >= 0 (durations).
double seconds_field(const Message& m, const char* key) {
  const double v = header_field<double>(m, key);
  if (!std::isfinite(v) || v < 0)
    throw MessageError(
        cat(m.type, " message: header field '", key, "' is ", v, ", expected seconds >= 0"));
  return v;
}

// The task a message carries: an object whose "prompt" is a string (workers render it).
json task_field(const Message& m) {
  json task = header_field<json>(m, "task");
  if (!task.is_object())
    throw MessageError(cat(m.type, " message: header field 'task' is not an object"));
  auto prompt = task.find("prompt");
  if (prompt == task.end() || !prompt->is_string()) {
    throw MessageError(cat(m.type, " message: field 'prompt' of 'task' must be a string"));
  }
  task_sampling_temperature(task, 1.0);  // checked here, where a bad message is refused
  task_guide(task);                      // likewise
  return task;
}

// A sample's per-component scores: an object of finite numbers.
json components_field(const Message& view) {
  json c = header_field<json>(view, "components");
  bool ok = c.is_object();
  for (const auto& [name, score] : c.items())
    ok = ok && score.is_number() && std::isfinite(score.get<double>());
  if (!ok)
    throw MessageError(
        cat(view.type, ": header field 'components' must map names to finite numbers"));
  return c;
}
}  // namespace

Message TaskAssignment::to_message() const {
  Message m;
  m.type = "task";
  m.header = {{"seq", seq},
              {"task", task},
              {"group_size", group_size},
              {"min_version", min_version},
              {"session", session},
              {"wave", wave},
              {"wave_size", wave_size}};
  return m;
}

TaskAssignment TaskAssignment::from_message(const Message& m) {
  if (m.type != "task") throw MessageError(cat("expected a task message, got '", m.type, "'"));
  TaskAssignment t;
  t.seq = header_field<uint64_t>(m, "seq");
  t.task = task_field(m);
  t.group_size = header_field<int>(m, "group_size");
  if (t.group_size < 1 || t.group_size > kMaxGroupSize) {
    throw MessageError(cat("task message: header field 'group_size' ", t.group_size,
                           " out of range [1, ", kMaxGroupSize, "]"));
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
    if (s.guide) h["guide"] = true;
    if (scored) {
      h["reward"] = s.reward ? json(*s.reward) : json(nullptr);
      h["correct"] = s.correct;
      h["format_ok"] = s.format_ok;
      h["verifier_error"] = s.verifier_error;
      if (s.scored_by_control) h["scored_by_control"] = true;
      h["reason"] = s.reason;
      h["components"] = s.components;
      if (!s.learner_data.empty()) h["learner_data"] = s.learner_data;
      if (!s.penalties.empty()) h["penalties"] = penalty_spans_json(s.penalties);
    }
    samples_h.push_back(std::move(h));
    m.frames.push_back(pack_array(s.tokens));
    m.frames.push_back(pack_array(s.logprobs));
    m.frames.push_back(s.text);
  }
  m.header = {{"seq", seq},
              {"task", task},
              {"version", version},
              {"worker", worker},
              {"gen_seconds", gen_seconds},
              {"verify_seconds", verify_seconds},
              {"samples", std::move(samples_h)}};
  return m;
}

namespace {

// task.meta[key], or null when the task has no meta object or no such field.
const json* task_meta_field(const json& task, const char* key) {
  if (!task.is_object()) return nullptr;
  const auto meta = task.find("meta");
  if (meta == task.end() || !meta->is_object()) return nullptr;
  const auto field = meta->find(key);
  return field == meta->end() ? nullptr : &*field;
}

MessageError bad_meta_field(const json& task, const char* key, const char* want, const json& got) {
  return MessageError(cat("task ", task.contains("id") ? task["id"].dump() : std::string("?"),
                          ": meta.", key, " must be ", want, ", got ", got.dump()));
}

}  // namespace

double task_sampling_temperature(const json& task, double fallback) {
  const json* t = task_meta_field(task, "sampling_temperature");
  if (!t) return fallback;
  if (!t->is_number() || !(t->get<double>() > 0 && t->get<double>() <= 100))
    throw bad_meta_field(task, "sampling_temperature", "a number in (0, 100]", *t);
  return t->get<double>();
}

std::string task_guide(const json& task) {
  const json* g = task_meta_field(task, kGuideKey);
  if (!g) return "";
  if (!g->is_string()) throw bad_meta_field(task, kGuideKey, "a string", *g);
  return g->get<std::string>();
}

json penalty_spans_json(const std::vector<PenaltySpan>& spans) {
  json p = json::array();
  for (const PenaltySpan& q : spans) p.push_back({q.begin, q.end, q.value});
  return p;
}

namespace {

// A scored sample's "penalties": [[begin, end, value], ...], byte ranges inside its text.
std::vector<PenaltySpan> penalties_field(const Message& view, size_t text_bytes) {
  const json& p = view.header.at("penalties");
  auto bad = [&](const std::string& why) {
    return MessageError(cat(view.type, ": header field 'penalties' ", why));
  };
  if (!p.is_array()) throw bad("must be an array of [begin, end, value]");
  std::vector<PenaltySpan> out;
  for (const json& e : p) {
    if (!e.is_array() || e.size() != 3 || !e[0].is_number_integer() || !e[1].is_number_integer() ||
        !e[2].is_number())
      throw bad("must hold [begin, end, value] triples (two integers and a number)");
    PenaltySpan q{e[0].get<int64_t>(), e[1].get<int64_t>(), e[2].get<double>()};
    if (q.begin < 0 || q.end <= q.begin || q.end > static_cast<int64_t>(text_bytes))
      throw bad(cat("holds the span [", q.begin, ", ", q.end, "), not inside the text's ",
                    text_bytes, " bytes"));
    if (!std::isfinite(q.value)) throw bad("holds a value that is not finite");
    out.push_back(q);
  }
  return out;
}

}  // namespace

RolloutGroup RolloutGroup::from_message(const Message& m) {
  RolloutGroup g;
  if (m.type == "scored")
    g.scored = true;
  else if (m.type != "rollout")
    throw MessageError(cat("expected a rollout or scored message, got '", m.type, "'"));
  g.seq = header_field<uint64_t>(m, "seq");
  g.task = task_field(m);
  g.version = header_field<uint64_t>(m, "version");
  g.worker = header_field<std::string>(m, "worker");
  g.gen_seconds = seconds_field(m, "gen_seconds");
  g.verify_seconds = seconds_field(m, "verify_seconds");
  json samples_h = header_field<json>(m, "samples");
  if (!samples_h.is_array() || samples_h.empty() ||
      samples_h.size() > static_cast<size_t>(kMaxGroupSize)) {
    throw MessageError(cat(m.type, " message: header field 'samples' must be an array of 1 to ",
                           kMaxGroupSize, " samples"));
  }
  if (m.frames.size() != 1 + 3 * samples_h.size()) {
    throw MessageError(cat(m.type, " message: ", m.frames.size(), " frames for ", samples_h.size(),
                           " samples (expected ", 1 + 3 * samples_h.size(), ")"));
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
    if (n < 0)
      throw MessageError(cat(view.type, ": header field 'n' is ", n, ", expected a count >= 0"));
    s.tokens = unpack_array<int32_t>(m.frames[1 + 3 * i], "tokens", n);
    s.logprobs = unpack_array<float>(m.frames[2 + 3 * i], "logprobs", n);
    s.text = m.frames[3 + 3 * i];
    if (h.contains("guide")) s.guide = header_field<bool>(view, "guide");
    if (g.scored) {
      json r = header_field<json>(view, "reward");
      if (r.is_number() && std::isfinite(r.get<double>()))
        s.reward = r.get<double>();
      else if (!r.is_null())
        throw MessageError(
            cat(view.type, ": header field 'reward' must be a finite number or null"));
      s.correct = header_field<bool>(view, "correct");
      s.format_ok = header_field<bool>(view, "format_ok");
      s.verifier_error = header_field<bool>(view, "verifier_error");
      if (h.contains("scored_by_control"))
        s.scored_by_control = header_field<bool>(view, "scored_by_control");
      s.reason = header_field<std::string>(view, "reason");
      s.components = components_field(view);
      if (h.contains("learner_data")) {
        s.learner_data = h["learner_data"];
        if (!s.learner_data.is_object()) {
          throw MessageError(cat(view.type, ": header field 'learner_data' must be an object"));
        }
      }
      if (h.contains("penalties")) s.penalties = penalties_field(view, s.text.size());
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

// ---- control ----

const char* control_kind_name(ControlKind k) {
  switch (k) {
    case ControlKind::hello:
      return "hello";
    case ControlKind::heartbeat:
      return "heartbeat";
    case ControlKind::stop:
      return "stop";
    case ControlKind::bye:
      return "bye";
    case ControlKind::refuse:
      return "refuse";
  }
  return "?";
}

namespace {
// ZeroMQ routing ids are 1 to 255 bytes; a worker's id is its routing id.
constexpr size_t kMaxIdBytes = 255;
// A refusal's reason is shown to a person: longer is cut.
constexpr size_t kMaxReasonBytes = 4000;
}  // namespace

ControlMessage ControlMessage::hello(std::string role, std::string id,
                                     std::optional<uint64_t> version, json settings) {
  ControlMessage c;
  c.kind = ControlKind::hello;
  c.role = std::move(role);
  c.id = std::move(id);
  c.version = version;
  c.settings = std::move(settings);
  return c;
}

ControlMessage ControlMessage::refuse(std::string reason) {
  ControlMessage c;
  c.kind = ControlKind::refuse;
  c.reason = std::move(reason);
  return c;
}

ControlMessage ControlMessage::heartbeat() {
  ControlMessage c;
  c.kind = ControlKind::heartbeat;
  return c;
}

ControlMessage ControlMessage::stop() {
  ControlMessage c;
  c.kind = ControlKind::stop;
  return c;
}

ControlMessage ControlMessage::bye() {
  ControlMessage c;
  c.kind = ControlKind::bye;
  return c;
}

Message ControlMessage::to_message() const {
  Message m;
  m.type = "control";
  m.header = {{"kind", control_kind_name(kind)}};
  if (kind == ControlKind::hello) {
    m.header["role"] = role;
    m.header["id"] = id;
    m.header["version"] = version ? json(*version) : json(nullptr);
    if (settings.is_object()) m.header["settings"] = settings;
  }
  if (kind == ControlKind::refuse) m.header["reason"] = reason;
  return m;
}

ControlMessage ControlMessage::from_message(const Message& m) {
  if (m.type != "control")
    throw MessageError(cat("expected a control message, got '", m.type, "'"));
  ControlMessage c;
  const std::string kind = header_field<std::string>(m, "kind");
  for (ControlKind k : {ControlKind::heartbeat, ControlKind::stop, ControlKind::bye}) {
    if (kind == control_kind_name(k)) {
      c.kind = k;
      return c;
    }
  }
  if (kind == "refuse") {
    c.kind = ControlKind::refuse;
    c.reason = header_field<std::string>(m, "reason");
    if (c.reason.size() > kMaxReasonBytes) c.reason.resize(kMaxReasonBytes);
    return c;
  }
  if (kind != "hello") {
    throw MessageError(cat("control message: unknown kind '", kind,
                           "' (expected hello, heartbeat, stop, bye or refuse)"));
  }
  c.kind = ControlKind::hello;
  c.role = header_field<std::string>(m, "role");
  if (c.role != "rollout" && c.role != "reward") {
    throw MessageError(
        cat("control message: hello from role '", c.role, "' (expected rollout or reward)"));
  }
  c.id = header_field<std::string>(m, "id");
  if (c.id.empty() || c.id.size() > kMaxIdBytes) {
    throw MessageError(cat("control message: header field 'id' must be 1 to ", kMaxIdBytes,
                           " bytes, got ", c.id.size()));
  }
  auto v = m.header.find("version");
  if (v != m.header.end() && !v->is_null()) c.version = header_field<uint64_t>(m, "version");
  auto st = m.header.find("settings");
  if (st != m.header.end() && !st->is_null()) {
    if (!st->is_object())
      throw MessageError("control message: header field 'settings' must be an object");
    c.settings = *st;
  }
  return c;
}

// ---- weights ----

void for_each_weights_message(const WeightsPayload& w, size_t chunk_floats,
                              const std::function<void(Message)>& emit) {
  if (chunk_floats == 0) fail("weights version ", w.version, ": chunk_floats must be positive");
  const size_t total = w.params.size();
  const size_t chunks = total == 0 ? 1 : (total + chunk_floats - 1) / chunk_floats;
  for (size_t i = 0; i < chunks; ++i) {
    const size_t offset = i * chunk_floats;
    const size_t count = std::min(chunk_floats, total - offset);
    Message m;
    m.type = "weights";
    m.header = {{"version", w.version}, {"session", w.session}, {"chunk", i},    {"chunks", chunks},
                {"offset", offset},     {"count", count},       {"total", total}};
    if (i + 1 == chunks) m.header["expert_bias"] = w.expert_bias;
    m.frames.push_back(count ? pack_array(w.params.data() + offset, count) : std::string());
    emit(std::move(m));
  }
}

namespace {

uint64_t weights_field(const Message& m, const char* key) {
  auto it = m.header.find(key);
  if (it == m.header.end())
    throw MessageError(cat("weights message: missing header field '", key, "'"));
  if (it->is_number_unsigned()) return it->get<uint64_t>();
  // A header built in this process (not decoded) holds signed integers.
  if (it->is_number_integer() && it->get<int64_t>() >= 0)
    return static_cast<uint64_t>(it->get<int64_t>());
  throw MessageError(cat("weights message: header field '", key,
                         "' must be a non-negative integer, got ",
                         it->is_number() ? it->dump() : json_type_name(*it)));
}

}  // namespace

std::vector<Message> weights_messages(const WeightsPayload& w, size_t chunk_floats) {
  std::vector<Message> out;
  for_each_weights_message(w, chunk_floats, [&](Message m) { out.push_back(std::move(m)); });
  return out;
}

void WeightsAssembler::drop_partial() {
  if (partial_) ++dropped_;
  partial_.reset();
}

bool WeightsAssembler::add(const Message& m) {
  if (m.type != "weights")
    throw MessageError(cat("weights assembler: got a '", m.type, "' message"));
  const uint64_t version = weights_field(m, "version");
  const uint64_t chunk = weights_field(m, "chunk");
  const uint64_t chunks = weights_field(m, "chunks");
  const uint64_t offset = weights_field(m, "offset");
  const uint64_t count = weights_field(m, "count");
  const uint64_t total = weights_field(m, "total");
  // A new publisher (a restarted learner) starts a new sequence of versions.
  const uint64_t session = weights_field(m, "session");
  if ((any_ || partial_) && session != session_) reset();
  session_ = session;

  if (any_ && version <= newest_) return false;  // late chunk of a completed or older version
  if (poisoned_ && *poisoned_ == version) return false;  // already rejected
  if (partial_ && version < partial_->w.version)
    return false;  // its version was dropped for a newer one
  if (partial_ && version > partial_->w.version) drop_partial();

  auto bad = [&](const std::string& why) {
    if (partial_ && partial_->w.version == version) drop_partial();
    poisoned_ = version;
    throw MessageError(cat("weights version ", version, " chunk ", chunk, "/", chunks, ": ", why));
  };
  using u128 = unsigned __int128;  // products of untrusted 64-bit fields must not wrap

  if (m.frames.size() != 1) bad(cat(m.frames.size(), " frames, expected 1"));
  const std::string& frame = m.frames[0];
  if (frame.size() % sizeof(float) != 0 || frame.size() / sizeof(float) != count) {
    bad(cat("frame of ", frame.size(), " bytes does not hold count=", count, " float32 values"));
  }
  if (chunks == 0 || chunk >= chunks) bad("chunk index out of range");
  if (expected_total_ ? total != expected_total_ : total > kMaxWeightFloats) {
    bad(expected_total_ ? cat("total ", total, " floats, this model has ", expected_total_)
                        : cat("total ", total, " floats exceeds ", kMaxWeightFloats));
  }
  if (u128(offset) + count > total)
    bad(cat("offset ", offset, " + count ", count, " exceeds total ", total));
  // publish_weights cuts fixed-size chunks: every chunk but the last holds chunk_size floats.
  uint64_t chunk_size = 0;
  const bool last = chunk + 1 == chunks;
  if (!last) {
    chunk_size = count;
    if (count == 0 || u128(chunk) * chunk_size != offset)
      bad(cat("offset ", offset, " is not chunk * count"));
    if (u128(chunks - 1) * chunk_size >= total || u128(chunks) * chunk_size < total) {
      bad(cat(chunks, " chunks of ", chunk_size, " floats do not make a total of ", total));
    }
  } else {
    if (offset + count != total)
      bad(cat("last chunk ends at ", offset + count, ", not at total ", total));
    if (chunks == 1) {
      chunk_size = total;
    } else {
      if (offset % (chunks - 1) != 0)
        bad(cat("offset ", offset, " is not a multiple of chunk index ", chunk));
      chunk_size = offset / (chunks - 1);
      if (count == 0 || count > chunk_size)
        bad(cat("last chunk of ", count, " floats, chunk size ", chunk_size));
    }
  }
  std::vector<std::vector<float>> expert_bias;
  if (last) {
    auto it = m.header.find("expert_bias");
    if (it == m.header.end()) bad("the last chunk has no 'expert_bias'");
    if (!it->is_array())
      bad(cat("'expert_bias' is a ", json_type_name(*it), ", expected an array of arrays"));
    for (const json& layer : *it) {
      if (!layer.is_array()) bad("'expert_bias' holds a non-array");
      std::vector<float>& b = expert_bias.emplace_back();
      b.reserve(layer.size());
      for (const json& v : layer) {
        if (!v.is_number()) bad(cat("'expert_bias' holds a ", json_type_name(v)));
        if (!std::isfinite(v.get<float>()))
          bad(cat("'expert_bias' holds ", v.dump(), ", not a finite float32"));
        b.push_back(v.get<float>());
      }
    }
  }
  if (partial_) {
    const Partial& p = *partial_;
    if (p.chunks != chunks || p.w.params.size() != total || p.chunk_size != chunk_size) {
      bad(cat("disagrees with earlier chunks (chunks ", chunks, " vs ", p.chunks, ", total ", total,
              " vs ", p.w.params.size(), ", chunk size ", chunk_size, " vs ", p.chunk_size, ")"));
    }
    if (p.have[chunk]) return false;  // a duplicate: already placed
  } else {
    Partial p;
    p.w.version = version;
    p.w.session = session;
    p.w.params.resize(total);
    p.have.assign(chunks, 0);
    p.chunks = chunks;
    p.chunk_size = chunk_size;
    partial_ = std::move(p);
  }
  Partial& p = *partial_;
  if (count) std::memcpy(p.w.params.data() + offset, frame.data(), frame.size());
  if (last) p.w.expert_bias = std::move(expert_bias);
  p.have[chunk] = 1;
  if (++p.received < p.chunks) return false;
  ready_ = std::move(p.w);
  partial_.reset();
  newest_ = version;
  any_ = true;
  return true;
}

void WeightsAssembler::reset() {
  drop_partial();
  ready_.reset();
  poisoned_.reset();
  newest_ = 0;
  any_ = false;
}

WeightsPayload WeightsAssembler::take() {
  if (!ready_)
    fail("WeightsAssembler::take: no completed weights version (add() did not return true)");
  WeightsPayload w = std::move(*ready_);
  ready_.reset();
  return w;
}

}  // namespace r1
