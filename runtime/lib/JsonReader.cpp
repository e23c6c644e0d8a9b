//===- JsonReader.cpp - Strict JSON parsing with RapidJSON ----------------===//

#include "loom/runtime/JsonReader.h"

#include <rapidjson/encodings.h>
#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
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

/// Takes RapidJSON's SAX events, refuses what RapidJSON lets through
/// (duplicate keys, deep nesting, lone low surrogates, numbers out of the
/// double range) and forwards the rest to a json::Handler. Returning false
/// stops the reader (kParseErrorTermination); status() says why.
class StrictReader {
public:
  StrictReader(std::string_view text, const rapidjson::MemoryStream &stream, Handler &handler)
      : text_(text), stream_(stream), handler_(handler) {}

  const Status &status() const { return status_; }

  bool Null() { return forward(handler_.null()); }
  bool Bool(bool b) { return forward(handler_.boolean(b)); }
  // With kParseNumbersAsStringsFlag numbers arrive as RawNumber, not as these.
  bool Int(int i) { return forward(handler_.integer(i)); }
  bool Uint(unsigned u) { return forward(handler_.integer(u)); }
  bool Int64(int64_t i) { return forward(handler_.integer(i)); }
  bool Uint64(uint64_t u) { return forward(handler_.number(double(u))); }
  bool Double(double d) { return forward(handler_.number(d)); }

  /// A number token RapidJSON has checked: one that fits int64 stays exact,
  /// anything else becomes a double (an overflow is refused, an underflow
  /// reads as 0 or a subnormal).
  bool RawNumber(const char *s, rapidjson::SizeType length, bool) {
    int64_t integer;
    std::from_chars_result r = std::from_chars(s, s + length, integer);
    if (r.ec == std::errc() && r.ptr == s + length)
      return forward(handler_.integer(integer));
    double d = std::strtod(std::string(s, length).c_str(), nullptr);
    if (std::isinf(d))
      return fail(stream_.Tell() - length, "number out of the range of a double");
    return forward(handler_.number(d));
  }

  bool String(const char *s, rapidjson::SizeType length, bool) {
    return checkEscapes(s, length) && forward(handler_.string(std::string_view(s, length)));
  }

  bool Key(const char *s, rapidjson::SizeType length, bool) {
    if (!checkEscapes(s, length))
      return false;
    keys_.push_back({keyBytes_.size(), length, stringStart()});
    keyBytes_.append(s, length);
    return forward(handler_.key(std::string_view(s, length)));
  }

  bool StartObject() { return enter() && forward(handler_.startObject()); }
  bool EndObject(rapidjson::SizeType) {
    if (!checkDuplicates())
      return false;
    open_.pop_back();
    return forward(handler_.endObject());
  }
  bool StartArray() { return enter() && forward(handler_.startArray()); }
  bool EndArray(rapidjson::SizeType) {
    open_.pop_back();
    return forward(handler_.endArray());
  }

private:
  /// A key of an open object: its decoded bytes in keyBytes_, and where its
  /// opening quote is in the text.
  struct KeyRef {
    size_t start, length, offset;
  };
  /// An open object or array: where its keys begin in keys_ and keyBytes_
  /// (used by objects; the keys of inner objects come and go after them).
  struct Open {
    size_t firstKey, firstByte;
  };

  std::string_view text_;
  const rapidjson::MemoryStream &stream_; // where the reader is
  Handler &handler_;
  // The keys of every open object, innermost last, in one buffer: a hash set
  // per object cost ~70 bytes per key, which a header of tiny keys turns
  // into many times its own size.
  std::string keyBytes_;
  std::vector<KeyRef> keys_;
  std::vector<Open> open_; // its size is the nesting depth
  Status status_;

  bool fail(size_t offset, const std::string &message) {
    status_ = errorAt(offset, message);
    return false;
  }

  bool forward(Status s) {
    if (s.ok())
      return true;
    status_ = std::move(s);
    return false;
  }

  bool enter() {
    if (open_.size() >= size_t(kMaxDepth)) // at the '[' or '{' just read
      return fail(stream_.Tell() - 1, "nesting deeper than " + std::to_string(kMaxDepth));
    open_.push_back({keys_.size(), keyBytes_.size()});
    return true;
  }

  std::string_view keyText(const KeyRef &k) const {
    return std::string_view(keyBytes_.data() + k.start, k.length);
  }

