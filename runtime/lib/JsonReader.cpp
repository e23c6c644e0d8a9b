//===- JsonReader.cpp - Strict JSON parsing with RapidJSON ----------------===//

#include "loom/runtime/JsonReader.h"

#include <rapidjson/encodings.h>
#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <unordered_set>
#include <vector>

namespace loom::json {

const char *kindName(const rapidjson::Value &value) {
  if (value.IsNull())
    return "null";
  if (value.IsBool())
    return "boolean";
  if (value.IsInt64())
    return "integer";
  if (value.IsNumber())
    return "number";
  if (value.IsString())
    return "string";
  if (value.IsArray())
    return "array";
  return "object";
}

namespace {

// Strict RFC 8259 is RapidJSON's default (no comments, trailing commas or
// NaN/Infinity); on top: validate UTF-8, hand numbers over as text, and stop
// after the value so that parse() itself checks what follows (RapidJSON would
// take a NUL byte for the end of the input). Numbers come as text because
// RapidJSON 1.1.0 (Debian's) converts some crafted long or extreme ones by
// reading out of bounds (upstream issue #1251, CVE-2024-38517); it still
// checks their syntax.
constexpr unsigned kParseFlags = rapidjson::kParseValidateEncodingFlag |
                                 rapidjson::kParseNumbersAsStringsFlag |
                                 rapidjson::kParseStopWhenDoneFlag;

Status errorAt(size_t offset, const std::string &message) {
  return Status::invalidArgument("offset " + std::to_string(offset) + ": " + message);
}

std::string describe(unsigned char c) {
  if (c >= 0x20 && c < 0x7F)
    return std::string("'") + char(c) + "'";
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02X", c);
  return buf;
}

/// RapidJSON's message ("Invalid value." -> "invalid value") and the byte it
/// stopped at: a NUL byte inside the text reads as the end of the input to
/// RapidJSON, so saying which it was avoids a puzzling message.
Status syntaxError(std::string_view text, const rapidjson::ParseResult &result) {
  size_t at = result.Offset();
  std::string what = rapidjson::GetParseError_En(result.Code());
  if (!what.empty() && what.back() == '.')
    what.pop_back();
  if (!what.empty())
    what[0] = char(std::tolower(static_cast<unsigned char>(what[0])));
  // RapidJSON reports a raw control character as an invalid escape.
  if (result.Code() == rapidjson::kParseErrorStringEscapeInvalid && at < text.size() &&
      text[at] != '\\')
    what = "unescaped control character in string";
  what += at < text.size() ? ", found " + describe(static_cast<unsigned char>(text[at]))
                           : " (at the end of the input)";
  return errorAt(at, what);
}

/// `s` as a JSON string literal, for messages.
std::string quote(const char *s, rapidjson::SizeType length) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  writer.String(s, length);
  return std::string(buffer.GetString(), buffer.GetSize());
}

/// Forwards RapidJSON's SAX events to the document being built and refuses
/// what RapidJSON lets through: duplicate keys, deep nesting, lone low
/// surrogates. Returning false stops the reader (kParseErrorTermination);
/// error() says why.
class StrictHandler {
public:
  StrictHandler(std::string_view text, const rapidjson::MemoryStream &stream,
                rapidjson::Document &document)
      : text_(text), stream_(stream), document_(document) {}

  const Status &error() const { return error_; }

  bool Null() { return document_.Null(); }
  bool Bool(bool b) { return document_.Bool(b); }
  // With kParseNumbersAsStringsFlag numbers arrive as RawNumber, not as these.
  bool Int(int i) { return document_.Int(i); }
  bool Uint(unsigned u) { return document_.Uint(u); }
  bool Int64(int64_t i) { return document_.Int64(i); }
  bool Uint64(uint64_t u) { return document_.Uint64(u); }
  bool Double(double d) { return document_.Double(d); }

  /// A number token RapidJSON has checked: one that fits int64 stays exact,
  /// anything else becomes a double (an overflow is refused, an underflow
  /// reads as 0 or a subnormal). No safetensors check uses a double's value.
  bool RawNumber(const char *s, rapidjson::SizeType length, bool) {
    int64_t integer;
    std::from_chars_result r = std::from_chars(s, s + length, integer);
    if (r.ec == std::errc() && r.ptr == s + length)
      return document_.Int64(integer);
    double d = std::strtod(std::string(s, length).c_str(), nullptr);
    if (std::isinf(d))
      return fail(stream_.Tell() - length, "number out of the range of a double");
    return document_.Double(d);
  }

