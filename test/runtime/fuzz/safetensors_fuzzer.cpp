//===- safetensors_fuzzer.cpp - libFuzzer: JSON header + safetensors ------===//
// Built only with clang (see runtime/CMakeLists.txt). Seeds: any .safetensors.

#include "FuzzTargets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  loom::fuzz::safetensorsBody(data, size);
  return 0;
}
