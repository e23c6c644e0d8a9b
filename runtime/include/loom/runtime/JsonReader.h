//===- JsonReader.h - Strict JSON parsing with RapidJSON --------*- C++ -*-===//
//
// Parses safetensors headers. RapidJSON's SAX reader does the syntax; a
// strict layer adds what RapidJSON does not check itself, then hands each
// value to a Handler (SafetensorsReader's builds its tensor list directly,
// so no document is ever built for a header) or, through parse(text), to a
// RapidJSON document. Refused, with the byte offset: anything outside RFC
// 8259 (comments, trailing commas, NaN/Infinity, single quotes, leading
// zeros, unescaped control characters), invalid UTF-8 whether raw or escaped
// (a lone \u surrogate), duplicate keys in any object, nesting deeper than
// kMaxDepth (which also bounds RapidJSON's recursion), numbers beyond the
// double range, and anything but whitespace after the value. Integers
// without fraction or exponent that fit in int64 stay exact (IsInt64(),
// Handler::integer); other numbers are not, so callers wanting an exact
// integer refuse them.
//
// Memory: besides what a Handler keeps, the strict layer holds the longest
// string being decoded and the keys of the objects open at the moment (to
// find duplicates, compared when their object closes): a few bytes per key
// beyond its text, so it stays proportional to the input.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_RUNTIME_JSONREADER_H
#define LOOM_RUNTIME_JSONREADER_H

#include "loom/runtime/Status.h"

#include <rapidjson/document.h>

#include <cstdint>
#include <string_view>

namespace loom::json {

constexpr int kMaxDepth = 64;

/// Receives the values of a JSON text in document order, once the strict
/// layer has checked them. Each call returns OK to go on, or the Status
/// that stops the parse (parse() returns it unchanged). A duplicate key is
/// reported when its object closes, before endObject() is called for it.
class Handler {
public:
  virtual ~Handler() = default;
  virtual Status startObject() = 0;
  /// A member's name, decoded (it may hold NULs).
  virtual Status key(std::string_view name) = 0;
  virtual Status endObject() = 0;
  virtual Status startArray() = 0;
  virtual Status endArray() = 0;
  virtual Status null() = 0;
  virtual Status boolean(bool value) = 0;
  /// A number without fraction or exponent that fits in int64.
  virtual Status integer(int64_t value) = 0;
  /// Any other number (an underflow reads as 0 or a subnormal).
  virtual Status number(double value) = 0;
  /// A string value, decoded (it may hold NULs).
  virtual Status string(std::string_view value) = 0;
};

/// Parses one JSON value (surrounded by optional whitespace), handing it to
/// `handler`. Errors of the text are LOOM_ERROR_INVALID_ARGUMENT with a
/// message "offset N: <what>"; a handler's error is returned as it is.
Status parse(std::string_view text, Handler &handler);

/// parse() into a RapidJSON document (for tests and tools; memory is a
/// multiple of the text's size).
StatusOr<rapidjson::Document> parse(std::string_view text);

/// What a value is, for messages: "null", "boolean", "integer" (exact int64),
/// "number", "string", "array" or "object".
const char *kindName(const rapidjson::Value &value);

/// A string value's bytes (it may hold NULs, from \u0000).
inline std::string_view stringOf(const rapidjson::Value &value) {
  return std::string_view(value.GetString(), value.GetStringLength());
}

} // namespace loom::json

#endif // LOOM_RUNTIME_JSONREADER_H
