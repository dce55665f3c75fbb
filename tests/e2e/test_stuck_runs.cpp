// Runs that cannot make progress end, and say why: a policy whose groups never differ in reward
// (dynamic sampling gives up after max_waves waves and skips the step), and stop requests
// (SIGTERM, SIGINT) end a run within a bounded time whatever it waits on: dynamic sampling waves,
// a rollout worker that never answers, or no rollout worker at all. Each keeps the last finished
// checkpoint, from which --resume continues.
#include <gtest/gtest.h>

#include "tests/e2e/rl_fixture.h"

using namespace r1;
using namespace r1::testing;

namespace {

// Every sample scores 0 (the one reward component weighted 0; ci-tiny's format component
// removed), so no group has any variance, as with a cold start that solves nothing.
json no_reward() {
  return {{"reward",
           {{"components",
             {{"correctness", {{"verifier", "task"}, {"weight", 0.0}}}, {"format", nullptr}}}}}};
}

// A small, fast run of the tiny model.
json small_run(int steps) {
  return {{"learner", {{"steps", steps}, {"batch_groups", 2}, {"checkpoint_every", 1}}},
          {"rollout", {{"group_size", 4}, {"max_new_tokens", 16}}}};
}

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

std::string latest_checkpoint(const std::string& run_dir) {
  return read_file(run_dir + "/checkpoints/latest");
}

}  // namespace

// With no reward variance and dynamic sampling on, each step gives up after max_waves waves,
// skips its update (the step counts, the weights version does not move), says so in the log and
// in metrics.jsonl, and the run ends after `steps`. On-policy and off-policy alike.
TEST(StuckRuns, NoRewardVarianceSkipsStepsAndTheRunEnds) {
  for (int staleness : {0, 1}) {
    SCOPED_TRACE(cat("max_staleness ", staleness));
    TempDir d(cat("stuck_no_variance_", staleness));
    json cfg = ci_config(small_run(3));
    cfg.merge_patch(no_reward());
    cfg.merge_patch({{"learner", {{"max_waves", 2}, {"max_staleness", staleness}}}});
    write_json(d.file("cfg.json"), cfg);
    Background run(r1_args({"run", d.file("cfg.json"), "--out", d.file("run")}), d.file("run.log"));
    const int code = run.wait(180);
    ASSERT_NE(code, -1) << "still sampling after 180 s:\n" << run.output();
    ASSERT_EQ(code, 0) << run.output();
    auto rows = read_metrics(d.file("run"));
    ASSERT_EQ(rows.size(), 3u) << run.output();
    for (size_t i = 0; i < rows.size(); ++i) {
      const json& m = rows[i];
      EXPECT_TRUE(m["skipped"].get<bool>()) << m.dump();
      EXPECT_EQ(m["skipped_steps"].get<int>(), static_cast<int>(i) + 1) << m.dump();
      EXPECT_TRUE(m["groups"]["gave_up"].get<bool>()) << m.dump();
      EXPECT_EQ(m["groups"]["used"].get<int>(), 0) << m.dump();
      EXPECT_GT(m["groups"]["zero_variance"].get<int>(), 0) << m.dump();
      EXPECT_EQ(m["version"].get<int>(), 0) << "a skipped step publishes no new weights";
    }
    const std::string out = run.output();
    EXPECT_TRUE(contains(out, "all rewards equal")) << out;
    EXPECT_TRUE(contains(out, "dynamic_sampling")) << "the warning names the fix\n" << out;
    EXPECT_TRUE(contains(out, "skipping the step")) << out;
    EXPECT_TRUE(std::filesystem::exists(d.file("run/final/model.safetensors")));
  }
}

