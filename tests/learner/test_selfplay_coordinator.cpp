// The learner's self-play coordinator (learner/selfplay_coordinator.h) on scored groups built
// here as the reward service sends them: seeding in the real sandbox; a proposer group waits
// for the follow-ups of its new proposals; learnability, penalties and a written-off follow-up
// give the rewards; duplicates of buffer entries; per-(role, kind) advantages and role weights;
// the step metrics.
#include <gtest/gtest.h>

#include <cmath>

#include "learner/selfplay_coordinator.h"
#include "tasks/suite.h"
#include "tests/common/sandbox_fixture.h"

namespace r1 {
namespace {

SelfPlayOptions options() {
  SelfPlayOptions o;
  o.kinds = {"deduction", "induction"};
  o.seed_tasks = 6;
  o.buffer_capacity = 64;
  o.novelty = "triplet";  // a known program with new inputs is new here (SeededRun sets others)
  return o;
}

ProgramLimits limits() {
  ProgramLimits l;
  l.timeout_s = 2.0;
  return l;
}

SandboxConfig sandbox() {
  return testing::test_sandbox_config();
}

// A triplet as the proposal verifier reports it (validated in the real sandbox).
json triplet_json(const std::string& program, const std::vector<std::string>& inputs) {
  ProgramRunner runner(testing::shared_pool(), limits());
  ProgramReport r = runner.validate(program, "f", inputs);
  EXPECT_TRUE(r.ok) << r.message;
  return report_triplet(program, "f", r);
}

SampleResult proposal_sample(const json& triplet) {
  SampleResult s;
  s.reward = 1.0;
  s.correct = true;
  s.format_ok = true;
  s.reason = "ok";
  s.learner_data = {{"triplet", triplet}};
  return s;
}

SampleResult refused_sample(const std::string& reason, bool format_ok) {
  SampleResult s;
  s.reward = 0.0;
  s.format_ok = format_ok;
  s.reason = reason;
  return s;
}

// A source with `novelty` and its coordinator, the buffer seeded.
struct SeededRun {
  explicit SeededRun(const std::string& novelty)
      : src(with_novelty(novelty), 4), c(src, sandbox(), limits()) {
    c.seed_buffer();
  }
  static SelfPlayOptions with_novelty(const std::string& novelty) {
    SelfPlayOptions o = options();
    o.novelty = novelty;
    return o;
  }
  SelfPlaySource src;
  SelfPlayCoordinator c;
};

RolloutGroup propose_group(SelfPlaySource& src, uint64_t seq, std::vector<SampleResult> samples,
                           SelfPlayKind kind = SelfPlayKind::Deduction) {
  RolloutGroup g;
  g.seq = seq;
  g.scored = true;
  g.task = make_propose_task({&src.buffer().at(0)}, kind, 2).to_json();
  g.samples = std::move(samples);
  return g;
}

RolloutGroup solve_group(const Task& t, uint64_t seq, int correct, int n) {
  RolloutGroup g;
  g.seq = seq;
  g.scored = true;
  g.task = t.to_json();
  for (int i = 0; i < n; ++i) {
    SampleResult s;
    s.correct = i < correct;
    s.format_ok = true;
    s.reward = s.correct ? 1.0 : 0.0;
    s.reason = s.correct ? "ok" : "wrong_answer";
    g.samples.push_back(s);
  }
  return g;
}

TEST(SelfPlayCoordinator, SeedsTheBufferWithValidatedTriplets) {
  SelfPlaySource src(options(), 4);
  SelfPlayCoordinator c(src, sandbox(), limits());
  c.seed_buffer();
  ASSERT_EQ(src.buffer().size(), 6u);
  for (size_t i = 0; i < src.buffer().size(); ++i) {
    const Triplet& t = src.buffer().at(i);
    EXPECT_EQ(t.origin, "seed:pyfunc");
    EXPECT_EQ(t.outputs.size(), t.inputs.size());
    EXPECT_EQ(t.key.size(), 16u);
  }
  const json before = src.state();
  c.seed_buffer();  // a seeded (or restored) buffer is left alone
  EXPECT_EQ(src.state(), before);
  // Tasks come from it now.
  Rng rng(1);
  int propose = 0;
  for (uint64_t k = 0; k < 40; ++k) {
    Task t = src.next(rng, k);
    EXPECT_EQ(t.family, "selfplay");
    propose += t.meta["role"] == "propose";
  }
  EXPECT_GT(propose, 8);
  EXPECT_LT(propose, 32);
}

// A proposal that writes an eval suite's program and input would have its follow-up solve task
// trained on: the holdout refuses it (a duplicate, counted as held_out), as the stream's tasks.
TEST(SelfPlayCoordinator, AProposalOfAHeldOutProblemIsNeverTrainedOn) {
  for (const auto& [name, kind] :
       {std::pair<std::string, SelfPlayKind>{"deduction", SelfPlayKind::Deduction},
        {"abduction", SelfPlayKind::Abduction}}) {
    SCOPED_TRACE(name);
    const std::string suite = "pyplay:n=6:seed=4242:opt.kinds=" + name + ":opt.propose_share=0";
    const Holdout holdout(suite);
    const Task eval = load_suite(parse_suites(suite)[0]).at(0);
    const json copied = triplet_json(eval.meta["program"].get<std::string>(),
                                     {eval.meta["input"].get<std::string>()});
    // Without the holdout the follow-up is the eval task itself (the leak this closes).
    {
      SelfPlaySource src(options(), 4);
      SelfPlayCoordinator c(src, sandbox(), limits());
      c.seed_buffer();
      c.admit(propose_group(src, 10, {proposal_sample(copied)}, kind), 0);
      ASSERT_TRUE(c.has_followup());
      const Task f = c.take_followup();
      EXPECT_TRUE(holdout.contains(f, nullptr)) << f.prompt << "\n---\n" << eval.prompt;
    }
    SelfPlaySource src(options(), 4);
    SelfPlayCoordinator c(src, sandbox(), limits(), &holdout);
    c.seed_buffer();
    const size_t seeded = src.buffer().size();
    const json fresh = triplet_json("def f(x):\n    return x * 3 - 1\n", {"4", "9"});
    auto ready =
        c.admit(propose_group(src, 10, {proposal_sample(copied), proposal_sample(fresh)}, kind), 0);
    ASSERT_TRUE(c.has_followup());
    const Task f = c.take_followup();
    EXPECT_EQ(f.meta["key"], fresh["key"]);
    EXPECT_FALSE(c.has_followup()) << "the held-out proposal has no follow-up";
    EXPECT_EQ(src.buffer().size(), seeded + 1) << "nor does it join the buffer";
    ready = c.admit(solve_group(f, 11, 1, 4), 0);
    ASSERT_EQ(ready.size(), 2u);  // the solve group, then the proposer group it completes
    EXPECT_DOUBLE_EQ(*ready[1].samples[0].reward, options().duplicate_reward);
    // samples.jsonl says why the proposal that ran was not paid as one.
    EXPECT_EQ(ready[1].samples[0].reason, "held_out");
    EXPECT_EQ(ready[1].samples[1].reason, "ok");
    const json m = c.take_step_metrics();
    EXPECT_EQ(m["propose"][name]["held_out"], 1);
    EXPECT_EQ(m["propose"][name]["duplicates"], 1);
  }
}

// A proposal whose follow-up is a training problem but whose other pair is an eval task's: the
// entry would show that pair in propose prompts and give it as a later solve task, so it is
// refused too, whichever pair the follow-up drew.
TEST(SelfPlayCoordinator, AProposalWithAnyHeldOutPairIsRefused) {
  // The hand-written eval programs, asked as deduction on their first input.
  const std::string suite =
      "deduction:" + std::string(R1_SOURCE_DIR) + "/tests/data/selfplay_heldout/programs.jsonl";
  const Holdout holdout(suite);
  const Task eval = load_suite(parse_suites(suite)[0]).at(0);
  const std::string input = eval.meta["input"].get<std::string>();
  ASSERT_EQ(input, "'hello world'");
  for (const auto& inputs :
       {std::vector<std::string>{input, "'xyz'"}, std::vector<std::string>{"'xyz'", input}}) {
    SCOPED_TRACE(inputs[0]);
    const json mixed = triplet_json(eval.meta["program"].get<std::string>(), inputs);
    SelfPlaySource src(options(), 4);
    SelfPlayCoordinator c(src, sandbox(), limits(), &holdout);
    c.seed_buffer();
    const size_t seeded = src.buffer().size();
    auto ready = c.admit(propose_group(src, 10, {proposal_sample(mixed)}), 0);
    EXPECT_FALSE(c.has_followup());
    EXPECT_EQ(src.buffer().size(), seeded);
    ASSERT_EQ(ready.size(), 1u);
    EXPECT_DOUBLE_EQ(*ready[0].samples[0].reward, options().duplicate_reward);
    EXPECT_EQ(c.take_step_metrics()["propose"]["deduction"]["held_out"], 1);
    // Without the holdout the same proposal joins the buffer.
    SelfPlaySource open(options(), 4);
    SelfPlayCoordinator o(open, sandbox(), limits());
    o.seed_buffer();
    o.admit(propose_group(open, 10, {proposal_sample(mixed)}), 0);
    EXPECT_TRUE(o.has_followup());
    EXPECT_EQ(open.buffer().size(), seeded + 1);
  }
}

// Seeds are pyfunc tasks; one whose program an eval suite asks to write (or one of whose pairs
// it asks about) stays out of the buffer, where propose prompts would show it.
TEST(SelfPlayCoordinator, SeedsOfHeldOutProblemsStayOutOfTheBuffer) {
  SelfPlaySource plain(options(), 4);
  SelfPlayCoordinator all(plain, sandbox(), limits());
  all.seed_buffer();
  ASSERT_EQ(plain.buffer().size(), 6u);
  // The pyfunc tasks the seeds come from, first two: the same programs to write.
  const Holdout holdout("pyfunc:n=2:seed=4");
  ASSERT_EQ(holdout.tasks(), 2u);
  SelfPlaySource src(options(), 4);
  SelfPlayCoordinator c(src, sandbox(), limits(), &holdout);
  c.seed_buffer();
  EXPECT_EQ(src.buffer().size(), 4u);
  for (size_t i = 0; i < src.buffer().size(); ++i) {
    for (const std::string& key : triplet_problem_keys(src.buffer().at(i)))
      EXPECT_FALSE(holdout.contains_key(key)) << key;
  }
  // A buffer restored from a checkpoint made without that holdout is screened too.
  SelfPlaySource restored(options(), 4);
  restored.buffer().load_state(plain.buffer().state(), "checkpoint");
  SelfPlayCoordinator r(restored, sandbox(), limits(), &holdout);
  r.seed_buffer();
  EXPECT_EQ(restored.buffer().size(), 4u);
  EXPECT_EQ(restored.buffer().added(), plain.buffer().added());
  for (size_t i = 0; i < restored.buffer().size(); ++i) {
    EXPECT_EQ(restored.buffer().at(i).key, src.buffer().at(i).key);
    EXPECT_EQ(restored.buffer().find(src.buffer().at(i).key), &restored.buffer().at(i));
  }
  // Holding out every seed leaves nothing to start from: an error that says why.
  const Holdout every("pyfunc:n=6:seed=4");
  SelfPlaySource none(options(), 4);
  SelfPlayCoordinator d(none, sandbox(), limits(), &every);
  try {
    d.seed_buffer();
    ADD_FAILURE() << "seeded from held-out programs";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("held_out 6"), std::string::npos) << e.what();
  }
}

// An abduction proposal whose every output the program maps to itself (sorted) is answered by
// copying the output it shows: refused as unusable (echo), with invalid_reward. The same
// program as a deduction proposal asks for something, and joins.
TEST(SelfPlayCoordinator, AProposalACopyAnswersIsRefused) {
  const json sorter = triplet_json("def f(xs):\n    return sorted(xs)\n", {"[2, 1]", "[3, 1, 2]"});
  ASSERT_EQ(sorter["fixed_points"], json::parse("[true, true]"));
  SelfPlaySource src(options(), 4);
  SelfPlayCoordinator c(src, sandbox(), limits());
  c.seed_buffer();
  const size_t seeded = src.buffer().size();
  auto ready =
      c.admit(propose_group(src, 10, {proposal_sample(sorter)}, SelfPlayKind::Abduction), 0);
  EXPECT_FALSE(c.has_followup());
  EXPECT_EQ(src.buffer().size(), seeded);
  ASSERT_EQ(ready.size(), 1u);
  EXPECT_DOUBLE_EQ(*ready[0].samples[0].reward, options().invalid_reward);
  EXPECT_EQ(ready[0].samples[0].reason, "echo");
  EXPECT_EQ(c.take_step_metrics()["propose"]["abduction"]["echo"], 1);
  c.admit(propose_group(src, 11, {proposal_sample(sorter)}, SelfPlayKind::Deduction), 0);
  ASSERT_TRUE(c.has_followup());
  EXPECT_EQ(c.take_followup().meta["kind"], "deduction");
  EXPECT_EQ(src.buffer().size(), seeded + 1);
  EXPECT_EQ(src.buffer().at(seeded).fixed_points, (std::vector<bool>{true, true}));
}

TEST(SelfPlayCoordinator, ProposerGroupsWaitForTheirSolveRates) {
  SelfPlaySource src(options(), 4);
  SelfPlayCoordinator c(src, sandbox(), limits());
  c.seed_buffer();
  const size_t seeded = src.buffer().size();
  const json a = triplet_json("def f(x):\n    return x * 3 - 1\n", {"4", "9"});
  const json b = triplet_json("def f(s):\n    return s.upper()[::-1]\n", {"'ab'", "'xyz'"});
  SampleResult error;
  error.verifier_error = true;
  error.reason = "sandbox_error";
  RolloutGroup g =
      propose_group(src, 10,
                    {proposal_sample(a), proposal_sample(b), refused_sample("bad_format", false),
                     refused_sample("banned_import", true), error});
  auto ready = c.admit(std::move(g), 3);
  EXPECT_TRUE(ready.empty()) << "the proposer group must wait";
  EXPECT_EQ(c.waiting_groups(), 1u);
  EXPECT_EQ(src.buffer().size(), seeded + 2);
  const Triplet* ta = src.buffer().find(a["key"]);
  ASSERT_NE(ta, nullptr);
  EXPECT_EQ(ta->origin, "proposed");
  EXPECT_EQ(ta->step, 4);
  EXPECT_EQ(ta->seed, 10u);

  ASSERT_TRUE(c.has_followup());
  Task fa = c.take_followup();
  Task fb = c.take_followup();
  EXPECT_FALSE(c.has_followup());
  EXPECT_EQ(fa.meta["role"], "solve");
  EXPECT_EQ(fa.meta["kind"], "deduction");
  EXPECT_EQ(fa.meta["key"], a["key"]);
  EXPECT_EQ(fa.meta["followup"], (json{{"proposer", 10}, {"sample", 0}}));
  EXPECT_EQ(fb.meta["followup"]["sample"], 1);

  // Follow-up a: 1 of 4 solved. The solve group trains at once; the proposer still waits.
  ready = c.admit(solve_group(fa, 11, 1, 4), 3);
  ASSERT_EQ(ready.size(), 1u);
  EXPECT_EQ(ready[0].seq, 11u);
  EXPECT_EQ(src.buffer().find(a["key"])->attempts, 4u);
  EXPECT_EQ(src.buffer().find(a["key"])->solved, 1u);
  // A repeated message for the same follow-up changes nothing.
  EXPECT_EQ(c.admit(solve_group(fa, 13, 4, 4), 3).size(), 1u);
  EXPECT_EQ(c.waiting_groups(), 1u);

  // Follow-up b is written off: its proposal resolves with no solve rate (reward 0).
  ready = c.lost(fb);
  ASSERT_EQ(ready.size(), 1u);
  const RolloutGroup& p = ready[0];
  EXPECT_EQ(p.seq, 10u);
  EXPECT_EQ(c.waiting_groups(), 0u);
  ASSERT_EQ(p.samples.size(), 5u);
  EXPECT_DOUBLE_EQ(*p.samples[0].reward, 0.75);  // learnability 1 - 1/4
  EXPECT_DOUBLE_EQ(*p.samples[1].reward, 0.0);
  EXPECT_DOUBLE_EQ(*p.samples[2].reward, options().format_reward);
  EXPECT_DOUBLE_EQ(*p.samples[3].reward, options().invalid_reward);
  EXPECT_FALSE(p.samples[4].reward.has_value());
  EXPECT_TRUE(p.samples[4].verifier_error);

  json m = c.take_step_metrics();
  const json& pd = m["propose"]["deduction"];
  EXPECT_EQ(pd["proposals"], 4);
  EXPECT_EQ(pd["valid"], 2);
  EXPECT_DOUBLE_EQ(pd["valid_rate"].get<double>(), 0.5);
  EXPECT_EQ(pd["malformed"], 1);
  EXPECT_EQ(pd["reasons"]["banned_import"], 1);
  EXPECT_EQ(pd["resolved"], 2);
  EXPECT_DOUBLE_EQ(pd["learnability"].get<double>(), 0.375);
  EXPECT_EQ(pd["never_solved"], 0) << "b was written off: neither";
  EXPECT_EQ(pd["always_solved"], 0);
  EXPECT_DOUBLE_EQ(pd["distinct_programs"].get<double>(), 1.0);
  EXPECT_EQ(m["solve"]["deduction"]["samples"], 8);
  EXPECT_EQ(m["buffer"]["size"], seeded + 2);
  EXPECT_EQ(m["proposals_admitted"], 2);
  EXPECT_TRUE(c.take_step_metrics()["propose"].empty()) << "counters restart each step";
}

TEST(SelfPlayCoordinator, SolveRatesOfAllOrNothingEarnNoLearnability) {
  SelfPlaySource src(options(), 4);
  SelfPlayCoordinator c(src, sandbox(), limits());
  c.seed_buffer();
  const json a = triplet_json("def f(x):\n    return x + 100\n", {"1", "2"});
  const json b = triplet_json("def f(x):\n    return [x] * 3\n", {"1", "2"});
  EXPECT_TRUE(c.admit(propose_group(src, 20, {proposal_sample(a), proposal_sample(b)}), 0).empty());
  Task fa = c.take_followup(), fb = c.take_followup();
  EXPECT_EQ(c.admit(solve_group(fa, 21, 4, 4), 0).size(), 1u);
  auto ready = c.admit(solve_group(fb, 22, 0, 4), 0);
  ASSERT_EQ(ready.size(), 2u);  // the solve group, then the proposer it completes
  EXPECT_EQ(ready[1].seq, 20u);
  EXPECT_DOUBLE_EQ(*ready[1].samples[0].reward, 0.0);  // always solved: too easy
  EXPECT_DOUBLE_EQ(*ready[1].samples[1].reward, 0.0);  // never solved: too hard (or wrong)

  // The same program and inputs again: a duplicate of a buffer entry, no follow-up, no wait.
  ready =
      c.admit(propose_group(src, 30, {proposal_sample(a), refused_sample("duplicate", true)}), 1);
  ASSERT_EQ(ready.size(), 1u);
  EXPECT_FALSE(c.has_followup());
  EXPECT_DOUBLE_EQ(*ready[0].samples[0].reward, options().duplicate_reward);
  EXPECT_DOUBLE_EQ(*ready[0].samples[1].reward, options().duplicate_reward);
  EXPECT_EQ(c.take_step_metrics()["propose"]["deduction"]["duplicates"], 2);
}

// never_solved_reward prices the tasks the solver cannot do, and only those: always solved
// stays 0, and the learnability metric is unchanged (0 for both).
TEST(SelfPlayCoordinator, NeverSolvedRewardPricesOnlyTheUnsolved) {
  SelfPlayOptions o = options();
  o.never_solved_reward = -0.25;
  SelfPlaySource src(o, 4);
  SelfPlayCoordinator c(src, sandbox(), limits());
  c.seed_buffer();
  const json a = triplet_json("def f(x):\n    return x + 100\n", {"1", "2"});
  const json b = triplet_json("def f(x):\n    return [x] * 3\n", {"1", "2"});
  const json d = triplet_json("def f(x):\n    return x * x - 1\n", {"1", "2"});
  EXPECT_TRUE(
      c.admit(propose_group(src, 20, {proposal_sample(a), proposal_sample(b), proposal_sample(d)}),
              0)
          .empty());
  Task fa = c.take_followup(), fb = c.take_followup(), fd = c.take_followup();
  EXPECT_TRUE(c.admit(solve_group(fa, 21, 4, 4), 0).size() == 1u);
  EXPECT_TRUE(c.admit(solve_group(fb, 22, 0, 4), 0).size() == 1u);
  auto ready = c.admit(solve_group(fd, 23, 1, 4), 0);
  ASSERT_EQ(ready.size(), 2u);
  EXPECT_DOUBLE_EQ(*ready[1].samples[0].reward, 0.0);    // always solved
  EXPECT_DOUBLE_EQ(*ready[1].samples[1].reward, -0.25);  // never solved
  EXPECT_DOUBLE_EQ(*ready[1].samples[2].reward, 0.75);   // 1 of 4: learnability 1 - 1/4
  for (int i = 0; i < 3; ++i)
    EXPECT_TRUE(ready[1].samples[i].learner_data.value("admitted", false));
  const json m = c.take_step_metrics()["propose"]["deduction"];
  EXPECT_DOUBLE_EQ(m["learnability"].get<double>(), 0.75 / 3);
  EXPECT_EQ(m["never_solved"], 1);
}

// A known program re-posted with new inputs: a new triplet, but no new program. Under
// novelty "program" it is a duplicate; under "triplet" a new task. Either way the metrics
// count how many proposals brought a program the buffer lacked.
TEST(SelfPlayCoordinator, NoveltyByProgramRefusesAKnownProgramWithNewInputs) {
  for (const std::string novelty : {"triplet", "program"}) {
    SCOPED_TRACE(novelty);
    SeededRun run(novelty);
    auto& [src, c] = run;
    const SelfPlayOptions& o = src.options();
    const size_t seeded = src.buffer().size();
    const json a = triplet_json("def f(x):\n    return x * 5 + 2\n", {"1", "2"});
    // The same program (other names, same normal form) with other inputs, twice in one group.
    const json again = triplet_json("def f(y):\n    return y * 5 + 2\n", {"3", "4"});
    const json twice = triplet_json("def f(x):\n    return x * 5 + 2\n", {"5", "6"});
    ASSERT_EQ(a["program_key"], again["program_key"]);
    ASSERT_NE(a["key"], again["key"]);
    EXPECT_TRUE(c.admit(propose_group(src, 60, {proposal_sample(a)}), 0).empty());
    Task fa = c.take_followup();
    EXPECT_EQ(c.admit(solve_group(fa, 61, 1, 2), 0).size(), 2u);
    json m = c.take_step_metrics()["propose"]["deduction"];
    EXPECT_EQ(m["new_programs"], 1);
    EXPECT_EQ(m["valid"], 1);

    auto ready =
        c.admit(propose_group(src, 62, {proposal_sample(again), proposal_sample(twice)}), 1);
    m = c.take_step_metrics()["propose"]["deduction"];
    EXPECT_EQ(m["new_programs"], 0);
    EXPECT_DOUBLE_EQ(m["new_program_rate"].get<double>(), 0.0);
    if (novelty == "program") {
      ASSERT_EQ(ready.size(), 1u) << "duplicates wait for nothing";
      EXPECT_FALSE(c.has_followup());
      EXPECT_DOUBLE_EQ(*ready[0].samples[0].reward, o.duplicate_reward);
      EXPECT_DOUBLE_EQ(*ready[0].samples[1].reward, o.duplicate_reward);
      EXPECT_EQ(ready[0].samples[0].reason, "duplicate");
      EXPECT_EQ(m["valid"], 0);
      EXPECT_EQ(m["duplicates"], 2);
      EXPECT_EQ(src.buffer().size(), seeded + 1);
    } else {
      EXPECT_TRUE(ready.empty());
      EXPECT_TRUE(c.has_followup());
      EXPECT_EQ(m["valid"], 2);
      EXPECT_EQ(m["duplicates"], 0);
      EXPECT_EQ(src.buffer().size(), seeded + 3);
    }
    EXPECT_TRUE(src.buffer().contains_program(a["program_key"]));
  }
}

// An entry saved before shapes were recorded (no shape_key): its program re-posted with new
// inputs is still no new shape.
TEST(SelfPlayCoordinator, AnEntryWithoutAShapeStillCountsItsProgram) {
  SeededRun run("shape");
  auto& [src, c] = run;
  json old = triplet_json("def f(x):\n    return x * 9 + 4\n", {"1", "2"});
  old.erase("shape_key");
  src.buffer().add(Triplet::from_json(old, "an old checkpoint's entry"));
  const json again = triplet_json("def f(x):\n    return x * 9 + 4\n", {"5", "6"});
  auto ready = c.admit(propose_group(src, 80, {proposal_sample(again)}), 0);
  ASSERT_EQ(ready.size(), 1u);
  EXPECT_DOUBLE_EQ(*ready[0].samples[0].reward, src.options().duplicate_reward);
  const json m = c.take_step_metrics()["propose"]["deduction"];
  EXPECT_EQ(m["new_shapes"], 0);
  EXPECT_EQ(m["valid"], 0);
}

// The same program with other constants: a new program, but not a new shape.
TEST(SelfPlayCoordinator, NoveltyByShapeRefusesAConstantVariant) {
  for (const std::string novelty : {"program", "shape"}) {
    SCOPED_TRACE(novelty);
    SeededRun run(novelty);
    auto& [src, c] = run;
    const SelfPlayOptions& o = src.options();
    const json a = triplet_json("def f(x):\n    return x * 5 + 2\n", {"1", "2"});
    const json b = triplet_json("def f(x):\n    return x * 7 + -3\n", {"1", "2"});
    ASSERT_NE(a["program_key"], b["program_key"]);
    ASSERT_EQ(a["shape_key"], b["shape_key"]) << "only the constants differ (a negative one too)";
    EXPECT_TRUE(c.admit(propose_group(src, 70, {proposal_sample(a)}), 0).empty());
    EXPECT_EQ(c.admit(solve_group(c.take_followup(), 71, 1, 2), 0).size(), 2u);
    json m = c.take_step_metrics()["propose"]["deduction"];
    EXPECT_EQ(m["new_shapes"], 1);
    auto ready = c.admit(propose_group(src, 72, {proposal_sample(b)}), 1);
    m = c.take_step_metrics()["propose"]["deduction"];
    EXPECT_EQ(m["new_programs"], 1);
    EXPECT_EQ(m["new_shapes"], 0);
    EXPECT_DOUBLE_EQ(m["new_shape_rate"].get<double>(), 0.0);
    EXPECT_EQ(m["valid"], novelty == "program" ? 1 : 0);
    EXPECT_EQ(c.has_followup(), novelty == "program");
    if (novelty == "shape") {
      ASSERT_EQ(ready.size(), 1u);
      EXPECT_DOUBLE_EQ(*ready[0].samples[0].reward, o.duplicate_reward);
    }
  }
}

// A known function written another way: a new shape, but not a new behaviour. Under novelty
// "behaviour" it is a duplicate, and so is a known shape with other constants.
TEST(SelfPlayCoordinator, NoveltyByBehaviourRefusesAKnownFunctionRewritten) {
  for (const std::string novelty : {"shape", "behaviour"}) {
    SCOPED_TRACE(novelty);
    SeededRun run(novelty);
    auto& [src, c] = run;
    const json a = triplet_json("def f(xs):\n    return sorted(xs)[::-1]\n", {"[2, 9]", "[1]"});
    const json b = triplet_json("def f(xs):\n    return sorted(xs, reverse=True)\n", {"[0, 4]"});
    const json d = triplet_json("def f(xs):\n    return sorted(xs)[::-2]\n", {"[1, 2, 3]"});
    ASSERT_NE(a["shape_key"], b["shape_key"]);
    ASSERT_EQ(a["behaviour_key"], b["behaviour_key"]);
    ASSERT_EQ(a["shape_key"], d["shape_key"]);
    ASSERT_NE(a["behaviour_key"], d["behaviour_key"]);
    EXPECT_TRUE(c.admit(propose_group(src, 90, {proposal_sample(a)}), 0).empty());
    EXPECT_EQ(c.admit(solve_group(c.take_followup(), 91, 2, 2), 0).size(), 2u);
    json m = c.take_step_metrics()["propose"]["deduction"];
    EXPECT_EQ(m["always_solved"], 1) << "2 of 2: learnability 0";
    EXPECT_EQ(m["never_solved"], 0);
    EXPECT_DOUBLE_EQ(m["learnability"].get<double>(), 0.0);
    EXPECT_EQ(m["new_behaviours"], 1);
    EXPECT_EQ(m["probed"], 1);
    auto ready = c.admit(propose_group(src, 92, {proposal_sample(b), proposal_sample(d)}), 1);
    m = c.take_step_metrics()["propose"]["deduction"];
    EXPECT_EQ(m["new_shapes"], 1) << "b";
    EXPECT_EQ(m["new_behaviours"], 1) << "d";
    EXPECT_DOUBLE_EQ(m["new_behaviour_rate"].get<double>(), 0.5);
    if (novelty == "shape") {
      EXPECT_EQ(m["valid"], 1) << "b, a new shape";
      EXPECT_TRUE(ready.empty());
    } else {
      EXPECT_EQ(m["valid"], 0) << "b computes what a does; d is a's shape";
      EXPECT_EQ(m["duplicates"], 2);
      ASSERT_EQ(ready.size(), 1u);
      EXPECT_DOUBLE_EQ(*ready[0].samples[0].reward, src.options().duplicate_reward);
    }
  }
}

TEST(SelfPlayCoordinator, AFollowUpThatJudgedNothingDropsTheProposal) {
  SelfPlaySource src(options(), 4);
  SelfPlayCoordinator c(src, sandbox(), limits());
  c.seed_buffer();
  const json a = triplet_json("def f(x):\n    return x - 7\n", {"1", "2"});
  const json b = triplet_json("def f(x):\n    return x * x - 7\n", {"1", "2"});
  EXPECT_TRUE(c.admit(propose_group(src, 50, {proposal_sample(a), proposal_sample(b)}), 0).empty());
  Task fa = c.take_followup(), fb = c.take_followup();
  RolloutGroup broken = solve_group(fa, 51, 0, 4);
  for (auto& s : broken.samples) {
    s.verifier_error = true;
    s.reward.reset();
  }
  EXPECT_EQ(c.admit(std::move(broken), 0).size(), 1u);
  auto ready = c.admit(solve_group(fb, 52, 2, 4), 0);
  ASSERT_EQ(ready.size(), 2u);
  const RolloutGroup& p = ready[1];
  EXPECT_TRUE(p.samples[0].verifier_error) << "a sandbox outage is no training signal";
  EXPECT_FALSE(p.samples[0].reward.has_value());
  EXPECT_DOUBLE_EQ(*p.samples[1].reward, 0.5);
  EXPECT_EQ(c.waiting_groups(), 0u);
}

// A judge that found the program deciding by chance (an abduction run twice on the solver's
// input gave two values) condemns the task: the triplet leaves the buffer and the proposal
// counts as refused, whatever the other samples scored. The samples still train, the one that
// showed the coin at 0: a solver that finds such an input escapes no penalty.
TEST(SelfPlayCoordinator, AProgramThatDecidesByChanceWhenJudgedIsRefused) {
  SelfPlaySource src(options(), 4);
  SelfPlayCoordinator c(src, sandbox(), limits());
  c.seed_buffer();
  const json a = triplet_json("def f(x):\n    return x - 7\n", {"1", "2"});
  const json b = triplet_json("def f(x):\n    return x * x - 7\n", {"1", "2"});
  EXPECT_TRUE(c.admit(propose_group(src, 60, {proposal_sample(a), proposal_sample(b)},
                                    SelfPlayKind::Abduction),
                      0)
                  .empty());
  const size_t before = src.buffer().size();
  Task fa = c.take_followup(), fb = c.take_followup();
  RolloutGroup coin = solve_group(fa, 61, 3, 4);  // three judged, one found the coin
  coin.samples[3].reason = "nondeterministic_program";  // scored as a wrong answer
  auto ready = c.admit(std::move(coin), 0);
  ASSERT_EQ(ready.size(), 1u);
  ASSERT_EQ(ready[0].samples.size(), 4u);
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_FALSE(ready[0].samples[i].verifier_error) << i;
    ASSERT_TRUE(ready[0].samples[i].reward.has_value()) << i;
    EXPECT_DOUBLE_EQ(*ready[0].samples[i].reward, i < 3 ? 1.0 : 0.0) << i;
  }
  EXPECT_EQ(src.buffer().size(), before - 1);
  EXPECT_FALSE(src.buffer().contains(a.at("key").get<std::string>()));
  ready = c.admit(solve_group(fb, 62, 2, 4), 0);
  ASSERT_EQ(ready.size(), 2u);
  const RolloutGroup& p = ready[1];
  EXPECT_DOUBLE_EQ(*p.samples[0].reward, options().invalid_reward);
  EXPECT_EQ(p.samples[0].reason, "nondeterministic_when_judged");
  EXPECT_DOUBLE_EQ(*p.samples[1].reward, 0.5);
  const json m = c.take_step_metrics();
  EXPECT_EQ(m["propose"]["abduction"]["condemned"], 1) << m.dump();

