//===- HalideParallelTest.cpp - halide_do_par_for on oneTBB ---------------===//

#include "loom/runtime/HalideParallel.h"

#include <gtest/gtest.h>

#include <tbb/task_arena.h>

#include <atomic>
#include <climits>
#include <chrono>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

using namespace loom;

namespace {

/// The closure of the test loop bodies (Halide passes a packed struct).
struct Closure {
  int min = 0;
  std::vector<std::atomic<int>> *hits = nullptr;
  int failAt = -1;
  int failCode = 0;
  const char *failMessage = nullptr;
  std::atomic<int> maxConcurrencySeen{0};
  std::atomic<int> maxConcurrencyMin{1 << 30};
  std::mutex threadsMutex;
  std::set<std::thread::id> threads;
  bool spin = false;
};

int countingTask(void *userContext, int index, uint8_t *closureBytes) {
  EXPECT_EQ(userContext, reinterpret_cast<void *>(0x1234));
  auto *c = reinterpret_cast<Closure *>(closureBytes);
  (*c->hits)[index - c->min].fetch_add(1);
  int mc = tbb::this_task_arena::max_concurrency();
  int seen = c->maxConcurrencySeen.load();
  while (mc > seen && !c->maxConcurrencySeen.compare_exchange_weak(seen, mc)) {
  }
  int low = c->maxConcurrencyMin.load();
  while (mc < low && !c->maxConcurrencyMin.compare_exchange_weak(low, mc)) {
  }
  {
    std::lock_guard<std::mutex> lock(c->threadsMutex);
    c->threads.insert(std::this_thread::get_id());
  }
  if (c->spin) // give other threads a chance to join in
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  if (index == c->failAt) {
    if (c->failMessage)
      halide_error(userContext, c->failMessage);
    return c->failCode;
  }
  return 0;
}

int runLoop(Closure &c, int min, int size) {
  c.min = min;
  return halide_do_par_for(reinterpret_cast<void *>(0x1234), countingTask, min, size,
                           reinterpret_cast<uint8_t *>(&c));
}

} // namespace

TEST(HalideParallel, CoversEveryIndexExactlyOnce) {
  for (int size : {1, 2, 7, 1000, 100000}) {
    std::vector<std::atomic<int>> hits(size);
    Closure c;
    c.hits = &hits;
    EXPECT_EQ(runLoop(c, -17, size), 0);
    for (int i = 0; i < size; ++i)
      ASSERT_EQ(hits[i].load(), 1) << "size " << size << " index " << i;
  }
}

TEST(HalideParallel, EmptyLoopCallsNothing) {
  std::vector<std::atomic<int>> hits(1);
  Closure c;
  c.hits = &hits;
  EXPECT_EQ(runLoop(c, 5, 0), 0);
  EXPECT_EQ(hits[0].load(), 0);
}

TEST(HalideParallel, PropagatesTheErrorCode) {
  std::vector<std::atomic<int>> hits(5000);
  Closure c;
  c.hits = &hits;
  c.failAt = 4321;
  c.failCode = -7;
  EXPECT_EQ(runLoop(c, 0, 5000), -7);
  EXPECT_EQ(hits[4321].load(), 1);
  for (auto &h : hits)
    ASSERT_LE(h.load(), 1);
}

TEST(HalideParallel, CarriesHalideErrorFromWorkersToTheCaller) {
  (void)takeHalideError();
  ParallelContext ctx(2);
  std::vector<std::atomic<int>> hits(20000);
  Closure c;
  c.hits = &hits;
  c.failAt = 19999;
  c.failCode = -3;
  c.failMessage = "Input buffer b0 is accessed at 10, which is beyond the max (9) in dimension 0\n";
  Status s = ctx.run([&] { return kernelStatus(runLoop(c, 0, 20000), "attention_fwd"); });
  EXPECT_EQ(s.code(), LOOM_ERROR_INTERNAL);
  EXPECT_EQ(s.message(), "kernel 'attention_fwd' failed (Halide error -3): Input buffer b0 is "
                         "accessed at 10, which is beyond the max (9) in dimension 0");
  EXPECT_EQ(takeHalideError(), "") << "kernelStatus takes the message";
}

