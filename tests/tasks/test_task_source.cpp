// TaskSource: a deterministic weighted mix whose cursor and curriculum state resume exactly.
#include <gtest/gtest.h>

#include <map>

#include "tasks/task_source.h"
#include "test_util.h"
#include "tests/common/error_of.h"

using r1::testing::error_of;

using namespace r1;

namespace {

TaskSourceConfig mix_config(const std::string& dataset_path = "") {
  json j = {{"seed", 99},
            {"mix",
             {{{"family", "arith"}, {"weight", 3}},
              {{"family", "countdown"}, {"weight", 1}, {"difficulty", 2}}}},
            {"curriculum", {{"window", 8}}}};
  if (!dataset_path.empty())
    j["mix"].push_back({{"dataset", "generic"}, {"path", dataset_path}, {"weight", 1}});
  return TaskSourceConfig::from_json(j, "run.json: tasks");
}

// Results that depend only on the task, so runs can be compared; about 2 in 3 are right.
bool mostly_right(const Task& t) {
  return (t.prompt.size() + static_cast<size_t>(t.difficulty)) % 3 != 0;
}

// Draws n tasks and reports a result for each.
std::vector<std::string> draw(TaskSource& src, int n, bool (*correct)(const Task&) = mostly_right) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) {
    Task t = src.next();
    src.record(t, correct(t));
    out.push_back(t.to_json().dump());
  }
  return out;
}

}  // namespace

TEST(TaskSource, DeterministicWeightedMix) {
  TaskSource a(mix_config()), b(mix_config());
  auto always = [](const Task&) { return true; };
  auto ta = draw(a, 400, always), tb = draw(b, 400, always);
  EXPECT_EQ(ta, tb);
  std::map<std::string, int> count;
  for (const auto& s : ta) count[json::parse(s)["family"].get<std::string>()]++;
  EXPECT_GT(count["arith"], 240);  // 3:1 of 400, about 300
  EXPECT_LT(count["arith"], 360);
  for (const auto& s : ta) {
    json t = json::parse(s);
    if (t["family"] == "countdown") {
      EXPECT_EQ(t["difficulty"], 2);  // fixed level
    }
  }
  EXPECT_EQ(a.curriculum().difficulty("arith"), 8);  // all-right results raised it to the top
  EXPECT_FALSE(a.curriculum().has_family("countdown"));
}

TEST(TaskSource, ResumeContinuesTheSameStream) {
  r1_test::TempDir dir;
  std::string data =
      dir.write("d.jsonl",
                "{\"prompt\": \"a\", \"answer\": \"1\"}\n{\"prompt\": \"b\", \"answer\": \"2\"}\n"
                "{\"prompt\": \"c\", \"answer\": \"3\"}\n");
  TaskSource full(mix_config(data));
  auto all = draw(full, 300);

  TaskSource first(mix_config(data));
  auto head = draw(first, 123);
  json saved = json::parse(first.state().dump());
  EXPECT_EQ(saved["cursor"], 123);
  TaskSource resumed(mix_config(data));
  resumed.load_state(saved, "trainer_state.json: tasks");
  auto tail = draw(resumed, 177);
  head.insert(head.end(), tail.begin(), tail.end());
  EXPECT_EQ(head, all);
  EXPECT_EQ(resumed.state(), full.state());
}

TEST(TaskSource, DatasetEpochsCoverEveryItem) {
  r1_test::TempDir dir;
  std::string lines;
  for (int i = 0; i < 7; ++i)
    lines += "{\"prompt\": \"p" + std::to_string(i) + "\", \"answer\": \"1\"}\n";
  json j = {{"seed", 3},
            {"mix", {{{"dataset", "generic"}, {"path", dir.write("d.jsonl", lines)}}}}};
  TaskSource src(TaskSourceConfig::from_json(j, "cfg"));
  for (int epoch = 0; epoch < 3; ++epoch) {
    std::set<std::string> seen;
    for (int i = 0; i < 7; ++i) seen.insert(src.next().prompt);
    EXPECT_EQ(seen.size(), 7u) << "epoch " << epoch;
  }
}

