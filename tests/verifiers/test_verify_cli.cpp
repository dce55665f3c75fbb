// `r1 verify` end to end: generated tasks with their worked solutions (`r1 tasks
// --with-solution`) must all verify, corrupted solutions must all fail, and the command must
// keep input order, survive malformed lines, and honour its flags.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "core/fs.h"
#include "core/json.h"

namespace r1 {
namespace {

struct CliRun {
  int status = -1;
  std::string out, err;
  std::vector<json> lines() const {
    std::vector<json> v;
    std::istringstream in(out);
    std::string l;
    while (std::getline(in, l)) v.push_back(json::parse(l));
    return v;
  }
};

std::string temp_path(const std::string& tag) {
  static int counter = 0;
  return "/tmp/r1_verify_test_" + std::to_string(getpid()) + "_" + std::to_string(counter++) + "_" +
         tag;
}

// Runs `r1 <args>` with `input` on stdin.
CliRun r1(const std::string& args, const std::string& input) {
  std::string in = temp_path("in"), out = temp_path("out"), err = temp_path("err");
  { std::ofstream(in, std::ios::binary) << input; }
  std::string cmd = std::string(R1_BINARY) + " " + args + " < " + in + " > " + out + " 2> " + err;
  CliRun r;
  r.status = std::system(cmd.c_str());
  r.out = read_file(out);
  r.err = read_file(err);
  std::remove(in.c_str());
  std::remove(out.c_str());
  std::remove(err.c_str());
  return r;
}

std::vector<json> generate(const std::string& family, int n, int seed) {
  CliRun t = r1("tasks " + family + " --n " + std::to_string(n) + " --seed " +
                    std::to_string(seed) + " --with-solution",
                "");
  EXPECT_EQ(t.status, 0) << t.err;
  return t.lines();
}

std::string to_jsonl(const std::vector<json>& v) {
  std::string s;
  for (const auto& j : v) s += j.dump() + "\n";
  return s;
}

// Corruptions of a worked solution "<think>...</think><answer>A</answer>".
std::string wrong_digit(std::string c) {
  size_t open = c.rfind("<answer>"), close = c.rfind("</answer>");
  for (size_t i = close; i-- > open + 8;) {
    if (c[i] >= '0' && c[i] <= '9') {
      c[i] = static_cast<char>('0' + (c[i] - '0' + 1) % 10);
      return c;
    }
  }
  c.insert(close, "x");  // no digit: change the text instead
  return c;
}
std::string wrong_tag(std::string c) {
  c.replace(c.rfind("</answer>"), 9, "</answr>");
  c.replace(c.rfind("<answer>"), 8, "<answr>");
  return c;
}
std::string missing_answer(std::string c) {
  size_t open = c.rfind("<answer>"), close = c.rfind("</answer>");
  return c.erase(open, close + 9 - open);
}

const char* const kMyFamilies[] = {"arith", "linear", "fraction", "countdown", "pyoutput"};

TEST(VerifyCli, GeneratedSolutionsAllVerify) {
  for (const char* family : kMyFamilies) {
    std::vector<json> recs = generate(family, 1000, 17);
    ASSERT_EQ(recs.size(), 1000u) << family;
    CliRun v = r1("verify --threads 2", to_jsonl(recs));
    ASSERT_EQ(v.status, 0) << v.err;
    std::vector<json> out = v.lines();
    ASSERT_EQ(out.size(), recs.size()) << family;
    size_t correct = 0;
    for (size_t i = 0; i < out.size(); ++i) {
      ASSERT_EQ(out[i]["id"], recs[i]["id"]) << "output keeps input order";
      if (out[i]["correct"] == true && out[i]["format_ok"] == true && out[i]["reward"] == 1.0)
        ++correct;
      else
        ADD_FAILURE() << family << ": " << recs[i].dump() << "\n -> " << out[i].dump();
      if (::testing::Test::HasFailure()) break;
    }
    EXPECT_EQ(correct, recs.size()) << family;
    std::printf("[ e2e      ] %-9s %zu/%zu reference solutions verified\n", family, correct,
                recs.size());
  }
}

TEST(VerifyCli, CorruptedSolutionsAllFail) {
  for (const char* family : kMyFamilies) {
    std::vector<json> recs = generate(family, 300, 23);
    std::vector<json> bad;
    for (const auto& r : recs) {
      std::string c = r["completion"];
      for (auto corrupt : {wrong_digit, wrong_tag, missing_answer}) {
        json b = r;
        b["completion"] = corrupt(c);
        bad.push_back(b);
      }
    }
    CliRun v = r1("verify --threads 2", to_jsonl(bad));
    ASSERT_EQ(v.status, 0) << v.err;
    std::vector<json> out = v.lines();
    ASSERT_EQ(out.size(), bad.size());
    size_t failed = 0;
    for (size_t i = 0; i < out.size(); ++i) {
      if (out[i]["correct"] == false && out[i]["reward"] == 0.0)
        ++failed;
      else
        ADD_FAILURE() << family << " corruption " << i % 3 << ": " << bad[i]["completion"]
                      << "\n -> " << out[i].dump();
      if (::testing::Test::HasFailure()) break;
    }
    EXPECT_EQ(failed, bad.size()) << family;
    std::printf("[ e2e      ] %-9s %zu/%zu corrupted solutions rejected\n", family, failed,
                bad.size());
  }
}

// The worked solutions' arithmetic claims are all true.
TEST(VerifyCli, WorkedSolutionClaimsAreTrue) {
  for (const char* family : {"arith", "linear", "fraction", "countdown"}) {
    std::vector<json> recs = generate(family, 300, 5);
    CliRun v = r1("verify --verifier step --threads 2", to_jsonl(recs));
    ASSERT_EQ(v.status, 0) << v.err;
    for (const auto& o : v.lines()) {
      EXPECT_TRUE(o["reason"] == "ok" || o["reason"] == "no_claims") << family << ": " << o.dump();
    }
  }
}

TEST(VerifyCli, RecordsFlagsAndErrors) {
  std::string input =
      R"({"id": "free", "task": {"answer": "42", "verifier": "math"}, "completion": "Six sevens: 42."})"
      "\n"
      "\n"
      "this is not json\n"
      R"({"id": 7, "task": {"answer": "1", "verifier": "math", "colour": "red"}, "completion": "1"})"
      "\n"
      R"({"id": 8, "task": {"answer": "1", "verifier": "math"}})"
      "\n"
      R"({"id": 9, "task": {"answer": "\\frac{1}{", "verifier": "math"}, "completion": "1"})"
      "\n"
      R"({"id": 10, "task": {"answer": "1"}, "completion": "1"})"
      "\n"
      R"({"id": 11, "task": {"task_id": "HumanEval/0", "prompt": "def f():\n", "test": "def check(c): pass", "entry_point": "f", "canonical_solution": "  return 1\n", "verifier": "python"}, "completion": "x"})"
      "\n";
  CliRun v = r1("verify", input);
  ASSERT_TRUE(WIFEXITED(v.status)) << v.err;
  EXPECT_EQ(WEXITSTATUS(v.status), 2) << "some lines were bad input: " << v.err;
  std::vector<json> out = v.lines();
  ASSERT_EQ(out.size(), 7u) << v.out;
  EXPECT_EQ(out[0]["id"], "free");
  EXPECT_EQ(out[0]["correct"], true);
  EXPECT_EQ(out[0]["verifier"], "math");
  for (const char* key :
       {"id", "reward", "correct", "format_ok", "verifier", "reason", "details"}) {
    EXPECT_TRUE(out[0].contains(key)) << key;
  }
  EXPECT_EQ(out[1]["id"], 3);  // a line that is not JSON is named by its line number
  EXPECT_EQ(out[1]["line"], 3);
  EXPECT_EQ(out[1]["reason"], "bad_input");
  EXPECT_TRUE(out[1]["reward"].is_null());
  EXPECT_EQ(out[2]["id"], 7);
  EXPECT_NE(out[2]["error"].get<std::string>().find("colour"), std::string::npos) << out[2].dump();
  EXPECT_NE(out[3]["error"].get<std::string>().find("completion"), std::string::npos)
      << out[3].dump();
  EXPECT_EQ(out[4]["reason"], "gold_unparseable");
  EXPECT_EQ(out[4]["verifier_error"], true);
  EXPECT_TRUE(out[4]["reward"].is_null());
  EXPECT_EQ(out[5]["reason"], "task_has_no_verifier");
  EXPECT_EQ(out[6]["id"], 11);
  EXPECT_EQ(out[6]["verifier"], "python") << "a HumanEval record goes to the python verifier";
  EXPECT_NE(out[6]["reason"], "bad_input") << out[6].dump();
  EXPECT_NE(v.err.find("7 records"), std::string::npos) << v.err;

  // --verifier overrides the task's own; unknown names fail before any work.
  CliRun exact = r1(
      "verify --verifier exact",
      R"({"id": 1, "task": {"answer": "42", "verifier": "math"}, "completion": "<answer>42.0</answer>"})"
      "\n");
  EXPECT_EQ(exact.lines().at(0)["correct"], false);
  EXPECT_EQ(exact.lines().at(0)["verifier"], "exact");
  CliRun unknown = r1("verify --verifier nope", "");
  EXPECT_NE(unknown.status, 0);
  EXPECT_NE(unknown.err.find("nope"), std::string::npos);
  CliRun bad_opts = r1("verify --verifier math --verifier-options '{\"tolerance\": 1}'", "");
  EXPECT_NE(bad_opts.status, 0);
  EXPECT_NE(bad_opts.err.find("tolerance"), std::string::npos) << bad_opts.err;
  CliRun bad_flag = r1("verify --verifyer math", "");
  EXPECT_NE(bad_flag.status, 0);
  CliRun opts =
      r1("verify --verifier math --verifier-options '{\"answer_tag\": \"final\"}'",
         R"({"id": 1, "task": {"answer": "42"}, "completion": "<think>.</think><final>42</final>"})"
         "\n");
  EXPECT_EQ(opts.lines().at(0)["correct"], true) << opts.out << opts.err;
}

TEST(VerifyCli, PluginAndRewardConfig) {
  std::string rec =
      R"({"id": 1, "task": {"answer": "Paris", "verifier": "caseless"}, "completion": "<think>hm</think><answer>paris</answer>", "completion_tokens": 900})"
      "\n";
  CliRun p = r1(std::string("verify --verifier-plugin ") + R1_EXAMPLE_PLUGIN, rec);
  ASSERT_EQ(p.status, 0) << p.err;
  EXPECT_EQ(p.lines().at(0)["correct"], true) << p.out;
  EXPECT_EQ(p.lines().at(0)["verifier"], "caseless");
  CliRun no_plugin = r1("verify", rec);
  EXPECT_EQ(no_plugin.lines().at(0)["reason"], "unknown_verifier");

  std::string cfg = temp_path("reward.json");
  {
    std::ofstream(cfg)
        << R"({"components": {"correctness": {"weight": 1.0}, "format": {"weight": 0.1},
                                           "step": {"weight": 0.0}},
                             "overlong": {"max_tokens": 1000, "buffer_tokens": 200}})";
  }
  CliRun rc =
      r1(std::string("verify --verifier-plugin ") + R1_EXAMPLE_PLUGIN + " --reward-config " + cfg,
         rec);
  ASSERT_EQ(rc.status, 0) << rc.err;
  json o = rc.lines().at(0);
  // 1.0 + 0.1 (format) + 0.0 * step, then (800 - 900) / 200 = -0.5 for length.
  EXPECT_NEAR(o["reward"].get<double>(), 0.6, 1e-12) << o.dump();
  EXPECT_NEAR(o["overlong_penalty"].get<double>(), -0.5, 1e-12);
  EXPECT_EQ(o["components"]["format"]["score"], 1.0);
  EXPECT_EQ(o["components"]["step"]["reason"], "no_claims");
  EXPECT_EQ(o["components"]["correctness"]["verifier"], "caseless");
  CliRun missing_tokens =
      r1(std::string("verify --verifier-plugin ") + R1_EXAMPLE_PLUGIN + " --reward-config " + cfg,
         R"({"id": 2, "task": {"answer": "Paris", "verifier": "caseless"}, "completion": "x"})"
         "\n");
  EXPECT_NE(missing_tokens.lines().at(0)["error"].get<std::string>().find("tokens"),
            std::string::npos);
  { std::ofstream(cfg) << R"({"components": {"correctness": {"weight": 1.0, "wieght": 2}}})"; }
  CliRun bad_cfg = r1("verify --reward-config " + cfg, "");
  EXPECT_NE(bad_cfg.status, 0);
  EXPECT_NE(bad_cfg.err.find("wieght"), std::string::npos) << bad_cfg.err;
  EXPECT_NE(bad_cfg.err.find(cfg), std::string::npos) << bad_cfg.err;
  std::remove(cfg.c_str());
}

