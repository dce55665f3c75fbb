// Whole-model gradient checks in double precision, on tiny-moe (Multi-head Latent Attention) and
// on variants covering the other attention and routing paths. Loss = sum_t R[t] * logprob[t]
// for random R, so dL/dlogprob = R. Every parameter tensor (embedding, attention, q/k-norm, dense
// FFN, router, routed and shared experts, final norm, LM head) is compared entry by entry
// (up to 24 evenly spread entries each) with central differences, h = 1e-5.
// Tolerance: rtol 1e-5, atol 1e-10. In double the O(h^2) truncation and rounding errors are
// ~1e-9 relative, so 1e-5 leaves margin for the deeper composition while any wrong term in a
// backward formula gives errors of order 1. Entries whose +-h step flips a top-k routing
// decision are skipped (the loss is not differentiable there) and counted.
#include <gtest/gtest.h>

#include "model/model.h"
#include "tests/common/model_test_util.h"
#include "tests/kernels/fd.h"

using namespace r1;

namespace {

// atol: central differences of a loss of ~20 carry ~2e-10 of rounding noise (20 * 1e-16 / h),
// more on CPUs whose BLAS rounds differently (3.5e-10 seen on an AMD EPYC without AVX-512, where
// 1e-10 failed); 1e-9 sits above that noise and far below any wrong backward term.
void run_grad_check(ModelConfig cfg, const std::string& label, double temperature = 1.0,
                    double atol = 1e-9) {
  Model<double> m(cfg);
  m.init_weights(7);
  // Larger weights than the 0.02 default make every path matter to the loss.
  double* p = m.params();
  Rng rng(99);
  for (const auto& info : m.table().params()) {
    if (info.init == ParamInfo::Normal) {
      for (size_t i = 0; i < info.numel; ++i) p[info.offset + i] = rng.normal() * 0.3;
    } else {
      for (size_t i = 0; i < info.numel; ++i) p[info.offset + i] += rng.normal() * 0.1;
    }
  }
  for (int l = 0; l < cfg.num_hidden_layers; ++l) {
    std::vector<float> bias = m.expert_bias(l);
    for (auto& b : bias) b = static_cast<float>(rng.normal() * 0.05);
    m.set_expert_bias(l, bias);
  }
  PackedBatch batch = test::random_batch({5, 1, 8, 3}, cfg.vocab_size, 3);
  const int N = batch.num_tokens();
  auto R = test::randn(N, 4);
  std::vector<double> lp(N);
  m.forward(batch, lp.data(), temperature);
  const std::vector<int32_t> routing0 = m.last_routing();
  m.zero_grad();
  m.backward(R.data());
  std::vector<double> analytic(m.grads(), m.grads() + m.num_params());

  int skipped = 0;
  for (const auto& info : m.table().params()) {
    std::vector<double> x(p + info.offset, p + info.offset + info.numel);
    std::vector<double> g(analytic.begin() + info.offset,
                          analytic.begin() + info.offset + info.numel);
    auto loss = [&] {
      std::copy(x.begin(), x.end(), p + info.offset);
      m.forward(batch, lp.data(), temperature);
      return test::dot(lp, R);
    };
    auto flipped = test::routing_flip_probe(m, x, loss, routing0, skipped);
    test::check_gradient(label + ":" + info.name, x, g, loss, 1e-5, atol, 24, 1e-5, flipped);
    std::copy(x.begin(), x.end(), p + info.offset);
  }
  std::printf("%s: %zu tensors checked, %d entries skipped for routing flips\n", label.c_str(),
              m.table().params().size(), skipped);
  EXPECT_LT(skipped, 20);
}

}  // namespace

// tiny-moe: Multi-head Latent Attention with q_proj, interleaved RoPE, sigmoid routing with the
// selection bias, a dense first block and a shared expert.
TEST(ModelGrad, TinyMoeEveryTensor) {
  run_grad_check(test::tiny_config(), "tiny-moe");
}

