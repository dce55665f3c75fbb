// Weights shared in place between a learner's model and its rollout workers' (an embedded run on
// one GPU, run/roles.cpp): the reader sees the owner's parameters and expert biases with no
// copy, cannot write them, and frees nothing; the turns of WeightsShare keep readers and the
// writer apart, with the writer first. The run-level proof (the same metrics as copying) is
// RlLoop.SharedWeightsGiveTheSameMetricsAsCopies.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>
#include <utility>

#include "core/error.h"
#include "model/model.h"
#include "model/weights_share.h"
#include "tests/common/model_test_util.h"

using namespace r1;
using namespace std::chrono_literals;

namespace {

std::vector<float> logprobs(Model<float>& m, const PackedBatch& b) {
  std::vector<float> lp(static_cast<size_t>(b.num_tokens()));
  m.forward(b, lp.data());
  return lp;
}

}  // namespace

TEST(SharedWeights, ReaderSeesTheOwnersWeightsInPlace) {
  const ModelConfig cfg = test::tiny_config();
  Model<float> owner(cfg);
  owner.init_weights(3);
  auto reader = Model<float>::sharing_weights_of(owner);
  EXPECT_TRUE(reader->shares_weights());
  EXPECT_FALSE(owner.shares_weights());
  const Model<float>& reading = *reader;  // params() for writing throws on a sharing model
  EXPECT_EQ(reading.params(), std::as_const(owner).params()) << "the same memory, not a copy";
  const PackedBatch b = test::random_batch({5, 9}, cfg.vocab_size, 7);
  EXPECT_EQ(logprobs(*reader, b), logprobs(owner, b));

  // The owner's writes (AdamW, a checkpoint load) are what the reader computes with next.
  const std::vector<float> before = logprobs(*reader, b);
  std::vector<float> w(owner.num_params());
  owner.read_params(w.data(), 0, w.size());
  for (size_t i = 0; i < w.size(); i += 7) w[i] *= 1.5f;
  owner.write_params(w.data(), 0, w.size());
  const std::vector<float> after = logprobs(*reader, b);
  EXPECT_NE(after, before);
  EXPECT_EQ(after, logprobs(owner, b));

  // Expert biases are shared too (the learner's balancing step moves them).
  int moe_layer = -1;
  for (int l = 0; l < cfg.num_hidden_layers && moe_layer < 0; ++l)
    if (!owner.expert_bias(l).empty()) moe_layer = l;
  ASSERT_GE(moe_layer, 0) << "tiny-moe has a layer with a selection bias";
  std::vector<float> bias(owner.expert_bias(moe_layer).size());
  for (size_t e = 0; e < bias.size(); ++e) bias[e] = 0.01f * static_cast<float>(e);
  owner.set_expert_bias(moe_layer, bias);
  EXPECT_EQ(reader->expert_bias(moe_layer), bias);
}

TEST(SharedWeights, OnlyTheOwnerWrites) {
  Model<float> owner(test::tiny_config());
  owner.init_weights(3);
  auto reader = Model<float>::sharing_weights_of(owner);
  std::vector<float> w(reader->num_params(), 0.5f);
  auto names_the_rule = [](const std::function<void()>& f) {
    try {
      f();
    } catch (const Error& e) {
      return std::string(e.what()).find("reads another model's weights in place") !=
             std::string::npos;
    }
    return false;
  };
  EXPECT_TRUE(names_the_rule([&] { reader->write_params(w.data(), 0, w.size()); }));
  EXPECT_TRUE(names_the_rule([&] { reader->init_weights(1); }));
  EXPECT_TRUE(names_the_rule([&] { reader->copy_weights_from(owner); }));
  EXPECT_TRUE(names_the_rule([&] { reader->update_expert_bias(1e-3); }));
  EXPECT_TRUE(names_the_rule([&] { reader->set_expert_bias(0, {}); }));
  EXPECT_TRUE(names_the_rule([&] { reader->params(); }));
  EXPECT_TRUE(names_the_rule([&] { reader->param("model.norm.weight"); }));
  // Nothing was written, and a reader that goes away frees nothing of the owner's.
  reader.reset();
  std::vector<float> got(owner.num_params());
  owner.read_params(got.data(), 0, got.size());
  Model<float> fresh(test::tiny_config());
  fresh.init_weights(3);
  std::vector<float> want(fresh.num_params());
  fresh.read_params(want.data(), 0, want.size());
  EXPECT_EQ(got, want);
}

