// Checkpoints: bit-exact round trip, and clear errors (never a crash) for a bad config.json,
// a missing or wrong-shaped tensor, and corrupted safetensors files.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>

#include "core/file_checksums.h"
#include "core/fs.h"
#include "core/safetensors.h"
#include "model/byte_tokenizer.h"
#include "model/checkpoint.h"
#include "tests/common/error_of.h"
#include "tests/common/flip_bit.h"
#include "tests/common/model_test_util.h"

using r1::testing::error_of;

using namespace r1;
namespace fs = std::filesystem;

namespace {

std::string tmpdir(const std::string& name) {
  std::string d = fs::temp_directory_path() / ("r1_ckpt_" + std::to_string(::getpid()) + "_" + name);
  fs::remove_all(d);
  return d;
}

std::unique_ptr<Model<float>> trained_looking_model() {
  auto m = std::make_unique<Model<float>>(test::tiny_config());
  m->init_weights(5);
  for (int l = 0; l < m->config().num_hidden_layers; ++l) {
    std::vector<float> b = m->expert_bias(l);
    for (size_t e = 0; e < b.size(); ++e) b[e] = 0.001f * static_cast<float>(e) - 0.0015f;
    m->set_expert_bias(l, b);
  }
  return m;
}

}  // namespace

TEST(Checkpoint, SaveLoadIsBitExact) {
  auto m = trained_looking_model();
  std::string dir = tmpdir("rt");
  save_checkpoint(dir, *m, ByteTokenizer());
  auto back = load_model(dir);
  ASSERT_EQ(back->num_params(), m->num_params());
  EXPECT_EQ(std::memcmp(back->params(), m->params(), m->num_params() * sizeof(float)), 0);
  for (int l = 0; l < m->config().num_hidden_layers; ++l) EXPECT_EQ(back->expert_bias(l), m->expert_bias(l));
  auto tok = load_tokenizer(dir);
  EXPECT_EQ(tok->vocab_size(), 264);
  // HF tensor names are what is stored.
  SafetensorsFile f(join_path(dir, "model.safetensors"));
  EXPECT_NE(f.find("model.layers.1.mlp.experts.3.down_proj.weight"), nullptr);
  EXPECT_NE(f.find("model.layers.1.mlp.shared_experts.gate_proj.weight"), nullptr);
  EXPECT_NE(f.find("model.layers.1.mlp.gate.e_score_correction_bias"), nullptr);
  EXPECT_NE(f.find("model.layers.0.self_attn.kv_a_proj_with_mqa.weight"), nullptr);
  EXPECT_NE(f.find("model.layers.0.self_attn.kv_b_proj.weight"), nullptr);
  // config.json is DeepSeek-V3's, so transformers loads the folder as DeepseekV3ForCausalLM.
  json cfg = load_json_file(join_path(dir, "config.json"));
  EXPECT_EQ(cfg["architectures"], json::array({"DeepseekV3ForCausalLM"}));
  EXPECT_EQ(cfg["model_type"], "deepseek_v3");
  EXPECT_TRUE(cfg["q_lora_rank"].is_null());
  fs::remove_all(dir);
}

TEST(Checkpoint, MissingTensorIsNamed) {
  auto m = trained_looking_model();
  std::string dir = tmpdir("missing");
  save_checkpoint(dir, *m, ByteTokenizer());
  // Rewrite the file without one tensor.
  SafetensorsWriter w;
  const std::string dropped = "model.layers.1.mlp.gate.weight";
  for (const auto& p : m->table().params()) {
    if (p.name != dropped) w.add_f32(p.name, p.shape, m->params() + p.offset);
  }
  w.write(join_path(dir, "model.safetensors"));
  fs::remove(join_path(dir, kChecksumsFile));  // as in a folder that another tool wrote
  std::string e = error_of([&] { load_model(dir); });
  EXPECT_NE(e.find("missing tensor '" + dropped + "'"), std::string::npos) << e;
  fs::remove_all(dir);
}

TEST(Checkpoint, WrongShapeAndUnexpectedTensorsAreNamed) {
  auto m = trained_looking_model();
  std::string dir = tmpdir("shape");
  save_checkpoint(dir, *m, ByteTokenizer());
  ModelConfig other = test::tiny_config();
  other.intermediate_size = 48;  // the dense FFN now disagrees with the weights
  json c = other.to_json();
  write_file_atomic(join_path(dir, "config.json"), c.dump());
  std::string e = error_of([&] { load_model(dir); });
  EXPECT_NE(e.find("model.layers.0.mlp.gate_proj.weight' has shape [64, 32], expected [48, 32]"), std::string::npos)
      << e;
  ModelConfig fewer = test::tiny_config();
  fewer.num_hidden_layers = 1;
  write_file_atomic(join_path(dir, "config.json"), fewer.to_json().dump());
  e = error_of([&] { load_model(dir); });
  EXPECT_NE(e.find("unexpected tensor 'model.layers.1."), std::string::npos) << e;
  fs::remove_all(dir);
}

