//===- BeamSearch.cpp - beam search over the plan's decode step -----------===//
#include "loom/runtime/BeamSearch.h"

#include "loom/runtime/Decoding.h"
#include "loom/runtime/Executor.h"
#include "loom/runtime/HalideParallel.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <tbb/parallel_for.h>

namespace loom {
namespace {

struct Hypothesis {
  std::vector<int32_t> tokens;
  double score = 0; // sum of log-probabilities
};

/// One source row's search: its live hypotheses (slot k = row b * beam + k)
/// and the finished ones.
struct RowSearch {
  std::vector<Hypothesis> live, finished;
  bool done() const { return live.empty(); }
};

/// A token of one live hypothesis, as a candidate to extend it.
struct Candidate {
  double score;
  int64_t slot;
  int32_t token;
};

/// Higher score first; ties to the lower slot, then the lower token (so that
/// beam = 1 picks torch.argmax's first maximum). A NaN scores -inf.
bool better(const Candidate &a, const Candidate &b) {
  if (a.score != b.score)
    return a.score > b.score;
  return a.slot != b.slot ? a.slot < b.slot : a.token < b.token;
}

/// The `keep` best tokens of one row of logits, scored as log-probabilities
/// plus `base` (log-softmax: logit - log-sum-exp, in double). Within a row
/// the order by score is the order by logit, so one pass keeps the best few
/// (insertion into a short sorted list; ties keep the lower token).
void scoreRow(const float *logits, int64_t vocab, double base, int64_t slot,
              int64_t keep, Candidate *out) {
  float maxLogit = -std::numeric_limits<float>::infinity();
  for (int64_t v = 0; v < vocab; ++v)
    if (logits[v] > maxLogit)
      maxLogit = logits[v];
  double sum = 0;
  for (int64_t v = 0; v < vocab; ++v)
    sum += std::exp(double(logits[v]) - maxLogit);
  const double logSumExp = double(maxLogit) + std::log(sum);
  int64_t kept = 0;
  for (int64_t v = 0; v < vocab; ++v) {
    double logit = std::isnan(logits[v]) ? -INFINITY : double(logits[v]);
    Candidate c{base + (logit - logSumExp), slot, int32_t(v)};
    if (std::isnan(c.score)) // an infinite logit: keep the order total
      c.score = -INFINITY;
    if (kept == keep && !better(c, out[keep - 1]))
      continue;
    int64_t i = kept < keep ? kept++ : keep - 1;
    for (; i > 0 && better(c, out[i - 1]); --i)
      out[i] = out[i - 1];
    out[i] = c;
  }
}

/// Wu et al. (2016): lp(len) = ((5 + len) / 6)^alpha.
double normalised(const Hypothesis &h, double alpha) {
  return h.score / std::pow((5.0 + double(h.tokens.size())) / 6.0, alpha);
}

class BeamSearch {
public:
  BeamSearch(const loom_model_info &info, int64_t batch, int64_t vocab,
             const BeamOptions &options)
      : info_(info), B_(batch), K_(options.beam), V_(vocab), options_(options),
        rows_(batch), candidates_(size_t(batch * K_ * std::min(K_, vocab))),
        tokens_(size_t(batch * K_), int32_t(info.bos_id)),
        logits_(size_t(batch * K_ * vocab)) {
    for (RowSearch &row : rows_)
      row.live.emplace_back(); // one empty hypothesis; the other slots idle
  }

  Status run(const BeamStep &step, ParallelContext *parallel, int32_t *out) {
    std::vector<int64_t> parents; // none at t = 0
    for (int64_t t = 0; t < options_.maxNew; ++t) {
      LOOM_RETURN_IF_ERROR(step(t, parents, tokens_.data(), logits_.data()));
      scoreLiveSlots(parallel);
      parents.assign(size_t(B_ * K_), 0);
      bool allDone = true;
      for (int64_t b = 0; b < B_; ++b) {
        if (!rows_[b].done())
          advance(b, t + 1 == options_.maxNew, parents);
        allDone = allDone && rows_[b].done();
      }
      if (allDone)
        break;
    }
    writeBest(out);
    return Status();
  }

private:
  int64_t perSlot() const { return std::min(K_, V_); }

  /// Each live slot's best tokens (a row's K best extensions are among its
  /// slots' K best each), rows in parallel.
  void scoreLiveSlots(ParallelContext *parallel) {
    auto body = [&](int64_t begin, int64_t end) {
      for (int64_t r = begin; r < end; ++r) {
        const RowSearch &row = rows_[r / K_];
        int64_t k = r % K_;
        if (k < int64_t(row.live.size()))
          scoreRow(&logits_[size_t(r * V_)], V_, row.live[k].score, k, perSlot(),
                   &candidates_[size_t(r * perSlot())]);
      }
    };
    auto all = [&] {
      tbb::parallel_for(tbb::blocked_range<int64_t>(0, B_ * K_),
                        [&](const tbb::blocked_range<int64_t> &range) {
                          body(range.begin(), range.end());
                        });
    };
    if (parallel)
      parallel->run(all);
    else
      body(0, B_ * K_);
  }

