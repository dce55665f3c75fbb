// Worked solutions: for 1,000 tasks of each family the answer in solve() is the gold answer and
// every arithmetic claim line in <think> is exactly true; golden solutions pin the format.
#include <gtest/gtest.h>

#include <map>

#include "claim_check.h"
#include "tasks/generator.h"
#include "tasks/int_expr.h"
#include "tasks/solution.h"

using namespace r1;
using r1_test::check_claims;

namespace {

struct Parts {
  std::string think, answer;
};

Parts parts(const std::string& completion) {
  Parts p;
  EXPECT_TRUE(split_solution(completion, &p.think, &p.answer)) << completion;
  return p;
}

// Generates n tasks over all levels, solves each and checks answer and claims.
void check_family(const std::string& family, size_t n, bool needs_claims,
                  const std::function<void(const Task&, const std::string&)>& check_answer) {
  auto gen = make_generator(family);
  auto tasks = generate_tasks(family, n, 2024, 0);
  size_t longest = 0;
  for (const auto& t : tasks) {
    std::string sol = gen->solve(t);
    Parts p = parts(sol);
    check_answer(t, p.answer);
    auto rep = check_claims(p.think);
    for (const auto& bad : rep.bad)
      ADD_FAILURE() << t.id << ": bad claim line '" << bad << "' in\n" << sol;
    if (needs_claims) {
      EXPECT_GT(rep.claims, 0) << t.id << "\n" << sol;
    }
    longest = std::max(longest, sol.size() + t.prompt.size());
    if (::testing::Test::HasFailure()) return;  // one broken task is enough to read
  }
  // A byte-level model with a ~512-byte context trains on these.
  EXPECT_LE(longest, 700u) << family;
}

void same_answer(const Task& t, const std::string& answer) {
  EXPECT_EQ(answer, t.answer) << t.id;
}

std::string solution(const std::string& family, json meta, int difficulty = 1) {
  Task t;
  t.id = "golden";
  t.family = family;
  t.difficulty = difficulty;
  t.meta = std::move(meta);
  return make_generator(family)->solve(t);
}

}  // namespace

TEST(Solutions, Arith1000) {
  check_family("arith", 1000, true, [](const Task& t, const std::string& a) {
    same_answer(t, a);
    // The gold answer itself is the value of the expression.
    EXPECT_EQ(evaluate(*parse_int_expr(t.meta["expr"].get<std::string>())).str(), t.answer);
  });
}

TEST(Solutions, Linear1000) {
  check_family("linear", 1000, false, [](const Task& t, const std::string& a) {
    same_answer(t, a);
    // Substitute the answer back into a·x + b = c·x + d.
    auto x = r1_test::answer_value(a);
    ASSERT_TRUE(x) << a;
    __int128 A = t.meta["a"].get<int64_t>(), B = t.meta["b"].get<int64_t>(),
             C = t.meta["c"].get<int64_t>(), D = t.meta["d"].get<int64_t>();
    EXPECT_TRUE(A * x->n + B * x->d == C * x->n + D * x->d) << t.id << " x = " << a;
  });
}

TEST(Solutions, Fraction1000) {
  check_family("fraction", 1000, true, [](const Task& t, const std::string& a) {
    same_answer(t, a);
    // Reduced: "n" or "n/d" with gcd 1 and d > 1.
    auto v = r1_test::answer_value(a);
    ASSERT_TRUE(v) << a;
    EXPECT_EQ(a, v->d == 1 ? std::to_string(static_cast<long long>(v->n))
                           : std::to_string(static_cast<long long>(v->n)) + "/" +
                                 std::to_string(static_cast<long long>(v->d)));
  });
}

