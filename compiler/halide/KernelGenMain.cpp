// loom-kernelgen: AOT-compiles one Loom kernel per invocation with Halide 14.
//
//   loom-kernelgen --family=F [--activation=none|relu|gelu]
//                  [--mask=none|causal|key_padding|causal_key_padding]
//                  [--head-dim=N] [--with-sum] --target=T --name=FN -o DIR
//                  [--emit-stmt] [--schedule=key=value,...]
// writes DIR/FN.o and DIR/FN.h (and DIR/FN.stmt with --emit-stmt). --schedule
// overrides fields of the family's schedule struct (Schedules.h; linear only so far:
// tile_rows, tile_vectors, row_tiles_per_task, unroll_k) for tuning.
//
//   loom-kernelgen --runtime-only --target=x86-64-linux[-features] --name=FN -o DIR
// writes DIR/FN.o, the Halide runtime, once per library: kernels are compiled with
// `no_runtime` so several of them link together without duplicate symbols.
//
// Targets are always pinned (Halide's host detection calls Zen 5 a Sapphire Rapids
// and may emit AMX/FP16): x86-64-linux-avx512_cannonlake-no_runtime, with
// x86-64-linux-avx2-fma-f16c-no_runtime as the fallback. The C signature of each
// family is documented at the top of its *Kernel(s).cpp file.
#include "KernelFamilies.h"

#include <cstdio>
#include <cstring>
#include <map>
#include <string>

using namespace Halide;
using namespace loom::halide;

namespace {

int usage(const char *message) {
  std::fprintf(stderr,
               "loom-kernelgen: %s\n"
               "usage: loom-kernelgen --family=linear|attention|layer_norm|add_norm|embed|"
               "argmax_rows|runtime [--activation=none|relu|gelu] "
               "[--mask=none|causal|key_padding|causal_key_padding] [--head-dim=N] "
               "[--with-sum] [--runtime-only] [--emit-stmt] [--schedule=key=value,...] "
               "--target=T --name=FN -o DIR\n",
               message);
  return 2;
}

bool startsWith(const char *arg, const char *prefix, std::string &value) {
  size_t len = std::strlen(prefix);
  if (std::strncmp(arg, prefix, len) != 0) return false;
  value = arg + len;
  return true;
}

}  // namespace

int main(int argc, char **argv) {
  KernelRequest request;
  std::string targetString, name, outDir, value;
  bool emitStmt = false;
  for (int i = 1; i < argc; ++i) {
    const char *arg = argv[i];
    if (startsWith(arg, "--family=", value)) request.family = value;
    else if (startsWith(arg, "--activation=", value)) request.activation = value;
    else if (startsWith(arg, "--mask=", value)) request.mask = value;
    else if (startsWith(arg, "--head-dim=", value)) request.headDim = std::atoi(value.c_str());
    else if (startsWith(arg, "--target=", value)) targetString = value;
    else if (startsWith(arg, "--name=", value)) name = value;
    else if (startsWith(arg, "-o=", value)) outDir = value;
    else if (std::strcmp(arg, "-o") == 0 && i + 1 < argc) outDir = argv[++i];
    else if (startsWith(arg, "--schedule=", value)) {
      // key=value[,key=value...]
      size_t pos = 0;
      while (pos < value.size()) {
        size_t comma = value.find(',', pos), eq = value.find('=', pos);
        if (comma == std::string::npos) comma = value.size();
        if (eq == std::string::npos || eq > comma) return usage("--schedule wants key=value,...");
        request.scheduleOverrides[value.substr(pos, eq - pos)] =
            std::atoi(value.substr(eq + 1, comma - eq - 1).c_str());
        pos = comma + 1;
      }
    }
    else if (std::strcmp(arg, "--with-sum") == 0) request.withSum = true;
    else if (std::strcmp(arg, "--runtime-only") == 0) request.family = "runtime";
    else if (std::strcmp(arg, "--emit-stmt") == 0) emitStmt = true;
    else return usage((std::string("unknown argument ") + arg).c_str());
  }
  if (request.family.empty()) return usage("--family is required");
  if (targetString.empty()) return usage("--target is required (pin it, never 'host')");
  if (name.empty()) return usage("--name is required");
  if (outDir.empty()) return usage("-o DIR is required");
  if (targetString.find("host") != std::string::npos)
    return usage("--target=host is refused: Halide 14 misdetects this CPU; pin the features");
  if (!Target::validate_target_string(targetString))
    return usage(("invalid --target=" + targetString).c_str());

  try {
    Target target(targetString);
    std::string base = outDir + "/" + name;
    if (request.family == "runtime") {
      target = target.without_feature(Target::NoRuntime);
      compile_standalone_runtime(base + ".o", target);
      return 0;
    }
    // Kernels never carry the runtime: one runtime object per library.
    target = target.with_feature(Target::NoRuntime);

    static const std::map<std::string, KernelDefinition (*)(const KernelRequest &, const Target &)>
        families = {{"linear", buildLinear},         {"attention", buildAttention},
                    {"layer_norm", buildLayerNorm},  {"add_norm", buildAddNorm},
                    {"embed", buildEmbed},           {"argmax_rows", buildArgmaxRows}};
    if (!request.scheduleOverrides.empty() && request.family != "linear")
      return usage("--schedule is only supported for --family=linear so far");
    auto it = families.find(request.family);
    if (it == families.end()) return usage(("unknown --family=" + request.family).c_str());
    KernelDefinition kernel = it->second(request, target);
    std::map<OutputFileType, std::string> outputs = {{OutputFileType::object, base + ".o"},
                                                     {OutputFileType::c_header, base + ".h"}};
    if (emitStmt) outputs[OutputFileType::stmt] = base + ".stmt";
    kernel.pipeline.compile_to(outputs, kernel.arguments, name, target);
  } catch (const Halide::Error &e) {
    std::fprintf(stderr, "loom-kernelgen: %s: Halide error: %s\n", name.c_str(), e.what());
    return 1;
  } catch (const std::exception &e) {
    std::fprintf(stderr, "loom-kernelgen: %s: %s\n", name.c_str(), e.what());
    return 1;
  }
  return 0;
}
