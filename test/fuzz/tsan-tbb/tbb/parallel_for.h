// TSan stand-in for <tbb/parallel_for.h>: see README next to this file.
// The range is cut into as many pieces as the current arena has threads (at
// most one per element); the caller runs the first, a std::thread each of
// the others, all joined before returning. Nested loops run serially.
#ifndef LOOM_TSAN_TBB_PARALLEL_FOR_H
#define LOOM_TSAN_TBB_PARALLEL_FOR_H

#include "tbb/blocked_range.h"
#include "tbb/task_arena.h"

#include <algorithm>
#include <cstddef>
#include <exception>
#include <thread>
#include <vector>

namespace tbb {
namespace detail_standin {
template <typename Body, typename Range>
void run(const Body &body, const Range &range, std::exception_ptr &error) {
#if defined(__cpp_exceptions) || defined(__EXCEPTIONS)
  try {
    body(range);
  } catch (...) {
    error = std::current_exception();
  }
#else
  (void)error;
  body(range);
#endif
}
} // namespace detail_standin

template <typename Value, typename Body>
void parallel_for(const blocked_range<Value> &range, const Body &body) {
  if (range.empty())
    return;
  int &current = detail_standin::currentConcurrency();
  size_t pieces = std::min<size_t>(range.size(), size_t(this_task_arena::max_concurrency()));
  if (current < 0 || pieces <= 1) { // in a worker of an enclosing loop, or one piece
    body(range);
    return;
  }
  size_t n = range.size();
  auto piece = [&](size_t i) {
    return blocked_range<Value>(Value(range.begin() + (n * i) / pieces),
                                Value(range.begin() + (n * (i + 1)) / pieces),
                                range.grainsize());
  };
  std::vector<std::exception_ptr> errors(pieces);
  std::vector<std::thread> workers;
  for (size_t i = 1; i < pieces; ++i)
    workers.emplace_back([&, i] {
      detail_standin::currentConcurrency() = -1;
      detail_standin::run(body, piece(i), errors[i]);
    });
  detail_standin::run(body, piece(0), errors[0]);
  for (std::thread &t : workers)
    t.join();
  for (std::exception_ptr &e : errors)
    if (e)
      std::rethrow_exception(e); // as TBB: the loop's exception reaches the caller
}

template <typename Index, typename Function>
void parallel_for(Index first, Index last, const Function &f) {
  if (!(first < last))
    return;
  parallel_for(blocked_range<Index>(first, last), [&](const blocked_range<Index> &r) {
    for (Index i = r.begin(); i != r.end(); ++i)
      f(i);
  });
}
} // namespace tbb

#endif // LOOM_TSAN_TBB_PARALLEL_FOR_H
