//===- View.h - strided buffer views for plan execution ---------*- C++ -*-===//
//
// A View is a loom_kernel buffer at run time: its dims resolved (B, S, T
// bound for the call), outermost first as in the IR type, with element
// strides. Kernel arguments are Views turned into halide_buffer_t
// descriptors (no copies).
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_RUNTIME_VIEW_H
#define LOOM_RUNTIME_VIEW_H

#include <cstdint>

namespace loom {

/// Buffer dims bound per call, as generated code names them.
namespace dims {
constexpr int64_t B = -1, S = -2, T = -3;
} // namespace dims

/// Element types of buffers (both 4 bytes).
enum class Element { f32, i32 };

struct View {
  static constexpr int kMaxRank = 5; // cross_attention's [L, B, H, T, S]
  void *data = nullptr;
  Element element = Element::f32;
  int rank = 0;
  int64_t extent[kMaxRank] = {};
  int64_t stride[kMaxRank] = {}; // in elements
};

} // namespace loom

#endif // LOOM_RUNTIME_VIEW_H
