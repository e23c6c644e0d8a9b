//===- Decoding.h - greedy decoding with a KV cache -------------*- C++ -*-===//
//
// A model with a decoder has plan functions for decoding (derived by
// --loom-derive-decoding): decode_init runs the source side once per call,
// decode_step runs the target side for one new position of every row, with
// each self-attention's keys and values kept in the Session between steps;
// a decoder-only model's decode_prefill runs a prompt's first positions in
// one pass, filling those caches.
// The loops here implement the reference's greedy semantics on top of any
// step function; earlier positions are never recomputed.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_RUNTIME_DECODING_H
#define LOOM_RUNTIME_DECODING_H

#include "loom/runtime/Executor.h"
#include "loom/runtime/Model.h"

#include <functional>

namespace loom {

/// One decoding step of every row: `tokens[b]` is row b's token at position
/// t; `next[b]` receives the argmax of its logits there.
using DecodeStep = std::function<Status(int64_t t, const int32_t *tokens,
                                        int32_t *next)>;

/// The first `positions` positions of every row in one pass (a prompt's
/// prefill): tokens[batch, positions] in; `next[b]` receives the argmax of
/// row b's logits at the last of them.
using DecodePrefill = std::function<Status(
    int64_t positions, const int32_t *tokens, int32_t *next)>;

/// translate's loop: every row starts from bos_id; a row that produced
/// eos_id emits pad_id afterwards; stops when all rows are done or after
/// max_new tokens. tokens is [B, max_new].
Status greedyTranslateLoop(const loom_model_info &info, int64_t batch,
                           int64_t maxNew, const DecodeStep &step,
                           int32_t *tokens);

/// generate's loop: each row reads its prompt (prompt_len[b] tokens), then
/// its own argmax tokens; its output is what follows its prompt, pad_id
/// after eos_id. With a `prefill` (it may be empty), the first
/// min(prompt_len) positions run in one call of it, the rest step by step.
Status greedyGenerateLoop(const loom_model_info &info, int64_t batch,
                          int64_t promptMax, const int32_t *prompt,
                          const int32_t *promptLen, int64_t maxNew,
                          const DecodeStep &step, const DecodePrefill &prefill,
                          int32_t *tokens);

/// The start of every translation: checks 1 <= maxNew <= max_len, opens
/// `session` for the batch and runs decode_init (the source side, once).
Status startTranslation(Model &model, int64_t batch, int64_t srcMax,
                        const int32_t *src, const int32_t *srcLen,
                        int64_t maxNew, Session &session);

/// decode_step at position t for the session's rows: tokens[batch] in,
/// logits[batch, tgt_vocab] and their argmax next[batch] out.
Status runDecodeStep(Model &model, Session &session, const int32_t *srcLen,
                     int64_t t, const int32_t *tokens, float *logits,
                     int32_t *next);

/// Greedy translation of checked inputs: 1 <= maxNew <= max_len.
Status translate(Model &model, int64_t batch, int64_t srcMax,
                 const int32_t *src, const int32_t *srcLen, int64_t maxNew,
                 int32_t *tokens);

/// Greedy continuation of checked prompts: maxNew >= 1 and
/// max(prompt_len) + maxNew - 1 <= max_len.
Status generate(Model &model, int64_t batch, int64_t promptMax,
                const int32_t *prompt, const int32_t *promptLen,
                int64_t maxNew, int32_t *tokens);

} // namespace loom

#endif // LOOM_RUNTIME_DECODING_H
