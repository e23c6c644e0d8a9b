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
#include <memory>
#include <mutex>
#include <vector>

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

/// The arenas of one model handle. Calls on one handle may run at once, so
/// each plan call leases an arena of its own for its duration: a free one if
/// there is one, else a new one. A handle used from N threads at once ends
/// up holding N arenas, each as large as the largest call it served.
class ArenaPool {
public:
  /// An arena, given back to its pool when the lease ends.
  class Lease {
  public:
    Lease(Lease &&other) noexcept
        : pool_(other.pool_), arena_(std::move(other.arena_)) {}
    Lease &operator=(Lease &&) = delete;
    ~Lease();
    Arena &operator*() { return *arena_; }
    Arena *operator->() { return arena_.get(); }

  private:
    friend class ArenaPool;
    Lease(ArenaPool *pool, std::unique_ptr<Arena> arena)
        : pool_(pool), arena_(std::move(arena)) {}
    ArenaPool *pool_;
    std::unique_ptr<Arena> arena_;
  };

  Lease acquire();
  /// Arenas the pool holds that no lease has (all of them when idle).
  size_t idle() const;
  /// Bytes of all idle arenas.
  size_t idleBytes() const;

private:
  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<Arena>> idle_;
};

} // namespace loom

#endif // LOOM_RUNTIME_ARENA_H
