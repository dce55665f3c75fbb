#include "model/checkpoint.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <set>

#include "core/error.h"
#include "core/file_checksums.h"
#include "core/fs.h"
#include "core/safetensors.h"
#include "core/stop.h"
#include "model/memory_estimate.h"
#include "model/tokenizer.h"

namespace r1 {

namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Tensors that transformers ignores when loading these architectures, and so do we.
bool harmless(const std::string& name, const ModelConfig& cfg) {
  if (ends_with(name, ".rotary_emb.inv_freq")) return true;
  if (cfg.tie_word_embeddings && name == "lm_head.weight") return true;
  const std::string layers = "model.layers.";
  if (cfg.num_nextn_predict_layers > 0 && name.rfind(layers, 0) == 0) {
    const size_t dot = name.find('.', layers.size());
    const std::string idx = name.substr(layers.size(), dot - layers.size());
    // An index too large for a long is no layer of the model (from_chars fails on it).
    long l = 0;
    const auto [end, ec] = std::from_chars(idx.data(), idx.data() + idx.size(), l);
    if (!idx.empty() && ec == std::errc() && end == idx.data() + idx.size()) {
      return l >= cfg.num_hidden_layers && l < cfg.num_hidden_layers + cfg.num_nextn_predict_layers;
    }
  }
  return false;
}

// Copies `count` elements starting at element `first` of a stored tensor into F32.
void read_slice(const TensorInfo& t, size_t first, size_t count, float* out) {
  const uint8_t* src = t.data + first * dtype_size(t.dtype);
  convert_to_f32(t.dtype, src, out, count);
}

// transformers 5 can hold an MoE layer's experts as two 3D tensors: gate_up_proj (E, 2F, C),
// each expert's [gate; up] rows, and down_proj (E, C, F). Our table keeps each expert's gate and
// up adjacent, so each expert is one contiguous slice of each. Returns false when the layer's
// experts are stored one tensor per expert.
bool read_fused_experts(const WeightSource& src, Model<float>& model, int l, std::set<std::string>& expected) {
  const ModelConfig& c = model.config();
  const std::string p = cat("model.layers.", l, ".mlp.experts.");
  const TensorInfo* gu = src.find(p + "gate_up_proj");
  const TensorInfo* dn = src.find(p + "down_proj");
  if (!gu && !dn) return false;
  const int64_t E = c.n_routed_experts, F = c.moe_intermediate_size, C = c.hidden_size;
  for (const auto& [t, name, shape] : {std::tuple{gu, p + "gate_up_proj", std::vector<int64_t>{E, 2 * F, C}},
                                       std::tuple{dn, p + "down_proj", std::vector<int64_t>{E, C, F}}}) {
    if (!t) fail(src.description(), ": missing tensor '", name, "' ", shape_str(shape), " (its fused twin is present)");
    if (t->shape != shape) {
      fail(src.file_of(name), ": tensor '", name, "' has shape ", shape_str(t->shape), ", expected ", shape_str(shape));
    }
    switch (t->dtype) {
      case DType::F32: case DType::F16: case DType::BF16: case DType::F64: break;
      default: fail(src.file_of(name), ": tensor '", name, "' has dtype ", dtype_name(t->dtype), ", expected a float type");
    }
    expected.insert(name);
  }
  const LayerParams& lp = model.table().layer(l);
  const size_t gu_n = static_cast<size_t>(2 * F * C), dn_n = static_cast<size_t>(C * F);
  std::vector<float> host(std::max(gu_n, dn_n));
  for (int64_t e = 0; e < E; ++e) {
    read_slice(*gu, e * gu_n, gu_n, host.data());
    model.write_params(host.data(), lp.expert_gate_up[e], gu_n);
    read_slice(*dn, e * dn_n, dn_n, host.data());
    model.write_params(host.data(), lp.expert_down[e], dn_n);
  }
  return true;
}

bool is_router(const std::string& name) { return ends_with(name, ".mlp.gate.weight"); }

}  // namespace