  // Only an abduction's judge runs the proposer's program on the solver's input: elsewhere the
  // reason is the solver's own program, and the task stands.
  const json d = triplet_json("def f(x):\n    return x + 70\n", {"1", "2", "3", "4"});
  EXPECT_TRUE(
      c.admit(propose_group(src, 63, {proposal_sample(d)}, SelfPlayKind::Induction), 0).empty());
  RolloutGroup own = solve_group(c.take_followup(), 64, 2, 4);
  own.samples[3].reason = "nondeterministic_program";
  ready = c.admit(std::move(own), 0);
  ASSERT_EQ(ready.size(), 2u);
  EXPECT_TRUE(src.buffer().contains(d.at("key").get<std::string>()));
  EXPECT_DOUBLE_EQ(*ready[1].samples[0].reward, 0.5);
  EXPECT_EQ(c.take_step_metrics()["propose"]["induction"]["condemned"], 0);

  // An answer holding a set of strings split the program (hash_ordered_answer): the task
  // leaves the buffer and its proposal is neither paid nor refused (its sample is dropped).
  const json e = triplet_json("def f(x):\n    return x * 3 - 1\n", {"1", "2"});
  EXPECT_TRUE(
      c.admit(propose_group(src, 65, {proposal_sample(e)}, SelfPlayKind::Abduction), 0).empty());
  RolloutGroup split = solve_group(c.take_followup(), 66, 2, 4);
  split.samples[3].reason = "hash_ordered_answer";
  ready = c.admit(std::move(split), 0);
  ASSERT_EQ(ready.size(), 2u);
  EXPECT_FALSE(src.buffer().contains(e.at("key").get<std::string>()));
  EXPECT_DOUBLE_EQ(*ready[0].samples[0].reward, 1.0) << "the solver's samples train as judged";
  EXPECT_FALSE(ready[1].samples[0].reward.has_value())
      << "the proposal is neither paid nor refused";
  EXPECT_EQ(ready[1].samples[0].reason, "withdrawn_when_judged");
  const json m2 = c.take_step_metrics();
  EXPECT_EQ(m2["propose"]["abduction"]["withdrawn"], 1) << m2.dump();
  EXPECT_EQ(m2["propose"]["abduction"]["condemned"], 0) << m2.dump();
}

