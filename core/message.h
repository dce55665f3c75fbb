// The wire format of every channel. A message is a small JSON header, encoded as CBOR, plus raw
// little-endian arrays as extra frames (token ids, log-probs, weights). Frame 0 is the header;
// it must hold {"schema": kSchemaVersion, "type": <kind>, ...}. decode() validates everything a
// peer could get wrong (empty or truncated frames, bad CBOR, wrong schema, a wrong type, array
// frames of the wrong size) and throws MessageError naming the problem, never crashing.
#pragma once
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <type_traits>
#include <utility>
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

// A header value as T, without the conversions nlohmann's get<T>() makes silently (a float or
// a bool read as an integer, -1 read as a huge unsigned, 2^40 truncated into an int): integers
// must be integers that fit T, floating-point values any number but a bool, bools bools and
// strings strings. Returns false when the value is not a T.
template <typename T>
bool header_value(const json& v, T* out) {
  if constexpr (std::is_same_v<T, bool>) {
    if (!v.is_boolean()) return false;
    *out = v.get<bool>();
  } else if constexpr (std::is_integral_v<T>) {
    if (v.is_number_unsigned()) {
      const uint64_t u = v.get<uint64_t>();
      if (!std::in_range<T>(u)) return false;
      *out = static_cast<T>(u);
    } else if (v.is_number_integer()) {
      const int64_t i = v.get<int64_t>();
      if (!std::in_range<T>(i)) return false;
      *out = static_cast<T>(i);
    } else {
      return false;
    }
  } else if constexpr (std::is_floating_point_v<T>) {
    if (!v.is_number()) return false;
    *out = v.get<T>();
  } else if constexpr (std::is_same_v<T, std::string>) {
    if (!v.is_string()) return false;
    *out = v.get_ref<const std::string&>();
  } else {
    static_assert(std::is_same_v<T, json>, "header_value: bool, an integer, a float, std::string or json");
    *out = v;
  }
  return true;
}

// What header_value<T> accepts, for messages.
template <typename T>
std::string header_type_name() {
  if constexpr (std::is_same_v<T, bool>) return "a boolean";
  else if constexpr (std::is_integral_v<T>) return cat("an integer in [", +std::numeric_limits<T>::min(), ", ", +std::numeric_limits<T>::max(), "]");
  else if constexpr (std::is_floating_point_v<T>) return "a number";
  else if constexpr (std::is_same_v<T, std::string>) return "a string";
  else return "a value";
}

// Reads a required header field with a strict type check (header_value); throws MessageError
// naming the message, the field, what it must be and what it is.
template <typename T>
T header_field(const Message& m, const char* key) {
  auto it = m.header.find(key);
  if (it == m.header.end()) throw MessageError(cat(m.type, " message: missing header field '", key, "'"));
  T v{};
  if (!header_value(*it, &v)) {
    throw MessageError(cat(m.type, " message: header field '", key, "' has the wrong type: expected ", header_type_name<T>(), ", got ",
                           json_type_name(*it), it->is_number() ? cat(" ", it->dump()) : std::string()));
  }
  return v;
}

}  // namespace r1
