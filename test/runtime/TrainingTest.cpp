//===- TrainingTest.cpp - the runtime and C API side of training ----------===//
//
// The parameter and training blocks, the step count and the scalars the
// plans get, Adam's constants against torch's formula, input and learning
// rate checks, non-finite losses, and the handle's lock, through capi::
// (what every library's NAME_train_step, ... exports call) with the fake
// plans of FakeTrainer.h.
//
//===----------------------------------------------------------------------===//
#include "FakeTrainer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <thread>

namespace loom {
namespace {

using test::Batch;
using test::Handle;
using test::TrainingState;
using test::trainerLog;

#define EXPECT_CONTAINS(haystack, needle)                                                          \
  EXPECT_NE(std::string(haystack).find(needle), std::string::npos)                                 \
      << "message: " << (haystack) << "\nexpected to contain: " << (needle)

class TrainingTest : public ::testing::Test {
protected:
  void SetUp() override { trainerLog = test::TrainerLog(); }
};

TEST_F(TrainingTest, ParametersAreOneAlignedBlockInDescriptionOrder) {
  Handle h(test::trainer());
  const Model &m = *h;
  // proj.weight [3, 2] (6), norm.weight [2], tgt_embedding.weight [6, 2].
  EXPECT_EQ(m.parameterCount(), 6 + 2 + 12);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(m.parameters()) % 64, 0u);
  EXPECT_EQ(m.weightOffset(0), 0);
  EXPECT_EQ(m.weightOffset(1), 6);
  EXPECT_EQ(m.weightOffset(2), 8);
  for (int id = 0; id < 3; ++id)
    EXPECT_EQ(m.weight(id), m.parameters() + m.weightOffset(id));
  EXPECT_EQ(m.weight(1)[0], 1.0f) << "a LayerNorm weight starts at 1";
  // Nothing for training until it is used.
  EXPECT_EQ(m.gradients(), nullptr);
  EXPECT_EQ(m.firstMoment(), nullptr);
  EXPECT_EQ(m.step(), 0);
  EXPECT_EQ(m.dropoutSeed(), 0u);
}

TEST_F(TrainingTest, ComputeGradientsWritesTheBlockAndChangesNoParameter) {
  Handle h(test::trainer());
  Batch b;
  TrainingState before(*h);
  float loss = 0;
  ASSERT_EQ(test::computeGradients(h.model, b, &loss), LOOM_OK) << loom_last_error();
  EXPECT_EQ(loss, 1.5f);
  EXPECT_EQ(trainerLog.trainCalls, 1);
  EXPECT_EQ(trainerLog.step, 1) << "the step being computed: t + 1";
  EXPECT_EQ(trainerLog.seed, 0);
  EXPECT_EQ(trainerLog.batch, 2);
  EXPECT_EQ(trainerLog.sourceLength, 3);
  EXPECT_EQ(trainerLog.targetLength, 2);
  EXPECT_EQ(trainerLog.labels, b.labels);
  EXPECT_EQ(trainerLog.src, b.src);
  EXPECT_EQ(trainerLog.tgt, b.tgt);
  EXPECT_TRUE(trainerLog.viewsAgree);
  EXPECT_EQ(trainerLog.applyCalls, 0);
  EXPECT_EQ(TrainingState(*h).parameters, before.parameters);
  EXPECT_EQ(h->step(), 0);

  float *data = nullptr;
  int64_t count = 0;
  ASSERT_EQ(capi::gradients(h.model, &data, &count), LOOM_OK) << loom_last_error();
  EXPECT_EQ(count, h->parameterCount());
  EXPECT_EQ(data, h->gradients());
  EXPECT_EQ(reinterpret_cast<uintptr_t>(data) % 64, 0u);
  // Each weight's gradient at its offset, in kernel layout.
  for (int id = 0; id < 3; ++id)
    for (int64_t k = 0; k < test::trainer().weights[id].elements(); ++k)
      EXPECT_EQ(data[h->weightOffset(id) + k], test::fakeGradient(1, id, k))
          << "weight " << id << " element " << k;
  // A second call computes the same step again.
  ASSERT_EQ(test::computeGradients(h.model, b, &loss), LOOM_OK);
  EXPECT_EQ(trainerLog.step, 1);
}

TEST_F(TrainingTest, StepsCountAndThePlansGetStepSeedAndAdamConstants) {
  Handle h(test::trainer());
  Batch b;
  float loss = 0;
  const float lr = 0.0009765625f;
  // Before any compute_gradients, apply_gradients reads a zero block.
  ASSERT_EQ(capi::applyGradients(h.model, lr), LOOM_OK) << loom_last_error();
  EXPECT_EQ(h->step(), 1);
  EXPECT_EQ(trainerLog.applyStep, 1);
  EXPECT_EQ(trainerLog.stepSize, 0.009765625000000002);
  EXPECT_EQ(trainerLog.biasCorrection2Sqrt, 0.14142135623730956);
  EXPECT_EQ(trainerLog.stepSizeAsKernelSees, float(0.009765625000000002));

  ASSERT_EQ(capi::setDropoutSeed(h.model, (uint64_t(1) << 63) + 5), LOOM_OK);
  ASSERT_EQ(test::trainStep(h.model, b, lr, &loss), LOOM_OK) << loom_last_error();
  EXPECT_EQ(trainerLog.step, 2);
  EXPECT_EQ(uint64_t(trainerLog.seed), (uint64_t(1) << 63) + 5) << "uint64 bits in the int64";
  EXPECT_EQ(trainerLog.applyStep, 2);
  EXPECT_EQ(trainerLog.stepSize, 0.005139802631578949);
  EXPECT_EQ(trainerLog.biasCorrection2Sqrt, 0.1989974874213242);
  EXPECT_EQ(h->step(), 2);

  ASSERT_EQ(test::computeGradients(h.model, b, &loss), LOOM_OK);
  EXPECT_EQ(trainerLog.step, 3);
  ASSERT_EQ(capi::applyGradients(h.model, lr), LOOM_OK);
  EXPECT_EQ(trainerLog.stepSize, 0.0036035516605166062);
  EXPECT_EQ(trainerLog.biasCorrection2Sqrt, 0.24250360822057904);
  EXPECT_EQ(h->step(), 3);
  EXPECT_EQ(trainerLog.trainCalls, 2);
  EXPECT_EQ(trainerLog.applyCalls, 3);
}

TEST_F(TrainingTest, TrainStepIsComputeThenApply) {
  Handle a(test::trainer(), 7), b(test::trainer(), 7);
  Batch batch;
  float lossA = 0, lossB = 0;
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(test::trainStep(a.model, batch, 0.01f, &lossA), LOOM_OK) << loom_last_error();
    ASSERT_EQ(test::computeGradients(b.model, batch, &lossB), LOOM_OK);
    ASSERT_EQ(capi::applyGradients(b.model, 0.01f), LOOM_OK);
    EXPECT_EQ(lossA, lossB);
  }
  EXPECT_TRUE(TrainingState(*a) == TrainingState(*b));
  EXPECT_EQ(a->step(), 3);
  Handle fresh(test::trainer(), 7);
  EXPECT_NE(TrainingState(*a).parameters, TrainingState(*fresh).parameters)
      << "the parameters moved";
}

