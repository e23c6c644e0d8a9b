// loom-kernel-bench: measures the fp32 FMA peak of this machine in the same run,
// then times the check set's linear and attention kernels (built for the
// preferred ISA, AVX-512) on 1 and 2 threads and prints median ms, GFLOP/s and
// % of the measured peak. The kernels run inside a loom::ParallelContext, so
// their parallel loops take the runtime's TBB halide_do_par_for, as in a
// generated library. A benchmark, not a test: nothing here asserts on time.
#include "BenchCommon.h"

namespace {

using namespace loom::bench;

void benchLinear(const loom::check::CheckSet &set, loom::ParallelContext &context, double peak) {
  // M, N, K; the FFN's first projection also with its activations (the
  // relu and gelu epilogues run once per output, after the K loop).
  struct Shape {
    const char *stem, *activation;
    int M, N, K;
  } shapes[] = {{"linear_none", "", 1024, 512, 512},
                {"linear_none", "", 1024, 2048, 512},
                {"linear_none", "", 1024, 512, 2048},
                {"linear_none", "", 37, 512, 512},
                {"linear_relu", " relu", 1024, 2048, 512},
                {"linear_gelu", " gelu", 1024, 2048, 512}};
  for (auto &s : shapes) {
    const auto &linear = preferred(set.linear, s.stem);
    int M = s.M, N = s.N, K = s.K;
    auto x = randomVector((size_t)M * K), wt = randomVector((size_t)K * N), b = randomVector(N);
    std::vector<float> y((size_t)M * N);
    auto xb = view(x.data(), {K, M}, {1, K});
    auto wb = view(wt.data(), {N, K}, {1, N});
    auto bb = view(b.data(), {N}, {1});
    auto yb = view(y.data(), {N, M}, {1, N});
    double ms = medianMs(context, [&] { linear.fn(xb, wb, bb, yb); }, 31);
    char what[96];
    std::snprintf(what, sizeof what, "linear M=%d N=%d K=%d%s", M, N, K, s.activation);
    report(what, context.threads(), ms, 2.0 * M * N * K, peak);
  }
}

/// Self-attention on a packed qkv [B, S, 3D], Dh = 64 (specialised kernels).
void benchAttention(const loom::check::CheckSet &set, loom::ParallelContext &context,
                    double peak) {
  const auto &none = preferred(set.attention, "attention_none_d64");
  const auto &causal = preferred(set.attention, "attention_causal_d64");
  const int B = 4, H = 8, Dh = 64, D = H * Dh;
  for (int S : {128, 512}) {
    auto qkv = randomVector((size_t)B * S * 3 * D);
    std::vector<float> o((size_t)B * S * D);
    std::vector<int> lengths(B, S);
    auto qb = view(qkv.data(), {Dh, S, H, B}, {1, 3 * D, Dh, 3 * D * S});
    auto kb = view(qkv.data() + D, {Dh, S, H, B}, {1, 3 * D, Dh, 3 * D * S});
    auto vb = view(qkv.data() + 2 * D, {Dh, S, H, B}, {1, 3 * D, Dh, 3 * D * S});
    auto lb = view(lengths.data(), {B}, {1});
    auto ob = view(o.data(), {Dh, S, H, B}, {1, D, Dh, D * S});
    double flops = 4.0 * B * H * (double)S * S * Dh;
    char what[96];
    double ms = medianMs(context, [&] { none.fn(qb, kb, vb, lb, 0.125f, ob); }, 21);
    std::snprintf(what, sizeof what, "attention none B=%d H=%d S=%d Dh=%d", B, H, S, Dh);
    report(what, context.threads(), ms, flops, peak);
    ms = medianMs(context, [&] { causal.fn(qb, kb, vb, lb, 0.125f, ob); }, 21);
    std::snprintf(what, sizeof what, "attention causal B=%d H=%d S=%d Dh=%d", B, H, S, Dh);
    // Useful flops only: the visible half (S(S+1)/2 pairs).
    report(what, context.threads(), ms, flops * (S + 1) / (2.0 * S), peak);
  }
}

}  // namespace

int main() {
  double peak[3] = {0, fmaPeak(1), fmaPeak(2)};
  std::printf("fp32 FMA peak (AVX-512, 12 accumulators/thread): 1 thread %.1f GFLOP/s, "
              "2 threads %.1f GFLOP/s\n", peak[1], peak[2]);
  const loom::check::CheckSet set = loom::check::checkSet();
  for (int threads : {1, 2}) {
    loom::ParallelContext context(threads);
    benchLinear(set, context, peak[threads]);
    benchAttention(set, context, peak[threads]);
    benchAttentionTraining(set, context, peak[threads]);
    benchLinearTraining(set, context, peak[threads]);
    benchRowTraining(set, context, peak[threads]);
  }
  return 0;
}
