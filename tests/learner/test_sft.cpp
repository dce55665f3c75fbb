// Cold-start SFT: config checking, data (generated and JSONL), a tiny run whose loss falls, and a
// resumed run that continues the uninterrupted one bit for bit.
#include <gtest/gtest.h>

#include <omp.h>
#include <unistd.h>
#include <algorithm>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "core/fs.h"
#include "learner/run_checkpoint.h"
#include "learner/sft.h"
#include "learner/sft_data.h"
#include "model/byte_tokenizer.h"
#include "model/checkpoint.h"
#include "tasks/generator.h"
#include "tasks/holdout.h"
#include "tasks/suite.h"
#include "tests/common/cli.h"

using namespace r1;
namespace fs = std::filesystem;

namespace {

std::string repo(const std::string& rel) {
  return std::string(R1_SOURCE_DIR) + "/" + rel;
}

class Sft : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = (fs::temp_directory_path() / ("r1_sft_" + std::to_string(::getpid()))).string();
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& text) {
    std::string p = dir_ + "/" + name;
    std::ofstream(p) << text;
    return p;
  }
  // The CI config with paths made absolute, so tests run from any folder.
  json ci_config() {
    json j = load_json_file(repo("configs/sft-ci.json"));
    j["model"]["model_config"] = repo(j["model"]["model_config"].get<std::string>());
    return j;
  }
  std::string config_error(const json& j) {
    std::string path = write("cfg.json", j.dump());
    try {
      SftConfig::load(path);
    } catch (const Error& e) {
      return e.what();
    }
    return "no error";
  }

  std::string dir_;
};

std::vector<json> metrics_lines(const std::string& run) {
  std::vector<json> out;
  std::ifstream in(run + "/metrics.jsonl");
  std::string line;
  while (std::getline(in, line)) out.push_back(json::parse(line));
  return out;
}

}  // namespace

TEST_F(Sft, ConfigErrorsNameTheFileAndField) {
  const json ok = ci_config();
  EXPECT_EQ(config_error(ok), "no error");
  auto expect_error = [&](json j, const std::vector<std::string>& parts) {
    std::string msg = config_error(j);
    EXPECT_NE(msg.find(dir_ + "/cfg.json"), std::string::npos) << msg;
    for (const auto& p : parts)
      EXPECT_NE(msg.find(p), std::string::npos) << "'" << p << "' not in: " << msg;
  };
  json j = ok;
  j["epochs"] = 3;  // at the top level instead of in "train"
  expect_error(j, {"unknown field 'epochs'"});
  j = ok;
  j["train"]["batchsize"] = 3;
  expect_error(j, {"field 'train'", "unknown field 'batchsize'"});
  j = ok;
  j["optimizer"]["learning_rate"] = 3;
  expect_error(j, {"field 'optimizer'", "'learning_rate'"});
  j = ok;
  j["schedule"]["kind"] = "exp";
  expect_error(j, {"field 'schedule'", "'kind'"});
  j = ok;
  j["chat_template"]["name"] = "llama";
  expect_error(j, {"field 'chat_template'", "'name'"});
  j = ok;
  j["model"]["init"] = "runs/x/final";
  expect_error(j, {"field 'model'", "exactly one of 'init'"});
  j = ok;
  j["train"]["steps"] = 10;
  expect_error(j, {"exactly one of 'epochs' and 'steps'"});
  j = ok;
  j["train"]["batch_size"] = 0;
  expect_error(j, {"'batch_size'", "must be positive"});
  j = ok;
  j["train"]["batch_size"] = "16";
  expect_error(j, {"'batch_size'", "expected an integer"});
  j = ok;
  j["data"]["generated"]["mix"][0]["family"] = "arithmetic";
  expect_error(j, {"mix[0]", "unknown task family 'arithmetic'", "countdown"});
  j = ok;
  j["data"]["generated"]["mix"][0]["levels"] = {1, 9};
  expect_error(j, {"mix[0]", "level 9 out of range 1..8"});
  j = ok;
  j["data"]["generated"]["n"] = 0;
  expect_error(j, {"field 'generated'", "'n'"});
  j = ok;
  j["data"]["jsonl"] = "x.jsonl";
  expect_error(j, {"exactly one of 'generated' and 'jsonl'"});
  j = ok;
  j.erase("data");
  expect_error(j, {"missing required field 'data'"});
  // The resolved config reads back as itself.
  SftConfig c = SftConfig::from_json(ok, "x");
  EXPECT_EQ(SftConfig::from_json(c.to_json(), "y").to_json(), c.to_json());
}

