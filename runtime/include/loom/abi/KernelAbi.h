//===- KernelAbi.h - tables from loom/abi/KernelAbi.def ---------*- C++ -*-===//
//
// The kernel ABI as C++ data, for the compiler and the runtime alike (no
// Halide or LLVM headers needed):
//   loom::abi::Family              one enumerator per family;
//   loom::abi::familyName(Family)  "linear", ...; familyByName(name);
//   loom::abi::arguments(Family)   the generated function's arguments, in
//                                  order, with their kind, element and rank;
//   loom::abi::kIsas               {name, Halide target} per ISA.
// The function types themselves are in loom/runtime/KernelAbi.h.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_ABI_KERNELABI_H
#define LOOM_ABI_KERNELABI_H

#include "loom/abi/KernelAbi.def"

#include <cstdint>
#include <cstring>
#include <iterator>
#include <type_traits>

namespace loom::abi {

#define LOOM_ABI_ENUMERATOR(family) family,
enum class Family { LOOM_KERNEL_FAMILIES(LOOM_ABI_ENUMERATOR) };
#undef LOOM_ABI_ENUMERATOR

#define LOOM_ABI_COUNT(family) +1
inline constexpr int kNumFamilies = 0 LOOM_KERNEL_FAMILIES(LOOM_ABI_COUNT);
#undef LOOM_ABI_COUNT

inline const char *familyName(Family family) {
  switch (family) {
#define LOOM_ABI_NAME(family)                                                  \
  case Family::family:                                                         \
    return #family;
    LOOM_KERNEL_FAMILIES(LOOM_ABI_NAME)
#undef LOOM_ABI_NAME
  }
  return "?";
}

/// The family called `name`; false if there is none.
inline bool familyByName(const char *name, Family &family) {
#define LOOM_ABI_MATCH(f)                                                      \
  if (std::strcmp(name, #f) == 0) {                                            \
    family = Family::f;                                                        \
    return true;                                                               \
  }
  LOOM_KERNEL_FAMILIES(LOOM_ABI_MATCH)
#undef LOOM_ABI_MATCH
  return false;
}

/// The element type of a buffer argument, or the type of a scalar one.
enum class ArgType { f32, i32, u64 };

/// One argument of a family's generated function.
struct Argument {
  const char *name;
  bool isBuffer;  // a halide_buffer_t *; else a scalar passed by value
  ArgType type;   // element (or scalar) type
  int rank;       // buffers: Halide dimensions; scalars: 0
  bool isOutput;  // buffers the kernel writes
};

namespace detail {
template <typename T> constexpr ArgType argTypeOf() {
  static_assert(std::is_same_v<T, float> || std::is_same_v<T, int32_t> ||
                    std::is_same_v<T, uint64_t>,
                "KernelAbi.def: arguments are float, int32_t or uint64_t");
  return std::is_same_v<T, float>     ? ArgType::f32
         : std::is_same_v<T, int32_t> ? ArgType::i32
                                      : ArgType::u64;
}
#define LOOM_ABI_DIR_in false
#define LOOM_ABI_DIR_out true
#define LOOM_ABI_BUFFER_ROW(name, type, rank, dir)                             \
  {#name, true, argTypeOf<type>(), rank, LOOM_ABI_DIR_##dir},
#define LOOM_ABI_SCALAR_ROW(name, type)                                        \
  {#name, false, argTypeOf<type>(), 0, false},
#define LOOM_ABI_ARGUMENT_TABLE(family)                                        \
  inline constexpr Argument family##_arguments[] = {                           \
      LOOM_ABI_##family(LOOM_ABI_BUFFER_ROW, LOOM_ABI_SCALAR_ROW)};
LOOM_KERNEL_FAMILIES(LOOM_ABI_ARGUMENT_TABLE)
#undef LOOM_ABI_ARGUMENT_TABLE
#undef LOOM_ABI_SCALAR_ROW
#undef LOOM_ABI_BUFFER_ROW
#undef LOOM_ABI_DIR_out
#undef LOOM_ABI_DIR_in

/// Halide puts a Generator's outputs after all its inputs.
template <int N> constexpr bool outputsLast(const Argument (&args)[N]) {
  for (int i = 1; i < N; ++i)
    if (args[i - 1].isOutput && !args[i].isOutput)
      return false;
  return true;
}
#define LOOM_ABI_CHECK_ORDER(family)                                           \
  static_assert(outputsLast(family##_arguments),                               \
                "KernelAbi.def: " #family " lists an input after an output");
LOOM_KERNEL_FAMILIES(LOOM_ABI_CHECK_ORDER)
#undef LOOM_ABI_CHECK_ORDER
} // namespace detail

/// A family's arguments, in the order of its generated function.
struct ArgumentList {
  const Argument *begin_, *end_;
  const Argument *begin() const { return begin_; }
  const Argument *end() const { return end_; }
  int size() const { return int(end_ - begin_); }
  const Argument &operator[](int i) const { return begin_[i]; }
};
inline ArgumentList arguments(Family family) {
  switch (family) {
#define LOOM_ABI_ARGUMENTS(f)                                                  \
  case Family::f:                                                              \
    return {std::begin(detail::f##_arguments), std::end(detail::f##_arguments)};
    LOOM_KERNEL_FAMILIES(LOOM_ABI_ARGUMENTS)
#undef LOOM_ABI_ARGUMENTS
  }
  return {nullptr, nullptr};
}

struct Isa {
  const char *name;         // "avx512": the suffix of a kernel's symbol
  const char *halideTarget; // the pinned Halide target it is built for
};
#define LOOM_ABI_ISA(isa, target) {#isa, target},
inline constexpr Isa kIsas[] = {LOOM_KERNEL_ISAS(LOOM_ABI_ISA)};
#undef LOOM_ABI_ISA
inline constexpr int kNumIsas = sizeof(kIsas) / sizeof(kIsas[0]);

} // namespace loom::abi

#endif // LOOM_ABI_KERNELABI_H
