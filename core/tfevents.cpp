#include "core/tfevents.h"

#include <fcntl.h>
#include <unistd.h>

#include <bit>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "core/crc32c.h"
#include "core/error.h"
#include "core/fs.h"
#include "core/log.h"

namespace r1 {

namespace {

// ---- protobuf wire format, the few pieces Event and Summary need ----

enum WireType : uint32_t { kVarint = 0, kFixed64 = 1, kLengthDelimited = 2, kFixed32 = 5 };

void put_varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

void put_key(std::string& out, uint32_t field, WireType type) {
  put_varint(out, (uint64_t{field} << 3) | type);
}

void put_fixed(std::string& out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

void put_bytes(std::string& out, uint32_t field, const std::string& bytes) {
  put_key(out, field, kLengthDelimited);
  put_varint(out, bytes.size());
  out += bytes;
}

// Event fields (tensorflow/core/util/event.proto).
constexpr uint32_t kEventWallTime = 1, kEventStep = 2, kEventFileVersion = 3, kEventSummary = 5,
                   kEventSessionLog = 7;
// Summary{repeated Value value = 1}; Value{string tag = 1; float simple_value = 2}.
constexpr uint32_t kSummaryValue = 1, kValueTag = 1, kValueSimpleValue = 2;
constexpr uint32_t kSessionLogStatus = 1;
constexpr int kSessionStart = 1;

std::string event_head(double wall_time, int64_t step) {
  std::string e;
  put_key(e, kEventWallTime, kFixed64);
  put_fixed(e, std::bit_cast<uint64_t>(wall_time), 8);
  put_key(e, kEventStep, kVarint);
  put_varint(e,
             static_cast<uint64_t>(step));  // int64: negative values take 10 bytes, as in protobuf
  return e;
}

class PbReader {
 public:
  PbReader(const std::string& s, const char* what)
      : p_(s.data()), end_(s.data() + s.size()), what_(what) {}
  bool done() const { return p_ == end_; }
  void key(uint32_t* field, uint32_t* type) {
    uint64_t k = varint();
    *field = static_cast<uint32_t>(k >> 3);
    *type = static_cast<uint32_t>(k & 7);
  }
  uint64_t varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (p_ == end_) bad("truncated varint");
      uint8_t b = static_cast<uint8_t>(*p_++);
      v |= uint64_t{b & 0x7Fu} << shift;
      if (!(b & 0x80)) return v;
    }
    bad("varint longer than 10 bytes");
  }
  uint64_t fixed(int bytes) {
    if (end_ - p_ < bytes) bad("truncated fixed-size field");
    uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) v |= uint64_t{static_cast<uint8_t>(p_[i])} << (8 * i);
    p_ += bytes;
    return v;
  }
  std::string bytes() {
    uint64_t n = varint();
    if (n > static_cast<uint64_t>(end_ - p_)) bad("length-delimited field runs past the end");
    std::string s(p_, static_cast<size_t>(n));
    p_ += n;
    return s;
  }
  void skip(uint32_t type) {
    switch (type) {
      case kVarint:
        varint();
        return;
      case kFixed64:
        fixed(8);
        return;
      case kLengthDelimited:
        bytes();
        return;
      case kFixed32:
        fixed(4);
        return;
      default:
        bad(cat("unsupported wire type ", type));
    }
  }
  void expect(uint32_t type, uint32_t want, uint32_t field) {
    if (type != want) bad(cat("field ", field, " has wire type ", type, ", expected ", want));
  }
  [[noreturn]] void bad(const std::string& why) const {
    fail("malformed ", what_, " protobuf: ", why);
  }

 private:
  const char* p_;
  const char* end_;
  const char* what_;
};

std::string host_name() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0 || !buf[0]) return "localhost";
  std::string h(buf);
  for (char& c : h) {
    if (c == '/') c = '_';  // a hostname never holds one, but a file name must not
  }
  return h;
}

}  // namespace

double unix_time_now() {
  using namespace std::chrono;
  return duration_cast<duration<double>>(system_clock::now().time_since_epoch()).count();
}

// ---- writer ----

TfEventWriter::TfEventWriter(const std::string& dir) {
  make_dirs(dir);
  char stamp[32];
  std::snprintf(stamp, sizeof stamp, "%010lld", static_cast<long long>(unix_time_now()));
  std::string base = join_path(dir, cat("events.out.tfevents.", stamp, ".", host_name()));
  for (int n = 0;; ++n) {
    path_ = n == 0 ? base : cat(base, ".", n);
    int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd >= 0) {
      file_ = ::fdopen(fd, "wb");
      if (!file_) {
        int e = errno;
        ::close(fd);
        fail(path_, ": cannot open for writing: ", std::strerror(e));
      }
      break;
    }
    if (errno != EEXIST || n >= 1000)
      fail(path_, ": cannot create event file: ", std::strerror(errno));
  }
  std::string e;
  put_key(e, kEventWallTime, kFixed64);
  put_fixed(e, std::bit_cast<uint64_t>(unix_time_now()), 8);
  put_bytes(e, kEventFileVersion, "brain.Event:2");
  write_record(e);
  flush();  // TensorBoard recognises the file from its first record
}

TfEventWriter::~TfEventWriter() {
  if (!file_) return;
  if (std::fflush(file_) != 0 || std::ferror(file_))
    log_error(path_, ": could not write event data: ", std::strerror(errno));
  std::fclose(file_);
}