TEST_F(Sft, GeneratedDataIsReproducibleAndNested) {
  SftDataConfig d;
  d.seed = 5;
  d.n = 40;
  d.mix = {{"arith", 2.0, {1, 2}}, {"countdown", 1.0, {}}};
  auto a = generated_sft_texts(d);
  auto b = generated_sft_texts(d);
  d.n = 15;
  auto prefix = generated_sft_texts(d);
  ASSERT_EQ(a.size(), 40u);
  ASSERT_EQ(prefix.size(), 15u);
  int arith = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].id, b[i].id);
    EXPECT_EQ(a[i].solution, b[i].solution);
    if (i < prefix.size()) {
      EXPECT_EQ(a[i].question, prefix[i].question) << "example " << i;
    }
    EXPECT_EQ(a[i].solution.rfind("<think>", 0), 0u) << a[i].solution;
    arith += a[i].id.rfind("sft-arith-", 0) == 0;
    if (a[i].id.rfind("sft-arith-", 0) == 0) {
      EXPECT_TRUE(a[i].id.find("-d1-") != std::string::npos ||
                  a[i].id.find("-d2-") != std::string::npos)
          << a[i].id;
    }
  }
  EXPECT_GT(arith, 15);  // about 2/3 of 40
  EXPECT_LT(arith, 38);
  d.n = 40;
  d.seed = 6;
  auto other = generated_sft_texts(d);
  int same = 0;
  for (size_t i = 0; i < a.size(); ++i) same += a[i].question == other[i].question;
  EXPECT_LT(same, 10);
}

TEST_F(Sft, TokenizedExamplesFollowTheChatTemplate) {
  ByteTokenizer tok;
  ChatTemplate chat;
  std::vector<SftText> texts = {{"t0", "Compute 2+3.", "<think>2+3 = 5</think><answer>5</answer>"}};
  auto ex = tokenize_sft(texts, chat, tok, 256);
  ASSERT_EQ(ex.size(), 1u);
  std::vector<int32_t> prompt(ex[0].tokens.begin(), ex[0].tokens.begin() + ex[0].prompt_len);
  std::vector<int32_t> completion(ex[0].tokens.begin() + ex[0].prompt_len, ex[0].tokens.end());
  EXPECT_EQ(tok.decode(prompt),
            "<|im_start|>user\nCompute 2+3.<|im_end|>\n<|im_start|>assistant\n<think>");
  EXPECT_EQ(tok.decode(completion), "2+3 = 5</think><answer>5</answer><|im_end|>");
  // Longer than the model's context: an error naming the example, not a silent truncation.
  try {
    tokenize_sft(texts, chat, tok, 30);
    FAIL() << "no error";
  } catch (const Error& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("t0"), std::string::npos) << msg;
    EXPECT_NE(msg.find("max_position_embeddings 30"), std::string::npos) << msg;
  }
}

