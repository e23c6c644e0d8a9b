//===- CApi.cpp - the C API every generated library exports --------------===//
#include "loom/runtime/CApi.h"

#include "loom/runtime/BeamSearch.h"
#include "loom/runtime/Decoding.h"
#include "loom/runtime/Executor.h"
#include "loom/runtime/SafetensorsReader.h" // formatShape

#include <climits>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

namespace loom::capi {

namespace {

/// Hands a created model to the caller, or reports why there is none.
Status publish(StatusOr<std::unique_ptr<Model>> model, loom_model **out) {
  if (!model.ok())
    return model.status();
  *out = toHandle(model.value().release());
  return Status();
}

/// How a call holds the handle's lock.
enum class Access {
  read, // shared: the call reads the parameters, other readers run too
  write // exclusive: the call changes the handle, nothing else runs
};

/// Runs `body(model)` under the handle's lock, inside the model's thread
/// arena, and reports its status. The lock is taken before entering the
/// arena, so a call waiting for it holds none of the arena's threads.
template <typename Body>
loom_status call(loom_model *handle, Access access, Body &&body) {
  return guardCApi([&]() -> Status {
    if (!handle)
      return Status::invalidArgument("the model handle is NULL");
    Model &model = *fromHandle(handle);
    auto run = [&]() -> Status {
      return model.parallel().run([&]() -> Status { return body(model); });
    };
    if (access == Access::read) {
      std::shared_lock<std::shared_mutex> lock(model.mutex());
      return run();
    }
    std::unique_lock<std::shared_mutex> lock(model.mutex());
    return run();
  });
}

/// forward's (and training's) token inputs, checked, into `f`: the sides
/// the architecture uses; the others are ignored.
Status bindInputs(Model &m, Frame &f, int64_t batch, int64_t srcMax,
                  const int32_t *src, const int32_t *srcLen, int64_t tgtMax,
                  const int32_t *tgt, const int32_t *tgtLen) {
  const loom_model_info &info = m.info();
  int architecture = m.description().architectureBit();
  f.batch = batch;
  // One side's tokens and lengths, checked, into the frame.
  auto bind = [&](const char *what, const int32_t *tokens,
                  const int32_t *lengths, int64_t length, int64_t vocab,
                  InputSlot tokenSlot, InputSlot lengthSlot) {
    f.inputs[int(tokenSlot)] = tokens;
    f.inputs[int(lengthSlot)] = lengths;
    return m.checkTokens(what, tokens, lengths, batch, length, vocab);
  };
  if (architecture != LOOM_ARCH_DECODER) {
    f.sourceLength = srcMax;
    LOOM_RETURN_IF_ERROR(bind("src", src, srcLen, srcMax, info.src_vocab,
                              InputSlot::src, InputSlot::src_len));
  }
  if (architecture != LOOM_ARCH_ENCODER) {
    f.targetLength = tgtMax;
    LOOM_RETURN_IF_ERROR(bind("tgt", tgt, tgtLen, tgtMax, info.tgt_vocab,
                              InputSlot::tgt, InputSlot::tgt_len));
  }
  return Status();
}

/// The size of forward's output (or of training's logits), before any
/// kernel runs: Halide kernels index with 32 bits, so a [B, T, tgt_vocab]
/// (or [B, S, d_model]) buffer of 2^31 elements or more would fail late
/// with Halide's raw error. (Inputs already checked: sizes are >= 1.)
Status checkLogitsSize(const Model &m, int64_t batch, int64_t srcMax,
                       int64_t tgtMax, bool training) {
  const loom_model_info &info = m.info();
  bool encoder = m.description().architectureBit() == LOOM_ARCH_ENCODER;
  std::vector<int64_t> shape = {batch, encoder ? srcMax : tgtMax,
                                encoder ? info.d_model : info.tgt_vocab};
  int64_t elements = 0;
  bool overflow = __builtin_mul_overflow(shape[0], shape[1], &elements) ||
                  __builtin_mul_overflow(elements, shape[2], &elements);
  if (!overflow && elements <= INT32_MAX)
    return Status();
  std::string count = overflow ? std::string("more than 2^63")
                               : std::to_string(elements);
  std::string advice = " (2147483648): use a smaller batch or shorter sequences";
  if (training)
    return Status::outOfMemory(
        "training's logits [B, T, tgt_vocab] = " + formatShape(shape) +
        " have " + count +
        " elements; the kernels index with 32 bits, so they must have fewer "
        "than 2^31" + advice);
  return Status::outOfMemory(
      std::string("the output ") +
      (encoder ? "hidden [B, S, d_model]" : "logits [B, T, tgt_vocab]") +
      " = " + formatShape(shape) + " has " + count +
      " elements; the kernels index with 32 bits, so an output must have "
      "fewer than 2^31" + advice);
}

/// cross_attention's output, before any kernel runs: each decoder layer's
/// [B, heads, T, S] is one kernel's output, so it must have fewer than 2^31
/// elements (Halide indexes with 32 bits), and the whole [L, B, heads, T, S]
/// must be addressable.
Status checkCrossAttentionSize(const Model &m, int64_t batch, int64_t srcMax,
                               int64_t tgtMax) {
  const loom_model_info &info = m.info();
  std::vector<int64_t> shape = {info.decoder_layers, batch, info.heads, tgtMax,
                                srcMax};
  int64_t layer = 1, all = 0;
  bool overflow = false;
  for (size_t i = 1; i < shape.size(); ++i)
    overflow = overflow || __builtin_mul_overflow(layer, shape[i], &layer);
  overflow = overflow || __builtin_mul_overflow(layer, shape[0], &all) ||
             all > INT64_MAX / 4;
  if (!overflow && layer <= INT32_MAX)
    return Status();
  return Status::outOfMemory(
      "the cross-attention weights [decoder_layers, B, heads, T, S] = " +
      formatShape(shape) + " have " +
      (overflow ? std::string("more than 2^63 bytes")
                : std::to_string(layer) + " elements per layer") +
      "; the kernels index with 32 bits, so a layer must have fewer than "
      "2^31 (2147483648): use a smaller batch or shorter sequences");
}

//===----------------------------------------------------------------------===//
// Training
//===----------------------------------------------------------------------===//

/// The model can train: an architecture with a loss, and (`plan`) a
/// library compiled with the plan function that runs.
Status checkTrainable(const Model &m, const PlanFunctionId *plan = nullptr) {
  const ModelDescription &d = m.description();
  if (!(d.architectureBit() & LOOM_ARCH_TRAINABLE))
    return Status::invalidArgument("model '" + d.name + "' is an " +
                                   d.architecture +
                                   " model: it has no loss to train (training "
                                   "needs logits over a target sequence)");
  if (plan && !d.function(*plan).fn)
    return Status::invalidArgument(
        "model '" + d.name + "' cannot train: its library has no " +
        (*plan == PlanFunctionId::train_step ? "train_step" : "apply_gradients") +
        " plan (compile it with a loomc that builds training)");
  if (plan && *plan == PlanFunctionId::apply_gradients && !d.optimizer.present)
    return Status::internal("model '" + d.name +
                            "' has an apply_gradients plan but no Adam "
                            "hyper-parameters (describe::optimizer)");
  return Status();
}

Status checkLearningRate(float lr) {
  if (!std::isfinite(lr) || lr < 0)
    return Status::invalidArgument("the learning rate must be finite and >= 0, got " +
                                   (std::isnan(lr)   ? std::string("NaN")
                                    : std::isinf(lr) ? std::string(lr > 0 ? "+Inf" : "-Inf")
                                                     : formatFloat(lr)));
  return Status();
}

/// The next step, t + 1, if the handle may take it.
Status nextStep(const Model &m, int64_t &step) {
  if (m.step() >= kMaxTrainingStep)
    return Status::invalidArgument(
        "model '" + m.description().name + "' has taken " +
        std::to_string(m.step()) +
        " training steps, the most a handle takes (dropout masks are keyed "
        "by a 32-bit step)");
  step = m.step() + 1;
  return Status();
}

/// labels [B, T]: token ids of the target vocabulary, pad_id where no loss
/// is wanted, and not all pad_id.
Status checkLabels(const Model &m, const int32_t *labels, int64_t batch,
                   int64_t length) {
  const loom_model_info &info = m.info();
  if (!labels)
    return Status::invalidArgument("input 'labels': NULL array");
  bool anyLabel = false;
  for (int64_t i = 0; i < batch * length; ++i) {
    if (labels[i] < 0 || labels[i] >= info.tgt_vocab)
      return Status::invalidArgument(
          "input 'labels'[" + std::to_string(i / length) + ", " +
          std::to_string(i % length) + "] = " + std::to_string(labels[i]) +
          " is not a token id of the target vocabulary [0, " +
          std::to_string(info.tgt_vocab) + ") (pad_id = " +
          std::to_string(info.pad_id) + " marks a position without a loss)");
    anyLabel = anyLabel || labels[i] != info.pad_id;
  }
  if (!anyLabel)
    return Status::invalidArgument("input 'labels': every label is pad_id (" +
                                   std::to_string(info.pad_id) +
                                   "): the mean loss is undefined");
  return Status();
}

/// compute_gradients under the caller's exclusive lock: the loss into
/// *loss (also when it is not finite, which is an error naming the step).
Status computeGradientsLocked(Model &m, int64_t batch, int64_t srcMax,
                              const int32_t *src, const int32_t *srcLen,
                              int64_t tgtMax, const int32_t *tgt,
                              const int32_t *tgtLen, const int32_t *labels,
                              float *loss) {
  const PlanFunctionId plan = PlanFunctionId::train_step;
  LOOM_RETURN_IF_ERROR(checkTrainable(m, &plan));
  if (!loss)
    return Status::invalidArgument("the loss pointer is NULL");
  Frame f(m);
  LOOM_RETURN_IF_ERROR(
      bindInputs(m, f, batch, srcMax, src, srcLen, tgtMax, tgt, tgtLen));
  LOOM_RETURN_IF_ERROR(checkLabels(m, labels, batch, tgtMax));
  LOOM_RETURN_IF_ERROR(checkLogitsSize(m, batch, srcMax, tgtMax, true));
  int64_t step = 0;
  LOOM_RETURN_IF_ERROR(nextStep(m, step));
  float value = std::numeric_limits<float>::quiet_NaN(); // if never written
  f.inputs[int(InputSlot::labels)] = labels;
  f.scalars[int(ScalarSlot::step)] = step;
  f.scalars[int(ScalarSlot::dropout_seed)] = int64_t(m.dropoutSeed());
  f.outputs[int(OutputSlot::loss)] = &value;
  LOOM_RETURN_IF_ERROR(runPlan(m, plan, f));
  *loss = value;
  if (!std::isfinite(value))
    return Status::invalidArgument(
        std::string("the loss is ") +
        (std::isnan(value) ? "NaN" : value > 0 ? "+Inf" : "-Inf") +
        " at step " + std::to_string(step) +
        ": training diverged; lower the learning rate");
  return Status();
}

/// apply_gradients under the caller's exclusive lock.
Status applyGradientsLocked(Model &m, float lr) {
  const PlanFunctionId plan = PlanFunctionId::apply_gradients;
  LOOM_RETURN_IF_ERROR(checkTrainable(m, &plan));
  LOOM_RETURN_IF_ERROR(checkLearningRate(lr));
  int64_t step = 0;
  LOOM_RETURN_IF_ERROR(nextStep(m, step));
  const OptimizerSpec &adam = m.description().optimizer;
  AdamStep constants = adamStep(double(lr), adam.beta1, adam.beta2, step);
  Frame f(m);
  f.scalars[int(ScalarSlot::step)] = step;
  f.scalars[int(ScalarSlot::dropout_seed)] = int64_t(m.dropoutSeed());
  f.reals[int(ScalarSlot::adam_step_size)] = constants.stepSize;
  f.reals[int(ScalarSlot::adam_bias_correction2_sqrt)] =
      constants.biasCorrection2Sqrt;
  LOOM_RETURN_IF_ERROR(runPlan(m, plan, f));
  m.setStep(step);
  return Status();
}

} // namespace

AdamStep adamStep(double lr, double beta1, double beta2, int64_t t) {
  // torch: step = step_t.item() (a float); bias_correction1 = 1 - beta1 **
  // step; step_size = lr / bias_correction1; bias_correction2_sqrt =
  // math.sqrt(1 - beta2 ** step). Python's float ** float is C's pow.
  double step = double(t);
  double biasCorrection1 = 1.0 - std::pow(beta1, step);
  double biasCorrection2 = 1.0 - std::pow(beta2, step);
  return {lr / biasCorrection1, std::sqrt(biasCorrection2)};
}

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
  return call(handle, Access::read,
              [&](Model &m) -> Status { return m.save(path); });
}

