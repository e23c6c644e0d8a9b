//===- Npy.cpp - Reading and writing NumPy .npy files ---------------------===//
//
// Format: "\x93NUMPY", major, minor, header length (u16 LE for 1.0, u32 LE for
// 2.0/3.0), then an ASCII (3.0: UTF-8) Python dict literal such as
//   {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
// padded with spaces and ended by '\n', then the raw data.
//
//===----------------------------------------------------------------------===//

#include "Npy.h"

#include "loom/runtime/MappedFile.h"
#include "loom/runtime/OutputFile.h"
#include "loom/runtime/SafetensorsReader.h" // formatShape

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>

namespace loom {

const char *npyDescr(NpyDtype dtype) {
  switch (dtype) {
  case NpyDtype::Float32:
    return "<f4";
  case NpyDtype::Int32:
    return "<i4";
  case NpyDtype::Int64:
    return "<i8";
  }
  return "?";
}

size_t npyDtypeSize(NpyDtype dtype) { return dtype == NpyDtype::Int64 ? 8 : 4; }

int64_t NpyArray::numElements() const {
  // A zero dimension first: multiplying the others could overflow before it
  // is reached ([2^40, 2^40, 0] holds no element).
  for (int64_t d : shape)
    if (d == 0)
      return 0;
  int64_t n = 1;
  for (int64_t d : shape)
    if (__builtin_mul_overflow(n, d, &n))
      return INT64_MAX;
  return n;
}

namespace {

const char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicSize = 6;

/// Parser for the header dict; fields are filled as they are found.
class HeaderParser {
public:
  explicit HeaderParser(std::string_view text) : text_(text) {}

  std::string descr;
  bool haveDescr = false, haveFortran = false, haveShape = false;
  bool fortranOrder = false;
  std::vector<int64_t> shape;
  std::string error;

  bool run() {
    skipSpace();
    if (!consume('{'))
      return fail("header is not a Python dict");
    while (true) {
      skipSpace();
      if (consume('}'))
        break;
      std::string key;
      if (!parseString(key))
        return fail("expected a quoted key in the header dict");
      skipSpace();
      if (!consume(':'))
        return fail("expected ':' after key '" + key + "'");
      skipSpace();
      if (key == "descr") {
        if (haveDescr || !parseString(descr))
          return fail(haveDescr ? "duplicate key 'descr'" : "'descr' is not a string");
        haveDescr = true;
      } else if (key == "fortran_order") {
        if (haveFortran)
          return fail("duplicate key 'fortran_order'");
        if (match("True"))
          fortranOrder = true;
        else if (match("False"))
          fortranOrder = false;
        else
          return fail("'fortran_order' is not True or False");
        haveFortran = true;
      } else if (key == "shape") {
        if (haveShape)
          return fail("duplicate key 'shape'");
        if (!parseShape())
          return false;
        haveShape = true;
      } else {
        return fail("unexpected key '" + key + "' in the header");
      }
      skipSpace();
      if (consume('}'))
        break;
      if (!consume(','))
        return fail("expected ',' or '}' in the header dict");
    }
    while (pos_ < text_.size() &&
           (text_[pos_] == ' ' || text_[pos_] == '\n' || text_[pos_] == '\t' || text_[pos_] == '\r'))
      ++pos_;
    if (pos_ != text_.size())
      return fail("unexpected characters after the header dict");
    if (!haveDescr)
      return fail("header has no 'descr'");
    if (!haveFortran)
      return fail("header has no 'fortran_order'");
    if (!haveShape)
      return fail("header has no 'shape'");
    return true;
  }

private:
  std::string_view text_;
  size_t pos_ = 0;

  bool fail(std::string message) {
    if (error.empty())
      error = std::move(message);
    return false;
  }
  void skipSpace() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' ||
                                   text_[pos_] == '\n' || text_[pos_] == '\r'))
      ++pos_;
  }
  bool consume(char c) {
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  bool match(std::string_view word) {
    if (text_.substr(pos_, word.size()) == word) {
      pos_ += word.size();
      return true;
    }
    return false;
  }
  bool parseString(std::string &out) {
    if (pos_ >= text_.size() || (text_[pos_] != '\'' && text_[pos_] != '"'))
      return false;
    char quote = text_[pos_++];
    size_t start = pos_;
    while (pos_ < text_.size() && text_[pos_] != quote) {
      if (text_[pos_] == '\\' || text_[pos_] == '\n')
        return false;
      ++pos_;
    }
    if (pos_ >= text_.size())
      return false;
    out.assign(text_.substr(start, pos_ - start));
    ++pos_;
    return true;
  }
  bool parseShape() {
    if (!consume('('))
      return fail("'shape' is not a tuple");
    bool sawComma = false;
    while (true) {
      skipSpace();
      if (consume(')'))
        break;
      if (pos_ >= text_.size() || text_[pos_] < '0' || text_[pos_] > '9')
        return fail("'shape' contains something other than a non-negative integer");
      int64_t value = 0;
      while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') {
        if (__builtin_mul_overflow(value, int64_t(10), &value) ||
            __builtin_add_overflow(value, int64_t(text_[pos_] - '0'), &value))
          return fail("'shape' dimension is too large");
        ++pos_;
      }
      shape.push_back(value);
      skipSpace();
      if (consume(')'))
        break;
      if (!consume(','))
        return fail("expected ',' or ')' in 'shape'");
      sawComma = true;
    }
    if (shape.size() == 1 && !sawComma)
      return fail("'shape' is not a tuple (a 1-tuple needs a trailing comma)");
    return true;
  }
};

} // namespace

