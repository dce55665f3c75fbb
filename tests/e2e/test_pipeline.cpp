// r1 pipeline end to end on the tiny model: the README's main command (the older
// {sft, rl} form), and a stage list with rejection-sampling SFT and distillation. A second
// invocation finds every stage done and reprints the summary.
#include <gtest/gtest.h>

#include <fstream>

#include "tasks/task.h"
#include "tests/e2e/rl_fixture.h"
#include "verifiers/registry.h"

using namespace r1;
using namespace r1::testing;

namespace {

// A task a tiny model learns in a second: repeat one digit. `teach.jsonl` holds worked
// solutions of two phrasings, `copy.jsonl` the same prompts as tasks (sampled on), and
// `copy-eval.jsonl` a third phrasing (evaluated on, so held out of nothing sampled).
void write_copy_data(const TempDir& d) {
  std::ofstream teach(d.file("teach.jsonl")), tasks(d.file("copy.jsonl")),
      eval(d.file("copy-eval.jsonl"));
  for (int digit = 0; digit < 10; ++digit) {
    for (const char* phrase : {"Repeat the digit ", "Say "}) {
      const std::string prompt = phrase + std::to_string(digit) + ".";
      teach << json{{"prompt", prompt},
                    {"completion", cat("<think>", digit, "</think><answer>", digit, "</answer>")}}
                   .dump()
            << "\n";
      tasks << json{{"prompt", prompt}, {"answer", std::to_string(digit)}}.dump() << "\n";
    }
    eval << json{{"prompt", cat("Write ", digit, " back.")}, {"answer", std::to_string(digit)}}
                .dump()
         << "\n";
  }
}

json tiny_sft(const std::string& data, int steps, int init_seed) {
  return {
      {"model",
       {{"model_config", repo_root() + "/configs/models/tiny-moe.json"}, {"init_seed", init_seed}}},
      {"data", {{"jsonl", data}}},
      {"chat_template", {{"name", "chatml"}}},
      {"train", {{"batch_size", 10}, {"steps", steps}, {"seed", 1}, {"log_every", 20}}},
      {"optimizer", {{"lr", 1e-2}, {"grad_clip", 1.0}}},
      {"schedule", {{"kind", "cosine"}, {"warmup_steps", 4}}}};
}

// The copy data and a teacher trained on it (80 steps) in <d>/t/final.
void train_copy_teacher(const TempDir& d) {
  write_copy_data(d);
  write_json(d.file("teacher.json"), tiny_sft(d.file("teach.jsonl"), 80, 1));
  auto t = run_command("OMP_NUM_THREADS=1 " + r1_binary() + " sft " + d.file("teacher.json") +
                       " --out " + d.file("t") + " --no-progress");
  ASSERT_EQ(t.code, 0) << t.out;
}

// Every kept line is correct when judged again by its task's verifier, and no prompt has more
// than `keep` lines. Returns the number of lines.
size_t check_kept(const std::string& path, int keep) {
  std::ifstream in(path);
  std::map<std::string, int> per_prompt;
  size_t n = 0;
  for (std::string line; std::getline(in, line); ++n) {
    const json j = json::parse(line);
    const Task t = Task::from_json(j["task"], path);
    EXPECT_EQ(j["prompt"], t.prompt);
    const Verdict v = make_verifier(t.verifier)->verify(t, j["completion"].get<std::string>());
    EXPECT_TRUE(v.correct && v.format_ok) << line;
    EXPECT_LE(++per_prompt[t.prompt], keep) << line;
  }
  return n;
}

}  // namespace

