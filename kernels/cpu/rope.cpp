#include "kernels/cpu/rope.h"

#include <cmath>

#include "core/error.h"

namespace r1::cpu {

template <typename T>
RopeTable<T>::RopeTable(int max_pos_, int head_dim, double theta) : max_pos(max_pos_), half(head_dim / 2) {
  R1_CHECK(head_dim % 2 == 0, "rope needs an even head_dim, got ", head_dim);
  cos.resize(static_cast<size_t>(max_pos) * half);
  sin.resize(static_cast<size_t>(max_pos) * half);
  for (int p = 0; p < max_pos; ++p) {
    for (int i = 0; i < half; ++i) {
      double inv_freq = 1.0 / std::pow(theta, (2.0 * i) / head_dim);
      double a = p * inv_freq;
      cos[static_cast<size_t>(p) * half + i] = static_cast<T>(std::cos(a));
      sin[static_cast<size_t>(p) * half + i] = static_cast<T>(std::sin(a));
    }
  }
}

namespace {
template <typename T>
void rotate(T* x, const int32_t* pos, int N, int H, int D, const T* cos, const T* sin, int max_pos, RopeLayout layout,
            T sign) {
  const int half = D / 2;
  const size_t stride = layout.stride > 0 ? static_cast<size_t>(layout.stride) : static_cast<size_t>(D);
  // Element i of a pair (a = v[ia], b = v[ib]) rotates by angle i.
  const int step = layout.interleaved ? 2 : 1, partner = layout.interleaved ? 1 : half;
#pragma omp parallel for if (N * H > 256)
  for (int n = 0; n < N; ++n) {
    R1_CHECK(pos[n] >= 0 && pos[n] < max_pos, "position ", pos[n], " outside the rope table (", max_pos, ")");
    const T* c = cos + static_cast<size_t>(pos[n]) * half;
    const T* s = sin + static_cast<size_t>(pos[n]) * half;
    for (int h = 0; h < H; ++h) {
      T* v = x + (static_cast<size_t>(n) * H + h) * stride;
      for (int i = 0; i < half; ++i) {
        T& a = v[i * step];
        T& b = v[i * step + partner];
        const T a0 = a, b0 = b, si = sign * s[i];
        a = a0 * c[i] - b0 * si;
        b = b0 * c[i] + a0 * si;
      }
    }
  }
}
}  // namespace

template <typename T>
void rope_forward(T* x, const int32_t* pos, int N, int H, int D, const RopeTable<T>& table, RopeLayout layout) {
  R1_CHECK(D / 2 == table.half, "rope table built for head size ", 2 * table.half, ", applied to ", D);
  rotate(x, pos, N, H, D, table.cos.data(), table.sin.data(), table.max_pos, layout, T(1));
}

template <typename T>
void rope_forward(T* x, const int32_t* pos, int N, int H, int D, const T* cos, const T* sin, int max_pos,
                  RopeLayout layout) {
  rotate(x, pos, N, H, D, cos, sin, max_pos, layout, T(1));
}

template <typename T>
void rope_backward(T* dx, const int32_t* pos, int N, int H, int D, const T* cos, const T* sin, int max_pos,
                   RopeLayout layout) {
  rotate(dx, pos, N, H, D, cos, sin, max_pos, layout, T(-1));
}

template <typename T>
void rope_backward(T* dx, const int32_t* pos, int N, int H, int D, const RopeTable<T>& table, RopeLayout layout) {
  R1_CHECK(D / 2 == table.half, "rope table built for head size ", 2 * table.half, ", applied to ", D);
  rotate(dx, pos, N, H, D, table.cos.data(), table.sin.data(), table.max_pos, layout, T(-1));
}

template struct RopeTable<float>;
template struct RopeTable<double>;
template void rope_forward<float>(float*, const int32_t*, int, int, int, const RopeTable<float>&, RopeLayout);
template void rope_forward<double>(double*, const int32_t*, int, int, int, const RopeTable<double>&, RopeLayout);
template void rope_backward<float>(float*, const int32_t*, int, int, int, const RopeTable<float>&, RopeLayout);
template void rope_backward<double>(double*, const int32_t*, int, int, int, const RopeTable<double>&, RopeLayout);
#define R1_INSTANTIATE(T)                                                                                  \
  template void rope_forward<T>(T*, const int32_t*, int, int, int, const T*, const T*, int, RopeLayout);  \
  template void rope_backward<T>(T*, const int32_t*, int, int, int, const T*, const T*, int, RopeLayout);
R1_INSTANTIATE(float)
R1_INSTANTIATE(double)
#undef R1_INSTANTIATE

}  // namespace r1::cpu