StatusOr<NpyArray> parseNpy(const uint8_t *data, size_t size, const std::string &displayName) {
  auto bad = [&](const std::string &message) {
    return Status::invalidArgument("npy file '" + displayName + "': " + message);
  };
  if (size < kMagicSize + 2 || std::memcmp(data, kMagic, kMagicSize) != 0)
    return bad("not a .npy file (bad magic string)");
  uint8_t major = data[6], minor = data[7];
  if (major < 1 || major > 3 || minor != 0)
    return bad("unsupported .npy format version " + std::to_string(major) + "." +
               std::to_string(minor));
  size_t lengthBytes = major == 1 ? 2 : 4;
  size_t prefix = kMagicSize + 2 + lengthBytes;
  if (size < prefix)
    return bad("truncated header");
  uint64_t headerLength = 0;
  for (size_t i = 0; i < lengthBytes; ++i)
    headerLength |= uint64_t(data[8 + i]) << (8 * i);
  if (headerLength > size - prefix)
    return bad("truncated header (header length " + std::to_string(headerLength) +
               " exceeds the file size of " + std::to_string(size) + " bytes)");
  std::string_view headerText(reinterpret_cast<const char *>(data + prefix), headerLength);

  HeaderParser header(headerText);
  if (!header.run())
    return bad("malformed header: " + header.error);

  NpyArray array;
  if (header.descr == "<f4")
    array.dtype = NpyDtype::Float32;
  else if (header.descr == "<i4")
    array.dtype = NpyDtype::Int32;
  else if (header.descr == "<i8")
    array.dtype = NpyDtype::Int64;
  else
    return bad("unsupported dtype '" + header.descr + "' (supported: '<f4', '<i4', '<i8')");
  if (header.fortranOrder)
    return bad("Fortran-order arrays are not supported (save a C-order array, e.g. "
               "numpy.ascontiguousarray)");
  array.shape = header.shape;

  // As numElements(): a zero dimension makes an empty array, however large
  // the others are.
  uint64_t elements = 1;
  if (std::find(array.shape.begin(), array.shape.end(), 0) != array.shape.end())
    elements = 0;
  else
    for (int64_t d : array.shape)
      if (__builtin_mul_overflow(elements, uint64_t(d), &elements))
        return bad("shape has too many elements");
  uint64_t expected;
  if (elements > uint64_t(INT64_MAX) ||
      __builtin_mul_overflow(elements, uint64_t(npyDtypeSize(array.dtype)), &expected))
    return bad("shape has too many elements");
  uint64_t available = size - prefix - headerLength;
  if (available < expected)
    return bad("truncated data: the shape needs " + std::to_string(expected) + " bytes, the file has " +
               std::to_string(available));
  if (available > expected)
    return bad("the file has " + std::to_string(available - expected) +
               " bytes after the data the shape describes");
  const uint8_t *begin = data + prefix + headerLength;
  array.bytes.assign(begin, begin + expected);
  return array;
}

StatusOr<NpyArray> readNpy(const std::string &path) {
  StatusOr<MappedFile> file = MappedFile::open(path);
  if (!file.ok())
    return file.status().withPrefix("npy file '" + path + "'");
  return parseNpy(file->data(), file->size(), path);
}