TEST(Pipeline, ShortQuickstartReachesTheBeforeAfterTable) {
  TempDir d("pipeline");
  json cfg = json::parse(read_file(repo_root() + "/configs/quickstart-ci.json"));
  json rl = json::parse(read_file(repo_root() + "/configs/ci-tiny.json"));
  rl["learner"]["steps"] = 20;
  cfg["rl"] = rl;
  write_json(d.file("p.json"), cfg);
  auto r = run_command("OMP_NUM_THREADS=1 " + r1_binary() + " pipeline " + d.file("p.json") +
                       " --out " + d.file("out"));
  ASSERT_EQ(r.code, 0) << r.out;
  for (const char* s :
       {"| sft | sft | fresh ", "| rl | rl | from sft | 20 GRPO steps |",
        "## eval before (model: sft)", "## eval after (model: rl)",
        "| arith:level=1:n=40:seed=777 | 40 | 4 |", "difference after - before",
        "declared target arith:level=1:n=40:seed=777: sampled pass@1 ",
        "## the RL stage rl (means over the first, middle and last tenth of its steps)",
        "| steps | sampled accuracy | response tokens | samples that backtrack |"}) {
    EXPECT_NE(r.out.find(s), std::string::npos) << s << "\n" << r.out;
  }
  for (const char* f :
       {"sft/final/model.safetensors", "rl/final/model.safetensors", "eval-before.json",
        "eval-after.json", "summary.md", "rl/metrics.jsonl", "rl-accuracy.svg",
        "rl-response-length.svg", "rl-reasoning.svg", "stages.json"}) {
    EXPECT_TRUE(std::filesystem::exists(d.file(std::string("out/") + f))) << f;
  }
  // The eval suites are held out of RL's task stream (and of the SFT examples).
  const json rl_config = json::parse(read_file(d.file("out/rl/config.json")));
  EXPECT_EQ(rl_config["tasks"]["holdout"], cfg["eval"]["tasks"]) << rl_config["tasks"].dump();
  auto again =
      run_command(r1_binary() + " pipeline " + d.file("p.json") + " --out " + d.file("out"));
  ASSERT_EQ(again.code, 0) << again.out;
  EXPECT_NE(again.out.find("already"), std::string::npos) << again.out;
  EXPECT_NE(again.out.find("## eval after (model: rl)"), std::string::npos) << again.out;
}

// A target that is not one of the eval suites is an error before any work, naming the suite.
TEST(Pipeline, TargetOutsideTheEvalSuitesIsAnError) {
  TempDir d("pipeline_target");
  json cfg = json::parse(read_file(repo_root() + "/configs/quickstart-ci.json"));
  cfg["target"] = {{"suite", "arith:level=2:n=40:seed=777"}};
  write_json(d.file("p.json"), cfg);
  auto r = run_command(r1_binary() + " pipeline " + d.file("p.json") + " --out " + d.file("out"));
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.out.find("'arith:level=2:n=40:seed=777' is not one of eval.tasks"), std::string::npos)
      << r.out;
  EXPECT_FALSE(std::filesystem::exists(d.file("out/sft"))) << "no work before the error";
}

