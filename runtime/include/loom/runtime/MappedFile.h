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
/// (Files are written through OutputFile.h.)
class MappedFile {
public:
  /// LOOM_ERROR_IO naming the file (and strerror) when it cannot be opened,
  /// is not a regular file, or cannot be mapped. The file's type is checked
  /// before it is opened and again (fstat) on the open descriptor, which is
  /// opened non-blocking: a FIFO (or a device) is refused, never waited on.
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

/// What a file's st_mode says it is, for messages: "a directory", "a FIFO",
/// "a character device", "a block device", "a socket", "a symbolic link",
/// "a regular file", or "an unknown kind of file".
const char *fileTypeName(unsigned mode);

} // namespace loom

#endif // LOOM_RUNTIME_MAPPEDFILE_H
