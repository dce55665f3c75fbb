// Our checkpoints as transformers reads them. configs/models/small-moe.json is a DeepSeek-V3
// config; save_model writes it as DeepseekV3ForCausalLM. tools/make_hf_reference.py (export)
// loaded that export with AutoModelForCausalLM and committed transformers' logits for fixed
// sequences under tests/data/hf/small-moe-export/; here the same model, rebuilt from its seed,
// must give the same logits within 1e-4.
//
// Two hooks for that script, off unless their environment variables are set (the tests then
// skip): R1_HF_EXPORT_DIR writes the export, and R1_HF_SCORE_MODEL scores any model folder; both
// write our logits for the sequences in R1_HF_SEQUENCES to R1_HF_LOGITS_OUT.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>

#include "core/rng.h"
#include "model/byte_tokenizer.h"
#include "model/checkpoint.h"
#include "tests/model/hf_test_util.h"

using namespace r1;

namespace {

const char* env(const char* name) {
  const char* v = std::getenv(name);
  return v && *v ? v : nullptr;
}

// small-moe with weights that look trained: matrices N(0, 0.08), wider than the init so that
// logits spread and routing decisions are clear, norm weights away from 1, and a selection bias
// per expert.
std::unique_ptr<Model<float>> trained_looking_small_moe() {
  auto m = std::make_unique<Model<float>>(ModelConfig::load(test::repo_path("configs/models/small-moe.json")));
  m->init_weights(2024);
  const float widen = static_cast<float>(0.08 / m->config().initializer_range);
  Rng rng(2024, 7);
  for (const auto& p : m->table().params()) {
    float* w = m->params() + p.offset;
    for (size_t i = 0; i < p.numel; ++i) {
      w[i] = p.init == ParamInfo::Normal ? w[i] * widen : w[i] + static_cast<float>(0.1 * rng.normal());
    }
  }
  for (int l = 0; l < m->config().num_hidden_layers; ++l) {
    std::vector<float> bias = m->expert_bias(l);
    for (auto& b : bias) b = static_cast<float>(0.05 * rng.normal());
    m->set_expert_bias(l, bias);
  }
  return m;
}

std::vector<std::vector<int32_t>> sequences_from_env() {
  const char* path = env("R1_HF_SEQUENCES");
  if (!path) fail("R1_HF_SEQUENCES is not set");
  return test::reference_sequences(load_json_file(path));
}

}  // namespace

TEST(HfExport, SmallMoeMatchesTransformers) {
  auto m = trained_looking_small_moe();
  const int V = m->config().vocab_size;
  if (const char* out = env("R1_HF_EXPORT_DIR")) {
    save_checkpoint(out, *m, ByteTokenizer());
    test::write_logits(env("R1_HF_LOGITS_OUT"), test::our_logits(*m, sequences_from_env()), V);
    return;
  }
  const std::string dir = test::hf_dir("small-moe-export");
  const json ref = load_json_file(join_path(dir, "reference.json"));
  EXPECT_EQ(ref.at("architecture"), "DeepseekV3ForCausalLM");
  SafetensorsFile want(join_path(dir, "reference.safetensors"));
  const auto seqs = test::reference_sequences(ref);
  const auto logits = test::our_logits(*m, seqs);
  double worst = 0;
  for (size_t i = 0; i < seqs.size(); ++i) {
    const int T = static_cast<int>(seqs[i].size());
    std::vector<float> r(static_cast<size_t>(T) * V);
    want.read_f32(cat("logits.", i), {T, V}, r.data());
    worst = std::max(worst, test::max_abs_diff(logits[i], r.data()));
  }
  EXPECT_LT(worst, 1e-4);
  std::printf("small-moe vs transformers' DeepseekV3ForCausalLM on its export: max |logit diff| %.3g\n", worst);
}

TEST(HfExport, ScoreFolderHook) {
  const char* dir = env("R1_HF_SCORE_MODEL");
  if (!dir) GTEST_SKIP() << "R1_HF_SCORE_MODEL not set (a hook for tools/make_hf_reference.py compare)";
  const auto t0 = std::chrono::steady_clock::now();
  auto m = load_model(dir);
  const double load_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("loaded %s: %zu parameters in %.2f s\n", dir, m->num_params(), load_s);
  if (env("R1_HF_LOGITS_OUT")) {
    test::write_logits(env("R1_HF_LOGITS_OUT"), test::our_logits(*m, sequences_from_env()), m->config().vocab_size);
  }
}
