// The device sampler's kept set (kernels/cuda/sampling_select.h), on the CPU: the thresholds it
// finds by bisection keep exactly the tokens the CPU sampler keeps (kernels/cpu/sampling.cpp:
// top-k, then the smallest head of the sorted weights reaching top_p), for rows without ties.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <vector>

#include "core/rng.h"
#include "kernels/cpu/sampling.h"
#include "kernels/cuda/sampling_select.h"

using namespace r1;

namespace {

// Weights as the kernel computes them, and its row statistics as a loop.
struct HostRow {
  std::vector<float> w;
  int calls = 0;
  cuda::KeptStats operator()(float tau) {
    ++calls;
    cuda::KeptStats s;
    for (float x : w)
      if (x >= tau) s.count += 1, s.mass += x;
    return s;
  }
};

HostRow weights(const std::vector<float>& logits, double temperature) {
  const float m = *std::max_element(logits.begin(), logits.end()),
              inv_t = static_cast<float>(1.0 / temperature);
  HostRow r;
  for (float x : logits) r.w.push_back(std::exp((x - m) * inv_t));
  return r;
}

// The CPU sampler's kept set, by its definition: sort by weight (largest first), keep k, then
// the shortest head whose sum reaches top_p of the kept (top-k) or whole mass.
std::set<int> cpu_kept(const std::vector<float>& w, int top_k, double top_p) {
  std::vector<int> order(w.size());
  for (size_t i = 0; i < w.size(); ++i) order[i] = static_cast<int>(i);
  std::sort(order.begin(), order.end(), [&](int a, int b) { return w[a] > w[b]; });
  const int V = static_cast<int>(w.size());
  int keep = top_k > 0 && top_k < V ? top_k : V;
  if (top_p < 1.0) {
    double base = 0, acc = 0;
    for (int i = 0; i < (top_k > 0 ? keep : V); ++i) base += w[order[i]];
    for (int i = 0; i < keep; ++i) {
      acc += w[order[i]];
      if (acc >= top_p * base) {
        keep = i + 1;
        break;
      }
    }
  }
  return std::set<int>(order.begin(), order.begin() + keep);
}

}  // namespace

TEST(SamplingSelect, ThresholdsKeepTheCpuSamplersSet) {
  Rng rng(5);
  int cases = 0;
  for (int V : {2, 7, 50, 1000, 20000}) {
    for (double t : {1.0, 0.6, 1.7}) {
      std::vector<float> logits(V);
      for (auto& x : logits) x = static_cast<float>(rng.normal() * 2.0);
      HostRow row = weights(logits, t);
      const std::set<float> distinct(row.w.begin(), row.w.end());
      if (distinct.size() != row.w.size())
        continue;  // ties: the CPU breaks them by id, this keeps them whole
      float total = 0;
      for (float x : row.w) total += x;
      for (int top_k : {0, 1, 3, V / 2}) {
        for (double top_p : {1.0, 0.95, 0.75, 0.3, 0.01}) {
          SCOPED_TRACE(testing::Message() << "V " << V << " temperature " << t << " top_k " << top_k
                                          << " top_p " << top_p);
          row.calls = 0;
          const float tau = cuda::kept_threshold(row, V, top_k, static_cast<float>(top_p), total);
          std::set<int> kept;
          for (int v = 0; v < V; ++v)
            if (row.w[v] >= tau) kept.insert(v);
          EXPECT_EQ(kept, cpu_kept(row.w, top_k, top_p));
          EXPECT_LE(row.calls,
                    2 * 32 + 1);  // two bisections over 31 bits at most, and the top-k mass
          ++cases;
        }
      }
    }
  }
  EXPECT_GE(cases, 200);
}

// The definition above is the CPU sampler's: every token it draws is in the set, and with enough
// draws from a small row, every token of the set is drawn.
TEST(SamplingSelect, TheCpuSamplerDrawsExactlyThatSet) {
  const std::vector<float> logits = {1.0f, 2.5f, 0.0f, 2.0f, -1.0f, 1.5f, 0.7f};
  std::vector<std::pair<float, int32_t>> scratch;
  for (int top_k : {0, 2, 4}) {
    for (double top_p : {1.0, 0.8, 0.5}) {
      cpu::SamplingSpec spec;
      spec.temperature = 0.9;
      spec.top_k = top_k;
      spec.top_p = top_p;
      HostRow row = weights(logits, spec.temperature);
      const std::set<int> want = cpu_kept(row.w, top_k, top_p);
      float total = 0;
      for (float x : row.w) total += x;
      const float tau = cuda::kept_threshold(row, 7, top_k, static_cast<float>(top_p), total);
      Rng rng(9);
      std::set<int> drawn;
      for (int i = 0; i < 5000; ++i) {
        float lp;
        drawn.insert(cpu::sample_token(logits.data(), 7, spec, rng, &lp, scratch));
      }
      EXPECT_EQ(drawn, want) << "top_k " << top_k << " top_p " << top_p;
      for (int v : want) EXPECT_GE(row.w[v], tau);
    }
  }
}
