// Run checkpoints: round trip of model, expert biases, optimizer and trainer state; the latest
// pointer, pruning, crash leftovers, and a mismatched model config.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>

#include "core/fs.h"
#include "core/safetensors.h"
#include "learner/run_checkpoint.h"
#include "model/byte_tokenizer.h"
#include "model/checkpoint.h"
#include "tests/common/flip_bit.h"
#include "tests/common/model_test_util.h"

using namespace r1;
namespace fs = std::filesystem;

namespace {

class RunCheckpoint : public ::testing::Test {
 protected:
  void SetUp() override {
    run_ = (fs::temp_directory_path() / ("r1_runckpt_" + std::to_string(::getpid()))).string();
    fs::remove_all(run_);
  }
  void TearDown() override { fs::remove_all(run_); }

  // One optimizer step on a fixed batch, so that the moments are not zero.
  static void train_step(Model<float>& m, AdamW& opt) {
    PackedBatch b;
    b.add({5, 9, 2, 7, 1, 3});
    b.add({8, 8, 4});
    std::vector<float> lp(b.num_tokens()), dlp(b.num_tokens(), -0.1f);
    m.zero_grad();
    m.forward(b, lp.data());
    m.backward(dlp.data());
    opt.step(m.params(), m.grads(), 1e-3);
  }

  std::string run_;
  ByteTokenizer tok_;
};

std::vector<float> params_of(const Model<float>& m) {
  return {m.params(), m.params() + m.num_params()};
}

}  // namespace

TEST_F(RunCheckpoint, RoundTripRestoresEverythingExactly) {
  const ModelConfig cfg = test::tiny_config();
  Model<float> m(cfg);
  m.init_weights(1);
  AdamW opt(m.table(), OptimizerConfig{});
  train_step(m, opt);
  train_step(m, opt);
  Rng rng(3);
  for (int l = 0; l < cfg.num_hidden_layers; ++l) {
    std::vector<float> bias = m.expert_bias(l);
    for (auto& b : bias) b = rng.uniformf() - 0.5f;
    m.set_expert_bias(l, bias);
  }
  json state = {{"rng", {1, 2, 3, 4}}, {"weight_version", 7}, {"task_source", {{"cursor", 42}}}};
  const std::string dir = save_run_checkpoint(run_, 12, m, tok_, &opt, state);
  EXPECT_EQ(dir, run_ + "/checkpoints/step-000012");
  for (const char* f : {"model.safetensors", "config.json", "byte_tokenizer.json",
                        "optimizer.safetensors", "trainer_state.json"}) {
    EXPECT_TRUE(fs::exists(dir + "/" + f)) << f;
  }
  EXPECT_EQ(read_file(run_ + "/checkpoints/latest"), "step-000012\n");

  Model<float> back(cfg);
  back.init_weights(99);
  AdamW opt_back(back.table(), OptimizerConfig{});
  json st = load_run_checkpoint(dir, back, &opt_back);
  EXPECT_EQ(st["step"], 12);
  EXPECT_EQ(st["weight_version"], 7);
  EXPECT_EQ(st["task_source"]["cursor"], 42);
  EXPECT_EQ(st["rng"], json({1, 2, 3, 4}));
  EXPECT_EQ(params_of(back), params_of(m));
  for (int l = 0; l < cfg.num_hidden_layers; ++l)
    EXPECT_EQ(back.expert_bias(l), m.expert_bias(l)) << "layer " << l;
  EXPECT_EQ(opt_back.steps(), 2);
  // The optimizer moments came back too: one more step from each gives identical weights.
  train_step(m, opt);
  train_step(back, opt_back);
  EXPECT_EQ(std::memcmp(m.params(), back.params(), m.num_params() * sizeof(float)), 0);
  // The checkpoint is also a plain model folder (r1 generate, r1 run --init).
  auto plain = load_model(dir);
  EXPECT_EQ(plain->num_params(), m.num_params());
}

TEST_F(RunCheckpoint, LatestPointerAndPruning) {
  Model<float> m(test::tiny_config());
  m.init_weights(1);
  AdamW opt(m.table(), OptimizerConfig{});
  EXPECT_FALSE(find_latest_checkpoint(run_).has_value());  // no folder at all
  for (int64_t step : {5, 10, 15, 20})
    save_run_checkpoint(run_, step, m, tok_, &opt, json::object(), 2);
  auto all = list_checkpoints(run_);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].step, 15);
  EXPECT_EQ(all[1].step, 20);
  EXPECT_FALSE(fs::exists(run_ + "/checkpoints/step-000005"));
  EXPECT_EQ(find_latest_checkpoint(run_)->step, 20);
  EXPECT_EQ(read_file(run_ + "/checkpoints/latest"), "step-000020\n");
  // Numeric order, not string order, beyond six digits.
  save_run_checkpoint(run_, 1234567, m, tok_, &opt, json::object());
  EXPECT_EQ(find_latest_checkpoint(run_)->step, 1234567);
  EXPECT_EQ(find_latest_checkpoint(run_)->dir, run_ + "/checkpoints/step-1234567");
  // Re-saving a step replaces it.
  m.params()[0] = 42.0f;
  save_run_checkpoint(run_, 20, m, tok_, &opt, json{{"again", true}});
  Model<float> back(test::tiny_config());
  EXPECT_EQ(load_run_checkpoint(run_ + "/checkpoints/step-000020", back, nullptr)["again"], true);
  EXPECT_EQ(back.params()[0], 42.0f);
}

