// Held-out problems (tasks/holdout.h): the task stream and the generated SFT data never give a
// problem of the held-out suites, and otherwise give exactly what they gave without a holdout.
#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <set>

#include "core/error.h"
#include "tasks/datasets.h"
#include "tasks/holdout.h"
#include "tasks/selfplay/selfplay_tasks.h"
#include "tasks/task_source.h"
#include "test_util.h"
#include "tests/common/error_of.h"
#include "tests/common/suite_problems.h"

using namespace r1;
using r1::testing::error_of;

namespace {

// Countdown with two numbers has ~1,200 problems: a 500-task suite covers a good share of them.
const char* kSuite = "countdown:level=1:n=500:seed=9001";

TaskSourceConfig countdown_stream(const std::string& holdout) {
  json j = {
      {"seed", 5}, {"mix", {{{"family", "countdown"}, {"difficulty", 1}}}}, {"holdout", holdout}};
  return TaskSourceConfig::from_json(j, "run.json: tasks");
}

}  // namespace

TEST(Holdout, CountdownProblemsAreTheirNumbersInAnyOrderAndTheTarget) {
  auto gen = make_generator("countdown");
  Task a, b, c;
  a.family = b.family = c.family = "countdown";
  a.meta = {{"numbers", {3, 5, 7}}, {"target", 22}};
  b.meta = {{"numbers", {7, 3, 5}}, {"target", 22}};
  c.meta = {{"numbers", {3, 5, 7}}, {"target", 26}};
  a.prompt = "Use 3, 5, 7 once each with + - * / to make 22.";
  b.prompt = "Use 7, 3, 5 once each with + - * / to make 22.";
  EXPECT_EQ(gen->problem_key(a), gen->problem_key(b));
  EXPECT_NE(gen->problem_key(a), gen->problem_key(c));
  // Without its meta data a task falls back to its prompt.
  Task bare;
  bare.prompt = "Use 3, 5, 7  once each\n with + - * / to make 22.";
  EXPECT_EQ(gen->problem_key(bare), "countdown|Use 3, 5, 7 once each with + - * / to make 22.");
}

TEST(Holdout, PromptsCompareWithWhitespaceCollapsed) {
  EXPECT_EQ(prompt_key("  What is\t2 +\n\n2?  "), "What is 2 + 2?");
  EXPECT_EQ(prompt_key(""), "");
}

TEST(Holdout, ProblemTextsCompareWithoutSpacingCaseOrLatexSpacing) {
  EXPECT_EQ(problem_text_key("Question:  What is $2 + 2$?"), "question:what is 2+2");
  EXPECT_EQ(problem_text_key("What\xc2\xa0is \\(2\\,+\\;2\\)?"), "what is 2+2");
  EXPECT_EQ(problem_text_key("\\left( \\dfrac{1}{2} \\right)"), "(\\frac12)");
  EXPECT_EQ(problem_text_key("It costs \\$5, or 30\\% \\\\ of $x^{\\circ}$"),
            problem_text_key("it costs 5, or 30% of x^\\circ"));
  EXPECT_EQ(problem_text_key("Janet\xe2\x80\x99s ducks \xe2\x80\x93 **all** 30\xc2\xb0"),
            "janet's ducks-all 30^\\circ");
  EXPECT_EQ(problem_text_key("5\\text{ cm}"), problem_text_key("5 cm"));
  EXPECT_EQ(problem_text_key("x \\rightarrow y"), "x\\rightarrow y");  // a command, not \right
  EXPECT_NE(problem_text_key("2+3"), problem_text_key("2*3"));
  EXPECT_NE(problem_text_key("1 2"), problem_text_key("12"));
  EXPECT_EQ(problem_text_key(""), "");
}

