#include <gtest/gtest.h>
#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <thread>

#include "core/channel.h"
#include "tests/common/temp_dir.h"
#include "tests/common/error_of.h"

using r1::testing::error_of;

using namespace r1;
using Clock = std::chrono::steady_clock;

namespace {

Message numbered(const std::string& type, int seq, size_t payload_floats = 3) {
  Message m;
  m.type = type;
  m.header = {{"seq", seq}};
  std::vector<float> v(payload_floats);
  for (size_t i = 0; i < v.size(); ++i)
    v[i] = static_cast<float>(seq) + 0.5f * static_cast<float>(i);
  m.frames.push_back(pack_array(v));
  return m;
}

int seq_of(const Message& m) {
  return header_field<int>(m, "seq");
}

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

// PUSH -> PULL from another thread: every message arrives, in order, with its frames.
void push_pull(Context& ctx, const std::string& endpoint) {
  Channel pull(ctx, SocketKind::Pull, "rollouts", endpoint, /*bind=*/true);
  const std::string at = pull.endpoint();  // a wildcard tcp port resolves here
  constexpr int kCount = 200;
  std::atomic<bool> consumed{false};
  std::thread producer([&] {
    Channel push(ctx, SocketKind::Push, "rollouts", at, /*bind=*/false);
    for (int i = 0; i < kCount; ++i) EXPECT_TRUE(push.send(numbered("rollout", i), 5000));
    // send() only queues; with linger 0, closing now could drop what is still in flight.
    for (auto t0 = Clock::now(); !consumed && ms_since(t0) < 10000;)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
  });
  for (int i = 0; i < kCount; ++i) {
    auto m = pull.recv(5000);
    EXPECT_TRUE(m) << "message " << i << " over " << at;
    if (!m) break;
    EXPECT_EQ(m->type, "rollout");
    EXPECT_EQ(seq_of(*m), i);
    EXPECT_EQ(unpack_array<float>(m->frames.at(0), "payload", 3),
              (std::vector<float>{float(i), i + 0.5f, i + 1.0f}));
  }
  consumed = true;
  producer.join();
  EXPECT_EQ(pull.rejected(), 0u);
}

// PUB -> SUB. A subscriber only sees messages published after its connection is up (the "slow
// joiner"), so the publisher repeats a probe until one arrives.
void pub_sub(Context& ctx, const std::string& endpoint) {
  Channel pub(ctx, SocketKind::Pub, "weights", endpoint, true);
  Channel sub(ctx, SocketKind::Sub, "weights", pub.endpoint(), false);
  bool joined = false;
  for (auto t0 = Clock::now(); !joined && ms_since(t0) < 5000;) {
    ASSERT_TRUE(pub.send(numbered("probe", -1), 0));
    joined = sub.recv(10).has_value();
  }
  ASSERT_TRUE(joined) << "subscriber never connected to " << pub.endpoint();
  while (sub.recv(20)) {
  }  // drain extra probes
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(pub.send(numbered("control", i), 1000));
  for (int i = 0; i < 50; ++i) {
    auto m = sub.recv(2000);
    ASSERT_TRUE(m);
    EXPECT_EQ(m->type, "control");
    EXPECT_EQ(seq_of(*m), i);
  }
}

// DEALER -> ROUTER -> back to that DEALER by identity.
void router_dealer(Context& ctx, const std::string& endpoint) {
  Channel router(ctx, SocketKind::Router, "control", endpoint, true);
  ChannelOptions opts;
  opts.identity = "rollout-3";
  Channel dealer(ctx, SocketKind::Dealer, "control", router.endpoint(), false, opts);
  ASSERT_TRUE(dealer.send(numbered("hello", 7), 5000));
  auto got = router.recv(5000);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->peer, "rollout-3");
  EXPECT_EQ(got->type, "hello");
  EXPECT_EQ(seq_of(*got), 7);
  Message reply = numbered("ack", 8);
  reply.peer = got->peer;
  ASSERT_TRUE(router.send(reply, 1000));
  auto back = dealer.recv(5000);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->type, "ack");
  EXPECT_EQ(seq_of(*back), 8);
  EXPECT_TRUE(back->peer.empty());
  // A peer the router never heard of: refused, not silently dropped.
  reply.peer = "nobody";
  EXPECT_FALSE(router.send(reply, 100));
  reply.peer.clear();
  EXPECT_THROW(router.send(reply, 100), Error);
}

}  // namespace

