// loom-kernelgen: Halide's generator command line (GenGen) over Loom's kernel
// Generators, one per family of loom/abi/KernelAbi.def (*Generator(s).cpp):
//
//   loom-kernelgen -g FAMILY -f FN -o DIR -e o,h target=TARGET [param=value ...]
// writes DIR/FN.o and DIR/FN.h: one kernel instance. The params are the
// family's rows of KernelParams.def: specialisations (activation=relu,
// mask=causal, n=512, head_dim=64, ...) and schedule knobs (tile_rows=6, ...;
// absent or 0: the target's default). Unknown values are refused.
//
//   loom-kernelgen -r loom_halide_runtime -o DIR -e o target=x86-64-linux
// writes DIR/loom_halide_runtime.o, the Halide runtime, once per library:
// kernels are built with `no_runtime` so several link together.
//
// Targets are pinned (LOOM_KERNEL_ISAS in KernelAbi.def): Halide 14 calls this
// Zen 5 a Sapphire Rapids and would emit AMX/FP16 code, so any target naming
// "host" is refused.
//
// Two modes of its own:
//   loom-kernelgen --identity
// prints one hex line that changes whenever this executable or the Halide
// library it runs with changes: kernel caches are keyed by it.
//   loom-kernelgen --check-set -o DIR [-j N]
// builds the kernels of check/CheckKernels.def for every ISA, plus the
// runtime, into DIR/libloom_check_kernels.a and DIR/loom_check_kernels.h (for
// loom-kernel-check and loom-kernel-bench), N instances at a time (default:
// $LOOM_KERNELGEN_JOBS, else the number of CPUs).
#include "KernelGenModes.h"
#include "loom/runtime/KernelAbi.h"

#include <Halide.h>

#include <cstring>
#include <iostream>
#include <string>

int main(int argc, char **argv) {
  if (argc == 2 && std::strcmp(argv[1], "--identity") == 0) return loom::halide::printIdentity();
  if (argc >= 2 && std::strcmp(argv[1], "--check-set") == 0)
    return loom::halide::buildCheckSet(argc, argv);
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.rfind("target=", 0) == 0 && arg.find("host") != std::string::npos) {
      std::cerr << "loom-kernelgen: " << arg
                << " is refused: Halide 14 misdetects this CPU (Zen 5 as Sapphire Rapids, "
                   "with AMX/FP16); pin the target:";
      for (const loom::abi::Isa &isa : loom::abi::kIsas)
        std::cerr << " target=" << isa.halideTarget << " (" << isa.name << ")";
      std::cerr << "\n";
      return 2;
    }
  }
  // Halide reports its errors (unknown generator or param, a Generator's
  // user_error) as "Unhandled exception: Error: ..." with exit status 255.
  return Halide::Internal::generate_filter_main(argc, argv, std::cerr);
}
