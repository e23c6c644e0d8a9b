// loom-kernel-bench: the AttentionTraining group of training kernels (BenchCommon.h).
#include "BenchCommon.h"

namespace loom::bench {

void benchAttentionTraining(const loom::check::CheckSet &, ParallelContext &, double) {}

}  // namespace loom::bench