TEST(Solutions, Countdown1000) {
  check_family("countdown", 1000, true, [](const Task& t, const std::string& a) {
    // Any expression that uses exactly the numbers and makes the target.
    IntExprPtr e = parse_int_expr(a);
    std::vector<int64_t> used, given = t.meta["numbers"].get<std::vector<int64_t>>();
    leaves(*e, &used);
    std::sort(used.begin(), used.end());
    std::sort(given.begin(), given.end());
    EXPECT_EQ(used, given) << t.id << " " << a;
    EXPECT_EQ(evaluate(*e), Rational(t.meta["target"].get<int64_t>())) << t.id << " " << a;
    // The stored construction is a valid answer too.
    EXPECT_EQ(evaluate(*parse_int_expr(t.answer)), Rational(t.meta["target"].get<int64_t>()))
        << t.id;
  });
}

TEST(Solutions, Pyoutput1000) {
  check_family("pyoutput", 1000, false, same_answer);
}

TEST(Solutions, PyfuncAnswersAreTheReferenceCode) {
  auto gen = make_generator("pyfunc");
  for (const auto& t : generate_tasks("pyfunc", 200, 3, 0)) {
    Parts p = parts(gen->solve(t));
    std::string code = t.meta["canonical_solution"].get<std::string>();
    EXPECT_EQ(p.answer + "\n", code) << t.id;
    EXPECT_EQ(p.answer.rfind("def " + t.entry_point + "(", 0), 0u) << p.answer;
    EXPECT_TRUE(check_claims(p.think).bad.empty());
  }
}

// ---- golden solutions ----

TEST(Solutions, GoldenArithmetic) {
  EXPECT_EQ(solution("arith", {{"expr", "347*28"}}),
            "<think>7*8 = 56\n4*8+5 = 37\n3*8+3 = 27\n347*8 = 2776\n7*2 = 14\n4*2+1 = 9\n3*2 = "
            "6\n347*2 = 694\n"
            "347*20 = 6940\n2776+6940 = 9716\n347*28 = 9716</think><answer>9716</answer>");
  EXPECT_EQ(solution("arith", {{"expr", "347+585"}}),
            "<think>7+5 = 12\n4+8+1 = 13\n3+5+1 = 9\n347+585 = 932</think><answer>932</answer>");
  EXPECT_EQ(solution("arith", {{"expr", "547-289"}}),
            "<think>17-9 = 8\n14-1-8 = 5\n5-1-2 = 2\n547-289 = 258</think><answer>258</answer>");
  EXPECT_EQ(solution("arith", {{"expr", "289-547"}}),
            "<think>289-547 = -(547-289)\n17-9 = 8\n14-1-8 = 5\n5-1-2 = 2\n547-289 = 258\n289-547 "
            "= -258</think><answer>-258</answer>");
  EXPECT_EQ(
      solution("arith", {{"expr", "1005-27"}}),
      "<think>15-7 = 8\n10-1-2 = 7\n10-1 = 9\n1-1 = 0\n1005-27 = 978</think><answer>978</answer>");
  EXPECT_EQ(solution("arith", {{"expr", "12+7*8-5"}}),
            "<think>7*8 = 56\n12+56 = 68\n68-5 = 63</think><answer>63</answer>");
  EXPECT_EQ(solution("arith", {{"expr", "5-(12+3)*4"}}),
            "<think>12+3 = 15\n15*4 = 60\n5-60 = -55</think><answer>-55</answer>");
}

TEST(Solutions, GoldenLinear) {
  EXPECT_EQ(
      solution("linear", {{"a", 3}, {"b", 7}, {"c", 0}, {"d", 22}}),
      "<think>3x = 22-7\n22-7 = 15\n3x = 15\nx = 15/3\n15/3 = 5\nx = 5</think><answer>5</answer>");
  EXPECT_EQ(solution("linear", {{"a", 5}, {"b", 3}, {"c", -2}, {"d", 12}}),
            "<think>5x+2x = 12-3\n5+2 = 7\n12-3 = 9\n7x = 9\nx = 9/7</think><answer>9/7</answer>");
  EXPECT_EQ(
      solution("linear", {{"a", 2}, {"b", -8}, {"c", 6}, {"d", 4}, {"k", 2}, {"m", -4}}),
      "<think>2*(-4) = -8\n2x-8 = 6x+4\n2x-6x = 4+8\n2-6 = -4\n4+8 = 12\n-4x = 12\nx = 12/(-4)\n"
      "12/(-4) = -3\nx = -3</think><answer>-3</answer>");
  EXPECT_EQ(solution("linear", {{"a", 1}, {"b", -9}, {"c", 0}, {"d", 4}}),
            "<think>x = 4+9\n4+9 = 13\nx = 13</think><answer>13</answer>");
}