void save_model(const std::string& dir, const Model<float>& model, DType dtype) {
  make_dirs(dir);
  const ModelConfig& cfg = model.config();
  SafetensorsWriter w;
  w.set_metadata("format", "pt");
  // The writer keeps pointers until write(): one host copy of all parameters.
  std::vector<float> host(model.num_params());
  model.read_params(host.data(), 0, host.size());
  for (const auto& p : model.table().params()) {
    w.add_f32(p.name, p.shape, host.data() + p.offset, is_router(p.name) ? DType::F32 : dtype);
  }
  std::vector<std::vector<float>> biases(cfg.num_hidden_layers);
  for (int l = 0; l < cfg.num_hidden_layers; ++l) {
    const auto& bias = biases[l] = model.expert_bias(l);
    if (!bias.empty()) {
      w.add_f32(ParamTable::expert_bias_name(l), {static_cast<int64_t>(bias.size())}, bias.data(), DType::F32);
    }
  }
  w.write(join_path(dir, "model.safetensors"));
  record_file_checksum(dir, "model.safetensors");
  json c = cfg.to_json();
  c["torch_dtype"] = dtype == DType::F32 ? "float32" : (dtype == DType::BF16 ? "bfloat16" : "float16");
  write_file_atomic(join_path(dir, "config.json"), c.dump(2) + "\n");
}

void save_checkpoint(const std::string& dir, const Model<float>& model, const Tokenizer& tokenizer) {
  CheckpointWriteGuard finish_first;  // a stop request lets this write complete
  save_model(dir, model);
  tokenizer.save(dir);
  // A damaged tokenizer loads as another vocabulary (a flipped byte in "<think>"), so its files
  // are checked like the weights.
  for (const char* f : kTokenizerFiles)
    if (file_exists(join_path(dir, f))) record_file_checksum(dir, f);
}

void load_weights(const WeightSource& src, Model<float>& model) {
  const ModelConfig& cfg = model.config();
  std::set<std::string> expected, fused_layers;
  for (int l = 0; l < cfg.num_hidden_layers; ++l) {
    if (cfg.is_moe_layer(l) && read_fused_experts(src, model, l, expected)) fused_layers.insert(cat("model.layers.", l, ".mlp.experts."));
  }
  std::vector<float> host;
  for (const auto& p : model.table().params()) {
    host.resize(p.numel);
    float* dst = host.data();
    const size_t cut = p.name.find(".mlp.experts.");
    const bool fused = cut != std::string::npos &&
                       fused_layers.count(p.name.substr(0, cut + std::string(".mlp.experts.").size()));
    if (!fused) {
      expected.insert(p.name);
      if (!src.find(p.name)) fail(src.description(), ": missing tensor '", p.name, "' (shape ", shape_str(p.shape), ")");
      src.read_f32(p.name, p.shape, dst);
    } else {
      model.read_params(dst, p.offset, p.numel);  // written by read_fused_experts
    }
    check_finite_tensor(src.file_of(p.name), p.name, dst, p.numel);
    if (!fused) model.write_params(dst, p.offset, p.numel);
  }
  for (int l = 0; l < cfg.num_hidden_layers; ++l) {
    std::vector<float> bias = model.expert_bias(l);
    if (bias.empty()) continue;
    std::string name = ParamTable::expert_bias_name(l);
    expected.insert(name);
    // Checkpoints without balancing state start from a zero bias.
    std::fill(bias.begin(), bias.end(), 0.0f);
    if (src.find(name)) src.read_f32(name, {static_cast<int64_t>(bias.size())}, bias.data());
    model.set_expert_bias(l, bias);
  }
  for (const auto& [name, file] : src.tensors()) {
    if (expected.count(name) || harmless(name, cfg)) continue;
    const TensorInfo* t = src.find(name);
    fail(file->path(), ": unexpected tensor '", name, "' ", shape_str(t->shape),
         " (the checkpoint does not match config.json)");
  }
}

void load_weights(const std::string& path, Model<float>& model) { load_weights(WeightSource::single_file(path), model); }

std::unique_ptr<Model<float>> load_model(const std::string& dir, const Backend<float>& backend) {
  if (!file_exists(dir)) fail(dir, ": model folder does not exist");
  std::string cfg_path = join_path(dir, "config.json");
  if (!file_exists(cfg_path)) fail(dir, ": no config.json in the model folder");
  ModelConfig cfg = ModelConfig::load(cfg_path);
  check_memory(MemoryEstimate().add(model_weights_part(cfg, 1, "the model's weights")), cfg_path);
  WeightSource src(dir);
  auto model = std::make_unique<Model<float>>(cfg, backend);
  load_weights(src, *model);
  return model;
}

}  // namespace r1
