// fuzz_safetensors_header: any bytes as a safetensors file. First the header parse of
// core/safetensors on the bytes in memory (every tensor it accepts must lie inside the buffer),
// then the same bytes as a file on disk through the Hugging Face loader's tensor checks
// (names, shapes, dtypes, finite values) into a small fixed model. The promise under test: a
// damaged or hostile file is an r1::Error naming it, never a crash, a read out of bounds, or
// another exception.
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "core/fs.h"
#include "core/safetensors.h"
#include "model/checkpoint.h"

namespace {

// The seed corpus holds checkpoints of this config (save_model, F32 and BF16): tiny-moe's
// layout (MLA, a dense block, then shared and routed experts) at the smallest sizes, with a
// multi-token-prediction layer, whose tensors the loader must recognise by their names.
r1::ModelConfig fuzz_model_config() {
  return r1::ModelConfig::from_json(r1::json::parse(R"({
      "architectures": ["DeepseekV3ForCausalLM"], "model_type": "deepseek_v3",
      "vocab_size": 16, "hidden_size": 8, "num_hidden_layers": 2,
      "num_attention_heads": 2, "num_key_value_heads": 2, "q_lora_rank": null,
      "kv_lora_rank": 4, "qk_nope_head_dim": 4, "qk_rope_head_dim": 2, "v_head_dim": 4,
      "rope_interleave": true, "intermediate_size": 8, "moe_intermediate_size": 4,
      "n_routed_experts": 2, "num_experts_per_tok": 1, "n_shared_experts": 1,
      "first_k_dense_replace": 1, "scoring_func": "sigmoid", "n_group": 1, "topk_group": 1,
      "tie_word_embeddings": true,
      "max_position_embeddings": 64, "num_nextn_predict_layers": 1})"),
                                    "fuzz_safetensors_header");
}

r1::Model<float>& model() {
  static r1::Model<float> m(fuzz_model_config());
  return m;
}

// A folder of this process's own for the file, removed at exit.
struct ScratchDir {
  std::filesystem::path dir = std::filesystem::temp_directory_path() /
                              ("r1_fuzz_safetensors_" + std::to_string(::getpid()));
  ScratchDir() { std::filesystem::create_directories(dir); }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
};

const std::string& scratch_file() {
  static const ScratchDir scratch;
  static const std::string path = (scratch.dir / "model.safetensors").string();
  return path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const r1::SafetensorsLayout layout = r1::parse_safetensors(data, size, "fuzz.safetensors");
    for (const auto& t : layout.tensors) {
      if (t.data < data || t.nbytes > size || t.data + t.nbytes > data + size) std::abort();
    }
  } catch (const r1::Error&) {
  }
  r1::write_file_atomic(scratch_file(), data, size);
  try {
    r1::load_weights(r1::WeightSource::single_file(scratch_file()), model());
  } catch (const r1::Error&) {
  }
  return 0;
}