// A save killed midway leaves a .tmp-* folder (the rename never happened); a folder copied by
// hand without its trainer state is incomplete too. Neither is ever picked, and the next save
// cleans up the leftovers.
TEST_F(RunCheckpoint, CrashLeftoversAreIgnored) {
  Model<float> m(test::tiny_config());
  m.init_weights(1);
  AdamW opt(m.table(), OptimizerConfig{});
  save_run_checkpoint(run_, 100, m, tok_, &opt, json{{"ok", 1}});
  const std::string ck = run_ + "/checkpoints/";
  // A crash mid-save of step 200: a temp folder with some of the files.
  save_model(ck + ".tmp-step-000200-12345", m);
  // A half-copied step 300, and a pointer that claims it (a crash between rename and pointer
  // update cannot produce this, but a hand edit can).
  save_model(ck + "step-000300", m);
  write_file_atomic(ck + "latest", "step-000300\n");
  fs::create_directories(ck + "step-abc");
  auto latest = find_latest_checkpoint(run_);
  ASSERT_TRUE(latest.has_value());
  EXPECT_EQ(latest->step, 100);
  Model<float> back(test::tiny_config());
  EXPECT_EQ(load_run_checkpoint(latest->dir, back, &opt)["ok"], 1);
  EXPECT_THROW(load_run_checkpoint(ck + "step-000300", back, &opt), Error);
  save_run_checkpoint(run_, 101, m, tok_, &opt, json::object());
  EXPECT_FALSE(fs::exists(ck + ".tmp-step-000200-12345"));
  EXPECT_EQ(find_latest_checkpoint(run_)->step, 101);
}

TEST_F(RunCheckpoint, MismatchedConfigAndMissingFilesAreClearErrors) {
  ModelConfig cfg = test::tiny_config();
  Model<float> m(cfg);
  m.init_weights(1);
  const std::string dir = save_run_checkpoint(run_, 1, m, tok_, nullptr, json::object());
  ModelConfig other = cfg;
  other.hidden_size = 48;
  other.n_routed_experts = 8;
  Model<float> wrong(other);
  try {
    load_run_checkpoint(dir, wrong, nullptr);
    FAIL() << "no error";
  } catch (const Error& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find(dir), std::string::npos) << msg;
    EXPECT_NE(msg.find("hidden_size 32 in the checkpoint vs 48 in the run"), std::string::npos)
        << msg;
    EXPECT_NE(msg.find("n_routed_experts 4 in the checkpoint vs 8"), std::string::npos) << msg;
  }
  // No optimizer state was saved, so restoring one is an error naming the file.
  Model<float> ok(cfg);
  AdamW opt(ok.table(), OptimizerConfig{});
  try {
    load_run_checkpoint(dir, ok, &opt);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("optimizer.safetensors"), std::string::npos) << e.what();
  }
  EXPECT_THROW(load_run_checkpoint(run_ + "/checkpoints/step-000999", ok, nullptr), Error);
  EXPECT_THROW(save_run_checkpoint(run_, 2, m, tok_, nullptr, json::array()), Error);
}

// The step a resume continues from is the checkpoint folder's: a trainer_state.json that says
// otherwise (-5 made SFT index its data order out of bounds; 10^15 ended an RL run at once) is
// an error naming the file. Optimizer moments that are not finite are refused like weights.
TEST_F(RunCheckpoint, AStepOtherThanTheFoldersAndMomentsNotFiniteAreErrors) {
  ModelConfig cfg = test::tiny_config();
  Model<float> m(cfg);
  m.init_weights(1);
  const std::string dir = save_run_checkpoint(run_, 3, m, tok_, nullptr, json::object());
  const std::string state = join_path(dir, "trainer_state.json");
  json st = json::parse(read_file(state));
  for (int64_t bad : {int64_t{-5}, int64_t{4}, int64_t{1000000000000000}}) {
    st["step"] = bad;
    write_file_atomic(state, st.dump());
    Model<float> back(cfg);
    try {
      load_run_checkpoint(dir + "/", back, nullptr);
      FAIL() << "no error for step " << bad;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(cat("trainer_state.json: 'step' is ", bad,
                                               ", not the step of the checkpoint folder "
                                               "step-000003")),
                std::string::npos)
          << e.what();
    }
  }
  st["step"] = 3;
  write_file_atomic(state, st.dump());
  Model<float> back(cfg);
  EXPECT_EQ(load_run_checkpoint(dir, back, nullptr)["step"], 3);
  // A folder copied by hand under another padding of the same step still loads.
  fs::copy(dir, run_ + "/checkpoints/step-3", fs::copy_options::recursive);
  EXPECT_EQ(load_run_checkpoint(run_ + "/checkpoints/step-3", back, nullptr)["step"], 3);

  SafetensorsWriter w;
  w.set_metadata("step", "2");
  std::vector<std::vector<float>> zeros;
  for (const auto& p : m.table().params()) {
    zeros.emplace_back(p.numel, 0.0f);
    if (zeros.size() == 2) zeros.back()[0] = std::nanf("");
  }
  size_t i = 0;
  for (const auto& p : m.table().params()) {
    w.add_f32(p.name + ".exp_avg", p.shape, zeros[i].data());
    w.add_f32(p.name + ".exp_avg_sq", p.shape, zeros[0].data());
    ++i;
  }
  const std::string opt_path = join_path(run_, "nan_moments.safetensors");
  w.write(opt_path);
  AdamW opt(m.table(), OptimizerConfig{});
  try {
    opt.load(opt_path);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(m.table().params()[1].name +
                                         ".exp_avg' holds a value that is not finite"),
              std::string::npos)
        << e.what();
  }
}