void TfEventWriter::write_record(const std::string& data) {
  std::string rec;
  rec.reserve(data.size() + 16);
  put_fixed(rec, data.size(), 8);
  put_fixed(rec, mask_crc32c(crc32c(rec.data(), 8)), 4);
  rec += data;
  put_fixed(rec, mask_crc32c(crc32c(data.data(), data.size())), 4);
  if (std::fwrite(rec.data(), 1, rec.size(), file_) != rec.size())
    fail(path_, ": write failed: ", std::strerror(errno));
}

void TfEventWriter::scalars(int64_t step, const std::vector<std::pair<std::string, double>>& values,
                            double wall_time) {
  std::string summary;
  for (const auto& [tag, value] : values) {
    std::string v;
    put_bytes(v, kValueTag, tag);
    put_key(v, kValueSimpleValue, kFixed32);
    put_fixed(v, std::bit_cast<uint32_t>(static_cast<float>(value)), 4);
    put_bytes(summary, kSummaryValue, v);
  }
  std::string e = event_head(wall_time, step);
  put_bytes(e, kEventSummary, summary);
  write_record(e);
}

void TfEventWriter::scalar(const std::string& tag, int64_t step, double value, double wall_time) {
  scalars(step, {{tag, value}}, wall_time);
}

void TfEventWriter::session_start(int64_t step, double wall_time) {
  std::string log;
  put_key(log, kSessionLogStatus, kVarint);
  put_varint(log, kSessionStart);
  std::string e = event_head(wall_time, step);
  put_bytes(e, kEventSessionLog, log);
  write_record(e);
}

void TfEventWriter::flush() {
  if (std::fflush(file_) != 0) fail(path_, ": cannot write event data: ", std::strerror(errno));
}

// ---- reader ----

std::vector<std::string> read_tf_records(const std::string& path) {
  const std::string data = read_file(path);
  std::vector<std::string> records;
  size_t pos = 0;
  auto le = [&](size_t at, int bytes) {
    uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) v |= uint64_t{static_cast<uint8_t>(data[at + i])} << (8 * i);
    return v;
  };
  while (pos < data.size()) {
    auto where = [&] { return cat(path, ": record ", records.size(), " at byte ", pos, ": "); };
    if (data.size() - pos < 12)
      fail(where(), "truncated header (", data.size() - pos, " bytes left)");
    uint64_t len = le(pos, 8);
    if (mask_crc32c(crc32c(data.data() + pos, 8)) != le(pos + 8, 4))
      fail(where(), "length CRC mismatch");
    if (len > data.size() - pos - 12 || data.size() - pos - 12 - len < 4) {
      fail(where(), "truncated: length ", len, " runs past the end of the file");
    }
    const char* body = data.data() + pos + 12;
    if (mask_crc32c(crc32c(body, len)) != le(pos + 12 + len, 4)) fail(where(), "data CRC mismatch");
    records.emplace_back(body, len);
    pos += 12 + len + 4;
  }
  return records;
}

TfEvent parse_tf_event(const std::string& data) {
  TfEvent ev;
  PbReader r(data, "Event");
  while (!r.done()) {
    uint32_t field, type;
    r.key(&field, &type);
    if (field == kEventWallTime) {
      r.expect(type, kFixed64, field);
      ev.wall_time = std::bit_cast<double>(r.fixed(8));
    } else if (field == kEventStep) {
      r.expect(type, kVarint, field);
      ev.step = static_cast<int64_t>(r.varint());
    } else if (field == kEventFileVersion) {
      r.expect(type, kLengthDelimited, field);
      ev.file_version = r.bytes();
    } else if (field == kEventSummary) {
      r.expect(type, kLengthDelimited, field);
      std::string summary = r.bytes();
      PbReader s(summary, "Summary");
      while (!s.done()) {
        uint32_t sf, st;
        s.key(&sf, &st);
        if (sf != kSummaryValue) {
          s.skip(st);
          continue;
        }
        s.expect(st, kLengthDelimited, sf);
        std::string value = s.bytes();
        PbReader v(value, "Summary.Value");
        std::string tag;
        bool simple = false;
        float x = 0;
        while (!v.done()) {
          uint32_t vf, vt;
          v.key(&vf, &vt);
          if (vf == kValueTag) {
            v.expect(vt, kLengthDelimited, vf);
            tag = v.bytes();
          } else if (vf == kValueSimpleValue) {
            v.expect(vt, kFixed32, vf);
            x = std::bit_cast<float>(static_cast<uint32_t>(v.fixed(4)));
            simple = true;
          } else {
            v.skip(vt);  // images, histograms, tensors: not ours
          }
        }
        if (simple) ev.values.emplace_back(tag, x);
      }
    } else if (field == kEventSessionLog) {
      r.expect(type, kLengthDelimited, field);
      std::string log = r.bytes();
      PbReader l(log, "SessionLog");
      while (!l.done()) {
        uint32_t lf, lt;
        l.key(&lf, &lt);
        if (lf == kSessionLogStatus && lt == kVarint) {
          ev.session_status = static_cast<int>(l.varint());
        } else {
          l.skip(lt);
        }
      }
    } else {
      r.skip(type);
    }
  }
  return ev;
}

std::vector<TfScalar> read_tf_events(const std::string& path) {
  std::vector<TfScalar> out;
  std::vector<std::string> records = read_tf_records(path);
  for (size_t i = 0; i < records.size(); ++i) {
    TfEvent ev;
    try {
      ev = parse_tf_event(records[i]);
    } catch (const Error& e) {
      fail(path, ": record ", i, ": ", e.what());
    }
    for (auto& [tag, value] : ev.values) out.push_back({ev.wall_time, ev.step, tag, value});
  }
  return out;
}

}  // namespace r1
