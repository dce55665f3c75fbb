#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <functional>
#include <thread>

#include "core/channel.h"
#include "tests/common/error_of.h"

using namespace r1;

namespace {

WeightsPayload payload(uint64_t version, size_t n) {
  WeightsPayload w;
  w.version = version;
  w.params.resize(n);
  for (size_t i = 0; i < n; ++i)
    w.params[i] = static_cast<float>(version) * 1000.0f + static_cast<float>(i % 9973) * 0.25f;
  w.expert_bias = {{}, {0.5f, -0.25f, 1e-3f}, {static_cast<float>(version)}};
  return w;
}

// What a subscriber sees: the chunk messages after a trip through the wire format.
std::vector<Message> wire(const WeightsPayload& w, size_t chunk_floats) {
  std::vector<Message> out;
  for (const Message& m : weights_messages(w, chunk_floats)) out.push_back(decode(encode(m)));
  return out;
}

void expect_same(const WeightsPayload& a, const WeightsPayload& b) {
  EXPECT_EQ(a.version, b.version);
  ASSERT_EQ(a.params.size(), b.params.size());
  EXPECT_TRUE(a.params == b.params);
  EXPECT_EQ(a.expert_bias, b.expert_bias);
}

}  // namespace

TEST(Weights, ChunksCoverTheBufferWithHeaders) {
  WeightsPayload w = payload(5, 10);
  std::vector<Message> ms = weights_messages(w, 4);
  ASSERT_EQ(ms.size(), 3u);
  const uint64_t offsets[] = {0, 4, 8}, counts[] = {4, 4, 2};
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(ms[i].type, "weights");
    EXPECT_EQ(header_field<uint64_t>(ms[i], "version"), 5u);
    EXPECT_EQ(header_field<uint64_t>(ms[i], "chunk"), i);
    EXPECT_EQ(header_field<uint64_t>(ms[i], "chunks"), 3u);
    EXPECT_EQ(header_field<uint64_t>(ms[i], "offset"), offsets[i]);
    EXPECT_EQ(header_field<uint64_t>(ms[i], "count"), counts[i]);
    EXPECT_EQ(header_field<uint64_t>(ms[i], "total"), 10u);
    EXPECT_EQ(ms[i].header.contains("expert_bias"), i == 2);
    ASSERT_EQ(ms[i].frames.size(), 1u);
    EXPECT_EQ(ms[i].frames[0].size(), counts[i] * sizeof(float));
  }
  EXPECT_THROW(weights_messages(w, 0), Error);
}

TEST(Weights, AssemblesFromWireAndFromLocalMessages) {
  WeightsPayload w = payload(1, 1000);
  for (bool through_wire : {true, false}) {
    WeightsAssembler a;
    std::vector<Message> ms = through_wire ? wire(w, 64) : weights_messages(w, 64);
    for (size_t i = 0; i < ms.size(); ++i) EXPECT_EQ(a.add(ms[i]), i + 1 == ms.size());
    ASSERT_TRUE(a.ready());
    expect_same(a.take(), w);
    EXPECT_FALSE(a.ready());
    EXPECT_THROW(a.take(), Error);
  }
}

TEST(Weights, ChunksInAnyOrderAndEdgeSizes) {
  for (size_t n : {size_t{0}, size_t{1}, size_t{63}, size_t{64}, size_t{65}, size_t{640}}) {
    WeightsPayload w = payload(2, n);
    std::vector<Message> ms = wire(w, 64);
    std::reverse(ms.begin(), ms.end());  // the last chunk (with the biases) first
    WeightsAssembler a(n);
    int completed = 0;
    for (const Message& m : ms) completed += a.add(m);
    ASSERT_EQ(completed, 1) << n;
    expect_same(a.take(), w);
  }
}

TEST(Weights, PublishAndAssembleOverPubSub) {
  Context ctx;
  Channel pub(ctx, SocketKind::Pub, "weights", "inproc://weights-rt", true);
  Channel sub(ctx, SocketKind::Sub, "weights", "inproc://weights-rt", false);
  // Wait for the subscription to be in place (slow joiner).
  Message probe;
  probe.type = "probe";
  bool joined = false;
  for (int i = 0; i < 500 && !joined; ++i) {
    pub.send(probe, 0);
    joined = sub.recv(10).has_value();
  }
  ASSERT_TRUE(joined);
  while (sub.recv(10)) {
  }

  WeightsPayload w = payload(7, 1'500'000);  // 6 MB in 23 chunks
  publish_weights(pub, w, 65536);
  WeightsAssembler a(w.params.size());
  bool done = false;
  while (!done) {
    auto m = sub.recv(2000);
    ASSERT_TRUE(m) << "a chunk went missing";
    done = a.add(*m);
  }
  expect_same(a.take(), w);
}