TEST(Channel, PushPullInproc) {
  Context ctx;
  push_pull(ctx, "inproc://rollouts-pp");
}
TEST(Channel, PushPullTcp) {
  Context ctx;
  push_pull(ctx, "tcp://127.0.0.1:*");
}
TEST(Channel, PushPullIpc) {
  Context ctx;
  r1::testing::TempDir dir("ipc");
  push_pull(ctx, "ipc://" + dir.file("rollouts.sock"));
}
TEST(Channel, PubSubInproc) {
  Context ctx;
  pub_sub(ctx, "inproc://weights-ps");
}
TEST(Channel, PubSubTcp) {
  Context ctx;
  pub_sub(ctx, "tcp://127.0.0.1:*");
}
TEST(Channel, PubSubIpc) {
  Context ctx;
  r1::testing::TempDir dir("ipc");
  pub_sub(ctx, "ipc://" + dir.file("weights.sock"));
}
TEST(Channel, RouterDealerInproc) {
  Context ctx;
  router_dealer(ctx, "inproc://control-rd");
}
TEST(Channel, RouterDealerTcp) {
  Context ctx;
  router_dealer(ctx, "tcp://127.0.0.1:*");
}
TEST(Channel, RouterDealerIpc) {
  Context ctx;
  r1::testing::TempDir dir("ipc");
  router_dealer(ctx, "ipc://" + dir.file("control.sock"));
}

TEST(Channel, BoundTcpEndpointReportsItsPort) {
  Context ctx;
  Channel pull(ctx, SocketKind::Pull, "tasks", "tcp://127.0.0.1:*", true);
  EXPECT_EQ(pull.endpoint().rfind("tcp://127.0.0.1:", 0), 0u);
  EXPECT_EQ(pull.endpoint().find('*'), std::string::npos) << pull.endpoint();
  EXPECT_EQ(pull.name(), "tasks");
  EXPECT_EQ(pull.kind(), SocketKind::Pull);
}

TEST(Channel, RecvAndSendTimeOut) {
  Context ctx;
  Channel pull(ctx, SocketKind::Pull, "tasks", "inproc://timeouts", true);
  auto t0 = Clock::now();
  EXPECT_FALSE(pull.recv(60));
  double waited = ms_since(t0);
  EXPECT_GE(waited, 55);
  EXPECT_LT(waited, 2000);
  EXPECT_FALSE(pull.recv(0));
  // A PUSH with no connected peer (immediate) cannot queue anything. (Not inproc: there a
  // connect before the bind already makes the queue.)
  r1::testing::TempDir dir("ipc");
  Channel push(ctx, SocketKind::Push, "tasks", "ipc://" + dir.file("nobody-listens"), false);
  t0 = Clock::now();
  EXPECT_FALSE(push.send(numbered("task", 1), 60));
  EXPECT_GE(ms_since(t0), 55);
  EXPECT_FALSE(push.send(numbered("task", 1), 0));
}

