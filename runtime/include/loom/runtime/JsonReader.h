//===- JsonReader.h - Strict JSON parsing with RapidJSON --------*- C++ -*-===//
//
// Parses safetensors headers: RapidJSON's SAX reader builds a RapidJSON
// document through a handler that adds what RapidJSON does not check itself.
// Refused, with the byte offset: anything outside RFC 8259 (comments, trailing
// commas, NaN/Infinity, single quotes, leading zeros, unescaped control
// characters), invalid UTF-8 whether raw or escaped (a lone \u surrogate),
// duplicate keys in any object, nesting deeper than kMaxDepth (which also
// bounds RapidJSON's recursion), numbers beyond the double range, and
// anything but whitespace after the value. Integers without fraction or
// exponent that fit in int64 stay exact (IsInt64()); other numbers are not
// IsInt64(), so callers wanting an exact integer refuse them.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_RUNTIME_JSONREADER_H
#define LOOM_RUNTIME_JSONREADER_H

#include "loom/runtime/Status.h"

#include <rapidjson/document.h>

#include <string_view>

namespace loom::json {

constexpr int kMaxDepth = 64;

/// Parses one JSON value (surrounded by optional whitespace). Errors are
/// LOOM_ERROR_INVALID_ARGUMENT with a message "offset N: <what>".
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
