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

/// The member `key` of an object, or nullptr.
const rapidjson::Value *member(const rapidjson::Value &object, const char *key) {
  auto it = object.FindMember(key);
  return it == object.MemberEnd() ? nullptr : &it->value;
}

/// Validates one header entry into `info` ("tensor 'x': ..." messages).
Status parseEntry(const std::string &name, const rapidjson::Value &entry, uint64_t dataSize,
                  TensorInfo &info) {
  std::string where = "tensor " + quoted(name);
  if (!entry.IsObject())
    return Status::badWeights(where + ": header entry is not an object (found " +
                              std::string(json::kindName(entry)) + ")");
  for (auto it = entry.MemberBegin(); it != entry.MemberEnd(); ++it) {
    std::string key(json::stringOf(it->name));
    if (key != "dtype" && key != "shape" && key != "data_offsets")
      return Status::badWeights(where + ": unexpected key '" + key + "' in header entry");
  }
  const rapidjson::Value *dtype = member(entry, "dtype");
  const rapidjson::Value *shape = member(entry, "shape");
  const rapidjson::Value *offsets = member(entry, "data_offsets");
  if (!dtype)
    return Status::badWeights(where + ": header entry has no \"dtype\"");
  if (!shape)
    return Status::badWeights(where + ": header entry has no \"shape\"");
  if (!offsets)
    return Status::badWeights(where + ": header entry has no \"data_offsets\"");

  if (!dtype->IsString())
    return Status::badWeights(where + ": \"dtype\" is not a string");
  std::string dtypeName(json::stringOf(*dtype));
  size_t elementSize = safetensorsDtypeSize(dtypeName);
  if (elementSize == 0)
    return Status::badWeights(where + ": unknown dtype '" + dtypeName + "'");

  if (!shape->IsArray())
    return Status::badWeights(where + ": \"shape\" is not an array");
  uint64_t elements = 1;
  info.shape.clear();
  for (rapidjson::SizeType i = 0; i < shape->Size(); ++i) {
    const rapidjson::Value &dim = (*shape)[i];
    if (!dim.IsInt64() || dim.GetInt64() < 0)
      return Status::badWeights(where + ": shape dimension " + std::to_string(i) +
                                " is not a non-negative integer");
    uint64_t d = static_cast<uint64_t>(dim.GetInt64());
    if (__builtin_mul_overflow(elements, d, &elements) || elements > uint64_t(INT64_MAX))
      return Status::badWeights(where + ": the number of elements of its shape overflows");
    info.shape.push_back(dim.GetInt64());
  }
  uint64_t byteSize;
  if (__builtin_mul_overflow(elements, uint64_t(elementSize), &byteSize))
    return Status::badWeights(where + ": its byte size overflows");

  if (!offsets->IsArray() || offsets->Size() != 2)
    return Status::badWeights(where + ": \"data_offsets\" is not an array [begin, end]");
  for (const rapidjson::Value &offset : offsets->GetArray())
    if (!offset.IsInt64() || offset.GetInt64() < 0)
      return Status::badWeights(where + ": \"data_offsets\" are not non-negative integers");
  uint64_t begin = static_cast<uint64_t>((*offsets)[0u].GetInt64());
  uint64_t end = static_cast<uint64_t>((*offsets)[1u].GetInt64());
  std::string range = "[" + std::to_string(begin) + ", " + std::to_string(end) + ")";
  if (end < begin)
    return Status::badWeights(where + ": data_offsets " + range + " end before they begin");
  if (end > dataSize)
    return Status::badWeights(where + ": data_offsets " + range +
                              " lie outside the data area of " + std::to_string(dataSize) +
                              " bytes");
  if (end - begin != byteSize)
    return Status::badWeights(where + ": data_offsets " + range + " hold " +
                              std::to_string(end - begin) + " bytes, but " + dtypeName +
                              " " + formatShape(info.shape) + " needs " +
                              std::to_string(byteSize));
  info.name = name;
  info.dtype = dtypeName;
  info.numElements = static_cast<int64_t>(elements);
  info.begin = begin;
  info.end = end;
  return Status();
}

} // namespace

StatusOr<SafetensorsReader> SafetensorsReader::open(const std::string &path) {
  StatusOr<MappedFile> file = MappedFile::open(path);
  if (!file.ok())
    return file.status().withPrefix("weights file '" + path + "'");
  SafetensorsReader reader;
  reader.path_ = path;
  reader.mapping_ = std::move(file).value();
  reader.bytes_ = reader.mapping_.data();
  reader.size_ = reader.mapping_.size();
  return parse(std::move(reader));
}

StatusOr<SafetensorsReader> SafetensorsReader::fromBytes(std::vector<uint8_t> bytes,
                                                         const std::string &displayName) {
  SafetensorsReader reader;
  reader.path_ = displayName;
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

StatusOr<SafetensorsReader> SafetensorsReader::parse(SafetensorsReader r) {
  const std::string prefix = "weights file '" + r.path_ + "'";
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

  std::string_view headerText(reinterpret_cast<const char *>(r.bytes_ + 8), headerLength);
  StatusOr<rapidjson::Document> header = json::parse(headerText);
  if (!header.ok())
    return bad("header is not valid JSON: " + header.status().message());
  if (!header->IsObject())
    return bad("header is a JSON " + std::string(json::kindName(*header)) +
               ", expected an object");

  r.dataArea_ = r.bytes_ + 8 + headerLength;
  r.dataSize_ = r.size_ - 8 - headerLength;

  std::vector<TensorInfo> tensors;
  for (auto it = header->MemberBegin(); it != header->MemberEnd(); ++it) {
    std::string name(json::stringOf(it->name));
    const rapidjson::Value &entry = it->value;
    if (name == "__metadata__") {
      if (!entry.IsObject())
        return bad("\"__metadata__\" is not an object");
      continue;
    }
    TensorInfo info;
    Status s = parseEntry(name, entry, r.dataSize_, info);
    if (!s.ok())
      return s.withPrefix(prefix);
    tensors.push_back(std::move(info));
  }
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
  const std::string prefix = "weights file '" + path_ + "': ";
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