// A dataset's problem written another way (a label before it, a chat template around it, other
// spacing or case) is the same problem: only prompts equal up to whitespace were held out, so
// "Question: " before a GSM8K test problem trained on it (a leak audit's LOW).
TEST(Holdout, ADatasetProblemIsHeldOutWhereverATrainingPromptHoldsIt) {
  r1_test::TempDir dir;
  const std::string long_problem =
      "Natalia sold clips to 48 of her friends in April, and then she sold half as many clips "
      "in May. How many clips did Natalia sell altogether in April and May?";
  const std::string short_problem = "What is 3 + 5?";
  const std::string path = dir.write(
      "gsm8k-test.jsonl",
      json{{"question", long_problem}, {"answer", "48 + 24 = 72\n#### 72"}}.dump() + "\n" +
          json{{"question", short_problem}, {"answer", "#### 8"}}.dump() + "\n" +
          json{{"question", "Simplify $(u+4)(u-1) - (u-3)(u+6)$."}, {"answer", "#### 6"}}.dump() +
          "\n");
  const Holdout holdout("gsm8k:" + path);
  ASSERT_EQ(holdout.tasks(), 3u);
  auto held = [&](const std::string& prompt) {
    Task t;
    t.prompt = prompt;
    return holdout.contains(t, nullptr);
  };
  EXPECT_TRUE(held(long_problem));
  EXPECT_TRUE(held("Question: " + long_problem));
  EXPECT_TRUE(held("A conversation between User and Assistant.\nUser: " + long_problem +
                   "\nPut the answer in \\boxed{}.\nAssistant: <think>"));
  std::string respaced = long_problem;
  for (char& c : respaced)
    if (c == ' ') c = '\n';
  EXPECT_TRUE(held("QUESTION:" + respaced));
  EXPECT_TRUE(held(short_problem));
  EXPECT_TRUE(held("what is $3+5$?"));
  EXPECT_TRUE(held("**Question:** What is 3 + 5?"));
  EXPECT_TRUE(held("<|im_start|>user\nWhat is 3 + 5?<|im_end|>"));
  EXPECT_TRUE(held("Tell me: what is 3 + 5? Then add 1."));  // a text of 8 or more, whole
  // Another problem is not held out: other numbers, a part of the problem, a held-out text
  // that another word or number runs into.
  std::string other = long_problem;
  other.replace(other.find("48"), 2, "50");
  EXPECT_FALSE(held(other));
  EXPECT_FALSE(held(long_problem.substr(0, long_problem.size() - 10)));
  EXPECT_FALSE(held("So what is 3 + 50?"));
  EXPECT_TRUE(held("What is 3 + 5"));  // the question mark left out
  EXPECT_FALSE(held("What is 3 + 5.5?"));
  EXPECT_FALSE(held("What is 3 + 5 - 1?"));
  EXPECT_FALSE(held("What is 3 + 5/2?"));
  EXPECT_TRUE(held("Problem: simplify (u+4)(u-1)-(u-3)(u+6). Show your work."));
  EXPECT_TRUE(held("Simplify $(u+4)(u-1) - (u-3)(u+6)$ (show your work)"));
  EXPECT_FALSE(held("Simplify (u+4)(u-1) - (u-3)(u+6)^2."));
  EXPECT_FALSE(held("Simplify (u+4)(u-1) - (u-3)(u+6) \\cdot 2."));
  EXPECT_FALSE(held("Mr" + long_problem));
}

// A training task without its family (an SFT line without its task, a dataset's) is matched to a
// generated suite by text: a copy with a label, an instruction or a chat template around it is
// held out (an audit: only an equal prompt was), and other problems of the family are not.
TEST(Holdout, AGeneratedProblemIsHeldOutByItsTextWhenTheTrainingTaskHasNoFamily) {
  const Holdout holdout(kSuite);
  std::vector<Task> suite = load_suite(parse_suites(kSuite)[0]);
  ASSERT_FALSE(suite.empty());
  auto held = [&](const std::string& prompt) {
    Task t;
    t.prompt = prompt;
    return holdout.contains(t, nullptr);
  };
  size_t checked = 0;
  for (size_t i = 0; i < suite.size(); i += 50, ++checked) {
    const std::string& p = suite[i].prompt;
    SCOPED_TRACE(p);
    EXPECT_TRUE(held(p));
    EXPECT_TRUE(held("Question: " + p));
    EXPECT_TRUE(held(p + " Think step by step."));
    EXPECT_TRUE(held("<|im_start|>user\n" + p + "<|im_end|>\n<|im_start|>assistant\n<think>"));
    EXPECT_TRUE(held(p.substr(0, p.size() - 1)));  // the final period left out
  }
  EXPECT_EQ(checked, 10u);
  // Prompts of the training stream that are not held-out problems stay.
  TaskSource source(countdown_stream(""));
  size_t kept = 0, same_problem = 0;
  auto gen = make_generator("countdown");
  for (int i = 0; i < 300; ++i) {
    Task t = source.next();
    if (holdout.contains(t, gen.get())) {
      ++same_problem;
      continue;
    }
    kept += !held(t.prompt);
    EXPECT_FALSE(held(t.prompt)) << t.prompt;
  }
  EXPECT_GT(kept, 100u);
  EXPECT_GT(same_problem, 0u) << "the suite covers part of the stream's problems";

  // A family whose prompt adds an instruction is known by its problem without it too.
  for (const char* suite : {"fraction:level=2:n=50:seed=9005", "linear:level=3:n=50:seed=9006"}) {
    const Holdout h(suite);
    const std::vector<Task> tasks = load_suite(parse_suites(suite)[0]);
    for (const Task& t : tasks) {
      const size_t stop = t.prompt.find(". ");
      ASSERT_NE(stop, std::string::npos) << t.prompt;
      Task bare;
      bare.prompt = "Question: " + t.prompt.substr(0, stop + 1);  // the old wording
      EXPECT_TRUE(h.contains(bare, nullptr)) << bare.prompt;
    }
  }
}

