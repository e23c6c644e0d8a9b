// loom-kernel-bench: attention's training kernels (BenchCommon.h) on packed
// self-attention rows, as the model lays them out: q, k, v are column windows
// of one [B, S, 3D] buffer and dq, dk, dv windows of another. Two shapes:
// the benchmark model (B = 8, H = 8, S = 128, Dh = 64, key padding,
// dropout 0.1) and the d2l tiny model (B = 64, H = 4, S = 10, Dh = 8, causal,
// dropout 0.1), whose 10 x 10 problem runs in the kernels' fixed blocks.
// Flops: the forward 4 B H Sq Sk Dh (QK^T and PV), the backward 10 B H Sq Sk
// Dh (QK^T recomputed, dO V^T, dV, dQ, dK); causal counts the visible half.
#include "BenchCommon.h"

#include <cmath>
#include <cstdio>

namespace loom::bench {

namespace {

struct AttentionShape {
  const char *what;
  const char *train, *grad;  // CheckKernels.def stems
  int B, H, S, Dh;
  bool causal;
};

const AttentionShape kShapes[] = {
    {"ed512", "attention_train_key_padding_d64", "attention_grad_key_padding_d64", 8, 8, 128, 64,
     false},
    {"d2l", "attention_train_causal", "attention_grad_causal", 64, 4, 10, 8, true},
};

void benchShape(const loom::check::CheckSet &set, ParallelContext &context, double peak,
                const AttentionShape &s) {
  const auto &train = preferred(set.attention_train, s.train);
  const auto &grad = preferred(set.attention_grad, s.grad);
  const int B = s.B, H = s.H, S = s.S, Dh = s.Dh, D = H * Dh;
  auto qkv = randomVector((size_t)B * S * 3 * D), dout = randomVector((size_t)B * S * D);
  std::vector<float> o((size_t)B * S * D), lse((size_t)B * H * S), dqkv((size_t)B * S * 3 * D);
  std::vector<int> lengths(B, S);
  auto packed = [&](float *base, int column) {
    return view(base + column, {Dh, S, H, B}, {1, 3 * D, Dh, 3 * D * S});
  };
  auto rows = [&](float *base) { return view(base, {Dh, S, H, B}, {1, D, Dh, D * S}); };
  auto qb = packed(qkv.data(), 0), kb = packed(qkv.data(), D), vb = packed(qkv.data(), 2 * D);
  auto dqb = packed(dqkv.data(), 0), dkb = packed(dqkv.data(), D), dvb = packed(dqkv.data(), 2 * D);
  auto ob = rows(o.data()), dob = rows(dout.data());
  auto lseb = view(lse.data(), {S, H, B}, {1, S, S * H});
  auto lb = view(lengths.data(), {B}, {1});
  const float scale = 1.0f / std::sqrt(float(Dh)), p = 0.1f;
  const uint64_t seed = 7;
  double pairs = (double)S * S;
  if (s.causal) pairs = (double)S * (S + 1) / 2;
  const double forwardFlops = 4.0 * B * H * pairs * Dh, backwardFlops = 2.5 * forwardFlops;
  const int reps = forwardFlops > 1e9 ? 15 : 51;
  char what[96];
  double ms = medianMs(
      context, [&] { train.fn(qb, kb, vb, lb, scale, p, seed, 3, 1, ob, lseb); }, reps);
  std::snprintf(what, sizeof what, "%-5s attention_train B=%d H=%d S=%d Dh=%d", s.what, B, H, S,
                Dh);
  report(what, context.threads(), ms, forwardFlops, peak);
  ms = medianMs(
      context,
      [&] { grad.fn(qb, kb, vb, ob, dob, lseb, lb, scale, p, seed, 3, 1, dqb, dkb, dvb); }, reps);
  std::snprintf(what, sizeof what, "%-5s attention_grad  B=%d H=%d S=%d Dh=%d", s.what, B, H, S,
                Dh);
  report(what, context.threads(), ms, backwardFlops, peak);
}

}  // namespace

void benchAttentionTraining(const loom::check::CheckSet &set, ParallelContext &context,
                            double peak) {
  for (const AttentionShape &s : kShapes) benchShape(set, context, peak, s);
}

}  // namespace loom::bench
