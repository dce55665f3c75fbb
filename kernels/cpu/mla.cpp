#include "kernels/cpu/mla.h"

#include <cstddef>
#include <cstring>

namespace r1::cpu {

template <typename T>
void mla_expand_kv(T* k, T* v, const T* kvb, const T* kpe, int N, int H, int Dn, int Dr, int Dv) {
  const size_t Dqk = static_cast<size_t>(Dn) + Dr;
#pragma omp parallel for if (N > 64)
  for (int n = 0; n < N; ++n) {
    const T* pe = kpe + static_cast<size_t>(n) * Dr;
    for (int h = 0; h < H; ++h) {
      const size_t nh = static_cast<size_t>(n) * H + h;
      const T* src = kvb + nh * (Dn + Dv);
      T* kd = k + nh * Dqk;
      std::memcpy(kd, src, sizeof(T) * Dn);
      std::memcpy(kd + Dn, pe, sizeof(T) * Dr);
      std::memcpy(v + nh * Dv, src + Dn, sizeof(T) * Dv);
    }
  }
}

template <typename T>
void mla_expand_kv_backward(T* dkvb, T* dkpe, const T* dk_all, const T* dv, int N, int H, int Dn, int Dr, int Dv) {
  const size_t Dqk = static_cast<size_t>(Dn) + Dr;
#pragma omp parallel for if (N > 64)
  for (int n = 0; n < N; ++n) {
    T* dpe = dkpe + static_cast<size_t>(n) * Dr;
    std::memset(dpe, 0, sizeof(T) * Dr);
    for (int h = 0; h < H; ++h) {
      const size_t nh = static_cast<size_t>(n) * H + h;
      const T* dk = dk_all + nh * Dqk;
      T* dst = dkvb + nh * (Dn + Dv);
      std::memcpy(dst, dk, sizeof(T) * Dn);
      std::memcpy(dst + Dn, dv + nh * Dv, sizeof(T) * Dv);
      for (int i = 0; i < Dr; ++i) dpe[i] += dk[Dn + i];
    }
  }
}

#define R1_INSTANTIATE(T)                                                                          \
  template void mla_expand_kv<T>(T*, T*, const T*, const T*, int, int, int, int, int);             \
  template void mla_expand_kv_backward<T>(T*, T*, const T*, const T*, int, int, int, int, int);
R1_INSTANTIATE(float)
R1_INSTANTIATE(double)
#undef R1_INSTANTIATE

}  // namespace r1::cpu
