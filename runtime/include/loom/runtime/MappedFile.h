//===- MappedFile.h - Read-only memory-mapped files -------------*- C++ -*-===//
#ifndef LOOM_RUNTIME_MAPPEDFILE_H
#define LOOM_RUNTIME_MAPPEDFILE_H

#include "loom/runtime/Status.h"

#include <cstddef>
#include <cstdint>
#include <string>

namespace loom {

/// A whole regular file mapped read-only (MAP_PRIVATE). Move-only; unmaps on
/// destruction. An empty file has size() == 0 and data() == nullptr.
class MappedFile {
public:
  /// LOOM_ERROR_IO naming the file (and strerror) when it cannot be opened,
  /// is not a regular file, or cannot be mapped.
  static StatusOr<MappedFile> open(const std::string &path);

  MappedFile() = default;
  MappedFile(MappedFile &&other) noexcept;
  MappedFile &operator=(MappedFile &&other) noexcept;
  MappedFile(const MappedFile &) = delete;
  MappedFile &operator=(const MappedFile &) = delete;
  ~MappedFile();

  const uint8_t *data() const { return data_; }
  size_t size() const { return size_; }

private:
  void reset();
  const uint8_t *data_ = nullptr;
  size_t size_ = 0;
};

/// One piece of a file to write.
struct ByteSpan {
  const void *data;
  size_t size;
};

/// Writes the concatenation of `pieces` to `path` atomically: a temporary file
/// in the same directory is written, flushed (fsync) and renamed over `path`,
/// so readers see either the old file or the complete new one. LOOM_ERROR_IO
/// naming the file on failure (the temporary file is removed).
Status writeFileAtomically(const std::string &path, const ByteSpan *pieces, size_t count);

} // namespace loom

#endif // LOOM_RUNTIME_MAPPEDFILE_H
