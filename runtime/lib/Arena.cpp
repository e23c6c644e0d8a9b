//===- Arena.cpp - One aligned allocation for a buffer plan ---------------===//

#include "loom/runtime/Arena.h"

#include <cstdlib>
#include <cstring>
#include <string>

namespace loom {

Arena::Arena(Arena &&other) noexcept : data_(other.data_), capacity_(other.capacity_) {
  other.data_ = nullptr;
  other.capacity_ = 0;
}

Arena &Arena::operator=(Arena &&other) noexcept {
  if (this != &other) {
    std::free(data_);
    data_ = other.data_;
    capacity_ = other.capacity_;
    other.data_ = nullptr;
    other.capacity_ = 0;
  }
  return *this;
}

Arena::~Arena() { std::free(data_); }

Status Arena::reserve(size_t bytes, bool preserve) {
  if (bytes <= capacity_)
    return Status();
  // aligned_alloc wants a multiple of the alignment.
  if (bytes > SIZE_MAX - (kAlignment - 1))
    return Status::outOfMemory("arena: cannot allocate " + std::to_string(bytes) + " bytes");
  size_t rounded = (bytes + kAlignment - 1) / kAlignment * kAlignment;
  auto *block = static_cast<uint8_t *>(std::aligned_alloc(kAlignment, rounded));
  if (!block)
    return Status::outOfMemory("arena: cannot allocate " + std::to_string(rounded) + " bytes");
  if (preserve && capacity_ > 0)
    std::memcpy(block, data_, capacity_);
  std::free(data_);
  data_ = block;
  capacity_ = rounded;
  return Status();
}

void Arena::zero() {
  if (data_)
    std::memset(data_, 0, capacity_);
}

ArenaPool::Lease ArenaPool::acquire() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (idle_.empty())
    return Lease(this, std::make_unique<Arena>());
  // The most recently returned arena: the one most likely still in cache
  // and already as large as the next call needs.
  std::unique_ptr<Arena> arena = std::move(idle_.back());
  idle_.pop_back();
  return Lease(this, std::move(arena));
}

ArenaPool::Lease::~Lease() {
  if (!arena_)
    return; // moved from
  std::lock_guard<std::mutex> lock(pool_->mutex_);
  pool_->idle_.push_back(std::move(arena_));
}

size_t ArenaPool::idle() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return idle_.size();
}

size_t ArenaPool::idleBytes() const {
  std::lock_guard<std::mutex> lock(mutex_);
  size_t bytes = 0;
  for (const std::unique_ptr<Arena> &arena : idle_)
    bytes += arena->capacity();
  return bytes;
}

} // namespace loom