TEST(Solutions, GoldenFraction) {
  EXPECT_EQ(solution("fraction", {{"terms", {{1, 4}, {1, 6}}}, {"ops", "+"}}),
            "<think>1/4 = 3/12\n1/6 = 2/12\n3/12+2/12 = 5/12</think><answer>5/12</answer>");
  EXPECT_EQ(solution("fraction", {{"terms", {{2, 3}, {9, 4}}}, {"ops", "*"}}),
            "<think>2*9 = 18\n3*4 = 12\n2/3*9/4 = 18/12\n18/6 = 3\n12/6 = 2\n18/12 = "
            "3/2</think><answer>3/2</answer>");
  EXPECT_EQ(
      solution("fraction", {{"terms", {{2, 3}, {8, 9}}}, {"ops", "/"}}),
      "<think>(2/3)/(8/9) = (2/3)*(9/8)\n2*9 = 18\n3*8 = 24\n2/3*9/8 = 18/24\n18/6 = 3\n24/6 = 4\n"
      "18/24 = 3/4</think><answer>3/4</answer>");
  EXPECT_EQ(solution("fraction", {{"terms", {{1, 2}, {5, 6}}}, {"ops", "-"}}),
            "<think>1/2 = 3/6\n3/6-5/6 = -2/6\n-2/2 = -1\n6/2 = 3\n-2/6 = "
            "-1/3</think><answer>-1/3</answer>");
  EXPECT_EQ(
      solution("fraction", {{"terms", {{1, 2}, {2, 3}, {3, 4}}}, {"ops", "+*"}}),
      "<think>2*3 = 6\n3*4 = 12\n2/3*3/4 = 6/12\n6/6 = 1\n12/6 = 2\n6/12 = 1/2\n1/2+1/2 = 2/2\n"
      "2/2 = 1</think><answer>1</answer>");
}

TEST(Solutions, GoldenCountdown) {
  std::string s = solution("countdown", {{"numbers", {25, 4, 7}}, {"target", 93}});
  EXPECT_EQ(s, "<think>25*4 = 100\n100-7 = 93</think><answer>25*4-7</answer>");
  // Unsolvable with positive integer steps: a clear error, not a wrong solution.
  EXPECT_THROW(solution("countdown", {{"numbers", {2, 2}}, {"target", 7}}), Error);
}

TEST(Solutions, GoldenPyoutputShape) {
  // One pinned task: the trace shows assignments, claims and the output line.
  auto tasks = generate_tasks("pyoutput", 40, 5, 5);
  bool saw_identity = false;
  for (const auto& t : tasks) {
    std::string s = make_generator("pyoutput")->solve(t);
    saw_identity |= s.find("*") != std::string::npos && s.find(" = 10*") != std::string::npos;
    EXPECT_NE(s.find("output: "), std::string::npos) << s;
  }
  EXPECT_TRUE(saw_identity) << "level 5 should divide by 10 with the identity n = 10*q+r";
}

TEST(Solutions, CorruptedAnswersDiffer) {
  // The checks above would catch a wrong solution: a changed digit breaks a claim.
  std::string s = solution("arith", {{"expr", "347*28"}});
  std::string think, answer;
  ASSERT_TRUE(split_solution(s, &think, &answer));
  std::string broken = think;
  broken[broken.find("2776")] = '3';
  EXPECT_FALSE(check_claims(broken).bad.empty());
  EXPECT_TRUE(check_claims(think).bad.empty());
}
