//===- KernelAbi.h - the kernel ABI on the compiler side --------*- C++ -*-===//
//
// One struct per kernel family with a field per argument of its generated
// function, named as in loom/abi/KernelAbi.def; `ordered()` lists them in
// ABI order. Kernel ops fill these by name (KernelOpInterface::
// getAbiArguments), so a renamed argument is a compile error here and a
// reordered one reorders every emitted call.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_KERNEL_KERNELABI_H
#define LOOM_KERNEL_KERNELABI_H

#include "loom/abi/KernelAbi.h"

#include "mlir/IR/BuiltinAttributeInterfaces.h"
#include "mlir/IR/Value.h"
#include "llvm/ADT/SmallVector.h"

namespace loom::kernel {

/// One argument of a kernel call: a buffer, a constant scalar, or a scalar
/// the function receives at run time (an i64 or f32 value: a dropout seed,
/// Adam's step size); none of them for an optional buffer the op does not
/// have (the kernel gets an empty one).
struct AbiValue {
  mlir::Value buffer;
  mlir::TypedAttr scalar;
  mlir::Value runtimeScalar;
};

namespace abi_args {
#define LOOM_ABI_FIELD_BUFFER(name, type, rank, dir) AbiValue name;
#define LOOM_ABI_FIELD_SCALAR(name, type) AbiValue name;
#define LOOM_ABI_PUSH_BUFFER(name, type, rank, dir) list_.push_back(name);
#define LOOM_ABI_PUSH_SCALAR(name, type) list_.push_back(name);
#define LOOM_ABI_ARGS_STRUCT(family)                                           \
  struct family {                                                              \
    LOOM_ABI_##family(LOOM_ABI_FIELD_BUFFER, LOOM_ABI_FIELD_SCALAR)            \
    void ordered(llvm::SmallVectorImpl<AbiValue> &list_) const {                 \
      LOOM_ABI_##family(LOOM_ABI_PUSH_BUFFER, LOOM_ABI_PUSH_SCALAR)            \
    }                                                                          \
  };
LOOM_KERNEL_FAMILIES(LOOM_ABI_ARGS_STRUCT)
#undef LOOM_ABI_ARGS_STRUCT
#undef LOOM_ABI_PUSH_SCALAR
#undef LOOM_ABI_PUSH_BUFFER
#undef LOOM_ABI_FIELD_SCALAR
#undef LOOM_ABI_FIELD_BUFFER
} // namespace abi_args

} // namespace loom::kernel

#endif // LOOM_KERNEL_KERNELABI_H