// MBPP's held-out prompt is built from its fields (the task's text and one test); a training
// copy in MBPP's original wording holds the text, not that prompt.
TEST(Holdout, AProblemBuiltFromFieldsIsHeldOutByItsText) {
  r1_test::TempDir dir;
  const std::string text =
      "Write a python function to remove first and last occurrence of a given character from "
      "the string.";
  const std::string path =
      dir.write("mbpp-test.jsonl", json{{"task_id", 11},
                                        {"text", text},
                                        {"test_list",
                                         {"assert remove_Occ(\"hello\",\"l\") == \"heo\"",
                                          "assert remove_Occ(\"abcda\",\"a\") == \"bcd\""}},
                                        {"code", "def remove_Occ(s, ch):\n    return s\n"}}
                                           .dump() +
                                       "\n");
  const Holdout holdout("mbpp:" + path);
  Task t;
  t.prompt = "You are an expert Python programmer, and here is your task: " + text +
             " Your code should pass these tests:\n\nassert remove_Occ(\"hello\",\"l\") == \"heo\"";
  EXPECT_TRUE(holdout.contains(t, nullptr));
  t.prompt = "Write a python function to remove the first occurrence of a given character.";
  EXPECT_FALSE(holdout.contains(t, nullptr));

  // HumanEval's code from its first def: a copy without the prompt's imports.
  const std::string code =
      "def has_close_elements(numbers: List[float], threshold: float) -> bool:\n"
      "    \"\"\" Check if in given list of numbers, are any two numbers closer to each other "
      "than given threshold.\n    \"\"\"\n";
  const std::string he =
      dir.write("humaneval.jsonl", json{{"task_id", "HumanEval/0"},
                                        {"prompt", "from typing import List\n\n\n" + code},
                                        {"test", "def check(candidate):\n    pass\n"},
                                        {"entry_point", "has_close_elements"}}
                                           .dump() +
                                       "\n");
  const Holdout by_code("humaneval:" + he);
  t.prompt = "Complete this function.\n" + code;
  EXPECT_TRUE(by_code.contains(t, nullptr));
}

// The stream with a holdout is the stream without it, minus the held-out problems, in the same
// order: a skip passes the cursor on, and nothing else changes.
TEST(Holdout, TheStreamSkipsHeldOutProblemsAndNothingElse) {
  const std::set<std::string> held = r1::testing::suite_problems("countdown", kSuite);
  auto gen = make_generator("countdown");
  TaskSource plain(countdown_stream("")), kept(countdown_stream(kSuite));
  EXPECT_EQ(kept.holdout().tasks(), 500u);
  std::vector<std::string> expected;
  size_t in_suite = 0;
  for (int i = 0; i < 4000; ++i) {
    Task t = plain.next();
    if (held.count(gen->problem_key(t)))
      ++in_suite;
    else
      expected.push_back(t.to_json().dump());
  }
  ASSERT_GT(in_suite, 500u) << "the level-1 stream meets the suite's problems often";
  for (const std::string& want : expected) {
    Task t = kept.next();
    EXPECT_EQ(held.count(gen->problem_key(t)), 0u) << t.prompt;
    ASSERT_EQ(t.to_json().dump(), want);
  }
  EXPECT_EQ(kept.cursor(), plain.cursor());
  EXPECT_EQ(kept.held_out(), in_suite);
}

