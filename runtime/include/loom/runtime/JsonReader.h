//===- JsonReader.h - A small strict JSON parser ----------------*- C++ -*-===//
//
// Enough JSON for safetensors headers (RFC 8259, strict): objects, arrays,
// strings with all escapes (\uXXXX and surrogate pairs, decoded to UTF-8),
// numbers, true/false/null. Anything else is an error with a byte offset:
// trailing commas, comments, unescaped control characters, invalid UTF-8,
// lone surrogates, duplicate object keys, trailing garbage, nesting deeper than
// kMaxDepth. Integers without fraction/exponent that fit in int64 are kept
// exact (Kind::Integer); other numbers are doubles (Kind::Number).
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_RUNTIME_JSONREADER_H
#define LOOM_RUNTIME_JSONREADER_H

#include "loom/runtime/Status.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace loom::json {

class Value {
public:
  enum class Kind { Null, Bool, Integer, Number, String, Array, Object };

  Value() = default; // null
  static Value makeBool(bool b);
  static Value makeInteger(int64_t i);
  static Value makeNumber(double d);
  static Value makeString(std::string s);
  static Value makeArray(std::vector<Value> items);
  /// keys.size() must equal items.size(); keys are unique.
  static Value makeObject(std::vector<std::string> keys, std::vector<Value> items);

  Kind kind() const { return kind_; }
  bool isNull() const { return kind_ == Kind::Null; }
  bool isBool() const { return kind_ == Kind::Bool; }
  bool isInteger() const { return kind_ == Kind::Integer; }
  bool isNumber() const { return kind_ == Kind::Number || kind_ == Kind::Integer; }
  bool isString() const { return kind_ == Kind::String; }
  bool isArray() const { return kind_ == Kind::Array; }
  bool isObject() const { return kind_ == Kind::Object; }

  bool asBool() const { return boolValue_; }
  int64_t asInteger() const { return intValue_; }
  double asNumber() const { return kind_ == Kind::Integer ? double(intValue_) : numberValue_; }
  const std::string &asString() const { return string_; }

  /// Arrays and objects: number of elements / members.
  size_t size() const { return items_.size(); }
  /// Arrays and objects: element / member value i.
  const Value &at(size_t i) const { return items_[i]; }
  /// Objects: key of member i, in document order.
  const std::string &keyAt(size_t i) const { return keys_[i]; }
  /// Objects: member named `key`, or nullptr.
  const Value *find(std::string_view key) const;

private:
  Kind kind_ = Kind::Null;
  bool boolValue_ = false;
  int64_t intValue_ = 0;
  double numberValue_ = 0;
  std::string string_;
  std::vector<std::string> keys_;
  std::vector<Value> items_;
};

/// Name of a kind for messages: "null", "boolean", "integer", "number", ...
const char *kindName(Value::Kind kind);

constexpr int kMaxDepth = 64;

/// Parses one JSON value (surrounded by optional whitespace). Errors are
/// LOOM_ERROR_INVALID_ARGUMENT with a message "offset N: <what>".
StatusOr<Value> parse(std::string_view text);

/// Writes `s` as a JSON string literal (quotes included).
std::string quote(std::string_view s);

} // namespace loom::json

#endif // LOOM_RUNTIME_JSONREADER_H
