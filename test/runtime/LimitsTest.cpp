//===- LimitsTest.cpp - Sizes the C API refuses before any kernel runs ----===//
//
// Hostile sizes through the C API (capi:: is what every library's NAME_*
// exports call): decoding lengths at the ends of int64, and outputs too
// large for kernels that index with 32 bits. The models here have plan
// functions that only count their calls, so a size that got through would
// show as a call.
//
//===----------------------------------------------------------------------===//
#include "loom/runtime/CApi.h"
#include "loom/runtime/Decoding.h"
#include "loom/runtime/Executor.h"

#include <gtest/gtest.h>

#include <climits>
#include <cstdint>
#include <vector>

namespace loom {
namespace {

#define EXPECT_CONTAINS(haystack, needle)                                                          \
  EXPECT_NE(std::string(haystack).find(needle), std::string::npos)                                 \
      << "message: " << (haystack) << "\nexpected to contain: " << (needle)

int planCalls = 0;
void countCall(Frame *) { ++planCalls; }

// max_len 4, no decoding plan: a max_new that passes the checks reaches
// runPlan, which says the plan function is missing.
void describeTranslator(ModelDescription *d) {
  describe::info(d, "tr", "encoder_decoder", 2, 1, 4, 1, 1, 5, 6, 4, 0, 1, 2);
}
void describeGenerator(ModelDescription *d) {
  describe::info(d, "gen", "decoder", 2, 1, 4, 0, 1, 0, 6, 4, 0, 1, 2);
}
const ModelDescription kTranslator = describeModel(describeTranslator);
const ModelDescription kGenerator = describeModel(describeGenerator);

struct Handle {
  loom_model *model = nullptr;
  explicit Handle(const ModelDescription &d) {
    EXPECT_EQ(capi::createSeeded(d, 1, 1, &model), LOOM_OK) << loom_last_error();
  }
  ~Handle() { capi::destroy(model); }
};

TEST(DecodingLimits, TranslateRefusesMaxNewOutsideOneToMaxLen) {
  Handle h(kTranslator);
  const int32_t src[] = {3, 4}, srcLen[] = {2};
  int32_t tokens[8] = {};
  for (int64_t maxNew : {INT64_MAX, INT64_MIN, int64_t(0), int64_t(-1), int64_t(5),
                         INT64_MAX - 1, INT64_MIN + 1}) {
    SCOPED_TRACE(maxNew);
    EXPECT_EQ(capi::translate(h.model, 1, 2, src, srcLen, maxNew, tokens),
              LOOM_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(std::string(loom_last_error()),
              "max_new must be in [1, max_len = 4], got " + std::to_string(maxNew));
    // And the runtime function the export calls, directly.
    Status direct = translate(*fromHandle(h.model), 1, 2, src, srcLen, maxNew, tokens);
    EXPECT_EQ(direct.code(), LOOM_ERROR_INVALID_ARGUMENT);
  }
  // In range, the call goes on (and stops at the missing plan function).
  for (int64_t maxNew : {int64_t(1), int64_t(4)}) {
    EXPECT_EQ(capi::translate(h.model, 1, 2, src, srcLen, maxNew, tokens), LOOM_ERROR_INTERNAL);
    EXPECT_CONTAINS(loom_last_error(), "no plan function");
  }
}

TEST(DecodingLimits, GenerateRefusesMaxNewBeyondWhatThePromptLeaves) {
  Handle h(kGenerator);
  const int32_t prompt[] = {3, 4, 5, 3, 0, 0}, promptLen[] = {3, 1}; // longest 3
  int32_t tokens[16] = {};
  // max(prompt_len) + max_new - 1 <= max_len = 4: max_new <= 2.
  for (int64_t maxNew : {INT64_MAX, INT64_MIN, int64_t(0), int64_t(-1), int64_t(3),
                         INT64_MAX - 1, INT64_MIN + 1}) {
    SCOPED_TRACE(maxNew);
    EXPECT_EQ(capi::generate(h.model, 2, 3, prompt, promptLen, maxNew, tokens),
              LOOM_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(std::string(loom_last_error()),
              "max_new = " + std::to_string(maxNew) +
                  " with a prompt of 3 tokens exceeds max_len = 4 (needs prompt_len + "
                  "max_new - 1 <= max_len)");
    Status direct = generate(*fromHandle(h.model), 2, 3, prompt, promptLen, maxNew, tokens);
    EXPECT_EQ(direct.code(), LOOM_ERROR_INVALID_ARGUMENT);
  }
  EXPECT_EQ(capi::generate(h.model, 2, 3, prompt, promptLen, 2, tokens), LOOM_ERROR_INTERNAL);
  EXPECT_CONTAINS(loom_last_error(), "no plan function");
}

TEST(BatchLimits, ABatchWhoseIndicesOverflowInt64IsRefusedBeforeItsRowsAreRead) {
  Handle h(kTranslator);
  int32_t tokens[4] = {};
  // max_len 4: batch * 4 must fit in int64. The arrays are never read.
  for (int64_t batch : {INT64_MAX, INT64_MAX / 4 + 1}) {
    SCOPED_TRACE(batch);
    EXPECT_EQ(capi::translate(h.model, batch, 2, tokens, tokens, 1, tokens),
              LOOM_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(std::string(loom_last_error()),
              "batch size " + std::to_string(batch) +
                  " is too large: batch * max_len (4) must fit in 64 bits");
  }
}

// forward outputs: logits [B, T, tgt_vocab] or hidden [B, S, d_model].
void describeWideVocab(ModelDescription *d) {
  describe::info(d, "wide", "encoder_decoder", 2, 1, 4, 1, 1, 5, 1024, 1024, 0, 1, 2);
  describe::function(d, int(PlanFunctionId::forward), countCall, 0, 0, true, true);
}
void describeHugeVocab(ModelDescription *d) {
  describe::info(d, "huge", "decoder", 2, 1, 4, 0, 1, 0, INT32_MAX, 4, 0, 1, 2);
  describe::function(d, int(PlanFunctionId::forward), countCall, 0, 0, false, true);
}
void describeWideEncoder(ModelDescription *d) {
  describe::info(d, "enc", "encoder", 4096, 1, 4, 1, 0, 5, 0, 1024, 0, 1, 2);
  describe::function(d, int(PlanFunctionId::forward), countCall, 0, 0, true, false);
}
const ModelDescription kWideVocab = describeModel(describeWideVocab);
const ModelDescription kHugeVocab = describeModel(describeHugeVocab);
const ModelDescription kWideEncoder = describeModel(describeWideEncoder);

TEST(ForwardLimits, OutputsOf2To31ElementsAreRefusedBeforeAnyKernel) {
  float out[1];
  {
    Handle h(kWideVocab);
    // [2048, 1024, 1024] = 2^31 logits.
    std::vector<int32_t> src(2048, 1), srcLen(2048, 1), tgt(2048 * 1024, 1), tgtLen(2048, 1024);
    planCalls = 0;
    EXPECT_EQ(capi::forward(h.model, 2048, 1, src.data(), srcLen.data(), 1024, tgt.data(),
                            tgtLen.data(), out),
              LOOM_ERROR_OUT_OF_MEMORY);
    EXPECT_EQ(std::string(loom_last_error()),
              "the output logits [B, T, tgt_vocab] = [2048, 1024, 1024] has 2147483648 "
              "elements; the kernels index with 32 bits, so an output must have fewer than "
              "2^31 (2147483648): use a smaller batch or shorter sequences");
    EXPECT_EQ(planCalls, 0);
    // One row fewer fits.
    EXPECT_EQ(capi::forward(h.model, 2047, 1, src.data(), srcLen.data(), 1024, tgt.data(),
                            tgtLen.data(), out),
              LOOM_OK)
        << loom_last_error();
    EXPECT_EQ(planCalls, 1);
  }
  {
    Handle h(kHugeVocab);
    const int32_t tgt[] = {1, 1}, tgtLen[] = {1, 1};
    planCalls = 0;
    // [1, 1, 2^31 - 1] is the largest output there is.
    EXPECT_EQ(capi::forward(h.model, 1, 0, nullptr, nullptr, 1, tgt, tgtLen, out), LOOM_OK)
        << loom_last_error();
    EXPECT_EQ(planCalls, 1);
    EXPECT_EQ(capi::forward(h.model, 2, 0, nullptr, nullptr, 1, tgt, tgtLen, out),
              LOOM_ERROR_OUT_OF_MEMORY);
    EXPECT_CONTAINS(loom_last_error(), "[2, 1, 2147483647] has 4294967294 elements");
    EXPECT_EQ(planCalls, 1);
  }
  {
    Handle h(kWideEncoder);
    // hidden [512, 1024, 4096] = 2^31.
    std::vector<int32_t> src(512 * 1024, 1), srcLen(512, 1024);
    planCalls = 0;
    EXPECT_EQ(capi::forward(h.model, 512, 1024, src.data(), srcLen.data(), 0, nullptr, nullptr,
                            out),
              LOOM_ERROR_OUT_OF_MEMORY);
    EXPECT_CONTAINS(loom_last_error(),
                    "the output hidden [B, S, d_model] = [512, 1024, 4096] has 2147483648");
    EXPECT_EQ(planCalls, 0);
  }
}

} // namespace
} // namespace loom
