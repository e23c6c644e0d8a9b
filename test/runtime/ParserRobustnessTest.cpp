//===- ParserRobustnessTest.cpp - Deterministic mutation fuzzing ----------===//
//
// The same bodies as the libFuzzer targets in fuzz/, driven by a fixed-seed
// mutator from valid seed files, so every build runs a few thousand malformed
// inputs without needing clang.
//
//===----------------------------------------------------------------------===//

#include "fuzz/FuzzTargets.h"

#include "Npy.h" // runtime/loom-run
#include "loom/runtime/SafetensorsWriter.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>

using namespace loom;

namespace {

std::vector<uint8_t> mutate(const std::vector<uint8_t> &seed, std::mt19937 &rng) {
  std::vector<uint8_t> b = seed;
  auto pick = [&](size_t n) { return n == 0 ? size_t(0) : size_t(rng() % n); };
  int edits = 1 + int(rng() % 4);
  static const char *tokens[] = {"{", "}", "[", "]", ",", ":", "\"", "\\u", "-1", "1e99",
                                 "99999999999999999999", "null", "\"F32\"", "(", ")", "'",
                                 "True", "\xFF", "\n", "\"shape\"", "\"data_offsets\""};
  for (int e = 0; e < edits; ++e) {
    switch (rng() % 7) {
    case 0: // flip a bit
      if (!b.empty())
        b[pick(b.size())] ^= uint8_t(1u << (rng() % 8));
      break;
    case 1: // random byte
      if (!b.empty())
        b[pick(b.size())] = uint8_t(rng());
      break;
    case 2: // truncate
      b.resize(pick(b.size() + 1));
      break;
    case 3: // delete a range
      if (!b.empty()) {
        size_t at = pick(b.size());
        size_t n = std::min(b.size() - at, size_t(1 + rng() % 8));
        b.erase(b.begin() + at, b.begin() + at + n);
      }
      break;
    case 4: { // insert a token
      const char *t = tokens[rng() % (sizeof tokens / sizeof *tokens)];
      size_t at = pick(b.size() + 1);
      b.insert(b.begin() + at, t, t + std::strlen(t));
      break;
    }
    case 5: // mess with the length prefix
      if (b.size() >= 8)
        b[rng() % 8] = uint8_t(rng());
      break;
    case 6: // replace a digit by another
      for (int tries = 0; tries < 16 && !b.empty(); ++tries) {
        size_t at = pick(b.size());
        if (b[at] >= '0' && b[at] <= '9') {
          b[at] = uint8_t('0' + rng() % 10);
          break;
        }
      }
      break;
    }
  }
  return b;
}

std::vector<uint8_t> bytesOf(const std::string &s) { return {s.begin(), s.end()}; }

} // namespace

TEST(ParserRobustness, SafetensorsAndJsonHeaders) {
  float w[6] = {1, 2, 3, 4, 5, 6}, b[3] = {7, 8, 9}, s = 1;
  SafetensorsWriter writer;
  ASSERT_TRUE(writer.addF32("w", {2, 3}, w).ok());
  ASSERT_TRUE(writer.addF32("layer.0.bias", {3}, b).ok());
  ASSERT_TRUE(writer.addF32("scale", {}, &s).ok());
  writer.setMetadata("format", "pt");
  std::vector<std::vector<uint8_t>> seeds = {
      writer.serialize(),
      bytesOf(R"({"a": [1, -2.5e3, true, false, null, "x\u00e9\ud83d\ude00"], "b": {}})"),
      bytesOf("[[[[]]], {\"k\": \"\\n\\t\\\"\"}]"),
  };
  std::mt19937 rng(20240601);
  int accepted = 0, refused = 0;
  for (int i = 0; i < 4000; ++i) {
    const std::vector<uint8_t> &seed = seeds[i % seeds.size()];
    std::vector<uint8_t> input = mutate(seed, rng);
    fuzz::safetensorsBody(input.data(), input.size());
    StatusOr<SafetensorsReader> r = SafetensorsReader::fromBytes(input, "m");
    (r.ok() ? accepted : refused)++;
  }
  for (const auto &seed : seeds)
    fuzz::safetensorsBody(seed.data(), seed.size());
  EXPECT_GT(refused, 1000);
  RecordProperty("accepted", accepted);
}

TEST(ParserRobustness, RandomBytes) {
  std::mt19937 rng(7);
  for (int i = 0; i < 2000; ++i) {
    std::vector<uint8_t> input(rng() % 64);
    for (auto &c : input)
      c = uint8_t(rng());
    fuzz::safetensorsBody(input.data(), input.size());
    fuzz::npyBody(input.data(), input.size());
  }
}

TEST(ParserRobustness, Npy) {
  float f[6] = {1, 2, 3, 4, 5, 6};
  int64_t l[2] = {1, 2};
  std::vector<std::vector<uint8_t>> seeds = {
      serializeNpy(NpyDtype::Float32, {2, 3}, f),
      serializeNpy(NpyDtype::Int64, {2}, l),
      serializeNpy(NpyDtype::Int32, {}, l),
  };
  std::mt19937 rng(12345);
  int accepted = 0;
  for (int i = 0; i < 4000; ++i) {
    std::vector<uint8_t> input = mutate(seeds[i % seeds.size()], rng);
    fuzz::npyBody(input.data(), input.size());
    accepted += parseNpy(input.data(), input.size(), "m").ok();
  }
  EXPECT_LT(accepted, 4000);
}
