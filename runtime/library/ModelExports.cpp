//===- ModelExports.cpp - the C API of one generated library --------------===//
//
// Compiled once per library by loomc, with -D'LOOM_FN(fn)=<name>_##fn' and
// -DLOOM_MODEL_ARCH=<the LOOM_ARCH_* bit of its architecture>: defines
// <name>_create, <name>_forward, ... over loom::capi, for the model that
// the library's generated loom_describe() describes. Every function of
// LOOM_API_FUNCTIONS is declared first from that one definition, so a
// definition here with another signature does not compile.
//
//===----------------------------------------------------------------------===//
#include "loom/runtime/CApi.h"

// LOOM_FN pastes the name as one token (<name>_ ## fn) so that a name some
// header defines as a macro (errno, EOF, NULL) is never expanded.
#if !defined(LOOM_FN) || !defined(LOOM_MODEL_ARCH)
#error "compile with -D'LOOM_FN(fn)=<name>_##fn' -DLOOM_MODEL_ARCH=<LOOM_ARCH_*>"
#endif

/// The generated glue's description of this model.
void loom_describe(loom::ModelDescription *description);

namespace {
const loom::ModelDescription &model() {
  static const loom::ModelDescription description =
      loom::describeModel(loom_describe);
  return description;
}
} // namespace

extern "C" {

#define LOOM_DECLARE(fn, ret, params, archs, doc) LOOM_EXPORT ret LOOM_FN(fn) params;
LOOM_API_FUNCTIONS(LOOM_DECLARE)
#undef LOOM_DECLARE

const loom_model_info *LOOM_FN(info)(void) { return &model().info; }

loom_status LOOM_FN(create)(const char *weights_path, int threads,
                            loom_model **out) {
  return loom::capi::create(model(), weights_path, threads, out);
}

loom_status LOOM_FN(create_seeded)(uint64_t seed, int threads,
                                   loom_model **out) {
  return loom::capi::createSeeded(model(), seed, threads, out);
}

void LOOM_FN(free)(loom_model *handle) { loom::capi::destroy(handle); }

const char *LOOM_FN(last_error)(void) { return loom_last_error(); }

loom_status LOOM_FN(save_weights)(loom_model *handle, const char *path) {
  return loom::capi::saveWeights(handle, path);
}

loom_status LOOM_FN(forward)(loom_model *handle, int64_t batch,
                             int64_t src_max, const int32_t *src,
                             const int32_t *src_len, int64_t tgt_max,
                             const int32_t *tgt, const int32_t *tgt_len,
                             float *out) {
  return loom::capi::forward(handle, batch, src_max, src, src_len, tgt_max,
                             tgt, tgt_len, out);
}

// The functions only some architectures have (LOOM_API_FUNCTIONS' column).
#if LOOM_MODEL_ARCH & LOOM_ARCH_ENCODER_DECODER
loom_status LOOM_FN(translate)(loom_model *handle, int64_t batch,
                               int64_t src_max, const int32_t *src,
                               const int32_t *src_len, int64_t max_new,
                               int32_t *tokens) {
  return loom::capi::translate(handle, batch, src_max, src, src_len, max_new,
                               tokens);
}

loom_status LOOM_FN(translate_beam)(loom_model *handle, int64_t batch,
                                    int64_t src_max, const int32_t *src,
                                    const int32_t *src_len, int64_t max_new,
                                    int64_t beam_size, float length_penalty,
                                    int32_t *tokens) {
  return loom::capi::translateBeam(handle, batch, src_max, src, src_len,
                                   max_new, beam_size, length_penalty, tokens);
}

loom_status LOOM_FN(cross_attention)(loom_model *handle, int64_t batch,
                                     int64_t src_max, const int32_t *src,
                                     const int32_t *src_len, int64_t tgt_max,
                                     const int32_t *tgt, const int32_t *tgt_len,
                                     float *weights) {
  return loom::capi::crossAttention(handle, batch, src_max, src, src_len,
                                    tgt_max, tgt, tgt_len, weights);
}
#endif

#if LOOM_MODEL_ARCH & LOOM_ARCH_DECODER
loom_status LOOM_FN(generate)(loom_model *handle, int64_t batch,
                              int64_t prompt_max, const int32_t *prompt,
                              const int32_t *prompt_len, int64_t max_new,
                              int32_t *tokens) {
  return loom::capi::generate(handle, batch, prompt_max, prompt, prompt_len,
                              max_new, tokens);
}
#endif

// Training: the architectures with a loss (LOOM_ARCH_TRAINABLE).
#if LOOM_MODEL_ARCH & LOOM_ARCH_TRAINABLE
loom_status LOOM_FN(train_step)(loom_model *handle, int64_t batch,
                                int64_t src_max, const int32_t *src,
                                const int32_t *src_len, int64_t tgt_max,
                                const int32_t *tgt, const int32_t *tgt_len,
                                const int32_t *labels, float lr, float *loss) {
  return loom::capi::trainStep(handle, batch, src_max, src, src_len, tgt_max,
                               tgt, tgt_len, labels, lr, loss);
}

loom_status LOOM_FN(compute_gradients)(loom_model *handle, int64_t batch,
                                       int64_t src_max, const int32_t *src,
                                       const int32_t *src_len, int64_t tgt_max,
                                       const int32_t *tgt,
                                       const int32_t *tgt_len,
                                       const int32_t *labels, float *loss) {
  return loom::capi::computeGradients(handle, batch, src_max, src, src_len,
                                      tgt_max, tgt, tgt_len, labels, loss);
}

loom_status LOOM_FN(gradients)(loom_model *handle, float **data,
                               int64_t *count) {
  return loom::capi::gradients(handle, data, count);
}

loom_status LOOM_FN(apply_gradients)(loom_model *handle, float lr) {
  return loom::capi::applyGradients(handle, lr);
}

loom_status LOOM_FN(set_dropout_seed)(loom_model *handle, uint64_t seed) {
  return loom::capi::setDropoutSeed(handle, seed);
}

loom_status LOOM_FN(save_checkpoint)(loom_model *handle, const char *path) {
  return loom::capi::saveCheckpoint(handle, path);
}

loom_status LOOM_FN(load_checkpoint)(loom_model *handle, const char *path) {
  return loom::capi::loadCheckpoint(handle, path);
}
#endif

} // extern "C"
