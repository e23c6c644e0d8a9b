// The machine's fp32 FMA peak, measured (AVX-512, 12 accumulators a thread).
#pragma once

namespace loom::bench {

/// Seconds on a monotonic clock.
double seconds();
/// Flops of `iterations` rounds of 12 independent 16-lane FMAs.
double fmaLoop(long iterations);
/// Best of 5: GFLOP/s with `threads` threads each running fmaLoop.
double fmaPeak(int threads);

}  // namespace loom::bench
