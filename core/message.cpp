#include "core/message.h"

#include <bit>
#include <cstdint>
#include <exception>

namespace r1 {

// Arrays travel as raw host-order bytes and are documented as little-endian on the wire.
static_assert(std::endian::native == std::endian::little,
              "the wire format assumes a little-endian host");

namespace {

// nlohmann's CBOR reader recurses once per nesting level (arrays, maps and indefinite-length
// string chunks), so a header of a few MB of 0x81 bytes would overflow the stack. This walk
// checks the shape iteratively first: nesting depth, item count (which bounds the memory the
// parsed json can take), reserved or unsupported initial bytes, and lengths that run past the
// frame. What it lets through, from_cbor still checks in full.
class CborShapeCheck {
 public:
  explicit CborShapeCheck(const std::string& s) : s_(s) {}

  void run() {
    struct Open {
      uint64_t
          left;  // items still to come in a definite-length container (a map counts 2 per entry)
      bool indefinite;
    };
    std::vector<Open> open;
    size_t items = 0;
    for (;;) {
      uint8_t ib = byte();
      if (ib == 0xFF) {
        if (open.empty() || !open.back().indefinite)
          bad("a 'break' byte outside an indefinite-length item");
        open.pop_back();
      } else {
        if (++items > kMaxHeaderItems) bad(cat("more than ", kMaxHeaderItems, " items"));
        int major = ib >> 5;
        bool indefinite = false;
        uint64_t arg = argument(ib, &indefinite);
        if (indefinite && (major < 2 || major > 5))
          bad(cat("indefinite length on major type ", major));
        switch (major) {
          case 0:
          case 1:
            break;
          case 2:
          case 3:
            if (indefinite) {
              skip_chunks(major);
            } else {
              skip(arg);
            }
            break;
          case 4:
          case 5: {
            if (open.size() >= kMaxHeaderDepth)
              bad(cat("nested deeper than ", kMaxHeaderDepth, " levels"));
            if (indefinite) {
              open.push_back({0, true});
              continue;
            }
            // Each item takes at least one byte: a longer count than the bytes left is a lie.
            if (arg > s_.size() - pos_ || (major == 5 && arg > (s_.size() - pos_) / 2)) {
              bad(cat("a container of ", arg, " entries in ", s_.size() - pos_,
                      " remaining bytes"));
            }
            uint64_t n = major == 5 ? 2 * arg : arg;
            if (n > 0) {
              open.push_back({n, false});
              continue;
            }
            break;  // an empty container is a complete item
          }
          case 6:
            bad("CBOR tags are not supported");
          default:  // 7: simple values and floats; the argument already skipped their bytes
            break;
        }
      }
      // One item is complete: count it against the definite-length containers it closes.
      while (!open.empty() && !open.back().indefinite) {
        if (--open.back().left > 0) break;
        open.pop_back();
      }
      if (open.empty())
        return;  // the top-level item is complete (from_cbor rejects trailing bytes)
    }
  }

 private:
  [[noreturn]] void bad(const std::string& why) const {
    throw MessageError(cat("header frame: invalid CBOR at byte ", pos_, ": ", why));
  }
  uint8_t byte() {
    if (pos_ >= s_.size()) bad("truncated");
    return static_cast<uint8_t>(s_[pos_++]);
  }
  void skip(uint64_t n) {
    if (n > s_.size() - pos_) bad(cat("a length of ", n, " runs past the end of the frame"));
    pos_ += static_cast<size_t>(n);
  }
  // The argument of an initial byte; for major type 7 it is the float or simple value itself.
  uint64_t argument(uint8_t ib, bool* indefinite) {
    int ai = ib & 31;
    if (ai < 24) return static_cast<uint64_t>(ai);
    if (ai >= 28 && ai <= 30) bad(cat("reserved initial byte 0x", std::hex, int(ib)));
    if (ai == 31) {
      *indefinite = true;
      return 0;
    }
    int bytes = 1 << (ai - 24);  // 24..27 -> 1, 2, 4, 8
    uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) v = (v << 8) | byte();
    return v;
  }
  // An indefinite-length string is a series of definite-length chunks of the same major type.
  void skip_chunks(int major) {
    for (;;) {
      uint8_t ib = byte();
      if (ib == 0xFF) return;
      bool indefinite = false;
      uint64_t len = argument(ib, &indefinite);
      if ((ib >> 5) != major || indefinite)
        bad("an indefinite-length string with a chunk of another kind");
      skip(len);
    }
  }

