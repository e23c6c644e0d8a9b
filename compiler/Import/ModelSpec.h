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

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace llvm {
class MemoryBuffer;
class SourceMgr;
} // namespace llvm

namespace loom {

// Limits on a spec (README, "Model specs").
/// Bytes in a spec file (readSpecFile; parseModelSpec refuses a larger
/// buffer too). Real specs are under 2 KB; the limit keeps an endless or
/// huge file from being read into memory.
constexpr size_t kMaxSpecBytes = size_t(1) << 20;
/// Characters that can open a level of llvm::yaml's recursion ('[', '{',
/// ',', '-', '?', ':', '.'; SpecText.cpp). A real spec has about 40; the
/// bound keeps a spec of a million '[' from overflowing the parser's stack.
constexpr unsigned kMaxSpecIndicators = 1000;
/// Diagnostics printed per spec; one more line counts the rest.
constexpr unsigned kMaxSpecDiagnostics = 20;
/// Characters in `name`: lib<name>.so and loomc's work directory
/// .loomc-<name>-XXXXXX must fit in a 255-byte file name, with room to spare.
constexpr size_t kMaxModelNameLength = 100;

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

/// Reads the spec file at `path`. It is opened without blocking and checked
/// with fstat before any read: anything but a regular file (a FIFO, a device,
/// a directory) is refused, and so is a file over kMaxSpecBytes (also when it
/// grows while being read). On failure returns null and sets `error` to a
/// message that names `path`.
std::unique_ptr<llvm::MemoryBuffer> readSpecFile(llvm::StringRef path,
                                                 std::string &error);

} // namespace loom

#endif // LOOM_IMPORT_MODELSPEC_H
