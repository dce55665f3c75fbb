// Loading Hugging Face folders: config.json per architecture (what is accepted, what is rejected
// by name), tensors (fused experts, harmless extras, unexpected ones, shards, F16/BF16), and our
// older r1_moe folders.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>

#include "core/file_checksums.h"
#include "model/byte_tokenizer.h"
#include "model/checkpoint.h"
#include "model/weight_source.h"
#include "tests/common/error_of.h"
#include "tests/model/hf_test_util.h"

using r1::testing::error_of;

using namespace r1;
namespace fs = std::filesystem;

namespace {

std::string tmpdir(const std::string& name) {
  std::string d = fs::temp_directory_path() / ("r1_hfload_" + std::to_string(::getpid()) + "_" + name);
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

json hf_config(const std::string& name) { return load_json_file(join_path(test::hf_dir(name), "config.json")); }

// Copies a reference folder (config and weights) to a scratch folder.
std::string copy_of(const std::string& name) {
  std::string d = tmpdir(name);
  for (const auto& e : fs::directory_iterator(test::hf_dir(name))) fs::copy(e.path(), d + "/" + e.path().filename().string());
  return d;
}

// Rewrites every tensor of a single-file folder through `edit`, which may add or drop tensors.
using Tensors = std::map<std::string, std::pair<std::vector<int64_t>, std::vector<float>>>;
void rewrite(const std::string& dir, const std::function<void(Tensors&)>& edit, DType dtype = DType::F32) {
  Tensors ts;
  {
    SafetensorsFile f(join_path(dir, "model.safetensors"));
    for (const auto& t : f.tensors()) {
      std::vector<float> v(t.numel());
      f.read_f32(t.name, t.shape, v.data());
      ts[t.name] = {t.shape, std::move(v)};
    }
  }
  edit(ts);
  SafetensorsWriter w;
  for (const auto& [name, t] : ts) w.add_f32(name, t.first, t.second.data(), dtype);
  w.write(join_path(dir, "model.safetensors"));
  // Edited by another writer, the folder is like an HF one: no checksums.json (else the
  // checksum, not the check under test, would reject it).
  fs::remove(join_path(dir, kChecksumsFile));
}

}  // namespace

TEST(HfConfig, EveryReferenceConfigReadsAndRoundTrips) {
  std::vector<std::string> paths = {test::repo_path("configs/models/small-moe.json"),
                                    test::repo_path("configs/models/tiny-moe.json")};
  for (const char* name : {"qwen2", "qwen3", "qwen3_moe", "deepseek_v3", "deepseek_v3-plain"}) {
    paths.push_back(join_path(test::hf_dir(name), "config.json"));
  }
  for (const auto& path : paths) {
    SCOPED_TRACE(path);
    ModelConfig c = ModelConfig::load(path);
    json j = c.to_json();
    EXPECT_EQ(j["architectures"][0], c.architecture());
    ModelConfig back = ModelConfig::from_json(j, "round trip");
    EXPECT_EQ(back.to_json(), j);
  }
  ModelConfig ds = ModelConfig::load(join_path(test::hf_dir("deepseek_v3"), "config.json"));
  EXPECT_TRUE(ds.mla());
  EXPECT_EQ(ds.q_lora_rank, 24);
  EXPECT_EQ(ds.num_nextn_predict_layers, 1);
  EXPECT_FALSE(ds.is_moe_layer(0));
  EXPECT_TRUE(ds.is_moe_layer(1));
  ModelConfig qm = ModelConfig::load(join_path(test::hf_dir("qwen3_moe"), "config.json"));
  EXPECT_TRUE(qm.qk_norm);
  EXPECT_FALSE(qm.has_expert_bias());
  EXPECT_FALSE(qm.is_moe_layer(1));  // mlp_only_layers
  EXPECT_EQ(qm.n_routed_experts, 8);  // written as num_local_experts by transformers 5
  ModelConfig q2 = ModelConfig::load(join_path(test::hf_dir("qwen2"), "config.json"));
  EXPECT_TRUE(q2.attention_bias);
  ModelConfig q3 = ModelConfig::load(join_path(test::hf_dir("qwen3"), "config.json"));
  EXPECT_EQ(q3.rope_theta, 1000000.0);  // from rope_parameters
  EXPECT_EQ(q3.head_dim, 16);
}

// Hub-style configs (transformers 4 spelling) read too: rope_theta at the top level with
// rope_scaling null, torch_dtype, DeepSeek's own bookkeeping fields.
TEST(HfConfig, OlderSpellingsRead) {
  json j = hf_config("deepseek_v3");
  j.erase("rope_parameters");
  j.erase("dtype");
  j["rope_theta"] = 50000.0;
  j["rope_scaling"] = nullptr;
  j["torch_dtype"] = "bfloat16";
  j["scoring_func"] = "sigmoid";
  j["topk_method"] = "noaux_tc";
  j["moe_layer_freq"] = 1;
  j["aux_loss_alpha"] = 0.001;
  j["seq_aux"] = true;
  j["ep_size"] = 1;
  j["auto_map"] = {{"AutoConfig", "configuration_deepseek.DeepseekV3Config"}};
  ModelConfig c = ModelConfig::from_json(j, "hub.json");
  EXPECT_EQ(c.rope_theta, 50000.0);
  json q = hf_config("qwen3_moe");
  q.erase("num_local_experts");
  q["num_experts"] = 8;
  EXPECT_EQ(ModelConfig::from_json(q, "hub.json").n_routed_experts, 8);
}

TEST(HfConfig, UnsupportedArchitecturesAndFieldsAreNamed) {
  struct Case {
    std::string base;
    std::function<void(json&)> edit;
    std::string expect;
  };
  std::vector<Case> cases = {
      {"qwen2", [](json& j) { j["model_type"] = "llama"; j["architectures"] = {"LlamaForCausalLM"}; },
       "field 'model_type': unsupported architecture \"llama\", architectures [\"LlamaForCausalLM\"]"},
      {"qwen3", [](json& j) { j["architectures"] = {"Qwen3ForSequenceClassification"}; },
       "field 'architectures': unsupported architecture [\"Qwen3ForSequenceClassification\"]"},
      {"qwen3", [](json& j) { j.erase("model_type"); }, "missing required field 'model_type'"},
      {"deepseek_v3", [](json& j) { j["rope_parameters"] = {{"rope_type", "yarn"}, {"factor", 40}, {"rope_theta", 1e4}}; },
       "field 'rope_type': RoPE scaling \"yarn\" is not supported"},
      {"qwen2", [](json& j) { j["rope_scaling"] = {{"type", "linear"}, {"factor", 2.0}}; j.erase("rope_parameters"); },
       "field 'type': RoPE scaling \"linear\" is not supported"},
      {"qwen2", [](json& j) { j["use_sliding_window"] = true; }, "field 'use_sliding_window'"},
      {"qwen2", [](json& j) { j["layer_types"] = {"full_attention", "sliding_attention"}; },
       "field 'layer_types': layer 1 is \"sliding_attention\""},
      {"qwen3", [](json& j) { j["attention_bias"] = true; }, "field 'attention_bias'"},
      {"qwen3", [](json& j) { j["hidden_act"] = "gelu"; }, "field 'hidden_act'"},
      {"deepseek_v3", [](json& j) { j["quantization_config"] = {{"quant_method", "fp8"}}; }, "field 'quantization_config'"},
      {"deepseek_v3", [](json& j) { j["topk_method"] = "greedy"; }, "field 'topk_method'"},
      {"deepseek_v3", [](json& j) { j["scoring_func"] = "softmax"; }, "field 'scoring_func'"},
      {"deepseek_v3", [](json& j) { j["moe_layer_freq"] = 2; }, "field 'moe_layer_freq'"},
      {"deepseek_v3", [](json& j) { j["head_dim"] = 8; }, "field 'head_dim': must equal qk_rope_head_dim"},
      {"deepseek_v3", [](json& j) { j["num_key_value_heads"] = 2; }, "field 'num_key_value_heads'"},
      {"deepseek_v3", [](json& j) { j["qk_rope_head_dim"] = 3; j["head_dim"] = 3; j["qk_head_dim"] = 11; },
       "field 'qk_rope_head_dim': must be positive and even"},
      {"qwen3_moe", [](json& j) { j["mlp_only_layers"] = {7}; }, "field 'mlp_only_layers': layer 7"},
      {"qwen3_moe", [](json& j) { j["num_experts"] = 6; }, "field 'num_local_experts': disagrees with num_experts"},
      {"qwen3_moe", [](json& j) { j["shared_expert_intermediate_size"] = 8; }, "unknown field 'shared_expert_intermediate_size'"},
  };
  for (const auto& c : cases) {
    json j = hf_config(c.base);
    c.edit(j);
    std::string e = error_of([&] { ModelConfig::from_json(j, "x/config.json"); });
    EXPECT_NE(e.find(c.expect), std::string::npos) << "want: " << c.expect << "\ngot: " << e;
    EXPECT_EQ(e.rfind("x/config.json", 0), 0u) << e;
  }
}

TEST(HfLoading, FusedExpertsLoadLikePerExpertTensors) {
  const std::string dir = copy_of("qwen3_moe");
  auto plain = load_model(dir);
  const ModelConfig& c = plain->config();
  const int64_t E = c.n_routed_experts, F = c.moe_intermediate_size, C = c.hidden_size;
  rewrite(dir, [&](Tensors& ts) {
    for (int l = 0; l < c.num_hidden_layers; ++l) {
      if (!c.is_moe_layer(l)) continue;
      const std::string p = cat("model.layers.", l, ".mlp.experts.");
      std::vector<float> gu, dn;
      for (int e = 0; e < E; ++e) {
        for (const char* part : {"gate_proj", "up_proj"}) {
          auto& t = ts.at(cat(p, e, ".", part, ".weight")).second;
          gu.insert(gu.end(), t.begin(), t.end());
        }
        auto& d = ts.at(cat(p, e, ".down_proj.weight")).second;
        dn.insert(dn.end(), d.begin(), d.end());
        for (const char* part : {"gate_proj", "up_proj", "down_proj"}) ts.erase(cat(p, e, ".", part, ".weight"));
      }
      ts[p + "gate_up_proj"] = {{E, 2 * F, C}, gu};
      ts[p + "down_proj"] = {{E, C, F}, dn};
    }
  });
  auto fused = load_model(dir);
  ASSERT_EQ(fused->num_params(), plain->num_params());
  EXPECT_EQ(std::memcmp(fused->params(), plain->params(), plain->num_params() * sizeof(float)), 0);
  fs::remove_all(dir);
}

// A layer index in a tensor name is file content: one too large for any integer is an
// unexpected tensor like any other, not a std::out_of_range escaping from std::stol.
TEST(HfLoading, HugeLayerIndexInATensorNameIsUnexpected) {
  const std::string dir = copy_of("deepseek_v3");
  rewrite(dir, [](Tensors& ts) {
    ts["model.layers.99999999999999999999.eh_proj.weight"] = {{1}, {1}};
  });
  std::string e = error_of([&] { load_model(dir); });
  EXPECT_NE(e.find("unexpected tensor 'model.layers.99999999999999999999.eh_proj.weight'"),
            std::string::npos)
      << e;
  fs::remove_all(dir);
}

TEST(HfLoading, HarmlessExtrasAreSkippedAndOthersNamed) {
  const std::string dir = copy_of("deepseek_v3");
  auto before = load_model(dir);
  rewrite(dir, [](Tensors& ts) {
    ts["model.rotary_emb.inv_freq"] = {{2}, {1.0f, 0.01f}};
    ts["model.layers.0.self_attn.rotary_emb.inv_freq"] = {{2}, {1.0f, 0.01f}};
    ts["model.layers.3.eh_proj.weight"] = {{2, 2}, {1, 2, 3, 4}};  // the MTP module (layer 3 of 3)
  });
  auto m = load_model(dir);
  EXPECT_EQ(std::memcmp(m->params(), before->params(), m->num_params() * sizeof(float)), 0);
  rewrite(dir, [](Tensors& ts) { ts["model.layers.4.eh_proj.weight"] = {{1}, {1}}; });  // past the MTP layers
  std::string e = error_of([&] { load_model(dir); });
  EXPECT_NE(e.find("model.safetensors: unexpected tensor 'model.layers.4.eh_proj.weight'"), std::string::npos) << e;
  rewrite(dir, [](Tensors& ts) {
    ts.erase("model.layers.4.eh_proj.weight");
    ts.erase("model.layers.2.self_attn.kv_b_proj.weight");
  });
  e = error_of([&] { load_model(dir); });
  EXPECT_NE(e.find("missing tensor 'model.layers.2.self_attn.kv_b_proj.weight' (shape [56, 16])"), std::string::npos) << e;
  fs::remove_all(dir);
}

TEST(HfLoading, ShardIndexErrorsNameTensorAndFile) {
  const std::string dir = copy_of("qwen2");
  const std::string index = join_path(dir, "model.safetensors.index.json");
  json j = load_json_file(index);
  // The index places a tensor in the shard that does not hold it.
  const std::string shard = j["weight_map"]["model.norm.weight"];
  const std::string other = shard == "model-00001-of-00002.safetensors" ? "model-00002-of-00002.safetensors"
                                                                        : "model-00001-of-00002.safetensors";
  j["weight_map"]["model.norm.weight"] = other;
  write_file_atomic(index, j.dump());
  std::string e = error_of([&] { load_model(dir); });
  EXPECT_NE(e.find("tensor 'model.norm.weight' is listed in " + other), std::string::npos) << e;
  j["weight_map"]["model.norm.weight"] = "model-00009-of-00009.safetensors";
  write_file_atomic(index, j.dump());
  e = error_of([&] { load_model(dir); });
  EXPECT_NE(e.find("shard model-00009-of-00009.safetensors is listed but"), std::string::npos) << e;
  fs::remove(index);
  e = error_of([&] { load_model(dir); });
  EXPECT_NE(e.find("no model.safetensors or model.safetensors.index.json"), std::string::npos) << e;
  fs::remove_all(dir);
}

// F16 and BF16 files load converted to F32: exactly the rounded values.
TEST(HfLoading, HalfPrecisionWeightsConvert) {
  for (DType dt : {DType::F16, DType::BF16}) {
    SCOPED_TRACE(dtype_name(dt));
    Model<float> m(test::tiny_config());
    m.init_weights(9);
    const std::string dir = tmpdir("half");
    save_model(dir, m, dt);
    auto back = load_model(dir);
    SafetensorsFile f(join_path(dir, "model.safetensors"));
    EXPECT_EQ(f.get("model.layers.0.self_attn.kv_b_proj.weight").dtype, dt);
    EXPECT_EQ(f.get("model.layers.1.mlp.gate.weight").dtype, DType::F32);  // routers stay F32
    for (const auto& p : m.table().params()) {
      const bool router = p.name.find(".mlp.gate.weight") != std::string::npos;
      for (size_t i = 0; i < p.numel; ++i) {
        const float x = m.params()[p.offset + i];
        const float want = router ? x : (dt == DType::F16 ? f16_to_f32(f32_to_f16(x)) : bf16_to_f32(f32_to_bf16(x)));
        ASSERT_EQ(back->params()[p.offset + i], want) << p.name;
      }
    }
    json cfg = load_json_file(join_path(dir, "config.json"));
    EXPECT_EQ(cfg["torch_dtype"], dt == DType::F16 ? "float16" : "bfloat16");
    fs::remove_all(dir);
  }
}

// Qwen3-MoE exports carry no selection bias (transformers' Qwen3Moe has none); a bias tensor in
// such a folder is unexpected.
TEST(HfLoading, Qwen3MoeExportRoundTrips) {
  Model<float> m(test::tiny_gqa_config());
  m.init_weights(4);
  for (int l = 0; l < m.config().num_hidden_layers; ++l) EXPECT_TRUE(m.expert_bias(l).empty());
  const std::string dir = tmpdir("qwen3moe");
  save_model(dir, m);
  json cfg = load_json_file(join_path(dir, "config.json"));
  EXPECT_EQ(cfg["architectures"], json::array({"Qwen3MoeForCausalLM"}));
  auto back = load_model(dir);
  EXPECT_EQ(std::memcmp(back->params(), m.params(), m.num_params() * sizeof(float)), 0);
  rewrite(dir, [](Tensors& ts) { ts["model.layers.1.mlp.gate.e_score_correction_bias"] = {{4}, {0, 0, 0, 0}}; });
  EXPECT_NE(error_of([&] { load_model(dir); }).find("unexpected tensor 'model.layers.1.mlp.gate.e_score_correction_bias'"),
            std::string::npos);
  fs::remove_all(dir);
}

// Folders from before models were exported as HF architectures (model_type r1_moe,
// architectures R1MoeForCausalLM: GQA with q/k-norm and DeepSeek-style experts) still load.
TEST(HfLoading, OlderR1MoeFoldersLoad) {
  ModelConfig c = test::tiny_gqa_config();
  c.model_type = "r1_moe";
  c.scoring_func = "sigmoid";
  c.n_shared_experts = 1;
  c.mlp_only_layers.clear();
  c.first_k_dense_replace = 1;
  Model<float> m(c);
  m.init_weights(6);
  const std::string dir = tmpdir("r1moe");
  save_checkpoint(dir, m, ByteTokenizer());
  json cfg = load_json_file(join_path(dir, "config.json"));
  EXPECT_EQ(cfg["architectures"], json::array({"R1MoeForCausalLM"}));
  EXPECT_EQ(cfg["qk_norm"], true);
  auto back = load_model(dir);
  EXPECT_EQ(back->config().model_type, "r1_moe");
  EXPECT_EQ(std::memcmp(back->params(), m.params(), m.num_params() * sizeof(float)), 0);
  fs::remove_all(dir);
}