// With no reward variance but a verifier that marks a span of every completion wrong (its
// span_penalty gives those tokens a negative offset), dynamic sampling still drops every group by
// default; learner.keep_penalised_groups trains on them: steps are not skipped, and with every
// advantage 0 and no KL term the gradient can only come from the penalties. On-policy and
// off-policy alike.
TEST(StuckRuns, PenalisedGroupsTrainWhenKept) {
  TempDir d("stuck_penalised_groups");
  // Marks the completion's last byte wrong; the score is 0 for all, so rewards never differ.
  write_file_atomic(d.file("marks.py"),
                    "import json, sys\n"
                    "for line in sys.stdin:\n"
                    "    q = json.loads(line)\n"
                    "    n = len(q['completion'].encode('utf-8', 'surrogatepass'))\n"
                    "    spans = [[n - 1, n]] if n > 0 else []\n"
                    "    print(json.dumps({'id': q['id'], 'score': 0.0, 'correct': False,\n"
                    "                      'details': {'wrong_spans': spans}}), flush=True)\n");
  for (int staleness : {0, 1}) {
    for (bool keep : {false, true}) {
      SCOPED_TRACE(cat("max_staleness ", staleness, ", keep_penalised_groups ", keep));
      const std::string run_dir = d.file(cat("run_", staleness, "_", keep));
      json cfg = ci_config(small_run(2));
      cfg.merge_patch(no_reward());
      cfg.merge_patch({{"learner",
                        {{"max_waves", 2},
                         {"max_staleness", staleness},
                         {"keep_penalised_groups", keep},
                         {"grpo", {{"kl_beta", 0.0}}}}},
                       {"reward",
                        {{"components",
                          {{"marks",
                            {{"verifier", "external"},
                             {"weight", 0.0},
                             {"span_penalty", 0.5},
                             {"options", {{"command", {"python3", d.file("marks.py")}}}}}}}}}}});
      write_json(d.file("cfg.json"), cfg);
      auto r = run_command(r1_binary() + " run " + d.file("cfg.json") + " --out " + run_dir);
      ASSERT_EQ(r.code, 0) << r.out;
      auto rows = read_metrics(run_dir);
      ASSERT_EQ(rows.size(), 2u) << r.out;
      for (const json& m : rows) {
        EXPECT_EQ(m["skipped"].get<bool>(), !keep) << m.dump();
        if (keep) {
          EXPECT_EQ(m["groups"]["used"].get<int>(), 2) << m.dump();
          EXPECT_EQ(m["groups"]["kept_for_penalties"].get<int>(), 2) << m.dump();
          EXPECT_GT(m["penalised"]["tokens"].get<int>(), 0) << m.dump();
          EXPECT_GT(m["grad_norm"].get<double>(), 0.0) << "the penalties reach the loss\n"
                                                       << m.dump();
        } else {
          EXPECT_EQ(m["groups"]["kept_for_penalties"].get<int>(), 0) << m.dump();
          EXPECT_GT(m["groups"]["zero_variance"].get<int>(), 0) << m.dump();
        }
      }
      EXPECT_EQ(rows.back()["version"].get<int>(), keep ? 2 : 0) << rows.back().dump();
    }
  }
}

// A run stuck in dynamic sampling (no reward variance, max_waves practically unbounded) stops on
// SIGTERM and on SIGINT within the bound, with the resume command, keeping the last finished
// checkpoint; --resume then completes the run.
TEST(StuckRuns, StopRequestEndsARunStuckInDynamicSampling) {
  TempDir d("stuck_stop_sampling");
  write_json(d.file("ok.json"), ci_config(small_run(2)));
  auto first = run_command(r1_binary() + " run " + d.file("ok.json") + " --out " + d.file("run"));
  ASSERT_EQ(first.code, 0) << first.out;
  ASSERT_EQ(latest_checkpoint(d.file("run")), "step-000002\n");
  json stuck = ci_config(small_run(6));
  stuck.merge_patch(no_reward());
  // One task per worker batch (slots = group_size): the learner spends its time waiting for the
  // worker to take the next task of a wave, where a stop request once went unheard.
  stuck.merge_patch({{"learner", {{"max_waves", 1000000000}, {"batch_groups", 8}}},
                     {"rollout", {{"group_size", 8}, {"slots", 8}}}});
  write_json(d.file("stuck.json"), stuck);
  for (int sig : {SIGTERM, SIGINT}) {
    SCOPED_TRACE(sig == SIGTERM ? "SIGTERM" : "SIGINT");
    Background run(r1_args({"run", d.file("stuck.json"), "--out", d.file("run"), "--resume"}),
                   d.file("stuck.log"));
    // The learner reports long dynamic sampling; by then it is deep in its waves.
    ASSERT_TRUE(wait_until([&] { return contains(run.output(), "wave 8,"); }, 120)) << run.output();
    run.kill(sig);
    const int code = run.wait(30);
    ASSERT_NE(code, -1) << "still running 30 s after the stop request:\n" << run.output();
    EXPECT_EQ(code, 130) << run.output();
    EXPECT_TRUE(contains(run.output(), "stopped at step 2; continue with: r1 run")) << run.output();
    EXPECT_EQ(latest_checkpoint(d.file("run")), "step-000002\n");
  }
  write_json(d.file("ok4.json"), ci_config(small_run(4)));
  auto again = run_command(r1_binary() + " run " + d.file("ok4.json") + " --out " + d.file("run") +
                           " --resume");
  ASSERT_EQ(again.code, 0) << again.out;
  EXPECT_EQ(read_metrics(d.file("run")).size(), 4u);
}

