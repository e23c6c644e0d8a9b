// The dropout mask, the one definition: Philox4x32-10 (Salmon et al.,
// "Parallel random numbers: as easy as 1, 2, 3", SC'11), a counter-based
// generator, so a mask is a pure function of (seed, stream, step, element)
// that forward and backward kernels recompute instead of storing, and that
// no thread count can change.
//
// For the element with row-major index e (in the logical shape its kernel
// documents, KernelAbi.def "Training"):
//   words = philox4x32_10(counter = {lo(e / 4), hi(e / 4), stream, step},
//                         key = {lo(seed), hi(seed)})
//   keep  = words[e % 4] >= threshold(p),  threshold(p) = floor(p * 2^32)
// and a kept value is scaled by 1 / (1 - p) (p in [0, 1)).
//
// The round function is a template over the 32-bit word type, so the Halide
// kernels (U32 = Halide::Expr, see DropoutMask in the generators) and the
// checks' references (U32 = uint32_t) share it. `mulhilo(a, b)` returns
// {hi, lo} of the 64-bit product a * b.
#pragma once

#include <array>
#include <cstdint>

namespace loom::philox {

constexpr uint32_t kMultiplier0 = 0xD2511F53u, kMultiplier1 = 0xCD9E8D57u;
constexpr uint32_t kWeyl0 = 0x9E3779B9u, kWeyl1 = 0xBB67AE85u;  // key bumps
constexpr int kRounds = 10;

template <typename U32, typename MulHiLo>
std::array<U32, 4> philox4x32_10(std::array<U32, 4> c, std::array<U32, 2> k,
                                 MulHiLo mulhilo) {
  for (int round = 0; round < kRounds; ++round) {
    if (round > 0) {
      k[0] = k[0] + U32(kWeyl0);
      k[1] = k[1] + U32(kWeyl1);
    }
    std::array<U32, 2> p0 = mulhilo(U32(kMultiplier0), c[0]);
    std::array<U32, 2> p1 = mulhilo(U32(kMultiplier1), c[2]);
    c = {p1[0] ^ c[1] ^ k[0], p1[1], p0[0] ^ c[3] ^ k[1], p0[1]};
  }
  return c;
}

/// floor(p * 2^32): an element is dropped when its word is below this.
inline uint32_t threshold(float p) { return uint32_t(double(p) * 4294967296.0); }

/// The reference: whether element `e` is kept (plain C++).
inline bool keep(uint64_t seed, int32_t stream, int32_t step, uint64_t e, float p) {
  auto mulhilo = [](uint32_t a, uint32_t b) {
    uint64_t product = uint64_t(a) * b;
    return std::array<uint32_t, 2>{uint32_t(product >> 32), uint32_t(product)};
  };
  uint64_t block = e / 4;
  std::array<uint32_t, 4> words = philox4x32_10<uint32_t>(
      {uint32_t(block), uint32_t(block >> 32), uint32_t(stream), uint32_t(step)},
      {uint32_t(seed), uint32_t(seed >> 32)}, mulhilo);
  return words[e % 4] >= threshold(p);
}

}  // namespace loom::philox
