//===- ModelDescription.cpp - what a generated library describes ----------===//
#include "loom/runtime/ModelDescription.h"

#include <cstdlib>
#include <cstring>

namespace loom {

int64_t WeightSpec::elements() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

std::vector<int64_t> WeightSpec::kernelShape() const {
  if (!transposed)
    return shape;
  return {shape[1], shape[0]};
}

int ModelDescription::architectureBit() const {
  if (architecture == "encoder_decoder")
    return LOOM_ARCH_ENCODER_DECODER;
  if (architecture == "encoder")
    return LOOM_ARCH_ENCODER;
  return LOOM_ARCH_DECODER;
}

namespace {
bool cpuSupports(const char *isa) {
  // Halide's avx512_cannonlake uses F, BW, DQ and VL (no FP16, no AMX).
  if (std::strcmp(isa, "avx512") == 0)
    return __builtin_cpu_supports("avx512f") &&
           __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512dq") &&
           __builtin_cpu_supports("avx512vl");
  if (std::strcmp(isa, "avx2") == 0)
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
           __builtin_cpu_supports("f16c");
  return false; // an ISA this runtime does not know how to detect
}
} // namespace

int selectedIsa() {
  static const int isa = [] {
    const char *forced = std::getenv("LOOM_ISA");
    for (int i = 0; forced && i < abi::kNumIsas; ++i)
      if (std::strcmp(forced, abi::kIsas[i].name) == 0 &&
          cpuSupports(abi::kIsas[i].name))
        return i;
    for (int i = 0; i < abi::kNumIsas; ++i)
      if (cpuSupports(abi::kIsas[i].name))
        return i;
    return abi::kNumIsas - 1; // the most portable one
  }();
  return isa;
}

ModelDescription describeModel(void (*describe)(ModelDescription *)) {
  ModelDescription d;
  d.isa = selectedIsa();
  describe(&d);
  d.info.name = d.name.c_str();
  d.info.architecture = d.architecture.c_str();
  return d;
}

namespace describe {

void info(ModelDescription *d, const char *name, const char *architecture,
          int64_t dModel, int64_t heads, int64_t ffnHidden,
          int64_t encoderLayers, int64_t decoderLayers, int64_t srcVocab,
          int64_t tgtVocab, int64_t maxLen, int64_t padId, int64_t bosId,
          int64_t eosId) {
  d->name = name;
  d->architecture = architecture;
  d->info = {nullptr, nullptr, dModel,   heads,  ffnHidden, encoderLayers,
             decoderLayers,    srcVocab, tgtVocab, maxLen, padId,     bosId,
             eosId};
}

void function(ModelDescription *d, int id, PlanFn fn, int64_t arenaRows,
              int64_t arenaBytes, bool rowsUseSource, bool rowsUseTarget) {
  d->functions[id] = {fn, arenaRows, arenaBytes, rowsUseSource, rowsUseTarget};
}

void optimizer(ModelDescription *d, double beta1, double beta2,
               double epsilon) {
  d->optimizer = {beta1, beta2, epsilon, true};
}

} // namespace describe

} // namespace loom
