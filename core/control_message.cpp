#include "core/control_message.h"

namespace r1 {

namespace {
// ZeroMQ routing ids are 1 to 255 bytes; a worker's id is its routing id.
constexpr size_t kMaxIdBytes = 255;
}  // namespace

ControlMessage ControlMessage::hello(std::string role, std::string id,
                                     std::optional<uint64_t> version) {
  ControlMessage c;
  c.kind = "hello";
  c.role = std::move(role);
  c.id = std::move(id);
  c.version = version;
  return c;
}

ControlMessage ControlMessage::heartbeat() {
  ControlMessage c;
  c.kind = "heartbeat";
  return c;
}

ControlMessage ControlMessage::stop() {
  ControlMessage c;
  c.kind = "stop";
  return c;
}

Message ControlMessage::to_message() const {
  Message m;
  m.type = "control";
  m.header = {{"kind", kind}};
  if (kind == "hello") {
    m.header["role"] = role;
    m.header["id"] = id;
    m.header["version"] = version ? json(*version) : json(nullptr);
  }
  return m;
}

ControlMessage ControlMessage::from_message(const Message& m) {
  if (m.type != "control")
    throw MessageError(cat("expected a control message, got '", m.type, "'"));
  ControlMessage c;
  c.kind = header_field<std::string>(m, "kind");
  if (c.kind == "heartbeat" || c.kind == "stop") return c;
  if (c.kind != "hello") {
    throw MessageError(
        cat("control message: unknown kind '", c.kind, "' (expected hello, heartbeat or stop)"));
  }
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
  return c;
}

}  // namespace r1
