// Self-play's task buffer and task builders (tasks/selfplay/), without the sandbox: adding,
// duplicates, eviction, sampling, solve counts, exact save/restore; the solve and propose
// prompts; reading proposals.
#include <gtest/gtest.h>

#include <set>

#include "core/error.h"
#include "core/rl_messages.h"
#include "tasks/datasets.h"
#include "tasks/selfplay/buffer_file.h"
#include "tasks/selfplay/selfplay_source.h"
#include "tasks/selfplay/selfplay_tasks.h"
#include "tasks/selfplay/task_buffer.h"

using namespace r1;

namespace {

Triplet triplet(int i, size_t pairs = 3) {
  Triplet t;
  t.program = cat("def f(x):\n    return x + ", i, "\n");
  for (size_t k = 0; k < pairs; ++k) {
    t.inputs.push_back(cat(k));
    t.outputs.push_back(cat(static_cast<int>(k) + i));
  }
  t.key = cat("key", i);
  t.program_key = cat("prog", i);
  t.shape_key = i < 100 ? cat("shape", i % 2) : "";     // two shapes; unknown past 100
  t.behaviour_key = i < 100 ? cat("does", i % 3) : "";  // three behaviours; unknown past 100
  t.ast_nodes = 9;
  t.origin = "test";
  t.seed = 7;
  t.step = i;
  return t;
}

}  // namespace

TEST(TaskBuffer, AddsRefusesDuplicatesAndEvictsTheOldest) {
  TaskBuffer b(3);
  EXPECT_TRUE(b.add(triplet(1)));
  EXPECT_FALSE(b.add(triplet(1)));  // same key
  EXPECT_TRUE(b.add(triplet(2)));
  EXPECT_TRUE(b.add(triplet(3)));
  EXPECT_TRUE(b.add(triplet(4)));
  EXPECT_EQ(b.size(), 3u);
  EXPECT_EQ(b.added(), 4u);
  EXPECT_FALSE(b.contains("key1"));
  EXPECT_TRUE(b.contains("key4"));
  EXPECT_EQ(b.at(0).key, "key2");
  EXPECT_EQ(b.find("key3")->step, 3);
  EXPECT_FALSE(b.contains_program("prog1")) << "its only entry left";
  EXPECT_TRUE(b.contains_program("prog4"));
  EXPECT_TRUE(b.contains_shape("shape0") && b.contains_shape("shape1"));
  EXPECT_FALSE(b.contains_shape("")) << "an unknown shape matches nothing";
  b.add(triplet(100));  // evicts key2, shape0: key4 still has it
  b.add(triplet(101));  // evicts key3, shape1: none left
  EXPECT_TRUE(b.contains_shape("shape0"));
  EXPECT_FALSE(b.contains_shape("shape1"));
  EXPECT_FALSE(b.contains_shape(""));
  EXPECT_TRUE(b.contains_behaviour("does1")) << "key4's";
  EXPECT_FALSE(b.contains_behaviour("does0")) << "key3's, evicted";
  EXPECT_FALSE(b.contains_behaviour("does2")) << "key2's, evicted";
  EXPECT_FALSE(b.contains_behaviour(""));
  EXPECT_EQ(b.find("key1"), nullptr);
  EXPECT_TRUE(b.add(triplet(1)));  // evicted keys may come back
  Triplet no_key = triplet(9);
  no_key.key.clear();
  EXPECT_THROW(b.add(no_key), Error);
  Triplet uneven = triplet(9);
  uneven.outputs.pop_back();
  EXPECT_THROW(b.add(uneven), Error);
  EXPECT_THROW(TaskBuffer(0), Error);
}

TEST(TaskBuffer, SamplesDistinctEntriesUniformly) {
  TaskBuffer b(100);
  for (int i = 0; i < 10; ++i) b.add(triplet(i, i < 5 ? 1 : 4));
  Rng rng(3);
  std::map<std::string, int> seen;
  for (int round = 0; round < 2000; ++round) {
    auto s = b.sample(rng, 3);
    ASSERT_EQ(s.size(), 3u);
    std::set<std::string> keys;
    for (auto* t : s) keys.insert(t->key);
    EXPECT_EQ(keys.size(), 3u);
    for (auto& k : keys) seen[k]++;
  }
  ASSERT_EQ(seen.size(), 10u);
  for (auto& [k, n] : seen) EXPECT_NEAR(n, 600, 120) << k;  // 2000 * 3 / 10
  auto multi = b.sample(rng, 10, 2);                        // only the five with >= 2 pairs
  EXPECT_EQ(multi.size(), 5u);
  for (auto* t : multi) EXPECT_GE(t->inputs.size(), 2u);
  EXPECT_TRUE(TaskBuffer(4).sample(rng, 3).empty());
}

