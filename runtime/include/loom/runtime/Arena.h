//===- Arena.h - One aligned allocation for a buffer plan -------*- C++ -*-===//
//
// A planned function's scratch buffers all live in one block
// (--loom-plan-buffers gives each an offset in row units or bytes; runPlan
// turns those into addresses for the call's batch and lengths); the Arena is
// that block. It grows (reallocates) when a call with a larger batch or
// sequence length needs more bytes than it has.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_RUNTIME_ARENA_H
#define LOOM_RUNTIME_ARENA_H

#include "loom/runtime/Status.h"

#include <cstddef>
#include <cstdint>

namespace loom {

class Arena {
public:
  static constexpr size_t kAlignment = 64;

  Arena() = default;
  Arena(Arena &&other) noexcept;
  Arena &operator=(Arena &&other) noexcept;
  Arena(const Arena &) = delete;
  Arena &operator=(const Arena &) = delete;
  ~Arena();

  /// Makes capacity() >= bytes. Growing allocates a new 64-byte-aligned block;
  /// the old contents are copied only if `preserve` (plans normally rewrite
  /// every buffer). Never shrinks. LOOM_ERROR_OUT_OF_MEMORY if the allocation
  /// fails (the arena is then unchanged).
  Status reserve(size_t bytes, bool preserve = false);

  /// Sets the first capacity() bytes to zero.
  void zero();

  size_t capacity() const { return capacity_; }
  void *data() { return data_; }
  const void *data() const { return data_; }

  /// The float at byte `offset` (a multiple of 4, below capacity()).
  float *at(size_t offset) { return reinterpret_cast<float *>(data_ + offset); }
  const float *at(size_t offset) const { return reinterpret_cast<const float *>(data_ + offset); }

  /// A T* at byte `offset` (aligned for T, below capacity()).
  template <typename T>
  T *as(size_t offset) {
    return reinterpret_cast<T *>(data_ + offset);
  }

private:
  uint8_t *data_ = nullptr;
  size_t capacity_ = 0;
};

} // namespace loom

#endif // LOOM_RUNTIME_ARENA_H
