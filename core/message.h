// The wire format of every channel. A message is a small JSON header, encoded as CBOR, plus raw
// little-endian arrays as extra frames (token ids, log-probs, weights). Frame 0 is the header;
// it must hold {"schema": kSchemaVersion, "type": <kind>, ...}. decode() validates everything a
// peer could get wrong (empty or truncated frames, bad CBOR, wrong schema, a wrong type, array
// frames of the wrong size) and throws MessageError naming the problem, never crashing.
#pragma once
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/json.h"

namespace r1 {

inline constexpr int kSchemaVersion = 1;
// Upper bounds that keep a garbage header from allocating without limit.
inline constexpr size_t kMaxHeaderBytes = 16u << 20;
inline constexpr size_t kMaxFrames = 4096;  // array frames after the header
// The CBOR header's nesting depth and item count are bounded too: the CBOR reader recurses per
// level, and a few MB of tiny items would otherwise parse into a far larger json tree.
inline constexpr size_t kMaxHeaderDepth = 64;
inline constexpr size_t kMaxHeaderItems = 1u << 20;

struct MessageError : Error {
  using Error::Error;
};

struct Message {
  std::string type;                  // "task", "rollout", "scored", "weights", "control", ...
  json header = json::object();      // type-specific fields (schema and type are added by encode)
  std::vector<std::string> frames;   // raw arrays (frames 1.. on the wire)
  std::string peer;                  // ROUTER sockets: the sender's identity (not on the wire)
};

// Message -> wire frames, and back. decode throws MessageError (and nothing else, whatever the
// bytes); the decoded header holds neither "schema" nor "type". encode throws Error for a message
// this side got wrong (no type, a header that is not an object, too many frames).
std::vector<std::string> encode(const Message& m);
Message decode(std::vector<std::string> parts);
// Frame 0 alone, so that senders can pass m.frames to the socket without copying them.
std::string encode_header(const Message& m);

// Arrays in frames: little-endian, checked sizes.
template <typename T>
std::string pack_array(const T* data, size_t n) {
  static_assert(std::is_trivially_copyable_v<T>);
  return std::string(reinterpret_cast<const char*>(data), n * sizeof(T));
}
template <typename T>
std::string pack_array(const std::vector<T>& v) {
  return pack_array(v.data(), v.size());
}
// Throws MessageError when the frame's size is not a multiple of sizeof(T) or, when
// expected_count >= 0, does not hold exactly that many elements. `what` names the array.
template <typename T>
std::vector<T> unpack_array(const std::string& frame, const char* what, long expected_count = -1) {
  if (frame.size() % sizeof(T) != 0) {
    throw MessageError(cat("array '", what, "': ", frame.size(), " bytes is not a multiple of ", sizeof(T)));
  }
  size_t n = frame.size() / sizeof(T);
  if (expected_count >= 0 && n != static_cast<size_t>(expected_count)) {
    throw MessageError(cat("array '", what, "': ", n, " elements, expected ", expected_count));
  }
  std::vector<T> v(n);
  if (n) std::memcpy(v.data(), frame.data(), frame.size());
  return v;
}

// Reads a required header field with a type check; throws MessageError naming the field.
template <typename T>
T header_field(const Message& m, const char* key) {
  auto it = m.header.find(key);
  if (it == m.header.end()) throw MessageError(cat(m.type, " message: missing header field '", key, "'"));
  try {
    return it->template get<T>();
  } catch (const json::exception&) {
    throw MessageError(cat(m.type, " message: header field '", key, "' has the wrong type (", json_type_name(*it), ")"));
  }
}

}  // namespace r1