TEST(TaskBuffer, SamplesInProportionToWeights) {
  TaskBuffer b(100);
  for (int i = 0; i < 4; ++i) b.add(triplet(i, i == 3 ? 1 : 2));
  const std::map<std::string, double> weight = {
      {"key0", 1.0}, {"key1", 2.0}, {"key2", 7.0}, {"key3", 50.0}};
  auto w = [&](const Triplet& t) { return weight.at(t.key); };
  Rng rng(5);
  std::map<std::string, int> first;
  for (int round = 0; round < 20000; ++round) {
    auto s = b.sample_weighted(rng, 2, 2, w);  // key3 has one pair: never drawn
    ASSERT_EQ(s.size(), 2u);
    EXPECT_NE(s[0]->key, s[1]->key);
    first[s[0]->key]++;
  }
  EXPECT_EQ(first.count("key3"), 0u);
  EXPECT_NEAR(first["key0"], 2000, 200);  // 1 / 10 of the first draws
  EXPECT_NEAR(first["key1"], 4000, 300);
  EXPECT_NEAR(first["key2"], 14000, 400);
  EXPECT_EQ(b.sample_weighted(rng, 10, 1, w).size(), 4u);
  EXPECT_THROW(b.sample_weighted(rng, 1, 1, [](const Triplet&) { return 0.0; }), Error);
}

TEST(SelfPlaySource, ReferencesByLearnabilityFavourTheSolversEdge) {
  Triplet t;
  EXPECT_DOUBLE_EQ(SelfPlayOptions::reference_weight(t), 0.5);  // never attempted
  t.attempts = 8;
  t.solved = 2;
  EXPECT_DOUBLE_EQ(SelfPlayOptions::reference_weight(t), 0.75);
  t.solved = 8;
  EXPECT_DOUBLE_EQ(SelfPlayOptions::reference_weight(t), 0.05);  // mastered
  t.solved = 0;
  EXPECT_DOUBLE_EQ(SelfPlayOptions::reference_weight(t), 0.05);  // hopeless
  t.attempts = 100;
  t.solved = 99;
  EXPECT_DOUBLE_EQ(SelfPlayOptions::reference_weight(t), 0.05);  // 1 - s below the floor

  // Two entries: one the solver half solves (weight 0.5), one it always solves (0.05).
  auto count_edge = [](const std::string& by) {
    SelfPlayOptions o;
    o.kinds = {"deduction"};
    o.propose_share = 1.0;
    o.references = 1;
    o.references_by = by;
    SelfPlaySource src(o, 1);
    src.buffer().add(triplet(1));
    src.buffer().add(triplet(2));
    src.buffer().record("key1", 8, 4);
    src.buffer().record("key2", 8, 8);
    Rng rng(11);
    int edge = 0;
    for (uint64_t k = 0; k < 2000; ++k) {
      Task task = src.next(rng, k);
      EXPECT_EQ(task.meta["role"], "propose");
      edge += task.meta["ref_keys"][0] == "key1";
    }
    return edge;
  };
  EXPECT_NEAR(count_edge("uniform"), 1000, 120);
  EXPECT_NEAR(count_edge("learnability"), 2000 * 0.5 / 0.55, 60);
}

// An entry whose every pair a copy answers as the kind asked is passed over: abduction tasks
// come from the entry that asks for something; with nothing else, the task says what it is.
TEST(SelfPlaySource, SolveTasksPassOverEntriesACopyAnswers) {
  SelfPlayOptions o;
  o.kinds = {"abduction"};
  o.propose_share = 0.0;
  SelfPlaySource src(o, 1);
  Triplet echo = triplet(1);
  echo.fixed_points = {true, true, true};
  src.buffer().add(echo);
  Rng rng(5);
  EXPECT_TRUE(src.next(rng, 0).meta.value("echo_solvable", false)) << "the only entry";
  const Triplet other = triplet(2);
  src.buffer().add(other);
  for (uint64_t k = 1; k < 40; ++k) {
    const Task t = src.next(rng, k);
    EXPECT_EQ(t.meta["key"], other.key) << k;
    EXPECT_FALSE(t.meta.value("echo_solvable", false));
  }
  // Deduction on it asks for something (its inputs are not its outputs).
  o.kinds = {"deduction"};
  SelfPlaySource ded(o, 1);
  ded.buffer().add(echo);
  EXPECT_FALSE(ded.next(rng, 0).meta.value("echo_solvable", false));
}

