// The "program" verifier on self-play solve tasks made from a validated triplet: deduction,
// abduction and induction, right and wrong answers, in the real sandbox.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <set>

#include "tasks/datasets.h"
#include "tasks/generator.h"
#include "tasks/selfplay/selfplay_tasks.h"
#include "tests/common/sandbox_fixture.h"
#include "verifiers/registry.h"
#include "verifiers/selfplay/program_runner.h"

namespace r1 {
namespace {

using testing::answer;

std::unique_ptr<Verifier>& program_verifier() {
  static std::unique_ptr<Verifier> v =
      make_verifier("program", json{{"sandbox", testing::test_sandbox_config().to_json()},
                                    {"limits", {{"timeout_s", 2.0}}}});
  return v;
}

// f(s, k): every k-th character of s, reversed; validated in the sandbox like a proposal.
Triplet validated_triplet() {
  static const Triplet t = [] {
    ProgramRunner runner(testing::shared_pool(), ProgramLimits{});
    Triplet t;
    t.program = "def f(s, k):\n    return s[::k][::-1]\n";
    ProgramReport r = runner.validate(t.program, "f", {"'abcdef', 2", "'xyz', 1", "'hello', 3"});
    EXPECT_TRUE(r.ok) << r.message;
    t.inputs = r.inputs;
    t.outputs = r.outputs;
    t.key = r.key;
    t.program_key = r.program_key;
    t.origin = "test";
    return t;
  }();
  return t;
}

std::vector<json> read_jsonl_file(const std::string& path, size_t max_lines) {
  std::vector<json> out;
  std::ifstream in(path);
  for (std::string line; out.size() < max_lines && std::getline(in, line);) {
    if (!line.empty()) out.push_back(json::parse(line));
  }
  return out;
}

Verdict judge(const Task& t, const std::string& ans) {
  Verdict v = program_verifier()->verify(t, answer(ans));
  EXPECT_FALSE(v.verifier_error) << v.to_json().dump();
  return v;
}

TEST(SelfPlaySolve, Deduction) {
  Rng rng(1);
  Task t = make_solve_task(validated_triplet(), SelfPlayKind::Deduction, rng);
  ASSERT_EQ(t.verifier, "program");
  EXPECT_TRUE(judge(t, t.answer).correct);
  const std::string input = t.meta["input"];
  const std::string gold = input == "'abcdef', 2" ? "'eca'"
                           : input == "'xyz', 1"  ? "'zyx'"
                                                  : "'lh'";
  EXPECT_EQ(t.answer, gold);
  EXPECT_TRUE(judge(t, " " + gold + "\n").correct);
  EXPECT_TRUE(judge(t, "\"" + gold.substr(1, gold.size() - 2) + "\"").correct);  // other quotes
  Verdict wrong = judge(t, "'nope'");
  EXPECT_FALSE(wrong.correct);
  EXPECT_EQ(wrong.reason, "wrong_answer");
  Verdict unreadable = judge(t, "the answer is eca");
  EXPECT_FALSE(unreadable.correct);
  EXPECT_EQ(unreadable.reason, "bad_answer");
  EXPECT_FALSE(unreadable.format_ok);
  Verdict none = program_verifier()->verify(t, "no answer block");
  EXPECT_EQ(none.reason, "no_answer");
}

TEST(SelfPlaySolve, Abduction) {
  Rng rng(2);
  Task t = make_solve_task(validated_triplet(), SelfPlayKind::Abduction, rng);
  ASSERT_EQ(t.meta["kind"], "abduction");
  EXPECT_EQ(t.prompt.find(t.answer), std::string::npos) << "the input must not be shown";
  EXPECT_TRUE(judge(t, t.answer).correct);
  // Any input giving the output counts, not only the proposer's.
  const std::string out = t.meta["output"];
  std::string plain = out.substr(1, out.size() - 2);
  std::string reversed(plain.rbegin(), plain.rend());
  Verdict other = judge(t, "'" + reversed + "', 1");
  EXPECT_TRUE(other.correct) << other.to_json().dump();
  Verdict wrong = judge(t, "'qq', 1");
  EXPECT_FALSE(wrong.correct);
  EXPECT_EQ(wrong.reason, "wrong_answer");
  Verdict error = judge(t, "5, 1");  // 5[::1] raises
  EXPECT_FALSE(error.correct);
  EXPECT_EQ(error.reason, "runtime_error");
  Verdict code = judge(t, "__import__('os').system('true')");
  EXPECT_FALSE(code.correct);
  EXPECT_EQ(code.reason, "bad_answer");
}

// An abduction runs the proposer's program on the solver's input, which validation never ran.
// A program that decides by chance off its own inputs (the order of a set of objects follows
// their addresses) would make the solve rate a coin and pay the proposer: judged in two
// interpreters, it is found out (`nondeterministic_program`: the learner condemns the task), and
// the answer that showed it scores 0: no verifier failure, which would drop the sample and let
// a solver escape its penalty. A program past its CPU limit on the solver's input scores 0 and
// says nothing of the task.
TEST(SelfPlaySolve, AbductionOfAProgramThatDecidesByChanceIsFoundOut) {
  Triplet t;
  t.program =
      "class K:\n    pass\n\n\nA = K()\nB = K()\n\n\ndef f(s):\n"
      "    if s in ('qz', 'zzq'):\n        return len(s)\n"
      "    return len(s) + (0 if next(iter({A, B})) is A else 1)\n";
  t.inputs = {"'qz'"};
  t.outputs = {"2"};
  t.key = t.program_key = "coin";
  Rng rng(4);
  Task task = make_solve_task(t, SelfPlayKind::Abduction, rng);
  // Each judgement is two runs of a coin: one in two or so disagrees. Forty judgements all
  // agreeing would take a coin far more biased than the measured one (about 0.3 / 0.7).
  int found = 0, judged = 0;
  for (int i = 0; i < 40 && found == 0; ++i) {
    Verdict v = program_verifier()->verify(task, answer("'ab'"));
    EXPECT_FALSE(v.verifier_error) << v.to_json().dump();
    if (v.reason == "nondeterministic_program") {
      EXPECT_FALSE(v.correct);
      EXPECT_EQ(v.score, 0.0);
      ++found;
    } else {
      ++judged;
    }
  }
  EXPECT_EQ(found, 1) << judged << " judgements agreed";

  // A program deterministic on the kinds it was validated with (ints) but not on an input of
  // another kind the solver chose (a set of strings iterates in hash-seed order): the answer
  // scores 0 rather than escaping as a verifier failure.
  Triplet ints;
  ints.program = "def f(xs):\n    return list(set(xs))[0]\n";
  ints.inputs = {"[1, 2]"};
  ints.outputs = {"1"};
  ints.key = ints.program_key = "ints";
  Task by_kind = make_solve_task(ints, SelfPlayKind::Abduction, rng);
  std::string strings = "[";
  for (char c = 'a'; c < 'a' + 16; ++c) strings += cat(c == 'a' ? "" : ", ", "'", c, "'");
  strings += "]";
  found = 0;
  for (int i = 0; i < 20 && found == 0; ++i) {
    Verdict v = program_verifier()->verify(by_kind, answer(strings));
    EXPECT_FALSE(v.verifier_error) << v.to_json().dump();
    EXPECT_FALSE(v.correct) << v.to_json().dump();
    found += v.reason == "nondeterministic_program";
  }
  EXPECT_EQ(found, 1) << "16 strings in two hash seeds agreed on the first 20 times";

  // An answer that is itself a set of strings: even a program with no chance of its own
  // (`for ch in s`) gives two values, as the set's order follows the hash seed. That is the
  // answer's (hash_ordered_answer, 0), not the program's: the learner does not condemn it.
  Triplet walk;
  walk.program = "def f(s):\n    t = ''\n    for ch in s:\n        t = ch + t\n    return t\n";
  walk.inputs = {"'abcdefgh'"};
  walk.outputs = {"'hgfedcba'"};
  walk.key = walk.program_key = "walk";
  Task by_order = make_solve_task(walk, SelfPlayKind::Abduction, rng);
  EXPECT_TRUE(judge(by_order, "'abcdefgh'").correct);
  found = 0;
  for (int i = 0; i < 20 && found == 0; ++i) {
    Verdict v =
        program_verifier()->verify(by_order, answer("{'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'}"));
    EXPECT_FALSE(v.verifier_error) << v.to_json().dump();
    if (v.reason == "hash_ordered_answer") {
      EXPECT_EQ(v.score, 0.0);
      ++found;
    } else {
      EXPECT_NE(v.reason, "nondeterministic_program") << v.to_json().dump();
    }
  }
  EXPECT_EQ(found, 1) << "8 strings in two hash seeds agreed on the first 20 times";

  // A coin of the program's own behind a set of strings is still the program's: two calls in
  // one interpreter that disagree (state kept between them), or a one-element set (no order).
  Triplet gated;
  gated.program =
      "N = []\n\n\ndef f(s):\n    if type(s) is set:\n        N.append(0)\n"
      "        return len(N)\n    return len(s)\n";
  gated.inputs = {"['a', 'b']"};
  gated.outputs = {"2"};
  gated.key = gated.program_key = "gated";
  Task behind = make_solve_task(gated, SelfPlayKind::Abduction, rng);
  for (const char* a : {"{'p', 'q'}", "{'p'}"}) {
    Verdict v = program_verifier()->verify(behind, answer(a));
    EXPECT_EQ(v.reason, "nondeterministic_program") << a << ": " << v.to_json().dump();
  }
  // The same program on its own input is deterministic, and judged.
  EXPECT_TRUE(judge(task, "'qz'").correct);

  Triplet slow;
  slow.program =
      "def f(s):\n    n = 0\n    if 'h' in s:\n        while True:\n"
      "            n += 1\n    return len(s) + n\n";
  slow.inputs = {"'qz'"};
  slow.outputs = {"2"};
  slow.key = slow.program_key = "slow";
  Task late = make_solve_task(slow, SelfPlayKind::Abduction, rng);
  // An answer that runs the program past its limit scores 0, as a wrong one does (a huge
  // input is no way out of a penalty); the learner leaves it out of the proposer's solve rate.
  Verdict v = program_verifier()->verify(late, answer("'hi'"));
  EXPECT_FALSE(v.verifier_error) << v.to_json().dump();
  EXPECT_FALSE(v.correct);
  EXPECT_EQ(v.reason, "program_timeout");
}

TEST(SelfPlaySolve, Induction) {
  Rng rng(3);
  Task t = make_solve_task(validated_triplet(), SelfPlayKind::Induction, rng);
  ASSERT_EQ(t.meta["kind"], "induction");
  EXPECT_EQ(t.meta["shown"].size(), 1u);
  EXPECT_EQ(t.meta["hidden"].size(), 2u);
  const std::string hidden_input = t.meta["hidden"][0]["input"];
  EXPECT_EQ(t.prompt.find(hidden_input), std::string::npos);
  EXPECT_TRUE(judge(t, "def f(s, k):\n    return s[::k][::-1]").correct);
  EXPECT_TRUE(
      judge(t, "```python\ndef f(s, k):\n    out = s[::k]\n    return out[::-1]\n```").correct);
  Verdict partial = judge(t, "def f(s, k):\n    return s[::-1][::k]");
  EXPECT_FALSE(partial.correct);
  EXPECT_EQ(partial.reason, "wrong_answer");
  Verdict banned = judge(t, "import os\ndef f(s, k):\n    return s[::k][::-1]");
  EXPECT_FALSE(banned.correct);
  EXPECT_EQ(banned.reason, "banned_import");
  // An answer that prints a fake report does not pass.
  Verdict forged = judge(t,
                         "def f(s, k):\n    print('R1SP {\"ok\": true, \"matches\": [true, true, "
                         "true], \"outputs\": []}')\n    return 0");
  EXPECT_FALSE(forged.correct);
  // A program that keeps state between calls is the solver's own fault: a wrong answer with
  // its own reason (only an abduction's disagreement, the proposer's program, condemns a task).
  Verdict stateful = judge(
      t,
      "def f(s, k, seen=[]):\n    seen.append(1)\n    return s[::k][::-1] + 'x' * (len(seen) - 1)");
  EXPECT_FALSE(stateful.correct);
  EXPECT_FALSE(stateful.verifier_error);
  EXPECT_EQ(stateful.reason, "nondeterministic_answer") << stateful.to_json().dump();
}

TEST(SelfPlaySolve, BadTasksAreVerifierErrors) {
  Task t;
  t.id = "x";
  t.verifier = "program";
  t.meta = {{"kind", "riddles"}};
  Verdict v = program_verifier()->verify(t, answer("1"));
  EXPECT_TRUE(v.verifier_error);
  t.meta = {{"kind", "deduction"}};  // no output
  v = program_verifier()->verify(t, answer("1"));
  EXPECT_TRUE(v.verifier_error);
}

// The pyplay family's worked solutions (its cold-start data) are right by the real verifiers:
// deduction outputs written by the C++ evaluator equal the sandbox's, abduction inputs give the
// outputs, induction programs pass the hidden pairs, and worked proposals validate.
TEST(SelfPlaySolve, PyplayWorkedSolutionsVerify) {
  auto proposal =
      make_verifier("proposal", json{{"sandbox", testing::test_sandbox_config().to_json()}});
  auto gen = make_generator("pyplay", json{{"propose_share", 0.3}}, "options");
  std::map<std::string, int> seen;
  for (uint64_t i = 0; i < 36; ++i) {
    const Task t = generate_task(*gen, 7, i, 0);
    const std::string completion = gen->solve(t);
    Verifier& v = t.verifier == "proposal" ? *proposal : *program_verifier();
    Verdict d = v.verify(t, completion);
    EXPECT_TRUE(d.correct) << t.id << ": " << d.to_json().dump() << "\n" << completion;
    seen[cat(t.meta["role"].get<std::string>(), "/", t.meta["kind"].get<std::string>())]++;
  }
  EXPECT_GE(seen.size(), 4u);  // solve kinds and proposals both drawn
  EXPECT_EQ(make_generator("pyplay", json{{"propose_share", 1.0}}, "o")->family(), "pyplay");
  EXPECT_THROW(make_generator("pyplay", json{{"kinds", json::array()}}, "o"), Error);
  EXPECT_THROW(make_generator("pyplay", json{{"induction_inputs", 9}}, "o"), Error);
}

// A deduction or abduction task whose prompt holds its answer is no task: copying the input a
// deduction shows, or the output an abduction shows, is wrong on every pyplay task (a leak
// audit found the copy right on 15-39% of them). Judged by the sandbox, not by the generator's
// own reading.
TEST(SelfPlaySolve, PyplayAnswersAreNotInTheirPrompts) {
  int judged = 0;
  for (const char* programs : {"templates", "composed"}) {
    for (const char* kind : {"deduction", "abduction"}) {
      auto gen = make_generator(
          "pyplay", json{{"kinds", kind}, {"propose_share", 0.0}, {"programs", programs}}, "o");
      for (uint64_t i = 0; i < 30; ++i) {
        const Task t = generate_task(*gen, 11, i, 0);
        const std::string copy =
            t.meta.value(std::string(kind) == "deduction" ? "input" : "output", std::string());
        const Verdict d = program_verifier()->verify(t, answer(copy));
        EXPECT_FALSE(d.correct) << programs << " " << t.id << ": copying '" << copy
                                << "' is right\n"
                                << t.prompt;
        EXPECT_FALSE(t.meta.value("echo_solvable", false)) << t.id;
        ++judged;
      }
    }
  }
  EXPECT_EQ(judged, 120);
}

// Where a triplet's pairs say a copy would be right, the task uses another pair; where every
// pair does, the task says so.
TEST(SelfPlaySolve, SolveTasksAvoidPairsThatAnswerThemselves) {
  Triplet square;
  square.program = "def f(n):\n    return n * n\n";
  square.inputs = {"1", "2", "3"};  // f(1) == 1
  square.outputs = {"1", "4", "9"};
  for (uint64_t s = 0; s < 50; ++s) {
    Rng rng(s, 1);
    EXPECT_NE(make_solve_task(square, SelfPlayKind::Deduction, rng).meta["input"], "1");
    EXPECT_NE(make_solve_task(square, SelfPlayKind::Abduction, rng).meta["output"], "1");
  }
  Triplet sorter;  // sorted(): every output maps to itself, which only the caller can know
  sorter.program = "def f(xs):\n    return sorted(xs)\n";
  sorter.inputs = {"[2, 1]", "[3, 1, 2]"};
  sorter.outputs = {"[1, 2]", "[1, 2, 3]"};
  Rng rng(3, 1);
  EXPECT_FALSE(
      make_solve_task(sorter, SelfPlayKind::Abduction, rng).meta.value("echo_solvable", false));
  const Task all = make_solve_task(sorter, SelfPlayKind::Abduction, rng, {true, true});
  EXPECT_TRUE(all.meta.value("echo_solvable", false));
  EXPECT_FALSE(make_solve_task(sorter, SelfPlayKind::Deduction, rng, {true, true})
                   .meta.value("echo_solvable", false));
  // The arguments as a tuple answer both kinds: "2, 5" reads as (2, 5), and as f(2, 5).
  Triplet ordered;
  ordered.program = "def f(a, b):\n    return (min(a, b), max(a, b))\n";
  ordered.inputs = {"2, 5", "5, 2"};
  ordered.outputs = {"(2, 5)", "(2, 5)"};
  EXPECT_TRUE(echo_solvable(ordered, SelfPlayKind::Deduction, 0));
  EXPECT_FALSE(echo_solvable(ordered, SelfPlayKind::Deduction, 1));
  EXPECT_TRUE(echo_solvable(ordered, SelfPlayKind::Abduction, 0));
  // A buffer entry carries what the sandbox found (fixed_points), and tasks read it.
  EXPECT_FALSE(every_pair_echo_solvable(sorter, SelfPlayKind::Abduction));
  sorter.fixed_points = {true, true};
  EXPECT_TRUE(every_pair_echo_solvable(sorter, SelfPlayKind::Abduction));
  EXPECT_FALSE(every_pair_echo_solvable(sorter, SelfPlayKind::Deduction));
  EXPECT_TRUE(
      make_solve_task(sorter, SelfPlayKind::Abduction, rng).meta.value("echo_solvable", false));
  sorter.fixed_points = {true, false};
  for (uint64_t s = 0; s < 20; ++s) {
    Rng r(s, 2);
    EXPECT_EQ(make_solve_task(sorter, SelfPlayKind::Abduction, r).meta["output"], "[1, 2, 3]");
  }
  EXPECT_FALSE(every_pair_echo_solvable(sorter, SelfPlayKind::Abduction));
}

// The hand-written held-out programs (tests/data/selfplay_heldout/programs.jsonl, the eval set
// of docs/selfplay.md): every line reads as deduction and abduction tasks, no program repeats,
// and for every third line the stored outputs are what the sandbox computes (all lines were
// checked when the file was written; the sample keeps CI short), the first ones passing a
// proposal's full validation.
TEST(SelfPlaySolve, HeldOutProgramsAreConsistent) {
  const std::string path =
      std::string(R1_SOURCE_DIR) + "/tests/data/selfplay_heldout/programs.jsonl";
  auto tasks = read_dataset("deduction", path);
  ASSERT_GE(tasks.size(), 100u);
  // Abduction leaves out the programs whose every output maps to itself (the file's
  // fixed_points, tools/mark_fixed_points.py): copying the shown output answers them. The
  // others show an output that is no fixed point.
  const std::vector<Task> abduction = read_dataset("abduction", path);
  std::map<std::string, json> by_id;
  size_t all_fixed = 0;
  for (const json& j : read_jsonl_file(path, tasks.size())) {
    ASSERT_TRUE(j.contains("fixed_points")) << "run tools/mark_fixed_points.py on " << path;
    bool every = true;
    for (const json& b : j["fixed_points"]) every = every && b.get<bool>();
    all_fixed += every;
    by_id[j["id"].get<std::string>()] = j;
  }
  EXPECT_EQ(abduction.size() + all_fixed, tasks.size());
  EXPECT_GT(abduction.size(), 100u);
  for (const Task& t : abduction) {
    const json& j = by_id.at(t.id);
    const std::string shown = t.meta["output"].get<std::string>();
    for (size_t i = 0; i < j["outputs"].size(); ++i)
      if (j["outputs"][i] == shown) EXPECT_FALSE(j["fixed_points"][i].get<bool>()) << t.id;
  }
  std::set<std::string> programs;
  for (const Task& t : tasks)
    EXPECT_TRUE(programs.insert(t.meta["program"].get<std::string>()).second) << t.id;
  ProgramRunner runner(testing::shared_pool(), ProgramLimits{});
  const std::vector<json> lines = read_jsonl_file(path, tasks.size());
  for (size_t i = 0; i < lines.size(); i += 3) {
    const json& line = lines[i];
    const auto inputs = line["inputs"].get<std::vector<std::string>>();
    const auto outputs = line["outputs"].get<std::vector<std::string>>();
    ProgramReport r = i < 12 ? runner.validate(line["program"], "f", inputs)
                             : runner.run(line["program"], "f", inputs, outputs);
    ASSERT_TRUE(r.ok) << line["id"] << ": " << r.reason << " " << r.message;
    if (i < 12)
      EXPECT_EQ(json(r.outputs), line["outputs"]) << line["id"];
    else
      EXPECT_EQ(r.matches, std::vector<bool>(outputs.size(), true)) << line["id"];
  }
}

}  // namespace
}  // namespace r1