TEST(HalideParallel, HalideErrorIsStoredNotPrinted) {
  (void)takeHalideError();
  halide_error(nullptr, "Error: something failed\n");
  EXPECT_EQ(takeHalideError(), "Error: something failed");
  EXPECT_EQ(takeHalideError(), "");
  EXPECT_TRUE(kernelStatus(0, "k").ok());
  Status s = kernelStatus(-1, "k");
  EXPECT_EQ(s.message(), "kernel 'k' failed (Halide error -1)");
}

TEST(HalideParallel, RespectsTheArenaThreadCount) {
  for (int threads : {1, 2, 3}) {
    if (threads > tbb::info::default_concurrency())
      continue; // clamped to the machine (ThreadCountsAreClampedToTheMachine)
    ParallelContext ctx(threads);
    EXPECT_EQ(ctx.threads(), threads);
    std::vector<std::atomic<int>> hits(400);
    Closure c;
    c.hits = &hits;
    c.spin = true;
    EXPECT_EQ(ctx.run([&] { return runLoop(c, 0, 400); }), 0);
    EXPECT_EQ(c.maxConcurrencySeen.load(), threads);
    EXPECT_EQ(c.maxConcurrencyMin.load(), threads);
    EXPECT_LE(static_cast<int>(c.threads.size()), threads);
    if (threads == 1) {
      EXPECT_EQ(c.threads.count(std::this_thread::get_id()), 1u) << "runs on the caller";
    }
  }
}

namespace {
int innerTask(void *, int, uint8_t *closure);
} // namespace

TEST(HalideParallel, ThreadCountsAreClampedToTheMachine) {
  const int machine = tbb::info::default_concurrency();
  EXPECT_EQ(ParallelContext::threadsFor(0), machine);
  EXPECT_EQ(ParallelContext::threadsFor(-5), machine);
  EXPECT_EQ(ParallelContext::threadsFor(1), 1);
  EXPECT_EQ(ParallelContext::threadsFor(machine), machine);
  EXPECT_EQ(ParallelContext::threadsFor(machine + 1), machine);
  EXPECT_EQ(ParallelContext::threadsFor(10000000), machine);
  EXPECT_EQ(ParallelContext::threadsFor(INT_MAX), machine);
  // Arenas of INT_MAX and 10^7 threads crashed inside TBB; clamped, they
  // run loops like any other.
  for (int threads : {INT_MAX, 10000000}) {
    ParallelContext ctx(threads);
    EXPECT_EQ(ctx.threads(), machine);
    EXPECT_EQ(ctx.run([] { return tbb::this_task_arena::max_concurrency(); }), machine);
    std::atomic<int> count{0};
    EXPECT_EQ(ctx.run([&] {
      return halide_do_par_for(nullptr, innerTask, 0, 100, reinterpret_cast<uint8_t *>(&count));
    }),
              0);
    EXPECT_EQ(count.load(), 100);
  }
}

TEST(HalideParallel, DefaultContextUsesDefaultConcurrency) {
  ParallelContext ctx;
  EXPECT_EQ(ctx.threads(), tbb::info::default_concurrency());
  EXPECT_EQ(ctx.run([] { return tbb::this_task_arena::max_concurrency(); }), ctx.threads());
}

namespace {
int innerTask(void *, int, uint8_t *closure) {
  reinterpret_cast<std::atomic<int> *>(closure)->fetch_add(1);
  return 0;
}
int outerTask(void *uc, int, uint8_t *closure) {
  return halide_do_par_for(uc, innerTask, 0, 50, closure);
}
} // namespace

TEST(HalideParallel, NestedLoops) {
  ParallelContext ctx(2);
  std::atomic<int> count{0};
  int rc = ctx.run([&] {
    return halide_do_par_for(nullptr, outerTask, 0, 40, reinterpret_cast<uint8_t *>(&count));
  });
  EXPECT_EQ(rc, 0);
  EXPECT_EQ(count.load(), 40 * 50);
}