// Novelty by behaviour asks the proposal verifier to refuse what its probes cannot judge; the
// other novelties leave such proposals to the shape and text checks.
TEST(SelfPlaySource, NoveltyByBehaviourMakesTheProbesStrict) {
  for (const std::string novelty : {"triplet", "program", "shape", "behaviour"}) {
    SelfPlayOptions o;
    o.kinds = {"deduction"};
    o.propose_share = 1.0;
    o.novelty = novelty;
    SelfPlaySource src(o, 1);
    src.buffer().add(triplet(1));
    Rng rng(3);
    Task task = src.next(rng, 0);
    ASSERT_EQ(task.meta["role"], "propose");
    EXPECT_EQ(task.meta.value("strict_probes", false), novelty == "behaviour") << novelty;
  }
  // The strictest test is the default: under the others re-posts of buffer programs pay.
  EXPECT_EQ(SelfPlayOptions{}.novelty, "behaviour");
}

TEST(TaskBuffer, StateRestoresExactly) {
  TaskBuffer b(4);
  for (int i = 0; i < 6; ++i) b.add(triplet(i));
  b.record("key5", 8, 3);
  b.record("key5", 4, 9);     // solved is capped at attempts
  b.record("missing", 1, 1);  // ignored
  EXPECT_EQ(b.find("key5")->attempts, 12u);
  EXPECT_EQ(b.find("key5")->solved, 7u);
  EXPECT_DOUBLE_EQ(*b.find("key5")->solve_rate(), 7.0 / 12.0);
  EXPECT_FALSE(b.find("key4")->solve_rate());

  json st = b.state();
  TaskBuffer c(4);
  c.load_state(json::parse(st.dump()), "state");
  EXPECT_EQ(c.state(), st);
  for (int i = 0; i < 8; ++i) {
    EXPECT_EQ(c.contains_program(cat("prog", i)), b.contains_program(cat("prog", i))) << i;
  }
  EXPECT_TRUE(c.contains_shape("shape0") && c.contains_shape("shape1"));
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(c.contains_behaviour(cat("does", i)), b.contains_behaviour(cat("does", i))) << i;
  }
  Rng r1(9), r2(9);
  auto s1 = b.sample(r1, 2), s2 = c.sample(r2, 2);
  for (size_t i = 0; i < 2; ++i) EXPECT_EQ(s1[i]->key, s2[i]->key);
  EXPECT_TRUE(b.add(triplet(7)) && c.add(triplet(7)));
  EXPECT_EQ(c.state(), b.state());

  TaskBuffer other(5);
  EXPECT_THROW(other.load_state(st, "state"), Error);  // capacity differs
  json dup = st;
  dup["entries"][1] = dup["entries"][0];
  EXPECT_THROW(TaskBuffer(4).load_state(dup, "state"), Error);
  json bad = st;
  bad["entries"][0]["solved"] = 100;
  EXPECT_THROW(TaskBuffer(4).load_state(bad, "state"), Error);
  json unknown = st;
  unknown["entries"][0]["surprise"] = 1;
  EXPECT_THROW(TaskBuffer(4).load_state(unknown, "state"), Error);
}

TEST(SelfPlayTasks, SolveTasks) {
  Triplet t = triplet(5, 4);
  t.message = "adds a constant";
  Rng rng(1);
  Task d = make_solve_task(t, SelfPlayKind::Deduction, rng);
  EXPECT_EQ(d.family, "selfplay");
  EXPECT_EQ(d.verifier, "program");
  EXPECT_EQ(d.meta["role"], "solve");
  EXPECT_EQ(d.meta["kind"], "deduction");
  EXPECT_EQ(d.meta["key"], "key5");
  const std::string in = d.meta["input"];
  EXPECT_NE(d.prompt.find("f(" + in + ")"), std::string::npos);
  EXPECT_NE(d.prompt.find("return x + 5"), std::string::npos);
  EXPECT_EQ(d.answer, d.meta["output"]);

  Task a = make_solve_task(t, SelfPlayKind::Abduction, rng);
  EXPECT_EQ(a.meta["kind"], "abduction");
  EXPECT_NE(a.prompt.find("<output>" + a.meta["output"].get<std::string>() + "</output>"),
            std::string::npos);
  EXPECT_EQ(a.answer, a.meta["input"]);

  Task i = make_solve_task(t, SelfPlayKind::Induction, rng);
  EXPECT_EQ(i.meta["shown"].size() + i.meta["hidden"].size(), 4u);
  EXPECT_EQ(i.meta["shown"].size(), 2u);
  EXPECT_EQ(i.prompt.find("return x"), std::string::npos) << "induction must not show the code";
  EXPECT_NE(i.prompt.find("Hint: adds a constant"), std::string::npos);
  for (const json& p : i.meta["hidden"]) {
    EXPECT_EQ(i.prompt.find("f(" + p["input"].get<std::string>() + ")"), std::string::npos);
  }
  EXPECT_THROW(make_solve_task(triplet(1, 1), SelfPlayKind::Induction, rng), Error);
  // Task JSON round-trips (tasks travel to workers as JSON).
  EXPECT_EQ(Task::from_json(i.to_json(), "task").to_json(), i.to_json());
}