// The rest of the R1 recipe as stages: a teacher by SFT, rejection-sampling SFT of the teacher on
// its own verified samples, and a fresh student distilled from them; every kept sample verifies,
// and a second invocation redoes nothing.
TEST(Pipeline, RejectionSamplingAndDistillationStagesComplete) {
  TempDir d("pipeline_stages");
  write_copy_data(d);
  json sampling = {
      {"tasks", "generic:" + d.file("copy.jsonl")}, {"samples", 4}, {"max_new_tokens", 24}};
  json rs = sampling, distill = sampling;
  rs.update({{"kind", "rejection-sft"},
             {"name", "rs"},
             {"keep", 2},
             {"init", "teacher"},
             {"config", tiny_sft("unused", 10, 1)}});
  distill.update({{"kind", "distill"},
                  {"name", "student"},
                  {"from", "teacher"},
                  {"keep", 1},
                  {"config", tiny_sft("unused", 60, 2)}});
  const json cfg = {
      {"eval",
       {{"tasks", "generic:" + d.file("copy-eval.jsonl")},
        {"samples", 4},
        {"max_new_tokens", 24},
        {"greedy", false}}},
      {"stages",
       {{{"kind", "sft"}, {"name", "teacher"}, {"config", tiny_sft(d.file("teach.jsonl"), 80, 1)}},
        {{"kind", "eval"}, {"name", "teacher-eval"}},
        rs,
        distill,
        {{"kind", "eval"}, {"name", "student-eval"}, {"compare", "teacher-eval"}}}}};
  write_json(d.file("p.json"), cfg);
  const std::string cmd = "OMP_NUM_THREADS=1 " + r1_binary() + " pipeline " + d.file("p.json") +
                          " --out " + d.file("out");
  auto r = run_command(cmd);
  ASSERT_EQ(r.code, 0) << r.out;
  for (const char* f :
       {"teacher/final/model.safetensors", "rs/samples.jsonl", "rs/sampling.json",
        "rs/final/model.safetensors", "student/samples.jsonl", "student/final/model.safetensors",
        "eval-teacher-eval.json", "eval-student-eval.json", "stages.json", "summary.md"}) {
    EXPECT_TRUE(std::filesystem::exists(d.file(std::string("out/") + f))) << f << "\n" << r.out;
  }
  // Only verified-correct samples, at most M per prompt; the teacher solves most of them.
  const size_t rs_lines = check_kept(d.file("out/rs/samples.jsonl"), 2);
  const size_t student_lines = check_kept(d.file("out/student/samples.jsonl"), 1);
  EXPECT_GT(rs_lines, 10u);
  EXPECT_GT(student_lines, 10u);
  EXPECT_LE(student_lines, 20u);
  const json stats = json::parse(read_file(d.file("out/rs/sampling.json")));
  EXPECT_EQ(stats["kept"], rs_lines);
  EXPECT_EQ(stats["samples"], 80);
  EXPECT_EQ(stats["kept"].get<int>() + stats["wrong"].get<int>() + stats["bad_format"].get<int>() +
                stats["duplicates"].get<int>() + stats["over_cap"].get<int>() +
                stats["invalid_text"].get<int>() + stats["verifier_errors"].get<int>(),
            80)
      << stats.dump();
  // The eval suites are held out of JSONL SFT data too (teach.jsonl holds none of them).
  EXPECT_EQ(json::parse(read_file(d.file("out/teacher/config.json")))["data"]["holdout"],
            cfg["eval"]["tasks"]);
  // The student is the config's own fresh model; rs continued the teacher.
  const json student_run = json::parse(read_file(d.file("out/student/config.json")));
  EXPECT_EQ(student_run["model"]["init_seed"], 2) << student_run.dump();
  EXPECT_EQ(json::parse(read_file(d.file("out/rs/config.json")))["model"]["init"],
            d.file("out/teacher/final"));
  for (const char* s :
       {"| teacher | sft | fresh ", "| teacher-eval | eval | teacher | generic:",
        "| rs | rejection-sft | samples with teacher, trains teacher | kept ",
        "| student | distill | samples with teacher, trains fresh ", " 60 SFT steps, last loss ",
        "## eval student-eval (model: student)", "difference student-eval - teacher-eval"}) {
    EXPECT_NE(r.out.find(s), std::string::npos) << s << "\n" << r.out;
  }
  const json stages = json::parse(read_file(d.file("out/stages.json")));
  EXPECT_EQ(stages.size(), 5u) << stages.dump();
  auto again = run_command(cmd);
  ASSERT_EQ(again.code, 0) << again.out;
  EXPECT_NE(again.out.find("stage student (distill) already in"), std::string::npos) << again.out;
  EXPECT_EQ(json::parse(read_file(d.file("out/stages.json"))), stages)
      << "a finished stage keeps its record";
}

