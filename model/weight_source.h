// The tensors of a Hugging Face model folder: one model.safetensors, or shards
// model-0000x-of-0000y.safetensors listed by model.safetensors.index.json ("weight_map": tensor
// name -> shard file). Every shard named by the index is opened (memory-mapped) and checked
// against it: a tensor the index places in a shard that lacks it, a tensor in two shards, or a
// missing shard file is an error naming the tensor and the file.
#pragma once
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/safetensors.h"

namespace r1 {

class WeightSource {
 public:
  // Opens `dir`'s weights; throws naming the folder when it has neither file.
  explicit WeightSource(const std::string& dir);
  // One safetensors file (our run checkpoints pass theirs directly).
  static WeightSource single_file(const std::string& path);

  const TensorInfo* find(const std::string& name) const;  // nullptr when absent
  // The file holding `name` (for messages); the index (or the single file) when absent.
  const std::string& file_of(const std::string& name) const;
  // Converts a tensor to float32 after checking its shape; errors name the tensor and file.
  void read_f32(const std::string& name, const std::vector<int64_t>& shape, float* out) const;
  // Every tensor name, with the file it lives in.
  const std::map<std::string, const SafetensorsFile*>& tensors() const { return where_; }
  // What a "missing tensor" message names: the single file, or the index.
  const std::string& description() const { return description_; }

 private:
  WeightSource() = default;
  void add_file(const std::string& path);
  std::vector<std::unique_ptr<SafetensorsFile>> files_;
  std::map<std::string, const SafetensorsFile*> where_;
  std::string description_;
};

}  // namespace r1
