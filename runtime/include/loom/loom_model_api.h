/* loom_model_api.h - the C API every generated Loom library exports.
 *
 * A library for the spec named NAME is lib<NAME>.so with header <NAME>.h,
 * which declares the functions below with NAME_ in front of each one
 * (NAME_create, NAME_forward, ...) for the model's architecture.
 *
 * LOOM_API_FUNCTIONS is the one definition of those functions; from it come
 * the loom_<fn>_fn pointer types below (what a generic tool such as loom-run
 * uses after dlsym), the declarations in <NAME>.h (written by loomc), and
 * the checks that each library's exports have exactly these types.
 *
 * Every function returns a loom_status; none aborts the process on bad
 * input. On failure, NAME_last_error() returns a message naming the input or
 * tensor at fault (per thread, valid until the next call on that thread).
 * Token and length arrays are int32. Arrays are C-contiguous, caller-owned.
 *
 * Threads: any of these functions may be called from several threads at
 * once, on one handle or on separate handles, and each call gives the
 * answer it gives alone. Calls on one handle share its weights (read only)
 * and its worker threads; each call has scratch memory of its own, so a
 * handle used by N threads at once holds up to N activation arenas. Only
 * NAME_free must not overlap another call on the same handle.
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

/* Architectures, as bits: which functions a library exports. */
#define LOOM_ARCH_ENCODER_DECODER 1
#define LOOM_ARCH_ENCODER 2
#define LOOM_ARCH_DECODER 4
#define LOOM_ARCH_ALL 7

/* X(fn, return type, (parameters), architectures, documentation) */
#define LOOM_API_FUNCTIONS(X)                                                  \
  X(info, const loom_model_info *, (void), LOOM_ARCH_ALL,                      \
    "Static description of the model; never NULL.")                           \
  X(create, loom_status,                                                       \
    (const char *weights_path, int threads, loom_model **out), LOOM_ARCH_ALL,  \
    "Loads a safetensors weights file. threads: the worker threads; <= 0, "    \
    "or more than the cores this process may use, means all those cores "      \
    "(never more). A missing, extra, misshapen or non-F32 tensor, or one "   \
    "holding NaN or Inf, is refused naming it; nothing is half-loaded.")                                      \
  X(create_seeded, loom_status,                                                \
    (uint64_t seed, int threads, loom_model **out), LOOM_ARCH_ALL,             \
    "Initialises the weights in-library from a seed; threads as for create "   \
    "(<= 0 or more than the cores: all cores).")                               \
  X(free, void, (loom_model *model), LOOM_ARCH_ALL,                            \
    "Releases a model and everything it holds; NULL is ignored.")              \
  X(last_error, const char *, (void), LOOM_ARCH_ALL,                           \
    "The calling thread's last error message (\"\" if none).")                 \
  X(save_weights, loom_status, (loom_model *model, const char *path),          \
    LOOM_ARCH_ALL,                                                             \
    "Writes the weights as safetensors (state_dict names), atomically.")       \
  X(forward, loom_status,                                                      \
    (loom_model *model, int64_t batch, int64_t src_max, const int32_t *src,    \
     const int32_t *src_len, int64_t tgt_max, const int32_t *tgt,              \
     const int32_t *tgt_len, float *out),                                      \
    LOOM_ARCH_ALL,                                                             \
    "The model on a batch; lengths are per row, 1 <= len <= S or T <= "        \
    "max_len, 0 <= token < vocabulary. Inputs an architecture does not use "   \
    "are 0 and NULL (LOOM_API_CALLS).")                                        \
  X(translate, loom_status,                                                    \
    (loom_model *model, int64_t batch, int64_t src_max, const int32_t *src,    \
     const int32_t *src_len, int64_t max_new, int32_t *tokens),                \
    LOOM_ARCH_ENCODER_DECODER,                                                 \
    "Greedy translation with a KV cache: tokens[B, max_new] (int32), pad_id "  \
    "after eos_id; 1 <= max_new <= max_len.")                                  \
  X(generate, loom_status,                                                     \
    (loom_model *model, int64_t batch, int64_t prompt_max,                     \
     const int32_t *prompt, const int32_t *prompt_len, int64_t max_new,        \
     int32_t *tokens),                                                         \
    LOOM_ARCH_DECODER,                                                         \
    "Greedy continuation of each prompt row (prompt_len[b] tokens) with a KV " \
    "cache: tokens[B, max_new], pad_id after eos_id; needs "                   \
    "max(prompt_len) + max_new - 1 <= max_len.")

/* How each architecture fills the parameters of the functions that run the
 * model: X(fn, architecture, "inputs in parameter order", "output").
 * forward's unused inputs are 0 and NULL. */
#define LOOM_API_CALLS(X)                                                      \
  X(forward, LOOM_ARCH_ENCODER_DECODER, "src src_len tgt tgt_len",             \
    "logits [B, T, tgt_vocab] float32")                                        \
  X(forward, LOOM_ARCH_ENCODER, "src src_len",                                 \
    "hidden [B, S, d_model] float32")                                          \
  X(forward, LOOM_ARCH_DECODER, "tgt tgt_len",                                 \
    "logits [B, T, tgt_vocab] float32")                                        \
  X(translate, LOOM_ARCH_ENCODER_DECODER, "src src_len",                       \
    "tokens [B, max_new] int32")                                               \
  X(generate, LOOM_ARCH_DECODER, "prompt prompt_len",                          \
    "tokens [B, max_new] int32")

/* loom_<fn>_fn: the type of NAME_<fn>. */
#define LOOM_API_POINTER_TYPE(fn, ret, params, archs, doc)                     \
  typedef ret(*loom_##fn##_fn) params;
LOOM_API_FUNCTIONS(LOOM_API_POINTER_TYPE)
#undef LOOM_API_POINTER_TYPE

#ifdef __cplusplus
}
#endif

#endif /* LOOM_MODEL_API_H */