StatusOr<std::vector<int32_t>> npyToInt32(const NpyArray &array, const std::string &displayName) {
  std::vector<int32_t> out(static_cast<size_t>(array.numElements()));
  if (array.dtype == NpyDtype::Int32) {
    if (!out.empty())
      std::memcpy(out.data(), array.bytes.data(), out.size() * 4);
    return out;
  }
  if (array.dtype != NpyDtype::Int64)
    return Status::invalidArgument(displayName + ": dtype is '" + npyDescr(array.dtype) +
                                   "', expected an integer array ('<i4' or '<i8')");
  const int64_t *in = array.i64();
  for (size_t i = 0; i < out.size(); ++i) {
    if (in[i] < std::numeric_limits<int32_t>::min() || in[i] > std::numeric_limits<int32_t>::max())
      return Status::invalidArgument(displayName + ": element " + std::to_string(i) + " (" +
                                     std::to_string(in[i]) + ") does not fit in int32");
    out[i] = static_cast<int32_t>(in[i]);
  }
  return out;
}

std::vector<uint8_t> serializeNpyHeader(NpyDtype dtype, const std::vector<int64_t> &shape) {
  std::string dict = std::string("{'descr': '") + npyDescr(dtype) +
                     "', 'fortran_order': False, 'shape': (";
  for (size_t i = 0; i < shape.size(); ++i)
    dict += (i ? ", " : "") + std::to_string(shape[i]);
  if (shape.size() == 1)
    dict += ",";
  dict += "), }";
  // Magic (6) + version (2) + length (2, or 4 from version 2.0) + dict +
  // padding + '\n' is a multiple of 64.
  bool wide = 10 + dict.size() + 1 + 63 > 0xFFFF;
  size_t prefix = wide ? 12 : 10;
  size_t total = prefix + dict.size() + 1;
  dict.append((64 - total % 64) % 64, ' ');
  dict += '\n';
  std::vector<uint8_t> out(prefix + dict.size());
  std::memcpy(out.data(), kMagic, kMagicSize);
  out[6] = wide ? 2 : 1;
  out[7] = 0;
  for (size_t i = 0; i < prefix - 8; ++i)
    out[8 + i] = uint8_t(uint64_t(dict.size()) >> (8 * i));
  std::memcpy(out.data() + prefix, dict.data(), dict.size());
  return out;
}

namespace {
/// The data's byte size; false for a negative dimension or an overflow.
bool dataBytes(NpyDtype dtype, const std::vector<int64_t> &shape, uint64_t &bytes) {
  uint64_t elements = 1;
  for (int64_t d : shape)
    if (d < 0)
      return false;
  if (std::find(shape.begin(), shape.end(), 0) != shape.end())
    elements = 0;
  else
    for (int64_t d : shape)
      if (__builtin_mul_overflow(elements, uint64_t(d), &elements))
        return false;
  return !__builtin_mul_overflow(elements, uint64_t(npyDtypeSize(dtype)), &bytes) &&
         bytes <= uint64_t(SIZE_MAX);
}
} // namespace

std::vector<uint8_t> serializeNpy(NpyDtype dtype, const std::vector<int64_t> &shape,
                                  const void *data) {
  std::vector<uint8_t> out = serializeNpyHeader(dtype, shape);
  uint64_t bytes = 0;
  if (!dataBytes(dtype, shape, bytes))
    return {};
  size_t at = out.size();
  out.resize(at + size_t(bytes));
  if (bytes)
    std::memcpy(out.data() + at, data, size_t(bytes));
  return out;
}

Status npyPieces(NpyDtype dtype, const std::vector<int64_t> &shape, const void *data,
                 std::vector<uint8_t> &header, std::vector<ByteSpan> &pieces,
                 const std::string &displayName) {
  uint64_t bytes = 0;
  if (!dataBytes(dtype, shape, bytes))
    return Status::invalidArgument("npy file '" + displayName + "': the shape " +
                                   formatShape(shape) +
                                   " has a negative dimension or too many elements");
  header = serializeNpyHeader(dtype, shape);
  pieces = {{header.data(), header.size()}, {data, size_t(bytes)}};
  return Status();
}

namespace {
Status writeNpyImpl(const std::string &path, NpyDtype dtype, const std::vector<int64_t> &shape,
                    const void *data) {
  std::vector<uint8_t> header;
  std::vector<ByteSpan> pieces;
  LOOM_RETURN_IF_ERROR(npyPieces(dtype, shape, data, header, pieces, path));
  return writeFileAtomically(path, pieces.data(), pieces.size());
}
} // namespace

Status writeNpy(const std::string &path, const std::vector<int64_t> &shape, const float *data) {
  return writeNpyImpl(path, NpyDtype::Float32, shape, data);
}
Status writeNpy(const std::string &path, const std::vector<int64_t> &shape, const int32_t *data) {
  return writeNpyImpl(path, NpyDtype::Int32, shape, data);
}
Status writeNpy(const std::string &path, const std::vector<int64_t> &shape, const int64_t *data) {
  return writeNpyImpl(path, NpyDtype::Int64, shape, data);
}

} // namespace loom