// MLA with the low-rank query path (q_a_proj, q_a_layernorm, q_b_proj), rotate-half RoPE,
// v_head_dim != qk head size, group-limited routing and tied embeddings.
TEST(ModelGrad, MlaQueryLoraGroupsTied) {
  ModelConfig c = test::tiny_config();
  c.q_lora_rank = 12;
  c.rope_interleave = false;
  c.qk_nope_head_dim = 6;
  c.v_head_dim = 10;
  c.n_group = 2;
  c.topk_group = 1;
  c.routed_scaling_factor = 1.5;
  c.tie_word_embeddings = true;
  run_grad_check(c, "mla-variant", 0.7);  // log-probs at temperature 0.7, as GRPO uses them
}

// Grouped-query attention with q/k-norm, softmax routing (Qwen3-MoE layout). Without a shared
// expert some routed-expert gradients are ~1e-6, which the atol above still covers.
TEST(ModelGrad, GqaQkNormSoftmax) {
  run_grad_check(test::tiny_gqa_config(), "gqa-qknorm");
}

// Grouped-query attention with q/k/v biases and no q/k-norm (Qwen2 attention) under a
// renormalisation-free softmax router with groups.
TEST(ModelGrad, GqaBiasesSoftmaxGroups) {
  ModelConfig c = test::tiny_gqa_config();
  c.model_type = "r1_moe";
  c.qk_norm = false;
  c.attention_bias = true;
  c.norm_topk_prob = false;
  c.routed_scaling_factor = 1.5;
  c.n_group = 2;
  c.topk_group = 1;
  c.n_shared_experts = 1;
  c.tie_word_embeddings = true;
  c.mlp_only_layers.clear();
  run_grad_check(c, "gqa-variant", 0.7);
}

// Shared-prefix packing (PackedBatch::add_after): a prompt packed once with three completions
// behind it gives the same completion log-probs and the same gradient of every parameter as
// the three prompt + completion sequences packed whole. Loss weights sit on completion tokens
// only (the prompt's own next-token log-probs are not part of the shared layout).
TEST(ModelSharedPrefix, SameLogprobsAndGradientsAsWholeSequences) {
  for (const auto& [cfg, label] :
       {std::pair{test::tiny_config(), "mla"}, std::pair{test::tiny_gqa_config(), "gqa"}}) {
    SCOPED_TRACE(label);
    Model<double> m(cfg);
    m.init_weights(11);
    Rng rng(5);
    double* p = m.params();
    for (size_t i = 0; i < m.num_params(); ++i) p[i] += rng.normal() * 0.1;
    const std::vector<int32_t> prompt = {3, 9, 4, 1, 7, 2};
    const std::vector<std::vector<int32_t>> comps = {{5, 8, 6, 2}, {1}, {9, 9, 3, 4, 7, 1, 2}};
    const std::vector<int32_t> other = {6, 5, 4};  // a sequence without a prefix, in between
    PackedBatch whole, shared;
    shared.add(std::vector<int32_t>(prompt.begin(), prompt.end() - 1));
    shared.add(other);
    whole.add(other);
    std::vector<std::pair<int, int>> spans_whole, spans_shared;  // (offset, length)
    for (const auto& c : comps) {
      std::vector<int32_t> full = prompt, tail = {prompt.back()};
      full.insert(full.end(), c.begin(), c.end());
      tail.insert(tail.end(), c.begin(), c.end());
      spans_whole.push_back(
          {whole.num_tokens() + static_cast<int>(prompt.size()) - 1, static_cast<int>(c.size())});
      whole.add(full);
      spans_shared.push_back({shared.num_tokens(), static_cast<int>(c.size())});
      shared.add_after(0, tail);
    }
    auto R = test::randn(64, 8);
    auto run = [&](const PackedBatch& b, const std::vector<std::pair<int, int>>& spans,
                   std::vector<double>& lp_out) {
      std::vector<double> lp(b.num_tokens()), w(b.num_tokens(), 0.0);
      int r = 0;
      for (auto [off, len] : spans)
        for (int t = 0; t < len; ++t) w[off + t] = R[r++];
      m.forward(b, lp.data(), 1.0);
      m.zero_grad();
      m.backward(w.data());
      lp_out.clear();
      for (auto [off, len] : spans)
        lp_out.insert(lp_out.end(), lp.begin() + off, lp.begin() + off + len);
      return std::vector<double>(m.grads(), m.grads() + m.num_params());
    };
    std::vector<double> lp_w, lp_s;
    const auto g_w = run(whole, spans_whole, lp_w);
    const auto g_s = run(shared, spans_shared, lp_s);
    ASSERT_EQ(lp_w.size(), lp_s.size());
    for (size_t i = 0; i < lp_w.size(); ++i) ASSERT_NEAR(lp_s[i], lp_w[i], 1e-12) << "token " << i;
    double scale = 0;
    for (double g : g_w) scale = std::max(scale, std::abs(g));
    ASSERT_GT(scale, 1e-3);
    for (size_t i = 0; i < g_w.size(); ++i)
      ASSERT_NEAR(g_s[i], g_w[i], 1e-11 * scale) << "param " << i;
  }
}

