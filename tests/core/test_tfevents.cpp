#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <random>

#include "core/crc32c.h"
#include "core/error.h"
#include "core/fs.h"
#include "core/tfevents.h"
#include "tests/common/temp_dir.h"
#include "tests/common/error_of.h"

using r1::testing::error_of;

using namespace r1;

namespace {

void overwrite_byte(const std::string& path, size_t at, char value) {
  std::string data = read_file(path);
  ASSERT_LT(at, data.size());
  data[at] = value;
  std::ofstream(path, std::ios::binary | std::ios::trunc) << data;
}

std::string bytes(std::initializer_list<int> v) {
  std::string s;
  for (int b : v) s.push_back(static_cast<char>(b));
  return s;
}

}  // namespace

TEST(Crc32c, KnownVectors) {
  // The check value of CRC-32C, and the iSCSI test vectors of RFC 3720 B.4.
  EXPECT_EQ(crc32c("123456789", 9), 0xE3069283u);
  EXPECT_EQ(crc32c("", 0), 0u);
  std::string zeros(32, '\0'), ones(32, '\xff'), inc(32, '\0'), dec(32, '\0');
  for (int i = 0; i < 32; ++i) inc[i] = static_cast<char>(i), dec[i] = static_cast<char>(31 - i);
  EXPECT_EQ(crc32c(zeros.data(), 32), 0x8A9136AAu);
  EXPECT_EQ(crc32c(ones.data(), 32), 0x62A8AB43u);
  EXPECT_EQ(crc32c(inc.data(), 32), 0x46DD794Eu);
  EXPECT_EQ(crc32c(dec.data(), 32), 0x113FDB5Cu);
  EXPECT_EQ(crc32c_portable("123456789", 9), 0xE3069283u);
  EXPECT_EQ(mask_crc32c(0), 0xa282ead8u);
  EXPECT_EQ(mask_crc32c(0x12345678u), ((0x12345678u >> 15) | (0x12345678u << 17)) + 0xa282ead8u);
}

TEST(Crc32c, AcceleratedMatchesPortableAndContinues) {
  std::mt19937 rng(7);
  std::string data(1000, '\0');
  for (char& c : data) c = static_cast<char>(rng());
  for (size_t n : {0, 1, 7, 8, 9, 63, 64, 65, 999, 1000}) {
    for (size_t start : {0, 1, 3}) {
      if (start + n > data.size()) continue;
      EXPECT_EQ(crc32c(data.data() + start, n), crc32c_portable(data.data() + start, n))
          << n << " at " << start;
    }
    uint32_t whole = crc32c(data.data(), n);
    EXPECT_EQ(crc32c(data.data() + n / 3, n - n / 3, crc32c(data.data(), n / 3)), whole);
  }
}

TEST(TfEvents, WritesScalarsThatReadBack) {
  r1::testing::TempDir dir("tfev");
  std::string path;
  {
    TfEventWriter w(dir.path());
    path = w.path();
    w.scalar("loss", 1, 0.5, 1000.25);
    w.scalars(2, {{"reward/mean", 0.75}, {"kl", -2.5}}, 1001.0);
    w.scalar("big_step", int64_t{1} << 40, 3.0, 1002.0);
    w.scalar("negative_step", -3, 1e-7, 1003.0);
  }  // the destructor flushes
  std::string name = std::filesystem::path(path).filename();
  EXPECT_EQ(name.rfind("events.out.tfevents.", 0), 0u) << name;
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  EXPECT_NE(name.find(std::string(".") + host), std::string::npos) << name;

  std::vector<std::string> records = read_tf_records(path);
  ASSERT_EQ(records.size(), 5u);
  // Event{wall_time (fixed64), file_version = 3: "brain.Event:2"}
  EXPECT_EQ(records[0].size(), 9u + 2u + 13u);
  EXPECT_EQ(records[0].substr(9), bytes({0x1A, 13}) + "brain.Event:2");
  TfEvent first = parse_tf_event(records[0]);
  EXPECT_EQ(first.file_version, "brain.Event:2");
  EXPECT_GT(first.wall_time, 1.6e9);

  std::vector<TfScalar> s = read_tf_events(path);
  ASSERT_EQ(s.size(), 5u);
  EXPECT_EQ(s[0].tag, "loss");
  EXPECT_EQ(s[0].step, 1);
  EXPECT_EQ(s[0].value, 0.5);
  EXPECT_EQ(s[0].wall_time, 1000.25);
  EXPECT_EQ(s[1].tag, "reward/mean");
  EXPECT_EQ(s[1].step, 2);
  EXPECT_EQ(s[1].value, 0.75);
  EXPECT_EQ(s[2].tag, "kl");
  EXPECT_EQ(s[2].value, -2.5);
  EXPECT_EQ(s[2].wall_time, 1001.0);
  EXPECT_EQ(s[3].step, int64_t{1} << 40);
  EXPECT_EQ(s[4].step, -3);
  EXPECT_EQ(s[4].value, static_cast<double>(1e-7f));  // simple_value is a float
}

