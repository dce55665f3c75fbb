// The RL step's message codecs type-check every field: a field of the wrong JSON type (a float
// or a bool where an integer belongs, a negative count, an integer that does not fit) is a
// MessageError naming the field, never a silent conversion nor another exception.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "core/rl_messages.h"
#include "core/rng.h"
#include "tests/common/error_of.h"

using namespace r1;
using r1::testing::error_of;

namespace {

TaskAssignment a_task() {
  TaskAssignment t;
  t.seq = 7;
  t.task = {{"id", "t7"}, {"prompt", "Compute 1+1."}, {"answer", "2"}, {"verifier", "math"}};
  t.group_size = 4;
  t.min_version = 2;
  t.session = 99;
  t.wave = 3;
  t.wave_size = 2;
  return t;
}

RolloutGroup a_group(bool scored) {
  RolloutGroup g;
  g.seq = 7;
  g.task = a_task().task;
  g.prompt = {1, 2, 3};
  g.version = 2;
  g.worker = "rollout-0";
  g.gen_seconds = 0.5;
  g.verify_seconds = scored ? 0.25 : 0.0;
  g.scored = scored;
  for (int i = 0; i < 2; ++i) {
    SampleResult s;
    s.tokens = {10, 11, 12};
    s.logprobs = {-0.5f, -1.0f, -0.25f};
    s.text = "abc";
    s.finish_reason = "stop";
    if (scored) {
      s.reward = i;
      s.correct = i == 1;
      s.format_ok = true;
      s.reason = "ok";
      s.components = {{"correctness", static_cast<double>(i)}};
    }
    g.samples.push_back(std::move(s));
  }
  return g;
}

// The message as a peer would send it, with `edit` applied to the header, through the wire.
Message on_the_wire(Message m, const std::function<void(json&)>& edit) {
  edit(m.header);
  return decode(encode(m));
}

std::string task_error(const std::function<void(json&)>& edit) {
  Message m = on_the_wire(a_task().to_message(), edit);
  return error_of<MessageError>([&] { TaskAssignment::from_message(m); });
}

std::string group_error(bool scored, const std::function<void(json&)>& edit) {
  Message m = on_the_wire(a_group(scored).to_message(), edit);
  return error_of<MessageError>([&] { RolloutGroup::from_message(m); });
}

}  // namespace

TEST(RlMessages, RoundTrip) {
  TaskAssignment t = TaskAssignment::from_message(decode(encode(a_task().to_message())));
  EXPECT_EQ(t.seq, 7u);
  EXPECT_EQ(t.group_size, 4);
  EXPECT_EQ(t.session, 99u);
  EXPECT_EQ(t.wave_size, 2);
  RolloutGroup g = RolloutGroup::from_message(decode(encode(a_group(true).to_message())));
  ASSERT_EQ(g.samples.size(), 2u);
  EXPECT_TRUE(g.scored);
  EXPECT_EQ(g.samples[1].reward, 1.0);
  EXPECT_EQ(g.samples[1].tokens, (std::vector<int32_t>{10, 11, 12}));
  EXPECT_EQ(g.samples[0].components, (json{{"correctness", 0.0}}));
  EXPECT_TRUE(g.samples[0].learner_data.empty());
  // A verdict's learner data (a self-play proposal's triplet) travels with its sample.
  RolloutGroup with = a_group(true);
  with.samples[1].learner_data = {{"triplet", {{"key", "abc"}, {"outputs", {"1"}}}}};
  Message m = with.to_message();
  EXPECT_FALSE(m.header["samples"][0].contains("learner_data")) << "not sent when empty";
  g = RolloutGroup::from_message(decode(encode(m)));
  EXPECT_EQ(g.samples[1].learner_data, with.samples[1].learner_data);
  // A failure the gold control scored 0 is marked, so the learner counts it apart.
  with.samples[0].scored_by_control = true;
  m = with.to_message();
  EXPECT_FALSE(m.header["samples"][1].contains("scored_by_control")) << "not sent when unset";
  g = RolloutGroup::from_message(decode(encode(m)));
  EXPECT_TRUE(g.samples[0].scored_by_control);
  EXPECT_FALSE(g.samples[1].scored_by_control);
  with.samples[0].scored_by_control = false;
  // So do the spans a reward component penalises, token by token at the learner.
  with.samples[0].penalties = {{0, 2, 0.5}, {1, 3, 0.25}};
  m = with.to_message();
  EXPECT_FALSE(m.header["samples"][1].contains("penalties")) << "not sent when empty";
  g = RolloutGroup::from_message(decode(encode(m)));
  EXPECT_EQ(g.samples[0].penalties, with.samples[0].penalties);
  EXPECT_TRUE(g.samples[1].penalties.empty());
  // A guide sample (the task's worked solution) is flagged, in rollouts and scored groups alike.
  for (bool scored : {false, true}) {
    RolloutGroup guided = a_group(scored);
    guided.samples[1].guide = true;
    m = guided.to_message();
    EXPECT_FALSE(m.header["samples"][0].contains("guide")) << "not sent when unset";
    g = RolloutGroup::from_message(decode(encode(m)));
    EXPECT_FALSE(g.samples[0].guide);
    EXPECT_TRUE(g.samples[1].guide);
  }
}