TEST(TaskSource, ConfigErrorsNameTheField) {
  auto msg = error_of([] {
    TaskSourceConfig::from_json(json::parse(R"({"mix": [{"family": "nope"}]})"), "run.json");
  });
  EXPECT_NE(msg.find("unknown task family 'nope'"), std::string::npos) << msg;
  msg = error_of([] {
    TaskSourceConfig::from_json(json::parse(R"({"mix": [{"family": "arith", "difficulty": 99}]})"),
                                "run.json");
  });
  EXPECT_NE(msg.find("run.json: mix[0]: field 'difficulty'"), std::string::npos) << msg;
  msg = error_of([] {
    TaskSourceConfig::from_json(json::parse(R"({"mix": [{"family": "arith", "weight": 0}]})"),
                                "run.json");
  });
  EXPECT_NE(msg.find("'weight'"), std::string::npos) << msg;
  msg = error_of([] {
    TaskSourceConfig::from_json(json::parse(R"({"mix": [{"family": "arith", "colour": 1}]})"),
                                "run.json");
  });
  EXPECT_NE(msg.find("unknown field 'colour'"), std::string::npos) << msg;
  msg = error_of([] { TaskSourceConfig::from_json(json::parse(R"({"mix": []})"), "run.json"); });
  EXPECT_NE(msg.find("'mix'"), std::string::npos) << msg;
  msg = error_of([] {
    TaskSourceConfig::from_json(
        json::parse(R"({"mix": [{"family": "arith"}], "curriculum": {"x": 1}})"), "run.json");
  });
  EXPECT_NE(msg.find("curriculum"), std::string::npos) << msg;
  EXPECT_NE(msg.find("'x'"), std::string::npos) << msg;
  // start_levels names families the curriculum drives (countdown's difficulty is fixed here),
  // at levels they have: a typo left its family at 'start'.
  json typo = {{"mix", {{{"family", "arith"}}, {{"family", "countdown"}, {"difficulty", 2}}}},
               {"curriculum", {{"start_levels", {{"arth", 2}}}}}};
  msg = error_of([&] { TaskSourceConfig::from_json(typo, "run.json: tasks"); });
  EXPECT_NE(msg.find("run.json: tasks: field 'curriculum': field 'start_levels': 'arth' is no "
                     "family the curriculum drives (known: arith)"),
            std::string::npos)
      << msg;
  typo["curriculum"]["start_levels"] = {{"countdown", 1}};
  msg = error_of([&] { TaskSourceConfig::from_json(typo, "run.json: tasks"); });
  EXPECT_NE(msg.find("'countdown' is no family the curriculum drives"), std::string::npos) << msg;
  typo["curriculum"]["start_levels"] = {{"arith", 99}};
  msg = error_of([&] { TaskSourceConfig::from_json(typo, "run.json: tasks"); });
  EXPECT_NE(msg.find("'arith' starts at 99, past its last level"), std::string::npos) << msg;
  TaskSource src(mix_config());
  json other = src.state();
  other["seed"] = 5;
  msg = error_of([&] { src.load_state(other, "state.json"); });
  EXPECT_NE(msg.find("seed"), std::string::npos) << msg;
}

// A guided entry's tasks carry their worked solution, written by the generator with the entry's
// options (countdown's whole depth-first searches here), and are otherwise the tasks of the same
// entry without a guide; only generated families can guide.
TEST(TaskSource, AGuidedEntrysTasksCarryTheirWorkedSolution) {
  auto config = [](bool guide) {
    json entry = {{"family", "countdown"},
                  {"difficulty", 2},
                  {"options", {{"trace", "dfs"}, {"trace_lines", 48}}}};
    if (guide) entry["guide"] = true;
    return TaskSourceConfig::from_json({{"seed", 7}, {"mix", {entry}}}, "run.json: tasks");
  };
  TaskSource guided(config(true)), plain(config(false));
  auto gen = make_generator("countdown", {{"trace", "dfs"}, {"trace_lines", 48}}, "test");
  int backtracks = 0;
  for (int i = 0; i < 20; ++i) {
    Task g = guided.next(), p = plain.next();
    ASSERT_TRUE(g.meta.contains("guide"));
    EXPECT_EQ(g.meta["guide"].get<std::string>(), gen->solve(p)) << g.prompt;
    backtracks += g.meta["guide"].get<std::string>().find("back") != std::string::npos;
    g.meta.erase("guide");
    EXPECT_EQ(g.to_json(), p.to_json());
    EXPECT_FALSE(p.meta.contains("guide"));
  }
  EXPECT_GT(backtracks, 0) << "not one of 20 guides is a search with a dead end: not the dfs trace";
  const std::string msg = error_of([] {
    TaskSourceConfig::from_json(
        json::parse(R"({"mix": [{"dataset": "generic", "path": "x.jsonl", "guide": true}]})"),
        "run.json");
  });
  EXPECT_NE(msg.find("field 'guide'"), std::string::npos) << msg;
  // A dataset's own "guide" column is no worked solution to train on: the source drops it.
  r1_test::TempDir dir;
  const std::string path = dir.write(
      "d.jsonl", "{\"prompt\": \"p\", \"answer\": \"1\", \"guide\": \"<answer>1</answer>\"}\n");
  TaskSource data(TaskSourceConfig::from_json(
      {{"seed", 3}, {"mix", {{{"dataset", "generic"}, {"path", path}}}}}, "cfg"));
  const Task t = data.next();
  EXPECT_EQ(t.prompt, "p");
  EXPECT_FALSE(t.meta.contains("guide")) << t.to_json().dump();
}
