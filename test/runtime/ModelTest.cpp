//===- ModelTest.cpp - weights, positional table, input checks ------------===//
#include "loom/runtime/CApi.h"
#include "loom/runtime/Model.h"
#include "loom/runtime/SafetensorsWriter.h"

#include "TestFiles.h"

#include <gtest/gtest.h>

#include <cmath>

namespace loom {
namespace {

// A two-tensor "model": a linear weight [3, 2] read transposed, a norm [2].
const WeightSpec kWeights[] = {
    {"proj.weight", 2, {3, 2}, true},
    {"norm.weight", 1, {2, 0}, false},
};
const ModelDescription kModel = {
    {"t", "encoder", 2, 1, 4, 1, 0, 5, 0, 4, 0, 1, 2}, kWeights, 2};

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
  ConstMat wt = (*model)->weight(0);
  // Stored [in = 2, out = 3]: wt[k][n] = W[n][k].
  EXPECT_EQ(wt.rows, 2);
  EXPECT_EQ(wt.cols, 3);
  EXPECT_EQ(wt.data[0 * 3 + 2], 5.0f); // W[2][0]
  EXPECT_EQ(wt.data[1 * 3 + 0], 2.0f); // W[0][1]
  EXPECT_EQ((*model)->weight(1).data[1], 8.0f);
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
    EXPECT_EQ((*again)->weight(0).data[i], (*model)->weight(0).data[i]);
}

TEST(ModelTest, SeededWeightsAreDeterministicAndNormsStartAtOne) {
  auto a = Model::seeded(kModel, 42, 1), b = Model::seeded(kModel, 42, 1),
       c = Model::seeded(kModel, 43, 1);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  bool differs = false;
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ((*a)->weight(0).data[i], (*b)->weight(0).data[i]);
    differs |= (*a)->weight(0).data[i] != (*c)->weight(0).data[i];
    EXPECT_LE(std::abs((*a)->weight(0).data[i]), std::sqrt(6.0f / 5.0f));
  }
  EXPECT_TRUE(differs);
  EXPECT_EQ((*a)->weight(1).data[0], 1.0f);
}

TEST(ModelTest, PositionalTableIsTheSinusoid) {
  auto model = Model::seeded(kModel, 1, 1);
  ASSERT_TRUE(model.ok());
  ConstMat pe = (*model)->positional();
  ASSERT_EQ(pe.rows, 4);
  ASSERT_EQ(pe.cols, 2);
  for (int pos = 0; pos < 4; ++pos) {
    EXPECT_FLOAT_EQ(pe.data[pos * 2], std::sin(double(pos)));
    EXPECT_FLOAT_EQ(pe.data[pos * 2 + 1], std::cos(double(pos)));
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
  EXPECT_EQ(capi::call(nullptr, [](Model &) { return Status(); }),
            LOOM_ERROR_INVALID_ARGUMENT);
  ASSERT_EQ(capi::createSeeded(kModel, 3, 1, &model), LOOM_OK);
  EXPECT_EQ(capi::call(model,
                       [](Model &) { return Status::invalidArgument("nope"); }),
            LOOM_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(loom_last_error(), "nope");
  capi::destroy(model);
}

} // namespace
} // namespace loom
