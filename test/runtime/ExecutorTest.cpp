//===- ExecutorTest.cpp - views, kernel calls and plan functions ----------===//
//
// Plan functions here are written by hand the way loomc emits them, and the
// kernels are C++ functions of the `add` family's ABI type that check the
// halide_buffer_t descriptors they receive: the generated libraries' real
// kernels are covered by loom-kernel-check and the parity tests.
//
//===----------------------------------------------------------------------===//
#include "loom/runtime/Executor.h"
#include "loom/runtime/Model.h"

#include <gtest/gtest.h>

namespace loom {
namespace {

/// out = a + b over 2-D descriptors, as the Halide add kernel computes it.
int descriptorAdd(halide_buffer_t *a, halide_buffer_t *b, halide_buffer_t *out) {
  if (a->dimensions != 2 || b->dimensions != 2 || out->dimensions != 2)
    return -1;
  for (int m = 0; m < out->dim[1].extent; ++m)
    for (int n = 0; n < out->dim[0].extent; ++n) {
      auto at = [&](halide_buffer_t *x) {
        return reinterpret_cast<float *>(x->host) + m * x->dim[1].stride +
               n * x->dim[0].stride;
      };
      *at(out) = *at(a) + *at(b);
    }
  return 0;
}

int failingAdd(halide_buffer_t *, halide_buffer_t *, halide_buffer_t *) {
  halide_error(nullptr, "bad things\n");
  return -7;
}

int calls = 0;
int countingAdd(halide_buffer_t *, halide_buffer_t *, halide_buffer_t *) {
  ++calls;
  return 0;
}

/// forward: x = the arena's [B, S, 8] rows, filled with 0, 1, 2, ...;
/// out[B, S, 4] = x[:, :, 0:4] + x[:, :, 4:8].
void addHalves(Frame *f) {
  View x = exec::arenaRows(f, 2, exec::f32, exec::B, exec::S, 8);
  float *data = static_cast<float *>(x.data);
  for (int64_t i = 0; i < f->batch * f->sourceLength * 8; ++i)
    data[i] = float(i);
  exec::add(f, 0, exec::columns(x, 0, 4), exec::columns(x, 4, 4),
            exec::output(f, int(OutputSlot::out), exec::f32, exec::B,
                         exec::S, 4));
}

/// decode_step: a failing kernel, then one that must not run.
void failThenAdd(Frame *f) {
  View x = exec::arenaBytes(f, 0, exec::f32, 2, 2);
  exec::add(f, 1, x, x, x);
  exec::add(f, 2, x, x, x);
}

void describeToy(ModelDescription *d) {
  describe::info(d, "toy", "encoder", 4, 1, 4, 1, 0, 5, 0, 3, 0, 1, 2);
  describe::state(d, "cache", Element::f32, dims::B, 3, 4);
  describe::function(d, int(PlanFunctionId::forward), addHalves, 10, 0, true,
                     false);
  describe::function(d, int(PlanFunctionId::decode_step), failThenAdd, 0, 64,
                     false, true);
  describe::add(d, "descriptor_add", descriptorAdd, descriptorAdd);
  describe::add(d, "failing_add", failingAdd, failingAdd);
  describe::add(d, "counting_add", countingAdd, countingAdd);
}
const ModelDescription kToy = describeModel(describeToy);

/// A frame of the toy model with these sizes.
struct ToyCall {
  std::unique_ptr<Model> model;
  std::unique_ptr<Frame> frame;
  ToyCall(int64_t batch, int64_t source, int64_t target) {
    auto seeded = Model::seeded(kToy, 1, 1);
    EXPECT_TRUE(seeded.ok());
    model = std::move(seeded.value());
    frame = std::make_unique<Frame>(*model);
    frame->batch = batch;
    frame->sourceLength = source;
    frame->targetLength = target;
  }
};

TEST(ExecutorTest, ViewsResolveSymbolsAndWindowRows) {
  ToyCall call(2, 3, 0);
  Frame &f = *call.frame;
  float data[48];
  View v = exec::shaped(&f, data, Element::f32, {dims::B, dims::S, 8});
  EXPECT_EQ(v.rank, 3);
  EXPECT_EQ(v.extent[0], 2);
  EXPECT_EQ(v.extent[1], 3);
  EXPECT_EQ(v.stride[0], 24);
  View cols = exec::columns(v, 4, 2);
  EXPECT_EQ(cols.data, data + 4);
  EXPECT_EQ(cols.extent[2], 2);
  EXPECT_EQ(cols.stride[1], 8);
  View heads = exec::splitHeads(exec::columns(v, 0, 8), 2); // [B, 2, S, 4]
  EXPECT_EQ(heads.rank, 4);
  EXPECT_EQ(heads.extent[1], 2);
  EXPECT_EQ(heads.stride[1], 4);
  EXPECT_EQ(heads.extent[2], 3);
  EXPECT_EQ(heads.stride[2], 8);
  EXPECT_EQ(heads.extent[3], 4);
  View table = exec::shaped(&f, data, Element::f32, {6, 8});
  View rows = exec::rowsFrom(table, 2);
  EXPECT_EQ(rows.data, data + 16);
  EXPECT_EQ(rows.extent[0], 4);
}

TEST(ExecutorTest, SliceViewsOneIndexOfTheLeadingDim) {
  // cross_attention's weights [L, B, H, T, S] and layer 1 of them.
  ToyCall call(2, 5, 3);
  Frame &f = *call.frame;
  std::vector<float> data(2 * 2 * 4 * 3 * 5);
  View w = exec::shaped(&f, data.data(), Element::f32,
                        {2, dims::B, 4, dims::T, dims::S});
  EXPECT_EQ(w.rank, 5);
  EXPECT_EQ(w.stride[0], 2 * 4 * 3 * 5);
  View layer = exec::slice(w, 1);
  EXPECT_EQ(layer.rank, 4);
  EXPECT_EQ(layer.data, data.data() + 2 * 4 * 3 * 5);
  const int64_t extents[] = {2, 4, 3, 5}, strides[] = {60, 15, 5, 1};
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(layer.extent[i], extents[i]);
    EXPECT_EQ(layer.stride[i], strides[i]);
  }
  View row = exec::slice(exec::shaped(&f, data.data(), Element::f32, {6, 8}), 2);
  EXPECT_EQ(row.rank, 1);
  EXPECT_EQ(row.data, data.data() + 16);
  EXPECT_EQ(row.extent[0], 8);
}

TEST(ExecutorTest, KernelsGetFoldedStridedDescriptors) {
  ToyCall call(2, 3, 0);
  Frame &f = *call.frame;
  std::vector<float> out(2 * 3 * 4, -1.0f);
  f.outputs[int(OutputSlot::out)] = out.data();
  Status s = runPlan(*call.model, PlanFunctionId::forward, f);
  ASSERT_TRUE(s.ok()) << s.toString();
  EXPECT_EQ(f.rowsMax, 6);
  for (int row = 0; row < 6; ++row)
    for (int n = 0; n < 4; ++n)
      EXPECT_EQ(out[row * 4 + n], float(row * 8 + n) + float(row * 8 + n + 4));
}

TEST(ExecutorTest, TheFirstKernelFailureIsKeptAndLaterCallsSkipped) {
  ToyCall call(1, 0, 1);
  calls = 0;
  Status s = runPlan(*call.model, PlanFunctionId::decode_step, *call.frame);
  EXPECT_EQ(s.code(), LOOM_ERROR_INTERNAL);
  EXPECT_EQ(s.message(),
            "kernel 'failing_add' failed (Halide error -7): bad things");
  EXPECT_EQ(calls, 0);
}

TEST(ExecutorTest, AMissingPlanFunctionIsAnError) {
  ToyCall call(1, 1, 0);
  EXPECT_EQ(runPlan(*call.model, PlanFunctionId::decode_init, *call.frame)
                .code(),
            LOOM_ERROR_INTERNAL);
}

TEST(ExecutorTest, ExtentsPastInt32AreRefusedBeforeTheKernel) {
  ToyCall call(1, 1, 0);
  Frame &f = *call.frame;
  float one = 0;
  View huge = exec::shaped(&f, &one, Element::f32, {int64_t(1) << 31, 1});
  calls = 0;
  exec::add(&f, 2, huge, huge, huge);
  EXPECT_EQ(f.status.code(), LOOM_ERROR_OUT_OF_MEMORY);
  EXPECT_EQ(calls, 0);
}

TEST(ExecutorTest, BuffersSpanningOffsetsPast2To31AreRefusedBeforeTheKernel) {
  ToyCall call(1, 1, 0);
  Frame &f = *call.frame;
  float one = 0;
  // Every extent and stride fits in int32, but the last element is at
  // 65535 * 65536 + 65535 = 2^32 - 1.
  View wide = exec::shaped(&f, &one, Element::f32, {65536, 65536});
  // The last element at 32767 * 65536 + 65535 = 2^31 - 1: the largest there is.
  View largest = exec::shaped(&f, &one, Element::f32, {32768, 65536});
  calls = 0;
  exec::add(&f, 2, largest, largest, largest);
  EXPECT_TRUE(f.status.ok()) << f.status.toString();
  EXPECT_EQ(calls, 1);
  exec::add(&f, 2, largest, largest, wide);
  EXPECT_EQ(f.status.code(), LOOM_ERROR_OUT_OF_MEMORY);
  EXPECT_EQ(f.status.message(),
            "kernel 'counting_add': argument 'out' (extents [65536, 65536], strides "
            "[65536, 1]) spans element offsets up to 4294967295; Halide kernels index with "
            "32 bits, so a buffer must span fewer than 2^31 elements: use a smaller batch or "
            "shorter sequences");
  EXPECT_EQ(calls, 1);
  // A window of one column counts its stride: 2^16 + 1 rows 2^15 apart.
  f.status = Status();
  View rows = exec::columns(exec::shaped(&f, &one, Element::f32, {65537, 32768}), 0, 1);
  exec::add(&f, 2, rows, largest, largest);
  EXPECT_EQ(f.status.code(), LOOM_ERROR_OUT_OF_MEMORY);
  EXPECT_NE(f.status.message().find("argument 'a' (extents [65537, 1], strides [32768, 1]) "
                                    "spans element offsets up to 2147483648"),
            std::string::npos)
      << f.status.message();
  EXPECT_EQ(calls, 1);
}

TEST(ExecutorTest, ArenaSizesBeyondMemoryGetAClearMessage) {
  // forward's arena is 10 rows of B * S floats; nothing is allocated or run.
  ToyCall overflow(INT64_MAX / 2, 4, 0);
  Status s = runPlan(*overflow.model, PlanFunctionId::forward, *overflow.frame);
  EXPECT_EQ(s.code(), LOOM_ERROR_OUT_OF_MEMORY);
  EXPECT_EQ(s.message(), "out of memory: forward of model 'toy' with batch 4611686018427387903 "
                         "and sequences of 4 needs more than 2^64 bytes of scratch memory; "
                         "use a smaller batch or shorter sequences");
  ToyCall huge(int64_t(1) << 30, 16, 0); // 10 * 2^34 * 4 bytes = 640 GiB
  s = runPlan(*huge.model, PlanFunctionId::forward, *huge.frame);
  EXPECT_EQ(s.code(), LOOM_ERROR_OUT_OF_MEMORY);
  EXPECT_NE(s.message().find("needs 640.0 GiB (687194767360 bytes) of scratch memory, more "
                             "than this machine's "),
            std::string::npos)
      << s.message();
  EXPECT_EQ(huge.model->arenas().idleBytes(), 0u) << "nothing allocated";
}

TEST(ExecutorTest, SessionStateAndCacheAppend) {
  Session session;
  ASSERT_TRUE(session.open(kToy, 2, 5).ok());
  ASSERT_EQ(session.buffers.size(), 1u);
  EXPECT_EQ(session.buffers[0].size(), 2u * 3 * 4);
  ToyCall call(2, 5, 1);
  Frame &f = *call.frame;
  f.session = &session;
  View cache = exec::state(&f, 0);
  const float rows[] = {1, 2, 3, 4, 99, 99, 5, 6, 7, 8, 99, 99}; // stride 6
  View fresh = exec::shaped(&f, const_cast<float *>(rows), Element::f32,
                            {dims::B, dims::T, 4});
  fresh.stride[0] = 6;
  exec::cacheAppend(&f, fresh, cache, 1);
  ASSERT_TRUE(f.status.ok()) << f.status.toString();
  EXPECT_EQ(session.buffers[0][4], 1.0f);      // [0, 1, 0]
  EXPECT_EQ(session.buffers[0][12 + 7], 8.0f); // [1, 1, 3]
  exec::cacheAppend(&f, fresh, cache, 3);      // past the cache
  EXPECT_EQ(f.status.code(), LOOM_ERROR_INTERNAL);
}

TEST(ExecutorTest, CacheAppendWritesEveryPositionOfAPrefill) {
  Session session;
  ASSERT_TRUE(session.open(kToy, 2, 5).ok()); // a cache of [2, 3, 4]
  ToyCall call(2, 5, 2);
  Frame &f = *call.frame;
  f.session = &session;
  View cache = exec::state(&f, 0);
  float rows[16];
  for (int i = 0; i < 16; ++i)
    rows[i] = float(i + 1); // [b, t, e] = 8 b + 4 t + e + 1
  View prompt = exec::shaped(&f, rows, Element::f32, {dims::B, dims::T, 4});
  exec::cacheAppend(&f, prompt, cache, 0);
  ASSERT_TRUE(f.status.ok()) << f.status.toString();
  EXPECT_EQ(session.buffers[0][0], 1.0f);       // [0, 0, 0]
  EXPECT_EQ(session.buffers[0][4 + 3], 8.0f);   // [0, 1, 3]
  EXPECT_EQ(session.buffers[0][12 + 4], 13.0f); // [1, 1, 0]
  EXPECT_EQ(session.buffers[0][8], 0.0f);       // [0, 2, 0]: not written
  exec::cacheAppend(&f, prompt, cache, 2);      // positions 2..3 of 3
  EXPECT_EQ(f.status.code(), LOOM_ERROR_INTERNAL);
  EXPECT_EQ(f.status.message(),
            "decoding positions 2..3 are outside the cache of 3");
}

TEST(ExecutorTest, StepLengthsAreStepPlusOne) {
  ToyCall call(3, 0, 1);
  View lengths = exec::stepLengths(call.frame.get(), 4);
  EXPECT_EQ(lengths.element, Element::i32);
  EXPECT_EQ(lengths.extent[0], 3);
  EXPECT_EQ(static_cast<int32_t *>(lengths.data)[2], 5);
}

} // namespace
} // namespace loom