TEST(Holdout, ResumeKeepsTheSkipsAndRefusesAnotherHoldout) {
  TaskSource a(countdown_stream(kSuite));
  for (int i = 0; i < 300; ++i) a.next();
  const json st = a.state();
  TaskSource b(countdown_stream(kSuite));
  b.load_state(st, "trainer_state.json: task_source");
  EXPECT_EQ(b.held_out(), a.held_out());
  for (int i = 0; i < 200; ++i) ASSERT_EQ(b.next().to_json().dump(), a.next().to_json().dump());
  TaskSource other(countdown_stream(""));
  const std::string err =
      error_of([&] { other.load_state(st, "trainer_state.json: task_source"); });
  EXPECT_NE(err.find("holdout"), std::string::npos) << err;
  EXPECT_NE(err.find(kSuite), std::string::npos) << err;
}

TEST(Holdout, ABadSuiteIsAConfigErrorNamingTheField) {
  const std::string err = error_of([] { countdown_stream("countdown:level=9"); });
  EXPECT_NE(err.find("holdout"), std::string::npos) << err;
  EXPECT_NE(err.find("difficulty 9 out of range"), std::string::npos) << err;
}

// A mix whose every problem is held out ends with an error that says so, not a hang.
TEST(Holdout, AStreamThatIsAllHoldoutFailsClearly) {
  r1_test::TempDir dir;
  const std::string data = dir.write("d.jsonl", "{\"prompt\": \"2+2?\", \"answer\": \"4\"}\n");
  json j = {{"seed", 1},
            {"mix", {{{"dataset", "generic"}, {"path", data}}}},
            {"holdout", "generic:" + data}};
  TaskSource src(TaskSourceConfig::from_json(j, "tasks"));
  const std::string err = error_of([&] { src.next(); });
  EXPECT_NE(err.find("held out"), std::string::npos) << err;
}

// arith draws both "47+38" and "38+47" (levels 1, 2, 6): one problem, whichever the suite has.
TEST(Holdout, ArithProblemsAreTheirExpressionUpToTheOrderOfTermsAndFactors) {
  auto gen = make_generator("arith");
  auto task = [](const std::string& expr) {
    Task t;
    t.family = "arith";
    t.prompt = "Compute " + expr + ".";
    t.meta = {{"expr", expr}};
    return t;
  };
  EXPECT_EQ(gen->problem_key(task("47+38")), gen->problem_key(task("38+47")));
  EXPECT_EQ(gen->problem_key(task("12*7")), gen->problem_key(task("7*12")));
  EXPECT_EQ(gen->problem_key(task("12+7*8-5")), gen->problem_key(task("8*7+12-5")));
  EXPECT_NE(gen->problem_key(task("47-38")), gen->problem_key(task("38-47")));
  EXPECT_NE(gen->problem_key(task("(2+3)*4")), gen->problem_key(task("2+3*4")));

  // Every held-out sum is held out written the other way round too.
  const std::string suite = "arith:level=1:n=200:seed=77";
  Holdout holdout(suite);
  int sums = 0;
  for (const SuiteSpec& s : parse_suites(suite)) {
    for (const Task& t : load_suite(s)) {
      const std::string expr = t.meta["expr"].get<std::string>();
      const size_t plus = expr.find('+');
      if (plus == std::string::npos) continue;
      ++sums;
      Task swapped = task(expr.substr(plus + 1) + "+" + expr.substr(0, plus));
      EXPECT_TRUE(holdout.contains(swapped, gen.get())) << swapped.prompt;
    }
  }
  EXPECT_GT(sums, 50);
}