// Answers judged past a limit score 0 for the solver but are not counted in the proposer's
// solve rate: near a limit, which answers finish is a coin a proposer could tune.
TEST(SelfPlayCoordinator, AnswersPastALimitAreNotInTheSolveRate) {
  SelfPlaySource src(options(), 4);
  SelfPlayCoordinator c(src, sandbox(), limits());
  c.seed_buffer();
  const json a = triplet_json("def f(x):\n    return x - 9\n", {"1", "2"});
  EXPECT_TRUE(c.admit(propose_group(src, 70, {proposal_sample(a)}), 0).empty());
  RolloutGroup g = solve_group(c.take_followup(), 71, 1, 4);  // 1 right, 3 wrong
  g.samples[2].reason = "program_timeout";
  g.samples[3].reason = "resource_limit";
  auto ready = c.admit(std::move(g), 0);
  ASSERT_EQ(ready.size(), 2u);
  EXPECT_DOUBLE_EQ(*ready[0].samples[2].reward, 0.0) << "the solver's sample still trains";
  EXPECT_DOUBLE_EQ(*ready[1].samples[0].reward, 0.5) << "solve rate 1 of 2 judged, not 1 of 4";

  // Out of memory in every interpreter counts (a program may raise MemoryError on purpose),
  // unless another answer of the task met the limit in one interpreter only.
  const json b = triplet_json("def f(x):\n    return x - 11\n", {"1", "2"});
  const json d = triplet_json("def f(x):\n    return x - 13\n", {"1", "2"});
  EXPECT_TRUE(c.admit(propose_group(src, 72, {proposal_sample(b), proposal_sample(d)}), 0).empty());
  Task fb = c.take_followup(), fd = c.take_followup();
  RolloutGroup counted = solve_group(fb, 73, 2, 4);  // 2 right, 2 out of memory
  counted.samples[2].reason = counted.samples[3].reason = "memory_error";
  EXPECT_EQ(c.admit(std::move(counted), 0).size(), 1u);
  RolloutGroup moved = solve_group(fd, 74, 2, 4);  // the limit moved: memory errors left out
  moved.samples[2].reason = "memory_error";
  moved.samples[3].reason = "resource_limit";
  ready = c.admit(std::move(moved), 0);
  ASSERT_EQ(ready.size(), 2u);
  EXPECT_DOUBLE_EQ(*ready[1].samples[0].reward, 0.5) << "2 of 4: memory errors count";
  EXPECT_DOUBLE_EQ(*ready[1].samples[1].reward, 0.0) << "2 of 2: solved every time";
}