// A rollout worker that never answers (it holds its batch for an hour) does not keep r1 run from
// stopping on SIGINT.
TEST(StuckRuns, StopRequestEndsARunWhoseWorkerNeverAnswers) {
  TempDir d("stuck_stop_silent_worker");
  json cfg = ci_config(small_run(4));
  cfg.merge_patch({{"rollout", {{"debug_delay_s", 3600.0}}}});
  write_json(d.file("cfg.json"), cfg);
  Background run(r1_args({"run", d.file("cfg.json"), "--out", d.file("run")}), d.file("run.log"));
  ASSERT_TRUE(wait_until([&] { return contains(run.output(), "holding its batch"); }, 120))
      << run.output();
  run.kill(SIGINT);
  const int code = run.wait(30);
  ASSERT_NE(code, -1) << "still running 30 s after SIGINT:\n" << run.output();
  EXPECT_EQ(code, 130) << run.output();
  EXPECT_TRUE(
      contains(run.output(), "stopped at step 0, before any checkpoint; start again with: r1 run"))
      << run.output();
}

// `r1 worker --role learner` with no rollout worker connected waits to hand out tasks; SIGTERM
// ends it.
TEST(StuckRuns, LearnerRoleWithoutRolloutWorkersStopsOnSigterm) {
  TempDir d("stuck_stop_lonely_learner");
  json cfg = ci_config(small_run(2));
  cfg["transport"] = tcp_transport();
  write_json(d.file("cfg.json"), cfg);
  Background learner(r1_args({"worker", "--role", "learner", "--config", d.file("cfg.json"),
                              "--out", d.file("run")}),
                     d.file("learner.log"));
  ASSERT_TRUE(
      wait_until([&] { return contains(learner.output(), "no rollout worker has taken"); }, 120))
      << learner.output();
  learner.kill(SIGTERM);
  const int code = learner.wait(30);
  ASSERT_NE(code, -1) << "still running 30 s after SIGTERM:\n" << learner.output();
  EXPECT_EQ(code, 130) << learner.output();
}

// Thousands of tasks in flight (a large prefetch) do not stall the run. The learner does not read
// scored groups while it hands out tasks; with a bounded queue for them, the reward service and
// then the rollout worker blocked, the worker took no more tasks, and the learner waited for ever.
TEST(StuckRuns, ALargePrefetchDoesNotStallTheRun) {
  TempDir d("stuck_large_prefetch");
  json cfg = ci_config(
      {{"learner",
        {{"steps", 2}, {"batch_groups", 2}, {"max_staleness", 1}, {"prefetch_groups", 6000}}},
       {"rollout", {{"group_size", 2}, {"max_new_tokens", 4}}}});
  write_json(d.file("cfg.json"), cfg);
  Background run(r1_args({"run", d.file("cfg.json"), "--out", d.file("run")}), d.file("run.log"));
  const int code = run.wait(300);
  ASSERT_NE(code, -1) << "stalled:\n" << run.output();
  EXPECT_EQ(code, 0) << run.output();
  EXPECT_EQ(read_metrics(d.file("run")).size(), 2u);
}
