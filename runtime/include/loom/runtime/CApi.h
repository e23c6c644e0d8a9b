//===- CApi.h - the C API every generated library exports --------*- C++ -*-===//
//
// runtime/library/ModelExports.cpp defines NAME_create, NAME_forward, ...
// (LOOM_API_FUNCTIONS) as thin wrappers over these, so the rules hold for
// every model: no exception or abort crosses the C boundary, every failure
// is a status plus a last-error message, a NULL handle or array is an
// error, not a crash, and inputs are checked before any kernel runs.
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
loom_status generate(loom_model *model, int64_t batch, int64_t promptMax,
                     const int32_t *prompt, const int32_t *promptLen,
                     int64_t maxNew, int32_t *tokens);

} // namespace loom::capi

#endif // LOOM_RUNTIME_CAPI_H