// Level 8 writes k(x + m); levels 5 and 7 write the same equation expanded, either side first.
TEST(Holdout, LinearProblemsAreTheirEquationHoweverWritten) {
  auto gen = make_generator("linear");
  Task factored, expanded, flipped, other;
  factored.meta = {{"a", 3}, {"b", 6}, {"c", 1}, {"d", 4}, {"k", 3}, {"m", 2}};
  factored.prompt = "Solve for x: 3(x + 2) = x + 4.";
  expanded.meta = {{"a", 3}, {"b", 6}, {"c", 1}, {"d", 4}};
  expanded.prompt = "Solve for x: 3x + 6 = x + 4.";
  flipped.meta = {{"a", 1}, {"b", 4}, {"c", 3}, {"d", 6}};
  flipped.prompt = "Solve for x: x + 4 = 3x + 6.";
  other.meta = {{"a", 3}, {"b", 6}, {"c", 1}, {"d", 5}};
  Task negated;  // -3x - 6 = -x - 4
  negated.meta = {{"a", -3}, {"b", -6}, {"c", -1}, {"d", -4}};
  EXPECT_EQ(gen->problem_key(factored), gen->problem_key(expanded));
  EXPECT_EQ(gen->problem_key(factored), gen->problem_key(flipped));
  EXPECT_EQ(gen->problem_key(factored), gen->problem_key(negated));
  EXPECT_NE(gen->problem_key(factored), gen->problem_key(other));
}

TEST(Holdout, FractionSumsAndProductsAreTheirTermsInEitherOrder) {
  auto gen = make_generator("fraction");
  auto task = [](json terms, const std::string& ops) {
    Task t;
    t.meta = {{"terms", std::move(terms)}, {"ops", ops}};
    return t;
  };
  EXPECT_EQ(gen->problem_key(task({{3, 4}, {5, 6}}, "+")),
            gen->problem_key(task({{5, 6}, {3, 4}}, "+")));
  EXPECT_EQ(gen->problem_key(task({{3, 4}, {5, 6}}, "*")),
            gen->problem_key(task({{5, 6}, {3, 4}}, "*")));
  EXPECT_NE(gen->problem_key(task({{3, 4}, {5, 6}}, "-")),
            gen->problem_key(task({{5, 6}, {3, 4}}, "-")));
  // Three terms (level 6): what commutes, in any order (a leak audit found 2,322 reorderings of
  // a 500-problem suite in a 50k stream).
  const json a = {1, 2}, b = {1, 4}, c = {2, 3};
  EXPECT_EQ(gen->problem_key(task({a, a, b}, "+*")), gen->problem_key(task({a, b, a}, "*+")));
  EXPECT_EQ(gen->problem_key(task({a, b, c}, "**")), gen->problem_key(task({c, a, b}, "**")));
  EXPECT_EQ(gen->problem_key(task({a, c, b}, "/*")), gen->problem_key(task({a, b, c}, "*/")));
  EXPECT_EQ(gen->problem_key(task({a, b, c}, "-+")), gen->problem_key(task({a, c, b}, "+-")));
  EXPECT_NE(gen->problem_key(task({a, b, c}, "-+")), gen->problem_key(task({b, a, c}, "-+")));
  EXPECT_NE(gen->problem_key(task({a, b, c}, "/*")), gen->problem_key(task({b, a, c}, "/*")));
  EXPECT_NE(gen->problem_key(task({a, b, c}, "+*")), gen->problem_key(task({a, b, c}, "*+")));
}

// pyfunc shows two random example calls: the same function with other examples is the same
// problem. Level 3 has 14 functions, so a suite of 200 holds out all of them, and a stream of
// level 3 has nothing left to train on: it says so rather than train on the suite's functions.
TEST(Holdout, PyfuncProblemsAreTheFunctionToWriteWhateverItsExamples) {
  auto gen = make_generator("pyfunc");
  std::map<std::string, std::set<std::string>> prompts_of;  // key -> prompts
  for (const Task& t : generate_tasks("pyfunc", 300, 5, 3))
    prompts_of[gen->problem_key(t)].insert(t.prompt);
  size_t most = 0;
  for (const auto& [key, prompts] : prompts_of) most = std::max(most, prompts.size());
  EXPECT_LE(prompts_of.size(), 20u);
  EXPECT_GT(most, 5u);  // one function, asked with many different examples

  json j = {{"seed", 5},
            {"mix", {{{"family", "pyfunc"}, {"difficulty", 3}}}},
            {"holdout", "pyfunc:level=3:n=200:seed=9"}};
  TaskSource src(TaskSourceConfig::from_json(j, "run.json: tasks"));
  const std::string err = error_of([&] { src.next(); });
  EXPECT_NE(err.find("held out"), std::string::npos) << err;
}