  /// Row b's next hypotheses from its candidates; sets the parents of its
  /// slots and their next input tokens.
  void advance(int64_t b, bool last, std::vector<int64_t> &parents) {
    RowSearch &row = rows_[b];
    std::vector<Candidate> pool(
        candidates_.begin() + b * K_ * perSlot(),
        candidates_.begin() + (b * K_ + int64_t(row.live.size())) * perSlot());
    const int64_t keep = std::min<int64_t>(K_ - row.finished.size(), pool.size());
    std::partial_sort(pool.begin(), pool.begin() + keep, pool.end(), better);
    std::vector<Hypothesis> next;
    for (int64_t i = 0; i < keep; ++i) {
      Hypothesis h = row.live[pool[i].slot];
      h.tokens.push_back(pool[i].token);
      h.score = pool[i].score;
      if (pool[i].token == info_.eos_id || last) {
        row.finished.push_back(std::move(h));
      } else {
        parents[size_t(b * K_ + int64_t(next.size()))] = b * K_ + pool[i].slot;
        next.push_back(std::move(h));
      }
    }
    row.live = std::move(next);
    for (int64_t k = 0; k < K_; ++k) {
      bool used = k < int64_t(row.live.size());
      if (!used)
        parents[size_t(b * K_ + k)] = b * K_; // idle: any row of this source
      tokens_[size_t(b * K_ + k)] =
          used ? row.live[k].tokens.back() : int32_t(info_.pad_id);
    }
  }

  void writeBest(int32_t *out) const {
    const int64_t N = options_.maxNew;
    std::fill(out, out + B_ * N, int32_t(info_.pad_id));
    for (int64_t b = 0; b < B_; ++b) {
      const std::vector<Hypothesis> &pool =
          rows_[b].finished.empty() ? rows_[b].live : rows_[b].finished;
      const Hypothesis *best = nullptr;
      for (const Hypothesis &h : pool)
        if (!best || normalised(h, options_.lengthPenalty) >
                         normalised(*best, options_.lengthPenalty))
          best = &h;
      if (best)
        std::copy(best->tokens.begin(), best->tokens.end(), out + b * N);
    }
  }

  const loom_model_info &info_;
  const int64_t B_, K_, V_;
  const BeamOptions options_;
  std::vector<RowSearch> rows_;
  std::vector<Candidate> candidates_; // [B * K, min(K, V)]
  std::vector<int32_t> tokens_;       // [B * K] inputs of the next step
  std::vector<float> logits_;         // [B * K, V]
};

} // namespace

Status beamSearchLoop(const loom_model_info &info, int64_t batch, int64_t vocab,
                      const BeamOptions &options, const BeamStep &step,
                      ParallelContext *parallel, int32_t *tokens) {
  BeamSearch search(info, batch, vocab, options);
  return search.run(step, parallel, tokens);
}

Status translateBeam(Model &model, int64_t B, int64_t S, const int32_t *src,
                     const int32_t *srcLen, const BeamOptions &options,
                     int32_t *tokens) {
  const loom_model_info &info = model.info();
  if (options.beam < 1 || options.beam > kMaxBeam)
    return Status::invalidArgument("beam_size must be in [1, " +
                                   std::to_string(kMaxBeam) + "], got " +
                                   std::to_string(options.beam));
  if (!std::isfinite(options.lengthPenalty) || options.lengthPenalty < 0)
    return Status::invalidArgument(
        "length_penalty must be finite and >= 0, got " +
        std::to_string(options.lengthPenalty));
  // The source side once per source row; its state is then copied to the
  // row's K hypotheses (the first gather, at t = 0).
  Session session;
  LOOM_RETURN_IF_ERROR(
      startTranslation(model, B, S, src, srcLen, options.maxNew, session));
  const int64_t K = options.beam;
  std::vector<int32_t> beamSrcLen(size_t(B * K));
  std::vector<int64_t> sourceRows(size_t(B * K));
  for (int64_t r = 0; r < B * K; ++r) {
    sourceRows[size_t(r)] = r / K;
    beamSrcLen[size_t(r)] = srcLen[r / K];
  }
  std::vector<int32_t> next(size_t(B * K)); // the plan's argmax, unused here
  BeamStep step = [&](int64_t t, const std::vector<int64_t> &parents,
                      const int32_t *input, float *logits) -> Status {
    LOOM_RETURN_IF_ERROR(session.gatherRows(
        model.description(), t == 0 ? sourceRows : parents));
    return runDecodeStep(model, session, beamSrcLen.data(), t, input, logits,
                         next.data());
  };
  return beamSearchLoop(info, B, info.tgt_vocab, options, step,
                        &model.parallel(), tokens);
}

} // namespace loom
