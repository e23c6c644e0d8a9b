//===- SafetensorsReader.cpp - Validated safetensors weights --------------===//

#include "loom/runtime/SafetensorsReader.h"

#include "loom/runtime/JsonReader.h"

#include <algorithm>
#include <cstring>
#include <set>

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "safetensors data is little-endian; the runtime assumes a little-endian host");

namespace loom {

size_t safetensorsDtypeSize(const std::string &dtype) {
  static const std::map<std::string, size_t> sizes = {
      {"BOOL", 1}, {"U8", 1},  {"I8", 1},  {"F8_E4M3", 1}, {"F8_E5M2", 1},
      {"I16", 2},  {"U16", 2}, {"F16", 2}, {"BF16", 2},    {"I32", 4},
      {"U32", 4},  {"F32", 4}, {"I64", 8}, {"U64", 8},     {"F64", 8}};
  auto it = sizes.find(dtype);
  return it == sizes.end() ? 0 : it->second;
}

std::string formatShape(const std::vector<int64_t> &shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i)
      s += ", ";
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

namespace {

std::string quoted(const std::string &name) { return "'" + name + "'"; }

/// What a JSON value is, for messages (as json::kindName names them).
enum class Kind { Null, Boolean, Integer, Number, String, Array, Object };

const char *kindName(Kind kind) {
  switch (kind) {
  case Kind::Null:
    return "null";
  case Kind::Boolean:
    return "boolean";
  case Kind::Integer:
    return "integer";
  case Kind::Number:
    return "number";
  case Kind::String:
    return "string";
  case Kind::Array:
    return "array";
  case Kind::Object:
    return "object";
  }
  return "?";
}

/// One header entry as its values arrive; checked when it closes.
struct Entry {
  std::string name;
  std::string unexpectedKey; // the first key that is none of the three
  bool haveDtype = false, haveShape = false, haveOffsets = false;
  Kind dtypeKind = Kind::Null;
  std::string dtype;
  bool shapeIsArray = false, offsetsAreArray = false;
  // Elements as they came; -1 stands for one that is not a non-negative
  // integer. The shape keeps at most kMaxSafetensorsRank + 1 (the count goes
  // on), so a shape of millions of dims costs nothing.
  std::vector<int64_t> shape, offsets;
  size_t rank = 0;
};

/// The checks of one complete entry, in a fixed order ("tensor 'x': ...").
Status checkEntry(const Entry &e, uint64_t dataSize, TensorInfo &info) {
  std::string where = "tensor " + quoted(e.name);
  if (!e.unexpectedKey.empty())
    return Status::badWeights(where + ": unexpected key '" + e.unexpectedKey +
                              "' in header entry");
  if (!e.haveDtype)
    return Status::badWeights(where + ": header entry has no \"dtype\"");
  if (!e.haveShape)
    return Status::badWeights(where + ": header entry has no \"shape\"");
  if (!e.haveOffsets)
    return Status::badWeights(where + ": header entry has no \"data_offsets\"");

  if (e.dtypeKind != Kind::String)
    return Status::badWeights(where + ": \"dtype\" is not a string");
  size_t elementSize = safetensorsDtypeSize(e.dtype);
  if (elementSize == 0)
    return Status::badWeights(where + ": unknown dtype '" + e.dtype + "'");

  if (!e.shapeIsArray)
    return Status::badWeights(where + ": \"shape\" is not an array");
  if (e.rank > kMaxSafetensorsRank)
    return Status::badWeights(where + ": its shape has " + std::to_string(e.rank) +
                              " dimensions, more than the limit of " +
                              std::to_string(kMaxSafetensorsRank));
  uint64_t elements = 1;
  info.shape.clear();
  for (size_t i = 0; i < e.shape.size(); ++i) {
    if (e.shape[i] < 0)
      return Status::badWeights(where + ": shape dimension " + std::to_string(i) +
                                " is not a non-negative integer");
    uint64_t d = static_cast<uint64_t>(e.shape[i]);
    if (__builtin_mul_overflow(elements, d, &elements) || elements > uint64_t(INT64_MAX))
      return Status::badWeights(where + ": the number of elements of its shape overflows");
    info.shape.push_back(e.shape[i]);
  }
  uint64_t byteSize;
  if (__builtin_mul_overflow(elements, uint64_t(elementSize), &byteSize))
    return Status::badWeights(where + ": its byte size overflows");

  if (!e.offsetsAreArray || e.offsets.size() != 2)
    return Status::badWeights(where + ": \"data_offsets\" is not an array [begin, end]");
  for (int64_t offset : e.offsets)
    if (offset < 0)
      return Status::badWeights(where + ": \"data_offsets\" are not non-negative integers");
  uint64_t begin = static_cast<uint64_t>(e.offsets[0]);
  uint64_t end = static_cast<uint64_t>(e.offsets[1]);
  std::string range = "[" + std::to_string(begin) + ", " + std::to_string(end) + ")";
  if (end < begin)
    return Status::badWeights(where + ": data_offsets " + range + " end before they begin");
  if (end > dataSize)
    return Status::badWeights(where + ": data_offsets " + range +
                              " lie outside the data area of " + std::to_string(dataSize) +
                              " bytes");
  if (end - begin != byteSize)
    return Status::badWeights(where + ": data_offsets " + range + " hold " +
                              std::to_string(end - begin) + " bytes, but " + e.dtype + " " +
                              formatShape(info.shape) + " needs " + std::to_string(byteSize));
  info.name = e.name;
  info.dtype = e.dtype;
  info.numElements = static_cast<int64_t>(elements);
  info.begin = begin;
  info.end = end;
  return Status();
}

/// Turns the header's JSON values straight into TensorInfos: no document is
/// built, so memory is the tensor list (at most kMaxSafetensorsTensors
/// entries) plus what the strict JSON layer keeps. "__metadata__" must be an
/// object; its contents, like the values of unexpected keys, are checked as
/// JSON and otherwise skipped. Errors are LOOM_ERROR_BAD_WEIGHTS without the
/// file's name; failed() tells them from the JSON layer's.
class HeaderHandler final : public json::Handler {
public:
  explicit HeaderHandler(uint64_t dataSize) : dataSize_(dataSize) {}