// A self-play solve task on a held-out pyplay problem is held out though its family and its
// prompt differ (induction shows its pairs in another order), and pyfunc's "write this
// function" is induction's problem on the same program.
TEST(Holdout, ProgramTasksAreHeldOutWhateverFamilyMadeThem) {
  const std::string suite = "pyplay:level=2:n=40:seed=4242:opt.kinds=induction:opt.propose_share=0";
  Holdout holdout(suite);
  std::vector<Task> held;
  for (const SuiteSpec& s : parse_suites(suite))
    for (const Task& t : load_suite(s)) held.push_back(t);
  ASSERT_EQ(held.size(), 40u);
  int other_prompt = 0;
  for (const Task& t : held) {
    Triplet tr;
    tr.program = t.answer;
    tr.key = "k";
    for (const json& p : t.meta["shown"]) {
      tr.inputs.push_back(p["input"].get<std::string>());
      tr.outputs.push_back(p["output"].get<std::string>());
    }
    for (const json& p : t.meta["hidden"]) {
      tr.inputs.push_back(p["input"].get<std::string>());
      tr.outputs.push_back(p["output"].get<std::string>());
    }
    Rng rng(99, 1);
    Task again = make_solve_task(tr, SelfPlayKind::Induction, rng);
    other_prompt += again.prompt != t.prompt;
    EXPECT_EQ(again.family, "selfplay");
    EXPECT_TRUE(holdout.contains(again, nullptr)) << again.prompt;
  }
  EXPECT_GT(other_prompt, 10);

  // The pyfunc tasks whose function is a held-out induction program.
  auto pyfunc = make_generator("pyfunc");
  int written = 0;
  for (const Task& t : generate_tasks("pyfunc", 400, 3, 2)) {
    const std::string as_program = pyfunc_triplet(t, false).program;
    bool same = false;
    for (const Task& h : held) same = same || prompt_key(h.answer) == prompt_key(as_program);
    EXPECT_EQ(holdout.contains(t, pyfunc.get()), same) << t.prompt;
    written += same;
  }
  EXPECT_GT(written, 0);

  // A worked proposal writes its target program, and shows its reference's: held out where
  // writing either is.
  auto pyplay = make_generator("pyplay", json{{"propose_share", 1.0}}, "test");
  int proposals_held = 0;
  for (uint64_t i = 0; i < 200; ++i) {
    const Task p = generate_task(*pyplay, 4242, i, 2);
    ASSERT_EQ(p.meta.value("role", std::string()), "propose");
    std::vector<std::string> programs = {p.meta["target_program"].get<std::string>()};
    for (const json& r : p.meta["ref_programs"]) programs.push_back(r.get<std::string>());
    bool same = false;
    for (const Task& h : held)
      for (const std::string& program : programs)
        same = same || prompt_key(h.answer) == prompt_key(program);
    EXPECT_EQ(holdout.contains(p, pyplay.get()), same) << programs[0];
    proposals_held += same;
  }
  EXPECT_GT(proposals_held, 0);
}

