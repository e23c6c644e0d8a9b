//===- CApi.h - the C API every generated library exports --------*- C++ -*-===//
//
// runtime/library/ModelExports.cpp defines NAME_create, NAME_forward, ...
// (LOOM_API_FUNCTIONS) as thin wrappers over these, so the rules hold for
// every model: no exception or abort crosses the C boundary, every failure
// is a status plus a last-error message, a NULL handle or array is an
// error, not a crash, and inputs are checked before any kernel runs.
//
// Each call on a handle holds the handle's lock (Model::mutex()): shared
// for the calls that only read it (forward, translate, generate,
// cross_attention, save_weights, gradients, save_checkpoint), exclusive for the ones that
// change it (train_step, compute_gradients, apply_gradients,
// set_dropout_seed, load_checkpoint).
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_RUNTIME_CAPI_H
#define LOOM_RUNTIME_CAPI_H

#include "loom/runtime/Model.h"

#define LOOM_EXPORT __attribute__((visibility("default")))

namespace loom::capi {

loom_status create(const ModelDescription &description, const char *path,
                   int threads, loom_model **out);
loom_status createSeeded(const ModelDescription &description, uint64_t seed,
                         int threads, loom_model **out);
void destroy(loom_model *model);
loom_status saveWeights(loom_model *model, const char *path);

loom_status forward(loom_model *model, int64_t batch, int64_t srcMax,
                    const int32_t *src, const int32_t *srcLen, int64_t tgtMax,
                    const int32_t *tgt, const int32_t *tgtLen, float *out);
loom_status translate(loom_model *model, int64_t batch, int64_t srcMax,
                      const int32_t *src, const int32_t *srcLen,
                      int64_t maxNew, int32_t *tokens);
loom_status translateBeam(loom_model *model, int64_t batch, int64_t srcMax,
                          const int32_t *src, const int32_t *srcLen,
                          int64_t maxNew, int64_t beamSize,
                          float lengthPenalty, int32_t *tokens);
loom_status generate(loom_model *model, int64_t batch, int64_t promptMax,
                     const int32_t *prompt, const int32_t *promptLen,
                     int64_t maxNew, int32_t *tokens);
/// Every decoder layer's cross-attention probabilities, inputs as forward's:
/// weights[decoder_layers, B, heads, T, S] (the cross_attention plan).
loom_status crossAttention(loom_model *model, int64_t batch, int64_t srcMax,
                           const int32_t *src, const int32_t *srcLen,
                           int64_t tgtMax, const int32_t *tgt,
                           const int32_t *tgtLen, float *weights);

// Training (LOOM_ARCH_TRAINABLE; loom_model_api.h documents each one).
loom_status trainStep(loom_model *model, int64_t batch, int64_t srcMax,
                      const int32_t *src, const int32_t *srcLen, int64_t tgtMax,
                      const int32_t *tgt, const int32_t *tgtLen,
                      const int32_t *labels, float lr, float *loss);
loom_status computeGradients(loom_model *model, int64_t batch, int64_t srcMax,
                             const int32_t *src, const int32_t *srcLen,
                             int64_t tgtMax, const int32_t *tgt,
                             const int32_t *tgtLen, const int32_t *labels,
                             float *loss);
loom_status gradients(loom_model *model, float **data, int64_t *count);
loom_status applyGradients(loom_model *model, float lr);
loom_status setDropoutSeed(loom_model *model, uint64_t seed);
loom_status saveCheckpoint(loom_model *model, const char *path);
loom_status loadCheckpoint(loom_model *model, const char *path);

/// Adam's two step constants for step t (>= 1) as torch.optim.Adam
/// computes them in double (_single_tensor_adam, not capturable):
/// step_size = lr / (1 - beta1^t), bias_correction2_sqrt =
/// sqrt(1 - beta2^t).
struct AdamStep {
  double stepSize, biasCorrection2Sqrt;
};
AdamStep adamStep(double lr, double beta1, double beta2, int64_t t);

} // namespace loom::capi

#endif // LOOM_RUNTIME_CAPI_H
