//===- CApi.cpp - the C API every generated library exports --------------===//
#include "loom/runtime/CApi.h"

#include "loom/runtime/Decoding.h"
#include "loom/runtime/Executor.h"
#include "loom/runtime/SafetensorsReader.h" // formatShape

#include <climits>
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

/// Runs `body(model)` inside the model's thread arena and reports its status.
template <typename Body> loom_status call(loom_model *handle, Body &&body) {
  return guardCApi([&]() -> Status {
    if (!handle)
      return Status::invalidArgument("the model handle is NULL");
    Model &model = *fromHandle(handle);
    return model.parallel().run([&]() -> Status { return body(model); });
  });
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

loom_status forward(loom_model *handle, int64_t batch, int64_t srcMax,
                    const int32_t *src, const int32_t *srcLen, int64_t tgtMax,
                    const int32_t *tgt, const int32_t *tgtLen, float *out) {
  return call(handle, [&](Model &m) -> Status {
    if (!out)
      return Status::invalidArgument("the output array is NULL");
    const loom_model_info &info = m.info();
    int architecture = m.description().architectureBit();
    Frame f(m);
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
    // The output's size, before any kernel runs: Halide kernels index with
    // 32 bits, so a [B, T, tgt_vocab] (or [B, S, d_model]) output of 2^31
    // elements or more would fail late with Halide's raw error.
    bool encoder = architecture == LOOM_ARCH_ENCODER;
    std::vector<int64_t> shape = {batch, encoder ? srcMax : tgtMax,
                                  encoder ? info.d_model : info.tgt_vocab};
    int64_t elements = 0;
    bool overflow = __builtin_mul_overflow(shape[0], shape[1], &elements) ||
                    __builtin_mul_overflow(elements, shape[2], &elements);
    if (overflow || elements > INT32_MAX)
      return Status::outOfMemory(
          std::string("the output ") +
          (encoder ? "hidden [B, S, d_model]" : "logits [B, T, tgt_vocab]") +
          " = " + formatShape(shape) + " has " +
          (overflow ? std::string("more than 2^63")
                    : std::to_string(elements)) +
          " elements; the kernels index with 32 bits, so an output must "
          "have fewer than 2^31 (2147483648): use a smaller batch or shorter "
          "sequences");
    f.outputs[int(OutputSlot::out)] = out;
    return runPlan(m, PlanFunctionId::forward, f);
  });
}

loom_status translate(loom_model *handle, int64_t batch, int64_t srcMax,
                      const int32_t *src, const int32_t *srcLen,
                      int64_t maxNew, int32_t *tokens) {
  return call(handle, [&](Model &m) -> Status {
    if (!tokens)
      return Status::invalidArgument("the tokens array is NULL");
    LOOM_RETURN_IF_ERROR(m.checkTokens("src", src, srcLen, batch, srcMax,
                                       m.info().src_vocab));
    return loom::translate(m, batch, srcMax, src, srcLen, maxNew, tokens);
  });
}

loom_status generate(loom_model *handle, int64_t batch, int64_t promptMax,
                     const int32_t *prompt, const int32_t *promptLen,
                     int64_t maxNew, int32_t *tokens) {
  return call(handle, [&](Model &m) -> Status {
    if (!tokens)
      return Status::invalidArgument("the tokens array is NULL");
    LOOM_RETURN_IF_ERROR(m.checkTokens("prompt", prompt, promptLen, batch,
                                       promptMax, m.info().tgt_vocab));
    return loom::generate(m, batch, promptMax, prompt, promptLen, maxNew,
                          tokens);
  });
}

} // namespace loom::capi