// Adam's constants, computed as torch.optim.Adam's _single_tensor_adam
// (not capturable) does in Python: step = float(t); step_size = lr / (1 -
// beta1 ** step); bias_correction2_sqrt = math.sqrt(1 - beta2 ** step).
// The expected values were printed by Python with repr().
TEST_F(TrainingTest, AdamConstantsAreTorchsToTheLastBit) {
  struct Case {
    double lr;
    int64_t t;
    double stepSize, biasCorrection2Sqrt;
  } cases[] = {
      {0.0009765625, 1, 0.009765625000000002, 0.14142135623730956},
      {0.0009765625, 2, 0.005139802631578949, 0.1989974874213242},
      {0.0009765625, 3, 0.0036035516605166062, 0.24250360822057904},
      {0.0009765625, 10, 0.0014993554031129195, 0.4276998867342068},
      {0.0009765625, 1000, 0.0009765625, 0.9999999991585163},
      {0.0009765625, 100000, 0.0009765625, 1.0},
      // lr = 1e-3 as a float (the C API's type), widened to double.
      {0.0010000000474974513, 1, 0.010000000474974515, 0.14142135623730956},
      {0.0010000000474974513, 2, 0.005263158144723429, 0.1989974874213242},
      {0.0010000000474974513, 3, 0.003690037075636353, 0.24250360822057904},
      {0.0010000000474974513, 10, 0.0015353400057123634, 0.4276998867342068},
      {0.0010000000474974513, 1000, 0.0010000000474974513, 0.9999999991585163},
  };
  for (const Case &c : cases) {
    SCOPED_TRACE(testing::Message() << "lr " << c.lr << " t " << c.t);
    capi::AdamStep s = capi::adamStep(c.lr, 0.9, 0.98, c.t);
    EXPECT_EQ(s.stepSize, c.stepSize);
    EXPECT_EQ(s.biasCorrection2Sqrt, c.biasCorrection2Sqrt);
  }
  EXPECT_EQ(double(1e-3f), 0.0010000000474974513);
}