loom_status forward(loom_model *handle, int64_t batch, int64_t srcMax,
                    const int32_t *src, const int32_t *srcLen, int64_t tgtMax,
                    const int32_t *tgt, const int32_t *tgtLen, float *out) {
  return call(handle, Access::read, [&](Model &m) -> Status {
    if (!out)
      return Status::invalidArgument("the output array is NULL");
    Frame f(m);
    LOOM_RETURN_IF_ERROR(
        bindInputs(m, f, batch, srcMax, src, srcLen, tgtMax, tgt, tgtLen));
    LOOM_RETURN_IF_ERROR(checkLogitsSize(m, batch, srcMax, tgtMax, false));
    f.outputs[int(OutputSlot::out)] = out;
    return runPlan(m, PlanFunctionId::forward, f);
  });
}

loom_status crossAttention(loom_model *handle, int64_t batch, int64_t srcMax,
                           const int32_t *src, const int32_t *srcLen,
                           int64_t tgtMax, const int32_t *tgt,
                           const int32_t *tgtLen, float *weights) {
  return call(handle, Access::read, [&](Model &m) -> Status {
    if (!weights)
      return Status::invalidArgument("the weights array is NULL");
    const ModelDescription &d = m.description();
    if (!d.function(PlanFunctionId::cross_attention).fn)
      return Status::invalidArgument(
          "model '" + d.name + "' has no cross_attention plan (an " +
          d.architecture +
          " model has no cross-attention; an encoder_decoder library gets "
          "one from loomc's --loom-derive-cross-attention)");
    Frame f(m);
    LOOM_RETURN_IF_ERROR(
        bindInputs(m, f, batch, srcMax, src, srcLen, tgtMax, tgt, tgtLen));
    LOOM_RETURN_IF_ERROR(checkLogitsSize(m, batch, srcMax, tgtMax, false));
    LOOM_RETURN_IF_ERROR(checkCrossAttentionSize(m, batch, srcMax, tgtMax));
    f.outputs[int(OutputSlot::weights)] = weights;
    return runPlan(m, PlanFunctionId::cross_attention, f);
  });
}

