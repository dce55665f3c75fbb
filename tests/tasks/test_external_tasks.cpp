// Task sources in any language (tasks/external_tasks.h): real Python programs behind the JSON-lines
// protocol. The stream resumes exactly (the batch being read is fetched again from its seed); a
// program that dies on every 10th request, one that prints garbage lines and one that hangs each
// leave the stream going, and each problem is counted and named.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>

#include "core/json.h"
#include "tasks/task_source.h"
#include "tests/common/temp_dir.h"

using namespace r1;
using namespace r1::testing;

namespace {

bool have_python() {
  return std::system("python3 -c pass >/dev/null 2>&1") == 0;
}

// A source whose tasks follow from the request's seed; with a counter file it dies on every
// `die_every`th request; `garbage` lines replace every third task; `hang` never answers.
std::string write_source(const TempDir& dir, const std::string& name, int die_every = 0,
                         bool garbage = false, bool hang = false) {
  const std::string path = dir.file(name + ".py");
  std::ofstream f(path);
  f << "import json, os, random, sys, time\n"
       "counter = sys.argv[1] if len(sys.argv) > 1 else None\n"
       "for line in sys.stdin:\n"
       "    req = json.loads(line)\n";
  if (hang) f << "    time.sleep(1000)\n";
  if (die_every > 0) {
    f << "    n = int(open(counter).read()) + 1 if os.path.exists(counter) else 1\n"
         "    open(counter, 'w').write(str(n))\n"
         "    if n % "
      << die_every
      << " == 0:\n"
         "        os._exit(3)\n";
  }
  f << "    rng = random.Random(req['seed'])\n"
       "    for i in range(req['n']):\n"
       "        a, b = rng.randint(1, 999), rng.randint(1, 999)\n";
  if (garbage) {
    f << "        if i % 3 == 1:\n"
         "            kind = (req['seed'] + i) % 4\n"
         "            if kind == 0: sys.stdout.write('not json {\\n')\n"
         "            elif kind == 1: sys.stdout.write('[1, 2]\\n')\n"
         "            elif kind == 2: sys.stdout.write(json.dumps({'answer': 3}) + '\\n')\n"
         "            else:\n"
         "                sys.stdout.flush(); sys.stdout.buffer.write(b'\\xff\\xfe{\\n')\n"
         "            continue\n";
  }
  f << "        task = {'prompt': f'What is {a} + {b}? (level {req[\"difficulty\"]})', 'answer': "
       "str(a + b), 'verifier': 'math'}\n"
       "        sys.stdout.write(json.dumps(task) + '\\n')\n"
       "    sys.stdout.flush()\n";
  return path;
}

TaskSourceConfig external_mix(const json& external, const json& extra_entries = json::array(),
                              int difficulty = 0) {
  json mix = json::array({{{"external", external}, {"difficulty", difficulty}}});
  for (const auto& e : extra_entries) mix.push_back(e);
  return TaskSourceConfig::from_json({{"seed", 7}, {"mix", mix}}, "run.json: tasks");
}

std::vector<std::string> prompts(TaskSource& src, int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) out.push_back(src.next().prompt);
  return out;
}

#define REQUIRE_PYTHON() \
  if (!have_python()) GTEST_SKIP() << "python3 is not installed: external task sources need it"

}  // namespace

TEST(ExternalTasks, TasksFlowWithTheLevelAndTheStreamResumesExactly) {
  REQUIRE_PYTHON();
  TempDir dir("ext_tasks");
  const json ext = {{"command", {"python3", write_source(dir, "good")}},
                    {"name", "sums"},
                    {"batch", 16},
                    {"max_difficulty", 5}};
  TaskSource a(external_mix(ext, json::array(), 3));
  const std::vector<std::string> first = prompts(a, 37);  // into the third batch
  EXPECT_NE(first[0].find("(level 3)"), std::string::npos) << first[0];
  const Task t = a.next();
  EXPECT_EQ(t.family, "sums");
  EXPECT_EQ(t.difficulty, 3);
  EXPECT_EQ(t.verifier, "math");
  const json state = a.state();
  const std::vector<std::string> continued = prompts(a, 20);

  TaskSource b(external_mix(ext, json::array(), 3));
  b.load_state(state, "checkpoint");
  EXPECT_EQ(prompts(b, 20), continued) << "a resumed stream gives the same tasks";
  EXPECT_EQ(a.external_counts()["sums"]["tasks"], 58);
  // The same seed gives the same stream in a fresh source; another stream seed, another one.
  TaskSource c(external_mix(ext, json::array(), 3));
  EXPECT_EQ(prompts(c, 37), first);
}