TEST_F(TrainingTest, LabelsAreCheckedBeforeAnyPlanRuns) {
  Handle h(test::trainer());
  Batch b;
  float loss = 0;
  TrainingState before(*h);
  EXPECT_EQ(capi::computeGradients(h.model, 2, 3, b.src, b.srcLen, 2, b.tgt, b.tgtLen, nullptr,
                                   &loss),
            LOOM_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(loom_last_error(), "input 'labels': NULL array");

  const int32_t tooLarge[] = {5, 2, 6, 0}; // tgt_vocab 6
  EXPECT_EQ(test::computeGradients(h.model, b, &loss, tooLarge), LOOM_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(loom_last_error(),
               "input 'labels'[1, 0] = 6 is not a token id of the target vocabulary [0, 6) "
               "(pad_id = 0 marks a position without a loss)");
  const int32_t negative[] = {5, -1, 2, 0};
  EXPECT_EQ(test::trainStep(h.model, b, 0.1f, &loss, negative), LOOM_ERROR_INVALID_ARGUMENT);
  EXPECT_CONTAINS(loom_last_error(), "input 'labels'[0, 1] = -1 is not a token id");

  const int32_t allPad[] = {0, 0, 0, 0};
  EXPECT_EQ(test::trainStep(h.model, b, 0.1f, &loss, allPad), LOOM_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(loom_last_error(),
               "input 'labels': every label is pad_id (0): the mean loss is undefined");
  EXPECT_EQ(trainerLog.trainCalls, 0);
  EXPECT_EQ(trainerLog.applyCalls, 0);
  EXPECT_TRUE(TrainingState(*h) == before);

  // A row of nothing but pad_id is fine.
  const int32_t padRow[] = {0, 0, 3, 0};
  EXPECT_EQ(test::trainStep(h.model, b, 0.1f, &loss, padRow), LOOM_OK) << loom_last_error();
  EXPECT_EQ(trainerLog.trainCalls, 1);

  // The other inputs are checked as forward checks them.
  Batch bad;
  bad.tgtLen[1] = 3;
  EXPECT_EQ(test::computeGradients(h.model, bad, &loss), LOOM_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(loom_last_error(), "input 'tgt': length of row 1 is 3, outside [1, 2]");
  bad = Batch();
  bad.src[2] = 5; // src_vocab 5
  EXPECT_EQ(test::computeGradients(h.model, bad, &loss), LOOM_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(loom_last_error(), "input 'src'[0, 2] = 5 is not a token id (vocabulary size 5)");
  EXPECT_EQ(trainerLog.trainCalls, 1);
}

TEST_F(TrainingTest, ADecoderTrainsOnTargetsAloneAndItsPadIdIsItsOwn) {
  Handle h(test::languageModel()); // pad_id 3
  Batch b;
  float loss = 0;
  const int32_t labels[] = {3, 3, 1, 3};
  ASSERT_EQ(capi::trainStep(h.model, 2, 0, nullptr, nullptr, 2, b.tgt, b.tgtLen, labels, 0.1f,
                            &loss),
            LOOM_OK)
      << loom_last_error();
  EXPECT_EQ(trainerLog.src, nullptr);
  EXPECT_EQ(trainerLog.targetLength, 2);
  const int32_t allPad[] = {3, 3, 3, 3};
  EXPECT_EQ(capi::computeGradients(h.model, 2, 0, nullptr, nullptr, 2, b.tgt, b.tgtLen, allPad,
                                   &loss),
            LOOM_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(loom_last_error(),
               "input 'labels': every label is pad_id (3): the mean loss is undefined");
  // 0 is a label like any other for this model.
  const int32_t zeros[] = {0, 0, 0, 0};
  EXPECT_EQ(capi::computeGradients(h.model, 2, 0, nullptr, nullptr, 2, b.tgt, b.tgtLen, zeros,
                                   &loss),
            LOOM_OK);
}

TEST_F(TrainingTest, TheLearningRateMustBeFiniteAndNotNegative) {
  Handle h(test::trainer());
  Batch b;
  float loss = 0;
  TrainingState before(*h);
  struct {
    float lr;
    const char *shown;
  } bad[] = {{std::numeric_limits<float>::quiet_NaN(), "NaN"},
             {std::numeric_limits<float>::infinity(), "+Inf"},
             {-std::numeric_limits<float>::infinity(), "-Inf"},
             {-0.001f, "-0.00100000005"},
             {-std::numeric_limits<float>::denorm_min(), "-1.40129846e-45"}};
  for (const auto &c : bad) {
    SCOPED_TRACE(c.shown);
    EXPECT_EQ(capi::applyGradients(h.model, c.lr), LOOM_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(std::string(loom_last_error()),
              std::string("the learning rate must be finite and >= 0, got ") + c.shown);
    EXPECT_EQ(test::trainStep(h.model, b, c.lr, &loss), LOOM_ERROR_INVALID_ARGUMENT);
  }
  EXPECT_EQ(trainerLog.trainCalls, 0) << "train_step refuses the rate before computing";
  EXPECT_EQ(trainerLog.applyCalls, 0);
  EXPECT_TRUE(TrainingState(*h) == before);
  // 0 and -0 are rates.
  EXPECT_EQ(capi::applyGradients(h.model, 0.0f), LOOM_OK) << loom_last_error();
  EXPECT_EQ(capi::applyGradients(h.model, -0.0f), LOOM_OK) << loom_last_error();
  EXPECT_EQ(h->step(), 2);
}

TEST_F(TrainingTest, ANonFiniteLossIsAnErrorNamingTheStepAndTrainStepUpdatesNothing) {
  Handle h(test::trainer());
  Batch b;
  float loss = 0;
  ASSERT_EQ(test::trainStep(h.model, b, 0.1f, &loss), LOOM_OK);
  TrainingState before(*h);
  trainerLog.loss = std::numeric_limits<float>::quiet_NaN();
  EXPECT_EQ(test::trainStep(h.model, b, 0.1f, &loss), LOOM_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(loom_last_error(),
               "the loss is NaN at step 2: training diverged; lower the learning rate");
  EXPECT_TRUE(std::isnan(loss));
  EXPECT_EQ(trainerLog.applyCalls, 1) << "no Adam update after a NaN loss";
  TrainingState after(*h);
  EXPECT_EQ(after.parameters, before.parameters);
  EXPECT_EQ(after.firstMoment, before.firstMoment);
  EXPECT_EQ(after.secondMoment, before.secondMoment);
  EXPECT_EQ(after.step, 1);

  trainerLog.loss = -std::numeric_limits<float>::infinity();
  EXPECT_EQ(test::computeGradients(h.model, b, &loss), LOOM_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(loom_last_error(),
               "the loss is -Inf at step 2: training diverged; lower the learning rate");
  EXPECT_EQ(loss, -std::numeric_limits<float>::infinity());

  trainerLog.loss = 0.25f;
  EXPECT_EQ(test::trainStep(h.model, b, 0.1f, &loss), LOOM_OK);
  EXPECT_EQ(loss, 0.25f);
  EXPECT_EQ(h->step(), 2);
}

TEST_F(TrainingTest, ModelsThatCannotTrainSaySo) {
  Batch b;
  float loss = 0, *data = nullptr;
  int64_t count = 0;
  {
    Handle h(test::encoderModel());
    const char *message = "model 'enc' is an encoder model: it has no loss to train (training "
                          "needs logits over a target sequence)";
    EXPECT_EQ(test::trainStep(h.model, b, 0.1f, &loss), LOOM_ERROR_INVALID_ARGUMENT);
    EXPECT_STREQ(loom_last_error(), message);
    EXPECT_EQ(capi::applyGradients(h.model, 0.1f), LOOM_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(capi::gradients(h.model, &data, &count), LOOM_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(capi::setDropoutSeed(h.model, 1), LOOM_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(capi::saveCheckpoint(h.model, "/nonexistent/x"), LOOM_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(capi::loadCheckpoint(h.model, "/nonexistent/x"), LOOM_ERROR_INVALID_ARGUMENT);
    EXPECT_STREQ(loom_last_error(), message);
  }
  {
    Handle h(test::inferenceOnly());
    EXPECT_EQ(test::trainStep(h.model, b, 0.1f, &loss), LOOM_ERROR_INVALID_ARGUMENT);
    EXPECT_STREQ(loom_last_error(),
                 "model 'inference' cannot train: its library has no train_step plan "
                 "(compile it with a loomc that builds training)");
    EXPECT_EQ(capi::applyGradients(h.model, 0.1f), LOOM_ERROR_INVALID_ARGUMENT);
    EXPECT_CONTAINS(loom_last_error(), "has no apply_gradients plan");
    // What needs no plan works.
    EXPECT_EQ(capi::gradients(h.model, &data, &count), LOOM_OK) << loom_last_error();
    EXPECT_EQ(count, 20);
    EXPECT_EQ(capi::setDropoutSeed(h.model, 3), LOOM_OK);
  }
  EXPECT_EQ(trainerLog.trainCalls, 0);
}

TEST_F(TrainingTest, NullArgumentsAreErrors) {
  Batch b;
  float loss = 0, *data = nullptr;
  int64_t count = 0;
  EXPECT_EQ(test::trainStep(nullptr, b, 0.1f, &loss), LOOM_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(loom_last_error(), "the model handle is NULL");
  EXPECT_EQ(capi::applyGradients(nullptr, 0.1f), LOOM_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(capi::gradients(nullptr, &data, &count), LOOM_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(capi::setDropoutSeed(nullptr, 1), LOOM_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(capi::saveCheckpoint(nullptr, "x"), LOOM_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(capi::loadCheckpoint(nullptr, "x"), LOOM_ERROR_INVALID_ARGUMENT);
  Handle h(test::trainer());
  EXPECT_EQ(test::trainStep(h.model, b, 0.1f, nullptr), LOOM_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(loom_last_error(), "the loss pointer is NULL");
  EXPECT_EQ(test::computeGradients(h.model, b, nullptr), LOOM_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(capi::gradients(h.model, nullptr, &count), LOOM_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(loom_last_error(), "the data pointer is NULL");
  EXPECT_EQ(capi::gradients(h.model, &data, nullptr), LOOM_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(capi::saveCheckpoint(h.model, nullptr), LOOM_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(capi::loadCheckpoint(h.model, nullptr), LOOM_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(trainerLog.trainCalls, 0);
}

TEST_F(TrainingTest, ADriverMayOverwriteTheGradientsBetweenTheHalves) {
  Handle h(test::trainer());
  Batch b;
  float loss = 0, *data = nullptr;
  int64_t count = 0;
  ASSERT_EQ(test::computeGradients(h.model, b, &loss), LOOM_OK);
  ASSERT_EQ(capi::gradients(h.model, &data, &count), LOOM_OK);
  for (int64_t i = 0; i < count; ++i)
    data[i] = 2.0f; // say, the average over processes
  std::vector<float> before(h->parameters(), h->parameters() + count);
  ASSERT_EQ(capi::applyGradients(h.model, 1.0f), LOOM_OK);
  // The fake update: m = 0.1 g, p -= step_size * m with step_size = 1 / 0.1.
  float stepSize = float(1.0 / (1.0 - 0.9));
  for (int64_t i = 0; i < count; ++i) {
    EXPECT_EQ(h->firstMoment()[i], 0.1f * 2.0f);
    EXPECT_EQ(h->parameters()[i], before[i] - stepSize * (0.1f * 2.0f));
  }
}

TEST_F(TrainingTest, TheStepCountHasALimit) {
  Handle h(test::trainer());
  Batch b;
  float loss = 0;
  h->setStep(kMaxTrainingStep - 1);
  EXPECT_EQ(test::trainStep(h.model, b, 0.1f, &loss), LOOM_OK) << loom_last_error();
  EXPECT_EQ(trainerLog.step, kMaxTrainingStep);
  EXPECT_EQ(test::trainStep(h.model, b, 0.1f, &loss), LOOM_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(loom_last_error(),
               "model 'trainer' has taken 2147483647 training steps, the most a handle takes "
               "(dropout masks are keyed by a 32-bit step)");
  EXPECT_EQ(capi::applyGradients(h.model, 0.1f), LOOM_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(h->step(), kMaxTrainingStep);
}

TEST_F(TrainingTest, TrainingLogitsOf2To31ElementsAreRefusedBeforeAnyPlan) {
  // [B, T, tgt_vocab] = [2^22, 4, ...]: a vocabulary of 128 makes 2^31.
  auto describeWide = [](ModelDescription *d) {
    describe::info(d, "wide", "decoder", 2, 1, 4, 0, 1, 0, 128, 4, 0, 1, 2);
    test::describeTrainingPlans(d);
  };
  ModelDescription wide = describeModel(describeWide);
  Handle h(wide);
  const int64_t batch = int64_t(1) << 22;
  std::vector<int32_t> tgt(batch * 4, 1), tgtLen(batch, 4);
  float loss = 0;
  EXPECT_EQ(capi::computeGradients(h.model, batch, 0, nullptr, nullptr, 4, tgt.data(),
                                   tgtLen.data(), tgt.data(), &loss),
            LOOM_ERROR_OUT_OF_MEMORY);
  EXPECT_STREQ(loom_last_error(),
               "training's logits [B, T, tgt_vocab] = [4194304, 4, 128] have 2147483648 "
               "elements; the kernels index with 32 bits, so they must have fewer than 2^31 "
               "(2147483648): use a smaller batch or shorter sequences");
  EXPECT_EQ(trainerLog.trainCalls, 0);
}

//===----------------------------------------------------------------------===//
// Executor: the training views
//===----------------------------------------------------------------------===//

TEST_F(TrainingTest, TrainingBlocksAreRefusedWherePlansDoNotHaveThem) {
  Handle h(test::trainer());
  Frame f(*h);
  // Before any training call, only the parameters exist.
  View p = exec::trainingBlock(&f, int(exec::TrainingBlock::parameters));
  EXPECT_EQ(p.rank, 1);
  EXPECT_EQ(p.extent[0], 20);
  EXPECT_EQ(p.data, h->parameters());
  EXPECT_TRUE(f.status.ok());
  exec::trainingBlock(&f, int(exec::TrainingBlock::second_moment));
  EXPECT_EQ(f.status.code(), LOOM_ERROR_INTERNAL);
  EXPECT_EQ(f.status.message(),
            "the model's Adam second moment block is not allocated: only train_step and "
            "apply_gradients plans read the training blocks");
  f.status = Status();
  exec::gradient(&f, 0);
  EXPECT_EQ(f.status.code(), LOOM_ERROR_INTERNAL);
  // runPlan allocates them for the training plans.
  Frame apply(*h);
  ASSERT_TRUE(runPlan(*h, PlanFunctionId::apply_gradients, apply).ok());
  EXPECT_NE(h->gradients(), nullptr);
  EXPECT_NE(h->secondMoment(), nullptr);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(h->secondMoment()) % 64, 0u);
}

TEST_F(TrainingTest, RealScalarsAreReadAsFloats) {
  Handle h(test::trainer());
  Frame f(*h);
  f.reals[int(ScalarSlot::adam_step_size)] = 0.1;
  EXPECT_EQ(exec::real(&f, int(ScalarSlot::adam_step_size)), 0.1f);
  EXPECT_EQ(kScalarKinds[int(ScalarSlot::step)], ScalarKind::integer);
  EXPECT_EQ(kScalarKinds[int(ScalarSlot::dropout_seed)], ScalarKind::integer);
  EXPECT_EQ(kScalarKinds[int(ScalarSlot::adam_step_size)], ScalarKind::real);
  EXPECT_EQ(kScalarKinds[int(ScalarSlot::adam_bias_correction2_sqrt)], ScalarKind::real);
}

TEST_F(TrainingTest, ZeroClearsExactlyAStridedView) {
  Handle h(test::trainer());
  Frame f(*h);
  std::vector<float> data(4 * 6, 7.0f);
  // Columns 1..3 of a [4, 6] buffer.
  View v = exec::columns(exec::shaped(&f, data.data(), Element::f32, {4, 6}), 1, 3);
  exec::zero(&f, v);
  for (int r = 0; r < 4; ++r)
    for (int c = 0; c < 6; ++c)
      EXPECT_EQ(data[r * 6 + c], c >= 1 && c < 4 ? 0.0f : 7.0f) << r << ", " << c;
  // Every other element of a row: stride 2 in the last dim.
  std::fill(data.begin(), data.end(), 7.0f);
  View every = exec::shaped(&f, data.data(), Element::f32, {2, 3});
  every.stride[0] = 12;
  every.stride[1] = 2;
  exec::zero(&f, every);
  EXPECT_EQ(data[0], 0.0f);
  EXPECT_EQ(data[1], 7.0f);
  EXPECT_EQ(data[4], 0.0f);
  EXPECT_EQ(data[12], 0.0f);
  EXPECT_EQ(data[16], 0.0f);
  EXPECT_EQ(data[17], 7.0f);
  // Heads: [B, H, S, Dh] of [B, S, H*Dh].
  std::vector<float> rows(2 * 3 * 4, 7.0f);
  View heads = exec::splitHeads(exec::shaped(&f, rows.data(), Element::f32, {2, 3, 4}), 2);
  exec::zero(&f, heads);
  for (float x : rows)
    EXPECT_EQ(x, 0.0f);
  // A large view goes through the parallel path.
  std::vector<float> big(300 * 300, 7.0f);
  exec::zero(&f, exec::columns(exec::shaped(&f, big.data(), Element::f32, {300, 300}), 0, 299));
  EXPECT_EQ(big[299], 7.0f);
  EXPECT_EQ(big[298], 0.0f);
  EXPECT_EQ(big[299 * 300 + 298], 0.0f);
  EXPECT_EQ(big[299 * 300 + 299], 7.0f);
  // Nothing once the frame has failed.
  f.status = Status::internal("earlier failure");
  std::fill(data.begin(), data.end(), 7.0f);
  exec::zero(&f, exec::shaped(&f, data.data(), Element::f32, {4, 6}));
  EXPECT_EQ(data[0], 7.0f);
}

//===----------------------------------------------------------------------===//
// The handle's lock
//===----------------------------------------------------------------------===//

// Parameters that start equal (biases: 0) and that every update moves
// together, slowly: a reader that ran during an update would see them
// differ.
std::atomic<int> slowUpdates{0};
void slowApply(Frame *f) {
  View p = exec::trainingBlock(f, int(exec::TrainingBlock::parameters));
  float *data = static_cast<float *>(p.data);
  for (int64_t i = 0; i < p.extent[0]; ++i) {
    data[i] += 1.0f;
    if (i % 16 == 0)
      std::this_thread::yield();
  }
  ++slowUpdates;
}
void slowGradients(Frame *f) {
  View g = exec::trainingBlock(f, int(exec::TrainingBlock::gradients));
  float *data = static_cast<float *>(g.data);
  float next = data[0] + 1.0f;
  for (int64_t i = 0; i < g.extent[0]; ++i) {
    data[i] = next;
    if (i % 16 == 0)
      std::this_thread::yield();
  }
  *static_cast<float *>(exec::output(f, int(OutputSlot::loss), exec::f32, 1).data) = 1.0f;
}
/// out[0] = the parameters' common value, or -1 if they differ; out[1] the
/// gradients' (or -1).
void consistentForward(Frame *f) {
  const Model &m = *f->model;
  auto common = [&](const float *block) {
    if (!block)
      return 0.0f;
    for (int64_t i = 1; i < m.parameterCount(); ++i) {
      if (block[i] != block[0])
        return -1.0f;
      if (i % 64 == 0)
        std::this_thread::yield();
    }
    return block[0];
  };
  float *out = static_cast<float *>(f->outputs[int(OutputSlot::out)]);
  out[0] = common(m.parameters());
  out[1] = common(m.gradients());
}
void describeLocked(ModelDescription *d) {
  describe::info(d, "locked", "decoder", 2, 1, 4, 0, 1, 0, 6, 4, 0, 1, 2);
  describe::weight(d, "a.bias", false, 512);
  describe::weight(d, "b.bias", false, 512);
  describe::function(d, int(PlanFunctionId::forward), consistentForward, 0, 0, false, true);
  describe::function(d, int(PlanFunctionId::train_step), slowGradients, 0, 0, false, true);
  describe::function(d, int(PlanFunctionId::apply_gradients), slowApply, 0, 0, false, false);
  describe::optimizer(d, 0.9, 0.98, 1e-9);
}

TEST_F(TrainingTest, TrainingRunsAloneWhileForwardsRunSideBySide) {
  const ModelDescription locked = describeModel(describeLocked);
  Handle h(locked, 1, 2);
  const int32_t tgt[] = {1, 2}, tgtLen[] = {2}, labels[] = {1, 2};
  constexpr int kSteps = 60;
  std::atomic<bool> done{false};
  std::atomic<int> torn{0}, forwards{0}, failures{0};
  auto reader = [&] {
    float lastParameter = 0;
    while (!done) {
      float out[2 * 6] = {};
      if (capi::forward(h.model, 1, 0, nullptr, nullptr, 2, tgt, tgtLen, out) != LOOM_OK) {
        ++failures;
        continue;
      }
      ++forwards;
      if (out[0] < 0 || out[1] < 0 || out[0] < lastParameter)
        ++torn;
      lastParameter = out[0];
    }
  };
  std::thread readers[] = {std::thread(reader), std::thread(reader)};
  float loss = 0;
  for (int i = 0; i < kSteps; ++i) {
    if (i % 2)
      EXPECT_EQ(capi::trainStep(h.model, 1, 0, nullptr, nullptr, 2, tgt, tgtLen, labels, 0.1f,
                                &loss),
                LOOM_OK)
          << loom_last_error();
    else
      EXPECT_EQ(capi::computeGradients(h.model, 1, 0, nullptr, nullptr, 2, tgt, tgtLen, labels,
                                       &loss),
                LOOM_OK)
          << loom_last_error();
  }
  // Let the readers see the final state too.
  while (forwards < 20 && failures == 0)
    std::this_thread::yield();
  done = true;
  for (std::thread &t : readers)
    t.join();
  EXPECT_EQ(torn, 0) << "a forward saw a half-applied update";
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(slowUpdates, kSteps / 2);
  EXPECT_EQ(h->step(), kSteps / 2);
  EXPECT_EQ(h->parameters()[1023], float(kSteps / 2));
  float out[2 * 6] = {};
  ASSERT_EQ(capi::forward(h.model, 1, 0, nullptr, nullptr, 2, tgt, tgtLen, out), LOOM_OK);
  EXPECT_EQ(out[0], float(kSteps / 2));
  EXPECT_EQ(out[1], float(kSteps));
}

} // namespace
} // namespace loom