// A writer waits for the readers holding a turn; once it waits, a new reader waits behind it
// (workers taking turns never starve the learner); a reader waits for the writer to finish.
TEST(SharedWeights, TurnsKeepTheWriterApartAndFirst) {
  WeightsShare share;
  std::atomic<int> stage{0};
  auto r1 = share.read();
  std::thread writer([&] {
    auto w = share.write();
    stage = 1;  // writing
    std::this_thread::sleep_for(50ms);
    share.publish(1, 9);
    stage = 2;
  });
  while (share.writers_waiting() == 0) std::this_thread::sleep_for(1ms);
  std::this_thread::sleep_for(20ms);
  EXPECT_EQ(stage.load(), 0) << "the writer must wait for the reader";
  std::atomic<bool> second_reading{false};
  std::atomic<int> stage_seen_by_second{-1};
  std::thread reader2([&] {
    auto r = share.read();
    stage_seen_by_second = stage.load();
    second_reading = true;
  });
  std::this_thread::sleep_for(50ms);
  EXPECT_FALSE(second_reading.load()) << "a new reader waits behind a waiting writer";
  r1.release();
  writer.join();
  reader2.join();
  EXPECT_EQ(stage_seen_by_second.load(), 2) << "the second reader ran after the writer finished";
  const WeightsShare::Version v = share.current();
  EXPECT_TRUE(v.published);
  EXPECT_EQ(v.version, 1u);
  EXPECT_EQ(v.session, 9u);
}

// The turns at work on real models: a reader thread runs forward passes on a model sharing the
// owner's weights while the owner rewrites them, tensor by tensor, alternating between two known
// sets. Every reader result is the result of one set, never of a mix. (With the reader's turn
// taken out, a forward that overlaps a rewrite reads part of each set: three tries while writing
// this test gave 54, 7 and 86 mixed results of 150.)
TEST(SharedWeights, ReadersNeverSeeAHalfWrittenUpdate) {
  const ModelConfig cfg = test::tiny_config();
  Model<float> owner(cfg);
  owner.init_weights(5);
  auto reader = Model<float>::sharing_weights_of(owner);
  std::vector<float> a(owner.num_params()), b(owner.num_params());
  owner.read_params(a.data(), 0, a.size());
  for (size_t i = 0; i < b.size(); ++i) b[i] = a[i] * 0.75f + 0.01f;
  const PackedBatch batch = test::random_batch({6, 4}, cfg.vocab_size, 3);
  owner.write_params(b.data(), 0, b.size());
  const std::vector<float> want_b = logprobs(owner, batch);
  owner.write_params(a.data(), 0, a.size());
  const std::vector<float> want_a = logprobs(owner, batch);
  ASSERT_NE(want_a, want_b);

  WeightsShare share;
  std::atomic<bool> done{false};
  std::thread writer([&] {
    for (int round = 0; !done; ++round) {
      std::this_thread::sleep_for(1ms);  // between updates (writers go first: a writer that
                                         // never paused would keep every reader waiting)
      const std::vector<float>& w = round % 2 ? a : b;
      auto turn = share.write();
      for (const ParamInfo& p : owner.table().params()) {
        owner.write_params(w.data() + p.offset, p.offset, p.numel);
        std::this_thread::sleep_for(20us);  // a wide window for a reader that would not wait
      }
      share.publish(static_cast<uint64_t>(round + 1), 1);
    }
  });
  int mixed = 0, seen_a = 0, seen_b = 0;
  for (int i = 0; i < 150; ++i) {
    auto turn = share.read();
    const std::vector<float> got = logprobs(*reader, batch);
    turn.release();
    if (got == want_a) {
      ++seen_a;
    } else if (got == want_b) {
      ++seen_b;
    } else {
      ++mixed;
    }
  }
  done = true;
  writer.join();
  EXPECT_EQ(mixed, 0);
  EXPECT_GT(seen_a + seen_b, 0);
  std::printf("reader results: set a %d, set b %d, mixed %d\n", seen_a, seen_b, mixed);
}

TEST(SharedWeights, WaitChangeReturnsOnPublishOrTimeout) {
  WeightsShare share;
  const auto t0 = std::chrono::steady_clock::now();
  WeightsShare::Version v = share.wait_change({}, 30);
  EXPECT_FALSE(v.published);
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 25ms);
  std::thread pub([&] {
    std::this_thread::sleep_for(20ms);
    share.publish(4, 2);
  });
  v = share.wait_change({}, 10000);
  pub.join();
  EXPECT_TRUE(v.published);
  EXPECT_EQ(v.version, 4u);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s) << "woken by the publish, not the timeout";
}