  std::vector<TensorInfo> tensors;
  bool failed() const { return failed_; }

  Status startObject() override { return open(Kind::Object); }
  Status startArray() override { return open(Kind::Array); }
  Status endObject() override { return close(); }
  Status endArray() override { return close(); }
  Status null() override { return scalar(Kind::Null, 0, {}); }
  Status boolean(bool) override { return scalar(Kind::Boolean, 0, {}); }
  Status integer(int64_t value) override { return scalar(Kind::Integer, value, {}); }
  Status number(double) override { return scalar(Kind::Number, 0, {}); }
  Status string(std::string_view value) override { return scalar(Kind::String, 0, value); }

  Status key(std::string_view name) override {
    if (skip_ > 0)
      return Status();
    if (where_ == Where::Root) {
      metadata_ = name == "__metadata__";
      if (!metadata_ && tensors.size() == kMaxSafetensorsTensors)
        return fail("the header has more than " + std::to_string(kMaxSafetensorsTensors) +
                    " tensors, the limit");
      entry_ = Entry();
      entry_.name = std::string(name);
    } else if (where_ == Where::Entry) {
      field_ = name == "dtype"          ? Field::Dtype
               : name == "shape"        ? Field::Shape
               : name == "data_offsets" ? Field::Offsets
                                        : Field::Other;
      entry_.haveDtype |= field_ == Field::Dtype;
      entry_.haveShape |= field_ == Field::Shape;
      entry_.haveOffsets |= field_ == Field::Offsets;
      if (field_ == Field::Other && entry_.unexpectedKey.empty())
        entry_.unexpectedKey = std::string(name);
    }
    return Status();
  }

private:
  /// The container the next value is in (while skip_ is 0).
  enum class Where { Top, Root, Entry, Shape, Offsets, Done };
  enum class Field { Dtype, Shape, Offsets, Other };

  uint64_t dataSize_;
  Where where_ = Where::Top;
  int skip_ = 0;          // > 0: inside a skipped value, this many containers deep
  bool metadata_ = false; // the root member being read is "__metadata__"
  Field field_ = Field::Other;
  Entry entry_;
  bool failed_ = false;

  Status fail(const std::string &message) {
    failed_ = true;
    return Status::badWeights(message);
  }

  /// An entry's or the root's value of the wrong kind.
  Status wrongKind(Kind kind) {
    if (where_ == Where::Top)
      return fail(std::string("header is a JSON ") + kindName(kind) + ", expected an object");
    if (metadata_)
      return fail("\"__metadata__\" is not an object");
    return fail("tensor " + quoted(entry_.name) + ": header entry is not an object (found " +
                kindName(kind) + ")");
  }

