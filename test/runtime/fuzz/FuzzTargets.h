//===- FuzzTargets.h - Parser fuzz bodies shared by libFuzzer and gtest ---===//
//
// Each body feeds arbitrary bytes to a parser and checks the contract: it
// returns either a value or an error status with a message, never crashes, and
// an accepted input is internally consistent (touching every byte it claims).
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_TEST_RUNTIME_FUZZ_FUZZTARGETS_H
#define LOOM_TEST_RUNTIME_FUZZ_FUZZTARGETS_H

#include "Npy.h" // runtime/loom-run

#include "loom/runtime/JsonReader.h"
#include "loom/runtime/SafetensorsReader.h"

#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

namespace loom::fuzz {

inline void check(bool condition) {
  if (!condition)
    std::abort();
}

/// The bytes as a JSON text, then as a whole safetensors file image.
inline void safetensorsBody(const uint8_t *data, size_t size) {
  StatusOr<rapidjson::Document> v =
      json::parse(std::string_view(reinterpret_cast<const char *>(data), size));
  check(v.ok() || (v.status().code() == LOOM_ERROR_INVALID_ARGUMENT && !v.status().message().empty()));

  StatusOr<SafetensorsReader> r =
      SafetensorsReader::fromBytes(std::vector<uint8_t>(data, data + size), "fuzz");
  if (!r.ok()) {
    check(r.status().code() == LOOM_ERROR_BAD_WEIGHTS || r.status().code() == LOOM_ERROR_OUT_OF_MEMORY);
    check(!r.status().message().empty());
    return;
  }
  volatile uint8_t sink = 0;
  for (const TensorInfo &t : r->tensors()) {
    check(t.end - t.begin == uint64_t(t.numElements) * safetensorsDtypeSize(t.dtype));
    const uint8_t *p = static_cast<const uint8_t *>(r->data(t));
    for (uint64_t i = 0; i < t.end - t.begin; ++i)
      sink = sink + p[i];
  }
  (void)r->checkExpected({{"w", {2, 3}}});
}

/// The bytes as a .npy file image.
inline void npyBody(const uint8_t *data, size_t size) {
  StatusOr<NpyArray> a = parseNpy(data, size, "fuzz.npy");
  if (!a.ok()) {
    check(a.status().code() == LOOM_ERROR_INVALID_ARGUMENT && !a.status().message().empty());
    return;
  }
  check(a->bytes.size() == uint64_t(a->numElements()) * npyDtypeSize(a->dtype));
  (void)npyToInt32(*a, "fuzz");
}

} // namespace loom::fuzz

#endif // LOOM_TEST_RUNTIME_FUZZ_FUZZTARGETS_H
