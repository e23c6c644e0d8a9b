//===- SafetensorsWriter.cpp - Writing F32 safetensors files --------------===//

#include "loom/runtime/SafetensorsWriter.h"

#include "loom/runtime/JsonReader.h"
#include "loom/runtime/MappedFile.h"

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
  std::string h = "{";
  bool first = true;
  if (!metadata_.empty()) {
    h += "\"__metadata__\":{";
    for (auto it = metadata_.begin(); it != metadata_.end(); ++it) {
      if (it != metadata_.begin())
        h += ",";
      h += json::quote(it->first) + ":" + json::quote(it->second);
    }
    h += "}";
    first = false;
  }
  uint64_t offset = 0;
  for (const auto &[name, entry] : entries_) {
    if (!first)
      h += ",";
    first = false;
    h += json::quote(name) + ":{\"dtype\":\"F32\",\"shape\":[";
    for (size_t i = 0; i < entry.shape.size(); ++i)
      h += (i ? "," : "") + std::to_string(entry.shape[i]);
    h += "],\"data_offsets\":[" + std::to_string(offset) + "," +
         std::to_string(offset + entry.bytes) + "]}";
    offset += entry.bytes;
  }
  h += "}";
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