TEST(Channel, SendBlocksAtHighWaterMarkUntilTimeout) {
  Context ctx;
  ChannelOptions small;
  small.send_hwm = 2;
  small.recv_hwm = 2;
  Channel pull(ctx, SocketKind::Pull, "scored", "inproc://hwm", true, small);
  Channel push(ctx, SocketKind::Push, "scored", "inproc://hwm", false, small);
  int sent = 0;
  while (sent < 100 && push.send(numbered("scored", sent), 20)) ++sent;
  EXPECT_LT(sent, 100);  // the queue filled and send gave up
  EXPECT_GE(sent, 2);
  for (int i = 0; i < sent; ++i) {
    auto m = pull.recv(1000);
    ASSERT_TRUE(m);
    EXPECT_EQ(seq_of(*m), i);
  }
  EXPECT_TRUE(push.send(numbered("scored", sent), 1000));  // room again
}

TEST(Channel, GarbageIsRejectedCountedAndSkipped) {
  Context ctx;
  Channel pull(ctx, SocketKind::Pull, "scored", "inproc://garbage", true);
  Channel push(ctx, SocketKind::Push, "scored", "inproc://garbage", false);
  auto cbor = [](const json& j) {
    auto b = json::to_cbor(j);
    return std::string(b.begin(), b.end());
  };
  std::vector<std::vector<std::string>> garbage = {
      {"not cbor at all"},
      {""},
      {std::string(1, '\xff'), "frame"},
      {cbor({{"schema", 2}, {"type", "scored"}})},
      {cbor({{"schema", 1}})},
      {cbor(json::array({1, 2, 3}))},
      {std::string(100000, '\x81')},
      std::vector<std::string>(kMaxFrames + 5, "x"),
  };
  for (const auto& g : garbage) ASSERT_TRUE(push.send_raw(g, 1000));
  ASSERT_TRUE(push.send(numbered("scored", 99), 1000));
  auto m = pull.recv(2000);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->type, "scored");
  EXPECT_EQ(seq_of(*m), 99);
  EXPECT_EQ(pull.rejected(), garbage.size());
  EXPECT_NE(pull.last_reject_reason().find("more than"), std::string::npos)
      << pull.last_reject_reason();

  // Garbage alone: recv times out quietly, having counted it.
  ASSERT_TRUE(push.send_raw({cbor({{"schema", 2}, {"type", "x"}})}, 1000));
  EXPECT_FALSE(pull.recv(100));
  EXPECT_EQ(pull.rejected(), garbage.size() + 1);
  EXPECT_NE(pull.last_reject_reason().find("schema 2, this build speaks 1"), std::string::npos);

  // With timeout 0, a valid message queued behind garbage is still found.
  ASSERT_TRUE(push.send_raw({"junk"}, 1000));
  ASSERT_TRUE(push.send(numbered("scored", 100), 1000));
  std::optional<Message> next;
  for (auto t0 = Clock::now(); !next && ms_since(t0) < 2000;) next = pull.recv(0);
  ASSERT_TRUE(next);
  EXPECT_EQ(seq_of(*next), 100);
}

TEST(Channel, RouterRejectsGarbageFromAPeer) {
  Context ctx;
  Channel router(ctx, SocketKind::Router, "control", "inproc://router-garbage", true);
  Channel dealer(ctx, SocketKind::Dealer, "control", "inproc://router-garbage", false);
  ASSERT_TRUE(dealer.send_raw({"\x01\x02"}, 1000));
  ASSERT_TRUE(dealer.send(numbered("hello", 1), 1000));
  auto m = router.recv(2000);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->type, "hello");
  EXPECT_FALSE(m->peer.empty());  // ZeroMQ's generated identity
  EXPECT_EQ(router.rejected(), 1u);
}

TEST(Channel, BindToAnAddressInUseNamesTheEndpoint) {
  Context ctx;
  Channel first(ctx, SocketKind::Pull, "rollouts", "tcp://127.0.0.1:*", true);
  std::string taken = first.endpoint();
  std::string e = error_of([&] { Channel second(ctx, SocketKind::Pull, "scored", taken, true); });
  EXPECT_NE(e.find(taken), std::string::npos) << e;
  EXPECT_NE(e.find("'scored'"), std::string::npos) << e;
  EXPECT_NE(e.find("bind"), std::string::npos) << e;

  Channel in(ctx, SocketKind::Pull, "tasks", "inproc://taken", true);
  e = error_of([&] { Channel again(ctx, SocketKind::Pull, "tasks", "inproc://taken", true); });
  EXPECT_NE(e.find("inproc://taken"), std::string::npos) << e;
}

