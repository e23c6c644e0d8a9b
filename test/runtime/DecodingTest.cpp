//===- DecodingTest.cpp - the greedy loops and the KV cache layout --------===//
//
// The loops are tested with step functions that script the argmax: the
// generated glue's real steps are covered by the PyTorch parity tests.
//
//===----------------------------------------------------------------------===//
#include "loom/runtime/Decoding.h"

#include <gtest/gtest.h>

namespace loom {
namespace {

const WeightSpec kNoWeights[] = {{"unused", 1, {1, 0}, false}};
// pad 0, bos 1, eos 2, max_len 6.
const ModelDescription kModel = {
    {"d", "decoder", 2, 1, 2, 0, 1, 0, 10, 6, 0, 1, 2}, kNoWeights, 1};

TEST(DecodingTest, AppendWritesRowBAtPositionT) {
  std::vector<float> cache(2 * 3 * 2, 0.0f); // batch 2, capacity 3, width 2
  const float rows[] = {1, 2, 99, 3, 4, 99};  // stride 3
  DecodeState::append(cache, 3, 1, ConstMat{rows, 2, 2, 3});
  const std::vector<float> expected = {0, 0, 1, 2, 0, 0, 0, 0, 3, 4, 0, 0};
  EXPECT_EQ(cache, expected);
}

// Row 0 says 5, 2 (eos); row 1 says 7 forever. Inputs are checked too.
Status scriptedStep(Model &, DecodeState &state, int64_t B, int64_t t,
                    const int32_t *tokens, int32_t *next) {
  EXPECT_EQ(state.batch, B);
  for (int64_t b = 0; b < B; ++b) {
    if (t == 0)
      EXPECT_EQ(tokens[b], 1) << "translate starts from bos";
    next[b] = b == 0 ? (t == 0 ? 5 : 2) : 7;
  }
  return Status();
}

Status noInit(Model &, DecodeState &state, int64_t B, int64_t S,
              const int32_t *, const int32_t *) {
  state.reset(B, S, 6, 1, 2, {}, 10);
  return Status();
}

TEST(DecodingTest, TranslatePadsAfterEosAndStopsAtMaxNew) {
  auto model = Model::seeded(kModel, 1, 1);
  ASSERT_TRUE(model.ok());
  DecodeState state;
  const int32_t src[] = {3, 3}, srcLen[] = {1, 1};
  int32_t tokens[8];
  Status s = greedyTranslate(**model, state, noInit, scriptedStep, 2, 1, src,
                             srcLen, 4, tokens);
  ASSERT_TRUE(s.ok()) << s.toString();
  const int32_t expected[] = {5, 2, 0, 0, 7, 7, 7, 7};
  EXPECT_TRUE(std::equal(tokens, tokens + 8, expected));
  EXPECT_FALSE(greedyTranslate(**model, state, noInit, scriptedStep, 2, 1,
                               src, srcLen, 7, tokens)
                   .ok())
      << "max_new > max_len";
}

// Echoes the input token + 1, so the output shows which token was read.
Status echoStep(Model &, DecodeState &, int64_t B, int64_t,
                const int32_t *tokens, int32_t *next) {
  for (int64_t b = 0; b < B; ++b)
    next[b] = tokens[b] + 1;
  return Status();
}

TEST(DecodingTest, GenerateContinuesEachPromptAfterItsLength) {
  auto model = Model::seeded(kModel, 1, 1);
  ASSERT_TRUE(model.ok());
  DecodeState state;
  state.reset(2, 0, 6, 1, 2, {}, 10);
  // Row 0: prompt [3, 4, 5]; row 1: prompt [6] (padded).
  const int32_t prompt[] = {3, 4, 5, 6, 0, 0}, promptLen[] = {3, 1};
  int32_t tokens[6];
  Status s = greedyGenerate(**model, state, echoStep, 2, 3, prompt, promptLen,
                            3, tokens);
  ASSERT_TRUE(s.ok()) << s.toString();
  const int32_t expected[] = {6, 7, 8, 7, 8, 9};
  EXPECT_TRUE(std::equal(tokens, tokens + 6, expected));
  Status tooLong = greedyGenerate(**model, state, echoStep, 2, 3, prompt,
                                  promptLen, 5, tokens);
  EXPECT_EQ(tooLong.code(), LOOM_ERROR_INVALID_ARGUMENT);
}

TEST(KernelsTest, AddIsElementwiseOverStridedRows) {
  const float a[] = {1, 2, 0, 3, 4, 0}, b[] = {10, 20, 30, 40};
  float out[4];
  Status s = runAdd(ConstMat{a, 2, 2, 3}, ConstMat{b, 2, 2, 2},
                    Mat{out, 2, 2, 2});
  ASSERT_TRUE(s.ok());
  const float expected[] = {11, 22, 33, 44};
  EXPECT_TRUE(std::equal(out, out + 4, expected));
}

TEST(KernelsTest, ColumnAndRowViews) {
  const float m[] = {0, 1, 2, 3, 4, 5};
  ConstMat all{m, 2, 3, 3};
  ConstMat cols = columns(all, 1, 2);
  EXPECT_EQ(cols.data, m + 1);
  EXPECT_EQ(cols.cols, 2);
  EXPECT_EQ(cols.stride, 3);
  ConstMat rows = rowsFrom(all, 1);
  EXPECT_EQ(rows.data, m + 3);
  EXPECT_EQ(rows.rows, 1);
}

} // namespace
} // namespace loom