// A distill stage whose student cannot hold the samples fails at its SFT; the student's config
// can then be fixed without drawing the samples again. The sampling's own settings cannot.
TEST(Pipeline, AStudentFixedBeforeItsSftKeepsTheSamples) {
  TempDir d("pipeline_student_fix");
  write_copy_data(d);
  json small = json::parse(read_file(repo_root() + "/configs/models/tiny-moe.json"));
  small["max_position_embeddings"] = 24;  // a chatml prompt alone is longer
  write_json(d.file("small.json"), small);
  json student = tiny_sft("unused", 10, 2);
  student["model"]["model_config"] = d.file("small.json");
  json cfg = {
      {"stages",
       {{{"kind", "sft"}, {"name", "teacher"}, {"config", tiny_sft(d.file("teach.jsonl"), 80, 1)}},
        {{"kind", "distill"},
         {"name", "student"},
         {"from", "teacher"},
         {"keep", 1},
         {"tasks", "generic:" + d.file("copy.jsonl")},
         {"samples", 4},
         {"max_new_tokens", 24},
         {"config", student}}}}};
  write_json(d.file("p.json"), cfg);
  const std::string cmd = "OMP_NUM_THREADS=1 " + r1_binary() + " pipeline " + d.file("p.json") +
                          " --out " + d.file("out");
  auto r = run_command(cmd);
  ASSERT_NE(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("max_position_embeddings 24"), std::string::npos) << r.out;
  ASSERT_TRUE(file_exists(d.file("out/student/sampling.json"))) << r.out;
  const std::string samples = read_file(d.file("out/student/samples.jsonl"));

  cfg["stages"][1]["config"]["model"]["model_config"] =
      repo_root() + "/configs/models/tiny-moe.json";
  cfg["stages"][1]["keep"] = 2;
  write_json(d.file("p.json"), cfg);
  r = run_command(cmd);
  EXPECT_NE(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("/stage/keep)"), std::string::npos) << r.out;

  cfg["stages"][1]["keep"] = 1;
  write_json(d.file("p.json"), cfg);
  r = run_command(cmd);
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("keeping the samples already drawn"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("completions per task"), std::string::npos) << "sampled again:\n" << r.out;
  EXPECT_EQ(read_file(d.file("out/student/samples.jsonl")), samples);
  EXPECT_TRUE(file_exists(d.file("out/student/final/model.safetensors")));
}

// A model folder a stage reads is checked before the first stage runs: weights that are missing
// or cut short are an error naming the folder, not a failure hours later when its turn comes.
TEST(Pipeline, AModelFolderWithoutUsableWeightsIsAnErrorBeforeAnyStage) {
  TempDir d("pipeline_folder");
  write_copy_data(d);
  write_json(d.file("teacher.json"), tiny_sft(d.file("teach.jsonl"), 2, 1));
  auto t = run_command(r1_binary() + " sft " + d.file("teacher.json") + " --out " + d.file("t") +
                       " --no-progress");
  ASSERT_EQ(t.code, 0) << t.out;
  namespace fs = std::filesystem;
  fs::copy(d.file("t/final"), d.file("gone"), fs::copy_options::recursive);
  fs::remove(d.file("gone/model.safetensors"));
  fs::copy(d.file("t/final"), d.file("cut"), fs::copy_options::recursive);
  fs::resize_file(d.file("cut/model.safetensors"),
                  fs::file_size(d.file("cut/model.safetensors")) / 2);
  auto pipeline = [&](const std::string& folder) {
    const json cfg = {
        {"eval",
         {{"tasks", "generic:" + d.file("copy-eval.jsonl")},
          {"samples", 1},
          {"max_new_tokens", 8}}},
        {"stages",
         {{{"kind", "sft"}, {"name", "first"}, {"config", tiny_sft(d.file("teach.jsonl"), 1, 1)}},
          {{"kind", "eval"}, {"name", "folder-eval"}, {"from", folder}}}}};
    write_json(d.file("p.json"), cfg);
    return run_command(r1_binary() + " pipeline " + d.file("p.json") + " --out " +
                       d.file("out-" + fs::path(folder).filename().string()));
  };
  for (const char* bad : {"gone", "cut"}) {
    auto r = pipeline(d.file(bad));
    EXPECT_NE(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("stage 'folder-eval': model folder " + d.file(bad)), std::string::npos)
        << r.out;
    EXPECT_FALSE(fs::exists(d.file(std::string("out-") + bad + "/first"))) << "a stage ran first";
  }
  auto good = pipeline(d.file("t/final"));
  EXPECT_EQ(good.code, 0) << good.out;
}