TEST_F(Sft, JsonlDataAndBadLines) {
  std::string good = write("good.jsonl",
                           "{\"prompt\": \"Compute 1+1.\", \"completion\": \"<think>1+1 = "
                           "2</think><answer>2</answer>\", "
                           "\"source\": \"hand\"}\n\n"
                           "{\"prompt\": \"Compute 2+2.\", \"completion\": \"4\"}\n");
  auto texts = read_sft_jsonl(good);
  ASSERT_EQ(texts.size(), 2u);
  EXPECT_EQ(texts[1].id, good + ":3");
  EXPECT_EQ(texts[1].solution, "4");
  auto err = [&](const std::string& body) {
    std::string p = write("bad.jsonl", body);
    try {
      read_sft_jsonl(p);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  const std::string line1 = "{\"prompt\": \"a\", \"completion\": \"b\"}\n";
  EXPECT_NE(err(line1 + line1 + "{\"prompt\": \"a\", \"completion\": \n").find("bad.jsonl:3"),
            std::string::npos);
  EXPECT_NE(err(line1 + "{\"prompt\": \"a\"}\n").find("bad.jsonl:2: missing field 'completion'"),
            std::string::npos);
  EXPECT_NE(
      err(line1 + "{\"prompt\": 3, \"completion\": \"b\"}\n").find("bad.jsonl:2: field 'prompt'"),
      std::string::npos);
  EXPECT_NE(err("[1, 2]\n").find("bad.jsonl:1"), std::string::npos);
  EXPECT_NE(err("").find("no examples"), std::string::npos);
  EXPECT_THROW(read_sft_jsonl(dir_ + "/missing.jsonl"), Error);
}

// A JSONL line whose prompt is a held-out task's (up to whitespace) is not trained on: the
// holdout leaks nothing through the user's data either.
TEST_F(Sft, JsonlLinesOfHeldOutTasksAreDropped) {
  const std::string suite = "countdown:level=1:n=4:seed=9002";
  const std::vector<Task> held = load_suite(parse_suites(suite)[0]);
  ASSERT_EQ(held.size(), 4u);
  auto line = [](const std::string& prompt) {
    return json({{"prompt", prompt}, {"completion", "<answer>x</answer>"}}).dump() + "\n";
  };
  std::string spaced = held[0].prompt;  // the same prompt, its whitespace changed
  for (size_t at = spaced.find(' '); at != std::string::npos; at = spaced.find(' ', at + 3))
    spaced.replace(at, 1, " \t ");
  ASSERT_NE(spaced, held[0].prompt);
  const std::string path = write("mixed.jsonl", line(spaced) + line("Compute 2+2.") +
                                                    line(held[2].prompt) + line("Compute 3+3."));
  const auto all = read_sft_jsonl(path);
  ASSERT_EQ(all.size(), 4u);
  const auto kept = read_sft_jsonl(path, suite);
  ASSERT_EQ(kept.size(), 2u);
  EXPECT_EQ(kept[0].id, path + ":2");
  EXPECT_EQ(kept[1].id, path + ":4");
  // A line that carries its task (as r1 rejection-sample writes them) is held out as the same
  // problem too: the numbers in another order make another prompt, not another problem.
  Task reordered = held[1];
  json nums = reordered.meta["numbers"];
  std::reverse(nums.begin(), nums.end());
  reordered.meta["numbers"] = nums;
  reordered.prompt = "Use " + nums[0].dump() + " and " + nums[1].dump() + " to make " +
                     reordered.meta["target"].dump() + ".";
  ASSERT_NE(prompt_key(reordered.prompt), prompt_key(held[1].prompt));
  const json carried = {{"prompt", reordered.prompt},
                        {"completion", "<answer>x</answer>"},
                        {"task", reordered.to_json()}};
  const std::string with_tasks = write("tasks.jsonl", carried.dump() + "\n" + line("Compute 2+2."));
  ASSERT_EQ(read_sft_jsonl(with_tasks).size(), 2u);
  ASSERT_EQ(read_sft_jsonl(with_tasks, suite).size(), 1u);
  // A program task's line (r1 rejection-sample's of a deduction suite) trains the answer of
  // its abduction pair too: held out by the keys its task carries, not by its prompt alone.
  const std::string programs =
      r1::testing::repo_root() + "/tests/data/selfplay_heldout/programs.jsonl";
  const std::vector<Task> deduction = load_suite(parse_suites("deduction:" + programs)[0]);
  ASSERT_FALSE(deduction.empty());
  std::string program_lines;
  for (const Task& t : deduction)
    program_lines +=
        json({{"prompt", t.prompt}, {"completion", "<answer>x</answer>"}, {"task", t.to_json()}})
            .dump() +
        "\n";
  const std::string program_path = write("programs.jsonl", program_lines + line("Compute 2+2."));
  const Holdout abduction("abduction:" + programs);
  size_t held_pairs = 0;
  for (const Task& t : deduction) held_pairs += abduction.contains(t, nullptr);
  EXPECT_GT(held_pairs, deduction.size() / 2);  // the prompts alone are never the same
  EXPECT_EQ(read_sft_jsonl(program_path, "abduction:" + programs).size(),
            deduction.size() + 1 - held_pairs);
  EXPECT_EQ(read_sft_jsonl(program_path, "countdown:n=2").size(), deduction.size() + 1);
  // Only held-out lines: an error naming the suites, not an empty run.
  const std::string only = write("only.jsonl", line(held[1].prompt) + line(held[3].prompt));
  try {
    read_sft_jsonl(only, suite);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("all 2 examples are tasks of the held-out suites"),
              std::string::npos)
        << e.what();
  }
  // The config: "holdout" beside "jsonl"; beside "generated" it is an error naming the field.
  const SftDataConfig d =
      SftDataConfig::from_json(json({{"jsonl", path}, {"holdout", suite}}), "sft.json: data");
  EXPECT_EQ(d.jsonl_holdout, suite);
  EXPECT_EQ(sft_texts(d).size(), 2u);
  EXPECT_EQ(SftDataConfig::from_json(d.to_json(), "round trip").jsonl_holdout, suite);
  try {
    SftDataConfig::from_json(
        json::parse(R"({"generated": {"n": 5, "mix": [{"family": "countdown"}]},
                                             "holdout": "countdown:n=2"})"),
        "sft.json: data");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("generated.holdout"), std::string::npos) << e.what();
  }
}

