#include <gtest/gtest.h>

#include <cstdlib>
#include <functional>
#include <random>

#include "core/message.h"
#include "tests/common/error_of.h"

using namespace r1;

namespace {

// Bytes from values, so that zero bytes and hex escapes cannot cut a literal short.
std::string bytes(std::initializer_list<int> v) {
  std::string s;
  for (int b : v) s.push_back(static_cast<char>(b));
  return s;
}

std::string cbor(const json& j) {
  std::vector<uint8_t> b = json::to_cbor(j);
  return std::string(b.begin(), b.end());
}

Message sample_message() {
  Message m;
  m.type = "rollout";
  m.header = {{"seq", 42},
              {"neg", -7},
              {"big", uint64_t{1} << 63},
              {"ratio", 0.125},
              {"worker", "rollout-3"},
              {"task", {{"id", "t1"}, {"difficulty", 2}, {"tags", {"a", "b"}}}},
              {"flags", {true, false}},
              {"nothing", nullptr}};
  std::vector<int32_t> tokens = {1, -2, 300000, 7};
  std::vector<float> logprobs = {-0.5f, -1.25f, 0.0f, -3.0e-8f};
  m.frames = {pack_array(tokens), pack_array(logprobs), std::string(), std::string("a\0b\xff", 4)};
  return m;
}

}  // namespace

TEST(Message, RoundTripKeepsHeaderAndFrames) {
  Message m = sample_message();
  std::vector<std::string> parts = encode(m);
  ASSERT_EQ(parts.size(), 5u);
  EXPECT_EQ(parts[1], m.frames[0]);

  // Frame 0 is plain CBOR holding schema and type next to the fields.
  json head = json::from_cbor(parts[0]);
  EXPECT_EQ(head["schema"], kSchemaVersion);
  EXPECT_EQ(head["type"], "rollout");

  Message d = decode(parts);
  EXPECT_EQ(d.type, "rollout");
  EXPECT_EQ(d.header, m.header);  // schema and type are not left in the header
  EXPECT_FALSE(d.header.contains("schema"));
  EXPECT_EQ(header_field<int>(d, "seq"), 42);
  EXPECT_EQ(header_field<int64_t>(d, "neg"), -7);
  EXPECT_EQ(header_field<uint64_t>(d, "big"), uint64_t{1} << 63);
  EXPECT_EQ(header_field<std::string>(d, "worker"), "rollout-3");
  ASSERT_EQ(d.frames.size(), 4u);
  EXPECT_EQ(unpack_array<int32_t>(d.frames[0], "tokens", 4),
            (std::vector<int32_t>{1, -2, 300000, 7}));
  EXPECT_EQ(unpack_array<float>(d.frames[1], "logprobs"),
            (std::vector<float>{-0.5f, -1.25f, 0.0f, -3.0e-8f}));
  EXPECT_TRUE(unpack_array<float>(d.frames[2], "empty", 0).empty());
  EXPECT_EQ(d.frames[3], std::string("a\0b\xff", 4));
  EXPECT_TRUE(d.peer.empty());
}

TEST(Message, EncodeHeaderMatchesEncode) {
  Message m = sample_message();
  EXPECT_EQ(encode_header(m), encode(m)[0]);
}

TEST(Message, EncodeRejectsWhatThisSideGotWrong) {
  Message m;
  EXPECT_THROW(encode(m), Error);  // no type
  m.type = "task";
  m.header = json::array({1});
  EXPECT_THROW(encode(m), Error);
  m.header = json::object();
  m.frames.resize(kMaxFrames + 1);
  EXPECT_THROW(encode(m), Error);
}

TEST(Message, ArrayAndFieldErrorsNameTheirInput) {
  std::string six(6, 'x');
  EXPECT_NE(r1::testing::error_of<MessageError>([&] { unpack_array<float>(six, "logprobs"); }).find("'logprobs'"),
            std::string::npos);
  std::string eight(8, 'x');
  std::string e = r1::testing::error_of<MessageError>([&] { unpack_array<float>(eight, "logprobs", 3); });
  EXPECT_NE(e.find("2 elements, expected 3"), std::string::npos) << e;

  Message m = decode(encode(sample_message()));
  e = r1::testing::error_of<MessageError>([&] { header_field<int>(m, "absent"); });
  EXPECT_NE(e.find("missing header field 'absent'"), std::string::npos) << e;
  e = r1::testing::error_of<MessageError>([&] { header_field<int>(m, "worker"); });
  EXPECT_NE(e.find("'worker' has the wrong type"), std::string::npos) << e;
}