TEST(SelfPlayCoordinator, InductionFollowUpsHideHalfThePairs) {
  SelfPlaySource src(options(), 4);
  SelfPlayCoordinator c(src, sandbox(), limits());
  c.seed_buffer();
  const json a = triplet_json("def f(x):\n    return x % 5\n", {"1", "7", "12", "30"});
  EXPECT_TRUE(
      c.admit(propose_group(src, 40, {proposal_sample(a)}, SelfPlayKind::Induction), 0).empty());
  Task f = c.take_followup();
  EXPECT_EQ(f.meta["kind"], "induction");
  EXPECT_EQ(f.meta["shown"].size(), 2u);
  EXPECT_EQ(f.meta["hidden"].size(), 2u);
}

TEST(SelfPlayCoordinator, AdvantagesPerRoleAndKindWithWeights) {
  SelfPlayOptions o = options();
  o.propose_weight = 0.5;
  SelfPlaySource src(o, 4);
  SelfPlayCoordinator c(src, sandbox(), limits());
  c.seed_buffer();
  Rng rng(2);
  auto usable = [](RolloutGroup g) {
    UsableGroup u;
    for (size_t i = 0; i < g.samples.size(); ++i) {
      u.kept.push_back(static_cast<int>(i));
      u.advantages.push_back(99);  // overwritten
    }
    u.g = std::move(g);
    return u;
  };
  Task d = make_solve_task(src.buffer().at(0), SelfPlayKind::Deduction, rng);
  std::vector<UsableGroup> batch;
  batch.push_back(usable(solve_group(d, 1, 4, 4)));  // all solved: flat within the group ...
  batch.push_back(usable(solve_group(d, 2, 0, 4)));  // ... and all failed
  RolloutGroup p = propose_group(src, 3, {refused_sample("x", true), refused_sample("y", true)});
  p.samples[0].reward = 0.5;
  p.samples[1].reward = -0.5;
  batch.push_back(usable(std::move(p)));
  UsableGroup other;  // another family keeps its own advantages
  other.g.task = Task{"id", "arith", "1+1", "2", "math"}.to_json();
  other.kept = {0};
  other.advantages = {0.25};
  batch.push_back(other);
  c.set_advantages(batch);
  // Solve/deduction: 4 ones and 4 zeros over the batch -> mean 0.5, sd 0.5 -> +-1.
  for (double a : batch[0].advantages) EXPECT_DOUBLE_EQ(a, 1.0);
  for (double a : batch[1].advantages) EXPECT_DOUBLE_EQ(a, -1.0);
  // Propose/deduction: +-1, times propose_weight 0.5.
  EXPECT_DOUBLE_EQ(batch[2].advantages[0], 0.5);
  EXPECT_DOUBLE_EQ(batch[2].advantages[1], -0.5);
  EXPECT_DOUBLE_EQ(batch[3].advantages[0], 0.25);
  EXPECT_TRUE(c.keeps_flat_group(batch[0].g));
  EXPECT_FALSE(c.keeps_flat_group(batch[3].g));
}