// A training task is held out for what it shows and trains, not only for the problem it poses:
// a pyplay proposal shows two pairs of its reference, a deduction trains the output an abduction
// asks about, an induction task shows half its pairs, a pyfunc task shows two cases of its
// function. With the template suites of the self-play comparison held out
// (bench/selfplay_vs_generators.sh), the holdout refuses exactly the tasks that show or train a
// held-out pair: without it, many would (a review found 30 of 150 deduction pairs, and answers to
// 88 of 150 abduction tasks, in the cold start's data), and it refuses no task that shows none
// (a first version also refused tasks for pairs they do not show: 82% of proposals).
TEST(Holdout, TrainingTasksAreHeldOutForExactlyThePairsTheyShow) {
  std::string suites;
  for (const char* kind : {"deduction", "abduction"})
    suites += cat(suites.empty() ? "" : ",", "pyplay:n=150:seed=4242:opt.kinds=", kind,
                  ":opt.propose_share=0:opt.programs=templates");
  const Holdout holdout(suites);
  struct Pair {
    std::string program, input, output;
    bool deduction;
  };
  std::vector<Pair> held;
  for (const SuiteSpec& s : parse_suites(suites))
    for (const Task& t : load_suite(s))
      held.push_back({prompt_key(t.meta["program"].get<std::string>()),
                      t.meta["input"].get<std::string>(), t.meta["output"].get<std::string>(),
                      t.meta["kind"] == "deduction"});
  ASSERT_EQ(held.size(), 300u);
  // Whether pair (program, in -> out), shown or trained, is a held-out problem: a deduction's
  // input, or an abduction's output (any input giving it answers), of the same program.
  auto held_pair = [&](const std::string& program, const std::string& in, const std::string& out) {
    for (const Pair& h : held)
      if (h.program == prompt_key(program) && (h.deduction ? h.input == in : h.output == out))
        return true;
    return false;
  };
  auto shows_held_pair = [&](const Task& t) {
    const json& m = t.meta;
    if (t.family == "pyfunc") {  // the prompt shows the first two cases
      const Triplet tr = pyfunc_triplet(t, true);
      for (size_t i = 0; i < 2; ++i)
        if (held_pair(tr.program, tr.inputs[i], tr.outputs[i])) return true;
      return false;
    }
    if (m["role"] == "propose") {  // one reference: its program, then two pairs, in the prompt
      for (const Pair& h : held) {
        const std::string shown = h.deduction ? cat("<input>", h.input, "</input> -> <output>")
                                              : cat("</input> -> <output>", h.output, "</output>");
        if (prompt_key(t.prompt).find(h.program) != std::string::npos &&
            t.prompt.find(shown) != std::string::npos)
          return true;
      }
      return false;  // the worked proposal writes its target's program and inputs, no output
    }
    if (m["kind"] == "induction") {  // the hidden pairs only test
      for (const json& p : m["shown"])
        if (held_pair(t.answer, p["input"].get<std::string>(), p["output"].get<std::string>()))
          return true;
      return false;
    }
    return held_pair(m["program"].get<std::string>(), m["input"].get<std::string>(),
                     m["output"].get<std::string>());
  };
  const json pyplay_options = {{"propose_share", 0.3}, {"programs", "templates"}};
  auto pyplay = make_generator("pyplay", pyplay_options, "test");
  auto pyfunc = make_generator("pyfunc");
  auto stream = [&](const std::string& holdout) {
    json j = {{"seed", 5},
              {"mix",
               {{{"family", "pyplay"}, {"options", pyplay_options}},
                {{"family", "pyfunc"}, {"weight", 0.3}}}},
              {"holdout", holdout}};
    return TaskSource(TaskSourceConfig::from_json(j, "run.json: tasks"));
  };
  std::map<std::string, int> drawn, shown, refused;  // family/role -> tasks
  TaskSource open = stream("");
  TaskSource closed = stream(suites);
  for (int i = 0; i < 3000; ++i) {
    const Task o = open.next();
    const std::string role = cat(o.family, "/", o.meta.value("role", std::string("write")));
    const bool shows = shows_held_pair(o);
    drawn[role]++;
    shown[role] += shows;
    refused[role] += holdout.contains(o, o.family == "pyfunc" ? pyfunc.get() : pyplay.get());
    EXPECT_EQ(holdout.contains(o, o.family == "pyfunc" ? pyfunc.get() : pyplay.get()), shows)
        << o.prompt;
    const Task c = closed.next();
    EXPECT_FALSE(shows_held_pair(c)) << c.prompt;
  }
  EXPECT_GT(shown["pyplay/propose"], 0);
  EXPECT_GT(shown["pyplay/solve"], 0);
  EXPECT_GT(shown["pyfunc/write"], 0);
  for (const auto& [role, n] : refused)
    std::printf("[ holdout  ] %s: %d of %d refused\n", role.c_str(), n, drawn[role]);
}

TEST(Holdout, EvalSetsAreRecognisedByTheirPath) {
  EXPECT_NE(eval_set_look("../shared/data/eval/gsm8k-test.jsonl"), "");
  EXPECT_NE(eval_set_look("data/gsm8k-test.jsonl"), "");
  EXPECT_NE(eval_set_look("math500.jsonl"), "");
  EXPECT_NE(eval_set_look("data/MATH-500.jsonl"), "");
  EXPECT_NE(eval_set_look("/data/AIME24.jsonl"), "");
  EXPECT_NE(eval_set_look("humaneval.jsonl"), "");
  EXPECT_EQ(eval_set_look("data/gsm8k-train.jsonl"), "");
  EXPECT_EQ(eval_set_look("data/latest.jsonl"), "");  // "test" inside a word
  EXPECT_EQ(eval_set_look("tests/data/problems.jsonl"), "");
}
