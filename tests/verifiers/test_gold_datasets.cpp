// The gold solutions of GSM8K and MATH-500 (../shared/data/eval) must verify against their own
// gold answers for at least 99% of items: a check that extraction and normalisation understand
// real solution text. Skipped when ../shared is absent.
#include <gtest/gtest.h>

#include <cctype>
#include <cstdio>
#include <fstream>

#include "core/fs.h"
#include "tasks/datasets.h"
#include "verifiers/math/extract.h"
#include "verifiers/math/normalize.h"
#include "verifiers/math/value.h"
#include "verifiers/registry.h"

namespace r1 {
namespace {

const std::string kEval = std::string(R1_SOURCE_DIR) + "/../shared/data/eval/";

struct Rate {
  size_t n = 0, correct = 0, errors = 0;
  std::vector<std::string> failures;
  double rate() const { return n ? static_cast<double>(correct) / static_cast<double>(n) : 0.0; }
};

void judge(Verifier& v, const Task& t, const std::string& completion, Rate& r) {
  Verdict d = v.verify(t, completion);
  ++r.n;
  if (d.correct) ++r.correct;
  if (d.verifier_error) ++r.errors;
  if (!d.correct && r.failures.size() < 10)
    r.failures.push_back(t.id + ": gold '" + t.answer + "': " + d.to_json().dump());
}

void report(const char* name, const Rate& r) {
  std::printf("[ gold     ] %s: %zu/%zu correct (%.2f%%), %zu verifier errors\n", name, r.correct,
              r.n, 100.0 * r.rate(), r.errors);
  for (const auto& f : r.failures) std::printf("[ gold     ]   not verified: %s\n", f.c_str());
}

TEST(GoldDatasets, Gsm8kSolutionsVerify) {
  const std::string path = kEval + "gsm8k-test.jsonl";
  if (!file_exists(path))
    GTEST_SKIP() << path << " is absent (../shared not checked out next to the repository)";
  std::vector<Task> tasks = read_dataset("gsm8k", path);
  // The full gold answer field ("...reasoning...\n#### 18") is the gold solution text.
  std::ifstream in(path);
  std::string line;
  std::vector<std::string> full;
  while (std::getline(in, line)) {
    if (!line.empty()) full.push_back(json::parse(line).at("answer").get<std::string>());
  }
  ASSERT_EQ(full.size(), tasks.size());
  ASSERT_GT(tasks.size(), 1000u);
  auto v = make_verifier("math");
  Rate whole, reasoning;
  for (size_t i = 0; i < tasks.size(); ++i) {
    judge(*v, tasks[i], full[i], whole);
    // Informational: the reasoning alone, without the "#### N" line (last-number extraction).
    judge(*v, tasks[i], tasks[i].meta.value("solution", ""), reasoning);
  }
  report("GSM8K gold solution text", whole);
  report("GSM8K reasoning without the #### line (informational)", reasoning);
  EXPECT_GE(whole.rate(), 0.99);
  EXPECT_EQ(whole.errors, 0u);
}

TEST(GoldDatasets, Math500SolutionsVerify) {
  const std::string path = kEval + "math500.jsonl";
  if (!file_exists(path))
    GTEST_SKIP() << path << " is absent (../shared not checked out next to the repository)";
  std::vector<Task> tasks = read_dataset("math", path);
  ASSERT_EQ(tasks.size(), 500u);
  auto v = make_verifier("math");
  Rate rate;
  size_t structured = 0;  // golds the parser understands beyond their spelling
  std::vector<std::string> text_golds;
  for (const Task& t : tasks) {
    judge(*v, t, t.meta.value("solution", ""), rate);
    ValueParse p = parse_math_value(normalize_answer(t.answer));
    if (p.value && p.value->kind != ValueKind::Text)
      ++structured;
    else if (text_golds.size() < 30)
      text_golds.push_back(t.answer + (p.value ? " (text)" : " (" + p.error + ")"));
  }
  report("MATH-500 gold solution text", rate);
  std::printf("[ gold     ] MATH-500 gold answers parsed as math: %zu/500\n", structured);
  for (const auto& g : text_golds)
    std::printf("[ gold     ]   not parsed as math: %s\n", g.c_str());
  EXPECT_GE(rate.rate(), 0.99);
  EXPECT_EQ(rate.errors, 0u);
}

// The MATH-500 gold answers, respelled the way a model might write them, still verify: a
// check of normalisation and comparison that string equality alone cannot pass.
TEST(GoldDatasets, Math500RespelledAnswersVerify) {
  const std::string path = kEval + "math500.jsonl";
  if (!file_exists(path))
    GTEST_SKIP() << path << " is absent (../shared not checked out next to the repository)";
  std::vector<Task> tasks = read_dataset("math", path);
  auto v = make_verifier("math");
  auto respell = [](std::string s) {
    // \frac{a}{b} -> \dfrac{a}{b}, add \left/\right, drop spaces, wrap in $...$ and \boxed.
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
      if (s.compare(i, 5, "\\frac") == 0) {
        out += "\\dfrac";
        i += 4;
      } else if (s[i] == ' ' && !(i > 0 && std::isalpha(static_cast<unsigned char>(s[i - 1])))) {
        continue;  // spaces go, except where they end a command name ("\\cot x")
      } else {
        out += s[i];
      }
    }
    return "The final answer is $\\boxed{" + out + "}$";
  };
  Rate rate;
  for (const Task& t : tasks) judge(*v, t, respell(t.answer), rate);
  report("MATH-500 respelled gold answers", rate);
  EXPECT_GE(rate.rate(), 0.97);
}

// Every math span of every MATH-500 question, given back as the answer: it scores only where it
// is the gold's own spelling (two questions: "$\sqrt{53}$" and "$6$"). Before restates_prompt
// (verifiers/math/answer_form.h), 34 problems had a span that scored.
TEST(GoldDatasets, Math500QuestionSpansAreNoAnswers) {
  const std::string path = kEval + "math500.jsonl";
  if (!file_exists(path))
    GTEST_SKIP() << path << " is absent (../shared not checked out next to the repository)";
  std::vector<Task> tasks = read_dataset("math", path);
  auto v = make_verifier("math");
  size_t spans = 0, scored = 0;
  // The span as written, and dressed: brackets, braces, a sign, identities (a verifier audit
  // found "+0" scoring on 29 problems).
  const std::vector<std::pair<std::string, std::string>> dresses = {
      {"", ""},    {"(", ")"},       {"{", "}"},   {"+", ""},
      {"", "+0"},  {"", "\\cdot 1"}, {"", "^{1}"}, {"\\left(", "\\right)"},
      {"-(-", ")"}};
  for (const Task& t : tasks) {
    for (std::string_view span : math_spans(t.prompt)) {
      while (!span.empty() &&
             std::string_view(" .,;:?!").find(span.back()) != std::string_view::npos)
        span.remove_suffix(1);
      for (const auto& [before, after] : dresses) {
        ++spans;
        const std::string answer = before + std::string(span) + after;
        const Verdict d = v->verify(t, "<think>w</think><answer>" + answer + "</answer>");
        if (!d.correct) continue;
        ++scored;
        EXPECT_EQ(spelling_key(normalize_answer(span)), spelling_key(normalize_answer(t.answer)))
            << t.id << ": the question's '" << answer << "' scored: " << d.to_json().dump();
      }
    }
  }
  std::printf(
      "[ gold     ] MATH-500: %zu of %zu question spans (as written and dressed) score as "
      "answers\n",
      scored, spans);
  EXPECT_GT(spans, 10000u);
  EXPECT_LE(scored, 20u);
}

// The step verifier reads the reference solutions of GSM8K and MATH-500, written by people in
// prose, currency, LaTeX and display math, and finds almost nothing false: what it flags is a
// true error of the text (measured 2026-12-06: GSM8K 3,402 claims, 3 false, each an error of
// the dataset, e.g. "$32 - $20 = $300"; MATH-500 283 claims, 1 false, a discriminant written
// "(-4)^2 + 4 \cdot 1 \cdot (-1) = 20"). A new way of reading that flags true reasoning shows
// here first.
TEST(GoldDatasets, ReferenceSolutionsMakeAlmostNoFalseClaims) {
  const std::string gsm = kEval + "gsm8k-test.jsonl", math = kEval + "math500.jsonl";
  if (!file_exists(gsm) || !file_exists(math))
    GTEST_SKIP() << kEval << " is absent (../shared not checked out next to the repository)";
  auto v = make_verifier("step");
  for (auto [name, family, path, min_claims, max_flagged] :
       {std::tuple{"GSM8K", "gsm8k", gsm, 3000, 3}, {"MATH-500", "math", math, 250, 1}}) {
    size_t claims = 0, flagged = 0;
    for (const Task& t : read_dataset(family, path)) {
      std::string solution = t.meta.value("solution", "");
      // GSM8K's calculator notes ("<<16-3-4=9>>") are not part of the prose.
      for (size_t a; (a = solution.find("<<")) != std::string::npos;) {
        const size_t b = solution.find(">>", a);
        if (b == std::string::npos) break;
        solution.erase(a, b + 2 - a);
      }
      const Verdict d = v->verify(t, "<think>" + solution + "</think><answer>0</answer>");
      claims += d.details.value("claims", size_t{0});
      if (d.reason != "false_claims") continue;
      ++flagged;
      std::printf("[ step     ]   %s %s: %s\n", name, t.id.c_str(),
                  d.details.at("false_claims").dump().c_str());
    }
    std::printf("[ step     ] %s reference solutions: %zu claims, %zu solutions with a false one\n",
                name, claims, flagged);
    EXPECT_GE(claims, static_cast<size_t>(min_claims)) << name;
    EXPECT_LE(flagged, static_cast<size_t>(max_flagged)) << name;
  }
}

}  // namespace
}  // namespace r1
