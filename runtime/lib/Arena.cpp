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

} // namespace loom
