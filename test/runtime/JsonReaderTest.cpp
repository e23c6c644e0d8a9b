//===- JsonReaderTest.cpp - The strict JSON parser ------------------------===//

#include "loom/runtime/JsonReader.h"

#include <gtest/gtest.h>

#include <string>

using namespace loom;
using json::Value;

namespace {
Value parseOk(const std::string &text) {
  StatusOr<Value> v = json::parse(text);
  EXPECT_TRUE(v.ok()) << text << " -> " << v.status().toString();
  return v.ok() ? *v : Value();
}

std::string parseError(const std::string &text) {
  StatusOr<Value> v = json::parse(text);
  EXPECT_FALSE(v.ok()) << "accepted: " << text;
  if (v.ok())
    return "";
  EXPECT_EQ(v.status().code(), LOOM_ERROR_INVALID_ARGUMENT);
  return v.status().message();
}
} // namespace

TEST(JsonReader, Literals) {
  EXPECT_TRUE(parseOk("null").isNull());
  EXPECT_TRUE(parseOk("true").asBool());
  EXPECT_FALSE(parseOk(" false ").asBool());
  EXPECT_TRUE(parseOk("false").isBool());
}

TEST(JsonReader, Numbers) {
  EXPECT_EQ(parseOk("0").asInteger(), 0);
  EXPECT_EQ(parseOk("-17").asInteger(), -17);
  EXPECT_EQ(parseOk("9223372036854775807").asInteger(), INT64_MAX);
  EXPECT_EQ(parseOk("-9223372036854775808").asInteger(), INT64_MIN);
  Value big = parseOk("9223372036854775808");
  EXPECT_EQ(big.kind(), Value::Kind::Number) << "beyond int64 is not an exact integer";
  Value f = parseOk("1.5e3");
  EXPECT_EQ(f.kind(), Value::Kind::Number);
  EXPECT_DOUBLE_EQ(f.asNumber(), 1500.0);
  EXPECT_EQ(parseOk("2.0").kind(), Value::Kind::Number);
  EXPECT_DOUBLE_EQ(parseOk("-0.25E-2").asNumber(), -0.0025);
}

TEST(JsonReader, Strings) {
  EXPECT_EQ(parseOk(R"("abc")").asString(), "abc");
  EXPECT_EQ(parseOk(R"("")").asString(), "");
  EXPECT_EQ(parseOk(R"("a\"b\\c\/d\b\f\n\r\t")").asString(), "a\"b\\c/d\b\f\n\r\t");
  EXPECT_EQ(parseOk(R"("\u00e9\u20AC")").asString(), "\xC3\xA9\xE2\x82\xAC");
  EXPECT_EQ(parseOk(R"("\ud83d\ude00")").asString(), "\xF0\x9F\x98\x80");
  EXPECT_EQ(parseOk(R"("\u0000x")").asString(), std::string("\0x", 2));
  EXPECT_EQ(parseOk("\"caf\xC3\xA9\"").asString(), "caf\xC3\xA9") << "raw UTF-8 passes";
}

TEST(JsonReader, ArraysAndObjects) {
  Value v = parseOk(R"( { "a" : [1, 2, [ ]], "b": {}, "c": {"d": "e"} } )");
  ASSERT_TRUE(v.isObject());
  ASSERT_EQ(v.size(), 3u);
  EXPECT_EQ(v.keyAt(0), "a");
  EXPECT_EQ(v.keyAt(2), "c");
  const Value *a = v.find("a");
  ASSERT_NE(a, nullptr);
  ASSERT_TRUE(a->isArray());
  ASSERT_EQ(a->size(), 3u);
  EXPECT_EQ(a->at(1).asInteger(), 2);
  EXPECT_TRUE(a->at(2).isArray());
  EXPECT_EQ(a->at(2).size(), 0u);
  EXPECT_EQ(v.find("b")->size(), 0u);
  EXPECT_EQ(v.find("c")->find("d")->asString(), "e");
  EXPECT_EQ(v.find("zzz"), nullptr);
}

TEST(JsonReader, SafetensorsStyleHeaderWithPadding) {
  Value v = parseOk(R"({"__metadata__":{"format":"pt"},"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]}}      )");
  ASSERT_TRUE(v.isObject());
  EXPECT_EQ(v.find("w")->find("shape")->at(1).asInteger(), 3);
}

