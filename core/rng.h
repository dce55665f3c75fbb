// Seeded random numbers with independent streams. Rng(seed, stream) is xoshiro256** seeded
// through SplitMix64 from (seed, stream), so work item i can own stream i and the results do
// not depend on how many threads share the work. Integer draws use only integer arithmetic,
// so they are identical on every machine; floating-point draws are exact functions of them.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace r1 {

class Rng {
 public:
  explicit Rng(uint64_t seed = 0, uint64_t stream = 0);

  uint64_t next_u64();
  uint32_t next_u32() { return static_cast<uint32_t>(next_u64() >> 32); }
  // Uniform integer in [0, n), unbiased (Lemire's method). n must be > 0.
  uint64_t below(uint64_t n);
  // Uniform integer in [lo, hi], both inclusive.
  int64_t range(int64_t lo, int64_t hi);
  double uniform();   // [0, 1) with 53 random bits
  float uniformf();   // [0, 1) with 24 random bits
  double normal();    // standard normal (Box-Muller)
  bool bernoulli(double p) { return uniform() < p; }

  // A new generator for a sub-stream, independent of this one and of other ids.
  Rng fork(uint64_t stream_id) const;

  template <typename T>
  void shuffle(std::vector<T>& v) {
    for (size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[below(i)]);
  }

  // The full state, for checkpoints.
  std::array<uint64_t, 4> state() const { return s_; }
  void set_state(const std::array<uint64_t, 4>& s) { s_ = s; }

 private:
  std::array<uint64_t, 4> s_;
};

uint64_t splitmix64(uint64_t& x);
// A stable 64-bit hash of a string (FNV-1a), for deriving stream ids from names.
uint64_t hash64(const std::string& s);

}  // namespace r1