// An error inside a stage's config file names the file as well as the pipeline and the stage.
TEST(Pipeline, AnErrorInAStagesConfigFileNamesTheFile) {
  TempDir d("pipeline_subconfig");
  write_copy_data(d);
  json sft = tiny_sft(d.file("teach.jsonl"), 2, 1);
  sft["train"]["batch_size"] = 0;
  write_json(d.file("teacher-sft.json"), sft);
  write_json(d.file("p.json"),
             {{"stages",
               {{{"kind", "sft"}, {"name", "teacher"}, {"config", d.file("teacher-sft.json")}}}}});
  auto r = run_command(r1_binary() + " pipeline " + d.file("p.json") + " --out " + d.file("out"));
  EXPECT_NE(r.code, 0) << r.out;
  EXPECT_NE(r.out.find(d.file("p.json") + ": stage 'teacher' (config " +
                       d.file("teacher-sft.json") + "): "),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("batch_size"), std::string::npos) << r.out;
}

// Work made with other settings is never reused, and the error says which settings differ.
TEST(Pipeline, ChangedSettingsOfAStartedStageAreNamed) {
  TempDir d("pipeline_changed");
  write_copy_data(d);
  json cfg = {{"stages",
               {{{"kind", "sft"},
                 {"name", "teacher"},
                 {"config", tiny_sft(d.file("teach.jsonl"), 2, 1)}}}}};
  write_json(d.file("p.json"), cfg);
  const std::string cmd = "OMP_NUM_THREADS=1 " + r1_binary() + " pipeline " + d.file("p.json") +
                          " --out " + d.file("out");
  auto r = run_command(cmd);
  ASSERT_EQ(r.code, 0) << r.out;
  cfg["stages"][0]["config"]["train"]["steps"] = 3;
  write_json(d.file("p.json"), cfg);
  r = run_command(cmd);
  EXPECT_NE(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("differing: /sft/train/steps"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("remove it to redo the stage"), std::string::npos) << r.out;
}

// A rejection sampling killed midway resumes from its journal (<out>.partial) and writes the
// file an unbroken run writes; a journal left with other settings is refused, naming them.
TEST(Pipeline, KilledRejectionSamplingResumesToTheSameFile) {
  TempDir d("rejection_resume");
  ASSERT_NO_FATAL_FAILURE(train_copy_teacher(d));
  {
    // 200 tasks (the 20 prompts ten times over), journalled in parts of two tasks.
    std::ofstream many(d.file("many.jsonl"));
    const std::string copy = read_file(d.file("copy.jsonl"));
    for (int rep = 0; rep < 10; ++rep) many << copy;
  }
  auto argv = [&](const std::string& out, const std::string& seed) {
    return std::vector<std::string>{"/usr/bin/env",
                                    "OMP_NUM_THREADS=1",
                                    r1_binary(),
                                    "rejection-sample",
                                    "--model",
                                    d.file("t/final"),
                                    "--tasks",
                                    "generic:" + d.file("many.jsonl"),
                                    "--samples",
                                    "4",
                                    "--keep",
                                    "2",
                                    "--max-new-tokens",
                                    "24",
                                    "--part",
                                    "8",
                                    "--seed",
                                    seed,
                                    "--out",
                                    out,
                                    "--no-progress"};
  };
  auto command = [&](const std::vector<std::string>& a) {
    std::string cmd;
    for (const auto& x : a) cmd += " '" + x + "'";
    return run_command(cmd);
  };
  auto whole = command(argv(d.file("whole.jsonl"), "3"));
  ASSERT_EQ(whole.code, 0) << whole.out;
  EXPECT_FALSE(file_exists(d.file("whole.jsonl.partial")));

  const std::string out = d.file("broken.jsonl"), journal = out + ".partial";
  auto parts = [&] {
    std::ifstream f(journal);
    std::string text((std::istreambuf_iterator<char>(f)), {});
    size_t n = 0;
    for (size_t at = text.find("r1_part"); at != std::string::npos;
         at = text.find("r1_part", at + 1))
      ++n;
    return n;
  };
  {
    Background run(argv(out, "3"), d.file("broken.log"));
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    while (run.running() && parts() < 3 && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    ASSERT_TRUE(run.running()) << "the sampling ended before it could be killed: " << run.output();
    run.kill(SIGKILL);
    run.wait(10);
  }
  ASSERT_FALSE(file_exists(out));
  ASSERT_GE(parts(), 3u);
  // A part cut short by the kill is dropped on resume.
  std::ofstream(journal, std::ios::app) << "{\"prompt\": \"Say 1.\", \"compl";

  auto other = command(argv(out, "4"));
  EXPECT_NE(other.code, 0);
  EXPECT_NE(other.out.find("other settings"), std::string::npos) << other.out;
  EXPECT_NE(other.out.find("/seed"), std::string::npos) << other.out;

  auto resumed = command(argv(out, "3"));
  ASSERT_EQ(resumed.code, 0) << resumed.out;
  EXPECT_NE(resumed.out.find("resuming"), std::string::npos) << resumed.out;
  EXPECT_FALSE(file_exists(journal));
  EXPECT_EQ(read_file(out), read_file(d.file("whole.jsonl")));
  auto stats = [](const std::string& text) {
    json j = json::parse(text.substr(text.find("{\n")));
    j.erase("seconds");
    return j;
  };
  EXPECT_EQ(stats(resumed.out), stats(whole.out));
  EXPECT_GT(stats(whole.out)["kept"].get<int>(), 0);
}

// r1 rejection-sample on its own: the file it writes is what `r1 verify` judges correct.
TEST(Pipeline, RejectionSampleCommandWritesOnlyWhatVerifyJudgesCorrect) {
  TempDir d("rejection_sample");
  ASSERT_NO_FATAL_FAILURE(train_copy_teacher(d));
  // Half the digits are held out: none of their prompts is sampled.
  {
    std::ofstream h(d.file("held.jsonl"));
    for (int digit = 0; digit < 5; ++digit)
      h << json{{"prompt", cat("Say ", digit, ".")}, {"answer", "x"}}.dump() << "\n";
  }
  auto r = run_command(
      r1_binary() + " rejection-sample --model " + d.file("t/final") +
      " --tasks generic:" + d.file("copy.jsonl") +
      " --samples 4 --keep 1 --max-new-tokens 24 --holdout generic:" + d.file("held.jsonl") +
      " --out " + d.file("rs.jsonl") + " --no-progress 2>/dev/null");
  ASSERT_EQ(r.code, 0) << r.out;
  const json stats = json::parse(r.out);
  EXPECT_EQ(stats["held_out"], 5);
  EXPECT_EQ(stats["tasks"], 15);
  EXPECT_EQ(stats["prompts"], 15);
  EXPECT_GT(stats["kept"].get<int>(), 5) << stats.dump();
  const std::string file = read_file(d.file("rs.jsonl"));
  for (int digit = 0; digit < 5; ++digit)
    EXPECT_EQ(file.find(cat("Say ", digit, ".")), std::string::npos);
  {
    // r1 verify reads {id, task, completion} of each line.
    std::ofstream records(d.file("records.jsonl"));
    std::istringstream kept(file);
    for (std::string line; std::getline(kept, line);) {
      const json j = json::parse(line);
      records << json{{"id", j["id"]}, {"task", j["task"]}, {"completion", j["completion"]}}.dump()
              << "\n";
    }
  }
  auto v = run_command(r1_binary() + " verify < " + d.file("records.jsonl"));
  ASSERT_EQ(v.code, 0) << v.out;
  size_t lines = 0;
  std::istringstream in(v.out);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] != '{') continue;  // its closing count
    EXPECT_TRUE(json::parse(line)["correct"].get<bool>()) << line;
    ++lines;
  }
  EXPECT_EQ(lines, stats["kept"].get<size_t>());
  // Bad flags are errors before any work.
  auto no_dir = run_command(r1_binary() + " rejection-sample --model " + d.file("t/final") +
                            " --tasks generic:" + d.file("copy.jsonl") + " --out " +
                            d.file("nowhere/rs.jsonl"));
  EXPECT_NE(no_dir.code, 0);
  EXPECT_NE(no_dir.out.find("no folder"), std::string::npos) << no_dir.out;
  auto bad = run_command(r1_binary() + " rejection-sample --model " + d.file("t/final") +
                         " --tasks nosuch --out x.jsonl");
  EXPECT_NE(bad.code, 0);
  EXPECT_NE(bad.out.find("nosuch"), std::string::npos) << bad.out;
}
