// The dropout mask (Philox.h; KernelAbi.def "Training") as Halide Funcs, for
// the kernels that apply or undo a dropout over the rows of a logical [M, W]
// tensor (element index m * W + c).
//
// Philox4x32-10 gives 4 words per counter block (elements 4j .. 4j + 3), and
// one block costs 20 32x32 -> 64-bit multiplies, so each block is computed
// once, not once per element: `blockWords(j, m)` is the Tuple of the 4 words
// of the j-th block that row m touches, vectorised over j; `words(t, m)`
// lays them out in element order (t = the element's offset from the first
// block's start), so a consumer vectorised along the row reads them with one
// dense load. Usage:
//
//   RowDropoutMask mask(dropout, rng_seed, rng_stream, rng_step, W);
//   y(c, m) = x(c, m) * mask.factor(c, m);
//   mask.computeAt(y, rowLoop, vectorWidth);  // per row, before the row's vectors
#pragma once

#include "Philox.h"

#include <Halide.h>

#include <array>

namespace loom::halide {

class RowDropoutMask {
public:
  /// The mask of a row-major [*, width] tensor; `probability`, `seed`,
  /// `stream` and `step` are the kernel's dropout scalars.
  RowDropoutMask(Halide::Expr probability, Halide::Expr seed, Halide::Expr stream,
              Halide::Expr step, Halide::Expr width)
      : blockWords_("dropout_block_words"), words_("dropout_words"), width_(width) {
    using namespace Halide;
    // Row m starts at element m * width: its first block (m * width) / 4 as 64
    // bits, and the offset s(m) = (m * width) % 4 of its first element in
    // that block (the low bits of a wrapping 32-bit product).
    Expr rowStart = cast<uint64_t>(m_) * cast<uint64_t>(width);
    Expr firstBlock = rowStart >> 2;
    Expr lo0 = cast<uint32_t>(firstBlock), hi0 = cast<uint32_t>(firstBlock >> 32);
    Expr jj = cast<uint32_t>(j_);
    Expr lo = lo0 + jj;
    Expr hi = hi0 + select(lo < jj, Expr(uint32_t(1)), Expr(uint32_t(0)));  // the carry
    auto mulhilo = [](Expr a, Expr b) {
      // hi: Halide lowers the widening multiply's high half to two vpmuludq
      // (even and odd lanes) and a shuffle; lo: one vpmulld.
      Expr hiWord = cast<uint32_t>((cast<uint64_t>(a) * cast<uint64_t>(b)) >> 32);
      return std::array<Expr, 2>{hiWord, a * b};
    };
    std::array<Expr, 4> w = loom::philox::philox4x32_10<Expr>(
        {lo, hi, cast<uint32_t>(stream), cast<uint32_t>(step)},
        {cast<uint32_t>(seed), cast<uint32_t>(seed >> 32)}, mulhilo);
    blockWords_(j_, m_) = Tuple(w[0], w[1], w[2], w[3]);
    Expr t = t_;
    words_(t_, m_) = mux(t % 4, {blockWords_(t / 4, m_)[0], blockWords_(t / 4, m_)[1],
                                 blockWords_(t / 4, m_)[2], blockWords_(t / 4, m_)[3]});
    // threshold(p) = floor(p 2^32) and the scale 1 / (1 - p), both in double
    // as the reference computes them (Philox.h), once per call.
    threshold_ = cast<uint32_t>(cast<double>(probability) * Expr(4294967296.0));
    scale_ = cast<float>(Expr(1.0) / (Expr(1.0) - cast<double>(probability)));
  }

  /// Whether element (c, m) is kept.
  Halide::Expr keep(Halide::Expr c, Halide::Expr m) const {
    return words_(shift(m) + c, m) >= threshold_;
  }

  /// 1 / (1 - p) where element (c, m) is kept, else 0: the factor PyTorch's
  /// dropout multiplies by (a dropped NaN or Inf stays NaN: NaN * 0).
  Halide::Expr factor(Halide::Expr c, Halide::Expr m) const {
    return Halide::select(keep(c, m), scale_, 0.0f);
  }

  /// Computes the words for one row (or tile row) of the consumer at `at`:
  /// the blocks vectorised over j, the words in element order (their bounds
  /// aligned to whole blocks, so each vector of them is 4 blocks' words).
  /// Both on the stack: their size depends on the width, so on the heap
  /// Halide would malloc and free all five buffers once per row.
  void computeAt(Halide::LoopLevel at, int vectorWidth) {
    using namespace Halide;
    Var tb("tb"), tw("tw");
    blockWords_.compute_at(at)
        .vectorize(j_, vectorWidth, TailStrategy::RoundUp)
        .store_in(MemoryType::Stack);
    words_.compute_at(at)
        .store_in(MemoryType::Stack)
        .align_bounds(t_, 4)
        .split(t_, tb, tw, 4)
        .vectorize(tw)
        .vectorize(tb, vectorWidth / 4, TailStrategy::RoundUp);
  }

private:
  /// (m * width) % 4: where row m's first element sits in its block, as
  /// ((m % 4) (width % 4)) % 4 (no overflow, and bounds inference sees [0, 3]).
  Halide::Expr shift(Halide::Expr m) const { return ((m % 4) * (width_ % 4)) % 4; }

  Halide::Var j_{"j"}, m_{"m"}, t_{"t"};
  Halide::Func blockWords_, words_;
  Halide::Expr width_, threshold_, scale_;
};

}  // namespace loom::halide
