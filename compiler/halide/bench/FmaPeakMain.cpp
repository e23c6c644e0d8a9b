// loom-fma-peak: prints the measured fp32 FMA peak for 1 and 2 threads in the
// form test/bench/bench_inference.py reads; `loom-fma-peak N` prints it for N
// threads alone (peak_gflops=...), as loomc tune reads it.
#include "FmaPeak.h"

#include <cstdio>
#include <cstdlib>

int main(int argc, char **argv) {
  if (argc == 2 && std::atoi(argv[1]) > 0) {
    std::printf("peak_gflops=%.1f\n", loom::bench::fmaPeak(std::atoi(argv[1])));
    return 0;
  }
  double one = loom::bench::fmaPeak(1), two = loom::bench::fmaPeak(2);
  std::printf("peak_gflops_1thread=%.1f peak_gflops_2threads=%.1f\n", one, two);
  return 0;
}
