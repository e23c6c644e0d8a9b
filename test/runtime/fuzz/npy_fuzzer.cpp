//===- npy_fuzzer.cpp - libFuzzer: .npy parser ----------------------------===//
// Built only with clang (see runtime/CMakeLists.txt). Seeds: any .npy files.

#include "FuzzTargets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  loom::fuzz::npyBody(data, size);
  return 0;
}