loom_status translate(loom_model *handle, int64_t batch, int64_t srcMax,
                      const int32_t *src, const int32_t *srcLen,
                      int64_t maxNew, int32_t *tokens) {
  return call(handle, Access::read, [&](Model &m) -> Status {
    if (!tokens)
      return Status::invalidArgument("the tokens array is NULL");
    LOOM_RETURN_IF_ERROR(m.checkTokens("src", src, srcLen, batch, srcMax,
                                       m.info().src_vocab));
    return loom::translate(m, batch, srcMax, src, srcLen, maxNew, tokens);
  });
}

loom_status translateBeam(loom_model *handle, int64_t batch, int64_t srcMax,
                          const int32_t *src, const int32_t *srcLen,
                          int64_t maxNew, int64_t beamSize,
                          float lengthPenalty, int32_t *tokens) {
  return call(handle, Access::read, [&](Model &m) -> Status {
    if (!tokens)
      return Status::invalidArgument("the tokens array is NULL");
    LOOM_RETURN_IF_ERROR(m.checkTokens("src", src, srcLen, batch, srcMax,
                                       m.info().src_vocab));
    BeamOptions options;
    options.beam = beamSize;
    options.lengthPenalty = lengthPenalty;
    options.maxNew = maxNew;
    return loom::translateBeam(m, batch, srcMax, src, srcLen, options, tokens);
  });
}

