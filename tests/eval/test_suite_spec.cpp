// Suite specs (tasks/suite.h) are user input (r1 eval --tasks, the pipeline config): a number
// that does not fit is an error naming the suite and the key, never a std::out_of_range
// escaping from std::stoull (found by fuzz_config) and never a silent wrap.
#include <gtest/gtest.h>

#include "tasks/generator.h"
#include "tasks/suite.h"
#include "tests/common/error_of.h"

namespace r1 {
namespace {

using testing::error_of;

TEST(SuiteSpec, NumbersOutOfRangeAreErrorsNamingTheKey) {
  struct Case {
    std::string spec, key;
  };
  for (const Case& c :
       {Case{"countdown:level=1:n=50066666666666666666666666666666", "n"},
        Case{"arith:seed=99999999999999999999", "seed"}, Case{"arith:level=4294967297", "level"},
        Case{"arith:level=99999999999999999999", "level"},
        Case{"gsm8k:data/test.jsonl:n=99999999999999999999", "n"}}) {
    std::string e = error_of([&] { parse_suites(c.spec); });
    EXPECT_NE(e.find(c.key + "="), std::string::npos) << c.spec << ": " << e;
    EXPECT_NE(e.find("range"), std::string::npos) << c.spec << ": " << e;
  }
  // The largest values that fit still parse.
  auto s = parse_suites("arith:n=5:seed=18446744073709551615,gsm8k:x.jsonl:n=18446744073709551615");
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].seed, 18446744073709551615ull);
  EXPECT_EQ(s[1].n, 18446744073709551615ull);
}

// opt.NAME=VALUE sets a generated family's options: numbers and booleans as JSON, a+b as a
// list, the rest as text; a bad option is an error naming the suite.
TEST(SuiteSpec, FamilyOptions) {
  auto s = parse_suites("pyplay:n=6:seed=3:opt.kinds=deduction+abduction:opt.propose_share=0");
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].options, (json{{"kinds", {"deduction", "abduction"}}, {"propose_share", 0}}));
  auto tasks = load_suite(s[0]);
  ASSERT_EQ(tasks.size(), 6u);
  for (const Task& t : tasks) {
    EXPECT_EQ(t.meta["role"], "solve");
    EXPECT_NE(t.meta["kind"], "induction");
  }
  auto one = load_suite(parse_suites("pyplay:n=4:opt.kinds=induction:opt.propose_share=0")[0]);
  for (const Task& t : one) EXPECT_EQ(t.meta["kind"], "induction");
  // Without options, the family's defaults, as before.
  EXPECT_EQ(load_suite(parse_suites("arith:n=3:seed=2")[0])[2].to_json(),
            generate_tasks("arith", 3, 2, 0)[2].to_json());
  EXPECT_NE(error_of([] { parse_suites("pyplay:opt.propose_share=2"); }).find("propose_share"),
            std::string::npos);
  EXPECT_NE(error_of([] { parse_suites("arith:opt.bogus=1"); }).find("arith"), std::string::npos);
  EXPECT_NE(error_of([] { parse_suites("arith:opt.=1"); }).find("unknown key"), std::string::npos);
}

// A suite given twice is an error naming it (r1 eval ran it twice and reported it once).
TEST(SuiteSpec, ASuiteGivenTwiceIsAnError) {
  const std::string e =
      error_of([] { parse_suites("arith:n=5:seed=1,countdown:n=3,arith:n=5:seed=1"); });
  EXPECT_NE(e.find("'arith:n=5:seed=1' is given twice"), std::string::npos) << e;
  EXPECT_EQ(parse_suites("arith:n=5:seed=1,arith:n=5:seed=2").size(), 2u);
}

}  // namespace
}  // namespace r1
