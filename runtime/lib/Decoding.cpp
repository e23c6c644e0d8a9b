//===- Decoding.cpp - greedy decoding loops over the glue's step ----------===//
#include "loom/runtime/Decoding.h"

#include <algorithm>
#include <cstring>
#include <string>

namespace loom {

void DecodeState::reset(int64_t b, int64_t s, int64_t cap, int selfLayers,
                        int64_t dModel, const std::vector<int64_t> &crossWidths,
                        int64_t vocab) {
  batch = b;
  sourceLength = s;
  capacity = cap;
  selfKeys.assign(selfLayers, std::vector<float>(b * cap * dModel));
  selfValues.assign(selfLayers, std::vector<float>(b * cap * dModel));
  cross.clear();
  for (int64_t width : crossWidths)
    cross.emplace_back(b * s * width);
  keyLengths.assign(b, 0);
  logits.assign(b * vocab, 0.0f);
}

void DecodeState::append(std::vector<float> &cache, int64_t capacity,
                         int64_t t, ConstMat rows) {
  for (int64_t b = 0; b < rows.rows; ++b)
    std::memcpy(cache.data() + (b * capacity + t) * rows.cols,
                rows.data + b * rows.stride, rows.cols * sizeof(float));
}

Status greedyTranslate(Model &m, DecodeState &state, DecodeInitFn init,
                       DecodeStepFn step, int64_t B, int64_t S,
                       const int32_t *src, const int32_t *src_len,
                       int64_t maxNew, int32_t *tokens) {
  const loom_model_info &info = m.info();
  if (maxNew < 1 || maxNew > info.max_len)
    return Status::invalidArgument(
        "max_new must be in [1, max_len = " + std::to_string(info.max_len) +
        "], got " + std::to_string(maxNew));
  LOOM_RETURN_IF_ERROR(init(m, state, B, S, src, src_len));
  std::fill(tokens, tokens + B * maxNew, int32_t(info.pad_id));
  std::vector<int32_t> input(B, int32_t(info.bos_id)), next(B);
  std::vector<bool> done(B, false);
  for (int64_t t = 0; t < maxNew; ++t) {
    LOOM_RETURN_IF_ERROR(step(m, state, B, t, input.data(), next.data()));
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

Status greedyGenerate(Model &m, DecodeState &state, DecodeStepFn step,
                      int64_t B, int64_t P, const int32_t *prompt,
                      const int32_t *prompt_len, int64_t maxNew,
                      int32_t *tokens) {
  const loom_model_info &info = m.info();
  int64_t longest = *std::max_element(prompt_len, prompt_len + B);
  if (maxNew < 1 || longest + maxNew - 1 > info.max_len)
    return Status::invalidArgument(
        "max_new = " + std::to_string(maxNew) + " with a prompt of " +
        std::to_string(longest) + " tokens exceeds max_len = " +
        std::to_string(info.max_len) +
        " (needs prompt_len + max_new - 1 <= max_len)");
  std::fill(tokens, tokens + B * maxNew, int32_t(info.pad_id));
  std::vector<int32_t> input(B), next(B), produced(B, 0);
  std::vector<bool> done(B, false);
  // Every row advances one position per step: it reads its prompt first,
  // then its own outputs; rows with shorter prompts start producing earlier.
  for (int64_t t = 0; t < longest - 1 + maxNew; ++t) {
    for (int64_t b = 0; b < B; ++b)
      if (t < prompt_len[b])
        input[b] = prompt[b * P + t];
    LOOM_RETURN_IF_ERROR(step(m, state, B, t, input.data(), next.data()));
    bool allDone = true;
    for (int64_t b = 0; b < B; ++b) {
      if (t >= prompt_len[b] - 1 && produced[b] < maxNew) {
        int32_t token = done[b] ? int32_t(info.pad_id) : next[b];
        tokens[b * maxNew + produced[b]++] = token;
        done[b] = done[b] || token == info.eos_id;
        input[b] = token;
      }
      allDone = allDone && (done[b] || produced[b] == maxNew);
    }
    if (allDone)
      break;
  }
  return Status();
}

} // namespace loom
