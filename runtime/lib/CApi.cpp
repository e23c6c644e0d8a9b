//===- CApi.cpp - the C API functions every generated library shares ------===//
#include "loom/runtime/CApi.h"

namespace loom::capi {

namespace {

/// Hands a created model to the caller, or reports why there is none.
Status publish(StatusOr<std::unique_ptr<Model>> model, loom_model **out) {
  if (!model.ok())
    return model.status();
  *out = toHandle(model.value().release());
  return Status();
}

} // namespace

loom_status create(const ModelDescription &description, const char *path,
                   int threads, loom_model **out) {
  return guardCApi([&]() -> Status {
    if (!out)
      return Status::invalidArgument("the output handle pointer is NULL");
    *out = nullptr;
    return publish(Model::load(description, path, threads), out);
  });
}

loom_status createSeeded(const ModelDescription &description, uint64_t seed,
                         int threads, loom_model **out) {
  return guardCApi([&]() -> Status {
    if (!out)
      return Status::invalidArgument("the output handle pointer is NULL");
    *out = nullptr;
    return publish(Model::seeded(description, seed, threads), out);
  });
}

void destroy(loom_model *model) { delete fromHandle(model); }

loom_status saveWeights(loom_model *handle, const char *path) {
  return guardCApi([&]() -> Status {
    if (!handle)
      return Status::invalidArgument("the model handle is NULL");
    return fromHandle(handle)->save(path);
  });
}

} // namespace loom::capi
