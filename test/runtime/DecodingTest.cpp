//===- DecodingTest.cpp - the greedy decoding loops -----------------------===//
//
// The loops are tested with step functions that script the argmax: the
// generated decode_step itself is covered by the PyTorch parity tests.
//
//===----------------------------------------------------------------------===//
#include "loom/runtime/Decoding.h"

#include <gtest/gtest.h>

#include <vector>

namespace loom {
namespace {

// pad 0, bos 1, eos 2, max_len 6.
const loom_model_info kInfo = {"d", "decoder", 2, 1, 2, 0, 1, 0, 10, 6, 0, 1, 2};

TEST(DecodingTest, TranslatePadsAfterEosAndStopsAtMaxNew) {
  // Row 0 says 5, 2 (eos); row 1 says 7 forever.
  DecodeStep scripted = [](int64_t t, const int32_t *tokens, int32_t *next) {
    for (int64_t b = 0; b < 2; ++b) {
      if (t == 0) {
        EXPECT_EQ(tokens[b], 1) << "translate starts from bos";
      }
      next[b] = b == 0 ? (t == 0 ? 5 : 2) : 7;
    }
    return Status();
  };
  int32_t tokens[8];
  Status s = greedyTranslateLoop(kInfo, 2, 4, scripted, tokens);
  ASSERT_TRUE(s.ok()) << s.toString();
  const int32_t expected[] = {5, 2, 0, 0, 7, 7, 7, 7};
  EXPECT_TRUE(std::equal(tokens, tokens + 8, expected));
}

TEST(DecodingTest, TranslateStopsWhenEveryRowIsDone) {
  int steps = 0;
  DecodeStep eos = [&](int64_t, const int32_t *, int32_t *next) {
    ++steps;
    next[0] = next[1] = 2;
    return Status();
  };
  int32_t tokens[10];
  ASSERT_TRUE(greedyTranslateLoop(kInfo, 2, 5, eos, tokens).ok());
  EXPECT_EQ(steps, 1);
  EXPECT_EQ(tokens[1], 0);
}

TEST(DecodingTest, AStepFailureStopsTheLoop) {
  DecodeStep failing = [](int64_t, const int32_t *, int32_t *) {
    return Status::internal("kernel 'x' failed");
  };
  int32_t tokens[4];
  Status s = greedyTranslateLoop(kInfo, 2, 2, failing, tokens);
  EXPECT_EQ(s.code(), LOOM_ERROR_INTERNAL);
  EXPECT_EQ(s.message(), "kernel 'x' failed");
}

TEST(DecodingTest, GenerateContinuesEachPromptAfterItsLength) {
  // Echoes the input token + 1, so the output shows which token was read.
  DecodeStep echo = [](int64_t, const int32_t *tokens, int32_t *next) {
    for (int64_t b = 0; b < 2; ++b)
      next[b] = tokens[b] + 1;
    return Status();
  };
  // Row 0: prompt [3, 4, 5]; row 1: prompt [6] (padded).
  const int32_t prompt[] = {3, 4, 5, 6, 0, 0}, promptLen[] = {3, 1};
  int32_t tokens[6];
  Status s = greedyGenerateLoop(kInfo, 2, 3, prompt, promptLen, 3, echo,
                                DecodePrefill(), tokens);
  ASSERT_TRUE(s.ok()) << s.toString();
  const int32_t expected[] = {6, 7, 8, 7, 8, 9};
  EXPECT_TRUE(std::equal(tokens, tokens + 6, expected));
}

/// The echo model of the test above, counting the steps it runs.
struct EchoModel {
  explicit EchoModel(int64_t batch) : batch(batch) {}
  int64_t batch;
  std::vector<int64_t> steps;
  DecodeStep step() {
    return [this](int64_t t, const int32_t *tokens, int32_t *next) {
      steps.push_back(t);
      for (int64_t b = 0; b < batch; ++b)
        next[b] = tokens[b] + 1;
      return Status();
    };
  }
};

TEST(DecodingTest, PrefillRunsTheSharedPromptPositionsInOneCall) {
  // Prompts of 3 and 2 tokens: positions 0 and 1 of both rows are prompt.
  const int32_t prompt[] = {3, 4, 5, 6, 9, 0}, promptLen[] = {3, 2};
  std::vector<int32_t> seen;
  int calls = 0;
  DecodePrefill prefill = [&](int64_t positions, const int32_t *tokens,
                              int32_t *next) {
    ++calls;
    seen.assign(tokens, tokens + 2 * positions);
    for (int64_t b = 0; b < 2; ++b)
      next[b] = tokens[b * positions + positions - 1] + 1;
    return Status();
  };
  EchoModel stepwise{2}, prefilled{2};
  int32_t expected[6], tokens[6];
  ASSERT_TRUE(greedyGenerateLoop(kInfo, 2, 3, prompt, promptLen, 3,
                                 stepwise.step(), DecodePrefill(), expected)
                  .ok());
  ASSERT_TRUE(greedyGenerateLoop(kInfo, 2, 3, prompt, promptLen, 3,
                                 prefilled.step(), prefill, tokens)
                  .ok());
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(seen, (std::vector<int32_t>{3, 4, 6, 9}));
  EXPECT_TRUE(std::equal(tokens, tokens + 6, expected));
  // Row 1 continued from its prefilled position 1; steps start at 2.
  EXPECT_EQ(stepwise.steps, (std::vector<int64_t>{0, 1, 2, 3, 4}));
  EXPECT_EQ(prefilled.steps, (std::vector<int64_t>{2, 3, 4}));
}

TEST(DecodingTest, PrefillAloneCanFinishEveryRow) {
  // One token to produce after a single-row prompt: no step at all.
  const int32_t prompt[] = {3, 4}, promptLen[] = {2};
  DecodePrefill prefill = [](int64_t positions, const int32_t *tokens,
                             int32_t *next) {
    next[0] = tokens[positions - 1] + 1;
    return Status();
  };
  EchoModel model{1};
  int32_t tokens[1];
  ASSERT_TRUE(greedyGenerateLoop(kInfo, 1, 2, prompt, promptLen, 1,
                                 model.step(), prefill, tokens)
                  .ok());
  EXPECT_EQ(tokens[0], 5);
  EXPECT_TRUE(model.steps.empty());
}

TEST(DecodingTest, PrefillErrorsAreReturned) {
  const int32_t prompt[] = {3, 4}, promptLen[] = {2};
  DecodePrefill failing = [](int64_t, const int32_t *, int32_t *) {
    return Status::internal("kernel 'p' failed");
  };
  EchoModel model{1};
  int32_t tokens[2];
  Status s = greedyGenerateLoop(kInfo, 1, 2, prompt, promptLen, 2,
                                model.step(), failing, tokens);
  EXPECT_EQ(s.message(), "kernel 'p' failed");
  EXPECT_TRUE(model.steps.empty());
}

} // namespace
} // namespace loom
