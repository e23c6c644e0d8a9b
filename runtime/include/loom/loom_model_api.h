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
 * answer it gives alone. Calls on one handle share its weights and its
 * worker threads; each call has scratch memory of its own, so a handle
 * used by N threads at once holds up to N activation arenas. Calls that
 * change the handle (train_step, compute_gradients, apply_gradients,
 * set_dropout_seed, load_checkpoint) wait for the calls running on it and
 * run alone; the others run side by side. Only NAME_free must not overlap
 * another call on the same handle. (The gradient block NAME_gradients
 * hands out is read and written by the calls that train: a driver that
 * writes it does so between its own compute_gradients and apply_gradients,
 * not while another thread trains the handle.)
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
/* The architectures with a loss to train (logits over a target sequence). */
#define LOOM_ARCH_TRAINABLE (LOOM_ARCH_ENCODER_DECODER | LOOM_ARCH_DECODER)

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
  X(translate_beam, loom_status,                                               \
    (loom_model *model, int64_t batch, int64_t src_max, const int32_t *src,    \
     const int32_t *src_len, int64_t max_new, int64_t beam_size,               \
     float length_penalty, int32_t *tokens),                                   \
    LOOM_ARCH_ENCODER_DECODER,                                                 \
    "Beam search translation (Marian; Wu et al. 2016) with KV caches that "   \
    "follow the surviving hypotheses: tokens[B, max_new], each row's best "    \
    "finished hypothesis by log-probability / ((5 + len) / 6)^"                \
    "length_penalty, pad_id after eos_id; a row stops when all beam_size "     \
    "hypotheses ended. 1 <= beam_size <= 64 (1: translate's greedy tokens), " \
    "length_penalty finite and >= 0, 1 <= max_new <= max_len.")               \
  X(generate, loom_status,                                                     \
    (loom_model *model, int64_t batch, int64_t prompt_max,                     \
     const int32_t *prompt, const int32_t *prompt_len, int64_t max_new,        \
     int32_t *tokens),                                                         \
    LOOM_ARCH_DECODER,                                                         \
    "Greedy continuation of each prompt row (prompt_len[b] tokens) with a KV " \
    "cache, the first min(prompt_len) positions in one pass: "                 \
    "tokens[B, max_new], pad_id after eos_id; needs "                          \
    "max(prompt_len) + max_new - 1 <= max_len.")                             \
  X(cross_attention, loom_status,                                              \
    (loom_model *model, int64_t batch, int64_t src_max, const int32_t *src,    \
     const int32_t *src_len, int64_t tgt_max, const int32_t *tgt,              \
     const int32_t *tgt_len, float *weights),                                  \
    LOOM_ARCH_ENCODER_DECODER,                                                 \
    "The cross-attention probabilities of every decoder layer for a batch "   \
    "(teacher-forced, as forward): weights[decoder_layers, B, heads, T, S] "   \
    "float32; softmax over the source positions < src_len[b] (0 beyond). "     \
    "For inspection (e.g. heatmaps); it runs the whole forward.")             \
  X(train_step, loom_status,                                                   \
    (loom_model *model, int64_t batch, int64_t src_max, const int32_t *src,    \
     const int32_t *src_len, int64_t tgt_max, const int32_t *tgt,              \
     const int32_t *tgt_len, const int32_t *labels, float lr, float *loss),    \
    LOOM_ARCH_TRAINABLE,                                                       \
    "One training step (teacher forcing): the mean label-smoothed "           \
    "cross-entropy of labels[B, T] (pad_id ignored) into *loss, its "          \
    "gradients, then one Adam update with learning rate lr (finite, >= 0). "   \
    "Inputs as forward's; labels are token ids in [0, tgt_vocab), pad_id "     \
    "where a position has no loss, not all pad_id (a row of pad_id is fine). " \
    "= compute_gradients then apply_gradients, under one lock. A loss that "   \
    "is not finite is an error naming the step, and then the parameters, "     \
    "moments and step count do not change.")                                   \
  X(compute_gradients, loom_status,                                            \
    (loom_model *model, int64_t batch, int64_t src_max, const int32_t *src,    \
     const int32_t *src_len, int64_t tgt_max, const int32_t *tgt,              \
     const int32_t *tgt_len, const int32_t *labels, float *loss),              \
    LOOM_ARCH_TRAINABLE,                                                       \
    "The first half of train_step, inputs as train_step's: the loss of step " \
    "t + 1 (t: the steps taken; dropout masks from it and the seed) into "     \
    "*loss and every parameter's gradient into the handle's gradient block "   \
    "(see gradients); the parameters and the step count do not change. A "     \
    "loss that is not finite is an error naming the step (*loss holds it).")  \
  X(gradients, loom_status, (loom_model *model, float **data, int64_t *count), \
    LOOM_ARCH_TRAINABLE,                                                       \
    "The gradient block: *count floats at *data, owned by the handle (at "     \
    "the same address for its life; zeros until compute_gradients writes "     \
    "it), read by apply_gradients, which a data-parallel driver may "          \
    "overwrite in between (e.g. with the average over processes). It holds "  \
    "every parameter one after another in the library's weight order "        \
    "(state_dict order), each in the layout the kernels read (linear weights " \
    "transposed); the layout is the same for every handle of one library.")    \
  X(apply_gradients, loom_status, (loom_model *model, float lr),               \
    LOOM_ARCH_TRAINABLE,                                                       \
    "The second half of train_step: one Adam update of every parameter "      \
    "from the gradient block with learning rate lr (finite, >= 0), as "        \
    "torch.optim.Adam with the spec's adam_beta1, adam_beta2 and adam_eps "    \
    "(bias corrections for step t + 1, computed in double); the step count "   \
    "t goes up by one.")                                                       \
  X(set_dropout_seed, loom_status, (loom_model *model, uint64_t seed),         \
    LOOM_ARCH_TRAINABLE,                                                       \
    "The seed of training's dropout masks (0 at creation; a checkpoint "      \
    "carries it). Masks depend on the seed, the step count and each element " \
    "only: the same seed and step give the same masks for any thread count.") \
  X(save_checkpoint, loom_status, (loom_model *model, const char *path),       \
    LOOM_ARCH_TRAINABLE,                                                       \
    "Writes a training checkpoint (safetensors, atomically): the weights "     \
    "under their state_dict names, Adam's moments as adam.m.<name> and "       \
    "adam.v.<name> (same shapes; zeros before the first step), and in "        \
    "__metadata__ format = \"loom.checkpoint.v1\", model (the name), step "    \
    "and dropout_seed (decimal strings).")                                     \
  X(load_checkpoint, loom_status, (loom_model *model, const char *path),       \
    LOOM_ARCH_TRAINABLE,                                                       \
    "Replaces the weights, Adam state, step count and dropout seed with a "    \
    "checkpoint's; one written for another model, or damaged (a tensor "       \
    "missing, extra or misshapen, a value not finite, metadata unreadable), " \
    "is refused naming what is wrong, and nothing changes.")

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
    "tokens [B, max_new] int32")                                               \
  X(train_step, LOOM_ARCH_ENCODER_DECODER,                                     \
    "src src_len tgt tgt_len labels",                                          \
    "loss float32 (one per call; loom-run --steps=K: [K])")                    \
  X(train_step, LOOM_ARCH_DECODER, "tgt tgt_len labels",                       \
    "loss float32 (one per call; loom-run --steps=K: [K])")

/* loom_<fn>_fn: the type of NAME_<fn>. */
#define LOOM_API_POINTER_TYPE(fn, ret, params, archs, doc)                     \
  typedef ret(*loom_##fn##_fn) params;
LOOM_API_FUNCTIONS(LOOM_API_POINTER_TYPE)
#undef LOOM_API_POINTER_TYPE

#ifdef __cplusplus
}
#endif

#endif /* LOOM_MODEL_API_H */