TEST(SelfPlayTasks, ProposeTasks) {
  Triplet r1t = triplet(1), r2t = triplet(2);
  Task p = make_propose_task({&r1t, &r2t}, SelfPlayKind::Abduction, 3);
  EXPECT_EQ(p.verifier, "proposal");
  EXPECT_EQ(p.meta["role"], "propose");
  EXPECT_EQ(p.meta["kind"], "abduction");
  EXPECT_EQ(p.meta["n_inputs"], 3);
  EXPECT_EQ(p.meta["ref_keys"], (json{"key1", "key2"}));
  EXPECT_EQ(p.meta["ref_program_keys"], (json{"prog1", "prog2"}));
  EXPECT_NE(p.prompt.find("return x + 2"), std::string::npos);
  EXPECT_NE(p.prompt.find("3 distinct inputs"), std::string::npos);
  EXPECT_NE(p.prompt.find("deterministic"), std::string::npos);  // the rules are stated
  Task ind = make_propose_task({&r1t}, SelfPlayKind::Induction, 4);
  EXPECT_NE(ind.prompt.find("<message>"), std::string::npos);
  EXPECT_EQ(parse_selfplay_kind("induction", "x"), SelfPlayKind::Induction);
  EXPECT_THROW(parse_selfplay_kind("guessing", "x"), Error);
}

TEST(SelfPlayTasks, ParsesProposals) {
  std::string why;
  auto p = parse_proposal(
      " <program>\n```python\ndef f(a):\n    return a\n```\n</program>\n<input> 1, 2 </input>"
      "<input>'x'</input><message> echoes </message>",
      &why);
  ASSERT_TRUE(p) << why;
  EXPECT_EQ(p->program, "def f(a):\n    return a");
  EXPECT_EQ(p->inputs, (std::vector<std::string>{"1, 2", "'x'"}));
  EXPECT_EQ(p->message, "echoes");
  EXPECT_FALSE(parse_proposal("<input>1</input>", &why));
  EXPECT_EQ(why, "no <program>...</program> block");
  EXPECT_FALSE(parse_proposal("<program>def f(): pass</program>", &why));
  EXPECT_FALSE(parse_proposal("<program>  </program><input>1</input>", &why));
  EXPECT_FALSE(parse_proposal("<program>def f(): pass", &why));
  // An input before the program does not count: inputs follow it.
  EXPECT_FALSE(parse_proposal("<input>1</input><program>def f(x): pass</program>", &why));
  EXPECT_FALSE(parse_proposal(std::string(10000, '<'), &why));
}

TEST(SelfPlayTasks, PyfuncSeeds) {
  auto seeds = pyfunc_seed_triplets(20, 3);
  ASSERT_EQ(seeds.size(), 20u);
  for (const Triplet& t : seeds) {
    EXPECT_EQ(t.entry, "f");
    EXPECT_NE(t.program.find("def f("), std::string::npos) << t.program;
    EXPECT_GE(t.inputs.size(), 4u);
    EXPECT_TRUE(t.outputs.empty());  // the sandbox computes them
    EXPECT_EQ(t.origin, "seed:pyfunc");
  }
}