// Training's LM head in row chunks (Model::kHeadLogitsValues, lowered here so that a tiny model
// needs 5 chunks): the log-probs, the entropy and every gradient equal the one-piece head's, up
// to the GEMM's summation order on fewer rows.
TEST(ModelHead, ChunkedLogitsGiveTheSameLogprobsEntropyAndGradients) {
  for (const auto& [name, cfg] :
       {std::pair<std::string, ModelConfig>{"tiny-moe", test::tiny_config()},
        {"tiny-gqa", test::tiny_gqa_config()}}) {
    SCOPED_TRACE(name);
    PackedBatch batch = test::random_batch({7, 1, 12, 30, 5}, cfg.vocab_size, 23);
    const int N = batch.num_tokens();
    auto pass = [&](size_t head_values) {
      Model<float> m(cfg);
      m.init_weights(17);
      m.set_head_logits_values(head_values);
      std::vector<float> lp(N), ent(N), d(N);
      for (int i = 0; i < N; ++i) d[i] = 0.05f * static_cast<float>(i % 7) - 0.1f;
      m.zero_grad();
      m.forward(batch, lp.data(), 0.8);
      m.token_entropy(ent.data());
      m.backward(d.data());
      std::vector<float> g(m.grads(), m.grads() + m.num_params());
      return std::make_tuple(lp, ent, g, m.head_rows(N));
    };
    const auto [lp1, ent1, g1, rows1] = pass(Model<float>::kHeadLogitsValues);
    const auto [lp5, ent5, g5, rows5] =
        pass(static_cast<size_t>(cfg.vocab_size) * 12);  // 12 rows a chunk
    ASSERT_EQ(rows1, N);
    ASSERT_EQ(rows5, 12);
    auto close = [](const std::vector<float>& a, const std::vector<float>& b, double tol) {
      double num = 0, den = 0;
      for (size_t i = 0; i < a.size(); ++i)
        num += double(a[i] - b[i]) * (a[i] - b[i]), den += double(b[i]) * b[i];
      return std::sqrt(num) <= tol * std::sqrt(den);
    };
    EXPECT_TRUE(close(lp5, lp1, 1e-6));
    EXPECT_TRUE(close(ent5, ent1, 1e-6));
    EXPECT_TRUE(close(g5, g1, 1e-5));
  }
}

// Chunked, the N x V logits are not kept: asking for them is an error that says why.
TEST(ModelHead, LogitsOfAChunkedHeadAreRefused) {
  const ModelConfig cfg = test::tiny_config();
  Model<float> m(cfg);
  m.init_weights(1);
  m.set_head_logits_values(static_cast<size_t>(cfg.vocab_size) * 4);
  PackedBatch batch = test::random_batch({9, 6}, cfg.vocab_size, 2);
  std::vector<float> lp(batch.num_tokens());
  m.forward(batch, lp.data());
  try {
    m.logits();
    FAIL() << "logits() of a chunked head";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("chunks"), std::string::npos) << e.what();
  }
}

