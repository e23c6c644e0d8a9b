//===- PlanRoles.h - loom/abi/PlanAbi.def for the compiler ------*- C++ -*-===//
//
// The roles of a planned function's arguments and their runtime slots, from
// the one definition the runtime also expands. Arguments carry their role as
// `loom.input`, `loom.output` or `loom.scalar` = "role".
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_CODEGEN_PLANROLES_H
#define LOOM_CODEGEN_PLANROLES_H

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"

#include <optional>

namespace loom {

enum class RoleKind { Input, Output, Scalar };

/// The attribute naming an argument's role of this kind ("loom.input", ...).
llvm::StringRef roleAttrName(RoleKind kind);
/// The slot of `role` among the roles of its kind; nullopt if unknown.
std::optional<int> roleSlot(RoleKind kind, llvm::StringRef role);
/// An input role's buffer dims (loom_kernel symbols); nullopt if unknown.
std::optional<llvm::SmallVector<int64_t>> inputDims(llvm::StringRef role);
/// Whether scalar `role` is of kind real (a float; else an int64).
bool isRealScalar(llvm::StringRef role);
/// The slot of plan function `name` (PlanAbi.def); nullopt if unknown.
std::optional<int> planFunctionSlot(llvm::StringRef name);

} // namespace loom

#endif // LOOM_CODEGEN_PLANROLES_H