// The exact bytes of one record, worked out by hand from the protobuf and TFRecord specs, so the
// writer and the reader cannot agree on a mistake.
TEST(TfEvents, RecordBytesMatchTheSpec) {
  r1::testing::TempDir dir("tfev");
  std::string path;
  {
    TfEventWriter w(dir.path());
    path = w.path();
    w.scalar("a", 1, 1.0, 1.0);
  }
  std::string event = bytes({0x09, 0,    0,   0,    0,   0, 0, 0xF0, 0x3F,  // field 1, fixed64: 1.0
                             0x10, 0x01,                     // field 2, varint: step 1
                             0x2A, 0x0A,                     // field 5 (summary), 10 bytes
                             0x0A, 0x08,                     //   Summary.value, 8 bytes
                             0x0A, 0x01, 'a',                //     Value.tag "a"
                             0x15, 0,    0,   0x80, 0x3F});  //     Value.simple_value 1.0f
  std::string data = read_file(path);
  ASSERT_GE(data.size(), event.size() + 16);
  std::string last = data.substr(data.size() - event.size() - 16);
  std::string length = bytes({static_cast<int>(event.size()), 0, 0, 0, 0, 0, 0, 0});
  EXPECT_EQ(last.substr(0, 8), length);
  uint32_t len_crc = mask_crc32c(crc32c(length.data(), 8));
  uint32_t data_crc = mask_crc32c(crc32c(event.data(), event.size()));
  auto le32 = [](uint32_t v) {
    return bytes({int(v & 0xFF), int((v >> 8) & 0xFF), int((v >> 16) & 0xFF), int(v >> 24)});
  };
  EXPECT_EQ(last.substr(8, 4), le32(len_crc));
  EXPECT_EQ(last.substr(12, event.size()), event);
  EXPECT_EQ(last.substr(12 + event.size()), le32(data_crc));
}

TEST(TfEvents, CorruptionIsReportedWithTheRecord) {
  r1::testing::TempDir dir("tfev");
  std::string path;
  {
    TfEventWriter w(dir.path());
    path = w.path();
    for (int i = 0; i < 5; ++i) w.scalar("x", i, i * 0.5);
  }
  ASSERT_EQ(read_tf_events(path).size(), 5u);
  std::string data = read_file(path);
  size_t first_len = 12 + static_cast<uint8_t>(data[0]) + 4;  // the file_version record

  std::string copy = dir.file("copy");
  auto corrupt = [&](size_t at, const std::string& expect) {
    std::filesystem::copy_file(path, copy, std::filesystem::copy_options::overwrite_existing);
    overwrite_byte(copy, at, static_cast<char>(data[at] ^ 0x20));
    std::string e = error_of([&] { read_tf_events(copy); });
    EXPECT_NE(e.find(expect), std::string::npos) << "byte " << at << ": " << e;
    EXPECT_NE(e.find(copy), std::string::npos) << e;
  };
  corrupt(first_len + 20, "record 1 at byte " + std::to_string(first_len) + ": data CRC mismatch");
  corrupt(first_len + 2, "record 1 at byte " + std::to_string(first_len) + ": length CRC mismatch");
  corrupt(first_len + 9, "length CRC mismatch");  // the stored length CRC itself
  corrupt(data.size() - 1, "data CRC mismatch");  // the last record's data CRC

  std::ofstream(copy, std::ios::binary | std::ios::trunc) << data.substr(0, data.size() - 3);
  EXPECT_NE(error_of([&] { read_tf_events(copy); }).find("truncated"), std::string::npos);
  std::ofstream(copy, std::ios::binary | std::ios::trunc) << data.substr(0, first_len + 5);
  EXPECT_NE(error_of([&] { read_tf_events(copy); }).find("truncated header"), std::string::npos);
}

TEST(TfEvents, MalformedProtobufIsAnError) {
  EXPECT_THROW(parse_tf_event(bytes({0x09, 1, 2})), Error);        // truncated fixed64
  EXPECT_THROW(parse_tf_event(bytes({0x2A, 0x05, 0x0A})), Error);  // length past the end
  EXPECT_THROW(parse_tf_event(bytes({0x10, 0x80})), Error);        // truncated varint
  EXPECT_THROW(parse_tf_event(bytes({0x0B})), Error);              // group wire type
  EXPECT_THROW(parse_tf_event(bytes({0x10, 0x05, 0x08})), Error);  // wall_time as varint
  TfEvent ev = parse_tf_event(bytes({0x60, 0x07, 0x10, 0x04}));    // unknown field 12 skipped
  EXPECT_EQ(ev.step, 4);
}

TEST(TfEvents, SessionStartAndSeparateFiles) {
  r1::testing::TempDir dir("tfev");
  std::string p1, p2;
  {
    TfEventWriter a(dir.path());
    TfEventWriter b(dir.path());  // same second, same host: still its own file
    p1 = a.path();
    p2 = b.path();
    b.session_start(11, 5.0);
  }
  EXPECT_NE(p1, p2);
  std::vector<std::string> records = read_tf_records(p2);
  ASSERT_EQ(records.size(), 2u);
  // Event.session_log is field 7 (field 6 is the deprecated log_message, which TensorBoard
  // would not treat as a restart).
  EXPECT_EQ(records[1], bytes({0x09, 0, 0, 0, 0, 0, 0, 0x14, 0x40,  // wall_time 5.0
                               0x10, 11,                            // step 11
                               0x3A, 0x02, 0x08, 0x01}));           // session_log {status: START}
  TfEvent ev = parse_tf_event(records[1]);
  EXPECT_EQ(ev.session_status, 1);
  EXPECT_EQ(ev.step, 11);
  EXPECT_EQ(ev.wall_time, 5.0);
  EXPECT_TRUE(read_tf_events(p2).empty());
}