// A span must lie inside its sample's text ("abc": 3 bytes) and carry a finite value.
TEST(RlMessages, PenaltySpansOutsideTheTextAreRejected) {
  for (const json& bad :
       {json("x"), json::parse("[[0, 2]]"), json::parse("[[0, 4, 0.5]]"),
        json::parse("[[2, 2, 0.5]]"), json::parse("[[-1, 2, 0.5]]"), json::parse("[[0.5, 2, 0.5]]"),
        json::parse("[[0, 2, \"big\"]]"),
        json::array({json::array({0, 2, std::numeric_limits<double>::infinity()})})}) {
    SCOPED_TRACE(bad.dump());
    EXPECT_NE(
        group_error(true, [&](json& h) { h["samples"][0]["penalties"] = bad; }).find("'penalties'"),
        std::string::npos);
  }
}

TEST(RlMessages, TaskFieldsOfTheWrongTypeAreRejectedByName) {
  EXPECT_NE(task_error([](json& h) { h["group_size"] = 2.5; }).find("'group_size'"),
            std::string::npos);
  EXPECT_NE(task_error([](json& h) { h["group_size"] = true; }).find("'group_size'"),
            std::string::npos);
  EXPECT_NE(task_error([](json& h) { h["seq"] = -1; }).find("'seq'"), std::string::npos);
  EXPECT_NE(task_error([](json& h) { h["seq"] = "3"; }).find("'seq'"), std::string::npos);
  EXPECT_NE(task_error([](json& h) { h["min_version"] = 1.0; }).find("'min_version'"),
            std::string::npos);
  EXPECT_NE(task_error([](json& h) { h["wave_size"] = uint64_t{1} << 40; }).find("'wave_size'"),
            std::string::npos);
  EXPECT_NE(task_error([](json& h) { h["wave_size"] = int64_t{1} << 33; }).find("'wave_size'"),
            std::string::npos);
  EXPECT_NE(task_error([](json& h) { h["task"]["prompt"] = 5; }).find("'prompt'"),
            std::string::npos);
  EXPECT_NE(task_error([](json& h) { h["task"] = json::array(); }).find("'task'"),
            std::string::npos);
  // A guide that is not text is refused with the message, not met later by a worker.
  EXPECT_NE(task_error([](json& h) {
              h["task"]["meta"] = {{"guide", 3}};
            }).find("meta.guide"),
            std::string::npos);
}

TEST(RlMessages, RolloutFieldsOfTheWrongTypeAreRejectedByName) {
  for (bool scored : {false, true}) {
    SCOPED_TRACE(scored ? "scored" : "rollout");
    EXPECT_NE(group_error(scored, [](json& h) { h["seq"] = -3; }).find("'seq'"), std::string::npos);
    EXPECT_NE(group_error(scored, [](json& h) { h["version"] = 0.5; }).find("'version'"),
              std::string::npos);
    EXPECT_NE(group_error(scored, [](json& h) { h["worker"] = 12; }).find("'worker'"),
              std::string::npos);
    EXPECT_NE(group_error(scored, [](json& h) { h["gen_seconds"] = true; }).find("'gen_seconds'"),
              std::string::npos);
    EXPECT_NE(group_error(scored, [](json& h) { h["gen_seconds"] = -1.0; }).find("'gen_seconds'"),
              std::string::npos);
    EXPECT_NE(group_error(scored, [](json& h) { h["verify_seconds"] = std::nan(""); })
                  .find("'verify_seconds'"),
              std::string::npos);
    // A negative count used to switch the frame-size check off.
    EXPECT_NE(group_error(scored, [](json& h) { h["samples"][0]["n"] = -1; }).find("'n'"),
              std::string::npos);
    EXPECT_NE(group_error(scored, [](json& h) { h["samples"][0]["n"] = 3.0; }).find("'n'"),
              std::string::npos);
    EXPECT_NE(group_error(scored, [](json& h) { h["samples"][1]["finish_reason"] = 1; })
                  .find("'finish_reason'"),
              std::string::npos);
    EXPECT_NE(group_error(scored, [](json& h) { h["samples"][1] = "sample"; }).find("sample"),
              std::string::npos);
    EXPECT_NE(group_error(scored, [](json& h) { h["samples"][1]["guide"] = 1; }).find("'guide'"),
              std::string::npos);
  }
  EXPECT_NE(group_error(true, [](json& h) { h["samples"][0]["reward"] = "1"; }).find("'reward'"),
            std::string::npos);
  EXPECT_NE(
      group_error(true, [](json& h) { h["samples"][0]["reward"] = std::nan(""); }).find("'reward'"),
      std::string::npos);
  EXPECT_NE(group_error(true,
                        [](json& h) {
                          h["samples"][0]["reward"] = std::numeric_limits<double>::infinity();
                        })
                .find("'reward'"),
            std::string::npos);
  EXPECT_NE(group_error(true, [](json& h) { h["samples"][0]["correct"] = 1; }).find("'correct'"),
            std::string::npos);
  EXPECT_NE(
      group_error(true, [](json& h) { h["samples"][0]["components"] = 1; }).find("'components'"),
      std::string::npos);
  EXPECT_NE(group_error(true, [](json& h) { h["samples"][0]["learner_data"] = "x"; })
                .find("'learner_data'"),
            std::string::npos);
  EXPECT_NE(group_error(true, [](json& h) { h["samples"][0]["components"]["x"] = "high"; })
                .find("'components'"),
            std::string::npos);
}

