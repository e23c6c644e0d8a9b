// loom-kernel-bench: the row-wise and elementwise training kernels
// (BenchCommon.h) on the benchmark model's shapes (d512, B=8 x S=128 = 1024
// rows, vocabulary 8000, ~45M parameters). They are memory bound, so each line
// gives GB/s: the bytes each kernel must move at least (every input read
// once, every output written once), over the median time. Their inference
// counterparts (layer_norm, add_norm_sum) are timed alongside for
// comparison.
#include "BenchCommon.h"

#include <cstdint>

namespace loom::bench {

namespace {

using Buf = Halide::Runtime::Buffer<float>;

struct Timing {
  double median, best;  // ms
};

/// The median and the fastest of `reps` timed calls of run() (after one
/// warm-up call), inside `context`'s arena. The fastest is what the kernel
/// can do; the median also shows what other processes on the machine took.
Timing time(ParallelContext &context, const std::function<void()> &run, int reps) {
  return context.run([&] {
    run();
    std::vector<double> ms;
    for (int r = 0; r < reps; ++r) {
      double t0 = seconds();
      run();
      ms.push_back((seconds() - t0) * 1e3);
    }
    std::sort(ms.begin(), ms.end());
    return Timing{ms[ms.size() / 2], ms[0]};
  });
}

void reportBytes(const char *what, int threads, Timing t, double bytes) {
  std::printf("%-48s threads=%d  median %8.3f ms %6.1f GB/s   best %8.3f ms %6.1f GB/s\n", what,
              threads, t.median, bytes / (t.median * 1e6), t.best, bytes / (t.best * 1e6));
}

Buf rows(std::vector<float> &v, int D, int M) { return view(v.data(), {D, M}, {1, D}); }
Buf vec(std::vector<float> &v) { return view(v.data(), {(int)v.size()}, {1}); }

void benchNorms(const loom::check::CheckSet &set, ParallelContext &context) {
  const int M = 1024, D = 512, threads = context.threads();
  const double row = 4.0 * M * D;  // bytes of one [M, D] tensor
  auto x = randomVector((size_t)M * D), r = randomVector((size_t)M * D),
       dy = randomVector((size_t)M * D), acc = randomVector((size_t)M * D);
  auto gamma = randomVector(D), beta = randomVector(D);
  std::vector<float> y((size_t)M * D), sum((size_t)M * D), stats((size_t)M * 2, 0.5f),
      dx((size_t)M * D), dgamma(D), dbeta(D);
  Buf xb = rows(x, D, M), rb = rows(r, D, M), yb = rows(y, D, M), sb = rows(sum, D, M),
      dyb = rows(dy, D, M), accb = rows(acc, D, M), dxb = rows(dx, D, M), gb = vec(gamma),
      bb = vec(beta), stb = view(stats.data(), {2, M}, {1, 2}), dgb = vec(dgamma),
      dbb = vec(dbeta);
  const float eps = 1e-5f;
  char what[96];
  std::snprintf(what, sizeof what, "layer_norm (inference) M=%d D=%d", M, D);
  const auto &ln = preferred(set.layer_norm, "layer_norm");
  reportBytes(what, threads, time(context, [&] { ln.fn(xb, gb, bb, eps, yb); }, 51), 2 * row);

  std::snprintf(what, sizeof what, "layer_norm_stats M=%d D=%d", M, D);
  const auto &lns = preferred(set.layer_norm_stats, "layer_norm_stats");
  reportBytes(what, threads, time(context, [&] { lns.fn(xb, gb, bb, eps, yb, stb); }, 51),
              2 * row + 8.0 * M);

  std::snprintf(what, sizeof what, "add_norm_sum (inference) M=%d D=%d", M, D);
  const auto &ans = preferred(set.add_norm_sum, "add_norm_sum");
  reportBytes(what, threads, time(context, [&] { ans.fn(xb, rb, gb, bb, eps, yb, sb); }, 51),
              4 * row);

  std::snprintf(what, sizeof what, "add_norm_stats M=%d D=%d", M, D);
  const auto &an = preferred(set.add_norm_stats, "add_norm_stats");
  reportBytes(what, threads,
              time(context, [&] { an.fn(xb, rb, gb, bb, eps, yb, sb, stb); }, 51),
              4 * row + 8.0 * M);

  // stats as layer_norm_stats left them.
  lns.fn(xb, gb, bb, eps, yb, stb);
  std::snprintf(what, sizeof what, "layer_norm_grad M=%d D=%d", M, D);
  const auto &lg = preferred(set.layer_norm_grad, "layer_norm_grad");
  reportBytes(what, threads,
              time(context, [&] { lg.fn(dyb, xb, stb, gb, accb, dxb, dgb, dbb); }, 51),
              3 * row + 8.0 * M);
  std::snprintf(what, sizeof what, "layer_norm_grad accumulate in place M=%d D=%d", M, D);
  const auto &lga = preferred(set.layer_norm_grad, "layer_norm_grad_acc");
  reportBytes(what, threads,
              time(context, [&] { lga.fn(dyb, xb, stb, gb, accb, accb, dgb, dbb); }, 51),
              4 * row + 8.0 * M);
}

void benchEmbedGrad(const loom::check::CheckSet &set, ParallelContext &context) {
  const int B = 8, S = 128, V = 8000, D = 512;
  std::mt19937 gen(3);
  std::uniform_int_distribution<int> id(0, V - 1);
  std::vector<int> tokens((size_t)B * S);
  for (auto &t : tokens) t = id(gen);
  auto dout = randomVector((size_t)B * S * D);
  std::vector<float> dtable((size_t)V * D);
  auto tb = view(tokens.data(), {S, B}, {1, S});
  auto db = view(dout.data(), {D, S, B}, {1, D, D * S});
  auto tab = view(dtable.data(), {D, V}, {1, D});
  const auto &eg = preferred(set.embed_grad, "embed_grad");
  char what[96];
  std::snprintf(what, sizeof what, "embed_grad B=%d S=%d V=%d D=%d", B, S, V, D);
  // The table written whole, dout and the tokens read.
  reportBytes(what, context.threads(),
              time(context, [&] { eg.fn(tb, db, 22.6f, tab); }, 31),
              4.0 * V * D + 4.0 * B * S * D + 4.0 * B * S);
}

void benchCrossEntropy(const loom::check::CheckSet &set, ParallelContext &context) {
  const int M = 1024, V = 8000;
  auto logits = randomVector((size_t)M * V);
  for (auto &l : logits) l *= 4;
  std::vector<float> dlogits((size_t)M * V), loss(1);
  std::mt19937 gen(5);
  std::uniform_int_distribution<int> id(0, V - 1);
  std::vector<int> labels(M);
  for (int m = 0; m < M; ++m) labels[m] = m % 9 == 8 ? 0 : id(gen);  // some padding (id 0)
  auto lb = view(logits.data(), {V, M}, {1, V});
  auto db = view(dlogits.data(), {V, M}, {1, V});
  auto lab = view(labels.data(), {M}, {1});
  auto lossb = view(loss.data(), {1}, {1});
  const auto &ce = preferred(set.cross_entropy, "cross_entropy");
  const double bytes = 2 * 4.0 * M * V + 4.0 * M;
  char what[96];
  std::snprintf(what, sizeof what, "cross_entropy M=%d V=%d smoothing=0.1", M, V);
  reportBytes(what, context.threads(),
              time(context, [&] { ce.fn(lb, lab, 0, 0.1f, lossb, db); }, 31), bytes);
  // In place: each call overwrites the logits with a gradient, which is as
  // good a row of logits as any (finite).
  std::snprintf(what, sizeof what, "cross_entropy in place M=%d V=%d", M, V);
  reportBytes(what, context.threads(),
              time(context, [&] { ce.fn(db, lab, 0, 0.1f, lossb, db); }, 31), bytes);
}

void benchAdam(const loom::check::CheckSet &set, ParallelContext &context) {
  // The d512 2+2 encoder-decoder with an 8000-token vocabulary: ~45M
  // parameters (the plan updates them in one flat block).
  const int P = 45 << 20;
  static std::vector<float> param, grad, m, v;
  if (param.empty()) {
    param = randomVector(P);
    grad = randomVector(P);
    m.assign(P, 0.0f);
    v.assign(P, 0.0f);
  }
  auto pb = vec(param), gb = vec(grad), mb = vec(m), vb = vec(v);
  const auto &adam = preferred(set.adam, "adam");
  char what[96];
  std::snprintf(what, sizeof what, "adam in place P=%d", P);
  // param, grad, m, v read; param, m, v written.
  reportBytes(what, context.threads(),
              time(context,
                       [&] { adam.fn(pb, gb, mb, vb, 1e-3f, 0.1f, 0.9f, 0.98f, 1e-9f, pb, mb, vb); },
                       11),
              7 * 4.0 * P);
}

}  // namespace

void benchRowTraining(const loom::check::CheckSet &set, ParallelContext &context, double) {
  benchNorms(set, context);
  benchEmbedGrad(set, context);
  benchCrossEntropy(set, context);
  benchAdam(set, context);
}

}  // namespace loom::bench