// Issue items 17 and 18: one bad line must cost only its own verdict. Every kind of bad line
// gets its own error record, naming its line number and the reason, in input order; the good
// verdicts around them are intact, the exit status is 2 and the summary counts the bad lines.
TEST(VerifyCli, EveryKindOfBadLineGetsItsOwnRecordAndTheRunGoesOn) {
  auto good = [](const std::string& id, int answer) {
    return json{{"id", id},
                {"task", {{"answer", std::to_string(answer)}, {"verifier", "math"}}},
                {"completion", "<think>.</think><answer>" + std::to_string(answer) + "</answer>"}}
        .dump();
  };
  const std::string task = R"("task": {"answer": "1", "verifier": "math"})";
  std::string deep_meta;  // the issue's line: 100,000 nested objects in task.meta, ~600 KB
  for (int i = 0; i < 100000; ++i) deep_meta += "{\"a\":";
  deep_meta += "1" + std::string(100000, '}');
  struct Case {
    std::string text;
    std::string reason;  // a word the error must contain; empty for a good line
  };
  const std::vector<Case> cases = {
      {good("g1", 42), ""},
      {R"({"id": "deep", "task": {"answer": "1", "verifier": "math", "meta": )" + deep_meta +
           R"(}, "completion": "1"})",
       "nesting"},
      {R"({"id": "deeper", "task": {"answer": "1", "meta": {"x": )" + std::string(10000000, '['),
       "nesting"},
      {R"({"id": "inf", "task": {"answer": "1", "verifier": "math", "difficulty": 1e999}, "completion": "1"})",
       "out of range"},
      {R"({"id": "-inf", )" + task + R"(, "completion": "1", "completion_tokens": -1e999})",
       "out of range"},
      {good("g2", 7), ""},
      {R"({"id": "huge", )" + task +
           R"(, "completion": "1", "completion_tokens": 123456789012345678901234567890})",
       "completion_tokens"},
      {R"({"id": "wrap", "task": {"answer": "1", "verifier": "math", "difficulty": 4294967297}, "completion": "1"})",
       "difficulty"},
      {R"({"id": "utf8", )" + task + ", \"completion\": \"\xff\xfe\"}", "UTF-8"},
      {std::string(R"({"id": "nul", )") + task + ", \"completion\": \"a\0b\"}", "invalid"},
      {std::string("{\"id\": \"nul2\",\0 ", 15) + task + R"(, "completion": "1"})", "invalid"},
      {R"({"id": "long", )" + task + R"(, "completion": ")" + std::string(17 << 20, 'x') + "\"}",
       "--max-line-bytes"},
      {R"({"id": "notask", "completion": "1"})", "task"},
      {R"({"id": "nocompletion", )" + task + "}", "completion"},
      {R"({"id": "taskarray", "task": [1, 2], "completion": "1"})", "task"},
      {R"({"id": "numcompletion", )" + task + R"(, "completion": 1})", "completion"},
      {R"({"id": {"nested": 1}, )" + task + R"(, "completion": "1"})", "id"},
      {R"({"id": "metaarray", "task": {"answer": "1", "meta": [1]}, "completion": "1"})", "meta"},
      {R"({"id": "answerobj", "task": {"answer": {"a": 1}}, "completion": "1"})", "answer"},
      {R"({"id": "verifiernum", "task": {"answer": "1", "verifier": 3}, "completion": "1"})",
       "verifier"},
      {R"({"id": "tokstr", )" + task + R"(, "completion": "1", "completion_tokens": "9"})",
       "completion_tokens"},
      {R"([1, 2])", "object"},
      {R"("just a string")", "object"},
      {R"({"id": "cut", "task": )", "invalid"},
      {R"({"id": "trailing", )" + task + R"(, "completion": "1"} x)", "invalid"},
      {good("g3", 5), ""},
  };
  std::string input;
  for (const auto& c : cases) input += c.text + "\n";
  CliRun v = r1("verify --threads 2", input);
  ASSERT_TRUE(WIFEXITED(v.status)) << "r1 verify died: " << v.err.substr(0, 2000);
  EXPECT_EQ(WEXITSTATUS(v.status), 2) << "bad input lines give exit status 2: " << v.err;
  std::vector<json> out = v.lines();
  ASSERT_EQ(out.size(), cases.size()) << "one record per input line: " << v.err.substr(0, 2000);
  size_t bad = 0;
  for (size_t i = 0; i < cases.size(); ++i) {
    const json& o = out[i];
    const size_t line = i + 1;
    if (cases[i].reason.empty()) {
      EXPECT_EQ(o["correct"], true) << "line " << line << ": " << o.dump();
      EXPECT_EQ(o["reward"], 1.0) << o.dump();
      EXPECT_FALSE(o.contains("error")) << o.dump();
      continue;
    }
    ++bad;
    EXPECT_EQ(o["reason"], "bad_input") << "line " << line << ": " << o.dump().substr(0, 500);
    EXPECT_EQ(o["line"], line) << o.dump().substr(0, 500);
    EXPECT_TRUE(o["reward"].is_null()) << o.dump().substr(0, 500);
    const std::string e = o.value("error", "");
    EXPECT_NE(e.find("stdin:" + std::to_string(line)), std::string::npos)
        << "the error names the line: " << e.substr(0, 500);
    EXPECT_NE(e.find(cases[i].reason), std::string::npos)
        << "line " << line << " should say '" << cases[i].reason << "': " << e.substr(0, 500);
    EXPECT_LT(o.dump().size(), 4000u) << "an error record does not echo the bad line";
  }
  EXPECT_NE(v.err.find(std::to_string(cases.size()) + " records"), std::string::npos) << v.err;
  EXPECT_NE(v.err.find(std::to_string(bad) + " bad input lines"), std::string::npos) << v.err;
}

