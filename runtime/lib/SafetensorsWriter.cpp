//===- SafetensorsWriter.cpp - Writing F32 safetensors files --------------===//

#include "loom/runtime/SafetensorsWriter.h"

#include "loom/runtime/OutputFile.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstring>

namespace loom {

Status SafetensorsWriter::addF32(const std::string &name, const std::vector<int64_t> &shape,
                                 const float *data) {
  if (name.empty())
    return Status::invalidArgument("safetensors writer: empty tensor name");
  if (name == "__metadata__")
    return Status::invalidArgument("safetensors writer: '__metadata__' is reserved");
  if (entries_.count(name))
    return Status::invalidArgument("safetensors writer: tensor '" + name + "' added twice");
  uint64_t elements = 1;
  for (int64_t d : shape) {
    if (d < 0 || __builtin_mul_overflow(elements, uint64_t(d), &elements) ||
        elements > uint64_t(INT64_MAX) / 4)
      return Status::invalidArgument("safetensors writer: tensor '" + name +
                                     "' has an invalid shape");
  }
  if (elements > 0 && !data)
    return Status::invalidArgument("safetensors writer: tensor '" + name + "' has no data");
  entries_[name] = Entry{shape, data, elements * 4};
  return Status();
}

void SafetensorsWriter::setMetadata(const std::string &key, const std::string &value) {
  metadata_[key] = value;
}

std::string SafetensorsWriter::header() const {
  // RapidJSON's writer escapes names and metadata (quotes, backslashes,
  // control characters) and writes the JSON compactly.
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> json(buffer);
  auto writeKey = [&](const std::string &s) { json.Key(s.data(), rapidjson::SizeType(s.size())); };
  auto writeString = [&](const std::string &s) {
    json.String(s.data(), rapidjson::SizeType(s.size()));
  };
  json.StartObject();
  if (!metadata_.empty()) {
    json.Key("__metadata__");
    json.StartObject();
    for (const auto &[key, value] : metadata_) {
      writeKey(key);
      writeString(value);
    }
    json.EndObject();
  }
  uint64_t offset = 0;
  for (const auto &[name, entry] : entries_) {
    writeKey(name);
    json.StartObject();
    json.Key("dtype");
    json.String("F32");
    json.Key("shape");
    json.StartArray();
    for (int64_t d : entry.shape)
      json.Int64(d);
    json.EndArray();
    json.Key("data_offsets");
    json.StartArray();
    json.Uint64(offset);
    json.Uint64(offset + entry.bytes);
    json.EndArray();
    json.EndObject();
    offset += entry.bytes;
  }
  json.EndObject();
  std::string h(buffer.GetString(), buffer.GetSize());
  // Pad so that the data area (after the 8-byte length) starts 8-byte aligned.
  h.append((8 - h.size() % 8) % 8, ' ');
  return h;
}

std::vector<uint8_t> SafetensorsWriter::serialize() const {
  std::string h = header();
  size_t total = 8 + h.size();
  for (const auto &[name, entry] : entries_)
    total += entry.bytes;
  // Sized once and filled with memcpy (vector::insert of ranges trips a GCC 12
  // -Warray-bounds false positive).
  std::vector<uint8_t> out(total);
  uint64_t length = h.size();
  for (int i = 0; i < 8; ++i)
    out[i] = uint8_t(length >> (8 * i));
  std::memcpy(out.data() + 8, h.data(), h.size());
  size_t at = 8 + h.size();
  for (const auto &[name, entry] : entries_) {
    if (entry.bytes)
      std::memcpy(out.data() + at, entry.data, entry.bytes);
    at += entry.bytes;
  }
  return out;
}

Status SafetensorsWriter::write(const std::string &path) const {
  std::string h = header();
  uint8_t length[8];
  uint64_t n = h.size();
  for (int i = 0; i < 8; ++i)
    length[i] = uint8_t(n >> (8 * i));
  std::vector<ByteSpan> pieces = {{length, 8}, {h.data(), h.size()}};
  for (const auto &[name, entry] : entries_)
    pieces.push_back({entry.data, entry.bytes});
  return writeFileAtomically(path, pieces.data(), pieces.size());
}

} // namespace loom