  /// An element of the shape or of data_offsets.
  void element(std::vector<int64_t> &into, bool good, int64_t value, bool isShape) {
    if (isShape && ++entry_.rank > kMaxSafetensorsRank + 1)
      return;
    into.push_back(good && value >= 0 ? value : -1);
  }

  Status open(Kind kind) {
    if (skip_ > 0) {
      ++skip_;
      return Status();
    }
    switch (where_) {
    case Where::Top:
      if (kind != Kind::Object)
        return wrongKind(kind);
      where_ = Where::Root;
      return Status();
    case Where::Root:
      if (kind != Kind::Object)
        return wrongKind(kind);
      if (metadata_)
        skip_ = 1; // its contents are not Loom's business
      else
        where_ = Where::Entry;
      return Status();
    case Where::Entry:
      if (field_ == Field::Dtype)
        entry_.dtypeKind = kind;
      if (field_ == Field::Shape && kind == Kind::Array) {
        entry_.shapeIsArray = true;
        entry_.shape.clear();
        entry_.rank = 0;
        where_ = Where::Shape;
        return Status();
      }
      if (field_ == Field::Offsets && kind == Kind::Array) {
        entry_.offsetsAreArray = true;
        entry_.offsets.clear();
        where_ = Where::Offsets;
        return Status();
      }
      if (field_ == Field::Shape)
        entry_.shapeIsArray = false;
      if (field_ == Field::Offsets)
        entry_.offsetsAreArray = false;
      skip_ = 1;
      return Status();
    case Where::Shape:
    case Where::Offsets: // a container as an element: not an integer
      element(where_ == Where::Shape ? entry_.shape : entry_.offsets, false, 0,
              where_ == Where::Shape);
      skip_ = 1;
      return Status();
    case Where::Done:
      break;
    }
    return Status::internal("safetensors header: a value after the root object");
  }

  Status close() {
    if (skip_ > 0) {
      --skip_;
      return Status();
    }
    switch (where_) {
    case Where::Root:
      where_ = Where::Done;
      return Status();
    case Where::Entry: {
      where_ = Where::Root;
      TensorInfo info;
      Status checked = checkEntry(entry_, dataSize_, info);
      if (!checked.ok())
        return fail(checked.message());
      tensors.push_back(std::move(info));
      return Status();
    }
    case Where::Shape:
    case Where::Offsets:
      where_ = Where::Entry;
      return Status();
    case Where::Top:
    case Where::Done:
      break;
    }
    return Status::internal("safetensors header: unbalanced JSON events");
  }

  Status scalar(Kind kind, int64_t value, std::string_view text) {
    if (skip_ > 0)
      return Status();
    switch (where_) {
    case Where::Top:
    case Where::Root:
      return wrongKind(kind);
    case Where::Entry:
      if (field_ == Field::Dtype) {
        entry_.dtypeKind = kind;
        entry_.dtype = std::string(text);
      } else if (field_ == Field::Shape) {
        entry_.shapeIsArray = false;
      } else if (field_ == Field::Offsets) {
        entry_.offsetsAreArray = false;
      }
      return Status();
    case Where::Shape:
      element(entry_.shape, kind == Kind::Integer, value, true);
      return Status();
    case Where::Offsets:
      element(entry_.offsets, kind == Kind::Integer, value, false);
      return Status();
    case Where::Done:
      break;
    }
    return Status::internal("safetensors header: a value after the root object");
  }
};

/// Collects the string members of the root's "__metadata__" object and
/// skips everything else (the header was checked when the file was opened).
class MetadataHandler final : public json::Handler {
public:
  std::map<std::string, std::string> entries;

  Status startObject() override { return open(Kind::Object); }
  Status startArray() override { return open(Kind::Array); }
  Status endObject() override { return close(); }
  Status endArray() override { return close(); }
  Status null() override { return value(Kind::Null); }
  Status boolean(bool) override { return value(Kind::Boolean); }
  Status integer(int64_t) override { return value(Kind::Integer); }
  Status number(double) override { return value(Kind::Number); }
  Status string(std::string_view text) override {
    if (inMetadata() && depth_ == 2) {
      if (entries.size() == kMaxSafetensorsMetadataEntries)
        return Status::badWeights("\"__metadata__\" has more than " +
                                  std::to_string(kMaxSafetensorsMetadataEntries) +
                                  " entries, the limit");
      entries[key_] = std::string(text);
    }
    return Status();
  }
  Status key(std::string_view name) override {
    if (depth_ == 1)
      rootKey_ = std::string(name);
    else if (inMetadata() && depth_ == 2)
      key_ = std::string(name);
    return Status();
  }

private:
  bool inMetadata() const { return rootKey_ == "__metadata__"; }
  Status value(Kind kind) {
    if (inMetadata() && depth_ == 2)
      return notAString(kind);
    return Status();
  }
  Status notAString(Kind kind) {
    return Status::badWeights("\"__metadata__\" entry '" + key_ + "' is " +
                              (std::strchr("aeiou", kindName(kind)[0]) ? "an " : "a ") +
                              kindName(kind) + ", not a string");
  }
  Status open(Kind kind) {
    if (inMetadata() && depth_ == 2)
      return notAString(kind);
    ++depth_;
    return Status();
  }
  Status close() {
    --depth_;
    return Status();
  }

