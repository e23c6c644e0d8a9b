//===- FakeTrainer.h - models with hand-written training plans --*- C++ -*-===//
//
// Models described by hand (as ExecutorTest's and LimitsTest's) whose plan
// functions stand in for what loomc generates, so that the runtime's and
// the C API's training can be tested without a compiled library:
//
//   train_step       records what it was given (step, seed, sizes, labels)
//                    and writes a known gradient through exec::gradient:
//                    grad[id] in kernel layout, element k =
//                    kGradientScale * (step + 100 id + k), and the loss
//                    trainerLog.loss;
//   apply_gradients  records its scalars and reals, and updates through
//                    exec::trainingBlock: m = 0.9 m + 0.1 g,
//                    v = 0.98 v + 0.02 g^2, p -= real(adam_step_size) * m;
//   forward          out[0] = the first parameter.
//
// The real kernels are tested by loom-kernel-check and the parity tests.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_TEST_RUNTIME_FAKETRAINER_H
#define LOOM_TEST_RUNTIME_FAKETRAINER_H

#include "loom/runtime/CApi.h"
#include "loom/runtime/Executor.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstring>
#include <vector>

namespace loom::test {

/// What the fake plans saw in their last call.
struct TrainerLog {
  int trainCalls = 0, applyCalls = 0;
  int64_t step = -1, seed = -1, batch = -1, sourceLength = -1, targetLength = -1;
  const int32_t *labels = nullptr, *src = nullptr, *tgt = nullptr;
  int64_t applyStep = -1;
  double stepSize = 0, biasCorrection2Sqrt = 0;
  float stepSizeAsKernelSees = 0, biasCorrection2SqrtAsKernelSees = 0;
  float loss = 1.5f; // what train_step reports
  bool viewsAgree = true; // exec::gradient(f, id) lies where trainingBlock says
};
inline TrainerLog trainerLog;

constexpr float kGradientScale = 0.25f;

inline float fakeGradient(int64_t step, int id, int64_t k) {
  return kGradientScale * float(step + 100 * id + k);
}

inline void fakeTrainStep(Frame *f) {
  TrainerLog &log = trainerLog;
  ++log.trainCalls;
  log.step = exec::scalar(f, int(ScalarSlot::step));
  log.seed = exec::scalar(f, int(ScalarSlot::dropout_seed));
  log.batch = f->batch;
  log.sourceLength = f->sourceLength;
  log.targetLength = f->targetLength;
  log.labels = f->inputs[int(InputSlot::labels)];
  log.src = f->inputs[int(InputSlot::src)];
  log.tgt = f->inputs[int(InputSlot::tgt)];
  View block = exec::trainingBlock(f, int(exec::TrainingBlock::gradients));
  const ModelDescription &d = f->model->description();
  for (int id = 0; id < int(d.weights.size()); ++id) {
    View g = exec::gradient(f, id);
    View w = exec::weight(f, id);
    log.viewsAgree = log.viewsAgree && g.rank == w.rank &&
                     g.extent[0] == w.extent[0] && g.stride[0] == w.stride[0] &&
                     static_cast<float *>(g.data) ==
                         static_cast<float *>(block.data) + f->model->weightOffset(id);
    int64_t rows = g.rank == 2 ? g.extent[0] : 1, cols = g.extent[g.rank - 1];
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = 0; c < cols; ++c)
        static_cast<float *>(g.data)[r * (g.rank == 2 ? g.stride[0] : 0) + c] =
            fakeGradient(log.step, id, r * cols + c);
  }
  View loss = exec::output(f, int(OutputSlot::loss), exec::f32, 1);
  *static_cast<float *>(loss.data) = log.loss;
}

inline void fakeApplyGradients(Frame *f) {
  TrainerLog &log = trainerLog;
  ++log.applyCalls;
  log.applyStep = exec::scalar(f, int(ScalarSlot::step));
  log.stepSize = f->reals[int(ScalarSlot::adam_step_size)];
  log.biasCorrection2Sqrt = f->reals[int(ScalarSlot::adam_bias_correction2_sqrt)];
  log.stepSizeAsKernelSees = exec::real(f, int(ScalarSlot::adam_step_size));
  log.biasCorrection2SqrtAsKernelSees =
      exec::real(f, int(ScalarSlot::adam_bias_correction2_sqrt));
  using exec::TrainingBlock;
  View p = exec::trainingBlock(f, int(TrainingBlock::parameters));
  View g = exec::trainingBlock(f, int(TrainingBlock::gradients));
  View m = exec::trainingBlock(f, int(TrainingBlock::first_moment));
  View v = exec::trainingBlock(f, int(TrainingBlock::second_moment));
  if (!f->status.ok())
    return;
  for (int64_t i = 0; i < p.extent[0]; ++i) {
    float gi = static_cast<float *>(g.data)[i];
    float &mi = static_cast<float *>(m.data)[i];
    float &vi = static_cast<float *>(v.data)[i];
    mi = 0.9f * mi + 0.1f * gi;
    vi = 0.98f * vi + 0.02f * gi * gi;
    static_cast<float *>(p.data)[i] -= log.stepSizeAsKernelSees * mi;
  }
}

inline void fakeForward(Frame *f) {
  View out = exec::output(f, int(OutputSlot::out), exec::f32, 1);
  *static_cast<float *>(out.data) = f->model->parameters()[0];
}

/// The trainer's weights: a transposed linear weight, a norm, an embedding.
inline void describeTrainerWeights(ModelDescription *d) {
  describe::weight(d, "proj.weight", true, 3, 2);
  describe::weight(d, "norm.weight", false, 2);
  describe::weight(d, "tgt_embedding.weight", false, 6, 2);
}
inline void describeTrainingPlans(ModelDescription *d) {
  describe::function(d, int(PlanFunctionId::forward), fakeForward, 0, 0, true, true);
  describe::function(d, int(PlanFunctionId::train_step), fakeTrainStep, 0, 0, true, true);
  describe::function(d, int(PlanFunctionId::apply_gradients), fakeApplyGradients, 0, 0,
                     false, false);
  describe::optimizer(d, 0.9, 0.98, 1e-9);
}