TEST(Message, DecodeRejectsEachProblemByName) {
  auto err = [](std::vector<std::string> parts) {
    return r1::testing::error_of<MessageError>([&] { decode(std::move(parts)); });
  };
  auto contains = [](const std::string& s, const std::string& what) {
    return s.find(what) != std::string::npos
               ? ::testing::AssertionSuccess()
               : ::testing::AssertionFailure() << "'" << s << "' lacks '" << what << "'";
  };
  EXPECT_TRUE(contains(err({}), "no frames"));
  EXPECT_TRUE(contains(err({""}), "header frame is empty"));
  EXPECT_TRUE(contains(err({std::string(kMaxHeaderBytes + 1, '\xa0')}), "exceeds"));
  {
    std::vector<std::string> parts(kMaxFrames + 2, "");
    parts[0] = cbor({{"schema", 1}, {"type", "x"}});
    EXPECT_TRUE(contains(err(parts), "array frames, more than"));
  }
  EXPECT_TRUE(contains(err({"\xff"}), "invalid CBOR"));
  EXPECT_TRUE(contains(err({"\xa1\x61"}), "invalid CBOR"));  // truncated map
  EXPECT_TRUE(contains(err({cbor({{"schema", 1}, {"type", "x"}}) + "z"}),
                       "invalid CBOR"));  // trailing byte
  EXPECT_TRUE(contains(err({cbor(json::array({1, 2}))}), "header must be a CBOR map"));
  EXPECT_TRUE(contains(err({cbor(7)}), "header must be a CBOR map"));
  EXPECT_TRUE(contains(err({cbor({{"type", "x"}})}), "no 'schema'"));
  EXPECT_TRUE(contains(err({cbor({{"schema", "1"}, {"type", "x"}})}),
                       "'schema' must be an integer, got string"));
  EXPECT_TRUE(contains(err({cbor({{"schema", 1.0}, {"type", "x"}})}),
                       "'schema' must be an integer, got number"));
  EXPECT_TRUE(
      contains(err({cbor({{"schema", 2}, {"type", "x"}})}), "schema 2, this build speaks 1"));
  EXPECT_TRUE(contains(err({cbor({{"schema", -1}, {"type", "x"}})}), "schema -1"));
  EXPECT_TRUE(contains(err({cbor({{"schema", 1}})}), "no 'type'"));
  EXPECT_TRUE(
      contains(err({cbor({{"schema", 1}, {"type", 3}})}), "'type' must be a string, got integer"));
  EXPECT_TRUE(contains(err({cbor({{"schema", 1}, {"type", ""}})}), "'type' is empty"));
  // CBOR that would take the parser's stack or memory: deep nesting, nested indefinite strings,
  // millions of items, lengths past the end, tags.
  EXPECT_TRUE(contains(err({std::string(8u << 20, '\x81') + '\x00'}), "nested deeper than"));
  EXPECT_TRUE(contains(err({std::string(100000, '\x9f')}), "nested deeper than"));
  EXPECT_TRUE(contains(err({std::string(8u << 20, '\x7f')}), "chunk of another kind"));
  EXPECT_TRUE(contains(err({bytes({0x9b, 0, 0, 0, 1, 0, 0, 0, 0}) + std::string(10, '\0')}),
                       "remaining bytes"));
  EXPECT_TRUE(
      contains(err({bytes({0xb9, 0x10, 0x00, 0x60, 0x60})}), "remaining bytes"));  // map of 4096
  EXPECT_TRUE(contains(err({bytes({0x5a, 0xff, 0xff, 0xff, 0xff, 0})}), "runs past the end"));
  EXPECT_TRUE(contains(err({bytes({0xc1, 0})}), "tags are not supported"));
  EXPECT_TRUE(contains(err({bytes({0x1c})}), "reserved"));
  EXPECT_TRUE(contains(err({bytes({0x1f})}), "indefinite length on major type 0"));
  EXPECT_TRUE(contains(err({bytes({0x82, 0x01, 0xff})}), "'break' byte outside"));
  EXPECT_TRUE(
      contains(err({bytes({0x82, 0x01})}), "a container of 2 entries in 1 remaining bytes"));
  EXPECT_TRUE(contains(err({bytes({0x19, 0x01})}), "truncated"));
  EXPECT_TRUE(contains(err({bytes({0x82, 0x7f, 0x61, 'a', 0x01, 0xff})}), "chunk of another kind"));
  {
    std::string many =
        bytes({0x9a, 0x00, 0x20, 0x00, 0x00});  // an array of 2M items, each one byte
    many += std::string(2u << 20, '\x00');
    EXPECT_TRUE(contains(err({many}), "items"));
  }
}

