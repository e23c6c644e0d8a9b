//===- Npy.h - Reading and writing NumPy .npy files -------------*- C++ -*-===//
//
// .npy format versions 1.0, 2.0 and 3.0; dtypes '<f4', '<i4', '<i8'; C order
// only. The header (a Python dict literal) is parsed strictly and the data size
// must match the shape exactly. Errors name the file: "npy file 'a.npy': ...".
//
// Only loom-run (and the tests) read and write .npy, so this is its own
// library (loom_npy), not part of the runtime linked into every model.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_RUN_NPY_H
#define LOOM_RUN_NPY_H

#include "loom/runtime/OutputFile.h"
#include "loom/runtime/Status.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace loom {

enum class NpyDtype { Float32, Int32, Int64 };

/// "<f4", "<i4", "<i8".
const char *npyDescr(NpyDtype dtype);
/// 4 or 8.
size_t npyDtypeSize(NpyDtype dtype);

/// A C-order array read from a .npy file (owns its data).
struct NpyArray {
  NpyDtype dtype = NpyDtype::Float32;
  std::vector<int64_t> shape; // [] for a 0-d array
  std::vector<uint8_t> bytes; // numElements() * npyDtypeSize(dtype) bytes

  /// The product of the dimensions: 0 if any is 0 (whatever the others
  /// are), INT64_MAX if the product does not fit in int64 (no such array can
  /// exist; parseNpy refuses those shapes). Dimensions are non-negative.
  int64_t numElements() const;
  const float *f32() const { return reinterpret_cast<const float *>(bytes.data()); }
  const int32_t *i32() const { return reinterpret_cast<const int32_t *>(bytes.data()); }
  const int64_t *i64() const { return reinterpret_cast<const int64_t *>(bytes.data()); }
};

/// Reads `path` (LOOM_ERROR_IO if unreadable, LOOM_ERROR_INVALID_ARGUMENT if malformed).
StatusOr<NpyArray> readNpy(const std::string &path);

/// Parses an in-memory .npy image; `displayName` stands for the path in messages.
StatusOr<NpyArray> parseNpy(const uint8_t *data, size_t size, const std::string &displayName);

/// The elements of an integer array (int32 or int64) as int32; int64 values
/// outside the int32 range and float arrays are refused naming `displayName`.
StatusOr<std::vector<int32_t>> npyToInt32(const NpyArray &array, const std::string &displayName);

/// The .npy header of an array: magic, version 1.0 (2.0 if the dict does not
/// fit a 16-bit length), header length, the dict padded to a multiple of 64
/// bytes. The data follows it in the file.
std::vector<uint8_t> serializeNpyHeader(NpyDtype dtype, const std::vector<int64_t> &shape);

/// The complete .npy image of an array: serializeNpyHeader, then the data
/// (empty for a negative dimension or a byte size that overflows).
std::vector<uint8_t> serializeNpy(NpyDtype dtype, const std::vector<int64_t> &shape,
                                  const void *data);

/// The pieces of the file (the header in `header`, which must outlive them):
/// what writeNpy writes, for a caller staging its own OutputFile.
/// LOOM_ERROR_INVALID_ARGUMENT for a negative dimension or a byte size that
/// overflows.
Status npyPieces(NpyDtype dtype, const std::vector<int64_t> &shape, const void *data,
                 std::vector<uint8_t> &header, std::vector<ByteSpan> &pieces,
                 const std::string &displayName);

/// Write `data` (C order, product(shape) elements) as a .npy file by the
/// rules of OutputFile.h (atomic, symlinks written through, permissions
/// kept, a target that is not a regular file refused).
Status writeNpy(const std::string &path, const std::vector<int64_t> &shape, const float *data);
Status writeNpy(const std::string &path, const std::vector<int64_t> &shape, const int32_t *data);
Status writeNpy(const std::string &path, const std::vector<int64_t> &shape, const int64_t *data);

} // namespace loom

#endif // LOOM_RUN_NPY_H
