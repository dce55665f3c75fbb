// Helpers for the Hugging Face reference tests: the committed dumps of tools/make_hf_reference.py
// under tests/data/hf/, and our logits for their token sequences.
#pragma once
#include <string>
#include <vector>

#include "core/fs.h"
#include "core/json.h"
#include "core/safetensors.h"
#include "model/model.h"
#include "tests/common/model_test_util.h"

namespace r1::test {

inline std::string hf_dir(const std::string& name) { return repo_path("tests/data/hf/" + name); }

inline std::vector<std::vector<int32_t>> reference_sequences(const json& ref) {
  std::vector<std::vector<int32_t>> seqs;
  for (const auto& s : ref.at("sequences")) seqs.push_back(s.get<std::vector<int32_t>>());
  return seqs;
}

// Our logits (T, V) for each sequence, from one packed training-path forward.
inline std::vector<std::vector<float>> our_logits(Model<float>& m, const std::vector<std::vector<int32_t>>& seqs,
                                                  std::vector<float>* logprobs = nullptr) {
  PackedBatch b;
  for (const auto& s : seqs) b.add(s);
  std::vector<float> lp(b.num_tokens());
  m.forward(b, lp.data());
  const size_t V = m.config().vocab_size;
  std::vector<std::vector<float>> out;
  for (size_t i = 0; i < seqs.size(); ++i) {
    const float* row = m.logits() + static_cast<size_t>(b.cu_seqlens[i]) * V;
    out.emplace_back(row, row + seqs[i].size() * V);
  }
  if (logprobs) *logprobs = lp;
  return out;
}

// Writes logits.{i} (T, V) for each sequence: what tools/make_hf_reference.py compares.
inline void write_logits(const std::string& path, const std::vector<std::vector<float>>& logits, int V) {
  SafetensorsWriter w;
  for (size_t i = 0; i < logits.size(); ++i) {
    w.add_f32(cat("logits.", i), {static_cast<int64_t>(logits[i].size() / V), V}, logits[i].data());
  }
  w.write(path);
}

inline double max_abs_diff(const std::vector<float>& a, const float* b) {
  double worst = 0;
  for (size_t i = 0; i < a.size(); ++i) worst = std::max(worst, static_cast<double>(std::fabs(a[i] - b[i])));
  return worst;
}

}  // namespace r1::test
