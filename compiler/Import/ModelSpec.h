//===- ModelSpec.h - a parsed Loom model spec -------------------*- C++ -*-===//
//
// The in-memory form of a model spec (INTERFACES.md §1). Every key's type,
// default and range live in one table in SpecParser.cpp; this struct only
// holds the values after parsing and validation.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_IMPORT_MODELSPEC_H
#define LOOM_IMPORT_MODELSPEC_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/SMLoc.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace llvm {
class SourceMgr;
} // namespace llvm

namespace loom {

struct ModelSpec {
  std::string name;
  std::string architecture; // encoder_decoder | encoder | decoder
  int64_t dModel = 0, heads = 0, ffnHidden = 0;
  int64_t encoderLayers = 0, decoderLayers = 0;
  int64_t srcVocab = 0, tgtVocab = 0, maxLen = 0;
  double dropout = 0;
  std::string activation; // relu | gelu
  bool normFirst = false;
  double layerNormEps = 0;
  bool finalNorm = false;
  int64_t padId = 0, bosId = 0, eosId = 0;
  double labelSmoothing = 0;
  double adamBeta1 = 0, adamBeta2 = 0, adamEps = 0;

  /// The spec file, for locations in the imported IR.
  std::string path;
  /// 1-based line of the top-level mapping and of each layer-count key (the
  /// line of the mapping when the key is absent): op locations point there.
  unsigned line = 1, encoderLine = 1, decoderLine = 1;

  bool hasEncoder() const { return architecture != "decoder"; }
  bool hasDecoder() const { return architecture != "encoder"; }
  int64_t headDim() const { return dModel / heads; }
};

/// Parses and validates the spec held in `sourceMgr`'s main buffer. Every
/// problem is reported through `sourceMgr` as `file:line:col: error: ...` on
/// the offending line; returns std::nullopt if there was any error.
std::optional<ModelSpec> parseModelSpec(llvm::SourceMgr &sourceMgr);

} // namespace loom

#endif // LOOM_IMPORT_MODELSPEC_H
