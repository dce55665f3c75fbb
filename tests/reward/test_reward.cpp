// The reward room: config parsing (unknown fields are errors naming file and field), weighted
// sums, the DAPO overlong penalty, and verifier errors carried through instead of scored 0.
#include <gtest/gtest.h>

#include <sstream>
#include <thread>

#include "reward/overlong.h"
#include "reward/reward_function.h"
#include "reward/reward_service.h"
#include "reward/verify_jsonl.h"
#include "verifiers/registry.h"

namespace r1 {
namespace {

Task math_task(const std::string& answer) {
  Task t;
  t.id = "t";
  t.answer = answer;
  t.verifier = "math";
  return t;
}

// "details_probe": a right answer (score 1) whose verdict carries the details its options give
// ({"details": {...}}), as a user verifier's could: wrong spans, learner data.
void register_details_probe() {
  if (has_verifier("details_probe")) return;  // a name is registered once per process
  register_verifier("details_probe", [](const json& o) -> std::unique_ptr<Verifier> {
    struct Probe : Verifier {
      json details;
      std::string name() const override { return "details_probe"; }
      Verdict verify(const Task&, const std::string&) override {
        Verdict v;
        v.score = 1.0;
        v.correct = v.format_ok = true;
        v.reason = "ok";
        v.details = details;
        return v;
      }
    };
    auto p = std::make_unique<Probe>();
    p->details = o.at("details");
    return p;
  });
}

std::string error_of(const json& j) {
  try {
    RewardConfig::from_json(j, "reward.json");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(RewardConfig, ParsesAndDefaults) {
  RewardConfig c =
      RewardConfig::from_json({{"components",
                                {{"correctness", {{"weight", 1.0}}},
                                 {"format", {{"weight", 0.1}}},
                                 {"step", {{"weight", 0.0}, {"span_penalty", 0.5}}}}},
                               {"overlong", {{"max_tokens", 4096}, {"buffer_tokens", 512}}}},
                              "reward.json");
  ASSERT_EQ(c.components.size(), 3u);
  EXPECT_EQ(c.primary, "correctness");
  EXPECT_EQ(c.primary_component().verifier,
            kTaskVerifier);  // "correctness" defaults to the task's verifier
  for (const auto& comp : c.components) {
    if (comp.name == "format") {
      EXPECT_EQ(comp.verifier, "format");
    } else if (comp.name == "step") {
      EXPECT_EQ(comp.verifier, "step");
      EXPECT_EQ(comp.span_penalty, 0.5);
    } else {
      EXPECT_EQ(comp.span_penalty, 0.0);
    }
  }
  ASSERT_TRUE(c.overlong);
  EXPECT_EQ(c.overlong->weight, 1.0);
  // Round trip.
  RewardConfig again = RewardConfig::from_json(c.to_json(), "round trip");
  EXPECT_EQ(again.to_json(), c.to_json());
}

TEST(RewardConfig, ErrorsNameTheField) {
  struct Case {
    json config;
    const char* must_mention;
  } cases[] = {
      {{{"components", {{"correctness", {{"weight", 1.0}, {"wieght", 2}}}}}}, "wieght"},
      {{{"components", {{"correctness", {{"weight", 1.0}}}}}, {"extra", 1}}, "extra"},
      {{{"components", {{"correctness", {{"verifier", "math"}}}}}}, "weight"},
      {{{"components", {{"correctness", {{"weight", "high"}}}}}}, "weight"},
      {{{"components", {{"style", {{"weight", 1.0}}}}}}, "style"},  // no verifier named "style"
      {{{"components", {{"c", {{"verifier", "nope"}, {"weight", 1.0}}}}}}, "nope"},
      {{{"components", json::object()}}, "components"},
      {{{"components", {{"correctness", {{"weight", 1.0}, {"options", {{"a", 1}}}}}}}},
       "task_verifier_options"},
      {{{"components", {{"correctness", {{"weight", 1.0}}}}}, {"primary", "format"}}, "primary"},
      {{{"components", {{"correctness", {{"weight", 1.0}}}}},
        {"overlong", {{"max_tokens", 100}, {"buffer_tokens", 200}}}},
       "buffer_tokens"},
      {{{"components", {{"correctness", {{"weight", 1.0}}}}}, {"overlong", {{"max_tokens", 100}}}},
       "buffer_tokens"},
      {{{"components", {{"correctness", {{"weight", 1.0}}}}},
        {"task_verifier_options", {{"math", 3}}}},
       "math"},
      {{{"components", {{"step", {{"weight", 0.0}, {"span_penalty", -0.5}}}}}}, "span_penalty"},
      {{{"components", {{"step", {{"weight", 0.0}, {"span_penalty", "0.5"}}}}}}, "span_penalty"},
      // Weights whose weighted sum could overflow to inf.
      {{{"components", {{"correctness", {{"weight", 1e308}}}, {"format", {{"weight", 1e308}}}}}},
       "weight"},
      {{{"components", {{"correctness", {{"weight", 1.0}}}}},
        {"overlong", {{"max_tokens", 100}, {"buffer_tokens", 10}, {"weight", 1e300}}}},
       "weight"},
  };
  for (const auto& c : cases) {
    std::string e = error_of(c.config);
    EXPECT_NE(e.find("reward.json"), std::string::npos) << c.config.dump() << " -> " << e;
    EXPECT_NE(e.find(c.must_mention), std::string::npos) << c.config.dump() << " -> " << e;
  }
}

TEST(Overlong, DapoSoftPenalty) {
  // L_max = 1000, L_cache = 200: free up to 800, linear to -1 at 1000, -1 beyond.
  EXPECT_EQ(overlong_penalty(0, 1000, 200), 0.0);
  EXPECT_EQ(overlong_penalty(800, 1000, 200), 0.0);
  EXPECT_DOUBLE_EQ(overlong_penalty(900, 1000, 200), -0.5);
  EXPECT_DOUBLE_EQ(overlong_penalty(1000, 1000, 200), -1.0);
  EXPECT_EQ(overlong_penalty(1001, 1000, 200), -1.0);
  EXPECT_DOUBLE_EQ(overlong_penalty(801, 1000, 200), -1.0 / 200);
}

TEST(RewardFunction, WeightedSumAndBreakdown) {
  RewardFunction rf(RewardConfig::from_json(
      {{"components",
        {{"correctness", {{"weight", 1.0}}},
         {"format", {{"weight", 0.1}}},
         // A share of true claims: a score between
         // 0 and 1 to weigh.
         {"step", {{"weight", 0.5}, {"options", {{"score", "fraction"}}}}}}}},
      "reward.json"));
  Task t = math_task("2780");
  RewardResult all =
      rf.score(t, "<think>\n347*8 = 2776\n2776+4 = 2780\n</think><answer>2780</answer>");
  ASSERT_TRUE(all.reward);
  EXPECT_DOUBLE_EQ(*all.reward, 1.6);
  EXPECT_TRUE(all.correct);
  EXPECT_TRUE(all.format_ok);
  EXPECT_EQ(all.verifier, "math");
  ASSERT_EQ(all.components.size(), 3u);
  RewardResult half =
      rf.score(t, "<think>\n347*8 = 2776\n2776+4 = 2790\n</think><answer>2790</answer>");
  EXPECT_DOUBLE_EQ(*half.reward, 0.1 + 0.5 * 0.5);
  EXPECT_FALSE(half.correct);
  EXPECT_EQ(half.reason, "wrong_answer");
  RewardResult unformatted = rf.score(t, "2780");
  EXPECT_DOUBLE_EQ(*unformatted.reward, 1.0);  // right answer, no format, no think
  json j = all.to_json();
  EXPECT_EQ(j["components"]["step"]["score"], 1.0);
  EXPECT_EQ(j["components"]["correctness"]["verifier"], "math");
}

// span_penalty: the wrong spans of a component's verdict come back with its penalty, whatever the
// component's weight; a verifier whose spans are not byte ranges of the completion is broken.
TEST(RewardFunction, SpanPenaltiesCarryTheVerdictsWrongSpans) {
  RewardFunction rf(RewardConfig::from_json(
      {{"components",
        {{"correctness", {{"weight", 1.0}}}, {"step", {{"weight", 0.0}, {"span_penalty", 0.5}}}}}},
      "reward.json"));
  const std::string c = "<think>\n3*4 = 13\n13-1 = 12\n</think><answer>12</answer>";
  RewardResult r = rf.score(math_task("12"), c);
  ASSERT_TRUE(r.reward);
  EXPECT_EQ(*r.reward, 1.0) << "a weight-0 component adds nothing to the reward";
  ASSERT_EQ(r.penalties.size(), 1u);
  EXPECT_EQ(c.substr(r.penalties[0].begin, r.penalties[0].end - r.penalties[0].begin), "= 13");
  EXPECT_EQ(r.penalties[0].value, 0.5);
  EXPECT_EQ(r.to_json()["penalties"], json::parse("[[12, 16, 0.5]]"));
  // Without span_penalty, no spans.
  RewardFunction plain(RewardConfig::from_json(
      {{"components", {{"correctness", {{"weight", 1.0}}}, {"step", {{"weight", 0.1}}}}}},
      "reward.json"));
  EXPECT_TRUE(plain.score(math_task("12"), c).penalties.empty());
  EXPECT_FALSE(plain.score(math_task("12"), c).to_json().contains("penalties"));

  // A sample that will not train carries no spans.
  RewardResult err = rf.score(math_task("\\frac{1}{"), c);
  EXPECT_TRUE(err.verifier_error);
  EXPECT_TRUE(err.penalties.empty());
  // The reward service scores completion_prefix + text; the learner gets spans of text.
  EXPECT_EQ(spans_after_prefix({{0, 3, 1.0}, {5, 9, 0.5}, {12, 16, 0.5}}, 7),
            (std::vector<PenaltySpan>{{0, 2, 0.5}, {5, 9, 0.5}}));

  register_details_probe();
  for (const json& spans : {json::parse("[[0, 40]]"), json::parse("[[3, 3]]"), json::parse("[[1]]"),
                            json::parse("\"0-3\"")}) {
    SCOPED_TRACE(spans.dump());
    RewardFunction broken(
        RewardConfig::from_json({{"components",
                                  {{"correctness", {{"weight", 1.0}}},
                                   {"probe",
                                    {{"verifier", "details_probe"},
                                     {"weight", 0.0},
                                     {"span_penalty", 1.0},
                                     {"options", {{"details", {{kWrongSpans, spans}}}}}}}}}},
                                "reward.json"));
    RewardResult b = broken.score(math_task("12"), "<think>x</think><answer>12</answer>");
    EXPECT_TRUE(b.verifier_error) << "a span penalty with broken spans is no reward";
    EXPECT_EQ(b.details["verifier_error_reason"], "bad_wrong_spans");
    EXPECT_TRUE(b.penalties.empty());
  }
  // Spans of one verdict that overlap, repeat or touch are merged: each byte and token is
  // penalised once by the component (the learner refuses a byte penalised past the components'
  // sum, and would drop the whole group).
  RewardFunction overlapping(RewardConfig::from_json(
      {{"components",
        {{"correctness", {{"weight", 1.0}}},
         {"probe",
          {{"verifier", "details_probe"},
           {"weight", 0.0},
           {"span_penalty", 1.0},
           {"options",
            {{"details",
              {{kWrongSpans,
                json::parse("[[5, 15], [0, 10], [0, 10], [20, 22], [22, 24]]")}}}}}}}}}},
      "reward.json"));
  RewardResult o = overlapping.score(math_task("12"), "<think>x</think><answer>12</answer>");
  ASSERT_FALSE(o.verifier_error) << o.details.dump();
  EXPECT_EQ(o.penalties, (std::vector<PenaltySpan>{{0, 15, 1.0}, {20, 24, 1.0}}));
}

TEST(RewardFunction, OverlongPenaltyNeedsTokens) {
  RewardFunction rf(RewardConfig::from_json(
      {{"components", {{"correctness", {{"weight", 1.0}}}}},
       {"overlong", {{"max_tokens", 1000}, {"buffer_tokens", 200}, {"weight", 0.5}}}},
      "reward.json"));
  Task t = math_task("1");
  std::string c = "<think>.</think><answer>1</answer>";
  EXPECT_DOUBLE_EQ(*rf.score(t, c, 100).reward, 1.0);
  RewardResult r = rf.score(t, c, 900);
  EXPECT_DOUBLE_EQ(r.overlong_penalty, -0.25);
  EXPECT_DOUBLE_EQ(*r.reward, 0.75);
  EXPECT_DOUBLE_EQ(*rf.score(t, c, 5000).reward, 0.5);
  EXPECT_THROW(rf.score(t, c), Error);
}

TEST(RewardFunction, VerifierErrorsAreCarriedNotZeroed) {
  RewardFunction rf(RewardConfig::from_json(
      {{"components", {{"correctness", {{"weight", 1.0}}}, {"format", {{"weight", 0.1}}}}}},
      "reward.json"));
  std::string c = "<think>.</think><answer>1</answer>";
  RewardResult bad_gold = rf.score(math_task("\\frac{1}{"), c);
  EXPECT_TRUE(bad_gold.verifier_error);
  EXPECT_FALSE(bad_gold.reward.has_value()) << "no silent 0";
  EXPECT_EQ(bad_gold.reason, "gold_unparseable");
  EXPECT_TRUE(bad_gold.to_json()["reward"].is_null());
  Task unknown = math_task("1");
  unknown.verifier = "no_such";
  RewardResult u = rf.score(unknown, c);
  EXPECT_TRUE(u.verifier_error);
  EXPECT_EQ(u.reason, "unknown_verifier");
  Task none = math_task("1");
  none.verifier = "";
  EXPECT_EQ(rf.score(none, c).reason, "task_has_no_verifier");

  // An error in a weight-0 component is reported but does not void the reward.
  if (!has_verifier("always_error"))  // registered once per process
    register_verifier("always_error", [](const json&) -> std::unique_ptr<Verifier> {
      struct E : Verifier {
        std::string name() const override { return "always_error"; }
        Verdict verify(const Task&, const std::string&) override {
          Verdict v;
          v.verifier_error = true;
          v.reason = "broken";
          return v;
        }
      };
      return std::make_unique<E>();
    });
  RewardFunction logged(
      RewardConfig::from_json({{"components",
                                {{"correctness", {{"weight", 1.0}}},
                                 {"probe", {{"verifier", "always_error"}, {"weight", 0.0}}}}}},
                              "reward.json"));
  RewardResult l = logged.score(math_task("1"), c);
  ASSERT_TRUE(l.reward);
  EXPECT_EQ(*l.reward, 1.0);
  EXPECT_TRUE(l.to_json()["components"]["probe"]["verifier_error"]);
  RewardFunction weighted(
      RewardConfig::from_json({{"components",
                                {{"correctness", {{"weight", 1.0}}},
                                 {"probe", {{"verifier", "always_error"}, {"weight", 0.2}}}}}},
                              "reward.json"));
  RewardResult w = weighted.score(math_task("1"), c);
  EXPECT_FALSE(w.reward);
  EXPECT_EQ(w.details["verifier_error_in"], "probe");
}

// details.learner_data rides in the scored message's header: a verifier (a plugin or external
// program) that returns megabytes there stopped the reward role when the message passed the
// channel's cap; now the sample is a verifier failure of its own name.
TEST(RewardFunction, LearnerDataPastItsCapIsAVerifierFailure) {
  register_details_probe();
  auto score_with = [](const json& data) {
    RewardFunction rf(
        RewardConfig::from_json({{"components",
                                  {{"probe",
                                    {{"verifier", "details_probe"},
                                     {"weight", 1.0},
                                     {"options", {{"details", {{kLearnerData, data}}}}}}}}}},
                                "reward.json"));
    return rf.score(math_task("1"), "<think>x</think><answer>1</answer>");
  };
  // The JSON of {"t": "xxx..."} is the string plus 8 bytes.
  const json at_cap = {{"t", std::string(kMaxLearnerDataBytes - 8, 'x')}};
  ASSERT_EQ(at_cap.dump().size(), kMaxLearnerDataBytes);
  RewardResult ok = score_with(at_cap);
  EXPECT_FALSE(ok.verifier_error);
  EXPECT_EQ(ok.details[kLearnerData], at_cap) << "handed on whole";
  for (const json& bad : {json{{"t", std::string(kMaxLearnerDataBytes - 7, 'x')}},
                          json::array({1, 2}), json("text")}) {
    RewardResult r = score_with(bad);
    EXPECT_TRUE(r.verifier_error);
    EXPECT_FALSE(r.reward.has_value());
    EXPECT_EQ(r.reason, "bad_learner_data");
    EXPECT_FALSE(r.details.contains(kLearnerData));
  }
  // Bytes that are not UTF-8 (a C++ verifier's) are measured, not thrown out of the reward role.
  EXPECT_FALSE(score_with(json{{"t", "caf\xe9"}}).verifier_error);
}

// A group whose verdicts' learner_data together pass the scored channel's cap is sent less the
// largest, each such sample a verifier error, rather than a send that throws out of the role.
TEST(RewardService, AScoredGroupOverTheHeaderCapLosesItsLargestLearnerData) {
  RolloutGroup g;
  g.seq = 7;
  g.scored = true;
  g.prompt = {1, 2, 3};
  g.task = {{"id", "t"}};
  for (size_t kib : {40, 10, 60, 0}) {
    SampleResult s;
    s.tokens = {4, 5};
    s.logprobs = {-0.1f, -0.2f};
    s.text = "ab";
    s.finish_reason = "stop";
    s.reward = 1.0;
    s.correct = true;
    s.reason = "ok";
    if (kib > 0) s.learner_data = {{"t", std::string(kib << 10, 'x')}};
    g.samples.push_back(s);
  }
  const size_t whole = encode_header(g.to_message()).size();
  RolloutGroup same = g;
  EXPECT_EQ(encode_header(fit_scored_message(same, whole)).size(), whole) << "fits: unchanged";
  EXPECT_FALSE(same.samples[2].verifier_error);

  const Message m = fit_scored_message(g, 40u << 10);
  EXPECT_LE(encode_header(m).size(), 40u << 10);
  EXPECT_TRUE(g.samples[2].verifier_error) << "the largest went first";
  EXPECT_EQ(g.samples[2].reason, "scored_message_too_large");
  EXPECT_FALSE(g.samples[2].reward.has_value());
  EXPECT_TRUE(g.samples[2].learner_data.empty());
  EXPECT_TRUE(g.samples[0].verifier_error) << "40 + 10 KiB still did not fit";
  EXPECT_FALSE(g.samples[1].verifier_error);
  EXPECT_EQ(g.samples[1].learner_data, (json{{"t", std::string(10 << 10, 'x')}}));
  EXPECT_FALSE(g.samples[3].verifier_error);
  // What does not fit without any learner_data is an error, as the send's would be.
  EXPECT_THROW(fit_scored_message(g, 64), Error);
  // At the wire format's own cap (the default scored cap): a header past it is measured, not
  // thrown by the encoder before anything could be dropped.
  RolloutGroup big = same;
  for (int i = 0; i < 17; ++i) {  // 17.4 MB of learner_data
    SampleResult s = big.samples[0];
    s.learner_data = {{"t", std::string(1000 << 10, 'x')}};
    big.samples.push_back(s);
  }
  const Message fits = fit_scored_message(big, kMaxHeaderBytes);
  EXPECT_NO_THROW(encode_header(fits));
  EXPECT_EQ(std::count_if(big.samples.begin(), big.samples.end(),
                          [](const SampleResult& s) { return s.verifier_error; }),
            1);
}

TEST(RewardFunction, ThrowingVerifierBecomesAVerifierError) {
  if (!has_verifier("thrower"))  // registered once per process
    register_verifier("thrower", [](const json&) -> std::unique_ptr<Verifier> {
      struct T : Verifier {
        std::string name() const override { return "thrower"; }
        Verdict verify(const Task&, const std::string&) override {
          throw std::runtime_error("boom");
        }
      };
      return std::make_unique<T>();
    });
  RewardFunction rf(RewardConfig::single("thrower"));
  RewardResult r = rf.score(Task{}, "x");
  EXPECT_TRUE(r.verifier_error);
  EXPECT_EQ(r.reason, "verifier_threw");
  EXPECT_EQ(r.details["error"], "boom");
}

// A verifier that breaks on some completions only (it judges the task's gold right) scores
// them 0: were they verifier errors, their samples would be dropped, and a policy could write
// such answers where it would be wrong to escape the penalty. Without a gold to tell the
// completion's fault from the verifier's, it stays an error.
TEST(RewardFunction, AVerifierBrokenByOneCompletionScoresItZero) {
  if (!has_verifier("fragile"))  // registered once per process
    register_verifier("fragile", [](const json&) -> std::unique_ptr<Verifier> {
      struct F : Verifier {
        std::string name() const override { return "fragile"; }
        Verdict verify(const Task& t, const std::string& c) override {
          if (c.find("BREAK") != std::string::npos) throw std::runtime_error("cannot read it");
          Verdict v;
          v.correct = !t.answer.empty() && c.find(t.answer) != std::string::npos;
          v.score = c.find("NAN") != std::string::npos ? std::nan("") : v.correct ? 1.0 : 0.0;
          v.reason = v.correct ? "ok" : "wrong_answer";
          return v;
        }
      };
      return std::make_unique<F>();
    });
  RewardFunction rf(RewardConfig::single("fragile"));
  Task t;
  t.answer = "right";
  EXPECT_DOUBLE_EQ(*rf.score(t, "right").reward, 1.0);
  for (const char* c : {"x BREAK", "NAN"}) {
    RewardResult r = rf.score(t, c);
    EXPECT_FALSE(r.verifier_error) << c;
    ASSERT_TRUE(r.reward.has_value()) << c;
    EXPECT_DOUBLE_EQ(*r.reward, 0.0) << c;
    EXPECT_EQ(r.reason, std::string(c) == "NAN" ? "score_out_of_range" : "verifier_threw");
    EXPECT_TRUE(r.details.dump().find("scored") != std::string::npos) << r.details.dump();
    EXPECT_TRUE(r.scored_by_control) << c;
    EXPECT_EQ(r.to_json()["scored_by_control"], true) << c;
    EXPECT_TRUE(rf.score(Task{}, c).verifier_error) << c << ": no gold, no control";
  }
}

TEST(RewardFunction, TaskVerifierOptionsAndThreads) {
  RewardFunction rf(
      RewardConfig::from_json({{"components", {{"correctness", {{"weight", 1.0}}}}},
                               {"task_verifier_options", {{"math", {{"answer_tag", "final"}}}}}},
                              "reward.json"));
  Task t = math_task("7");
  EXPECT_TRUE(rf.score(t, "<think>.</think><final>7</final>").correct);
  std::vector<std::thread> threads;
  std::atomic<int> right{0};
  for (int k = 0; k < 4; ++k) {
    threads.emplace_back([&, k] {
      for (int i = 0; i < 200; ++i) {
        Task ti = math_task(std::to_string(i * k));
        right +=
            rf.score(ti, "<think>.</think><final>" + std::to_string(i * k) + "</final>").correct;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(right.load(), 800);
}

// The summary's counts: a record with a verifier error is not also correct, and one whose
// second component a gold control scored 0 is still correct (and counted as scored_by_control).
TEST(VerifyJsonl, CountsErrorsCorrectAndControlScoredApart) {
  if (!has_verifier("fragile_second"))  // registered once per process
    register_verifier("fragile_second", [](const json&) -> std::unique_ptr<Verifier> {
      struct F : Verifier {
        std::string name() const override { return "fragile_second"; }
        Verdict verify(const Task& t, const std::string& c) override {
          if (c.find("BREAK") != std::string::npos || t.answer == "9")
            throw std::runtime_error("cannot read it");
          Verdict v;
          v.correct = c.find(t.answer) != std::string::npos;
          v.score = v.correct ? 1.0 : 0.0;
          return v;
        }
      };
      return std::make_unique<F>();
    });
  RewardFunction rf(
      RewardConfig::from_json({{"components",
                                {{"correctness", {{"weight", 1.0}}},
                                 {"second", {{"verifier", "fragile_second"}, {"weight", 0.1}}}}}},
                              "reward.json"));
  std::stringstream in, out;
  auto record = [&](int id, const std::string& answer, const std::string& completion) {
    in << json{{"id", id},
               {"task", {{"answer", answer}, {"verifier", "math"}}},
               {"completion", completion}}
              .dump()
       << "\n";
  };
  record(1, "7", "<think>.</think><answer>7</answer> BREAK");  // right; second scored 0
  record(2, "9", "<think>.</think><answer>9</answer>");        // right; second down: error
  record(3, "7", "<think>.</think><answer>7</answer>");        // right
  VerifyStreamStats s = verify_jsonl(in, out, rf, 1, false);
  EXPECT_EQ(s.records, 3u);
  EXPECT_EQ(s.verifier_errors, 1u);
  EXPECT_EQ(s.correct, 2u);
  EXPECT_EQ(s.scored_by_control, 1u);
}

TEST(VerifyJsonl, StreamsInOrder) {
  RewardFunction rf(RewardConfig::single(kTaskVerifier));
  std::stringstream in, out;
  for (int i = 0; i < 500; ++i) {
    in << json{{"id", i},
               {"task", {{"answer", std::to_string(i)}, {"verifier", "math"}}},
               {"completion", "<think>.</think><answer>" + std::to_string(i + i % 2) + "</answer>"}}
              .dump()
       << "\n";
  }
  in << "{\"id\": \"x\"}\n";
  VerifyStreamStats s = verify_jsonl(in, out, rf, 3, false);
  EXPECT_EQ(s.records, 501u);
  EXPECT_EQ(s.correct, 250u);
  EXPECT_EQ(s.bad_input, 1u);
  std::string line;
  int i = 0;
  while (std::getline(out, line)) {
    json j = json::parse(line);
    if (i < 500) {
      EXPECT_EQ(j["id"], i);
      EXPECT_EQ(j["correct"], i % 2 == 0);
    } else {
      EXPECT_EQ(j["id"], "x");
      EXPECT_EQ(j["reason"], "bad_input");
    }
    ++i;
  }
  EXPECT_EQ(i, 501);
}

// docs/eval.md: a kept line of `r1 rejection-sample` is a record r1 verify judges again, as it
// stands; another unknown field is still bad input.
TEST(VerifyJsonl, RejectionSampleLinesAreRecords) {
  RewardFunction rf(RewardConfig::single(kTaskVerifier));
  const json kept = {{"prompt", "Compute 2+3."},
                     {"completion", "<think>2+3 = 5</think><answer>5</answer>"},
                     {"id", "arith-1"},
                     {"suite", "arith:n=10:seed=1"},
                     {"reason", "ok"},
                     {"task", {{"answer", "5"}, {"verifier", "math"}, {"prompt", "Compute 2+3."}}}};
  json typo = kept;
  typo["completoin"] = "x";
  std::stringstream in, out;
  in << kept.dump() << "\n" << typo.dump() << "\n";
  VerifyStreamStats s = verify_jsonl(in, out, rf, 1, false);
  EXPECT_EQ(s.correct, 1u);
  EXPECT_EQ(s.bad_input, 1u);
}

TEST(VerifyJsonl, HumanEvalRecordsBecomePythonTasks) {
  Task t = task_from_record({{"task_id", "HumanEval/3"},
                             {"prompt", "def f():\n"},
                             {"test", "def check(c): pass"},
                             {"entry_point", "f"},
                             {"canonical_solution", "  return 1\n"}},
                            "rec");
  EXPECT_EQ(t.id, "HumanEval/3");
  EXPECT_EQ(t.verifier, "python");
  EXPECT_EQ(t.tests, "def check(c): pass");
  EXPECT_EQ(t.entry_point, "f");
  EXPECT_EQ(t.meta["canonical_solution"], "  return 1\n");
  EXPECT_THROW(
      task_from_record(
          {{"task_id", "x"}, {"test", "t"}, {"prompt", "p"}, {"entry_point", "f"}, {"oops", 1}},
          "rec"),
      Error);
}

}  // namespace
}  // namespace r1
