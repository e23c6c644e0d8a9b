//===- HalideRuntimeSignatureTest.cpp - Hooks match HalideRuntime.h -------===//
//
// Compiled only where Halide 14's HalideRuntime.h is installed: declaring the
// hooks twice with different types would not compile, and the static_asserts
// pin the exact function types Halide-generated kernels call.
//
//===----------------------------------------------------------------------===//

#include <HalideRuntime.h>

#include "loom/runtime/HalideParallel.h"

#include <gtest/gtest.h>

#include <type_traits>

static_assert(std::is_same_v<decltype(&halide_do_par_for), halide_do_par_for_t>,
              "halide_do_par_for must have Halide's halide_do_par_for_t type");
static_assert(std::is_same_v<decltype(&halide_error), halide_error_handler_t>,
              "halide_error must have Halide's halide_error_handler_t type");

TEST(HalideRuntimeSignature, HooksAreHalidesOwn) {
  halide_do_par_for_t parFor = &halide_do_par_for;
  halide_error_handler_t error = &halide_error;
  EXPECT_NE(parFor, nullptr);
  EXPECT_NE(error, nullptr);
}
