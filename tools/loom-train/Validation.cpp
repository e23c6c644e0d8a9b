//===- Validation.cpp - loom-train's validation: loss, nll, BLEU ----------===//
#include "Validation.h"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <chrono>
#include <cmath>

namespace loom::train {
namespace {

double secondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

/// Logits of one validation batch stay under this many floats (256 MiB at
/// a 32k vocabulary would be wasteful; 64 MiB is plenty for throughput).
constexpr int64_t kMaxLogitFloats = int64_t(1) << 24;

/// Greedy output allowed for a source of `srcLength` tokens (x + eos):
/// targets run longer than their sources in many language pairs (en->fr
/// by ~15% in subwords), so twice the source and some, capped by max_len.
int64_t maxNewFor(int64_t srcLength, int64_t maxLen) {
  return std::min(maxLen, 2 * srcLength + 10);
}

} // namespace

Validator::Validator(const ModelLibrary &library, const Tokenizer &tokenizer,
                     const text::EncodedText &text, std::vector<std::string> references,
                     double labelSmoothing, int64_t tokenBudget, int threads)
    : library_(library), tokenizer_(tokenizer), text_(text), references_(std::move(references)),
      labelSmoothing_(labelSmoothing),
      arena_(std::make_unique<tbb::task_arena>(threads > 0 ? threads
                                                           : int(tbb::task_arena::automatic))) {
  const loom_model_info &info = library.modelInfo();
  ids_ = {int32_t(info.pad_id), int32_t(info.bos_id), int32_t(info.eos_id)};
  text::BatchOptions options;
  options.tokenBudget = std::max<int64_t>(
      1, std::min(tokenBudget, kMaxLogitFloats / std::max<int64_t>(info.tgt_vocab, 1)));
  options.shuffle = false;
  lossPlan_ = text::planBatches(text, options);
  if (text.hasSource && library.translate)
    translations_ = planTranslations(tokenBudget);
}

std::vector<Validator::Translation> Validator::planTranslations(int64_t tokenBudget) const {
  const int64_t maxLen = library_.modelInfo().max_len;
  std::vector<uint32_t> bySource(text_.size());
  for (size_t i = 0; i < bySource.size(); ++i)
    bySource[i] = uint32_t(i);
  std::stable_sort(bySource.begin(), bySource.end(),
                   [&](uint32_t a, uint32_t b) { return text_.srcLength(a) < text_.srcLength(b); });
  std::vector<Translation> batches;
  Translation current;
  for (uint32_t pair : bySource) {
    int64_t srcMax = std::max<int64_t>(current.srcMax, text_.srcLength(pair));
    int64_t maxNew = maxNewFor(srcMax, maxLen);
    if (!current.pairs.empty() &&
        int64_t(current.pairs.size() + 1) * std::max(srcMax, maxNew) > tokenBudget) {
      batches.push_back(std::move(current));
      current = Translation();
      srcMax = text_.srcLength(pair);
      maxNew = maxNewFor(srcMax, maxLen);
    }
    current.pairs.push_back(pair);
    current.srcMax = srcMax;
    current.maxNew = maxNew;
  }
  if (!current.pairs.empty())
    batches.push_back(std::move(current));
  return batches;
}

Status Validator::lossOfBatch(loom_model *model, const text::Batch &batch,
                              std::vector<float> &logits, double &smoothed, double &nll,
                              int64_t &tokens) const {
  text::BatchTensors in;
  text::fillBatch(text_, lossPlan_, batch, ids_, in);
  const int64_t V = library_.modelInfo().tgt_vocab;
  const int64_t rows = in.rows, T = in.tgtMax;
  logits.resize(size_t(rows * T * V));
  loom_status status =
      library_.forward(model, rows, in.srcMax, text_.hasSource ? in.src.data() : nullptr,
                       text_.hasSource ? in.srcLen.data() : nullptr, T, in.tgt.data(),
                       in.tgtLen.data(), logits.data());
  if (status != LOOM_OK)
    return library_.errorOf("forward", status);

  // Rows in parallel, each summed by one thread, the rows added in order:
  // the same number for any thread count.
  std::vector<double> rowSmoothed(size_t(rows), 0.0), rowNll(size_t(rows), 0.0);
  const double eps = labelSmoothing_;
  arena_->execute([&] {
    tbb::parallel_for(tbb::blocked_range<int64_t>(0, rows), [&](const auto &range) {
      for (int64_t r = range.begin(); r != range.end(); ++r)
        for (int64_t t = 0; t < in.tgtLen[size_t(r)]; ++t) {
          const float *z = logits.data() + (r * T + t) * V;
          float maxLogit = *std::max_element(z, z + V);
          double sumExp = 0, sumLogits = 0;
          for (int64_t v = 0; v < V; ++v) {
            sumExp += std::exp(double(z[v] - maxLogit));
            sumLogits += z[v];
          }
          const double lse = maxLogit + std::log(sumExp);
          const double positionNll = lse - z[in.labels[size_t(r * T + t)]];
          rowNll[size_t(r)] += positionNll;
          rowSmoothed[size_t(r)] += (1 - eps) * positionNll + eps * (lse - sumLogits / double(V));
        }
    });
  });
  for (int64_t r = 0; r < rows; ++r) {
    smoothed += rowSmoothed[size_t(r)];
    nll += rowNll[size_t(r)];
  }
  tokens += in.labelTokens;
  return Status();
}

Status Validator::translateBatch(loom_model *model, const Translation &batch,
                                 std::vector<std::string> &hypotheses) const {
  const int64_t rows = int64_t(batch.pairs.size()), S = batch.srcMax;
  std::vector<int32_t> src(size_t(rows * S), ids_.pad);
  std::vector<int32_t> srcLen(static_cast<size_t>(rows));
  for (int64_t r = 0; r < rows; ++r) {
    uint32_t pair = batch.pairs[size_t(r)];
    std::copy(text_.src(pair), text_.src(pair) + text_.srcLength(pair), src.begin() + r * S);
    srcLen[size_t(r)] = text_.srcLength(pair);
  }
  std::vector<int32_t> tokens(size_t(rows * batch.maxNew));
  loom_status status =
      library_.translate(model, rows, S, src.data(), srcLen.data(), batch.maxNew, tokens.data());
  if (status != LOOM_OK)
    return library_.errorOf("translate", status);
  for (int64_t r = 0; r < rows; ++r) {
    auto row = tokens.begin() + r * batch.maxNew;
    hypotheses[batch.pairs[size_t(r)]] =
        tokenizer_.decode(std::vector<int32_t>(row, row + batch.maxNew));
  }
  return Status();
}

Status Validator::run(loom_model *model, const std::function<bool()> &stop,
                      ValidResult &result) const {
  const auto start = std::chrono::steady_clock::now();
  result = ValidResult();
  result.pairs = int64_t(text_.size());
  double smoothed = 0, nll = 0;
  std::vector<float> logits;
  for (const text::Batch &batch : lossPlan_.batches) {
    if (stop()) {
      result.interrupted = true;
      return Status();
    }
    LOOM_RETURN_IF_ERROR(lossOfBatch(model, batch, logits, smoothed, nll, result.tgtTokens));
  }
  result.loss = result.tgtTokens ? smoothed / double(result.tgtTokens) : 0;
  result.nll = result.tgtTokens ? nll / double(result.tgtTokens) : 0;

  if (!translations_.empty()) {
    std::vector<std::string> hypotheses(text_.size());
    for (const Translation &batch : translations_) {
      if (stop()) {
        result.interrupted = true;
        return Status();
      }
      LOOM_RETURN_IF_ERROR(translateBatch(model, batch, hypotheses));
    }
    result.hasBleu = true;
    result.bleu = bleu::corpusBleu(hypotheses, references_);
  }
  result.seconds = secondsSince(start);
  return Status();
}

StatusOr<double> Validator::estimateSeconds(loom_model *model) const {
  double estimate = 0;
  if (!lossPlan_.batches.empty()) {
    auto largest = std::max_element(
        lossPlan_.batches.begin(), lossPlan_.batches.end(), [](const auto &a, const auto &b) {
          return int64_t(a.rows) * a.tgtMax < int64_t(b.rows) * b.tgtMax;
        });
    std::vector<float> logits;
    double smoothed = 0, nll = 0;
    int64_t tokens = 0;
    auto start = std::chrono::steady_clock::now();
    LOOM_RETURN_IF_ERROR(lossOfBatch(model, *largest, logits, smoothed, nll, tokens));
    estimate += secondsSince(start) * double(lossPlan_.paddedTgtTokens) /
                double(int64_t(largest->rows) * largest->tgtMax);
  }
  if (!translations_.empty()) {
    auto work = [](const Translation &t) { return int64_t(t.pairs.size()) * t.maxNew; };
    auto largest =
        std::max_element(translations_.begin(), translations_.end(),
                         [&](const auto &a, const auto &b) { return work(a) < work(b); });
    int64_t total = 0;
    for (const Translation &t : translations_)
      total += work(t);
    std::vector<std::string> hypotheses(text_.size());
    auto start = std::chrono::steady_clock::now();
    LOOM_RETURN_IF_ERROR(translateBatch(model, *largest, hypotheses));
    estimate += secondsSince(start) * double(total) / double(work(*largest));
  }
  return estimate;
}

} // namespace loom::train
