// The kernel families loom-kernelgen can build. Each family's .cpp documents the
// C signature of the function it generates at the top of the file.
#pragma once

#include <Halide.h>

#include <map>
#include <string>
#include <vector>

namespace loom::halide {

/// What one loom-kernelgen invocation asks for (the command-line flags).
struct KernelRequest {
  std::string family;            // linear, attention, layer_norm, add_norm, embed, argmax_rows
  std::string activation = "none";  // linear: none | relu | gelu
  std::string mask = "none";     // attention: none | causal | key_padding | causal_key_padding
  int headDim = 0;               // attention: 0 = generic Dh, else the Dh it is specialised for
  bool withSum = false;          // add_norm: also write s = x + r
  // --schedule=key=value,...: overrides of the family's schedule struct fields
  // (Schedules.h), for tuners. Unknown keys are an error.
  std::map<std::string, int> scheduleOverrides;
};

/// A Halide pipeline and its arguments in the order of the generated C function.
struct KernelDefinition {
  Halide::Pipeline pipeline;
  std::vector<Halide::Argument> arguments;
};

KernelDefinition buildLinear(const KernelRequest &request, const Halide::Target &target);
KernelDefinition buildAttention(const KernelRequest &request, const Halide::Target &target);
KernelDefinition buildLayerNorm(const KernelRequest &request, const Halide::Target &target);
KernelDefinition buildAddNorm(const KernelRequest &request, const Halide::Target &target);
KernelDefinition buildEmbed(const KernelRequest &request, const Halide::Target &target);
KernelDefinition buildArgmaxRows(const KernelRequest &request, const Halide::Target &target);

}  // namespace loom::halide
