// The reasoning-gym adapter (examples/reasoning_gym/): its task source serves a dataset by name,
// its verifier scores with the dataset's own score_answer, and an RL run trains on it. Needs
// `pip install reasoning-gym` into a temporary venv; skips with a message where that fails.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "tasks/task_source.h"
#include "tests/common/cli.h"
#include "tests/e2e/rl_fixture.h"

using namespace r1;
using namespace r1::testing;

namespace {

// A venv with reasoning-gym in the build folder, made by the first test that needs it (under a
// lock: ctest runs each test as its own process) and kept; "" when it cannot be made.
std::string rg_python() {
  const std::string dir =
      std::filesystem::path(r1_binary()).parent_path() / "test-fixtures" / "rg-venv";
  const std::string python = dir + "/bin/python";
  std::filesystem::create_directories(std::filesystem::path(dir).parent_path());
  const int lock = open((dir + ".lock").c_str(), O_CREAT | O_RDWR, 0644);
  flock(lock, LOCK_EX);
  if (run_command("'" + python + "' -c 'import reasoning_gym' 2>/dev/null").code != 0) {
    std::filesystem::remove_all(dir);
    const CommandResult r =
        run_command("timeout 600 sh -c 'python3 -m venv \"" + dir + "\" && \"" + dir +
                    "/bin/pip\" install -q --disable-pip-version-check reasoning-gym'");
    if (r.code != 0) {
      std::cerr << "cannot install reasoning-gym:\n" << r.out.substr(0, 2000) << "\n";
      std::filesystem::remove_all(dir);
    }
  }
  flock(lock, LOCK_UN);
  close(lock);
  return std::filesystem::exists(python) ? python : std::string();
}

#define REQUIRE_RG()                                                             \
  const std::string py = rg_python();                                            \
  if (py.empty())                                                                \
  GTEST_SKIP() << "pip install reasoning-gym failed (no network?); the adapter " \
                  "is not tested here"

json rg_source(const std::string& py) {
  return {
      {"command",
       {py, repo_root() + "/examples/reasoning_gym/rg_tasks.py", "leg_counting", "--levels",
        R"({"1": {"min_animals": 1, "max_animals": 2}, "2": {"min_animals": 3, "max_animals": 5}})"}},
      {"name", "leg_counting"},
      {"max_difficulty", 2},
      {"batch", 4},
      {"timeout_ms", 60000}};
}

}  // namespace

TEST(ReasoningGym, TheAdapterServesTasksThatItsVerifierScores) {
  REQUIRE_RG();
  TaskSource src(TaskSourceConfig::from_json(
      {{"seed", 3}, {"mix", json::array({{{"external", rg_source(py)}, {"difficulty", 2}}})}},
      "tasks"));
  std::vector<Task> tasks;
  for (int i = 0; i < 6; ++i) tasks.push_back(src.next());
  std::ostringstream in;
  for (size_t i = 0; i < tasks.size(); ++i) {
    EXPECT_NE(tasks[i].prompt.find("legs"), std::string::npos) << tasks[i].prompt;
    EXPECT_EQ(tasks[i].difficulty, 2);
    // The level's config reached the dataset: 3 to 5 kinds of animal.
    const int kinds = static_cast<int>(tasks[i].meta["rg"]["entry"]["metadata"]["animals"].size());
    EXPECT_GE(kinds, 3);
    EXPECT_LE(kinds, 5);
    const std::string right = "<think>count</think><answer>" + tasks[i].answer + "</answer>";
    const std::string wrong = "<think>count</think><answer>" + tasks[i].answer + "1</answer>";
    in << json({{"id", 2 * i}, {"task", tasks[i].to_json()}, {"completion", right}}).dump() << "\n";
    in << json({{"id", 2 * i + 1}, {"task", tasks[i].to_json()}, {"completion", wrong}}).dump()
       << "\n";
  }
  TempDir dir("rg_verify");
  std::ofstream(dir.file("in.jsonl")) << in.str();
  const json options = {{"command", {py, repo_root() + "/examples/reasoning_gym/rg_verifier.py"}},
                        {"timeout_ms", 60000}};
  std::ofstream(dir.file("opts.json")) << options.dump();
  const CommandResult r =
      run_command(r1_binary() + " verify --verifier external --verifier-options @" +
                  dir.file("opts.json") + " < " + dir.file("in.jsonl"));
  ASSERT_EQ(r.code, 0) << r.out;
  std::istringstream lines(r.out);
  int n = 0;
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] != '{') continue;  // r1 verify's summary on stderr
    ++n;
    const json v = json::parse(line);
    EXPECT_EQ(v["correct"].get<bool>(), v["id"].get<int>() % 2 == 0) << line;
    // The wrong answer holds the right one: the dataset's partial credit is not paid.
    EXPECT_EQ(v["reward"].get<double>(), v["id"].get<int>() % 2 == 0 ? 1.0 : 0.0) << line;
    EXPECT_TRUE(v["format_ok"].get<bool>()) << line;
  }
  EXPECT_EQ(n, 12);
}

TEST(ReasoningGym, AnRlRunTrainsOnADatasetByName) {
  REQUIRE_RG();
  TempDir dir("rg_run");
  json cfg = json::parse(read_file(repo_root() + "/examples/reasoning_gym/rl.json"));
  cfg["model"] = {{"init", sft_checkpoint()}};
  cfg["out"] = dir.file("run");
  cfg["tasks"]["mix"][0]["external"] = rg_source(py);
  cfg["reward"]["components"]["correctness"]["options"]["command"] = {
      py, repo_root() + "/examples/reasoning_gym/rg_verifier.py"};
  cfg["rollout"]["max_new_tokens"] = 32;
  cfg["learner"]["steps"] = 2;
  cfg["learner"]["batch_groups"] = 4;
  write_json(dir.file("cfg.json"), cfg);
  const CommandResult r = run_command(r1_binary() + " run " + dir.file("cfg.json"));
  ASSERT_EQ(r.code, 0) << r.out;
  const std::vector<json> rows = read_metrics(dir.file("run"));
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_GT(rows.back()["task_sources"]["leg_counting"]["tasks"].get<int>(), 0)
      << rows.back().dump();
  EXPECT_EQ(rows.back()["verifier_errors"], 0) << rows.back().dump();
}