// "tiered": validity over all of a kind's proposer samples (admitted ones as 0), plus an
// admitted proposal's reward normalised among the admitted ones.
TEST(SelfPlayCoordinator, TieredAdvantagesWeighDifficultyAmongTheAdmitted) {
  SelfPlayOptions o = options();
  o.advantages = "tiered";
  SelfPlaySource src(o, 4);
  SelfPlayCoordinator c(src, sandbox(), limits());
  c.seed_buffer();
  RolloutGroup p = propose_group(src, 3,
                                 {refused_sample("a", true), refused_sample("b", true),
                                  refused_sample("c", true), refused_sample("d", false)});
  p.samples[0].reward = 0.75;  // admitted, 1 of 4 solved
  p.samples[1].reward = 0.0;   // admitted, never solved
  p.samples[2].reward = -0.5;  // refused
  p.samples[3].reward = -1.0;  // malformed
  p.samples[0].learner_data["admitted"] = true;
  p.samples[1].learner_data["admitted"] = true;
  UsableGroup u;
  u.kept = {0, 1, 2, 3};
  u.advantages = {9, 9, 9, 9};
  u.g = std::move(p);
  // An abduction proposal admitted alone in its kind: its difficulty is normalised over all
  // the batch's admitted proposals (0.75, 0, 0.5), not left at 0.
  RolloutGroup q = propose_group(src, 4, {refused_sample("e", true)}, SelfPlayKind::Abduction);
  q.samples[0].reward = 0.5;
  q.samples[0].learner_data["admitted"] = true;
  UsableGroup lone;
  lone.kept = {0};
  lone.advantages = {9};
  lone.g = std::move(q);
  std::vector<UsableGroup> batch{u, lone};
  c.set_advantages(batch);
  // Validity values 0, 0, -0.5, -1: mean -0.375, variance (2 * 0.375^2 + 0.125^2 + 0.625^2) / 4.
  const double sd = std::sqrt((2 * 0.140625 + 0.015625 + 0.390625) / 4);
  // Among the admitted, 0.75 and 0: mean 0.375, sd 0.375, so +1 and -1.
  EXPECT_DOUBLE_EQ(batch[0].advantages[0], 0.375 / sd + 1.0);
  EXPECT_DOUBLE_EQ(batch[0].advantages[1], 0.375 / sd - 1.0);
  EXPECT_DOUBLE_EQ(batch[0].advantages[2], -0.125 / sd);
  EXPECT_DOUBLE_EQ(batch[0].advantages[3], -0.625 / sd);
  EXPECT_LT(batch[0].advantages[1], 0) << "a task never solved is no longer reinforced";
  // Abduction's validity bucket holds one sample (no spread: 0); its difficulty, over all three
  // admitted: mean 1.25 / 3, variance of (0.75, 0, 0.5) about it.
  const double mean3 = 1.25 / 3;
  const double sd3 =
      std::sqrt((std::pow(0.75 - mean3, 2) + std::pow(mean3, 2) + std::pow(0.5 - mean3, 2)) / 3);
  EXPECT_NEAR(batch[1].advantages[0], (0.5 - mean3) / sd3, 1e-12);
  EXPECT_TRUE(c.keeps_flat_group(batch[0].g));
}

}  // namespace
}  // namespace r1