TEST(Message, DecodeAcceptsWhatTheShapeCheckMustLetThrough) {
  // Indefinite-length containers and strings are valid CBOR; the shape check must not refuse them.
  std::string head = "\xbf";  // map, indefinite
  head += "\x66schema\x01";
  head += "\x64type\x7f\x62ro\x62ll\x63out\xff";                   // "rollout" in chunks
  head += "\x61x\x9f\x01\x82\x02\x03\xa0\xff";                     // x: [1, [2, 3], {}]
  head += bytes({0x61, 'y', 0xfb, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0});  // y: 1.0 (double)
  head += "\xff";
  Message m = decode({head, "frame"});
  EXPECT_EQ(m.type, "rollout");
  EXPECT_EQ(m.header["x"], json::parse("[1, [2, 3], {}]"));
  EXPECT_EQ(m.header["y"], 1.0);
  // Nesting up to the limit is fine.
  json deep = 1;
  for (size_t i = 0; i + 2 < kMaxHeaderDepth; ++i) deep = json::array({deep});
  Message n;
  n.type = "deep";
  n.header = {{"d", deep}};
  EXPECT_EQ(decode(encode(n)).header, n.header);
}

// Random and mutated frame sets: decode may accept or throw MessageError, nothing else, and
// must never crash (run under ASan/UBSan to see out-of-bounds reads).
TEST(Message, FuzzedFramesOnlyEverThrowMessageError) {
  std::mt19937_64 rng(20240611);
  std::vector<std::string> seeds;
  seeds.push_back(encode(sample_message())[0]);
  Message w;
  w.type = "weights";
  w.header = {
      {"version", 3}, {"expert_bias", {{0.5, -0.25}, {}, {1e-3}}}, {"s", std::string(300, 'q')}};
  seeds.push_back(encode(w)[0]);
  seeds.push_back(cbor({{"schema", 1}, {"type", "control"}}));
  // Bytes that are CBOR initial bytes of every kind, so mutations reach deep into the parser.
  const std::string heads =
      bytes({0x00, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1f, 0x20, 0x38, 0x40, 0x58, 0x5f,
             0x60, 0x78, 0x7f, 0x80, 0x81, 0x98, 0x9f, 0xa0, 0xa1, 0xb8, 0xbf, 0xc0,
             0xd8, 0xe0, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa, 0xfb, 0xff});
  auto pick = [&](size_t n) { return static_cast<size_t>(rng() % n); };
  size_t accepted = 0, rejected = 0;
  // R1_FUZZ_ITERATIONS runs a longer fuzz (under ASan/UBSan, say); the default takes ~0.3 s.
  const char* env = std::getenv("R1_FUZZ_ITERATIONS");
  const int kIterations = env && std::atoi(env) > 0 ? std::atoi(env) : 25000;
  for (int it = 0; it < kIterations; ++it) {
    std::string h = seeds[pick(seeds.size())];
    switch (pick(7)) {
      case 0:  // flip a few bits
        for (size_t k = 1 + pick(4); k > 0 && !h.empty(); --k)
          h[pick(h.size())] ^= static_cast<char>(1 << pick(8));
        break;
      case 1:  // truncate
        h.resize(pick(h.size() + 1));
        break;
      case 2:  // overwrite with CBOR initial bytes
        for (size_t k = 1 + pick(6); k > 0 && !h.empty(); --k)
          h[pick(h.size())] = heads[pick(heads.size())];
        break;
      case 3:  // insert random bytes
        h.insert(pick(h.size() + 1), std::string(1 + pick(8), static_cast<char>(rng())));
        break;
      case 4: {  // pure random bytes
        h.assign(pick(64), '\0');
        for (char& c : h) c = static_cast<char>(rng());
        break;
      }
      case 5: {  // random CBOR-ish stream
        h.clear();
        for (size_t k = pick(40); k > 0; --k) {
          h += heads[pick(heads.size())];
          if (pick(2)) h += static_cast<char>(rng());
        }
        break;
      }
      default: {  // splice two seeds
        const std::string& o = seeds[pick(seeds.size())];
        h = h.substr(0, pick(h.size() + 1)) + o.substr(pick(o.size() + 1));
        break;
      }
    }
    std::vector<std::string> parts;
    if (pick(20) != 0) parts.push_back(h);
    for (size_t k = pick(4); k > 0; --k)
      parts.push_back(std::string(pick(16), static_cast<char>(rng())));
    try {
      Message m = decode(parts);
      EXPECT_FALSE(m.type.empty());
      EXPECT_TRUE(m.header.is_object());
      ++accepted;
    } catch (const MessageError&) {
      ++rejected;
    } catch (const std::exception& e) {
      ADD_FAILURE() << "decode threw something other than MessageError: " << e.what();
    }
  }
  EXPECT_EQ(accepted + rejected, static_cast<size_t>(kIterations));
  EXPECT_GT(accepted, 0u);  // some mutations stay valid: the accepting path is exercised too
  EXPECT_GT(rejected, static_cast<size_t>(kIterations) / 2);
}
