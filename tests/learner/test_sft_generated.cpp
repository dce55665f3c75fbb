// Generated SFT data: with a holdout (tasks/holdout.h) no example is a held-out problem, and
// every other example is the one the same seed gives without the holdout; a mix entry's
// options reach its generator (countdown's search traces).
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <set>

#include "learner/sft_data.h"
#include "tasks/generator.h"
#include "tests/common/error_of.h"
#include "tests/common/suite_problems.h"

using namespace r1;

namespace {

const char* kSuite = "countdown:level=1:n=500:seed=9001";

// The countdown problem a prompt states ("Use 7, 3 once each with + - * / to make 21."), as
// problem_key() writes it.
std::string countdown_problem_of(const std::string& prompt) {
  std::vector<int64_t> ints;
  for (size_t i = 0; i < prompt.size();) {
    if (!std::isdigit(static_cast<unsigned char>(prompt[i]))) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < prompt.size() && std::isdigit(static_cast<unsigned char>(prompt[j]))) ++j;
    ints.push_back(std::stoll(prompt.substr(i, j - i)));
    i = j;
  }
  const int64_t target = ints.back();
  ints.pop_back();
  std::sort(ints.begin(), ints.end());
  std::string s = "countdown|";
  for (size_t i = 0; i < ints.size(); ++i) s += (i ? ", " : "") + std::to_string(ints[i]);
  return s + "|" + std::to_string(target);
}

}  // namespace

// Example i is the same with and without the holdout unless it was a held-out problem; then it
// is drawn again, from its own stream, until it is not.
TEST(SftGenerated, HeldOutProblemsAreNeverExamplesAndTheOthersStay) {
  SftDataConfig plain;
  plain.seed = 3;
  plain.n = 400;
  plain.mix = {{"countdown", 1.0, {1}}};
  SftDataConfig kept = plain;
  kept.holdout = kSuite;
  const std::set<std::string> held = r1::testing::suite_problems("countdown", kSuite);
  const auto a = generated_sft_texts(plain), b = generated_sft_texts(kept);
  ASSERT_EQ(a.size(), b.size());
  size_t redrawn = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(held.count(countdown_problem_of(b[i].question)), 0u) << b[i].question;
    const bool was_held = held.count(countdown_problem_of(a[i].question)) > 0;
    EXPECT_EQ(was_held, a[i].question != b[i].question) << i << ": " << a[i].question;
    redrawn += was_held;
  }
  EXPECT_GT(redrawn, 50u);
}

TEST(SftGenerated, MixOptionsReachTheGenerator) {
  const SftDataConfig d = SftDataConfig::from_json(
      json::parse(R"({"generated": {"seed": 1, "n": 200, "mix": [{"family": "countdown",
                     "levels": [2], "options": {"trace": "dfs", "trace_lines": 12}}]}})"),
      "sft.json: data");
  size_t backtracks = 0;
  for (const SftText& t : generated_sft_texts(d))
    backtracks += t.solution.find("\nback\n") != std::string::npos;
  EXPECT_GT(backtracks, 20u);
  const std::string err = r1::testing::error_of([] {
    SftDataConfig::from_json(
        json::parse(
            R"({"generated": {"n": 5, "mix": [{"family": "countdown", "options": {"trace": "bfs"}}]}})"),
        "sft.json: data");
  });
  EXPECT_NE(err.find("options"), std::string::npos) << err;
  EXPECT_NE(err.find("trace"), std::string::npos) << err;
}
