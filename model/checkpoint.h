// Model checkpoints are Hugging Face model folders: config.json (the architecture's own
// config, with "architectures"), model.safetensors (HF tensor names), checksums.json (its
// CRC32C, checked on load: core/file_checksums.h) and the tokenizer's files.
// Saving then loading is bit-exact in F32, and transformers' AutoModelForCausalLM loads what
// save_model writes as the config's architecture (Qwen2/Qwen3/Qwen3Moe/DeepseekV3ForCausalLM;
// our older r1_moe folders still load here but not in transformers).
//
// Loading also reads HF folders written by transformers: a single model.safetensors or shards
// with model.safetensors.index.json; F32, F16 and BF16 tensors (converted to F32); experts stored
// one tensor per expert (hub format) or fused (transformers 5's experts.gate_up_proj and
// experts.down_proj). Every tensor is checked: a missing or wrong-shaped tensor is an error
// naming it and its file, and so is an unexpected one, except these, which transformers ignores
// too: rotary inv_freq buffers (".rotary_emb.inv_freq"), DeepSeek-V3's multi-token-prediction
// layers (model.layers.L .. L + num_nextn_predict_layers - 1), and lm_head.weight of a model
// with tied embeddings.
#pragma once
#include <memory>
#include <string>

#include "core/dtype.h"
#include "model/model.h"
#include "model/tokenizer.h"
#include "model/weight_source.h"

namespace r1 {

// Writes model.safetensors (recording its checksum in checksums.json) and config.json into
// `dir` (created if needed), each atomically.
// Router weights and selection biases stay F32 whatever `dtype` (transformers keeps them F32).
void save_model(const std::string& dir, const Model<float>& model, DType dtype = DType::F32);
// Writes the model and the tokenizer.
void save_checkpoint(const std::string& dir, const Model<float>& model, const Tokenizer& tokenizer);

// Reads config.json and the weights from `dir`.
std::unique_ptr<Model<float>> load_model(const std::string& dir, const Backend<float>& backend = cpu_backend<float>());
// Loads the tensors of one safetensors file (or of a folder's weights) into an existing model
// of the same config.
void load_weights(const std::string& safetensors_path, Model<float>& model);
void load_weights(const WeightSource& src, Model<float>& model);

}  // namespace r1
