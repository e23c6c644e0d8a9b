//===- CApi.h - the C API functions every generated library shares -*- C++ -*-===//
//
// Generated glue defines NAME_create, NAME_forward, ... as thin wrappers over
// these, so the rules hold for every model: no exception or abort crosses
// the C boundary, every failure is a status plus a last-error message, and a
// NULL handle is an error, not a crash.
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

/// Runs `body(model)` inside the model's thread arena and reports its status.
template <typename Body> loom_status call(loom_model *handle, Body &&body) {
  return guardCApi([&]() -> Status {
    if (!handle)
      return Status::invalidArgument("the model handle is NULL");
    Model &model = *fromHandle(handle);
    return model.parallel().run([&]() -> Status { return body(model); });
  });
}

} // namespace loom::capi

#endif // LOOM_RUNTIME_CAPI_H
