// A Halide::Runtime::Buffer over caller memory with given extents and strides
// (innermost first): how the kernel check and bench pass strided operands,
// as the Loom runtime does.
#pragma once

#include <HalideBuffer.h>

#include <vector>

template <typename T>
Halide::Runtime::Buffer<T> view(T *data, std::vector<int> extents, std::vector<int> strides) {
  std::vector<halide_dimension_t> dims;
  for (size_t i = 0; i < extents.size(); ++i) dims.push_back({0, extents[i], strides[i], 0});
  return Halide::Runtime::Buffer<T>(data, (int)dims.size(), dims.data());
}
