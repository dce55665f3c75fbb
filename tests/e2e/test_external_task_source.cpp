// An RL run whose task mix includes a task source in another language (tasks/external_tasks.h):
// a Python program that dies on every third request. The run completes, and metrics.jsonl
// counts the source's tasks, crashes and restarts under "task_sources".
#include <gtest/gtest.h>

#include <fstream>

#include "tests/common/cli.h"
#include "tests/e2e/rl_fixture.h"

using namespace r1;
using namespace r1::testing;

TEST(ExternalTaskSourceRun, ARunContinuesThroughASourceThatDiesAndCountsIt) {
  if (run_command("python3 -c pass").code != 0) GTEST_SKIP() << "python3 is not installed";
  TempDir dir("ext_run");
  const std::string script = dir.file("sums.py");
  std::ofstream(script)
      << "import json, os, random, sys\n"
         "count = sys.argv[1]\n"
         "for line in sys.stdin:\n"
         "    n = int(open(count).read()) + 1 if os.path.exists(count) else 1\n"
         "    open(count, 'w').write(str(n))\n"
         "    if n % 3 == 0: os._exit(1)\n"
         "    req = json.loads(line)\n"
         "    rng = random.Random(req['seed'])\n"
         "    for i in range(req['n']):\n"
         "        a, b = rng.randint(1, 9), rng.randint(1, 9)\n"
         "        print(json.dumps({'prompt': f'What is {a} + {b}?', 'answer': str(a + b)}))\n"
         "    sys.stdout.flush()\n";
  const json external = {{"command", {"python3", script, dir.file("count")}},
                         {"name", "py_sums"},
                         {"verifier", "math"},
                         {"batch", 8}};
  json cfg =
      ci_config({{"out", dir.file("run")},
                 {"learner", {{"steps", 4}, {"checkpoint_every", 2}, {"samples_every", 1}}}});
  cfg["tasks"]["mix"] = json::array(
      {{{"family", "arith"}, {"difficulty", 1}}, {{"external", external}, {"weight", 3}}});
  write_json(dir.file("cfg.json"), cfg);
  const CommandResult r = run_command(r1_binary() + " run " + dir.file("cfg.json"));
  ASSERT_EQ(r.code, 0) << r.out;
  const std::vector<json> rows = read_metrics(dir.file("run"));
  ASSERT_EQ(rows.size(), 4u);
  const json& c = rows.back()["task_sources"]["py_sums"];
  EXPECT_GT(c["tasks"].get<int>(), 0) << c.dump();
  EXPECT_GT(c["crashes"].get<int>(), 0) << c.dump();
  EXPECT_EQ(c["restarts"], c["crashes"]) << c.dump();
  // Its tasks were trained on, under the source's name.
  EXPECT_NE(read_file(dir.file("run/samples.jsonl")).find("py_sums"), std::string::npos);
}