// backward() runs the head in the chunks forward() used, even if the budget changed in between.
TEST(ModelHead, BackwardUsesTheChunksOfItsForward) {
  const ModelConfig cfg = test::tiny_config();
  PackedBatch batch = test::random_batch({9, 6, 20}, cfg.vocab_size, 4);
  const int N = batch.num_tokens();
  auto grads = [&](bool change) {
    Model<float> m(cfg);
    m.init_weights(3);
    m.set_head_logits_values(static_cast<size_t>(cfg.vocab_size) * 8);
    std::vector<float> lp(N), d(N, 0.1f);
    m.zero_grad();
    m.forward(batch, lp.data());
    if (change) m.set_head_logits_values(Model<float>::kHeadLogitsValues);
    m.backward(d.data());
    return std::vector<float>(m.grads(), m.grads() + m.num_params());
  };
  EXPECT_EQ(grads(true), grads(false));
}

// Sequences sampled at temperatures of their own (PackedBatch::temperature: self-play's
// proposals are sampled cooler than its solutions): in one batch, each sequence's log-probs and
// its share of every gradient are those of a forward of it alone at its temperature; 0 leaves a
// sequence at the forward's. With the head in chunks of 5 rows, runs of rows cross chunks.
TEST(ModelTemperature, EachSequenceAtItsOwnTemperature) {
  const ModelConfig cfg = test::tiny_config();
  Model<double> m(cfg);
  m.init_weights(13);
  Rng rng(8);
  double* p = m.params();
  for (size_t i = 0; i < m.num_params(); ++i) p[i] += rng.normal() * 0.1;
  m.set_head_logits_values(static_cast<size_t>(cfg.vocab_size) * 5);
  const std::vector<std::vector<int32_t>> seqs = {
      {3, 9, 4, 1, 7, 2, 8}, {5, 8}, {6, 5, 4, 2, 1, 9, 3, 3, 2}, {7, 1, 2, 5}};
  const std::vector<float> own = {0.5f, 0.0f, 2.0f, 0.5f};
  const double forward_temperature = 0.8;
  PackedBatch batch;
  for (const auto& s : seqs) batch.add(s);
  batch.temperature = own;
  const int N = batch.num_tokens();
  const auto R = test::randn(N, 21);
  std::vector<double> lp(N);
  m.forward(batch, lp.data(), forward_temperature);
  m.zero_grad();
  m.backward(R.data());
  const std::vector<double> g(m.grads(), m.grads() + m.num_params());

  m.zero_grad();  // the sequences one at a time, their gradients added up
  int offset = 0;
  for (size_t s = 0; s < seqs.size(); ++s) {
    PackedBatch one;
    one.add(seqs[s]);
    const int n = one.num_tokens();
    std::vector<double> lp1(n);
    m.forward(one, lp1.data(), own[s] > 0 ? own[s] : forward_temperature);
    for (int t = 0; t < n; ++t) ASSERT_NEAR(lp[offset + t], lp1[t], 1e-12) << s << " " << t;
    m.backward(R.data() + offset);
    offset += n;
  }
  double scale = 0;
  for (double x : g) scale = std::max(scale, std::abs(x));
  ASSERT_GT(scale, 1e-3);
  for (size_t i = 0; i < g.size(); ++i) ASSERT_NEAR(m.grads()[i], g[i], 1e-11 * scale) << i;

  // The temperatures differ: at the forward's temperature alone the log-probs are others.
  std::vector<double> plain(N);
  PackedBatch untempered = batch;
  untempered.temperature.clear();
  m.forward(untempered, plain.data(), forward_temperature);
  EXPECT_GT(std::abs(plain[0] - lp[0]), 1e-6);

  PackedBatch bad = batch;
  bad.temperature = {0.5f};
  EXPECT_THROW(m.forward(bad, lp.data()), Error);
  bad.temperature = {0.5f, -1.0f, 1.0f, 1.0f};
  EXPECT_THROW(m.forward(bad, lp.data()), Error);
}
