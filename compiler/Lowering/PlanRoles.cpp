//===- PlanRoles.cpp - loom/abi/PlanAbi.def for the compiler --------------===//
#include "Lowering/PlanRoles.h"

#include "loom/abi/PlanAbi.def"
#include "loom_kernel/LoomKernelDialect.h"

#include "llvm/ADT/STLExtras.h"

using namespace loom;

namespace {

#define LOOM_PLAN_NAME(role, ...) #role,
const char *const kInputs[] = {LOOM_PLAN_INPUTS(LOOM_PLAN_NAME)};
const char *const kOutputs[] = {LOOM_PLAN_OUTPUTS(LOOM_PLAN_NAME)};
const char *const kScalars[] = {LOOM_PLAN_SCALARS(LOOM_PLAN_NAME)};
const char *const kFunctions[] = {LOOM_PLAN_FUNCTIONS(LOOM_PLAN_NAME)};
#undef LOOM_PLAN_NAME

std::optional<int> indexIn(llvm::ArrayRef<const char *> names,
                           llvm::StringRef name) {
  for (auto [i, n] : llvm::enumerate(names))
    if (name == n)
      return int(i);
  return std::nullopt;
}

} // namespace

llvm::StringRef loom::roleAttrName(RoleKind kind) {
  switch (kind) {
  case RoleKind::Input:
    return "loom.input";
  case RoleKind::Output:
    return "loom.output";
  case RoleKind::Scalar:
    return "loom.scalar";
  }
  llvm_unreachable("role kind");
}

std::optional<int> loom::roleSlot(RoleKind kind, llvm::StringRef role) {
  switch (kind) {
  case RoleKind::Input:
    return indexIn(kInputs, role);
  case RoleKind::Output:
    return indexIn(kOutputs, role);
  case RoleKind::Scalar:
    return indexIn(kScalars, role);
  }
  llvm_unreachable("role kind");
}

std::optional<llvm::SmallVector<int64_t>> loom::inputDims(llvm::StringRef role) {
#define LOOM_B kernel::kBatch
#define LOOM_S kernel::kSource
#define LOOM_T kernel::kTarget
#define LOOM_EXPAND(...) __VA_ARGS__
#define LOOM_PLAN_DIMS(name, dims)                                             \
  if (role == #name)                                                           \
    return llvm::SmallVector<int64_t>{LOOM_EXPAND dims};
  LOOM_PLAN_INPUTS(LOOM_PLAN_DIMS)
#undef LOOM_PLAN_DIMS
#undef LOOM_EXPAND
#undef LOOM_T
#undef LOOM_S
#undef LOOM_B
  return std::nullopt;
}

bool loom::isRealScalar(llvm::StringRef role) {
#define LOOM_PLAN_REAL_integer false
#define LOOM_PLAN_REAL_real true
#define LOOM_PLAN_KIND(name, kind)                                             \
  if (role == #name)                                                           \
    return LOOM_PLAN_REAL_##kind;
  LOOM_PLAN_SCALARS(LOOM_PLAN_KIND)
#undef LOOM_PLAN_KIND
#undef LOOM_PLAN_REAL_real
#undef LOOM_PLAN_REAL_integer
  return false;
}

std::optional<int> loom::planFunctionSlot(llvm::StringRef name) {
  return indexIn(kFunctions, name);
}