TEST(ExternalTasks, AProgramThatDiesOnEveryTenthRequestIsRestartedAndLosesNothing) {
  REQUIRE_PYTHON();
  TempDir dir("ext_die");
  const json good = {
      {"command", {"python3", write_source(dir, "good")}}, {"name", "sums"}, {"batch", 4}};
  const json dying = {{"command", {"python3", write_source(dir, "dying", 10), dir.file("count")}},
                      {"name", "sums"},
                      {"batch", 4}};
  TaskSource ref(external_mix(good)), src(external_mix(dying));
  EXPECT_EQ(prompts(src, 120), prompts(ref, 120)) << "a retried request gives the same batch";
  const json c = src.external_counts()["sums"];
  EXPECT_GE(c["crashes"].get<int>(), 3) << c.dump();
  EXPECT_GE(c["restarts"].get<int>(), 3) << c.dump();
  EXPECT_EQ(c["tasks"], 120);
  EXPECT_NE(c["last_problem"].get<std::string>().find("died"), std::string::npos) << c.dump();
}

TEST(ExternalTasks, GarbageLinesAreSkippedAndCounted) {
  REQUIRE_PYTHON();
  TempDir dir("ext_garbage");
  const json ext = {{"command", {"python3", write_source(dir, "garbage", 0, true)}},
                    {"name", "sums"},
                    {"batch", 9}};
  TaskSource src(external_mix(ext));
  for (const std::string& p : prompts(src, 60)) EXPECT_EQ(p.rfind("What is ", 0), 0u) << p;
  const json c = src.external_counts()["sums"];
  // 3 of every 9 lines are garbage: 60 tasks take 10 requests.
  EXPECT_EQ(c["malformed"], 30) << c.dump();
  EXPECT_EQ(c["crashes"], 0);
  EXPECT_EQ(c["requests"], 10);
}

TEST(ExternalTasks, AHangingProgramRestsWhileTheRestOfTheMixServes) {
  REQUIRE_PYTHON();
  TempDir dir("ext_hang");
  const json ext = {{"command", {"python3", write_source(dir, "hang", 0, false, true)}},
                    {"name", "stuck"},
                    {"timeout_ms", 300},
                    {"attempts", 2},
                    {"retry_after_s", 600}};
  TaskSource src(external_mix(ext, json::array({{{"family", "arith"}}})));
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 40; ++i) EXPECT_EQ(src.next().family, "arith");
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_LT(s, 30) << "two timed-out requests, then the source rests";
  const json c = src.external_counts()["stuck"];
  EXPECT_EQ(c["timeouts"], 2) << c.dump();
  EXPECT_GE(c["unavailable"].get<int>(), 1) << c.dump();
  EXPECT_NE(c["last_problem"].get<std::string>().find("rests"), std::string::npos) << c.dump();
}

TEST(ExternalTasks, BadOptionsAreClearErrors) {
  auto error_of = [](const json& mix_entry) {
    try {
      TaskSourceConfig::from_json({{"mix", json::array({mix_entry})}}, "run.json: tasks");
    } catch (const std::exception& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(error_of({{"external", {{"name", "x"}}}}).find("command"), std::string::npos);
  EXPECT_NE(error_of({{"external", {{"command", json::array()}}}}).find("must not be empty"),
            std::string::npos);
  EXPECT_NE(error_of({{"external", {{"command", "x"}}}, {"family", "arith"}}).find("exactly one"),
            std::string::npos);
  EXPECT_NE(error_of({{"external", {{"command", "x"}, {"batch", 0}}}}).find("batch"),
            std::string::npos);
  EXPECT_NE(error_of({{"external", {{"command", "x"}}}, {"difficulty", 2}}).find("max_difficulty"),
            std::string::npos);
}

// A command that never starts is a config error at the first draw, not a source that rests
// (the run waited minutes on it to fail, with nothing else in the mix).
TEST(ExternalTasks, ACommandThatCannotStartIsAnErrorAtOnce) {
  TaskSource src(external_mix({{"command", {"/nonexistent/r1-task-prog"}}, {"name", "gone"}}));
  try {
    src.next();
    FAIL() << "no error";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("task source 'gone': cannot start its command"), std::string::npos) << msg;
    EXPECT_NE(msg.find("/nonexistent/r1-task-prog"), std::string::npos) << msg;
  }
}

// A command that starts but ends before its first answer every time (a script path that does not
// exist, a program that reads no stdin) is a config error after `attempts` tries, naming how it
// ended; it does not rest and retry for minutes. One that answered once and then dies rests.
TEST(ExternalTasks, AProgramThatEndsBeforeItsFirstAnswerIsAnErrorNamingItsExit) {
  const auto t0 = std::chrono::steady_clock::now();
  TaskSource src(external_mix({{"command", "exit 7"}, {"name", "early"}}));
  try {
    src.next();
    FAIL() << "no error";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("task source 'early': its program ended before answering any request, 3 "
                       "times in a row (the last one exited with status 7"),
              std::string::npos)
        << msg;
    EXPECT_NE(msg.find("tasks.mix[].external.command"), std::string::npos) << msg;
  }
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(20));
}

