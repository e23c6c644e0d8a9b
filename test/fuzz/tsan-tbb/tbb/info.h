// TSan stand-in for <tbb/info.h>: see README next to this file.
#ifndef LOOM_TSAN_TBB_INFO_H
#define LOOM_TSAN_TBB_INFO_H

#include <sched.h>

#include <algorithm>
#include <thread>

namespace tbb {
namespace info {
/// The CPUs this process may run on, as oneTBB counts them.
inline int default_concurrency() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0)
    return std::max(1, CPU_COUNT(&set));
  return std::max(1, int(std::thread::hardware_concurrency()));
}
} // namespace info
} // namespace tbb

#endif // LOOM_TSAN_TBB_INFO_H
