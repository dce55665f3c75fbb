// Shared set-up of the RL end-to-end tests: a cold-start checkpoint of the tiny model (r1 sft on
// configs/sft-ci.json, made once per build and shared by test processes under a file lock), and
// run configs derived from configs/ci-tiny.json.
#pragma once
#include <fcntl.h>
#include <sys/file.h>

#include <cmath>
#include <filesystem>

#include "core/channel.h"
#include "core/fs.h"
#include "core/transport_keys.h"
#include "tests/common/cli.h"
#include "tests/common/temp_dir.h"

namespace r1::testing {

inline std::string sft_checkpoint() {
  const std::string dir = std::filesystem::path(r1_binary()).parent_path() / "test-fixtures" / "sft-ci";
  const std::string final_dir = dir + "/final";
  std::filesystem::create_directories(std::filesystem::path(dir).parent_path());
  int lock = open((dir + ".lock").c_str(), O_CREAT | O_RDWR, 0644);
  flock(lock, LOCK_EX);
  if (!std::filesystem::exists(final_dir + "/model.safetensors")) {
    std::filesystem::remove_all(dir);
    auto r = run_command("OMP_NUM_THREADS=1 " + r1_binary() + " sft configs/sft-ci.json --out " + dir + " --no-progress");
    if (r.code != 0) {
      flock(lock, LOCK_UN);
      close(lock);
      throw std::runtime_error("r1 sft failed: " + r.out);
    }
  }
  flock(lock, LOCK_UN);
  close(lock);
  return final_dir;
}

// build/r1 with these arguments, for Background.
inline std::vector<std::string> r1_args(std::initializer_list<std::string> a) {
  std::vector<std::string> v = {r1_binary()};
  v.insert(v.end(), a);
  return v;
}

// The three roles of one run of `config`, each in its own process: the learner (run folder
// d/run), reward-a and rollout-a, logging to d/learner.log, d/reward.log and d/rollout.log.
struct RunRoles {
  RunRoles(const TempDir& d, const std::string& config)
      : learner(
            r1_args({"worker", "--role", "learner", "--config", config, "--out", d.file("run")}),
            d.file("learner.log")),
        reward(r1_args({"worker", "--role", "reward", "--config", config, "--id", "reward-a"}),
               d.file("reward.log")),
        rollout(r1_args({"worker", "--role", "rollout", "--config", config, "--id", "rollout-a"}),
                d.file("rollout.log")) {}
  Background learner, reward, rollout;
};

// configs/ci-tiny.json starting from the shared SFT checkpoint, with `patch` merged in.
inline json ci_config(const json& patch = json::object()) {
  json c = json::parse(read_file(repo_root() + "/configs/ci-tiny.json"));
  c["model"] = {{"init", sft_checkpoint()}};
  c.merge_patch(patch);
  return c;
}

inline json tcp_transport() {
  auto ep = [](const char*) { return "tcp://127.0.0.1:" + std::to_string(free_tcp_port()); };
  return {{"tasks", ep("tasks")}, {"rollouts", ep("rollouts")}, {"scored", ep("scored")},
          {"weights", ep("weights")}, {"control", ep("control")}};
}

// The run's transport key file for a config file (cfg.json -> cfg.key; the learner creates it).
inline std::string key_file_of(const std::string& config_path) {
  return config_path.substr(0, config_path.size() - 5) + ".key";
}

// Socket options of a test peer that holds the run's keys: what a buggy or compromised worker
// of the run would have. Waits for the learner to create the file.
inline ChannelOptions keyed_peer(const std::string& config_path) {
  const std::string key = key_file_of(config_path);
  for (int i = 0; i < 600 && !file_exists(key); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ChannelOptions o;
  o.curve = std::make_shared<const CurveKeys>(read_key_file(key));
  return o;
}

// Mean and standard error of a metric over steps [from, to) of a run.
struct Window {
  double mean = 0, se = 0;
};
inline Window window(const std::vector<json>& rows, size_t from, size_t to, const std::function<double(const json&)>& f) {
  Window w;
  std::vector<double> v;
  for (size_t i = from; i < to && i < rows.size(); ++i) v.push_back(f(rows[i]));
  if (v.empty()) return w;
  for (double x : v) w.mean += x;
  w.mean /= v.size();
  double var = 0;
  for (double x : v) var += (x - w.mean) * (x - w.mean);
  w.se = v.size() > 1 ? std::sqrt(var / (v.size() - 1) / v.size()) : 0;
  return w;
}

inline double reward_of(const json& row) { return row["reward"]["mean"].get<double>(); }

}  // namespace r1::testing
