// The transport's guards with real sockets: CurveZMQ keys from a run's key file (a peer without
// them gets nothing through, either way), the key file's errors, the transport config, and the
// per-channel frame size cap (a peer's oversized frame is never allocated).
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "core/channel.h"
#include "core/endpoints.h"
#include "core/fs.h"
#include "core/transport_keys.h"
#include "tests/common/error_of.h"
#include "tests/common/temp_dir.h"

using namespace r1;
using r1::testing::error_of;
using r1::testing::TempDir;

namespace {

Message note(int seq) {
  Message m;
  m.type = "note";
  m.header = {{"seq", seq}};
  return m;
}

ChannelOptions with_keys(const CurveKeys& k) {
  ChannelOptions o;
  o.curve = std::make_shared<const CurveKeys>(k);
  return o;
}

// Sends `m` from `from` until `to` receives something (a connection may still be shaking hands).
std::optional<Message> deliver(Channel& from, Channel& to, const Message& m, int seconds = 10) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (std::chrono::steady_clock::now() < end) {
    from.send(m, 100);
    if (auto got = to.recv(100)) return got;
  }
  return std::nullopt;
}

// Peak resident memory of this process, reset first through clear_refs (Linux >= 4.0).
bool reset_peak_rss() {
  std::ofstream f("/proc/self/clear_refs");
  f << "5";
  return static_cast<bool>(f);
}
long peak_rss_kb() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

}  // namespace

TEST(TransportKeys, CreatedOnceWithMode0600AndReadBack) {
  ASSERT_TRUE(curve_available()) << "this libzmq lacks CURVE";
  TempDir d("keys");
  const std::string path = d.file("run.key");
  CurveKeys a = create_key_file(path);
  struct stat st {};
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(a.server_public.size(), 40u);
  EXPECT_NE(a.server_public, a.client_public);
  CurveKeys b = create_key_file(path);  // exists: the same keys
  EXPECT_EQ(b.client_secret, a.client_secret);
  EXPECT_EQ(read_key_file(path).server_secret, a.server_secret);
}

TEST(TransportKeys, ConcurrentCreatorsAgreeOnOneKey) {
  TempDir d("keys_race");
  const std::string path = d.file("run.key");
  std::vector<CurveKeys> got(4);
  std::vector<std::thread> threads;
  for (auto& k : got) threads.emplace_back([&k, &path] { k = create_key_file(path); });
  for (auto& t : threads) t.join();
  for (const auto& k : got) EXPECT_EQ(k.server_secret, got[0].server_secret);
}

TEST(TransportKeys, MissingUnreadableOrMalformedFilesAreNamed) {
  TempDir d("keys_bad");
  std::string e = error_of([&] { read_key_file(d.file("absent.key")); });
  EXPECT_NE(e.find(d.file("absent.key")), std::string::npos) << e;
  EXPECT_NE(e.find("the learner creates it"), std::string::npos) << e;

  const std::string good = key_file_text(generate_curve_keys());
  auto with = [&](const std::string& text) {
    write_file_atomic(d.file("k"), text);
    return error_of([&] { read_key_file(d.file("k")); });
  };
  EXPECT_EQ(with(good), "");
  EXPECT_NE(with(good + "extra-key abc\n").find("unknown entry 'extra-key'"), std::string::npos);
  std::string shortened = good;
  shortened.replace(shortened.find("server-secret ") + 14, 5, "");
  e = with(shortened);
  EXPECT_NE(e.find("server-secret is not a 40-character Z85 key"), std::string::npos) << e;
  EXPECT_NE(e.find("line 4"), std::string::npos) << e;
  std::string without = good.substr(0, good.find("client-secret"));
  EXPECT_NE(with(without).find("no client-secret line"), std::string::npos);
  // Halves of two different key pairs.
  with(good);
  CurveKeys k = read_key_file(d.file("k"));
  k.client_public = generate_curve_keys().client_public;
  EXPECT_NE(with(key_file_text(k)).find("does not belong to its secret key"), std::string::npos);
  EXPECT_NE(with(std::string(5000, 'x')).find("not a key file"), std::string::npos);
}

TEST(TransportSecurity, ChannelsWithTheRunsKeysTalkOverTcp) {
  Context ctx;
  const CurveKeys k = generate_curve_keys();
  Channel pull(ctx, SocketKind::Pull, "scored", "tcp://127.0.0.1:*", true, with_keys(k));
  Channel push(ctx, SocketKind::Push, "scored", pull.endpoint(), false, with_keys(k));
  auto got = deliver(push, pull, note(1));
  ASSERT_TRUE(got);
  EXPECT_EQ(header_field<int>(*got, "seq"), 1);

  Channel router(ctx, SocketKind::Router, "control", "tcp://127.0.0.1:*", true, with_keys(k));
  ChannelOptions dealer_opts = with_keys(k);
  dealer_opts.identity = "w";
  Channel dealer(ctx, SocketKind::Dealer, "control", router.endpoint(), false, dealer_opts);
  got = deliver(dealer, router, note(2));
  ASSERT_TRUE(got);
  EXPECT_EQ(got->peer, "w");
}

