//===- SafetensorsWriter.h - Writing F32 safetensors files ------*- C++ -*-===//
#ifndef LOOM_RUNTIME_SAFETENSORSWRITER_H
#define LOOM_RUNTIME_SAFETENSORSWRITER_H

#include "loom/runtime/Status.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace loom {

/// Collects F32 tensors and writes them as one safetensors file: tensors in
/// name order, header padded with spaces so the data area starts at a multiple
/// of 8, written by the rules of OutputFile.h (atomic replacement, symlinks
/// written through, permissions kept, non-regular targets refused).
class SafetensorsWriter {
public:
  /// Adds a tensor. The writer keeps `data` (not a copy): it must stay valid
  /// until write() returns. LOOM_ERROR_INVALID_ARGUMENT for an empty, reserved
  /// ("__metadata__") or duplicate name, or a negative / overflowing shape.
  Status addF32(const std::string &name, const std::vector<int64_t> &shape, const float *data);

  /// Adds a string entry to the "__metadata__" object.
  void setMetadata(const std::string &key, const std::string &value);

  /// The complete file image.
  std::vector<uint8_t> serialize() const;

  /// Writes the file with writeFileAtomically (LOOM_ERROR_IO naming `path`
  /// on failure; the target is then untouched).
  Status write(const std::string &path) const;

private:
  struct Entry {
    std::vector<int64_t> shape;
    const float *data;
    uint64_t bytes;
  };
  std::string header() const;
  std::map<std::string, Entry> entries_;
  std::map<std::string, std::string> metadata_;
};

} // namespace loom

#endif // LOOM_RUNTIME_SAFETENSORSWRITER_H