// propose_temperature: propose tasks name their sampling temperature (the rollout worker samples
// them at it, the learner takes their ratios at it); solve tasks keep the rollout's. A bad
// value in a task is refused where a task message is read.
TEST(SelfPlaySource, ProposeTemperatureMarksOnlyProposals) {
  SelfPlayOptions o;
  o.kinds = {"deduction"};
  o.propose_share = 0.5;
  o.propose_temperature = 0.5;
  SelfPlaySource src(o, 1);
  src.buffer().add(triplet(1));
  Rng rng(4);
  int proposals = 0, solves = 0;
  for (uint64_t k = 0; k < 40; ++k) {
    const json t = src.next(rng, k).to_json();
    const bool propose = t["meta"]["role"] == "propose";
    (propose ? proposals : solves)++;
    EXPECT_EQ(task_sampling_temperature(t, 1.0), propose ? 0.5 : 1.0);
  }
  EXPECT_GT(proposals, 5);
  EXPECT_GT(solves, 5);
  o.propose_temperature = 0;  // the default: every task at the rollout's
  SelfPlaySource plain(o, 1);
  plain.buffer().add(triplet(1));
  for (uint64_t k = 0; k < 10; ++k)
    EXPECT_EQ(task_sampling_temperature(plain.next(rng, k).to_json(), 0.8), 0.8);
  EXPECT_THROW(SelfPlayOptions::from_json(json{{"propose_temperature", -1}}, "t"), Error);

  TaskAssignment a;
  a.task = {{"id", "x"}, {"prompt", "p"}, {"meta", {{"sampling_temperature", 0}}}};
  EXPECT_THROW(TaskAssignment::from_message(a.to_message()), MessageError);
  a.task["meta"]["sampling_temperature"] = "cool";
  EXPECT_THROW(TaskAssignment::from_message(a.to_message()), MessageError);
  a.task["id"] = 7;  // named whatever its id is
  EXPECT_THROW(TaskAssignment::from_message(a.to_message()), MessageError);
  a.task["id"] = "x";
  a.task["meta"]["sampling_temperature"] = 0.7;
  EXPECT_EQ(task_sampling_temperature(TaskAssignment::from_message(a.to_message()).task, 1.0), 0.7);
}

// r1 buffer's lines (tasks/selfplay/buffer_file.h): the entries a filter picks, oldest first,
// in the triplet-file form a deduction suite reads, provenance beside.
TEST(SelfPlayBufferFile, LinesPickEntriesByOriginAndReadAsASuite) {
  TaskBuffer b(8);
  for (int i = 0; i < 3; ++i) {
    Triplet t;
    t.program = cat("def f(x):\n    return x + ", i + 1, "\n");
    t.inputs = {"1", "2"};
    t.outputs = {cat(i + 2), cat(i + 3)};
    t.key = t.program_key = cat("k", i);
    t.origin = i == 1 ? "seed:pyfunc" : "proposed";
    t.step = i == 1 ? -1 : 5 + i;
    ASSERT_TRUE(b.add(t));
  }
  const json state = {{"step", 9}, {"task_source", {{"self_play", {{"0", b.state()}}}}}};
  const auto proposed = buffer_file_lines(state, "st", "proposed");
  ASSERT_EQ(proposed.size(), 2u);
  EXPECT_EQ(proposed[0]["id"], "buffer-k0");
  EXPECT_EQ(proposed[1]["id"], "buffer-k2");
  // An entry's id is its key: entries leaving do not move the others'.
  TaskBuffer fewer(8);
  fewer.load_state(b.state(), "st");
  fewer.remove_if([](const Triplet& t) { return t.key == "k0" || t.key == "k1"; });
  const json later = {{"step", 10}, {"task_source", {{"self_play", {{"0", fewer.state()}}}}}};
  const auto kept = buffer_file_lines(later, "st", "proposed");
  ASSERT_EQ(kept.size(), 1u);
  EXPECT_EQ(kept[0]["id"], "buffer-k2");
  EXPECT_EQ(proposed[1]["step"], 7);
  EXPECT_EQ(buffer_file_lines(state, "st", "seed").size(), 1u);
  EXPECT_EQ(buffer_file_lines(state, "st", "all").size(), 3u);
  EXPECT_THROW(buffer_file_lines(json{{"step", 1}, {"task_source", json::object()}}, "st", "all"),
               Error);

  std::string text;
  for (const json& l : proposed) text += l.dump() + "\n";
  const auto tasks = parse_dataset("deduction", text, "buffer.jsonl");
  ASSERT_EQ(tasks.size(), 2u);
  EXPECT_EQ(tasks[1].meta["program"], "def f(x):\n    return x + 3\n");
  EXPECT_EQ(tasks[1].answer, "4");
  EXPECT_EQ(tasks[1].meta["origin"], "proposed");
}