loom_status generate(loom_model *handle, int64_t batch, int64_t promptMax,
                     const int32_t *prompt, const int32_t *promptLen,
                     int64_t maxNew, int32_t *tokens) {
  return call(handle, Access::read, [&](Model &m) -> Status {
    if (!tokens)
      return Status::invalidArgument("the tokens array is NULL");
    LOOM_RETURN_IF_ERROR(m.checkTokens("prompt", prompt, promptLen, batch,
                                       promptMax, m.info().tgt_vocab));
    return loom::generate(m, batch, promptMax, prompt, promptLen, maxNew,
                          tokens);
  });
}

loom_status trainStep(loom_model *handle, int64_t batch, int64_t srcMax,
                      const int32_t *src, const int32_t *srcLen, int64_t tgtMax,
                      const int32_t *tgt, const int32_t *tgtLen,
                      const int32_t *labels, float lr, float *loss) {
  return call(handle, Access::write, [&](Model &m) -> Status {
    // Everything that can be refused without running is refused first, so
    // that a refused step changes nothing.
    const PlanFunctionId compute = PlanFunctionId::train_step,
                         apply = PlanFunctionId::apply_gradients;
    LOOM_RETURN_IF_ERROR(checkTrainable(m, &compute));
    LOOM_RETURN_IF_ERROR(checkTrainable(m, &apply));
    LOOM_RETURN_IF_ERROR(checkLearningRate(lr));
    LOOM_RETURN_IF_ERROR(computeGradientsLocked(m, batch, srcMax, src, srcLen,
                                                tgtMax, tgt, tgtLen, labels,
                                                loss));
    return applyGradientsLocked(m, lr);
  });
}

