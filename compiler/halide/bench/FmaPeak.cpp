// The machine's fp32 FMA peak, measured: every benchmark quotes % of this
// figure taken in the same run (the machine is shared and noisy).
#include "FmaPeak.h"

#include <immintrin.h>

#include <algorithm>
#include <chrono>
#include <thread>
#include <vector>

namespace loom::bench {

double seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

/// One thread's FMA throughput: 12 independent zmm accumulators (FMA latency 4 x
/// 2 pipes needs >= 8 in flight). Returns flops.
double fmaLoop(long iterations) {
  __m512 acc[12];
  for (int i = 0; i < 12; ++i) acc[i] = _mm512_set1_ps(0.001f * i);
  const __m512 a = _mm512_set1_ps(0.999999f), b = _mm512_set1_ps(1e-7f);
  for (long it = 0; it < iterations; ++it) {
#pragma GCC unroll 12
    for (int i = 0; i < 12; ++i) acc[i] = _mm512_fmadd_ps(acc[i], a, b);
  }
  __m512 s = acc[0];
  for (int i = 1; i < 12; ++i) s = _mm512_add_ps(s, acc[i]);
  volatile float sink = _mm512_reduce_add_ps(s);
  (void)sink;
  return 2.0 * 16 * 12 * (double)iterations;
}

/// Peak GFLOP/s with `threads` threads each running the FMA loop (best of 5).
double fmaPeak(int threads) {
  const long iterations = 20'000'000;
  double best = 0;
  for (int rep = 0; rep < 5; ++rep) {
    std::vector<std::thread> pool;
    double t0 = seconds();
    for (int t = 0; t < threads; ++t) pool.emplace_back([&] { fmaLoop(iterations); });
    for (auto &t : pool) t.join();
    double t1 = seconds();
    best = std::max(best, threads * 2.0 * 16 * 12 * iterations / (t1 - t0));
  }
  return best / 1e9;
}

}  // namespace loom::bench
