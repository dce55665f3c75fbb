// Model checkpoints are folders: model.safetensors (Hugging Face tensor names), config.json
// (the ModelConfig) and the tokenizer's files. Saving then loading is bit-exact in F32.
// Loading checks every tensor: a missing, unexpected or wrong-shaped tensor is an error naming
// it and the file.
#pragma once
#include <memory>
#include <string>

#include "core/dtype.h"
#include "model/model.h"
#include "model/tokenizer.h"

namespace r1 {

// Writes model.safetensors and config.json into `dir` (created if needed), each atomically.
void save_model(const std::string& dir, const Model<float>& model, DType dtype = DType::F32);
// Writes the model and the tokenizer.
void save_checkpoint(const std::string& dir, const Model<float>& model, const Tokenizer& tokenizer);

// Reads config.json and model.safetensors from `dir`.
std::unique_ptr<Model<float>> load_model(const std::string& dir);
// Loads the tensors of `dir`/model.safetensors into an existing model of the same config.
void load_weights(const std::string& safetensors_path, Model<float>& model);

}  // namespace r1