TEST(Checkpoint, BadConfigJsonGivesFieldAndFile) {
  auto m = trained_looking_model();
  std::string dir = tmpdir("badcfg");
  save_checkpoint(dir, *m, ByteTokenizer());
  std::string cfg = join_path(dir, "config.json");
  struct Case {
    std::string text, expect;
  };
  json base = test::tiny_config().to_json();
  json j1 = base;
  j1["hidden_size"] = "32";
  json j2 = base;
  j2["num_key_value_heads"] = 3;
  json j3 = base;
  j3["hiden_size"] = 32;
  json j4 = base;
  j4.erase("vocab_size");
  json j5 = base;
  j5["scoring_func"] = "relu";
  std::vector<Case> cases = {
      {"{ not json", "invalid JSON"},
      {j1.dump(), "field 'hidden_size': expected an integer"},
      {j2.dump(), "field 'num_key_value_heads': must equal num_attention_heads (4) for Multi-head Latent Attention"},
      {j3.dump(), "unknown field 'hiden_size'"},
      {j4.dump(), "missing required field 'vocab_size'"},
      {j5.dump(), "field 'scoring_func'"},
  };
  for (const auto& c : cases) {
    write_file_atomic(cfg, c.text);
    std::string e = error_of([&] { load_model(dir); });
    EXPECT_NE(e.find(c.expect), std::string::npos) << "got: " << e;
    EXPECT_NE(e.find("config.json"), std::string::npos) << "names the file: " << e;
  }
  fs::remove_all(dir);
  EXPECT_NE(error_of([&] { load_model(dir); }).find("does not exist"), std::string::npos);
}

TEST(Checkpoint, CorruptedWeightsNeverCrash) {
  auto m = trained_looking_model();
  std::string dir = tmpdir("corrupt");
  save_checkpoint(dir, *m, ByteTokenizer());
  // Without checksums.json (an HF folder), so that the structural checks meet every damage.
  fs::remove(join_path(dir, kChecksumsFile));
  std::string path = join_path(dir, "model.safetensors");
  const std::string good = read_file(path);
  Rng rng(77);
  int errors = 0, loaded = 0;
  for (int trial = 0; trial < 300; ++trial) {
    std::string bad = good;
    if (trial % 3 == 0) {
      bad.resize(rng.below(good.size()));  // truncated
    } else {
      // damage the header region, where structure lives
      size_t header_end = 8 + (static_cast<unsigned char>(good[0]) | static_cast<unsigned char>(good[1]) << 8);
      for (int k = 0; k < 3; ++k) bad[rng.below(std::min(header_end, bad.size()))] = static_cast<char>(rng.below(256));
    }
    write_file_atomic(path, bad);
    try {
      load_model(dir);
      ++loaded;
    } catch (const Error& e) {
      ++errors;
      EXPECT_NE(std::string(e.what()).find("model.safetensors"), std::string::npos) << e.what();
    }
  }
  EXPECT_GT(errors, 250);
  std::printf("corrupted checkpoints: %d rejected, %d loaded (damage that kept the file valid)\n", errors, loaded);
  fs::remove_all(dir);
}

// A bit flip inside a finite weight leaves a valid file with finite values: only the checksum
// written at save time can tell. Loading fails naming the file, the expected and actual sums.
TEST(Checkpoint, BitFlipInAFiniteWeightFailsNamingTheFile) {
  auto m = trained_looking_model();
  std::string dir = tmpdir("bitflip");
  save_checkpoint(dir, *m, ByteTokenizer());
  ASSERT_NO_THROW(load_model(dir));
  const std::string path = join_path(dir, "model.safetensors");
  const std::string tensor = "model.layers.1.mlp.experts.2.up_proj.weight";
  r1::testing::flip_bit_in_tensor(path, tensor, 4 * 5, 0);  // lowest mantissa bit of element 5
  {
    // Outside the checkpoint folder (no checksums there) the damaged file opens, all finite.
    const std::string copy = tmpdir("bitflip_copy.safetensors");
    fs::copy_file(path, copy);
    SafetensorsFile f(copy);
    const TensorInfo& t = f.get(tensor);
    std::vector<float> v(static_cast<size_t>(t.numel()));
    f.read_f32(tensor, t.shape, v.data());
    for (float x : v) ASSERT_TRUE(std::isfinite(x));
    fs::remove(copy);
  }
  std::string e = error_of([&] { load_model(dir); });
  EXPECT_NE(e.find(path), std::string::npos) << e;
  EXPECT_NE(e.find("checksum"), std::string::npos) << e;
  EXPECT_NE(e.find("expected"), std::string::npos) << e;
  EXPECT_NE(e.find("actual"), std::string::npos) << e;
  fs::remove_all(dir);
}

// A checkpoint saved before checksums existed (or an HF folder) has no checksums.json and loads
// as it always did.
TEST(Checkpoint, FolderWithoutChecksumsLoadsAsBefore) {
  auto m = trained_looking_model();
  std::string dir = tmpdir("nosums");
  save_checkpoint(dir, *m, ByteTokenizer());
  fs::remove(join_path(dir, "checksums.json"));
  auto back = load_model(dir);
  EXPECT_EQ(std::memcmp(back->params(), m->params(), m->num_params() * sizeof(float)), 0);
  fs::remove_all(dir);
}
