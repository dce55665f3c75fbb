// `r1 serve` end to end: the real binary on an ephemeral loopback port, driven by Python's
// standard http.client (tests/serve/serve_client.py, one scenario per test) and, where it can be
// installed, by the official openai client. Models are freshly initialised checkpoints: the tiny
// one where speed does not matter, and a slower one (about 140 tokens/s for one sequence on one
// core) where a request must still be running when the client leaves, the timeout passes, or
// SIGTERM comes.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <string>
#include <vector>

#include "core/json.h"
#include "tests/common/cli.h"
#include "tests/common/temp_dir.h"

using namespace r1;
using namespace r1::testing;

namespace {

// 'text', for a shell command line (paths here hold no quote).
std::string quoted(const std::string& text) {
  std::string q = "'";
  q += text;
  q += "'";
  return q;
}

bool have_python() {
  return run_command("python3 -c 'import http.client'").code == 0;
}

// A checkpoint of `config` (a file under configs/models, or a JSON object) in `dir`/model.
std::string make_checkpoint(const TempDir& dir, const json& config) {
  const std::string cfg = dir.file("model_config.json");
  std::ofstream(cfg) << config.dump(1);
  const std::string out = dir.file("model");
  const CommandResult r = run_command(quoted(r1_binary()) + " init --model-config " + quoted(cfg) +
                                      " --out " + quoted(out));
  EXPECT_EQ(r.code, 0) << r.out;
  return out;
}

json model_config(const std::string& name) {
  std::ifstream f(repo_root() + "/configs/models/" + name + ".json");
  return json::parse(f);
}

json tiny_config() {
  return model_config("tiny-moe");
}

// Slow enough that a 1000-token request takes seconds on one core.
json slow_config() {
  json c = model_config("small-gqa");
  c["hidden_size"] = 512;
  c["intermediate_size"] = 1536;
  c["moe_intermediate_size"] = 512;
  c["num_hidden_layers"] = 6;
  c["num_attention_heads"] = 8;
  c["num_key_value_heads"] = 4;
  c["head_dim"] = 64;
  c["max_position_embeddings"] = 2048;
  return c;
}

class ServeProcess {
 public:
  ServeProcess(const TempDir& dir, const std::string& model, std::vector<std::string> extra)
      : log_(dir.file("serve.log")), proc_(args(model, std::move(extra)), log_) {
    const std::regex re("listening on http://127\\.0\\.0\\.1:([0-9]+)");
    wait_until(
        [&] {
          std::smatch m;
          const std::string out = proc_.output();
          if (std::regex_search(out, m, re)) port_ = std::stoi(m[1]);
          return port_ > 0 || !proc_.running();
        },
        60);
  }
  int port() const { return port_; }
  Background& process() { return proc_; }
  std::string output() const { return proc_.output(); }
  // Runs a scenario of serve_client.py; returns its output, failing the test on a non-zero exit.
  std::string scenario(const std::string& name, const std::string& args = "") {
    const CommandResult r = run_command("python3 tests/serve/serve_client.py " +
                                        std::to_string(port_) + " " + name + " " + args);
    EXPECT_EQ(r.code, 0) << "scenario " << name << ":\n" << r.out << "\nserver log:\n" << output();
    return r.out;
  }

 private:
  static std::vector<std::string> args(const std::string& model, std::vector<std::string> extra) {
    std::vector<std::string> a = {r1_binary(), "serve", "--model", model, "--port", "0"};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  }
  std::string log_;
  Background proc_;
  int port_ = 0;
};

#define REQUIRE_PYTHON() \
  if (!have_python()) GTEST_SKIP() << "python3 is not installed: the HTTP client tests need it"

}  // namespace

TEST(Serve, EveryRouteAnswersAsOpenAIDoes) {
  REQUIRE_PYTHON();
  TempDir dir("serve_routes");
  ServeProcess s(dir, make_checkpoint(dir, tiny_config()), {"--served-model-name", "tiny"});
  ASSERT_GT(s.port(), 0) << s.output();
  s.scenario("routes", "tiny");
}

TEST(Serve, BadRequestsGetOpenAIShapedErrors) {
  REQUIRE_PYTHON();
  TempDir dir("serve_errors");
  ServeProcess s(dir, make_checkpoint(dir, tiny_config()),
                 {"--served-model-name", "tiny", "--max-body-bytes", "4096", "--max-n", "4",
                  "--max-tokens", "100"});
  ASSERT_GT(s.port(), 0) << s.output();
  s.scenario("errors", "tiny 256");
  EXPECT_TRUE(s.process().running()) << "the server survived every bad request";
  // Caps beyond the context could never be met: refused at the start, naming the flag.
  for (const char* flag : {"--max-tokens", "--max-prompt-tokens"}) {
    const CommandResult r =
        run_command(quoted(r1_binary()) + " serve --model " + quoted(dir.file("model")) + " " +
                    flag + " 256 --context 256");
    EXPECT_NE(r.code, 0) << flag;
    EXPECT_NE(r.out.find(std::string(flag) + " 256 is beyond the context (--context 256)"),
              std::string::npos)
        << r.out;
  }
}