TEST(Weights, InterleavedVersionsKeepTheNewest) {
  WeightsPayload v1 = payload(1, 500), v2 = payload(2, 500);
  std::vector<Message> m1 = wire(v1, 100), m2 = wire(v2, 100);  // 5 chunks each
  WeightsAssembler a;
  EXPECT_FALSE(a.add(m1[0]));
  EXPECT_FALSE(a.add(m1[1]));
  // v2 starts: the partial v1 is dropped, and its late chunks are ignored.
  EXPECT_FALSE(a.add(m2[0]));
  EXPECT_EQ(a.dropped(), 1u);
  EXPECT_FALSE(a.add(m1[2]));
  EXPECT_FALSE(a.add(m2[1]));
  EXPECT_FALSE(a.add(m1[3]));
  EXPECT_FALSE(a.add(m2[2]));
  EXPECT_FALSE(a.add(m2[3]));
  EXPECT_FALSE(a.add(m1[4]));
  EXPECT_TRUE(a.add(m2[4]));
  expect_same(a.take(), v2);
  // Nothing older or equal completes any more, whole or not.
  for (const Message& m : m1) EXPECT_FALSE(a.add(m));
  for (const Message& m : m2) EXPECT_FALSE(a.add(m));
  EXPECT_FALSE(a.ready());
}

TEST(Weights, DuplicateChunksAreHarmless) {
  WeightsPayload w = payload(3, 300);
  std::vector<Message> ms = wire(w, 100);
  WeightsAssembler a;
  EXPECT_FALSE(a.add(ms[0]));
  EXPECT_FALSE(a.add(ms[0]));
  EXPECT_FALSE(a.add(ms[1]));
  EXPECT_TRUE(a.add(ms[2]));
  expect_same(a.take(), w);
}

TEST(Weights, AMissingChunkLosesOnlyThatVersion) {
  WeightsPayload v3 = payload(3, 1000), v4 = payload(4, 1000);
  std::vector<Message> m3 = wire(v3, 128), m4 = wire(v4, 128);
  WeightsAssembler a;
  for (size_t i = 0; i < m3.size(); ++i) {
    if (i != 2) {  // chunk 2 was dropped at the HWM
      EXPECT_FALSE(a.add(m3[i]));
    }
  }
  EXPECT_FALSE(a.ready());
  bool done = false;
  for (const Message& m : m4) done = a.add(m);
  EXPECT_TRUE(done);
  expect_same(a.take(), v4);
  EXPECT_EQ(a.dropped(), 1u);
}

TEST(Weights, InconsistentChunksAreRejected) {
  WeightsPayload w = payload(9, 300);
  auto fresh = [&] { return wire(w, 100); };  // chunks 0,1,2 of 100 floats
  auto rejects = [&](const std::function<void(std::vector<Message>&)>& corrupt, size_t index,
                     const std::string& what) {
    std::vector<Message> ms = fresh();
    corrupt(ms);
    WeightsAssembler a;
    for (size_t i = 0; i < index; ++i) a.add(ms[i]);
    std::string e = r1::testing::error_of<MessageError>([&] { a.add(ms[index]); });
    EXPECT_NE(e.find(what), std::string::npos) << "expected '" << what << "', got '" << e << "'";
    EXPECT_NE(e.find("weights version 9"), std::string::npos) << e;
    return e;
  };
  rejects([](auto& ms) { ms[0].header["count"] = 99; }, 0, "does not hold count=99");
  rejects([](auto& ms) { ms[1].frames[0].pop_back(); }, 1, "frame of 399 bytes");
  rejects([](auto& ms) { ms[1].frames.push_back("x"); }, 1, "2 frames, expected 1");
  rejects([](auto& ms) { ms[1].header["offset"] = 150; }, 1, "offset 150 is not chunk * count");
  rejects([](auto& ms) { ms[1].header["total"] = 250; }, 1, "disagrees with earlier chunks");
  // Consistent on its own (6 chunks of 50), but not with chunk 0 (3 chunks of 100).
  rejects(
      [](auto& ms) {
        ms[1].header["chunks"] = 6;
        ms[1].header["count"] = 50;
        ms[1].header["offset"] = 50;
        ms[1].frames[0].resize(200);
      },
      1, "disagrees with earlier chunks");
  rejects([](auto& ms) { ms[1].header["total"] = 301; }, 1,
          "3 chunks of 100 floats do not make a total of 301");
  rejects([](auto& ms) { ms[0].header["total"] = 1000; }, 0, "do not make a total of 1000");
  rejects([](auto& ms) { ms[2].header["chunk"] = 3; }, 2, "chunk index out of range");
  rejects([](auto& ms) { ms[2].header["total"] = 299; }, 2, "exceeds total 299");
  rejects(
      [](auto& ms) {
        ms[2].header["offset"] = 151;
        ms[2].header["total"] = 251;
      },
      2, "not a multiple");
  rejects(
      [](auto& ms) {
        ms[2].header["offset"] = 150;
        ms[2].header["total"] = 250;
      },
      2, "last chunk of 100 floats, chunk size 75");
  rejects([](auto& ms) { ms[2].header.erase("expert_bias"); }, 2, "no 'expert_bias'");
  rejects([](auto& ms) { ms[2].header["expert_bias"] = "x"; }, 2, "'expert_bias' is a string");
  rejects([](auto& ms) { ms[2].header["expert_bias"] = json::array({json::array({"x"})}); }, 2,
          "holds a string");
  rejects(
      [](auto& ms) {
        ms[0].header["total"] = uint64_t{1} << 40;
        ms[0].header["chunks"] = 1;
      },
      0, "exceeds");

  // Fields that are missing, negative or of another type name themselves.
  WeightsAssembler a;
  Message m = fresh()[0];
  m.header["version"] = -1;
  EXPECT_NE(r1::testing::error_of<MessageError>([&] { a.add(m); }).find("'version' must be a non-negative integer"),
            std::string::npos);
  m = fresh()[0];
  m.header.erase("offset");
  EXPECT_NE(r1::testing::error_of<MessageError>([&] { a.add(m); }).find("missing header field 'offset'"),
            std::string::npos);
  m = fresh()[0];
  m.type = "rollout";
  EXPECT_NE(r1::testing::error_of<MessageError>([&] { a.add(m); }).find("'rollout'"), std::string::npos);
}

