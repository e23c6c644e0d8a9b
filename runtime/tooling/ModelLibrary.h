//===- ModelLibrary.h - a compiled Loom library opened with dlopen -*- C++ -*-===//
//
// What a tool (loom-run, loom-train, loom-translate) needs to use a model
// library lib<NAME>.so it did not link against: dlopen, every NAME_<fn> of
// LOOM_API_FUNCTIONS that the library exports (an architecture exports only
// its own), and the handle's lifetime. The members are generated from the one
// definition of the C API, so a new API function appears here by itself.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_TOOLING_MODELLIBRARY_H
#define LOOM_TOOLING_MODELLIBRARY_H

#include "loom/loom_model_api.h"
#include "loom/runtime/Status.h"

#include <memory>
#include <string>

namespace loom {

class ModelLibrary {
public:
  ModelLibrary() = default;
  ModelLibrary(const ModelLibrary &) = delete;
  ModelLibrary &operator=(const ModelLibrary &) = delete;
  ~ModelLibrary(); // dlclose

  /// Opens `path` (a regular file named lib<NAME>.so, NAME a C identifier),
  /// resolves NAME_info, NAME_last_error, NAME_create, NAME_create_seeded and
  /// NAME_free (required) and every other API function the library has, and
  /// checks NAME_info() enough that sizes computed from it cannot overflow.
  Status open(const std::string &path);

  /// Opens the only lib*.so in directory `dir` (a model directory).
  Status openInDirectory(const std::string &dir);

  const std::string &path() const { return path_; }
  const std::string &name() const { return name_; } // NAME
  const loom_model_info &modelInfo() const { return *info_; }
  bool hasArchitecture(int archBit) const; // LOOM_ARCH_* of modelInfo()

  /// An error for a failed NAME_<call>: NAME_last_error(), or the status when
  /// the library gives no message.
  Status errorOf(const char *call, loom_status status) const;

  /// "module 'PATH' is not a Loom library for model 'NAME': it has no symbol
  /// 'NAME_<fn>'" unless the function was resolved.
  Status require(const char *fn, const void *slot) const;

  /// The resolved NAME_<fn> of an API function named at run time (a tool's
  /// --function), nullptr where the library lacks it or no API function is
  /// so named.
  const void *slot(const std::string &fn) const;

  // One pointer per API function: nullptr where the library lacks it.
#define LOOM_MODEL_LIBRARY_SLOT(fn, ret, params, archs, doc)                   \
  loom_##fn##_fn fn = nullptr;
  LOOM_API_FUNCTIONS(LOOM_MODEL_LIBRARY_SLOT)
#undef LOOM_MODEL_LIBRARY_SLOT

private:
  std::string path_, name_;
  void *handle_ = nullptr;
  const loom_model_info *info_ = nullptr;
};

/// Frees a model handle with its library's NAME_free.
struct ModelDeleter {
  loom_free_fn freeFn = nullptr;
  void operator()(loom_model *model) const {
    if (model && freeFn)
      freeFn(model);
  }
};
using ModelHandle = std::unique_ptr<loom_model, ModelDeleter>;

/// NAME_create(weights) or, with an empty path, NAME_create_seeded(seed).
Status createModel(const ModelLibrary &library, const std::string &weightsPath,
                   uint64_t seed, int threads, ModelHandle &model);

} // namespace loom

#endif // LOOM_TOOLING_MODELLIBRARY_H
