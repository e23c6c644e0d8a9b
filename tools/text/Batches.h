//===- Batches.h - token-budget batches of encoded text ---------*- C++ -*-===//
//
// Length-bucketed batches, as Marian and OpenNMT make them: the pairs sorted
// by target then source length, so the rows of a batch have about the same
// lengths and little padding, cut into batches of at most a token budget
// counting padded positions (rows x max(T, S) <= budget, T = the target
// positions bos + y, S = the source's x + eos), each padded to its own
// longest row. For training, ties between pairs of equal lengths and the
// order of the batches are shuffled per epoch; everything is a pure
// function of (seed, epoch), so a resumed run sees the same data order.
// The batch count and shapes are the same in every epoch (the sorted
// lengths do not depend on how ties fall), so step N is always batch
// N mod count of epoch N / count.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_TOOLS_TEXT_BATCHES_H
#define LOOM_TOOLS_TEXT_BATCHES_H

#include "ParallelText.h"

#include <cstdint>
#include <vector>

namespace loom::text {

/// SplitMix64's finaliser: the one mixing function of every seeded choice.
uint64_t mix64(uint64_t x);

/// A batch: the pairs order[first, first + rows) of its plan.
struct Batch {
  uint64_t first = 0;
  uint32_t rows = 0;
  int32_t srcMax = 0; // 0 without a source side
  int32_t tgtMax = 0;
};

struct BatchPlan {
  std::vector<uint32_t> order; // pair indices, sorted by (target, source) length
  std::vector<Batch> batches;  // in the order they are used
  int64_t paddedTgtTokens = 0; // sum of rows x tgtMax
};

struct BatchOptions {
  int64_t tokenBudget = 1500;
  bool shuffle = true; // false: ties by pair index, batches in length order
  uint64_t seed = 0;
  uint64_t epoch = 0;
};

BatchPlan planBatches(const EncodedText &text, const BatchOptions &options);

/// The inputs of NAME_train_step / NAME_forward for one batch, row-major,
/// padded with pad_id: src [rows, srcMax] = x + eos, tgt [rows, tgtMax] =
/// bos + y, labels [rows, tgtMax] = y + eos (pad_id where no loss).
struct BatchTensors {
  int64_t rows = 0, srcMax = 0, tgtMax = 0;
  std::vector<int32_t> src, srcLen, tgt, tgtLen, labels;
  int64_t labelTokens = 0; // labels that are not pad_id
};

struct SpecialIds {
  int32_t pad = 0, bos = 1, eos = 2;
};

/// Fills `out` (its vectors are reused from batch to batch).
void fillBatch(const EncodedText &text, const BatchPlan &plan, const Batch &batch,
               const SpecialIds &ids, BatchTensors &out);

} // namespace loom::text

#endif // LOOM_TOOLS_TEXT_BATCHES_H