// A peer without the key file: it cannot send to a role's bound socket, nor read what the role
// sends (the thief of the tasks port), nor can a peer with its own key pair pass the ZAP check.
TEST(TransportSecurity, APeerWithoutTheKeysGetsNothingThrough) {
  Context ctx;
  const CurveKeys k = generate_curve_keys();
  Channel pull(ctx, SocketKind::Pull, "scored", "tcp://127.0.0.1:*", true, with_keys(k));
  Channel plain(ctx, SocketKind::Push, "scored", pull.endpoint(), false);
  CurveKeys impostor = generate_curve_keys();
  impostor.server_public = k.server_public;  // knows the server's public key, not the client secret
  Channel forged(ctx, SocketKind::Push, "scored", pull.endpoint(), false, with_keys(impostor));
  ChannelOptions no_immediate;  // queue even before a handshake completes, to try harder
  no_immediate.immediate = false;
  Channel eager(ctx, SocketKind::Push, "scored", pull.endpoint(), false, no_immediate);
  plain.send(note(66), 100);
  forged.send(note(67), 100);
  eager.send(note(68), 100);
  eager.send_raw({"garbage"}, 100);
  // An authorised peer's message arrives while the others never do.
  Channel push(ctx, SocketKind::Push, "scored", pull.endpoint(), false, with_keys(k));
  auto got = deliver(push, pull, note(1));
  ASSERT_TRUE(got);
  EXPECT_EQ(header_field<int>(*got, "seq"), 1);
  for (auto m = pull.recv(500); m; m = pull.recv(500)) EXPECT_EQ(header_field<int>(*m, "seq"), 1);
  EXPECT_EQ(pull.rejected(), 0u) << pull.last_reject_reason();

  // The other direction: a PULL without keys on a role's bound PUSH (the tasks port).
  ChannelOptions tasks_opts = with_keys(k);
  tasks_opts.send_hwm = 1;
  Channel tasks(ctx, SocketKind::Push, "tasks", "tcp://127.0.0.1:*", true, tasks_opts);
  Channel thief(ctx, SocketKind::Pull, "tasks", tasks.endpoint(), false);
  EXPECT_FALSE(tasks.send(note(5), 1000)) << "no authorised peer: nothing to hand the task to";
  EXPECT_FALSE(thief.recv(200));
  Channel worker(ctx, SocketKind::Pull, "tasks", tasks.endpoint(), false, with_keys(k));
  ASSERT_TRUE(tasks.send(note(6), 10000));
  got = worker.recv(5000);
  ASSERT_TRUE(got);
  EXPECT_EQ(header_field<int>(*got, "seq"), 6);
  EXPECT_FALSE(thief.recv(200));
}

TEST(TransportSecurity, AMalformedClientKeyIsRefusedBeforeASocketExists) {
  Context ctx;
  CurveKeys k = generate_curve_keys();
  k.client_public = "not a key";
  std::string e = error_of(
      [&] { Channel c(ctx, SocketKind::Pull, "scored", "tcp://127.0.0.1:*", true, with_keys(k)); });
  EXPECT_NE(e.find("not a 40-character Z85 key"), std::string::npos) << e;
}

TEST(TransportConfig, DefaultsAndErrorsNameTheField) {
  Endpoints e = Endpoints::from_json(json::object(), "run.json: field 'transport'");
  EXPECT_TRUE(e.curve);
  EXPECT_EQ(e.heartbeat_timeout_s, 60);
  EXPECT_FALSE(e.needs_keys()) << "inproc:// needs no keys";
  EXPECT_EQ(e.channel_options("weights").max_frame_bytes, 16 << 20);
  EXPECT_EQ(e.channel_options("control").max_frame_bytes, 1 << 20);
  EXPECT_FALSE(e.channel_options("tasks").curve);

  json tcp = {
      {"tasks", "tcp://*:5701"}, {"max_message_mb", {{"scored", 0.5}}}, {"heartbeat_timeout_s", 5}};
  e = Endpoints::from_json(tcp, "run.json: field 'transport'");
  EXPECT_TRUE(e.needs_keys());
  EXPECT_EQ(e.channel_options("scored").max_frame_bytes, 1 << 19);
  EXPECT_NE(error_of([&] { e.channel_options("tasks"); }).find("keys were not loaded"),
            std::string::npos);
  EXPECT_EQ(Endpoints::from_json(e.to_json(), "x").to_json(), e.to_json());

  auto err = [](const json& j) {
    return error_of([&] { Endpoints::from_json(j, "run.json: field 'transport'"); });
  };
  EXPECT_NE(err({{"curve", "yes"}}).find("'curve'"), std::string::npos);
  EXPECT_NE(err({{"max_message_mb", {{"scored", 0}}}}).find("'scored'"), std::string::npos);
  EXPECT_NE(err({{"max_message_mb", {{"score", 1}}}}).find("'score'"), std::string::npos);
  EXPECT_NE(err({{"heartbeat_timeout_s", -1}}).find("'heartbeat_timeout_s'"), std::string::npos);
}

