// What every loom-kernel-check file shares: the random data, the tallies,
// the comparison against double-precision references (NaN and Inf
// included), and the check of a generated function's arguments against
// KernelAbi.def. KernelCheck.cpp checks the inference families and runs
// the training families' checks, one file per group (TrainingChecks below).
#pragma once

#include "CheckSet.h"
#include "StridedView.h"

#include <HalideRuntime.h>

#include <algorithm>
#include <cstring>
#include <cmath>
#include <cstdio>
#include <functional>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace loom::check {

namespace abi = loom::abi;


inline std::mt19937 rng(1234);
inline int failures = 0, checks = 0;

inline const float kNaN = std::numeric_limits<float>::quiet_NaN();
inline const float kInf = std::numeric_limits<float>::infinity();
// A NaN with the sign bit set: what x86 arithmetic produces (Inf - Inf).
inline const float kNegNaN = std::copysign(kNaN, -1.0f);

inline std::vector<float> randomVector(size_t n, float lo = -1.0f, float hi = 1.0f) {
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(n);
  for (auto &x : v) x = dist(rng);
  return v;
}

inline std::string dims(std::initializer_list<std::pair<const char *, int>> named) {
  std::string s;
  for (auto &[name, value] : named) s += std::string(" ") + name + "=" + std::to_string(value);
  return s;
}

/// got against ref: where ref is NaN, got must be NaN; where ref is +-Inf, got
/// must be the same Inf; elsewhere got must be finite and within 1e-4
/// (relative where |ref| > 1). A non-finite got is a mismatch by itself: as
/// the running worst error, a NaN would be replaced by the next finite one.
inline void expectClose(const std::string &what, const std::vector<double> &ref,
                 const std::function<double(size_t)> &got) {
  ++checks;
  double worst = 0;
  size_t worstAt = 0, nonFinite = 0, wrongAt = ref.size();
  for (size_t i = 0; i < ref.size(); ++i) {
    const double g = got(i), r = ref[i];
    if (!std::isfinite(r)) {
      ++nonFinite;
      const bool same = std::isnan(r) ? std::isnan(g) : g == r;
      if (!same && wrongAt == ref.size()) wrongAt = i;
      continue;
    }
    if (!std::isfinite(g)) {
      if (wrongAt == ref.size()) wrongAt = i;
      continue;
    }
    double err = std::fabs(g - r) / std::max(1.0, std::fabs(r));
    if (err > worst) { worst = err; worstAt = i; }
  }
  const bool ok = wrongAt == ref.size() && worst <= 1e-4;
  if (!ok) ++failures;
  std::string note = nonFinite ? ", " + std::to_string(nonFinite) + " NaN/Inf as expected" : "";
  if (wrongAt < ref.size()) {
    char buffer[96];
    std::snprintf(buffer, sizeof buffer, " at %zu: got %g, want %g", wrongAt, got(wrongAt),
                  ref[wrongAt]);
    note = buffer;
  } else if (!ok) {
    note += " at " + std::to_string(worstAt);
  }
  std::printf("%-4s %-62s max err %.2e%s\n", ok ? "ok" : "FAIL", what.c_str(), worst,
              note.c_str());
}

inline void expectStatus(const std::string &what, int status) {
  if (status != 0) {
    ++failures;
    std::printf("FAIL %s returned %d\n", what.c_str(), status);
  }
}