  bool String(const char *s, rapidjson::SizeType length, bool copy) {
    return checkEscapes(s, length) && document_.String(s, length, copy);
  }

  bool Key(const char *s, rapidjson::SizeType length, bool copy) {
    if (!checkEscapes(s, length))
      return false;
    if (!keys_.back().emplace(s, length).second)
      return fail(stringStart(), "duplicate key " + quote(s, length) + " in object");
    return document_.Key(s, length, copy);
  }

  bool StartObject() { return enter() && document_.StartObject(); }
  bool EndObject(rapidjson::SizeType members) {
    keys_.pop_back();
    return document_.EndObject(members);
  }
  bool StartArray() { return enter() && document_.StartArray(); }
  bool EndArray(rapidjson::SizeType elements) {
    keys_.pop_back();
    return document_.EndArray(elements);
  }

private:
  std::string_view text_;
  const rapidjson::MemoryStream &stream_; // where the reader is
  rapidjson::Document &document_;
  // The keys seen so far in each open object or array (arrays' sets stay
  // empty), innermost last: its size is the nesting depth.
  std::vector<std::unordered_set<std::string>> keys_;
  Status error_;

  bool fail(size_t offset, const std::string &message) {
    error_ = errorAt(offset, message);
    return false;
  }

  bool enter() {
    if (keys_.size() >= size_t(kMaxDepth)) // at the '[' or '{' just read
      return fail(stream_.Tell() - 1, "nesting deeper than " + std::to_string(kMaxDepth));
    keys_.emplace_back();
    return true;
  }

  /// Where the string just read starts. RapidJSON reports a string after its
  /// closing quote; inside it, every '"' follows an odd run of backslashes, so
  /// the opening quote is the first one before it that does not.
  size_t stringStart() const {
    size_t i = stream_.Tell() - 1; // the closing quote
    while (i-- > 0) {
      if (text_[i] != '"')
        continue;
      size_t backslashes = 0;
      while (backslashes < i && text_[i - 1 - backslashes] == '\\')
        ++backslashes;
      if (backslashes % 2 == 0)
        return i;
    }
    return 0;
  }

  /// RapidJSON validates the raw bytes and surrogate pairs, but decodes a lone
  /// low surrogate escape (\uDC00-\uDFFF) to bytes that are not UTF-8; that is
  /// the only way a decoded string can be invalid.
  bool checkEscapes(const char *s, rapidjson::SizeType length) {
    rapidjson::MemoryStream in(s, length);
    unsigned codepoint;
    while (in.Tell() < length)
      if (!rapidjson::UTF8<>::Decode(in, &codepoint))
        return fail(stringStart(), "unpaired low surrogate in \\u escape in string");
    return true;
  }
};

} // namespace

StatusOr<rapidjson::Document> parse(std::string_view text) {
  rapidjson::MemoryStream stream(text.data(), text.size());
  Status error;
  // Populate() hands the document's own SAX handler to this generator and,
  // if it succeeds, makes the value it built the document's root.
  auto generate = [&](rapidjson::Document &document) {
    StrictHandler handler(text, stream, document);
    rapidjson::Reader reader;
    rapidjson::ParseResult result = reader.Parse<kParseFlags>(stream, handler);
    if (result.IsError())
      error = result.Code() == rapidjson::kParseErrorTermination ? handler.error()
                                                                  : syntaxError(text, result);
    return !result.IsError();
  };
  rapidjson::Document document;
  document.Populate(generate);
  if (!error.ok())
    return error;

  size_t end = stream.Tell();
  while (end < text.size() &&
         (text[end] == ' ' || text[end] == '\t' || text[end] == '\n' || text[end] == '\r'))
    ++end;
  if (end != text.size())
    return errorAt(end, "unexpected trailing characters after the JSON value, found " +
                            describe(static_cast<unsigned char>(text[end])));
  return StatusOr<rapidjson::Document>(std::move(document));
}

} // namespace loom::json
