//===- Model.h - the state behind a generated library's handle --*- C++ -*-===//
//
// A model handle holds the parameters, the positional table, the thread
// arena and the activation arenas, and runs the checks every entry point
// applies to its inputs. What the model is comes from its ModelDescription.
//
// Parameters: one contiguous, 64-byte-aligned block of P floats (P = the
// sum of the weights' sizes), every weight in description order, each in
// the layout its kernels read (linear weights transposed); weight(id)
// points into it. Training adds blocks of the same size and layout: the
// gradients (what train_step's plan writes and apply_gradients' reads) and
// Adam's first and second moments, each allocated, zeroed, on first use;
// plus the step count t (Adam steps taken; 0 at creation) and the dropout
// seed (0 at creation).
//
// Concurrency: mutex() is the handle's reader-writer lock, taken by the C
// API (CApi.cpp): calls that only read the parameters (forward, translate,
// generate, save_weights, gradients, save_checkpoint) hold it shared and
// run side by side, each with scratch memory of its own from the arena
// pool; calls that change the handle (train_step, compute_gradients,
// apply_gradients, set_dropout_seed, load_checkpoint) hold it exclusively.
// The Model's own methods take no lock: their callers hold it.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_RUNTIME_MODEL_H
#define LOOM_RUNTIME_MODEL_H

#include "loom/runtime/Arena.h"
#include "loom/runtime/HalideParallel.h"
#include "loom/runtime/ModelDescription.h"
#include "loom/runtime/Status.h"

#include <cstdlib>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <vector>

namespace loom {

/// `count` floats, 64-byte aligned, zeroed when allocated. Move-only.
class FloatBlock {
public:
  /// Allocates and zeroes `count` floats (at least one); `what` names the
  /// block in the out-of-memory message.
  Status allocate(int64_t count, const char *what);
  bool allocated() const { return data_ != nullptr; }
  float *data() const { return data_.get(); }

private:
  struct Free {
    void operator()(float *p) const { std::free(p); }
  };
  std::unique_ptr<float, Free> data_;
};

/// The most training steps a handle takes: dropout masks are keyed by the
/// step as a 32-bit integer (KernelAbi.def's rng_step), so a step past it
/// would repeat masks.
constexpr int64_t kMaxTrainingStep = 2147483647;

/// The "format" of a training checkpoint's __metadata__.
constexpr const char *kCheckpointFormat = "loom.checkpoint.v1";

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
  /// Weight `id` in its kernel layout (WeightSpec::kernelShape), inside
  /// the parameter block.
  const float *weight(int id) const { return parameters_.data() + offsets_[id]; }
  /// The sinusoidal table [max_len, d_model].
  const float *positional() const { return positional_.data(); }
  ParallelContext &parallel() { return parallel_; }
  ArenaPool &arenas() { return arenas_; }

  /// Checks one token input [batch, length] with its lengths: 1 <= length
  /// <= max_len, each len in [1, length], each id in [0, vocab).
  Status checkTokens(const char *what, const int32_t *tokens,
                     const int32_t *lengths, int64_t batch, int64_t length,
                     int64_t vocab) const;

  //===--------------------------------------------------------------------===//
  // Training state (see the top of this file)
  //===--------------------------------------------------------------------===//

  /// P: the floats of the parameter block (and of each training block).
  int64_t parameterCount() const { return parameterCount_; }
  /// Where weight `id` starts in every block.
  int64_t weightOffset(int id) const { return offsets_[id]; }
  float *parameters() const { return parameters_.data(); }
  /// nullptr until allocated by ensureGradients / ensureMoments.
  float *gradients() const { return gradients_.data(); }
  float *firstMoment() const { return firstMoment_.data(); }
  float *secondMoment() const { return secondMoment_.data(); }
  /// Allocate (zeroed) the blocks not allocated yet. Safe to call under a
  /// shared lock (they serialise among themselves); a block once allocated
  /// stays where it is.
  Status ensureGradients();
  Status ensureMoments();

  /// Adam steps taken (0 at creation).
  int64_t step() const { return step_; }
  void setStep(int64_t step) { step_ = step; }
  uint64_t dropoutSeed() const { return dropoutSeed_; }
  void setDropoutSeed(uint64_t seed) { dropoutSeed_ = seed; }

  /// The handle's reader-writer lock (taken by the C API, not here).
  std::shared_mutex &mutex() const { return mutex_; }

  /// Writes a training checkpoint (safetensors, atomically): every weight
  /// under its state_dict name and layout, Adam's moments as adam.m.<name>
  /// and adam.v.<name> in the same layout, and __metadata__ {format, model,
  /// step, dropout_seed}. Moments never allocated are written as zeros.
  Status saveCheckpoint(const char *path);
  /// Replaces the weights, moments, step count and dropout seed with a
  /// checkpoint's. Everything is validated first (format, model name,
  /// every tensor present with its shape and dtype, no other tensor,
  /// finite values, second moments >= 0, step in [0, kMaxTrainingStep]);
  /// on any error nothing changes.
  Status loadCheckpoint(const char *path);

private:
  Model(const ModelDescription &description, int threads);
  /// A model with its parameter block allocated (zeroed).
  static StatusOr<std::unique_ptr<Model>>
  create(const ModelDescription &description, int threads);
  /// Stores weight `id` from its state_dict layout into `block` (the
  /// parameter block or a training block), in its kernel layout.
  void store(int id, const float *stateDict, float *block);
  /// Weight `id` of `block` in state_dict layout: a pointer into the
  /// block, or into `scratch` when the kernel layout is transposed.
  const float *stateDictView(int id, const float *block,
                             std::vector<float> &scratch) const;
  Status ensure(FloatBlock &block, const char *what);

  const ModelDescription &description_;
  // Saving (const) transposes on the model's threads too.
  mutable ParallelContext parallel_;
  std::vector<int64_t> offsets_; // per weight, into every block
  int64_t parameterCount_ = 0;
  FloatBlock parameters_;
  FloatBlock gradients_, firstMoment_, secondMoment_;
  std::mutex allocation_; // ensureGradients / ensureMoments
  int64_t step_ = 0;
  uint64_t dropoutSeed_ = 0;
  std::vector<float> positional_;
  ArenaPool arenas_;
  mutable std::shared_mutex mutex_;
};

/// LOOM_ERROR_BAD_WEIGHTS "<file>: tensor '<name>' holds NaN at [i, j];
/// <rule>" for the first element that is not finite (or is negative, if
/// `nonNegative`); OK if there is none.
Status checkTensorValues(const std::string &file, const std::string &name,
                         const std::vector<int64_t> &shape, const float *data,
                         bool nonNegative, const char *rule);

/// A float with the digits that read back exactly ("%.9g").
std::string formatFloat(float v);

/// The handle the C API hands out.
inline loom_model *toHandle(Model *m) {
  return reinterpret_cast<loom_model *>(m);
}
inline Model *fromHandle(loom_model *h) { return reinterpret_cast<Model *>(h); }

} // namespace loom

#endif // LOOM_RUNTIME_MODEL_H
