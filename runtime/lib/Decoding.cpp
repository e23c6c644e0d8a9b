//===- Decoding.cpp - greedy decoding loops over the plan's decode step ---===//
#include "loom/runtime/Decoding.h"

#include "loom/runtime/Executor.h"

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

namespace loom {

Status greedyTranslateLoop(const loom_model_info &info, int64_t B,
                           int64_t maxNew, const DecodeStep &step,
                           int32_t *tokens) {
  std::fill(tokens, tokens + B * maxNew, int32_t(info.pad_id));
  std::vector<int32_t> input(B, int32_t(info.bos_id)), next(B);
  std::vector<bool> done(B, false);
  for (int64_t t = 0; t < maxNew; ++t) {
    LOOM_RETURN_IF_ERROR(step(t, input.data(), next.data()));
    bool allDone = true;
    for (int64_t b = 0; b < B; ++b) {
      int32_t token = done[b] ? int32_t(info.pad_id) : next[b];
      tokens[b * maxNew + t] = token;
      done[b] = done[b] || token == info.eos_id;
      input[b] = token;
      allDone = allDone && done[b];
    }
    if (allDone)
      break;
  }
  return Status();
}

Status greedyGenerateLoop(const loom_model_info &info, int64_t B, int64_t P,
                          const int32_t *prompt, const int32_t *promptLen,
                          int64_t maxNew, const DecodeStep &step,
                          const DecodePrefill &prefill, int32_t *tokens) {
  const int64_t longest = *std::max_element(promptLen, promptLen + B);
  std::fill(tokens, tokens + B * maxNew, int32_t(info.pad_id));
  std::vector<int32_t> input(B), next(B), produced(B, 0);
  std::vector<bool> done(B, false);
  // After position t: rows past their prompt take their argmax token (and
  // read it next); true when every row is done.
  auto take = [&](int64_t t) {
    bool allDone = true;
    for (int64_t b = 0; b < B; ++b) {
      if (t >= promptLen[b] - 1 && produced[b] < maxNew) {
        int32_t token = done[b] ? int32_t(info.pad_id) : next[b];
        tokens[b * maxNew + produced[b]++] = token;
        done[b] = done[b] || token == info.eos_id;
        input[b] = token;
      }
      allDone = allDone && (done[b] || produced[b] == maxNew);
    }
    return allDone;
  };
  // Every row advances one position per step: it reads its prompt first,
  // then its own outputs; rows with shorter prompts start producing earlier.
  // The positions every row reads from its prompt run in one prefill pass.
  int64_t t = 0;
  if (prefill) {
    const int64_t first = *std::min_element(promptLen, promptLen + B);
    std::vector<int32_t> head(size_t(B * first));
    for (int64_t b = 0; b < B; ++b)
      std::copy(prompt + b * P, prompt + b * P + first,
                head.begin() + b * first);
    LOOM_RETURN_IF_ERROR(prefill(first, head.data(), next.data()));
    if (take(first - 1))
      return Status();
    t = first;
  }
  for (; t < longest - 1 + maxNew; ++t) {
    for (int64_t b = 0; b < B; ++b)
      if (t < promptLen[b])
        input[b] = prompt[b * P + t];
    LOOM_RETURN_IF_ERROR(step(t, input.data(), next.data()));
    if (take(t))
      break;
  }
  return Status();
}

Status startTranslation(Model &model, int64_t B, int64_t S, const int32_t *src,
                        const int32_t *srcLen, int64_t maxNew, Session &session) {
  const loom_model_info &info = model.info();
  if (maxNew < 1 || maxNew > info.max_len)
    return Status::invalidArgument(
        "max_new must be in [1, max_len = " + std::to_string(info.max_len) +
        "], got " + std::to_string(maxNew));
  LOOM_RETURN_IF_ERROR(session.open(model.description(), B, S));
  Frame init(model);
  init.batch = B;
  init.sourceLength = S;
  init.inputs[int(InputSlot::src)] = src;
  init.inputs[int(InputSlot::src_len)] = srcLen;
  init.session = &session;
  return runPlan(model, PlanFunctionId::decode_init, init);
}

Status runDecodeStep(Model &model, Session &session, const int32_t *srcLen,
                     int64_t t, const int32_t *tokens, float *logits,
                     int32_t *next) {
  Frame f(model);
  f.batch = session.batch;
  f.sourceLength = session.sourceLength;
  f.targetLength = 1;
  f.inputs[int(InputSlot::src_len)] = srcLen;
  f.inputs[int(InputSlot::tgt)] = tokens;
  f.scalars[int(ScalarSlot::step)] = t;
  f.outputs[int(OutputSlot::out)] = logits;
  f.outputs[int(OutputSlot::next)] = next;
  f.session = &session;
  return runPlan(model, PlanFunctionId::decode_step, f);
}

namespace {

/// The plan's decode_step for one position of every row (its logits go to
/// scratch: greedy decoding reads only their argmax `next`).
DecodeStep planStep(Model &model, Session &session, const int32_t *srcLen) {
  auto logits = std::make_shared<std::vector<float>>(
      size_t(session.batch * model.info().tgt_vocab));
  return [&model, &session, srcLen, logits](int64_t t, const int32_t *tokens,
                                            int32_t *next) {
    return runDecodeStep(model, session, srcLen, t, tokens, logits->data(),
                         next);
  };
}

/// The plan's decode_prefill of the session's rows: positions 0..T-1 in one
/// pass; `next` gets the argmax at position T - 1 of each row.
DecodePrefill planPrefill(Model &model, Session &session) {
  return [&model, &session](int64_t positions, const int32_t *tokens,
                            int32_t *next) {
    const int64_t B = session.batch;
    std::vector<int32_t> lengths(static_cast<size_t>(B), int32_t(positions));
    std::vector<int32_t> argmax(static_cast<size_t>(B * positions));
    Frame f(model);
    f.batch = B;
    f.targetLength = positions;
    f.inputs[int(InputSlot::tgt)] = tokens;
    f.inputs[int(InputSlot::tgt_len)] = lengths.data();
    f.outputs[int(OutputSlot::next)] = argmax.data();
    f.session = &session;
    LOOM_RETURN_IF_ERROR(runPlan(model, PlanFunctionId::decode_prefill, f));
    for (int64_t b = 0; b < B; ++b)
      next[b] = argmax[size_t(b * positions + positions - 1)];
    return Status();
  };
}

} // namespace

Status translate(Model &model, int64_t B, int64_t S, const int32_t *src,
                 const int32_t *srcLen, int64_t maxNew, int32_t *tokens) {
  Session session;
  LOOM_RETURN_IF_ERROR(
      startTranslation(model, B, S, src, srcLen, maxNew, session));
  return greedyTranslateLoop(model.info(), B, maxNew,
                             planStep(model, session, srcLen), tokens);
}

Status generate(Model &model, int64_t B, int64_t P, const int32_t *prompt,
                const int32_t *promptLen, int64_t maxNew, int32_t *tokens) {
  const loom_model_info &info = model.info();
  int64_t longest = *std::max_element(promptLen, promptLen + B);
  // longest <= P <= max_len, so max_len - longest + 1 cannot overflow.
  if (maxNew < 1 || maxNew > info.max_len - longest + 1)
    return Status::invalidArgument(
        "max_new = " + std::to_string(maxNew) + " with a prompt of " +
        std::to_string(longest) + " tokens exceeds max_len = " +
        std::to_string(info.max_len) +
        " (needs prompt_len + max_new - 1 <= max_len)");
  Session session;
  LOOM_RETURN_IF_ERROR(session.open(model.description(), B, 0));
  DecodePrefill prefill;
  if (model.description().function(PlanFunctionId::decode_prefill).fn)
    prefill = planPrefill(model, session);
  return greedyGenerateLoop(info, B, P, prompt, promptLen, maxNew,
                            planStep(model, session, nullptr), prefill,
                            tokens);
}

} // namespace loom
