// loom-fma-peak: prints the measured fp32 FMA peak for 1 and 2 threads in the
// form test/bench/bench_inference.py reads.
#include "FmaPeak.h"

#include <cstdio>

int main() {
  double one = loom::bench::fmaPeak(1), two = loom::bench::fmaPeak(2);
  std::printf("peak_gflops_1thread=%.1f peak_gflops_2threads=%.1f\n", one, two);
  return 0;
}
