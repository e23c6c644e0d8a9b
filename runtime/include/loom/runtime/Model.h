//===- Model.h - the state behind a generated library's handle --*- C++ -*-===//
//
// A generated library describes its model (loom_model_info, the weights it
// needs and in which layout its kernels read them) and keeps everything else
// here: the validated weights, the positional table, the thread arena, the
// activation arena, and the checks every entry point runs on its inputs.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_RUNTIME_MODEL_H
#define LOOM_RUNTIME_MODEL_H

#include "loom/loom_model_api.h"
#include "loom/runtime/Arena.h"
#include "loom/runtime/HalideParallel.h"
#include "loom/runtime/Kernels.h"
#include "loom/runtime/Status.h"

#include <memory>
#include <string>
#include <vector>

namespace loom {

/// One parameter: its state_dict name, shape (rank 1 or 2), and whether the
/// kernels read it transposed (linear weights: [out, in] is stored [in, out]).
struct WeightSpec {
  const char *name;
  int rank;
  int64_t dims[2];
  bool transposed;
};

struct ModelDescription {
  loom_model_info info;
  const WeightSpec *weights;
  int numWeights;
};

class Model {
public:
  /// Loads and validates `path` (safetensors): a missing, extra, misshapen
  /// or non-F32 tensor is refused naming it; nothing is half-loaded.
  static StatusOr<std::unique_ptr<Model>>
  load(const ModelDescription &description, const char *path, int threads);
  /// Deterministic in-library initialisation: matrices uniform in
  /// ±sqrt(6 / (fan_in + fan_out)), embeddings N(0, 1), LayerNorm 1 and 0,
  /// biases 0.
  static StatusOr<std::unique_ptr<Model>>
  seeded(const ModelDescription &description, uint64_t seed, int threads);

  /// Writes the weights (state_dict layout) as safetensors, atomically.
  Status save(const char *path) const;

  const loom_model_info &info() const { return description_.info; }
  /// Weight `id` in its kernel layout, as a matrix (vectors are one row).
  ConstMat weight(int id) const;
  /// The sinusoidal table [max_len, d_model].
  ConstMat positional() const;
  ParallelContext &parallel() { return parallel_; }
  /// The activation arena, at least `bytes` long.
  StatusOr<float *> arena(size_t bytes);

  /// Checks one token input [batch, length] with its lengths: 1 <= length
  /// <= max_len, each len in [1, length], each id in [0, vocab).
  Status checkTokens(const char *what, const int32_t *tokens,
                     const int32_t *lengths, int64_t batch, int64_t length,
                     int64_t vocab) const;

private:
  Model(const ModelDescription &description, int threads);
  void buildKernelLayouts();

  ModelDescription description_;
  ParallelContext parallel_;
  std::vector<std::vector<float>> values_;  // state_dict layout
  std::vector<std::vector<float>> kernel_;  // transposed copies, or empty
  std::vector<float> positional_;
  Arena arena_;
};

/// The handle the C API hands out.
inline loom_model *toHandle(Model *m) {
  return reinterpret_cast<loom_model *>(m);
}
inline Model *fromHandle(loom_model *h) { return reinterpret_cast<Model *>(h); }

} // namespace loom

#endif // LOOM_RUNTIME_MODEL_H