  int depth_ = 0; // containers open around the next value
  std::string rootKey_, key_;
};

} // namespace

StatusOr<std::map<std::string, std::string>> SafetensorsReader::metadata() const {
  std::string_view headerText(reinterpret_cast<const char *>(bytes_ + 8), headerLength_);
  MetadataHandler handler;
  Status parsed = json::parse(headerText, handler);
  if (!parsed.ok())
    return parsed.withPrefix(prefix());
  return std::move(handler.entries);
}

StatusOr<SafetensorsReader> SafetensorsReader::open(const std::string &path,
                                                    const std::string &kind) {
  StatusOr<MappedFile> file = MappedFile::open(path);
  if (!file.ok())
    return file.status().withPrefix(kind + " '" + path + "'");
  SafetensorsReader reader;
  reader.path_ = path;
  reader.kind_ = kind;
  reader.mapping_ = std::move(file).value();
  reader.bytes_ = reader.mapping_.data();
  reader.size_ = reader.mapping_.size();
  return parse(std::move(reader));
}

StatusOr<SafetensorsReader> SafetensorsReader::fromBytes(std::vector<uint8_t> bytes,
                                                         const std::string &displayName,
                                                         const std::string &kind) {
  SafetensorsReader reader;
  reader.path_ = displayName;
  reader.kind_ = kind;
  reader.ownedBytes_ = std::move(bytes);
  reader.bytes_ = reader.ownedBytes_.data();
  reader.size_ = reader.ownedBytes_.size();
  return parse(std::move(reader));
}

StatusOr<SafetensorsReader> SafetensorsReader::openChecked(const std::string &path,
                                                           const std::vector<TensorSpec> &expected) {
  StatusOr<SafetensorsReader> reader = open(path);
  if (!reader.ok())
    return reader;
  Status check = reader->checkExpected(expected);
  if (!check.ok())
    return check;
  return reader;
}

std::string SafetensorsReader::prefix() const { return kind_ + " '" + path_ + "'"; }

StatusOr<SafetensorsReader> SafetensorsReader::parse(SafetensorsReader r) {
  const std::string prefix = r.prefix();
  auto bad = [&](const std::string &message) {
    return Status::badWeights(prefix + ": " + message);
  };
  if (r.size_ < 8)
    return bad("file is " + std::to_string(r.size_) +
               " bytes, too short for the 8-byte header length");
  uint64_t headerLength = 0;
  for (int i = 7; i >= 0; --i)
    headerLength = (headerLength << 8) | r.bytes_[i];
  if (headerLength > kMaxSafetensorsHeaderBytes)
    return bad("header length " + std::to_string(headerLength) + " is larger than the limit of " +
               std::to_string(kMaxSafetensorsHeaderBytes) + " bytes");
  if (headerLength > r.size_ - 8)
    return bad("header length " + std::to_string(headerLength) + " exceeds the file size (" +
               std::to_string(r.size_) + " bytes)");

  r.headerLength_ = headerLength;
  r.dataArea_ = r.bytes_ + 8 + headerLength;
  r.dataSize_ = r.size_ - 8 - headerLength;

  std::string_view headerText(reinterpret_cast<const char *>(r.bytes_ + 8), headerLength);
  HeaderHandler handler(r.dataSize_);
  Status parsed = json::parse(headerText, handler);
  if (!parsed.ok()) {
    if (handler.failed() || parsed.code() != LOOM_ERROR_INVALID_ARGUMENT)
      return parsed.withPrefix(prefix);
    return bad("header is not valid JSON: " + parsed.message());
  }
  std::vector<TensorInfo> tensors = std::move(handler.tensors);
  // (Duplicate names were already refused by the JSON parser.)

  // The tensors must tile the data area: sorted by offset, each one starts
  // where the previous one ended, and the last one ends at the end of the file.
  std::vector<const TensorInfo *> byOffset;
  for (const TensorInfo &t : tensors)
    byOffset.push_back(&t);
  std::sort(byOffset.begin(), byOffset.end(), [](const TensorInfo *a, const TensorInfo *b) {
    return a->begin != b->begin ? a->begin < b->begin : a->end < b->end;
  });
  uint64_t covered = 0;
  const TensorInfo *previous = nullptr;
  for (const TensorInfo *t : byOffset) {
    auto range = [](const TensorInfo *x) {
      return "[" + std::to_string(x->begin) + ", " + std::to_string(x->end) + ")";
    };
    if (t->begin < covered)
      return bad("tensor " + quoted(t->name) + " (bytes " + range(t) + ") overlaps tensor " +
                 quoted(previous->name) + " (bytes " + range(previous) + ")");
    if (t->begin > covered)
      return bad("tensor " + quoted(t->name) + " starts at byte " + std::to_string(t->begin) +
                 " of the data area, leaving a gap after byte " + std::to_string(covered));
    covered = t->end;
    previous = t;
  }
  if (covered != r.dataSize_)
    return bad("the data area has " + std::to_string(r.dataSize_) +
               " bytes but the tensors cover only " + std::to_string(covered));

  // Typed pointers into the data need natural alignment. The mapping is page
  // aligned, so this only fails for unusual header lengths: then one aligned
  // copy of the data area is made.
  bool aligned = true;
  for (const TensorInfo &t : tensors) {
    size_t size = safetensorsDtypeSize(t.dtype);
    if (reinterpret_cast<uintptr_t>(r.dataArea_ + t.begin) % size != 0)
      aligned = false;
  }
  if (!aligned) {
    size_t bytes = ((r.dataSize_ + 63) / 64) * 64;
    uint8_t *copy = static_cast<uint8_t *>(std::aligned_alloc(64, bytes == 0 ? 64 : bytes));
    if (!copy)
      return Status::outOfMemory(prefix + ": cannot allocate " + std::to_string(bytes) +
                                 " bytes to align the tensor data");
    std::memcpy(copy, r.dataArea_, r.dataSize_);
    r.alignedCopy_.reset(copy);
    r.dataArea_ = copy;
  }

  std::sort(tensors.begin(), tensors.end(),
            [](const TensorInfo &a, const TensorInfo &b) { return a.name < b.name; });
  r.tensors_ = std::move(tensors);
  for (size_t i = 0; i < r.tensors_.size(); ++i)
    r.index_.emplace(r.tensors_[i].name, i);
  return StatusOr<SafetensorsReader>(std::move(r));
}

const TensorInfo *SafetensorsReader::find(const std::string &name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : &tensors_[it->second];
}

const float *SafetensorsReader::f32(const std::string &name) const {
  const TensorInfo *info = find(name);
  if (!info || info->dtype != "F32")
    return nullptr;
  return reinterpret_cast<const float *>(data(*info));
}

Status SafetensorsReader::checkExpected(const std::vector<TensorSpec> &expected) const {
  const std::string prefix = this->prefix() + ": ";
  std::vector<std::string> problems;
  std::set<std::string> expectedNames;
  for (const TensorSpec &spec : expected) {
    if (!expectedNames.insert(spec.name).second)
      return Status::internal(prefix + "tensor '" + spec.name + "' is expected twice");
    const TensorInfo *info = find(spec.name);
    if (!info) {
      problems.push_back("missing tensor '" + spec.name + "' (expected " + spec.dtype + " " +
                         formatShape(spec.shape) + ")");
    } else if (info->dtype != spec.dtype) {
      problems.push_back("tensor '" + spec.name + "' has dtype " + info->dtype + ", expected " +
                         spec.dtype);
    } else if (info->shape != spec.shape) {
      problems.push_back("tensor '" + spec.name + "' has shape " + formatShape(info->shape) +
                         ", expected " + formatShape(spec.shape));
    }
  }
  for (const TensorInfo &info : tensors_)
    if (!expectedNames.count(info.name))
      problems.push_back("unexpected tensor '" + info.name + "' (" + info.dtype + " " +
                         formatShape(info.shape) + ")");
  if (problems.empty())
    return Status();
  std::string message = prefix + problems.front();
  if (problems.size() > 1)
    message += " (and " + std::to_string(problems.size() - 1) + " more problem" +
               (problems.size() > 2 ? "s" : "") + ")";
  return Status::badWeights(message);
}

} // namespace loom
