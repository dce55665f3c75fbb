#include "model/checkpoint.h"

#include <cmath>
#include <set>

#include "core/error.h"
#include "core/fs.h"
#include "core/safetensors.h"

namespace r1 {

namespace {
// Hugging Face's name for our model type in config.json "architectures".
constexpr const char* kArchitecture = "R1MoeForCausalLM";
}  // namespace

void save_model(const std::string& dir, const Model<float>& model, DType dtype) {
  make_dirs(dir);
  const ModelConfig& cfg = model.config();
  SafetensorsWriter w;
  w.set_metadata("format", "pt");
  for (const auto& p : model.table().params()) w.add_f32(p.name, p.shape, model.params() + p.offset, dtype);
  for (int l = 0; l < cfg.num_hidden_layers; ++l) {
    const auto& bias = model.expert_bias(l);
    if (!bias.empty()) {
      w.add_f32(ParamTable::expert_bias_name(l), {static_cast<int64_t>(bias.size())}, bias.data(), DType::F32);
    }
  }
  w.write(join_path(dir, "model.safetensors"));
  json c = cfg.to_json();
  c["architectures"] = {kArchitecture};
  c["torch_dtype"] = dtype == DType::F32 ? "float32" : (dtype == DType::BF16 ? "bfloat16" : "float16");
  write_file_atomic(join_path(dir, "config.json"), c.dump(2) + "\n");
}

void save_checkpoint(const std::string& dir, const Model<float>& model, const Tokenizer& tokenizer) {
  save_model(dir, model);
  tokenizer.save(dir);
}

void load_weights(const std::string& path, Model<float>& model) {
  SafetensorsFile f(path);
  const ModelConfig& cfg = model.config();
  std::set<std::string> expected;
  for (const auto& p : model.table().params()) {
    expected.insert(p.name);
    if (!f.find(p.name)) fail(path, ": missing tensor '", p.name, "' (shape ", shape_str(p.shape), ")");
    float* dst = model.params() + p.offset;
    f.read_f32(p.name, p.shape, dst);
    for (size_t i = 0; i < p.numel; ++i) {
      if (!std::isfinite(dst[i])) fail(path, ": tensor '", p.name, "' holds a non-finite value at index ", i, " (corrupted?)");
    }
  }
  for (int l = 0; l < cfg.num_hidden_layers; ++l) {
    auto& bias = model.expert_bias(l);
    if (bias.empty()) continue;
    std::string name = ParamTable::expert_bias_name(l);
    expected.insert(name);
    // Checkpoints without balancing state (fresh HF exports) start from a zero bias.
    if (f.find(name)) f.read_f32(name, {static_cast<int64_t>(bias.size())}, bias.data());
  }
  for (const auto& t : f.tensors()) {
    if (!expected.count(t.name)) {
      fail(path, ": unexpected tensor '", t.name, "' ", shape_str(t.shape),
           " (the checkpoint does not match config.json)");
    }
  }
}

std::unique_ptr<Model<float>> load_model(const std::string& dir) {
  if (!file_exists(dir)) fail(dir, ": model folder does not exist");
  std::string cfg_path = join_path(dir, "config.json");
  if (!file_exists(cfg_path)) fail(dir, ": no config.json in the model folder");
  json j = load_json_file(cfg_path);
  if (j.contains("architectures")) {
    const json& a = j["architectures"];
    if (!a.is_array() || a.size() != 1 || a[0] != kArchitecture) {
      fail(cfg_path, ": field 'architectures': unsupported architecture ", a.dump(), " (supported: [\"", kArchitecture,
           "\"])");
    }
  }
  ModelConfig cfg = ModelConfig::from_json(j, cfg_path);
  auto model = std::make_unique<Model<float>>(cfg);
  std::string st = join_path(dir, "model.safetensors");
  if (!file_exists(st)) fail(dir, ": no model.safetensors in the model folder");
  load_weights(st, *model);
  return model;
}

}  // namespace r1
