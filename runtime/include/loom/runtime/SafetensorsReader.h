//===- SafetensorsReader.h - Validated safetensors weights ------*- C++ -*-===//
//
// A safetensors file is an 8-byte little-endian header length N, N bytes of
// JSON header (name -> {"dtype", "shape", "data_offsets": [begin, end]}, plus an
// optional "__metadata__" object, padded with spaces), then the data area.
//
// open() maps the file read-only and validates the whole header before anything
// can be used (within the limits below): every entry, every dtype and shape, and that the tensors tile
// the data area exactly (no overlap, no gap, nothing left over), as the
// reference safetensors implementation requires. checkExpected() then compares
// the file against the tensors a model needs and names the first offending
// tensor. Errors are LOOM_ERROR_BAD_WEIGHTS (LOOM_ERROR_IO when the file cannot
// be read) with messages "weights file '<path>': ..." (or another kind of
// file than "weights file", as open() is told: "checkpoint '<path>': ...").
// The "__metadata__" object is only checked to be an object when the file
// is opened; metadata() reads it on demand.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_RUNTIME_SAFETENSORSREADER_H
#define LOOM_RUNTIME_SAFETENSORSREADER_H

#include "loom/runtime/MappedFile.h"
#include "loom/runtime/Status.h"

#include <cstdint>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace loom {

/// A tensor a model expects in its weights file.
struct TensorSpec {
  std::string name;
  std::vector<int64_t> shape;
  std::string dtype = "F32";
};

/// A validated entry of a safetensors header.
struct TensorInfo {
  std::string name;
  std::string dtype;          // "F32", "F16", "I64", ...
  std::vector<int64_t> shape; // [] for a scalar
  int64_t numElements = 0;
  uint64_t begin = 0;         // byte offsets relative to the data area
  uint64_t end = 0;
};

/// Bytes per element of a safetensors dtype name, or 0 if the name is unknown.
size_t safetensorsDtypeSize(const std::string &dtype);

/// "[2048, 512]".
std::string formatShape(const std::vector<int64_t> &shape);

/// Limits of what open() accepts, each refused with a message before memory
/// is spent on it. Real models are far below them: a few hundred tensors of
/// rank 1 or 2 and a header of tens of KB (the largest public checkpoints
/// hold about a thousand tensors per file, headers around 100 KB). The
/// header is parsed without building a document, so memory stays
/// proportional to it: the peak RSS of opening a file with a 16 MiB header
/// of the hungriest kinds measured (65,536 tensors plus millions of tiny
/// metadata keys) is under 90 MB, mapping included, where building a
/// document took up to 280 MB (and 1.7 GB at the former 100 MiB limit).
constexpr uint64_t kMaxSafetensorsHeaderBytes = 16ull * 1024 * 1024;
constexpr size_t kMaxSafetensorsTensors = 65536;
constexpr size_t kMaxSafetensorsRank = 64;
/// metadata() refuses more entries than this (Loom writes four).
constexpr size_t kMaxSafetensorsMetadataEntries = 1024;

class SafetensorsReader {
public:
  /// Maps and validates `path`; messages begin "<kind> '<path>': ".
  static StatusOr<SafetensorsReader> open(const std::string &path,
                                          const std::string &kind = "weights file");

  /// Validates an in-memory file image (kept by the reader); `displayName`
  /// stands for the path in messages. Used by tests and fuzzing.
  static StatusOr<SafetensorsReader> fromBytes(std::vector<uint8_t> bytes,
                                               const std::string &displayName,
                                               const std::string &kind = "weights file");

  /// open() followed by checkExpected().
  static StatusOr<SafetensorsReader> openChecked(const std::string &path,
                                                 const std::vector<TensorSpec> &expected);

  SafetensorsReader(SafetensorsReader &&) = default;
  SafetensorsReader &operator=(SafetensorsReader &&) = default;

  /// OK iff the file holds exactly the `expected` tensors with their shapes and
  /// dtypes. Otherwise LOOM_ERROR_BAD_WEIGHTS naming the first offending tensor
  /// (missing, wrong dtype, wrong shape, in `expected` order; then extra
  /// tensors in name order), with a count of further problems.
  Status checkExpected(const std::vector<TensorSpec> &expected) const;

  /// The "__metadata__" object as the safetensors format defines it, a map
  /// of strings to strings (empty if the header has none). Parsed again
  /// from the header on each call. LOOM_ERROR_BAD_WEIGHTS naming the entry
  /// if a value is not a string, or if there are more than
  /// kMaxSafetensorsMetadataEntries entries.
  StatusOr<std::map<std::string, std::string>> metadata() const;

  const std::string &path() const { return path_; }
  /// All tensors, sorted by name.
  const std::vector<TensorInfo> &tensors() const { return tensors_; }
  /// The entry named `name`, or nullptr.
  const TensorInfo *find(const std::string &name) const;
  /// The tensor's bytes (little-endian, suitably aligned for its dtype).
  const void *data(const TensorInfo &info) const { return dataArea_ + info.begin; }
  /// The data of F32 tensor `name`, or nullptr if absent or not F32.
  const float *f32(const std::string &name) const;

private:
  SafetensorsReader() = default;
  static StatusOr<SafetensorsReader> parse(SafetensorsReader reader);

  struct FreeDeleter {
    void operator()(uint8_t *p) const { std::free(p); }
  };

  /// "<kind> '<path>'".
  std::string prefix() const;

  std::string path_, kind_ = "weights file";
  uint64_t headerLength_ = 0;
  MappedFile mapping_;                              // set by open()
  std::vector<uint8_t> ownedBytes_;                 // set by fromBytes()
  std::unique_ptr<uint8_t, FreeDeleter> alignedCopy_; // data area, if misaligned
  const uint8_t *bytes_ = nullptr;
  size_t size_ = 0;
  const uint8_t *dataArea_ = nullptr;
  uint64_t dataSize_ = 0;
  std::vector<TensorInfo> tensors_;
  std::map<std::string, size_t> index_;
};

} // namespace loom

#endif // LOOM_RUNTIME_SAFETENSORSREADER_H