TEST(Serve, AnApiKeyIsRequiredAndNeverLogged) {
  REQUIRE_PYTHON();
  TempDir dir("serve_auth");
  const std::string key = "sk-test-7f3a9c";
  ServeProcess s(dir, make_checkpoint(dir, tiny_config()), {"--api-key", key});
  ASSERT_GT(s.port(), 0) << s.output();
  s.scenario("auth", key);
  EXPECT_EQ(s.output().find(key), std::string::npos) << "the key appears in the log";
}

TEST(Serve, ARequestGivesTheTokensOfR1GenerateForTheSamePromptAndSeed) {
  REQUIRE_PYTHON();
  TempDir dir("serve_same");
  const std::string model = make_checkpoint(dir, tiny_config());
  std::string cmd = quoted(r1_binary()) + " generate --model " + quoted(model);
  cmd +=
      " --prompt 'Count: 1 2 3' --max-new-tokens 40 --samples 3 --seed 77 --temperature 0.8 --json";
  const CommandResult gen = run_command(cmd);
  ASSERT_EQ(gen.code, 0) << gen.out;
  std::vector<json> want;
  std::istringstream lines(gen.out);
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty() && line[0] == '{') want.push_back(json::parse(line));  // not the stderr line
  }
  ASSERT_EQ(want.size(), 3u);
  ServeProcess s(dir, model, {});
  ASSERT_GT(s.port(), 0) << s.output();
  const std::string out = s.scenario("same_as_generate", "'Count: 1 2 3' 77 0.8 40 3");
  const json got =
      json::parse(out.substr(out.find('['), out.find('\n', out.find('[')) - out.find('[')));
  ASSERT_EQ(got.size(), 3u) << out;
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(got[i]["token_ids"], want[i]["token_ids"]) << "sample " << i;
    EXPECT_EQ(got[i]["finish_reason"], want[i]["finish_reason"]) << "sample " << i;
  }
}

TEST(Serve, AClientThatLeavesMidStreamFreesItsSequence) {
  REQUIRE_PYTHON();
  TempDir dir("serve_gone");
  ServeProcess s(dir, make_checkpoint(dir, slow_config()), {"--slots", "1"});
  ASSERT_GT(s.port(), 0) << s.output();
  std::cout << s.scenario("disconnect", "1500");
}

TEST(Serve, AFullQueueAnswers429AndASlowRequestTimesOut) {
  REQUIRE_PYTHON();
  TempDir dir("serve_limits");
  ServeProcess s(dir, make_checkpoint(dir, slow_config()),
                 {"--slots", "1", "--max-queue", "0", "--timeout", "3"});
  ASSERT_GT(s.port(), 0) << s.output();
  s.scenario("limits", "1500");
}

TEST(Serve, AClientThatStallsMidRequestIsClosedAfterTheIdleTimeout) {
  REQUIRE_PYTHON();
  TempDir dir("serve_slow");
  ServeProcess s(dir, make_checkpoint(dir, tiny_config()), {"--idle-timeout", "1"});
  ASSERT_GT(s.port(), 0) << s.output();
  std::cout << s.scenario("slow_client", "1");
  // And a stop with such a client connected still ends at once, with status 0.
  s.process().kill(SIGTERM);
  EXPECT_EQ(s.process().wait(30), 0) << s.output();
}

TEST(Serve, SigtermFinishesTheRequestsInFlightThenExitsZero) {
  REQUIRE_PYTHON();
  TempDir dir("serve_term");
  ServeProcess s(dir, make_checkpoint(dir, slow_config()), {"--slots", "4"});
  ASSERT_GT(s.port(), 0) << s.output();
  s.scenario("sigterm", std::to_string(s.process().pid()) + " 300");
  EXPECT_EQ(s.process().wait(60), 0) << s.output();
  EXPECT_NE(s.output().find("r1 serve: stopped"), std::string::npos) << s.output();
}

TEST(Serve, SixtyFourStreamingClientsEachGetEveryChunk) {
  REQUIRE_PYTHON();
  TempDir dir("serve_load");
  ServeProcess s(dir, make_checkpoint(dir, tiny_config()), {"--slots", "32"});
  ASSERT_GT(s.port(), 0) << s.output();
  std::cout << s.scenario("load", "64 8 24");
  // Peak resident memory of the server: the model, the KV cache, 64 connection threads.
  std::ifstream status("/proc/" + std::to_string(s.process().pid()) + "/status");
  long hwm_kb = -1;
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmHWM:", 0) == 0) hwm_kb = std::stol(line.substr(6));
  }
  ASSERT_GT(hwm_kb, 0);
  std::cout << "peak RSS of r1 serve after 512 streamed requests: " << hwm_kb / 1024 << " MiB\n";
  EXPECT_LT(hwm_kb, 512L * 1024) << "the server's memory should stay bounded";
}

TEST(Serve, TheOfficialOpenAIClientWorks) {
  REQUIRE_PYTHON();
  TempDir dir("serve_openai");
  const CommandResult venv =
      run_command("timeout 300 sh -c 'python3 -m venv \"" + dir.file("venv") + "\" && \"" +
                  dir.file("venv/bin/pip") + "\" install -q --disable-pip-version-check openai'");
  if (venv.code != 0)
    GTEST_SKIP() << "could not install the openai client (no network?):\n" << venv.out;
  ServeProcess s(dir, make_checkpoint(dir, tiny_config()), {"--served-model-name", "tiny"});
  ASSERT_GT(s.port(), 0) << s.output();
  std::cout << s.scenario("openai", "tiny '" + dir.file("venv/bin/python") + "'");
}
