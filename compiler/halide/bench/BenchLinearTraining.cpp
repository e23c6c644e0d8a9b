// loom-kernel-bench: a linear layer's backward and dropout (BenchCommon.h), at
// the shapes of two training benchmark models: ed512 (d512, ffn 2048, B = 8,
// S = 128: M = 1024 rows) and the translator (d256, ffn 1024, 4000 words, 160
// sentences of 10 tokens: M = 1600). Per (K, N), the forward linear,
// linear_grad_input and linear_grad_weight (2 M N K flops each), so the three
// GEMMs of a layer's step read side by side; then, at ed512, grad_input with
// the epilogues the model uses, and the dropout kernel (memory bound plus the
// Philox mask: GB/s).
#include "BenchCommon.h"

namespace loom::bench {

namespace {

struct LayerShape {
  const char *what;
  int K, N;
};

// A model's linear layers (K -> N): attention projections, packed QKV, the
// FFN's two layers, the output projection to the vocabulary.
struct ModelShapes {
  const char *model;
  int M;
  LayerShape layers[5];
};

const ModelShapes kModels[] = {
    {"ed512", 1024, {{"proj", 512, 512}, {"qkv", 512, 1536}, {"ffn1", 512, 2048},
                     {"ffn2", 2048, 512}, {"vocab", 512, 8000}}},
    {"translator", 1600, {{"proj", 256, 256}, {"qkv", 256, 768}, {"ffn1", 256, 1024},
                          {"ffn2", 1024, 256}, {"vocab", 256, 4000}}}};
const int kM = 1024;  // the epilogues' and dropout's rows (ed512)

int repsFor(double flops) { return flops > 4e9 ? 7 : (flops > 1e9 ? 15 : 31); }

}  // namespace

void benchLinearTraining(const loom::check::CheckSet &set, ParallelContext &context, double peak) {
  const auto &forward = preferred(set.linear, "linear_none");
  const auto &gradInput = preferred(set.linear_grad_input, "linear_grad_input_none");
  const auto &gradWeight = preferred(set.linear_grad_weight, "linear_grad_weight");
  const int threads = context.threads();
  for (const ModelShapes &model : kModels) {
    for (const LayerShape &s : model.layers) {
      const int M = model.M, K = s.K, N = s.N;
      auto x = randomVector((size_t)M * K), wt = randomVector((size_t)K * N);
      auto b = randomVector(N), dy = randomVector((size_t)M * N);
      auto saved = randomVector((size_t)M * K);
      std::vector<float> y((size_t)M * N), dx((size_t)M * K), dwt((size_t)K * N), db(N);
      auto xb = view(x.data(), {K, M}, {1, K});
      auto wb = view(wt.data(), {N, K}, {1, N});
      auto bb = view(b.data(), {N}, {1});
      auto yb = view(y.data(), {N, M}, {1, N});
      auto dyb = view(dy.data(), {N, M}, {1, N});
      auto sb = view(saved.data(), {K, M}, {1, K});
      auto dxb = view(dx.data(), {K, M}, {1, K});
      auto dwb = view(dwt.data(), {N, K}, {1, N});
      auto dbb = view(db.data(), {N}, {1});
      const double flops = 2.0 * M * N * K;
      const int reps = repsFor(flops);
      auto time = [&](const char *kernel, auto &&call) {
        char what[96];
        std::snprintf(what, sizeof what, "%-10s %-5s %-14s M=%d K=%d N=%d", model.model, s.what,
                      kernel, M, K, N);
        report(what, threads, medianMs(context, call, reps), flops, peak);
      };
      time("linear forward", [&] { forward.fn(xb, wb, bb, yb); });
      time("grad_input", [&] { gradInput.fn(dyb, wb, sb, dxb, 0.1f, 1, 2, 3, dxb); });
      time("grad_weight", [&] { gradWeight.fn(xb, dyb, dwb, dbb); });
    }
  }

  // The epilogues where the model has them: the FFN's second layer undoes the
  // dropout and the activation of its input (K = 2048), a residual branch
  // accumulates (K = 512).
  const int M = kM;
  struct Epilogue {
    const char *stem, *what;
    int K, N;
  } epilogues[] = {{"linear_grad_input_relu_dropout", "relu+dropout", 2048, 512},
                   {"linear_grad_input_gelu_dropout", "gelu+dropout", 2048, 512},
                   {"linear_grad_input_none_acc", "accumulate", 512, 512}};
  for (const Epilogue &e : epilogues) {
    const auto &kernel = preferred(set.linear_grad_input, e.stem);
    const int K = e.K, N = e.N;
    auto wt = randomVector((size_t)K * N), dy = randomVector((size_t)M * N);
    auto saved = randomVector((size_t)M * K), dx = randomVector((size_t)M * K);
    auto wb = view(wt.data(), {N, K}, {1, N});
    auto dyb = view(dy.data(), {N, M}, {1, N});
    auto sb = view(saved.data(), {K, M}, {1, K});
    auto dxb = view(dx.data(), {K, M}, {1, K});
    const double flops = 2.0 * M * N * K;
    double ms = medianMs(context, [&] { kernel.fn(dyb, wb, sb, dxb, 0.1f, 1, 2, 3, dxb); },
                         repsFor(flops));
    char what[96];
    std::snprintf(what, sizeof what, "grad_input %-12s M=%d K=%d N=%d", e.what, M, K, N);
    report(what, threads, ms, flops, peak);
  }

  // dropout: one read and one write of M x N floats per call, in place.
  for (const char *stem : {"dropout", "dropout_relu"})
    for (int N : {512, 2048}) {
      const auto &kernel = preferred(set.dropout, stem);
      auto x = randomVector((size_t)M * N);
      auto xb = view(x.data(), {N, M}, {1, N});
      double ms = medianMs(context, [&] { kernel.fn(xb, 0.1f, 1, 2, 3, xb); }, 31);
      const double bytes = 2.0 * sizeof(float) * M * N;
      std::printf("%-52s threads=%d  median %8.3f ms  %7.1f GB/s  %6.2f ns/element\n",
                  (std::string(stem) + " M=" + std::to_string(M) + " N=" + std::to_string(N)).c_str(),
                  threads, ms, bytes / (ms * 1e6), ms * 1e6 / ((double)M * N));
    }
}

}  // namespace loom::bench
