// A Generator's members, expanded from the two definition files so that no
// argument, param or knob is spelled by hand:
//
//   class LinearGenerator : public Halide::Generator<LinearGenerator> {
//   public:
//     LOOM_GENERATOR_ABI(linear)            // Inputs/Outputs: LOOM_ABI_linear
//   #define LOOM_SELECTED_linear LOOM_SELECTED
//   #include "KernelParams.def"             // GeneratorParams: the linear rows
//   #undef LOOM_SELECTED_linear
//     ...
//
// LOOM_ABI_<family> (loom/abi/KernelAbi.def) gives the generated function's
// arguments in order: BUFFER(name, type, rank, in) -> Input<Buffer<type>>,
// BUFFER(..., out) -> Output<Buffer<type>>, SCALAR(name, type) -> Input<type>.
// Halide orders a Generator's arguments as its members are declared, inputs
// before outputs, which is the order KernelAbi.def lists them in.
//
// KernelParams.def holds the rows of every family; a row expands only where
// LOOM_SELECTED_<its family> is defined (as LOOM_SELECTED), to
//   LOOM_PARAM(family, name, int | string, default, doc) -> GeneratorParam,
//   LOOM_KNOB(family, name, avx512, avx2, doc)           -> loom::halide::Knob (GeneratorParams.h).
#pragma once

#include "GeneratorParams.h"
#include "loom/runtime/KernelAbi.h"

#include <Halide.h>

#define LOOM_GENERATOR_BUFFER_in(name, type, rank) Input<Buffer<type>> name{#name, rank};
#define LOOM_GENERATOR_BUFFER_out(name, type, rank) Output<Buffer<type>> name{#name, rank};
#define LOOM_GENERATOR_BUFFER(name, type, rank, dir) LOOM_GENERATOR_BUFFER_##dir(name, type, rank)
#define LOOM_GENERATOR_SCALAR(name, type) Input<type> name{#name};
#define LOOM_GENERATOR_ABI(family) LOOM_ABI_##family(LOOM_GENERATOR_BUFFER, LOOM_GENERATOR_SCALAR)

// LOOM_IF_SELECTED(family, tokens...) is the tokens if LOOM_SELECTED_<family>
// is defined as LOOM_SELECTED, else nothing: the defined name expands to two
// arguments and shifts a 1 into second place; an undefined one leaves the 0.
#define LOOM_SELECTED ~, 1
#define LOOM_SECOND_(a, b, ...) b
#define LOOM_SECOND(...) LOOM_SECOND_(__VA_ARGS__)
#define LOOM_CAT_(a, b) a##b
#define LOOM_CAT(a, b) LOOM_CAT_(a, b)
#define LOOM_IF_0(...)
#define LOOM_IF_1(...) __VA_ARGS__
#define LOOM_IF_SELECTED(family, ...)                                                              \
  LOOM_CAT(LOOM_IF_, LOOM_SECOND(LOOM_SELECTED_##family, 0, ~))(__VA_ARGS__)

#define LOOM_PARAM_TYPE_int int
#define LOOM_PARAM_TYPE_string std::string
#define LOOM_PARAM(family, name, type, dflt, doc)                                                  \
  LOOM_IF_SELECTED(family, GeneratorParam<LOOM_PARAM_TYPE_##type> name{#name, dflt};)
#define LOOM_KNOB(family, name, avx512, avx2, doc)                                                 \
  LOOM_IF_SELECTED(family, loom::halide::Knob name{#name, {avx512, avx2}};)