TEST(JsonReader, DeepButAllowedNesting) {
  std::string s(json::kMaxDepth, '[');
  s += std::string(json::kMaxDepth, ']');
  EXPECT_TRUE(json::parse(s).ok());
}

TEST(JsonReader, RejectsMalformedInput) {
  EXPECT_NE(parseError("").find("unexpected end of input"), std::string::npos);
  EXPECT_NE(parseError("   ").find("offset 3"), std::string::npos);
  EXPECT_NE(parseError("[1,]").find("offset 3"), std::string::npos);
  EXPECT_NE(parseError("{\"a\":1,}").find("expected a string key"), std::string::npos);
  EXPECT_NE(parseError("[1 2]").find("expected ',' or ']'"), std::string::npos);
  EXPECT_NE(parseError("{\"a\" 1}").find("expected ':'"), std::string::npos);
  EXPECT_NE(parseError("{\"a\":1").find("unterminated object"), std::string::npos);
  EXPECT_NE(parseError("[1").find("unterminated array"), std::string::npos);
  EXPECT_NE(parseError("\"abc").find("unterminated string"), std::string::npos);
  EXPECT_NE(parseError("{'a':1}").find("expected a string key"), std::string::npos);
  EXPECT_NE(parseError("01").find("leading zeros"), std::string::npos);
  parseError("-");
  parseError("+1");
  parseError("1.");
  parseError(".5");
  parseError("1e");
  parseError("NaN");
  parseError("Infinity");
  parseError("tru");
  parseError("nul");
  parseError("True");
  parseError("// comment\n1");
  EXPECT_NE(parseError("1 2").find("trailing characters"), std::string::npos);
  EXPECT_NE(parseError("{} x").find("offset 3"), std::string::npos);
}

TEST(JsonReader, RejectsBadStrings) {
  EXPECT_NE(parseError("\"a\nb\"").find("control character"), std::string::npos);
  EXPECT_NE(parseError(R"("\x41")").find("invalid escape"), std::string::npos);
  EXPECT_NE(parseError(R"("\u12G4")").find("hex digit"), std::string::npos);
  EXPECT_NE(parseError(R"("\u12")").find("\\u escape"), std::string::npos);
  EXPECT_NE(parseError(R"("\ude00")").find("low surrogate"), std::string::npos);
  EXPECT_NE(parseError(R"("\ud83d")").find("high surrogate"), std::string::npos);
  EXPECT_NE(parseError(R"("\ud83d\u0041")").find("high surrogate"), std::string::npos);
  EXPECT_NE(parseError("\"\xFF\"").find("UTF-8"), std::string::npos);
  EXPECT_NE(parseError("\"\xC3\"").find("UTF-8"), std::string::npos);
  EXPECT_NE(parseError("\"\xC0\xAF\"").find("UTF-8"), std::string::npos) << "overlong";
  EXPECT_NE(parseError("\"\xE0\x80\xAF\"").find("overlong"), std::string::npos);
  EXPECT_NE(parseError("\"\xED\xA0\x80\"").find("code point"), std::string::npos) << "surrogate";
  EXPECT_NE(parseError("\"\xF4\x90\x80\x80\"").find("code point"), std::string::npos);
}

TEST(JsonReader, RejectsDuplicateKeys) {
  std::string m = parseError(R"({"w": 1, "v": 2, "w": 3})");
  EXPECT_NE(m.find("duplicate key \"w\""), std::string::npos) << m;
  EXPECT_NE(m.find("offset 17"), std::string::npos) << m;
}

TEST(JsonReader, RejectsTooDeepNesting) {
  std::string s(json::kMaxDepth + 1, '[');
  s += std::string(json::kMaxDepth + 1, ']');
  EXPECT_NE(parseError(s).find("nesting deeper"), std::string::npos);
  std::string deep(100000, '[');
  EXPECT_NE(parseError(deep).find("nesting deeper"), std::string::npos) << "no stack overflow";
}

TEST(JsonReader, QuoteRoundTrips) {
  std::string raw = std::string("a\"b\\c\n\x01 \xC3\xA9", 10);
  Value v = parseOk(json::quote(raw));
  EXPECT_EQ(v.asString(), raw);
}
