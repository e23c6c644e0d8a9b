// What every loom-kernel-bench file shares: timing inside a ParallelContext
// (median of repeated calls), random data, and one report line per kernel.
// KernelBench.cpp times the inference kernels and calls the training
// groups' benchmarks, one file per group (declared below).
#pragma once

#include "CheckSet.h"
#include "FmaPeak.h"
#include "StridedView.h"
#include "loom/runtime/HalideParallel.h"

#include <algorithm>
#include <cstdio>
#include <functional>
#include <random>
#include <vector>

namespace loom::bench {

using loom::check::preferred;

/// The median of `reps` timed calls of run(), inside `context`'s arena.
inline double medianMs(loom::ParallelContext &context, const std::function<void()> &run, int reps) {
  return context.run([&] {
    run();  // warm up caches and the TBB arena
    std::vector<double> ms;
    for (int r = 0; r < reps; ++r) {
      double t0 = seconds();
      run();
      ms.push_back((seconds() - t0) * 1e3);
    }
    std::sort(ms.begin(), ms.end());
    return ms[ms.size() / 2];
  });
}

inline std::vector<float> randomVector(size_t n) {
  static std::mt19937 rng(7);
  std::uniform_real_distribution<float> dist(-1, 1);
  std::vector<float> v(n);
  for (auto &x : v) x = dist(rng);
  return v;
}

inline void report(const char *what, int threads, double ms, double flops, double peak) {
  double gflops = flops / (ms * 1e6);
  std::printf("%-52s threads=%d  median %8.3f ms  %7.1f GFLOP/s  %5.1f%% of peak\n", what, threads,
              ms, gflops, 100.0 * gflops / peak);
}

/// The training groups (one file each, CMakeLists.txt): time their kernels
/// for the preferred ISA inside `context`, reporting % of `peak`.
void benchAttentionTraining(const loom::check::CheckSet &set, ParallelContext &context, double peak);
void benchLinearTraining(const loom::check::CheckSet &set, ParallelContext &context, double peak);
void benchRowTraining(const loom::check::CheckSet &set, ParallelContext &context, double peak);

}  // namespace loom::bench
