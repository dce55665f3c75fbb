// Training end to end on the tiny model: supervised fine-tuning memorises a fixed set of
// sequences, and the aux-loss-free bias balances expert load on skewed data.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "core/error.h"
#include "core/rng.h"
#include "learner/optimizer.h"
#include "model/byte_tokenizer.h"
#include "model/model.h"

using namespace r1;

namespace {

ModelConfig tiny() { return ModelConfig::load(std::string(R1_SOURCE_DIR) + "/configs/models/tiny-moe.json"); }

// One SFT step: mean negative log-likelihood over the scored targets (mask[t] != 0).
double sft_step(Model<float>& m, AdamW& opt, const PackedBatch& batch, const std::vector<char>& mask, double lr) {
  const int N = batch.num_tokens();
  int scored = 0;
  for (int i = 0; i < N; ++i) scored += mask[i] && batch.targets[i] >= 0;
  std::vector<float> lp(N), dlp(N);
  for (int i = 0; i < N; ++i) dlp[i] = mask[i] && batch.targets[i] >= 0 ? -1.0f / scored : 0.0f;
  m.zero_grad();
  m.forward(batch, lp.data());
  m.backward(dlp.data());
  opt.step(m.params(), m.grads(), lr);
  double loss = 0;
  for (int i = 0; i < N; ++i) loss -= dlp[i] != 0 ? lp[i] : 0;
  return loss / scored;
}

double sft_step(Model<float>& m, AdamW& opt, const PackedBatch& batch, double lr) {
  return sft_step(m, opt, batch, std::vector<char>(batch.num_tokens(), 1), lr);
}

}  // namespace

// 64 fixed byte sequences "<answer>a+b=" -> "c</answer><|endoftext|>", trained on the completion
// (as SFT scores completions given prompts) until the mean loss is below 0.05 nats per token:
// the model must memorise or compute all 64 sums.
TEST(Training, SftOn64SequencesReachesLossBelow005) {
  Model<float> m(tiny());
  m.init_weights(1);
  ByteTokenizer tok;
  Rng rng(2);
  PackedBatch batch;
  std::vector<char> mask;
  for (int i = 0; i < 64; ++i) {
    int a = static_cast<int>(rng.range(10, 99)), b = static_cast<int>(rng.range(10, 99));
    auto prompt = tok.encode("<answer>" + std::to_string(a) + "+" + std::to_string(b) + "=");
    auto completion = tok.encode(std::to_string(a + b) + "</answer><|endoftext|>");
    std::vector<int32_t> seq = prompt;
    seq.insert(seq.end(), completion.begin(), completion.end());
    batch.add(seq);
    // Position t predicts token t+1: score the positions whose target is in the completion.
    for (size_t t = 0; t < seq.size(); ++t) mask.push_back(t + 1 >= prompt.size());
  }
  OptimizerConfig oc;
  oc.lr = 1e-2;
  AdamW opt(m.table(), oc);
  double loss = 0, first = 0;
  int step = 0;
  for (; step < 1500; ++step) {
    double lr = oc.lr * std::min(1.0, (step + 1) / 30.0);
    loss = sft_step(m, opt, batch, mask, lr);
    if (step == 0) first = loss;
    if (loss < 0.05) break;
  }
  std::printf("SFT: loss %.3f -> %.4f after %d steps\n", first, loss, step + 1);
  EXPECT_GT(first, 3.0);  // starts near log(264) = 5.6
  EXPECT_LT(loss, 0.05);
}

namespace {

// Trains on sequences built from three distinct tokens, so the router sees almost the same
// inputs everywhere and, unbalanced, sends them to the same experts. Returns the max/mean load
// over the first and the last 10 steps.
std::pair<double, double> skewed_run(double gamma) {
  Model<float> m(tiny());
  m.init_weights(3);
  PackedBatch batch;
  Rng rng(4);
  for (int s = 0; s < 16; ++s) {
    std::vector<int32_t> seq(24);
    for (auto& t : seq) t = static_cast<int32_t>(rng.below(3)) + 'a';
    batch.add(seq);
  }
  OptimizerConfig oc;
  oc.lr = 1e-3;
  AdamW opt(m.table(), oc);
  auto window = [&](int steps) {
    m.reset_expert_load();
    double total = 0;
    for (int i = 0; i < steps; ++i) {
      sft_step(m, opt, batch, oc.lr);
      // The imbalance of this step's routing, then the bias update (which resets counts).
      total += m.load_imbalance();
      m.update_expert_bias(gamma);
    }
    return total / steps;
  };
  double start = window(10);
  window(180);
  double end = window(10);
  return {start, end};
}

}  // namespace

TEST(Training, AuxLossFreeBiasBalancesExpertLoad) {
  auto [start0, end0] = skewed_run(0.0);
  auto [start1, end1] = skewed_run(1e-3);
  std::printf("max/mean expert load: gamma=0: %.2f -> %.2f; gamma=1e-3: %.2f -> %.2f\n", start0, end0, start1, end1);
  EXPECT_GT(start1, 1.3) << "the data must start skewed for this test to mean anything";
  EXPECT_LT(end1, 0.75 * start1) << "gamma > 0 must reduce the imbalance";
  EXPECT_LT(end1, 1.25);
  // Without the bias, training alone may drift the routing a little, but it stays skewed.
  EXPECT_GT(end0, 1.4) << "gamma = 0 must not balance by itself";
  EXPECT_GT(end0, end1 + 0.3);
}

TEST(Training, OptimizerStateRoundTrip) {
  Model<float> m(tiny());
  m.init_weights(1);
  PackedBatch batch;
  batch.add({1, 2, 3, 4, 5});
  AdamW opt(m.table(), OptimizerConfig{});
  sft_step(m, opt, batch, 1e-3);
  std::string path = ::testing::TempDir() + "/r1_opt.safetensors";
  opt.save(path);
  AdamW back(m.table(), OptimizerConfig{});
  back.load(path);
  EXPECT_EQ(back.steps(), 1);
  // Continuing with either gives identical parameters.
  std::vector<float> p0(m.params(), m.params() + m.num_params());
  sft_step(m, opt, batch, 1e-3);
  std::vector<float> a(m.params(), m.params() + m.num_params());
  std::copy(p0.begin(), p0.end(), m.params());
  sft_step(m, back, batch, 1e-3);
  EXPECT_EQ(std::memcmp(a.data(), m.params(), a.size() * sizeof(float)), 0);
}

// A step that would leave weights that are not finite is an error, naming the lr; a gradient that
// is not finite is one before any weight moves.
TEST(Training, AStepToWeightsThatAreNotFiniteIsAnError) {
  Model<float> m(tiny());
  m.init_weights(1);
  PackedBatch batch;
  batch.add({1, 2, 3, 4, 5});
  OptimizerConfig oc;
  oc.weight_decay = 1e300;  // the decoupled decay multiplies the weights by 1 - lr * 1e300
  AdamW opt(m.table(), oc);
  try {
    sft_step(m, opt, batch, 1e-3);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("weights are not finite"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("lr 0.001"), std::string::npos) << e.what();
  }
  Model<float> n(tiny());
  n.init_weights(1);
  AdamW fresh(n.table(), OptimizerConfig{});
  const std::vector<float> before(n.params(), n.params() + n.num_params());
  std::vector<float> grads(n.num_params(), 0.0f);
  grads[7] = std::nanf("");
  EXPECT_THROW(fresh.step(n.params(), grads.data(), 1e-3), Error);
  EXPECT_EQ(std::memcmp(before.data(), n.params(), before.size() * sizeof(float)), 0);
  EXPECT_EQ(fresh.steps(), 0);
}
