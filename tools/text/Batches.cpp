//===- Batches.cpp - token-budget batches of encoded text -----------------===//
#include "Batches.h"

#include <algorithm>
#include <utility>

namespace loom::text {

uint64_t mix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

namespace {

/// A SplitMix64 stream and unbiased draws from it, written out here rather
/// than std::shuffle / std::uniform_int_distribution, whose results differ
/// between standard libraries: the data order must be the same everywhere.
class Stream {
public:
  Stream(uint64_t seed, uint64_t epoch, uint64_t purpose)
      : state_(mix64(mix64(seed) ^ mix64(epoch + 0x632be59bd9b4e019ull) ^ purpose)) {}
  uint64_t next() { return mix64(state_ += 0x9e3779b97f4a7c15ull); }
  /// Uniform in [0, n), n >= 1 (Lemire's multiply-and-reject).
  uint64_t below(uint64_t n) {
    for (;;) {
      unsigned __int128 product = (unsigned __int128)next() * n;
      uint64_t low = uint64_t(product);
      if (low >= (-n) % n)
        return uint64_t(product >> 64);
    }
  }

private:
  uint64_t state_;
};

template <typename T> void shuffle(std::vector<T> &items, Stream &stream) {
  for (size_t i = items.size(); i > 1; --i)
    std::swap(items[i - 1], items[stream.below(i)]);
}

constexpr uint64_t kTies = 1, kBatchOrder = 2;

} // namespace

BatchPlan planBatches(const EncodedText &text, const BatchOptions &options) {
  BatchPlan plan;
  const size_t n = text.size();
  // (length key, pair), shuffled first so that the stable sort leaves
  // pairs of equal lengths in a random order.
  std::vector<std::pair<uint64_t, uint32_t>> keyed(n);
  for (size_t i = 0; i < n; ++i)
    keyed[i] = {(uint64_t(text.tgtLength(i)) << 32) | uint64_t(text.srcLength(i)), uint32_t(i)};
  if (options.shuffle) {
    Stream ties(options.seed, options.epoch, kTies);
    shuffle(keyed, ties);
  }
  std::stable_sort(keyed.begin(), keyed.end(),
                   [](const auto &a, const auto &b) { return a.first < b.first; });
  plan.order.resize(n);
  for (size_t i = 0; i < n; ++i)
    plan.order[i] = keyed[i].second;

  Batch current;
  for (size_t i = 0; i < n; ++i) {
    uint32_t pair = plan.order[i];
    int32_t srcMax = std::max(current.srcMax, text.srcLength(pair));
    int32_t tgtMax = std::max(current.tgtMax, text.tgtLength(pair));
    int64_t width = std::max(srcMax, tgtMax);
    if (current.rows > 0 && int64_t(current.rows + 1) * width > options.tokenBudget) {
      plan.batches.push_back(current);
      current = Batch{i, 0, 0, 0};
      srcMax = text.srcLength(pair);
      tgtMax = text.tgtLength(pair);
    }
    current.rows += 1;
    current.srcMax = srcMax;
    current.tgtMax = tgtMax;
  }
  if (current.rows > 0)
    plan.batches.push_back(current);
  for (const Batch &batch : plan.batches)
    plan.paddedTgtTokens += int64_t(batch.rows) * batch.tgtMax;
  if (options.shuffle) {
    Stream batchOrder(options.seed, options.epoch, kBatchOrder);
    shuffle(plan.batches, batchOrder);
  }
  return plan;
}

void fillBatch(const EncodedText &text, const BatchPlan &plan, const Batch &batch,
               const SpecialIds &ids, BatchTensors &out) {
  const int64_t rows = batch.rows, S = batch.srcMax, T = batch.tgtMax;
  out.rows = rows;
  out.srcMax = S;
  out.tgtMax = T;
  out.src.assign(size_t(rows * S), ids.pad);
  out.srcLen.assign(text.hasSource ? size_t(rows) : 0, 0);
  out.tgt.assign(size_t(rows * T), ids.pad);
  out.tgtLen.assign(size_t(rows), 0);
  out.labels.assign(size_t(rows * T), ids.pad);
  out.labelTokens = 0;
  for (int64_t r = 0; r < rows; ++r) {
    const uint32_t pair = plan.order[batch.first + uint64_t(r)];
    if (text.hasSource) {
      const int32_t length = text.srcLength(pair);
      std::copy(text.src(pair), text.src(pair) + length, out.src.begin() + r * S);
      out.srcLen[size_t(r)] = length;
    }
    // Teacher forcing: the decoder reads bos + y and predicts y + eos.
    const int32_t length = text.tgtLength(pair); // |y| + 1
    const int32_t *y = text.tgt(pair);
    int32_t *tgt = out.tgt.data() + r * T;
    int32_t *labels = out.labels.data() + r * T;
    tgt[0] = ids.bos;
    std::copy(y, y + length - 1, tgt + 1);
    std::copy(y, y + length - 1, labels);
    labels[length - 1] = ids.eos;
    out.tgtLen[size_t(r)] = length;
    out.labelTokens += length;
  }
}

} // namespace loom::text
