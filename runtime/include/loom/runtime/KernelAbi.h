//===- KernelAbi.h - kernel function types from KernelAbi.def ---*- C++ -*-===//
//
// loom::abi::<family>_fn is the type of a family's generated function, e.g.
// loom::abi::linear_fn = int(halide_buffer_t *x, halide_buffer_t *wt, ...),
// derived from the one definition in loom/abi/KernelAbi.def. Code that holds
// a kernel (the generated libraries, kernel check and bench) uses these
// types, so a Generator whose arguments drift from the definition fails to
// compile there. The families, argument tables and ISAs are in
// loom/abi/KernelAbi.h (included).
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_RUNTIME_KERNELABI_H
#define LOOM_RUNTIME_KERNELABI_H

#include "loom/abi/KernelAbi.h"

#include <HalideRuntime.h>

namespace loom::abi {

/// FunctionOf<void, A, B>::type is int(A, B). The argument lists below begin
/// each argument with a comma (`, halide_buffer_t *`), so a leading `void`
/// absorbs the first one.
template <typename Ignored, typename... Args> struct FunctionOf {
  using type = int(Args...);
};
#define LOOM_ABI_BUFFER_TYPE(name, type, rank, dir) , halide_buffer_t *
#define LOOM_ABI_SCALAR_TYPE(name, type) , type
#define LOOM_ABI_SIGNATURE(family)                                             \
  using family##_fn = FunctionOf<void LOOM_ABI_##family(                       \
      LOOM_ABI_BUFFER_TYPE, LOOM_ABI_SCALAR_TYPE)>::type;
LOOM_KERNEL_FAMILIES(LOOM_ABI_SIGNATURE)
#undef LOOM_ABI_SIGNATURE
#undef LOOM_ABI_SCALAR_TYPE
#undef LOOM_ABI_BUFFER_TYPE

} // namespace loom::abi

#endif // LOOM_RUNTIME_KERNELABI_H