TEST(ExternalTasks, TasksWithoutAVerifierTakeTheSourcesOrAreRejected) {
  REQUIRE_PYTHON();
  TempDir dir("ext_verifier");
  const std::string path = dir.file("nov.py");
  std::ofstream(path)
      << "import json, sys\n"
         "for line in sys.stdin:\n"
         "    r = json.loads(line)\n"
         "    for i in range(r['n']): print(json.dumps({'prompt': 'p%d' % i, 'answer': '1'}))\n"
         "    sys.stdout.flush()\n";
  TaskSource with(
      external_mix({{"command", {"python3", path}}, {"verifier", "exact"}, {"batch", 2}}));
  EXPECT_EQ(with.next().verifier, "exact");
  TaskSource without(external_mix(
      {{"command", {"python3", path}}, {"batch", 2}, {"attempts", 1}, {"retry_after_s", 0}},
      json::array({{{"family", "arith"}}})));
  for (int i = 0; i < 10; ++i) EXPECT_EQ(without.next().family, "arith");
  EXPECT_GT(without.external_counts()["external"]["malformed"].get<int>(), 0);
}

TEST(ExternalTasks, ExtraLinesRestartTheProgramSoBatchesStayAligned) {
  REQUIRE_PYTHON();
  TempDir dir("ext_extra");
  // Answers its first request with one line too many (a stray print ahead of the tasks, in the
  // same write), then behaves. (A stray line written apart from a reply is caught only if it is
  // there by the next request: the protocol has no framing to do better.)
  const std::string path = dir.file("extra.py");
  std::ofstream(path)
      << "import json, os, random, sys\n"
         "count = sys.argv[1]\n"
         "for line in sys.stdin:\n"
         "    n = int(open(count).read()) + 1 if os.path.exists(count) else 1\n"
         "    open(count, 'w').write(str(n))\n"
         "    req = json.loads(line)\n"
         "    rng = random.Random(req['seed'])\n"
         "    out = 'debug: hello\\n' if n == 1 else ''\n"
         "    for i in range(req['n']):\n"
         "        a, b = rng.randint(1, 999), rng.randint(1, 999)\n"
         "        task = {'prompt': f'What is {a} + {b}? (level {req[\"difficulty\"]})', "
         "'answer': str(a + b), 'verifier': 'math'}\n"
         "        out += json.dumps(task) + '\\n'\n"
         "    os.write(1, out.encode())  # one write: the reply arrives whole\n";
  const json good = {
      {"command", {"python3", write_source(dir, "good")}}, {"name", "sums"}, {"batch", 4}};
  const json extra = {
      {"command", {"python3", path, dir.file("count")}}, {"name", "sums"}, {"batch", 4}};
  TaskSource ref(external_mix(good)), src(external_mix(extra));
  EXPECT_EQ(prompts(src, 12), prompts(ref, 12));
  const json c = src.external_counts()["sums"];
  EXPECT_EQ(c["crashes"], 1) << c.dump();
  EXPECT_NE(c["last_problem"].get<std::string>().find("unrequested"), std::string::npos)
      << c.dump();
}

TEST(ExternalTasks, ABatchWithNoTaskIsConsumedAndAnAllGarbageSourceRests) {
  REQUIRE_PYTHON();
  TempDir dir("ext_allbad");
  const std::string path = dir.file("bad.py");
  std::ofstream(path) << "import sys\n"
                         "for line in sys.stdin:\n"
                         "    import json; n = json.loads(line)['n']\n"
                         "    sys.stdout.write('nonsense\\n' * n); sys.stdout.flush()\n";
  TaskSource src(
      external_mix({{"command", {"python3", path}}, {"name", "bad"}, {"batch", 1}, {"attempts", 3}},
                   json::array({{{"family", "arith"}}})));
  for (int i = 0; i < 30; ++i) EXPECT_EQ(src.next().family, "arith");
  const json c = src.external_counts()["bad"];
  EXPECT_EQ(c["requests"], 3) << "three answered batches without a task, then it rests: "
                              << c.dump();
  EXPECT_EQ(c["malformed"], 3);
}

TEST(ExternalTasks, TwoSourcesWithOneNameAreAClearError) {
  const json a = {{"command", "true"}, {"name", "same"}};
  EXPECT_THROW(TaskSource(external_mix(a, json::array({{{"external", a}}}))), std::exception);
  EXPECT_THROW(TaskSource(external_mix({{"command", "true"}, {"name", "arith"}})), std::exception);
}
