// The guarded backend, for tests: the CPU backend's ops, on memory from mmap that is kept
// PROT_NONE except while one of the backend's own functions (an op, upload, download, zero,
// copy) runs. Code that reads or writes backend memory from the host directly, as it could not
// on a GPU, dies with SIGSEGV. Single-threaded use only (one test at a time).
#pragma once
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <new>

#include "kernels/backend.h"

namespace r1::test {

// Live allocations: address -> mapped length.
inline std::map<void*, size_t>& guarded_allocations() {
  static std::map<void*, size_t> a;
  return a;
}
inline int g_depth = 0;  // nesting of backend calls (ops may not nest, but copies inside ops could)

inline void protect_all(int prot) {
  for (const auto& [p, bytes] : guarded_allocations()) ASSERT_EQ(mprotect(p, bytes, prot), 0) << std::strerror(errno);
}

// Opens all backend memory for the duration of one backend call.
struct Unlock {
  Unlock() {
    if (g_depth++ == 0) protect_all(PROT_READ | PROT_WRITE);
  }
  ~Unlock() {
    if (--g_depth == 0) protect_all(PROT_NONE);
  }
};

inline size_t page_round(size_t bytes) {
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  return (bytes + page - 1) / page * page;
}

inline void* guarded_alloc(size_t bytes) {
  if (bytes == 0) return nullptr;
  const size_t len = page_round(bytes);
  void* p = mmap(nullptr, len, g_depth > 0 ? PROT_READ | PROT_WRITE : PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  guarded_allocations()[p] = len;  // mmap memory is zero-filled
  return p;
}
inline void guarded_free(void* p) {
  if (!p) return;
  auto it = guarded_allocations().find(p);
  ASSERT_NE(it, guarded_allocations().end()) << "free of memory this backend did not allocate";
  munmap(p, it->second);
  guarded_allocations().erase(it);
}
inline void guarded_zero(void* p, size_t bytes) {
  Unlock u;
  if (bytes) std::memset(p, 0, bytes);
}
inline void guarded_copy(void* dst, const void* src, size_t bytes) {
  Unlock u;
  if (bytes && dst != src) std::memmove(dst, src, bytes);
}

// ---- guarded ops: each one is the CPU op, called with the memory open ----
enum GuardedOpId {
#define R1_OP_ID(name) kGuarded_##name,
  R1_BACKEND_OPS(R1_OP_ID)
#undef R1_OP_ID
  kGuardedOps
};
inline void (*g_orig[kGuardedOps])();

template <int Id, typename R, typename... A>
R guarded_call(A... a) {
  Unlock u;
  return reinterpret_cast<R (*)(A...)>(g_orig[Id])(a...);
}
template <int Id, typename R, typename... A>
void guard(R (*&slot)(A...)) {
  g_orig[Id] = reinterpret_cast<void (*)()>(slot);
  slot = &guarded_call<Id, R, A...>;
}

inline const Backend<float>& guarded_backend() {
  static const Backend<float> b = [] {
    Backend<float> g = cpu_backend<float>();
    g.name = "guarded-cpu";
    g.host_threads = false;  // it stands for a device: one stream of ops, unlocked one at a time
    g.mem.name = "guarded";
    g.mem.host_addressable = false;
    g.mem.alloc = guarded_alloc;
    g.mem.free = guarded_free;
    g.mem.zero = guarded_zero;
    g.mem.upload = guarded_copy;
    g.mem.download = guarded_copy;
    g.mem.copy = guarded_copy;
#define R1_GUARD(name) guard<kGuarded_##name>(g.ops.name);
    R1_BACKEND_OPS(R1_GUARD)
#undef R1_GUARD
    return g;
  }();
  return b;
}

}  // namespace r1::test
