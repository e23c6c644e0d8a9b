//===- JsonReader.cpp - A small strict JSON parser ------------------------===//

#include "loom/runtime/JsonReader.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <unordered_set>

namespace loom::json {

Value Value::makeBool(bool b) {
  Value v;
  v.kind_ = Kind::Bool;
  v.boolValue_ = b;
  return v;
}

Value Value::makeInteger(int64_t i) {
  Value v;
  v.kind_ = Kind::Integer;
  v.intValue_ = i;
  return v;
}

Value Value::makeNumber(double d) {
  Value v;
  v.kind_ = Kind::Number;
  v.numberValue_ = d;
  return v;
}

Value Value::makeString(std::string s) {
  Value v;
  v.kind_ = Kind::String;
  v.string_ = std::move(s);
  return v;
}

Value Value::makeArray(std::vector<Value> items) {
  Value v;
  v.kind_ = Kind::Array;
  v.items_ = std::move(items);
  return v;
}

Value Value::makeObject(std::vector<std::string> keys, std::vector<Value> items) {
  Value v;
  v.kind_ = Kind::Object;
  v.keys_ = std::move(keys);
  v.items_ = std::move(items);
  return v;
}

const Value *Value::find(std::string_view key) const {
  for (size_t i = 0; i < keys_.size(); ++i)
    if (keys_[i] == key)
      return &items_[i];
  return nullptr;
}

const char *kindName(Value::Kind kind) {
  switch (kind) {
  case Value::Kind::Null:
    return "null";
  case Value::Kind::Bool:
    return "boolean";
  case Value::Kind::Integer:
    return "integer";
  case Value::Kind::Number:
    return "number";
  case Value::Kind::String:
    return "string";
  case Value::Kind::Array:
    return "array";
  case Value::Kind::Object:
    return "object";
  }
  return "?";
}

namespace {

void appendUtf8(std::string &out, uint32_t cp) {
  if (cp < 0x80) {
    out += char(cp);
  } else if (cp < 0x800) {
    out += char(0xC0 | (cp >> 6));
    out += char(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += char(0xE0 | (cp >> 12));
    out += char(0x80 | ((cp >> 6) & 0x3F));
    out += char(0x80 | (cp & 0x3F));
  } else {
    out += char(0xF0 | (cp >> 18));
    out += char(0x80 | ((cp >> 12) & 0x3F));
    out += char(0x80 | ((cp >> 6) & 0x3F));
    out += char(0x80 | (cp & 0x3F));
  }
}

/// Recursive-descent parser over a byte range. Each parse* returns false after
/// recording the first error; the error position is where it was detected.
class Parser {
public:
  explicit Parser(std::string_view text) : text_(text) {}

  StatusOr<Value> run() {
    Value v;
    skipWhitespace();
    if (!parseValue(v, 0))
      return error();
    skipWhitespace();
    if (pos_ != text_.size() && !failed_)
      fail("unexpected trailing characters after the JSON value");
    if (failed_)
      return error();
    return v;
  }

private:
  std::string_view text_;
  size_t pos_ = 0;
  bool failed_ = false;
  size_t errorPos_ = 0;
  std::string errorMessage_;

  bool fail(std::string message) {
    if (!failed_) {
      failed_ = true;
      errorPos_ = pos_;
      errorMessage_ = std::move(message);
    }
    return false;
  }

  Status error() const {
    return Status::invalidArgument("offset " + std::to_string(errorPos_) + ": " + errorMessage_);
  }

  bool atEnd() const { return pos_ >= text_.size(); }
  unsigned char peek() const { return static_cast<unsigned char>(text_[pos_]); }

  void skipWhitespace() {
    while (!atEnd()) {
      char c = text_[pos_];
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
        break;
      ++pos_;
    }
  }

  static std::string describe(unsigned char c) {
    if (c >= 0x20 && c < 0x7F)
      return std::string("'") + char(c) + "'";
    char buf[8];
    std::snprintf(buf, sizeof buf, "0x%02X", c);
    return buf;
  }

  bool parseValue(Value &out, int depth) {
    if (atEnd())
      return fail("unexpected end of input, expected a value");
    unsigned char c = peek();
    switch (c) {
    case '{':
      return parseObject(out, depth + 1);
    case '[':
      return parseArray(out, depth + 1);
    case '"': {
      std::string s;
      if (!parseString(s))
        return false;
      out = Value::makeString(std::move(s));
      return true;
    }
    case 't':
      return parseLiteral("true", Value::makeBool(true), out);
    case 'f':
      return parseLiteral("false", Value::makeBool(false), out);
    case 'n':
      return parseLiteral("null", Value(), out);
    default:
      if (c == '-' || (c >= '0' && c <= '9'))
        return parseNumber(out);
      return fail("unexpected character " + describe(c) + ", expected a value");
    }
  }

  bool parseLiteral(std::string_view word, Value value, Value &out) {
    if (text_.substr(pos_, word.size()) != word)
      return fail("invalid literal, expected '" + std::string(word) + "'");
    pos_ += word.size();
    out = std::move(value);
    return true;
  }

  bool parseNumber(Value &out) {
    size_t start = pos_;
    bool isInteger = true;
    if (peek() == '-')
      ++pos_;
    if (atEnd() || !(peek() >= '0' && peek() <= '9'))
      return fail("invalid number: expected a digit");
    if (peek() == '0') {
      ++pos_;
      if (!atEnd() && peek() >= '0' && peek() <= '9')
        return fail("invalid number: leading zeros are not allowed");
    } else {
      while (!atEnd() && peek() >= '0' && peek() <= '9')
        ++pos_;
    }
    if (!atEnd() && peek() == '.') {
      isInteger = false;
      ++pos_;
      if (atEnd() || !(peek() >= '0' && peek() <= '9'))
        return fail("invalid number: expected a digit after '.'");
      while (!atEnd() && peek() >= '0' && peek() <= '9')
        ++pos_;
    }
    if (!atEnd() && (peek() == 'e' || peek() == 'E')) {
      isInteger = false;
      ++pos_;
      if (!atEnd() && (peek() == '+' || peek() == '-'))
        ++pos_;
      if (atEnd() || !(peek() >= '0' && peek() <= '9'))
        return fail("invalid number: expected a digit in the exponent");
      while (!atEnd() && peek() >= '0' && peek() <= '9')
        ++pos_;
    }
    std::string token(text_.substr(start, pos_ - start));
    if (isInteger) {
      errno = 0;
      char *end = nullptr;
      long long v = std::strtoll(token.c_str(), &end, 10);
      if (errno == 0 && end == token.c_str() + token.size()) {
        out = Value::makeInteger(static_cast<int64_t>(v));
        return true;
      }
      // Out of int64 range: keep it as a double, callers wanting an exact
      // integer refuse it.
    }
    out = Value::makeNumber(std::strtod(token.c_str(), nullptr));
    return true;
  }

  bool parseHex4(uint32_t &cp) {
    if (text_.size() - pos_ < 4)
      return fail("truncated \\u escape");
    cp = 0;
    for (int i = 0; i < 4; ++i) {
      unsigned char c = peek();
      uint32_t d;
      if (c >= '0' && c <= '9')
        d = c - '0';
      else if (c >= 'a' && c <= 'f')
        d = c - 'a' + 10;
      else if (c >= 'A' && c <= 'F')
        d = c - 'A' + 10;
      else
        return fail("invalid hex digit " + describe(c) + " in \\u escape");
      cp = cp * 16 + d;
      ++pos_;
    }
    return true;
  }

  /// Validates one UTF-8 sequence starting at pos_ and appends it.
  bool copyUtf8(std::string &out) {
    unsigned char c = peek();
    size_t len;
    uint32_t cp;
    if (c < 0x80) {
      out += char(c);
      ++pos_;
      return true;
    } else if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
      cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      cp = c & 0x07;
    } else {
      return fail("invalid UTF-8 byte " + describe(c) + " in string");
    }
    if (text_.size() - pos_ < len)
      return fail("truncated UTF-8 sequence in string");
    for (size_t i = 1; i < len; ++i) {
      unsigned char cc = static_cast<unsigned char>(text_[pos_ + i]);
      if ((cc & 0xC0) != 0x80)
        return fail("invalid UTF-8 continuation byte in string");
      cp = (cp << 6) | (cc & 0x3F);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000))
      return fail("overlong UTF-8 sequence in string");
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
      return fail("invalid UTF-8 code point in string");
    out.append(text_.substr(pos_, len));
    pos_ += len;
    return true;
  }