/// encoder_decoder "trainer": src_vocab 5, tgt_vocab 6, max_len 4, pad 0.
inline void describeTrainer(ModelDescription *d) {
  describe::info(d, "trainer", "encoder_decoder", 2, 1, 4, 1, 1, 5, 6, 4, 0, 1, 2);
  describeTrainerWeights(d);
  describeTrainingPlans(d);
}
/// The same weights under another model's name.
inline void describeOther(ModelDescription *d) {
  describe::info(d, "other", "encoder_decoder", 2, 1, 4, 1, 1, 5, 6, 4, 0, 1, 2);
  describeTrainerWeights(d);
  describeTrainingPlans(d);
}
/// decoder "lm": tgt_vocab 6, max_len 4, pad_id 3.
inline void describeLanguageModel(ModelDescription *d) {
  describe::info(d, "lm", "decoder", 2, 1, 4, 0, 1, 0, 6, 4, 3, 1, 2);
  describeTrainerWeights(d);
  describeTrainingPlans(d);
}
/// An encoder (no loss), plans and all.
inline void describeEncoder(ModelDescription *d) {
  describe::info(d, "enc", "encoder", 2, 1, 4, 1, 0, 5, 0, 4, 0, 1, 2);
  describeTrainerWeights(d);
  describeTrainingPlans(d);
}
/// An encoder_decoder compiled for inference only.
inline void describeInferenceOnly(ModelDescription *d) {
  describe::info(d, "inference", "encoder_decoder", 2, 1, 4, 1, 1, 5, 6, 4, 0, 1, 2);
  describeTrainerWeights(d);
  describe::function(d, int(PlanFunctionId::forward), fakeForward, 0, 0, true, true);
}

inline const ModelDescription &trainer() {
  static const ModelDescription d = describeModel(describeTrainer);
  return d;
}
inline const ModelDescription &otherTrainer() {
  static const ModelDescription d = describeModel(describeOther);
  return d;
}
inline const ModelDescription &languageModel() {
  static const ModelDescription d = describeModel(describeLanguageModel);
  return d;
}
inline const ModelDescription &encoderModel() {
  static const ModelDescription d = describeModel(describeEncoder);
  return d;
}
inline const ModelDescription &inferenceOnly() {
  static const ModelDescription d = describeModel(describeInferenceOnly);
  return d;
}

/// A handle of `d` created from `seed`, freed at the end of the scope.
struct Handle {
  loom_model *model = nullptr;
  explicit Handle(const ModelDescription &d, uint64_t seed = 1, int threads = 1) {
    EXPECT_EQ(capi::createSeeded(d, seed, threads, &model), LOOM_OK) << loom_last_error();
  }
  ~Handle() { capi::destroy(model); }
  Handle(const Handle &) = delete;
  Handle &operator=(const Handle &) = delete;
  Model &operator*() const { return *fromHandle(model); }
  Model *operator->() const { return fromHandle(model); }
};

/// Everything a checkpoint or a training step may change, copied.
struct TrainingState {
  std::vector<float> parameters, gradients, firstMoment, secondMoment;
  int64_t step = 0;
  uint64_t dropoutSeed = 0;

  static std::vector<float> copy(const float *block, int64_t n) {
    return block ? std::vector<float>(block, block + n) : std::vector<float>();
  }
  explicit TrainingState(const Model &m)
      : parameters(copy(m.parameters(), m.parameterCount())),
        gradients(copy(m.gradients(), m.parameterCount())),
        firstMoment(copy(m.firstMoment(), m.parameterCount())),
        secondMoment(copy(m.secondMoment(), m.parameterCount())), step(m.step()),
        dropoutSeed(m.dropoutSeed()) {}
  bool operator==(const TrainingState &o) const {
    // Bitwise, NaN included.
    auto same = [](const std::vector<float> &a, const std::vector<float> &b) {
      return a.size() == b.size() &&
             (a.empty() || std::memcmp(a.data(), b.data(), a.size() * 4) == 0);
    };
    return same(parameters, o.parameters) && same(gradients, o.gradients) &&
           same(firstMoment, o.firstMoment) && same(secondMoment, o.secondMoment) &&
           step == o.step && dropoutSeed == o.dropoutSeed;
  }
};

/// A batch for the trainer: B = 2, S = 3, T = 2.
struct Batch {
  int32_t src[6] = {1, 2, 3, 4, 1, 0}, srcLen[2] = {3, 2};
  int32_t tgt[4] = {1, 5, 1, 2}, tgtLen[2] = {2, 1};
  int32_t labels[4] = {5, 2, 2, 0};
  static constexpr int64_t B = 2, S = 3, T = 2;
};

inline loom_status computeGradients(loom_model *m, const Batch &b, float *loss,
                                    const int32_t *labels = nullptr) {
  return capi::computeGradients(m, Batch::B, Batch::S, b.src, b.srcLen, Batch::T, b.tgt,
                                b.tgtLen, labels ? labels : b.labels, loss);
}
inline loom_status trainStep(loom_model *m, const Batch &b, float lr, float *loss,
                             const int32_t *labels = nullptr) {
  return capi::trainStep(m, Batch::B, Batch::S, b.src, b.srcLen, Batch::T, b.tgt, b.tgtLen,
                         labels ? labels : b.labels, lr, loss);
}

} // namespace loom::test

#endif // LOOM_TEST_RUNTIME_FAKETRAINER_H