TEST_F(Sft, TinyRunLearnsAndWritesARunFolder) {
  omp_set_num_threads(1);
  SftConfig cfg = SftConfig::from_json(ci_config(), "sft-ci.json");
  SftOptions opts;
  opts.out = dir_ + "/run";
  opts.show_progress = false;
  SftResult r = run_sft(cfg, opts);
  ASSERT_EQ(r.total_steps, 64);  // 64 examples / 16 per step * 16 epochs
  ASSERT_EQ(r.losses.size(), 64u);
  double first = 0, last = 0;
  for (int i = 0; i < 4; ++i) first += r.losses[i] / 4, last += r.losses[60 + i] / 4;
  std::printf("sft-ci: mean loss of the first 4 steps %.3f, of the last 4 %.3f\n", first, last);
  EXPECT_GT(first, 5.0);  // uniform over 264 tokens is 5.58 nats
  EXPECT_LT(last, 0.35 * first);
  auto lines = metrics_lines(opts.out);
  ASSERT_EQ(lines.size(), 64u);
  EXPECT_EQ(lines[0]["step"], 1);
  for (const char* k : {"loss", "lr", "grad_norm", "tokens_per_s", "load_imbalance", "elapsed_s"}) {
    EXPECT_TRUE(lines[10].contains(k)) << k;
  }
  EXPECT_NEAR(lines[63]["lr"].get<double>(), 1e-3,
              1e-12);  // cosine down to 0.1 * 1e-2 at the last step
  EXPECT_TRUE(fs::exists(opts.out + "/config.json"));
  EXPECT_EQ(load_json_file(opts.out + "/config.json")["out"], opts.out);
  auto ckpts = list_checkpoints(opts.out);
  ASSERT_EQ(ckpts.size(), 2u);  // keep_last 2
  EXPECT_EQ(ckpts.back().step, 64);
  // final/ is a model folder that loads with its tokenizer.
  auto model = load_model(r.final_dir);
  auto tok = load_tokenizer(r.final_dir);
  EXPECT_EQ(tok->vocab_size(), 264);
  // Running again into the same folder without --resume is refused.
  EXPECT_THROW(run_sft(cfg, opts), Error);
}

