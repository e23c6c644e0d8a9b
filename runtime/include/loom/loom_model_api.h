/* loom_model_api.h - the C API every generated Loom library exports.
 *
 * A library for the spec named NAME is lib<NAME>.so with header <NAME>.h; the
 * header repeats the declarations below with NAME_ in front of each function
 * (NAME_create, NAME_forward, ...). This file holds the shared types and the
 * function-pointer types a generic tool (loom-run) uses after dlsym.
 *
 * Every function returns a loom_status; none aborts the process on bad
 * input. On failure, NAME_last_error() returns a message naming the input or
 * tensor at fault (per thread, valid until the next call on that thread).
 * Token and length arrays are int32. Arrays are C-contiguous, caller-owned.
 */
#ifndef LOOM_MODEL_API_H
#define LOOM_MODEL_API_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum loom_status {
  LOOM_OK = 0,
  LOOM_ERROR_INVALID_ARGUMENT = 1,
  LOOM_ERROR_IO = 2,
  LOOM_ERROR_BAD_WEIGHTS = 3,
  LOOM_ERROR_OUT_OF_MEMORY = 4,
  LOOM_ERROR_INTERNAL = 5
} loom_status;

/* What a generic tool needs to know about a compiled model. */
typedef struct loom_model_info {
  const char *name;         /* the spec's name */
  const char *architecture; /* "encoder_decoder", "encoder" or "decoder" */
  int64_t d_model, heads, ffn_hidden, encoder_layers, decoder_layers;
  int64_t src_vocab, tgt_vocab, max_len;
  int64_t pad_id, bos_id, eos_id;
} loom_model_info;

typedef struct loom_model loom_model; /* opaque */

/* NAME_info(): static description; never NULL. */
typedef const loom_model_info *(*loom_info_fn)(void);
/* NAME_create(weights_path, threads, &model): loads and validates a
 * safetensors file; threads <= 0 means all cores. Nothing is half-loaded. */
typedef loom_status (*loom_create_fn)(const char *weights_path, int threads,
                                      loom_model **out);
/* NAME_create_seeded(seed, threads, &model): weights initialised in-library. */
typedef loom_status (*loom_create_seeded_fn)(uint64_t seed, int threads,
                                             loom_model **out);
typedef void (*loom_free_fn)(loom_model *model);
typedef const char *(*loom_last_error_fn)(void);
/* NAME_save_weights(model, path): writes a safetensors file (atomically). */
typedef loom_status (*loom_save_weights_fn)(loom_model *model,
                                            const char *path);

/* NAME_forward, by architecture (lengths are per row, 1 <= len <= S or T,
 * S, T <= max_len, 0 <= token < vocab):
 *   encoder_decoder: (m, B, S, src[B*S], src_len[B], T, tgt[B*T],
 *                     tgt_len[B], logits[B*T*tgt_vocab])
 *   encoder:         (m, B, S, src, src_len, 0, NULL, NULL,
 *                     hidden[B*S*d_model])
 *   decoder:         (m, B, 0, NULL, NULL, T, tgt, tgt_len,
 *                     logits[B*T*tgt_vocab])
 * One signature for all three so tools can call it generically. */
typedef loom_status (*loom_forward_fn)(loom_model *m, int64_t batch,
                                       int64_t src_max, const int32_t *src,
                                       const int32_t *src_len, int64_t tgt_max,
                                       const int32_t *tgt,
                                       const int32_t *tgt_len, float *out);

/* NAME_translate (encoder_decoder) and NAME_generate (decoder): greedy
 * decoding with a KV cache. translate: (m, B, S, src, src_len, max_new,
 * tokens[B*max_new]); generate: (m, B, P, prompt, prompt_len, max_new,
 * tokens[B*max_new]). Rows are pad_id after their eos_id. */
typedef loom_status (*loom_decode_fn)(loom_model *m, int64_t batch,
                                      int64_t in_max, const int32_t *in,
                                      const int32_t *in_len, int64_t max_new,
                                      int32_t *tokens);

#ifdef __cplusplus
}
#endif

#endif /* LOOM_MODEL_API_H */
