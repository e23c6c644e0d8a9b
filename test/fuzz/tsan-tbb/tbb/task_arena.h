// TSan stand-in for <tbb/task_arena.h>: see README next to this file.
#ifndef LOOM_TSAN_TBB_TASK_ARENA_H
#define LOOM_TSAN_TBB_TASK_ARENA_H

#include "tbb/info.h"

#include <utility>

namespace tbb {
namespace detail_standin {
/// The concurrency of the arena the calling thread runs in; 0: none.
inline int &currentConcurrency() {
  static thread_local int concurrency = 0;
  return concurrency;
}
} // namespace detail_standin

class task_arena {
public:
  static constexpr int automatic = -1;
  explicit task_arena(int max_concurrency = automatic, unsigned reserved_for_masters = 1)
      : concurrency_(max_concurrency > 0 ? max_concurrency : info::default_concurrency()) {
    (void)reserved_for_masters;
  }
  int max_concurrency() const { return concurrency_; }

  /// Runs f() on the calling thread with this arena's concurrency.
  template <typename F>
  auto execute(F &&f) -> decltype(f()) {
    struct Scope {
      int saved;
      explicit Scope(int c) : saved(detail_standin::currentConcurrency()) {
        detail_standin::currentConcurrency() = c;
      }
      ~Scope() { detail_standin::currentConcurrency() = saved; }
    } scope(concurrency_);
    return std::forward<F>(f)();
  }

private:
  int concurrency_;
};

namespace this_task_arena {
inline int max_concurrency() {
  int c = detail_standin::currentConcurrency();
  return c > 0 ? c : info::default_concurrency();
}
} // namespace this_task_arena
} // namespace tbb

#endif // LOOM_TSAN_TBB_TASK_ARENA_H
