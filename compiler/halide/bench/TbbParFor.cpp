// Bench-only halide_do_par_for on oneTBB. Halide's .parallel() loops call this
// weak runtime symbol; a strong definition here replaces Halide's thread pool,
// as the Loom runtime's own copy (runtime/) does in generated libraries.
#include <HalideRuntime.h>
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <atomic>
#include <memory>

namespace {
std::unique_ptr<tbb::task_arena> benchArena;
}

/// The number of TBB threads the kernels' parallel loops run on.
void loomBenchSetThreads(int threads) {
  benchArena = std::make_unique<tbb::task_arena>(threads);
}

extern "C" int halide_do_par_for(void *userContext, halide_task_t task, int min, int size,
                                 uint8_t *closure) {
  if (!benchArena) loomBenchSetThreads(2);
  std::atomic<int> status{0};
  benchArena->execute([&] {
    tbb::parallel_for(tbb::blocked_range<int>(min, min + size), [&](const tbb::blocked_range<int> &r) {
      for (int i = r.begin(); i != r.end(); ++i)
        if (int e = task(userContext, i, closure)) status.store(e);
    });
  });
  return status.load();
}
