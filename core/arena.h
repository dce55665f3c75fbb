// Aligned storage. AlignedBuffer<T> owns one 64-byte-aligned array. Arena hands out slices of
// one allocation: a layout function is run once in "plan" mode to measure the bytes it needs,
// the arena allocates exactly that once, and the same function is run again to place buffers.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>
#include <utility>

#include "core/error.h"

namespace r1 {

constexpr size_t kAlign = 64;

inline void* aligned_alloc_bytes(size_t bytes) {
  if (bytes == 0) return nullptr;
  size_t rounded = (bytes + kAlign - 1) / kAlign * kAlign;
  void* p = std::aligned_alloc(kAlign, rounded);
  if (!p) throw std::bad_alloc();
  return p;
}

template <typename T>
class AlignedBuffer {
 public:
  AlignedBuffer() = default;
  explicit AlignedBuffer(size_t n, bool zero = true) { resize(n, zero); }
  ~AlignedBuffer() { std::free(data_); }
  AlignedBuffer(const AlignedBuffer&) = delete;
  AlignedBuffer& operator=(const AlignedBuffer&) = delete;
  AlignedBuffer(AlignedBuffer&& o) noexcept : data_(o.data_), size_(o.size_) {
    o.data_ = nullptr;
    o.size_ = 0;
  }
  AlignedBuffer& operator=(AlignedBuffer&& o) noexcept {
    std::swap(data_, o.data_);
    std::swap(size_, o.size_);
    return *this;
  }

  void resize(size_t n, bool zero = true) {
    std::free(data_);
    data_ = static_cast<T*>(aligned_alloc_bytes(n * sizeof(T)));
    size_ = n;
    if (zero && n) std::memset(static_cast<void*>(data_), 0, n * sizeof(T));
  }
  void zero() {
    if (size_) std::memset(static_cast<void*>(data_), 0, size_ * sizeof(T));
  }
  T* data() { return data_; }
  const T* data() const { return data_; }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  T& operator[](size_t i) { return data_[i]; }
  const T& operator[](size_t i) const { return data_[i]; }
  T* begin() { return data_; }
  T* end() { return data_ + size_; }
  const T* begin() const { return data_; }
  const T* end() const { return data_ + size_; }

 private:
  T* data_ = nullptr;
  size_t size_ = 0;
};

class Arena {
 public:
  using AllocFn = void* (*)(size_t bytes);
  using FreeFn = void (*)(void* p);
  // Where the one allocation comes from: host memory unless a backend's allocator is given
  // (before the first commit).
  void use_allocator(AllocFn alloc, FreeFn free) {
    R1_CHECK(!base_, "arena: allocator changed after its first allocation");
    alloc_ = alloc;
    free_ = free;
  }
  // Plan mode: alloc() only counts bytes and returns nullptr.
  void begin_plan() {
    planning_ = true;
    offset_ = 0;
  }
  // Allocates the planned size (only if it grew) and switches to placing mode.
  void commit() {
    if (offset_ > capacity_) {
      free_(base_);
      base_ = nullptr;
      capacity_ = 0;
      base_ = static_cast<char*>(alloc_(offset_));
      capacity_ = offset_;
    }
    planning_ = false;
    offset_ = 0;
  }
  template <typename T>
  T* alloc(size_t n) {
    size_t bytes = (n * sizeof(T) + kAlign - 1) / kAlign * kAlign;
    size_t at = offset_;
    offset_ += bytes;
    if (planning_) return nullptr;
    R1_CHECK(offset_ <= capacity_, "arena overflow: layout differs from its plan");
    return reinterpret_cast<T*>(base_ + at);
  }
  size_t capacity() const { return capacity_; }
  size_t planned() const { return offset_; }  // bytes measured by the last plan (before commit)
  ~Arena() { free_(base_); }
  Arena() = default;
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;

 private:
  static void free_host(void* p) { std::free(p); }
  AllocFn alloc_ = aligned_alloc_bytes;
  FreeFn free_ = free_host;
  char* base_ = nullptr;
  size_t capacity_ = 0;
  size_t offset_ = 0;
  bool planning_ = false;
};

}  // namespace r1