// Every field of every message, replaced by a value of each JSON type: only MessageError.
TEST(RlMessages, AnyFieldOfAnyTypeOnlyEverThrowsMessageError) {
  const std::vector<json> values = {nullptr,
                                    true,
                                    -1,
                                    0,
                                    uint64_t{1} << 63,
                                    1.5,
                                    std::nan(""),
                                    "x",
                                    json::array(),
                                    json::array({1, 2}),
                                    json::object(),
                                    json{{"a", 1}}};
  std::vector<Message> messages = {a_task().to_message(), a_group(false).to_message(),
                                   a_group(true).to_message(),
                                   ControlMessage::hello("rollout", "w", 3).to_message()};
  int checked = 0;
  for (const Message& base : messages) {
    std::vector<json::json_pointer> fields;
    json flat = base.header.flatten();
    for (auto& [k, v] : flat.items()) fields.emplace_back(k);
    for (const auto& f : fields) {
      for (const json& v : values) {
        Message m = base;
        m.header[f] = v;
        Message w = decode(encode(m));
        try {
          if (w.type == "task")
            TaskAssignment::from_message(w);
          else if (w.type == "control")
            ControlMessage::from_message(w);
          else
            RolloutGroup::from_message(w);
        } catch (const MessageError&) {
        } catch (const std::exception& e) {
          ADD_FAILURE() << f.to_string() << " = " << v.dump() << ": " << e.what();
        }
        ++checked;
      }
    }
  }
  EXPECT_GT(checked, 100);
}

TEST(ControlMessages, RoundTrip) {
  for (const ControlMessage& c :
       {ControlMessage::hello("rollout", "rollout-3", 12), ControlMessage::hello("reward", "r"),
        ControlMessage::hello("rollout", "s", 4, {{"rollout", {{"temperature", 0.7}}}}),
        ControlMessage::heartbeat(), ControlMessage::stop(), ControlMessage::bye(),
        ControlMessage::refuse("its config differs")}) {
    ControlMessage d = ControlMessage::from_message(decode(encode(c.to_message())));
    EXPECT_EQ(d.kind, c.kind);
    EXPECT_EQ(d.role, c.role);
    EXPECT_EQ(d.id, c.id);
    EXPECT_EQ(d.version, c.version);
    EXPECT_EQ(d.settings, c.settings);
    EXPECT_EQ(d.reason, c.reason);
  }
}

// A numeric "role" or "kind" used to end the learner (an uncaught json type error).
TEST(ControlMessages, FieldsOfTheWrongTypeOrValueAreRejectedByName) {
  auto err = [](const json& header) {
    Message m;
    m.type = "control";
    m.header = header;
    Message w = decode(encode(m));
    return error_of<MessageError>([&] { ControlMessage::from_message(w); });
  };
  EXPECT_NE(err({{"kind", 5}}).find("'kind'"), std::string::npos);
  EXPECT_NE(err(json::object()).find("'kind'"), std::string::npos);
  EXPECT_NE(err({{"kind", "launch"}}).find("unknown kind 'launch'"), std::string::npos);
  EXPECT_NE(err({{"kind", "hello"}, {"role", 7}, {"id", "w"}}).find("'role'"), std::string::npos);
  EXPECT_NE(err({{"kind", "hello"}, {"role", "admin"}, {"id", "w"}}).find("role 'admin'"),
            std::string::npos);
  EXPECT_NE(err({{"kind", "hello"}, {"role", "rollout"}, {"id", 3}}).find("'id'"),
            std::string::npos);
  EXPECT_NE(err({{"kind", "hello"}, {"role", "rollout"}, {"id", ""}}).find("'id'"),
            std::string::npos);
  EXPECT_NE(
      err({{"kind", "hello"}, {"role", "rollout"}, {"id", "w"}, {"version", -1}}).find("'version'"),
      std::string::npos);
  EXPECT_NE(err({{"kind", "hello"}, {"role", "rollout"}, {"id", "w"}, {"version", "new"}})
                .find("'version'"),
            std::string::npos);
  EXPECT_NE(err({{"kind", "hello"}, {"role", "rollout"}, {"id", "w"}, {"settings", "hot"}})
                .find("'settings' must be an object"),
            std::string::npos);
  EXPECT_NE(err({{"kind", "refuse"}}).find("'reason'"), std::string::npos);
  Message other;
  other.type = "task";
  EXPECT_NE(error_of<MessageError>([&] { ControlMessage::from_message(other); }).find("'task'"),
            std::string::npos);
}