TEST(TransportConfig, KeysLoadFromTheKeyFileOnlyForTcp) {
  TempDir d("keys_load");
  Endpoints e = Endpoints::from_json({{"scored", "tcp://127.0.0.1:5702"}}, "t");
  e.key_file = d.file("run.key");
  std::string err = error_of([&] { e.load_keys(false); });
  EXPECT_NE(err.find(d.file("run.key")), std::string::npos) << err;
  e.load_keys(true);
  ASSERT_TRUE(e.keys);
  EXPECT_TRUE(e.channel_options("scored").curve);
  EXPECT_FALSE(e.channel_options("tasks").curve) << "inproc:// stays without CURVE";
  Endpoints off = Endpoints::from_json({{"scored", "tcp://127.0.0.1:5702"}, {"curve", false}}, "t");
  off.key_file = d.file("other.key");
  off.load_keys(true);
  EXPECT_FALSE(off.keys);
  EXPECT_FALSE(file_exists(d.file("other.key")));
}

// A frame over the cap drops the sending connection before ZeroMQ allocates it: this process's
// peak memory does not grow by the frame's size, the frame never arrives, and the channel keeps
// working for the next peer. The sender is another process, so its own copy does not count.
TEST(TransportSecurity, AFrameOverTheCapIsNeverAllocated) {
  Context ctx;
  ChannelOptions capped;
  capped.max_frame_bytes = 1 << 20;
  Channel pull(ctx, SocketKind::Pull, "scored", "tcp://127.0.0.1:*", true, capped);
  const std::string at = pull.endpoint();
  const bool can_measure = reset_peak_rss();
  const long before_kb = peak_rss_kb();
  constexpr size_t kBig = 256u << 20;
  pid_t child = fork();
  if (child == 0) {
    int code = 0;
    {
      Context c;
      ChannelOptions o;
      o.linger_ms = 10000;
      Channel big(c, SocketKind::Push, "scored", at, false, o);
      Channel small(c, SocketKind::Push, "scored", at, false, o);
      if (!big.send_raw({std::string(kBig, 'x')}, 10000)) code = 1;
      if (!small.send(note(2), 10000)) code = 2;
    }
    _exit(code);
  }
  auto got = pull.recv(20000);
  int status = 0;
  waitpid(child, &status, 0);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  ASSERT_TRUE(got) << "the small message after the big one should arrive";
  EXPECT_EQ(got->type, "note") << "the oversized frame arrived";
  // The sender lingered until its frames were out: whatever was coming has come.
  EXPECT_FALSE(pull.recv(1000));
  EXPECT_EQ(pull.rejected(), 0u) << pull.last_reject_reason();
  if (can_measure) {
    const long grew_mb = (peak_rss_kb() - before_kb) / 1024;
    std::printf("peak memory grew by %ld MB while a peer sent a %zu MB frame\n", grew_mb,
                kBig >> 20);
    EXPECT_LT(grew_mb, 64);
  }
}

// The sending side refuses a frame over its channel's cap with an error naming the config field:
// the receiver, with the same cap, would drop it without a word.
TEST(TransportSecurity, SendingAFrameOverTheCapIsAClearError) {
  Context ctx;
  ChannelOptions capped;
  capped.max_frame_bytes = 1024;
  Channel push(ctx, SocketKind::Push, "tasks", "inproc://cap-send", true, capped);
  Message m = note(1);
  m.frames.push_back(std::string(1025, 'x'));
  std::string e = error_of([&] { push.send(m, 0); });
  EXPECT_NE(e.find("frame 1 of 1025 bytes exceeds the channel's cap of 1024 bytes (transport.max_message_mb.tasks)"),
            std::string::npos)
      << e;
  m.frames[0].resize(1024);
  EXPECT_EQ(error_of([&] { push.send(m, 0); }), "");
}