// --max-line-bytes sets the cap; the line after an over-long one is verified as usual.
TEST(VerifyCli, MaxLineBytesFlag) {
  const std::string ok =
      R"({"id": 2, "task": {"answer": "3", "verifier": "math"}, "completion": "3"})";
  std::string input = R"({"id": 1, "completion": ")" + std::string(5000, 'y') + "\"}\n" + ok + "\n";
  CliRun v = r1("verify --max-line-bytes 1000", input);
  EXPECT_EQ(WEXITSTATUS(v.status), 2) << v.err;
  std::vector<json> out = v.lines();
  ASSERT_EQ(out.size(), 2u) << v.out;
  EXPECT_EQ(out[0]["line"], 1);
  EXPECT_NE(out[0]["error"].get<std::string>().find("1000"), std::string::npos) << out[0].dump();
  EXPECT_EQ(out[1]["id"], 2);
  EXPECT_EQ(out[1]["correct"], true) << out[1].dump();
  CliRun clean = r1("verify --max-line-bytes 1000", ok + "\n");
  EXPECT_EQ(clean.status, 0) << "no bad line, exit status 0: " << clean.err;
  CliRun zero = r1("verify --max-line-bytes 0", "");
  EXPECT_NE(zero.status, 0);
  EXPECT_NE(zero.err.find("max-line-bytes"), std::string::npos) << zero.err;
}

TEST(VerifyCli, ParallelOutputKeepsInputOrder) {
  std::string input;
  for (int i = 0; i < 3000; ++i) {
    // Uneven work: every seventh record is slower to verify (an expression).
    std::string answer = i % 7 ? std::to_string(i) : "\\frac{" + std::to_string(i) + "x^2}{x}";
    input += json{{"id", i},
                  {"task", {{"answer", answer}, {"verifier", "math"}}},
                  {"completion", "<think>.</think><answer>" +
                                     (i % 7 ? std::to_string(i) : std::to_string(i) + "x") +
                                     "</answer>"}}
                 .dump() +
             "\n";
  }
  CliRun v = r1("verify --threads 4", input);
  std::vector<json> out = v.lines();
  ASSERT_EQ(out.size(), 3000u);
  for (int i = 0; i < 3000; ++i) {
    ASSERT_EQ(out[i]["id"], i);
    ASSERT_EQ(out[i]["correct"], true) << out[i].dump();
  }
}

}  // namespace
}  // namespace r1
