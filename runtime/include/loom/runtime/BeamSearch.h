//===- BeamSearch.h - beam search over the plan's decode step ---*- C++ -*-===//
//
// Beam search as Marian and Wu et al. (2016) define it: each source row keeps
// `beam` hypotheses; every step extends each by every token, scored by the
// sum of log-probabilities (log-softmax of the decode step's logits), and the
// best `beam` survive. A hypothesis that emits eos_id is finished and the
// beam of its row shrinks by one; a row is done when all its hypotheses have
// finished (or after max_new tokens), and its answer is the finished
// hypothesis with the best score / lp(len), lp(len) = ((5 + len) / 6)^alpha,
// len counting eos. KV caches follow the survivors: the decode step's state
// rows are gathered by parent (Session::gatherRows), never recomputed.
// With beam = 1 this is greedy decoding: the same tokens as translate.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_RUNTIME_BEAMSEARCH_H
#define LOOM_RUNTIME_BEAMSEARCH_H

#include "loom/runtime/Model.h"

#include <functional>
#include <vector>

namespace loom {

/// One decoding step of all B * beam rows (row b * beam + k is hypothesis k
/// of source row b): first, each row's state becomes that of row parents[r]
/// (empty at t = 0: every row starts from its source row's initial state);
/// then tokens[r] is read at position t and logits[r * vocab ...] written.
using BeamStep = std::function<Status(int64_t t, const std::vector<int64_t> &parents,
                                      const int32_t *tokens, float *logits)>;

struct BeamOptions {
  int64_t beam = 4;
  double lengthPenalty = 0.6; // alpha of lp(len); 0: raw log-probability
  int64_t maxNew = 1;
};

/// The beam search loop over any step function; tokens is [B, maxNew], the
/// best hypothesis of each row, pad_id after eos_id. `parallel` runs the
/// scoring of the rows (log-softmax over the vocabulary) on a model's threads.
Status beamSearchLoop(const loom_model_info &info, int64_t batch, int64_t vocab,
                      const BeamOptions &options, const BeamStep &step,
                      ParallelContext *parallel, int32_t *tokens);

/// Beam search translation of checked inputs: 1 <= maxNew <= max_len,
/// 1 <= beam <= kMaxBeam, a finite lengthPenalty >= 0.
Status translateBeam(Model &model, int64_t batch, int64_t srcMax,
                     const int32_t *src, const int32_t *srcLen,
                     const BeamOptions &options, int32_t *tokens);

/// The widest beam translate_beam takes (each beam is a row of every kernel).
constexpr int64_t kMaxBeam = 64;

} // namespace loom

#endif // LOOM_RUNTIME_BEAMSEARCH_H
