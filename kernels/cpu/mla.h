// Multi-head Latent Attention's expansion from the latent projections to per-head keys and
// values (DeepSeek-V3; see model/attention_mla.cpp for the whole projection):
//   k (N, H, Dn + Dr): head h is [kvb[n, h, :Dn] | kpe[n]]  (one rope key shared by every head)
//   v (N, H, Dv):      head h is kvb[n, h, Dn:]
// from kvb (N, H, Dn + Dv) and kpe (N, Dr). Backward writes dkvb and dkpe (the sum over heads of
// the rope part of dk).
#pragma once

namespace r1::cpu {

template <typename T>
void mla_expand_kv(T* k, T* v, const T* kvb, const T* kpe, int N, int H, int Dn, int Dr, int Dv);

template <typename T>
void mla_expand_kv_backward(T* dkvb, T* dkpe, const T* dk, const T* dv, int N, int H, int Dn, int Dr, int Dv);

}  // namespace r1::cpu
