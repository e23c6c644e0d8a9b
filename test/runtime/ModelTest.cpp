//===- ModelTest.cpp - weights, positional table, input checks ------------===//
#include "loom/runtime/CApi.h"
#include "loom/runtime/Model.h"
#include "loom/runtime/SafetensorsReader.h"
#include "loom/runtime/SafetensorsWriter.h"

#include "TestFiles.h"

#include <gtest/gtest.h>

#include <cmath>

namespace loom {
namespace {

// A two-tensor "model": a linear weight [3, 2] read transposed, a norm [2].
void describeTwoTensors(ModelDescription *d) {
  describe::info(d, "t", "encoder", 2, 1, 4, 1, 0, 5, 0, 4, 0, 1, 2);
  describe::weight(d, "proj.weight", true, 3, 2);
  describe::weight(d, "norm.weight", false, 2);
}
const ModelDescription kModel = describeModel(describeTwoTensors);

Status writeWeights(const std::string &path, std::vector<int64_t> projShape) {
  static const float proj[] = {1, 2, 3, 4, 5, 6}, norm[] = {7, 8};
  SafetensorsWriter w;
  LOOM_RETURN_IF_ERROR(w.addF32("proj.weight", projShape, proj));
  LOOM_RETURN_IF_ERROR(w.addF32("norm.weight", {2}, norm));
  return w.write(path);
}

TEST(ModelTest, LoadsAndTransposesLinearWeights) {
  test::TempDir dir;
  ASSERT_TRUE(writeWeights(dir.file("w.safetensors"), {3, 2}).ok());
  auto model = Model::load(kModel, dir.file("w.safetensors").c_str(), 1);
  ASSERT_TRUE(model.ok()) << model.status().toString();
  EXPECT_EQ(kModel.weights[0].kernelShape(), (std::vector<int64_t>{2, 3}));
  // Stored [in = 2, out = 3], the only copy: wt[k][n] = W[n][k].
  const float *wt = (*model)->weight(0);
  EXPECT_EQ(wt[0 * 3 + 2], 5.0f); // W[2][0]
  EXPECT_EQ(wt[1 * 3 + 0], 2.0f); // W[0][1]
  EXPECT_EQ((*model)->weight(1)[1], 8.0f);
}

TEST(ModelTest, RefusesAMisshapenTensorByName) {
  test::TempDir dir;
  ASSERT_TRUE(writeWeights(dir.file("w.safetensors"), {2, 3}).ok());
  auto model = Model::load(kModel, dir.file("w.safetensors").c_str(), 1);
  ASSERT_FALSE(model.ok());
  EXPECT_EQ(model.status().code(), LOOM_ERROR_BAD_WEIGHTS);
  EXPECT_NE(model.status().message().find("'proj.weight' has shape [2, 3], "
                                          "expected [3, 2]"),
            std::string::npos)
      << model.status().message();
}

TEST(ModelTest, SaveWritesTheStateDictLayout) {
  test::TempDir dir;
  ASSERT_TRUE(writeWeights(dir.file("w.safetensors"), {3, 2}).ok());
  auto model = Model::load(kModel, dir.file("w.safetensors").c_str(), 1);
  ASSERT_TRUE(model.ok());
  ASSERT_TRUE((*model)->save(dir.file("again.safetensors").c_str()).ok());
  auto again = Model::load(kModel, dir.file("again.safetensors").c_str(), 1);
  ASSERT_TRUE(again.ok()) << again.status().toString();
  for (int i = 0; i < 6; ++i)
    EXPECT_EQ((*again)->weight(0)[i], (*model)->weight(0)[i]);
  // And the file holds the state_dict layout [3, 2].
  auto file = SafetensorsReader::open(dir.file("again.safetensors"));
  ASSERT_TRUE(file.ok());
  EXPECT_EQ(file->f32("proj.weight")[1], 2.0f); // W[0][1]
}

TEST(ModelTest, SeededWeightsAreDeterministicAndNormsStartAtOne) {
  auto a = Model::seeded(kModel, 42, 1), b = Model::seeded(kModel, 42, 1),
       c = Model::seeded(kModel, 43, 1);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  bool differs = false;
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ((*a)->weight(0)[i], (*b)->weight(0)[i]);
    differs |= (*a)->weight(0)[i] != (*c)->weight(0)[i];
    EXPECT_LE(std::abs((*a)->weight(0)[i]), std::sqrt(6.0f / 5.0f));
  }
  EXPECT_TRUE(differs);
  EXPECT_EQ((*a)->weight(1)[0], 1.0f);
}

TEST(ModelTest, PositionalTableIsTheSinusoid) {
  auto model = Model::seeded(kModel, 1, 1);
  ASSERT_TRUE(model.ok());
  const float *pe = (*model)->positional(); // [max_len = 4, d_model = 2]
  for (int pos = 0; pos < 4; ++pos) {
    EXPECT_FLOAT_EQ(pe[pos * 2], std::sin(double(pos)));
    EXPECT_FLOAT_EQ(pe[pos * 2 + 1], std::cos(double(pos)));
  }
}

TEST(ModelTest, CheckTokensNamesTheInputAndPosition) {
  auto model = Model::seeded(kModel, 1, 1);
  ASSERT_TRUE(model.ok());
  const int32_t tokens[] = {1, 2, 3, 9}, lengths[] = {2, 1}, bad[] = {2, 3};
  Status ok = (*model)->checkTokens("src", tokens, lengths, 2, 2, 10);
  EXPECT_TRUE(ok.ok()) << ok.toString();
  Status oov = (*model)->checkTokens("src", tokens, lengths, 2, 2, 5);
  EXPECT_EQ(oov.message(),
            "input 'src'[1, 1] = 9 is not a token id (vocabulary size 5)");
  Status length = (*model)->checkTokens("src", tokens, bad, 2, 2, 10);
  EXPECT_EQ(length.message(),
            "input 'src': length of row 1 is 3, outside [1, 2]");
  Status longer = (*model)->checkTokens("tgt", tokens, lengths, 1, 5, 10);
  EXPECT_EQ(longer.message(),
            "input 'tgt': sequence length 5 is outside [1, max_len = 4]");
}

TEST(CApiTest, ErrorsAreStatusesWithMessagesNeverCrashes) {
  loom_model *model = reinterpret_cast<loom_model *>(0x1);
  EXPECT_EQ(capi::create(kModel, "/nonexistent/w.safetensors", 1, &model),
            LOOM_ERROR_IO);
  EXPECT_EQ(model, nullptr);
  EXPECT_NE(std::string(loom_last_error()).find("nonexistent"),
            std::string::npos);
  EXPECT_EQ(capi::create(kModel, nullptr, 1, &model),
            LOOM_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(capi::saveWeights(nullptr, "x"), LOOM_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(loom_last_error(), "the model handle is NULL");
  float out[8];
  const int32_t src[] = {1, 2}, srcLen[] = {2};
  EXPECT_EQ(capi::forward(nullptr, 1, 2, src, srcLen, 0, nullptr, nullptr, out),
            LOOM_ERROR_INVALID_ARGUMENT);
  ASSERT_EQ(capi::createSeeded(kModel, 3, 1, &model), LOOM_OK);
  EXPECT_EQ(capi::forward(model, 1, 2, src, srcLen, 0, nullptr, nullptr,
                          nullptr),
            LOOM_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(loom_last_error(), "the output array is NULL");
  const int32_t badLen[] = {3};
  EXPECT_EQ(capi::forward(model, 1, 2, src, badLen, 0, nullptr, nullptr, out),
            LOOM_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(loom_last_error(),
               "input 'src': length of row 0 is 3, outside [1, 2]");
  // A model without a forward plan (this one) fails cleanly, too.
  EXPECT_EQ(capi::forward(model, 1, 2, src, srcLen, 0, nullptr, nullptr, out),
            LOOM_ERROR_INTERNAL);
  capi::destroy(model);
}

} // namespace
} // namespace loom
