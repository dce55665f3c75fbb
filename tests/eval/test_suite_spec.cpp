// Suite specs (tasks/suite.h) are user input (r1 eval --tasks, the pipeline config): a number
// that does not fit is an error naming the suite and the key, never a std::out_of_range
// escaping from std::stoull (found by fuzz_config) and never a silent wrap.
#include <gtest/gtest.h>

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

}  // namespace
}  // namespace r1