// A damaged tokenizer file loads as another vocabulary ('<thi.k>' is no special token), so it is
// checked like the weights; a folder whose checksums.json predates that (no entry) still loads.
// The final model replaces final/ in one rename, and what a killed write left goes.
TEST_F(RunCheckpoint, TokenizerFilesAreCheckedAndTheFinalModelIsWrittenWhole) {
  ModelConfig cfg = test::tiny_config();
  Model<float> m(cfg);
  m.init_weights(2);
  fs::create_directories(run_ + "/.final.tmp-999999/junk");
  const std::string final_dir = write_final_model(run_, m, tok_);
  EXPECT_EQ(final_dir, run_ + "/final");
  EXPECT_FALSE(fs::exists(run_ + "/.final.tmp-999999"));
  EXPECT_NO_THROW(load_tokenizer(final_dir));
  const std::string path = join_path(final_dir, "byte_tokenizer.json");
  std::string text = read_file(path);
  const size_t at = text.find("<think>");
  ASSERT_NE(at, std::string::npos);
  text[at + 4] = '.';
  write_file_atomic(path, text);
  try {
    load_tokenizer(final_dir);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("byte_tokenizer.json: checksum mismatch"),
              std::string::npos)
        << e.what();
  }
  json manifest = json::parse(read_file(join_path(final_dir, "checksums.json")));
  manifest["files"].erase("byte_tokenizer.json");
  write_file_atomic(join_path(final_dir, "checksums.json"), manifest.dump());
  EXPECT_NO_THROW(load_tokenizer(final_dir));
  EXPECT_NO_THROW(write_final_model(run_, m, tok_));  // replaces the damaged one
  EXPECT_NO_THROW(load_tokenizer(final_dir));
}

// A resume must not train on silently damaged weights or moments: a bit flip in either tensor
// file of a run checkpoint fails the load naming that file. Without checksums.json (a
// checkpoint from before checksums) the same folder loads as it always did.
TEST_F(RunCheckpoint, BitFlipsInModelOrOptimizerFailTheResumeNamingTheFile) {
  ModelConfig cfg = test::tiny_config();
  Model<float> m(cfg);
  m.init_weights(3);
  AdamW opt(m.table(), OptimizerConfig{});
  train_step(m, opt);
  const std::string dir = save_run_checkpoint(run_, 4, m, tok_, &opt, json::object());
  const std::string model_path = join_path(dir, "model.safetensors");
  const std::string opt_path = join_path(dir, "optimizer.safetensors");
  const std::string model_good = read_file(model_path), opt_good = read_file(opt_path);
  {
    Model<float> back(cfg);
    AdamW back_opt(back.table(), OptimizerConfig{});
    ASSERT_NO_THROW(load_run_checkpoint(dir, back, &back_opt));
  }
  struct Case {
    std::string path, tensor;
  };
  const std::string opt_tensor = SafetensorsFile(opt_path).tensors().back().name;
  for (const Case& c :
       {Case{model_path, "model.embed_tokens.weight"}, Case{opt_path, opt_tensor}}) {
    r1::testing::flip_bit_in_tensor(c.path, c.tensor, 0, 1);
    Model<float> back(cfg);
    AdamW back_opt(back.table(), OptimizerConfig{});
    try {
      load_run_checkpoint(dir, back, &back_opt);
      ADD_FAILURE() << "a bit flip in " << c.path << " loaded without an error";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(c.path), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("checksum"), std::string::npos) << e.what();
    }
    write_file_atomic(model_path, model_good);
    write_file_atomic(opt_path, opt_good);
  }
  fs::remove(join_path(dir, "checksums.json"));
  r1::testing::flip_bit_in_tensor(model_path, "model.embed_tokens.weight", 0, 1);
  Model<float> old(cfg);
  AdamW old_opt(old.table(), OptimizerConfig{});
  EXPECT_NO_THROW(load_run_checkpoint(dir, old, &old_opt));
}