loom_status computeGradients(loom_model *handle, int64_t batch, int64_t srcMax,
                             const int32_t *src, const int32_t *srcLen,
                             int64_t tgtMax, const int32_t *tgt,
                             const int32_t *tgtLen, const int32_t *labels,
                             float *loss) {
  return call(handle, Access::write, [&](Model &m) -> Status {
    return computeGradientsLocked(m, batch, srcMax, src, srcLen, tgtMax, tgt,
                                  tgtLen, labels, loss);
  });
}

loom_status gradients(loom_model *handle, float **data, int64_t *count) {
  return call(handle, Access::read, [&](Model &m) -> Status {
    if (!data || !count)
      return Status::invalidArgument(!data ? "the data pointer is NULL"
                                           : "the count pointer is NULL");
    LOOM_RETURN_IF_ERROR(checkTrainable(m));
    LOOM_RETURN_IF_ERROR(m.ensureGradients());
    *data = m.gradients();
    *count = m.parameterCount();
    return Status();
  });
}

loom_status applyGradients(loom_model *handle, float lr) {
  return call(handle, Access::write,
              [&](Model &m) -> Status { return applyGradientsLocked(m, lr); });
}

loom_status setDropoutSeed(loom_model *handle, uint64_t seed) {
  return call(handle, Access::write, [&](Model &m) -> Status {
    LOOM_RETURN_IF_ERROR(checkTrainable(m));
    m.setDropoutSeed(seed);
    return Status();
  });
}

loom_status saveCheckpoint(loom_model *handle, const char *path) {
  return call(handle, Access::read, [&](Model &m) -> Status {
    LOOM_RETURN_IF_ERROR(checkTrainable(m));
    return m.saveCheckpoint(path);
  });
}

loom_status loadCheckpoint(loom_model *handle, const char *path) {
  return call(handle, Access::write, [&](Model &m) -> Status {
    LOOM_RETURN_IF_ERROR(checkTrainable(m));
    return m.loadCheckpoint(path);
  });
}

} // namespace loom::capi