TEST(Channel, MalformedEndpointsNameTheEndpoint) {
  Context ctx;
  for (std::string ep :
       {"tcp://127.0.0.1", "nonsense", "bogus://x:1", "tcp://127.0.0.1:notaport", ""}) {
    for (bool bind : {true, false}) {
      std::string e = error_of([&] { Channel c(ctx, SocketKind::Push, "tasks", ep, bind); });
      EXPECT_NE(e.find("channel 'tasks' (" + ep + ")"), std::string::npos) << ep << " -> " << e;
      EXPECT_NE(e.find(bind ? "cannot bind" : "cannot connect"), std::string::npos) << e;
    }
  }
  ChannelOptions bad;
  bad.identity = std::string(256, 'x');  // ZeroMQ identities are 1 to 255 bytes
  EXPECT_NE(error_of([&] {
              Channel c(ctx, SocketKind::Dealer, "control", "inproc://id", false, bad);
            }).find("identity"),
            std::string::npos);
}

TEST(Channel, MisuseThrows) {
  Context ctx;
  Channel pub(ctx, SocketKind::Pub, "weights", "inproc://misuse", true);
  EXPECT_THROW(pub.recv(0), Error);
  Channel sub(ctx, SocketKind::Sub, "weights", "inproc://misuse", false);
  EXPECT_THROW(sub.send(numbered("x", 1), 0), Error);
  EXPECT_THROW(pub.send_raw({}, 0), Error);
}

namespace {
void ignore_signal(int) {}
}  // namespace

// Signals (SIGCHLD from sandboxed children, say) interrupt ZeroMQ's waits with EINTR; they must
// neither end a wait early nor surface as errors.
TEST(Channel, SignalsDoNotBreakWaits) {
  struct sigaction sa {
  }, old{};
  sa.sa_handler = ignore_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: blocking calls see EINTR
  ASSERT_EQ(sigaction(SIGUSR1, &sa, &old), 0);

  Context ctx;
  Channel pull(ctx, SocketKind::Pull, "tasks", "inproc://signals", true);
  std::atomic<bool> stop{false};
  pthread_t target = pthread_self();
  std::thread pinger([&] {
    while (!stop) {
      pthread_kill(target, SIGUSR1);
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  });
  auto t0 = Clock::now();
  EXPECT_FALSE(pull.recv(200));
  EXPECT_GE(ms_since(t0), 190);  // the whole timeout, despite ~40 signals

  std::atomic<bool> received{false};
  std::thread late([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    Channel push(ctx, SocketKind::Push, "tasks", "inproc://signals", false);
    EXPECT_TRUE(push.send(numbered("task", 5), 1000));
    while (!received)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));  // linger 0: stay until read
  });
  auto m = pull.recv(-1);  // blocks through the signals until the message comes
  received = true;
  late.join();
  ASSERT_TRUE(m);
  EXPECT_EQ(seq_of(*m), 5);
  stop = true;
  pinger.join();
  sigaction(SIGUSR1, &old, nullptr);
}

TEST(Channel, ContextShutdownWakesBlockedCalls) {
  Context ctx;
  std::atomic<int> result{-1};
  std::atomic<bool> ready{false};
  std::thread waiter([&] {
    Channel pull(ctx, SocketKind::Pull, "tasks", "inproc://shutdown", true);
    ready = true;
    result = pull.recv(-1).has_value() ? 1 : 0;
    EXPECT_FALSE(pull.recv(0));  // later calls return at once too
  });
  while (!ready) std::this_thread::yield();
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  ctx.shutdown();
  waiter.join();
  EXPECT_EQ(result, 0);
}