  /// At the end of an object: refuses the first key (in the text) that
  /// repeats an earlier one, which is what checking each key as it comes
  /// would find; then forgets the object's keys.
  bool checkDuplicates() {
    size_t first = open_.back().firstKey;
    auto begin = keys_.begin() + std::ptrdiff_t(first);
    std::sort(begin, keys_.end(), [&](const KeyRef &a, const KeyRef &b) {
      std::string_view x = keyText(a), y = keyText(b);
      return x != y ? x < y : a.offset < b.offset;
    });
    const KeyRef *duplicate = nullptr;
    for (auto it = begin; it != keys_.end(); ++it)
      if (it != begin && keyText(*it) == keyText(*(it - 1)) &&
          (!duplicate || it->offset < duplicate->offset))
        duplicate = &*it;
    if (duplicate)
      return fail(duplicate->offset, "duplicate key " +
                                         quote(keyBytes_.data() + duplicate->start,
                                               rapidjson::SizeType(duplicate->length)) +
                                         " in object");
    keyBytes_.resize(open_.back().firstByte);
    keys_.resize(first);
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

/// Builds a RapidJSON document from checked values: `document` is the
/// handler Document::Populate hands its generator, whose EndObject and
/// EndArray need the member and element counts.
class DocumentBuilder : public Handler {
public:
  explicit DocumentBuilder(rapidjson::Document &document) : document_(document) {}

  Status startObject() override {
    value();
    levels_.push_back({true, 0});
    return done(document_.StartObject());
  }
  Status key(std::string_view name) override {
    ++levels_.back().count;
    return done(document_.Key(name.data(), rapidjson::SizeType(name.size()), true));
  }
  Status endObject() override {
    rapidjson::SizeType members = levels_.back().count;
    levels_.pop_back();
    return done(document_.EndObject(members));
  }
  Status startArray() override {
    value();
    levels_.push_back({false, 0});
    return done(document_.StartArray());
  }
  Status endArray() override {
    rapidjson::SizeType elements = levels_.back().count;
    levels_.pop_back();
    return done(document_.EndArray(elements));
  }
  Status null() override {
    value();
    return done(document_.Null());
  }
  Status boolean(bool b) override {
    value();
    return done(document_.Bool(b));
  }
  Status integer(int64_t i) override {
    value();
    return done(document_.Int64(i));
  }
  Status number(double d) override {
    value();
    return done(document_.Double(d));
  }
  Status string(std::string_view v) override {
    value();
    return done(document_.String(v.data(), rapidjson::SizeType(v.size()), true));
  }

private:
  struct Level {
    bool object;
    rapidjson::SizeType count; // members or elements so far
  };

  /// A value starts: one more element of the enclosing array.
  void value() {
    if (!levels_.empty() && !levels_.back().object)
      ++levels_.back().count;
  }
  static Status done(bool ok) {
    return ok ? Status() : Status::internal("the JSON document refused a value");
  }

  rapidjson::Document &document_;
  std::vector<Level> levels_;
};

} // namespace

Status parse(std::string_view text, Handler &handler) {
  rapidjson::MemoryStream stream(text.data(), text.size());
  StrictReader strict(text, stream, handler);
  rapidjson::Reader reader;
  rapidjson::ParseResult result = reader.Parse<kParseFlags>(stream, strict);
  if (result.IsError())
    return result.Code() == rapidjson::kParseErrorTermination ? strict.status()
                                                              : syntaxError(text, result);
  size_t end = stream.Tell();
  while (end < text.size() &&
         (text[end] == ' ' || text[end] == '\t' || text[end] == '\n' || text[end] == '\r'))
    ++end;
  if (end != text.size())
    return errorAt(end, "unexpected trailing characters after the JSON value, found " +
                            describe(static_cast<unsigned char>(text[end])));
  return Status();
}

StatusOr<rapidjson::Document> parse(std::string_view text) {
  Status status;
  // Populate() hands the document's own SAX handler to this generator and,
  // if it succeeds, makes the value it built the document's root.
  auto generate = [&](rapidjson::Document &document) {
    DocumentBuilder builder(document);
    status = parse(text, builder);
    return status.ok();
  };
  rapidjson::Document document;
  document.Populate(generate);
  if (!status.ok())
    return status;
  return StatusOr<rapidjson::Document>(std::move(document));
}

} // namespace loom::json