/// An argument as KernelAbi.def declares it.
struct AbiArgument {
  const char *name;
  int kind;  // halide_argument_kind_t
  int dimensions;
  halide_type_t type;
};
#define LOOM_CHECK_KIND_in halide_argument_kind_input_buffer
#define LOOM_CHECK_KIND_out halide_argument_kind_output_buffer
#define LOOM_CHECK_BUFFER(name, type, rank, dir)                                                   \
  {#name, LOOM_CHECK_KIND_##dir, rank, halide_type_of<type>()},
#define LOOM_CHECK_SCALAR(name, type)                                                              \
  {#name, halide_argument_kind_input_scalar, 0, halide_type_of<type>()},

/// "input x: f32 x 2" and the like.
inline std::string describe(const char *name, int kind, int dimensions, halide_type_t type) {
  const char *kinds[] = {"scalar", "input", "output"}, *codes[] = {"i", "u", "f", "h", "bf"};
  return std::string(kinds[kind]) + " " + name + ": " + codes[type.code] +
         std::to_string(type.bits) + " x " + std::to_string(dimensions);
}

/// The generated function's arguments, as Halide's metadata describes them,
/// are KernelAbi.def's in order: names, kinds, ranks and element types (a
/// swap of two same-typed buffers passes the static_assert, not this).
template <typename Fn>
void checkAbi(const Kernel<Fn> &kernel, const std::vector<AbiArgument> &abi) {
  ++checks;
  const halide_filter_metadata_t *md = kernel.metadata();
  std::string names, problem;
  if (md->num_arguments != (int)abi.size())
    problem = std::to_string(md->num_arguments) + " arguments, KernelAbi.def " +
              std::to_string(abi.size());
  for (int i = 0; problem.empty() && i < md->num_arguments; ++i) {
    const halide_filter_argument_t &got = md->arguments[i];
    const AbiArgument &want = abi[i];
    names += (i ? ", " : "") + std::string(got.name);
    const std::string gotText = describe(got.name, got.kind, got.dimensions, got.type),
                      wantText = describe(want.name, want.kind, want.dimensions, want.type);
    if (gotText != wantText)
      problem = "argument " + std::to_string(i) + " is " + gotText + ", KernelAbi.def: " + wantText;
  }
  if (!problem.empty()) ++failures;
  std::printf("%-4s %-62s %s\n", problem.empty() ? "ok" : "FAIL",
              (std::string("abi ") + kernel.name).c_str(),
              problem.empty() ? names.c_str() : problem.c_str());
}

// PyTorch's GELU (erf form) and ReLU, NaN and Inf included: gelu(-Inf) =
// -Inf * 0 = NaN, relu(NaN) = NaN (std::max(NaN, 0.0) would give 0).
inline double geluRef(double x) { return 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0))); }
inline double reluRef(double x) { return std::isnan(x) ? x : std::max(x, 0.0); }

/// Runs `run` with the Halide runtime's thread pool at 1, 2 and 4 threads
/// (this machine may have fewer cores: the tasks still interleave) and checks
/// that `outputs` hold the same bits after each run.
inline void expectSameBitsAcrossThreads(const std::string &what, const std::function<void()> &run,
                                        const std::vector<const std::vector<float> *> &outputs) {
  ++checks;
  std::vector<std::vector<float>> first;
  std::string problem;
  const int old = halide_set_num_threads(1);
  for (int threads : {1, 2, 4}) {
    halide_set_num_threads(threads);
    run();
    if (first.empty()) {
      for (const auto *o : outputs) first.push_back(*o);
      continue;
    }
    for (size_t k = 0; k < outputs.size() && problem.empty(); ++k)
      if (std::memcmp(first[k].data(), outputs[k]->data(), first[k].size() * sizeof(float)) != 0)
        problem = "output " + std::to_string(k) + " differs at " + std::to_string(threads) +
                  " threads";
  }
  halide_set_num_threads(old);
  if (!problem.empty()) ++failures;
  std::printf("%-4s %-62s %s\n", problem.empty() ? "ok" : "FAIL",
              (what + " threads 1/2/4").c_str(),
              problem.empty() ? "bit-identical" : problem.c_str());
}

// The training families' checks, one group per file (CMakeLists.txt).
void checkAttentionTrainingKernels(const CheckSet &set);  // CheckAttentionTraining.cpp
void checkLinearTrainingKernels(const CheckSet &set);     // CheckLinearTraining.cpp
void checkRowTrainingKernels(const CheckSet &set);        // CheckRowTraining.cpp

}  // namespace loom::check