TEST(Weights, AVersionWithABadChunkIsAbandonedAndTheNextOneCompletes) {
  WeightsPayload v5 = payload(5, 300), v6 = payload(6, 300);
  std::vector<Message> m5 = wire(v5, 100), m6 = wire(v6, 100);
  m5[1].header["count"] = 7;
  WeightsAssembler a;
  EXPECT_FALSE(a.add(m5[0]));
  EXPECT_THROW(a.add(m5[1]), MessageError);
  EXPECT_EQ(a.dropped(), 1u);
  EXPECT_FALSE(a.add(m5[2]));  // the rest of version 5 is ignored, without more errors
  EXPECT_FALSE(a.add(m5[0]));
  bool done = false;
  for (const Message& m : m6) done = a.add(m);
  EXPECT_TRUE(done);
  expect_same(a.take(), v6);
}

TEST(Weights, ExpectedTotalGuardsTheModelSize) {
  WeightsPayload w = payload(1, 300);
  WeightsAssembler a(400);
  std::string e = r1::testing::error_of<MessageError>([&] { a.add(wire(w, 100)[0]); });
  EXPECT_NE(e.find("total 300 floats, this model has 400"), std::string::npos) << e;
}

TEST(Weights, ResetAcceptsAnOlderVersionAgain) {
  WeightsPayload v8 = payload(8, 200), v3 = payload(3, 200);
  WeightsAssembler a;
  bool done = false;
  for (const Message& m : wire(v8, 100)) done = a.add(m);
  ASSERT_TRUE(done);
  a.take();
  for (const Message& m : wire(v3, 100)) EXPECT_FALSE(a.add(m));  // older: ignored
  a.reset();
  done = false;
  for (const Message& m : wire(v3, 100)) done = a.add(m);
  EXPECT_TRUE(done);
  expect_same(a.take(), v3);
}

// Every header field is type-checked, the session too (it used to read as 0 when it was not an
// unsigned integer), and expert biases must be finite float32 values.
TEST(Weights, WronglyTypedOrNonFiniteFieldsAreRejected) {
  auto err = [](const std::function<void(json&)>& edit) {
    Message m = weights_messages(payload(1, 10), 100)[0];
    edit(m.header);
    Message w = decode(encode(m));
    WeightsAssembler a(10);
    return r1::testing::error_of<MessageError>([&] { a.add(w); });
  };
  EXPECT_EQ(err([](json&) {}), "");
  EXPECT_NE(err([](json& h) { h["session"] = "s"; }).find("'session'"), std::string::npos);
  EXPECT_NE(err([](json& h) { h["session"] = -1; }).find("'session'"), std::string::npos);
  EXPECT_NE(err([](json& h) { h["version"] = 1.5; }).find("'version'"), std::string::npos);
  EXPECT_NE(err([](json& h) { h["expert_bias"][1][0] = std::nan(""); }).find("not a finite float32"),
            std::string::npos);
  EXPECT_NE(err([](json& h) { h["expert_bias"][1][0] = 1e300; }).find("not a finite float32"), std::string::npos);
}
