//===- HalideParallel.h - Halide's parallel runtime on oneTBB ---*- C++ -*-===//
//
// Halide kernels compiled ahead of time call halide_do_par_for for every
// .parallel() loop and halide_error on a runtime error; both are weak in
// Halide's runtime, and HalideParallel.cpp defines them strongly:
//
//  - halide_do_par_for runs the loop body with tbb::parallel_for in the
//    *current* task arena, so a kernel launched inside ParallelContext::run
//    uses exactly that context's threads;
//  - halide_error stores the message in a thread-local slot instead of
//    printing it; kernelStatus() turns a kernel's non-zero return code plus that
//    message into a Status.
//
// Linking note: the hooks live in the same object file as ParallelContext, so
// any program that uses ParallelContext from the static loom_runtime also
// gets them, and they win over the weak Halide runtime definitions (loomc
// links model libraries with the whole archive in any case).
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_RUNTIME_HALIDEPARALLEL_H
#define LOOM_RUNTIME_HALIDEPARALLEL_H

#include "loom/runtime/Status.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>

#include <tbb/info.h>
#include <tbb/task_arena.h>

extern "C" {
/// Halide 14's hook (HalideRuntime.h): runs f(user_context, i, closure) for i in
/// [min, min + size); returns 0 if every call returned 0, else the first
/// non-zero result observed (later tasks are skipped once one has failed).
int halide_do_par_for(void *user_context, int (*f)(void *, int, uint8_t *), int min, int size,
                      uint8_t *closure);

/// Halide 14's error hook: records `msg` as the calling thread's Halide error.
void halide_error(void *user_context, const char *msg);
}

namespace loom {

/// A oneTBB arena with a fixed number of threads; Halide parallel loops started
/// by a callable passed to run() use exactly those threads. Every model
/// handle's thread count (NAME_create's `threads`, loom-run's --threads)
/// comes here, so this is the one place it is bounded.
class ParallelContext {
public:
  /// The threads a context asked for `requested` gets: the machine's
  /// concurrency (tbb::info::default_concurrency(): the cores this process may
  /// run on, after its affinity mask and CPU quota) when `requested` <= 0 or
  /// is larger than that, else `requested`. More threads than cores would
  /// only oversubscribe them, and oneTBB allocates per-slot state up front:
  /// an arena of INT_MAX threads crashed inside TBB.
  /// (Inline, so that loom-run can say what it will get without linking
  /// this file's Halide hooks into itself.)
  static int threadsFor(int requested) {
    int machine = std::max(1, tbb::info::default_concurrency());
    return requested <= 0 || requested > machine ? machine : requested;
  }

  /// `threads` as threadsFor() bounds it.
  explicit ParallelContext(int threads = 0);
  ParallelContext(const ParallelContext &) = delete;
  ParallelContext &operator=(const ParallelContext &) = delete;

  /// The number of threads (including the caller's) of this context.
  int threads() const { return threads_; }

  /// Runs `f()` inside the arena (the calling thread joins it) and returns its result.
  template <typename F>
  auto run(F &&f) -> decltype(f()) {
    return arena_.execute(std::forward<F>(f));
  }

private:
  int threads_;
  tbb::task_arena arena_;
};

/// Takes (returns and clears) the calling thread's last Halide error message;
/// "" if none. Errors raised on worker threads inside halide_do_par_for are
/// carried back to the thread that called it.
std::string takeHalideError();

/// OK for rc == 0; otherwise LOOM_ERROR_INTERNAL "kernel '<kernel>' failed
/// (Halide error <rc>): <message from halide_error>". Clears the message.
Status kernelStatus(int rc, const char *kernel);

} // namespace loom

#endif // LOOM_RUNTIME_HALIDEPARALLEL_H