  bool parseString(std::string &out) {
    ++pos_; // opening quote
    while (true) {
      if (atEnd())
        return fail("unterminated string");
      unsigned char c = peek();
      if (c == '"') {
        ++pos_;
        return true;
      }
      if (c < 0x20)
        return fail("unescaped control character " + describe(c) + " in string");
      if (c != '\\') {
        if (!copyUtf8(out))
          return false;
        continue;
      }
      ++pos_;
      if (atEnd())
        return fail("unterminated escape in string");
      char e = text_[pos_++];
      switch (e) {
      case '"':
        out += '"';
        break;
      case '\\':
        out += '\\';
        break;
      case '/':
        out += '/';
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'u': {
        uint32_t cp;
        if (!parseHex4(cp))
          return false;
        if (cp >= 0xDC00 && cp <= 0xDFFF)
          return fail("unpaired low surrogate in \\u escape");
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          if (text_.substr(pos_, 2) != "\\u")
            return fail("high surrogate not followed by a \\u low surrogate");
          pos_ += 2;
          uint32_t low;
          if (!parseHex4(low))
            return false;
          if (low < 0xDC00 || low > 0xDFFF)
            return fail("high surrogate not followed by a low surrogate");
          cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
        }
        appendUtf8(out, cp);
        break;
      }
      default:
        --pos_;
        return fail("invalid escape '\\" + describe(static_cast<unsigned char>(e)) + "' in string");
      }
    }
  }