// An uninterrupted run against one "killed" after step 16 (its later checkpoints and final model
// removed, metrics.jsonl still holding later lines) and resumed: every logged loss, gradient norm
// and lr, and the final weights, are identical.
TEST_F(Sft, ResumeContinuesBitExactly) {
  omp_set_num_threads(1);
  json j = ci_config();
  j["train"]["epochs"] = 6;  // 24 steps
  j["train"]["checkpoint_every"] = 8;
  j["train"]["keep_last"] = 0;
  SftConfig cfg = SftConfig::from_json(j, "sft-ci.json");
  SftOptions a;
  a.out = dir_ + "/a";
  a.show_progress = false;
  SftResult ra = run_sft(cfg, a);
  ASSERT_EQ(ra.total_steps, 24);

  const std::string b = dir_ + "/b";
  fs::copy(a.out, b, fs::copy_options::recursive);
  fs::remove_all(b + "/checkpoints/step-000024");
  fs::remove_all(b + "/final");
  ASSERT_EQ(find_latest_checkpoint(b)->step, 16);
  SftOptions ob = a;
  ob.out = b;
  ob.resume = true;
  SftResult rb = run_sft(cfg, ob);
  EXPECT_EQ(rb.start_step, 16);
  ASSERT_EQ(rb.losses.size(), 8u);
  for (int i = 0; i < 8; ++i) EXPECT_EQ(rb.losses[i], ra.losses[16 + i]) << "step " << 17 + i;

  auto la = metrics_lines(a.out), lb = metrics_lines(b);
  ASSERT_EQ(la.size(), 24u);
  ASSERT_EQ(lb.size(), 24u);  // lines after step 16 were dropped and rewritten
  for (size_t i = 0; i < la.size(); ++i) {
    for (const char* k : {"step", "loss", "grad_norm", "lr", "load_imbalance"}) {
      EXPECT_EQ(la[i][k], lb[i][k]) << k << " at line " << i;
    }
  }
  auto ma = load_model(ra.final_dir), mb = load_model(rb.final_dir);
  EXPECT_EQ(std::memcmp(ma->params(), mb->params(), ma->num_params() * sizeof(float)), 0);
  for (int l = 0; l < ma->config().num_hidden_layers; ++l)
    EXPECT_EQ(ma->expert_bias(l), mb->expert_bias(l));

  // Resuming on other data is refused, naming the checkpoint.
  json other = j;
  other["data"]["generated"]["seed"] = 2;
  try {
    run_sft(SftConfig::from_json(other, "x"), ob);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("other data"), std::string::npos) << e.what();
  }
}

TEST_F(Sft, StartsFromACheckpointFolder) {
  omp_set_num_threads(1);
  json j = ci_config();
  j["train"]["epochs"] = 1;
  SftOptions o;
  o.out = dir_ + "/first";
  o.show_progress = false;
  SftResult first = run_sft(SftConfig::from_json(j, "x"), o);
  // "init": the previous run's final model; training continues from its weights.
  json k = j;
  k["model"] = {{"init", first.final_dir}};
  o.out = dir_ + "/second";
  SftResult second = run_sft(SftConfig::from_json(k, "x"), o);
  EXPECT_LT(second.losses[0], first.losses[0] - 0.3);
  // A missing init folder is named.
  k["model"]["init"] = dir_ + "/nope";
  o.out = dir_ + "/third";
  try {
    run_sft(SftConfig::from_json(k, "x"), o);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(dir_ + "/nope"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(dir_ + "/third"));  // nothing written before the inputs were checked
}

// The shipped SFT configs read without error and name files that exist (from the repo root).
TEST(SftConfigs, ShippedConfigsAreValid) {
  for (const char* name : {"configs/sft-ci.json", "configs/sft-small.json"}) {
    SftConfig c = SftConfig::load(repo(name));
    EXPECT_TRUE(fs::exists(repo(c.model_config))) << name << ": " << c.model_config;
    EXPECT_TRUE(c.data.generated()) << name;
  }
}
