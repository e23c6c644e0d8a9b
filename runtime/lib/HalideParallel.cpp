//===- HalideParallel.cpp - Halide's parallel runtime on oneTBB -----------===//

#include "loom/runtime/HalideParallel.h"

#include <atomic>
#include <mutex>

#include <tbb/blocked_range.h>
#include <tbb/info.h>
#include <tbb/parallel_for.h>

namespace {
thread_local std::string halideError;
} // namespace

extern "C" int halide_do_par_for(void *user_context, int (*f)(void *, int, uint8_t *), int min,
                                 int size, uint8_t *closure) {
  if (size <= 0)
    return 0;
  if (size == 1) // no task overhead for a degenerate loop
    return f(user_context, min, closure);

  std::atomic<int> result{0};
  std::mutex errorMutex;
  std::string firstError;
  tbb::parallel_for(tbb::blocked_range<int>(0, size), [&](const tbb::blocked_range<int> &r) {
    for (int i = r.begin(); i != r.end(); ++i) {
      if (result.load(std::memory_order_relaxed) != 0)
        return; // a task failed: Halide discards the output, stop early
      int rc = f(user_context, min + i, closure);
      if (rc != 0) {
        int expected = 0;
        if (result.compare_exchange_strong(expected, rc)) {
          // halide_error ran on this (possibly worker) thread: carry its
          // message back to the thread that launched the loop.
          std::lock_guard<std::mutex> lock(errorMutex);
          firstError = std::move(halideError);
          halideError.clear();
        }
        return;
      }
    }
  });
  int rc = result.load();
  if (rc != 0 && !firstError.empty())
    halideError = std::move(firstError);
  return rc;
}

extern "C" void halide_error(void * /*user_context*/, const char *msg) {
  // Halide messages usually end with a newline. The latest error wins, so a
  // message nobody took never hides a new one.
  halideError = msg ? msg : "";
  while (!halideError.empty() && (halideError.back() == '\n' || halideError.back() == ' '))
    halideError.pop_back();
}

namespace loom {

ParallelContext::ParallelContext(int threads) : threads_(threadsFor(threads)), arena_(threads_) {}

std::string takeHalideError() {
  std::string message = std::move(halideError);
  halideError.clear();
  return message;
}

Status kernelStatus(int rc, const char *kernel) {
  if (rc == 0)
    return Status();
  std::string message = takeHalideError();
  return Status::internal(std::string("kernel '") + (kernel ? kernel : "?") +
                          "' failed (Halide error " + std::to_string(rc) + ")" +
                          (message.empty() ? std::string() : ": " + message));
}

} // namespace loom