  bool parseArray(Value &out, int depth) {
    if (depth > kMaxDepth)
      return fail("nesting deeper than " + std::to_string(kMaxDepth));
    ++pos_; // '['
    std::vector<Value> items;
    skipWhitespace();
    if (!atEnd() && peek() == ']') {
      ++pos_;
      out = Value::makeArray(std::move(items));
      return true;
    }
    while (true) {
      skipWhitespace();
      Value item;
      if (!parseValue(item, depth))
        return false;
      items.push_back(std::move(item));
      skipWhitespace();
      if (atEnd())
        return fail("unterminated array");
      unsigned char c = peek();
      ++pos_;
      if (c == ']')
        break;
      if (c != ',') {
        --pos_;
        return fail("expected ',' or ']' in array, found " + describe(c));
      }
    }
    out = Value::makeArray(std::move(items));
    return true;
  }

  bool parseObject(Value &out, int depth) {
    if (depth > kMaxDepth)
      return fail("nesting deeper than " + std::to_string(kMaxDepth));
    ++pos_; // '{'
    std::vector<std::string> keys;
    std::vector<Value> items;
    std::unordered_set<std::string> seen;
    skipWhitespace();
    if (!atEnd() && peek() == '}') {
      ++pos_;
      out = Value::makeObject(std::move(keys), std::move(items));
      return true;
    }
    while (true) {
      skipWhitespace();
      if (atEnd())
        return fail("unterminated object");
      if (peek() != '"')
        return fail("expected a string key in object, found " + describe(peek()));
      size_t keyPos = pos_;
      std::string key;
      if (!parseString(key))
        return false;
      if (!seen.insert(key).second) {
        pos_ = keyPos;
        return fail("duplicate key " + quote(key) + " in object");
      }
      skipWhitespace();
      if (atEnd() || peek() != ':')
        return fail("expected ':' after object key " + quote(key));
      ++pos_;
      skipWhitespace();
      Value item;
      if (!parseValue(item, depth))
        return false;
      keys.push_back(std::move(key));
      items.push_back(std::move(item));
      skipWhitespace();
      if (atEnd())
        return fail("unterminated object");
      unsigned char c = peek();
      ++pos_;
      if (c == '}')
        break;
      if (c != ',') {
        --pos_;
        return fail("expected ',' or '}' in object, found " + describe(c));
      }
    }
    out = Value::makeObject(std::move(keys), std::move(items));
    return true;
  }
};

} // namespace

StatusOr<Value> parse(std::string_view text) { return Parser(text).run(); }

std::string quote(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"') {
      out += "\\\"";
    } else if (c == '\\') {
      out += "\\\\";
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04X", c);
      out += buf;
    } else {
      out += char(c);
    }
  }
  out += '"';
  return out;
}

} // namespace loom::json