  const std::string& s_;
  size_t pos_ = 0;
};

}  // namespace

std::string encode_header(const Message& m) {
  if (m.type.empty()) fail("encode: a message needs a type");
  if (!m.header.is_object())
    fail("encode: ", m.type, " message: the header must be a JSON object, got ",
         json_type_name(m.header));
  json h = m.header;
  h["schema"] = kSchemaVersion;
  h["type"] = m.type;
  std::vector<uint8_t> bytes = json::to_cbor(h);
  if (bytes.size() > kMaxHeaderBytes) {
    fail("encode: ", m.type, " message: header of ", bytes.size(), " bytes exceeds ",
         kMaxHeaderBytes);
  }
  return std::string(bytes.begin(), bytes.end());
}

std::vector<std::string> encode(const Message& m) {
  if (m.frames.size() > kMaxFrames) {
    fail("encode: ", m.type, " message: ", m.frames.size(), " array frames exceed ", kMaxFrames);
  }
  std::vector<std::string> parts;
  parts.reserve(1 + m.frames.size());
  parts.push_back(encode_header(m));
  parts.insert(parts.end(), m.frames.begin(), m.frames.end());
  return parts;
}

Message decode(std::vector<std::string> parts) {
  if (parts.empty()) throw MessageError("message has no frames (expected a header frame)");
  if (parts.size() - 1 > kMaxFrames) {
    throw MessageError(
        cat("message has ", parts.size() - 1, " array frames, more than ", kMaxFrames));
  }
  const std::string& head = parts[0];
  if (head.empty()) throw MessageError("header frame is empty");
  if (head.size() > kMaxHeaderBytes) {
    throw MessageError(cat("header frame of ", head.size(), " bytes exceeds ", kMaxHeaderBytes));
  }
  CborShapeCheck(head).run();
  json h;
  try {
    h = json::from_cbor(head);
  } catch (const std::exception& e) {
    // json::exception for bad bytes; anything else (bad_alloc) is still the peer's doing.
    throw MessageError(cat("header frame: invalid CBOR: ", e.what()));
  }
  if (!h.is_object()) throw MessageError(cat("header must be a CBOR map, got ", json_type_name(h)));
  auto schema = h.find("schema");
  if (schema == h.end()) throw MessageError("header has no 'schema' field");
  if (!schema->is_number_integer()) {
    throw MessageError(
        cat("header field 'schema' must be an integer, got ", json_type_name(*schema)));
  }
  // Compare as the stored kind: a huge unsigned must not wrap into range.
  bool same = schema->is_number_unsigned()
                  ? schema->get<uint64_t>() == static_cast<uint64_t>(kSchemaVersion)
                  : schema->get<int64_t>() == kSchemaVersion;
  if (!same) {
    throw MessageError(cat("schema ", schema->dump(), ", this build speaks ", kSchemaVersion));
  }
  auto type = h.find("type");
  if (type == h.end()) throw MessageError("header has no 'type' field");
  if (!type->is_string()) {
    throw MessageError(cat("header field 'type' must be a string, got ", json_type_name(*type)));
  }
  Message m;
  m.type = type->get<std::string>();
  if (m.type.empty()) throw MessageError("header field 'type' is empty");
  h.erase("schema");
  h.erase("type");
  m.header = std::move(h);
  m.frames.reserve(parts.size() - 1);
  for (size_t i = 1; i < parts.size(); ++i) m.frames.push_back(std::move(parts[i]));
  return m;
}

}  // namespace r1
