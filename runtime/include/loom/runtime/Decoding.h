//===- Decoding.h - greedy decoding with a KV cache -------------*- C++ -*-===//
//
// Generated glue provides two functions made from the inference plan:
//   init(m, state, B, S, src, src_len)  runs the source side once (encoder and
//       every decoder layer's cross-attention keys/values, kept in `state`);
//   step(m, state, B, t, tokens, next)  runs the target side for position t
//       of every row: each self-attention layer appends its new key/value
//       row to the cache and attends over positions 0..t; `next` receives
//       the argmax of the logits.
// The loops here implement the reference's greedy semantics on top of them.
// Earlier positions are never recomputed.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_RUNTIME_DECODING_H
#define LOOM_RUNTIME_DECODING_H

#include "loom/runtime/Model.h"

#include <vector>

namespace loom {

struct DecodeState {
  int64_t batch = 0, sourceLength = 0, capacity = 0; // capacity = max_len
  /// Per self-attention layer: keys and values [batch, capacity, d_model].
  std::vector<std::vector<float>> selfKeys, selfValues;
  /// Per cross-attention layer: the projected memory [batch·S, width].
  std::vector<std::vector<float>> cross;
  /// Source lengths (translate), for the cross-attention masks.
  std::vector<int32_t> sourceLengths;
  /// Keys visible at the current step (t + 1 for every row).
  std::vector<int32_t> keyLengths;
  /// Logits of the current step [batch, vocab].
  std::vector<float> logits;

  /// Sizes every buffer for a run.
  void reset(int64_t batch, int64_t sourceLength, int64_t capacity,
             int selfLayers, int64_t dModel,
             const std::vector<int64_t> &crossWidths, int64_t vocab);
  /// Appends row b's key (or value) for position t: cache[b, t, :] = row b.
  static void append(std::vector<float> &cache, int64_t capacity, int64_t t,
                     ConstMat rows);
};

using DecodeInitFn = Status (*)(Model &m, DecodeState &state, int64_t B,
                                int64_t S, const int32_t *src,
                                const int32_t *src_len);
using DecodeStepFn = Status (*)(Model &m, DecodeState &state, int64_t B,
                                int64_t t, const int32_t *tokens,
                                int32_t *next);

/// translate: starts every row from bos_id; a row that produced eos_id
/// emits pad_id afterwards; stops when all rows are done or after max_new.
Status greedyTranslate(Model &m, DecodeState &state, DecodeInitFn init,
                       DecodeStepFn step, int64_t B, int64_t S,
                       const int32_t *src, const int32_t *src_len,
                       int64_t maxNew, int32_t *tokens);

/// generate: feeds each row's prompt (prompt_len[b] tokens), then its own
/// argmax tokens; row b's output is what follows its prompt; pad_id after
/// eos_id. Needs max(prompt_len) + max_new - 1 <= max_len.
Status greedyGenerate(Model &m, DecodeState &state, DecodeStepFn step,
                      int64_t B, int64_t P, const int32_t *prompt,
                      const int32_t *prompt_len, int64_t maxNew,
                      int32_t *tokens);

} // namespace loom

#endif // LOOM_RUNTIME_DECODING_H
