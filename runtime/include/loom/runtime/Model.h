//===- Model.h - the state behind a generated library's handle --*- C++ -*-===//
//
// A model handle holds the weights (one copy each, in the layout its kernels
// read; linear weights transposed), the positional table, the thread arena
// and the activation arenas, and runs the checks every entry point applies
// to its inputs. What the model is comes from its ModelDescription.
//
// Concurrency: the weights and the table are written only while the model
// is created; every call reads them and takes its scratch memory from the
// arena pool, and its decoding state lives in the call. So calls on one
// model may run at once from several threads (loom_model_api.h says so).
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_RUNTIME_MODEL_H
#define LOOM_RUNTIME_MODEL_H

#include "loom/runtime/Arena.h"
#include "loom/runtime/HalideParallel.h"
#include "loom/runtime/ModelDescription.h"
#include "loom/runtime/Status.h"

#include <memory>
#include <vector>

namespace loom {

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

  const ModelDescription &description() const { return description_; }
  const loom_model_info &info() const { return description_.info; }
  /// Weight `id` in its kernel layout (WeightSpec::kernelShape).
  const float *weight(int id) const { return weights_[id].data(); }
  /// The sinusoidal table [max_len, d_model].
  const float *positional() const { return positional_.data(); }
  ParallelContext &parallel() { return parallel_; }
  ArenaPool &arenas() { return arenas_; }

  /// Checks one token input [batch, length] with its lengths: 1 <= length
  /// <= max_len, each len in [1, length], each id in [0, vocab).
  Status checkTokens(const char *what, const int32_t *tokens,
                     const int32_t *lengths, int64_t batch, int64_t length,
                     int64_t vocab) const;

private:
  Model(const ModelDescription &description, int threads);
  /// Stores weight `id` from its state_dict layout.
  void setWeight(int id, const float *stateDict);

  const ModelDescription &description_;
  // Saving (const) transposes on the model's threads too.
  mutable ParallelContext parallel_;
  std::vector<std::vector<float>> weights_; // kernel layout
  std::vector<float> positional_;
  ArenaPool arenas_;
};

/// The handle the C API hands out.
inline loom_model *toHandle(Model *m) {
  return reinterpret_cast<loom_model *>(m);
}
inline Model *fromHandle(loom_model *h) { return reinterpret_cast<Model *>(h); }

} // namespace loom

#endif // LOOM_RUNTIME_MODEL_H
