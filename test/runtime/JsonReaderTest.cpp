//===- JsonReaderTest.cpp - Strict JSON parsing of safetensors headers ----===//

#include "loom/runtime/JsonReader.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

using namespace loom;

namespace {

rapidjson::Document parseOk(const std::string &text) {
  StatusOr<rapidjson::Document> v = json::parse(text);
  EXPECT_TRUE(v.ok()) << text << " -> " << v.status().toString();
  rapidjson::Document d;
  if (v.ok())
    d.Swap(*v);
  return d;
}

std::string parseError(const std::string &text) {
  StatusOr<rapidjson::Document> v = json::parse(text);
  EXPECT_FALSE(v.ok()) << "accepted: " << text;
  if (v.ok())
    return "";
  EXPECT_EQ(v.status().code(), LOOM_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(v.status().message().rfind("offset ", 0), 0u) << v.status().message();
  return v.status().message();
}

std::string stringOf(const rapidjson::Value &v) { return std::string(json::stringOf(v)); }

#define EXPECT_CONTAINS(haystack, needle)                                                          \
  EXPECT_NE(std::string(haystack).find(needle), std::string::npos)                                 \
      << "message: " << (haystack) << "\nexpected to contain: " << (needle)

} // namespace

TEST(JsonReader, Literals) {
  EXPECT_TRUE(parseOk("null").IsNull());
  EXPECT_TRUE(parseOk("true").GetBool());
  EXPECT_FALSE(parseOk(" false ").GetBool());
  EXPECT_TRUE(parseOk("\t\r\nfalse\n").IsBool());
}

TEST(JsonReader, IntegersAreExactInt64) {
  EXPECT_EQ(parseOk("0").GetInt64(), 0);
  EXPECT_EQ(parseOk("-0").GetInt64(), 0);
  EXPECT_EQ(parseOk("-17").GetInt64(), -17);
  EXPECT_EQ(parseOk("4294967296").GetInt64(), int64_t(1) << 32);
  EXPECT_EQ(parseOk("9223372036854775807").GetInt64(), INT64_MAX);
  EXPECT_EQ(parseOk("-9223372036854775808").GetInt64(), INT64_MIN);
  // Beyond int64 (in uint64 or not) is not an exact integer for callers.
  EXPECT_FALSE(parseOk("9223372036854775808").IsInt64());
  EXPECT_FALSE(parseOk("-9223372036854775809").IsInt64());
  rapidjson::Document huge = parseOk("99999999999999999999");
  EXPECT_FALSE(huge.IsInt64());
  EXPECT_STREQ(json::kindName(huge), "number");
  EXPECT_STREQ(json::kindName(parseOk("12")), "integer");
}

TEST(JsonReader, FractionsAndExponentsAreDoubles) {
  rapidjson::Document f = parseOk("1.5e3");
  EXPECT_FALSE(f.IsInt64());
  EXPECT_DOUBLE_EQ(f.GetDouble(), 1500.0);
  EXPECT_FALSE(parseOk("2.0").IsInt64());
  EXPECT_FALSE(parseOk("1e2").IsInt64());
  EXPECT_DOUBLE_EQ(parseOk("-0.25E-2").GetDouble(), -0.0025);
  // Full precision: correctly rounded, as strtod.
  for (const char *text : {"0.1", "3.141592653589793238462643383279", "2.2250738585072011e-308",
                           "1.7976931348623157e308", "9007199254740993.0"})
    EXPECT_EQ(parseOk(text).GetDouble(), std::strtod(text, nullptr)) << text;
}

TEST(JsonReader, ExtremeNumbers) {
  // RapidJSON 1.1.0's own conversion reads out of bounds on these (upstream
  // issue #1251, CVE-2024-38517); the parser must convert them safely.
  EXPECT_EQ(parseOk("128.74836467836484838364836483643636483648e-336").GetDouble(),
            std::strtod("128.74836467836484838364836483643636483648e-336", nullptr));
  EXPECT_EQ(parseOk("0.0000000000e-2147483639").GetDouble(), 0.0);
  EXPECT_EQ(parseOk("-4000006.5" + std::string(300, '9') + "44e-344").GetDouble(), -0.0);
  EXPECT_EQ(parseOk("1e-400").GetDouble(), 0.0) << "underflow reads as 0";
  EXPECT_EQ(parseOk("0." + std::string(5000, '0') + "1").GetDouble(), 0.0);
  EXPECT_CONTAINS(parseError("[1.8e308]"), "offset 1: number out of the range of a double");
  EXPECT_CONTAINS(parseError("-1" + std::string(400, '0')), "offset 0: number too big");
  EXPECT_CONTAINS(parseError("1e400"), "offset 0: number too big");
}

TEST(JsonReader, Strings) {
  EXPECT_EQ(stringOf(parseOk(R"("abc")")), "abc");
  EXPECT_EQ(stringOf(parseOk(R"("")")), "");
  EXPECT_EQ(stringOf(parseOk(R"("a\"b\\c\/d\b\f\n\r\t")")), "a\"b\\c/d\b\f\n\r\t");
  EXPECT_EQ(stringOf(parseOk(R"("\u00e9\u20AC")")), "\xC3\xA9\xE2\x82\xAC");
  EXPECT_EQ(stringOf(parseOk(R"("\ud83d\ude00")")), "\xF0\x9F\x98\x80");
  EXPECT_EQ(stringOf(parseOk(R"("\u0000x")")), std::string("\0x", 2)) << "NUL kept";
  EXPECT_EQ(stringOf(parseOk("\"caf\xC3\xA9 \xF0\x9F\x98\x80\"")), "caf\xC3\xA9 \xF0\x9F\x98\x80")
      << "raw UTF-8 passes";
  EXPECT_STREQ(json::kindName(parseOk(R"("x")")), "string");
}

TEST(JsonReader, ArraysAndObjects) {
  rapidjson::Document v = parseOk(R"( { "a" : [1, 2, [ ]], "b": {}, "c": {"d": "e"} } )");
  ASSERT_TRUE(v.IsObject());
  ASSERT_EQ(v.MemberCount(), 3u);
  EXPECT_EQ(stringOf(v.MemberBegin()->name), "a") << "document order";
  EXPECT_EQ(stringOf((v.MemberBegin() + 2)->name), "c");
  const rapidjson::Value &a = v["a"];
  ASSERT_TRUE(a.IsArray());
  ASSERT_EQ(a.Size(), 3u);
  EXPECT_EQ(a[1u].GetInt64(), 2);
  EXPECT_TRUE(a[2u].IsArray());
  EXPECT_EQ(a[2u].Size(), 0u);
  EXPECT_EQ(v["b"].MemberCount(), 0u);
  EXPECT_EQ(stringOf(v["c"]["d"]), "e");
  EXPECT_EQ(v.FindMember("zzz"), v.MemberEnd());
  EXPECT_STREQ(json::kindName(v), "object");
  EXPECT_STREQ(json::kindName(a), "array");
  EXPECT_STREQ(json::kindName(parseOk("null")), "null");
  EXPECT_STREQ(json::kindName(parseOk("true")), "boolean");
}

TEST(JsonReader, SafetensorsStyleHeaderWithPadding) {
  rapidjson::Document v = parseOk(
      R"({"__metadata__":{"format":"pt"},"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]}}      )");
  ASSERT_TRUE(v.IsObject());
  EXPECT_EQ(v["w"]["shape"][1u].GetInt64(), 3);
}

TEST(JsonReader, DeepButAllowedNesting) {
  std::string s(json::kMaxDepth, '[');
  s += std::string(json::kMaxDepth, ']');
  EXPECT_TRUE(json::parse(s).ok());
  std::string o;
  for (int i = 0; i < json::kMaxDepth; ++i)
    o += "{\"k\":";
  o += "1" + std::string(json::kMaxDepth, '}');
  EXPECT_TRUE(json::parse(o).ok());
}

TEST(JsonReader, RejectsMalformedInput) {
  EXPECT_CONTAINS(parseError(""), "offset 0: the document is empty");
  EXPECT_CONTAINS(parseError("   "), "offset 3");
  EXPECT_CONTAINS(parseError("[1,]"), "offset 3: invalid value, found ']'");
  EXPECT_CONTAINS(parseError("{\"a\":1,}"), "offset 7: missing a name for object member");
  EXPECT_CONTAINS(parseError("[1 2]"), "offset 3: missing a comma or ']'");
  EXPECT_CONTAINS(parseError("{\"a\" 1}"), "offset 5: missing a colon");
  EXPECT_CONTAINS(parseError("{\"a\":1"), "offset 6: missing a comma or '}'");
  EXPECT_CONTAINS(parseError("{\"a\":1"), "(at the end of the input)");
  EXPECT_CONTAINS(parseError("[1"), "offset 2: missing a comma or ']'");
  EXPECT_CONTAINS(parseError("\"abc"), "offset 4: missing a closing quotation mark");
  EXPECT_CONTAINS(parseError("{'a':1}"), "missing a name for object member, found '''");
  EXPECT_CONTAINS(parseError("01"), "offset 1: unexpected trailing characters");
  EXPECT_CONTAINS(parseError("[01]"), "offset 2");
  for (const char *text : {"-", "+1", "1.", ".5", "1e", "1e+", "NaN", "-Infinity", "Infinity",
                           "tru", "nul", "True", "// comment\n1", "/* c */ 1", "[1] // c",
                           "[1,2,]", "{\"a\":1,}", "0x10", "'a'", "\"a\" \"b\""})
    parseError(text);
  EXPECT_CONTAINS(parseError("1 2"), "offset 2: unexpected trailing characters after the JSON value");
  EXPECT_CONTAINS(parseError("{} x"), "offset 3: unexpected trailing characters");
}

TEST(JsonReader, RejectsNulBytes) {
  // RapidJSON reads a NUL as the end of its input; the parser must not.
  EXPECT_CONTAINS(parseError(std::string("1\0", 2)), "offset 1: unexpected trailing characters");
  EXPECT_CONTAINS(parseError(std::string("{} \0 ", 5)), "found 0x00");
  EXPECT_CONTAINS(parseError(std::string("\"a\0b\"", 5)), "offset 2:");
  EXPECT_CONTAINS(parseError(std::string("[1,\0]", 5)), "offset 3: invalid value, found 0x00");
}

TEST(JsonReader, RejectsBadStrings) {
  EXPECT_CONTAINS(parseError("\"a\nb\""), "offset 2: unescaped control character in string");
  EXPECT_CONTAINS(parseError("\"a\x1F\""), "unescaped control character");
  EXPECT_CONTAINS(parseError(R"("\x41")"), "offset 1: invalid escape character");
  EXPECT_CONTAINS(parseError(R"("\u12G4")"), "incorrect hex digit after \\u escape");
  EXPECT_CONTAINS(parseError(R"("\u12")"), "\\u escape");
  EXPECT_CONTAINS(parseError(R"(["ok", "\ude00"])"), "offset 7: unpaired low surrogate");
  EXPECT_CONTAINS(parseError(R"({"\udfff": 1})"), "unpaired low surrogate");
  EXPECT_CONTAINS(parseError(R"("\ud83d")"), "surrogate pair");
  EXPECT_CONTAINS(parseError(R"("\ud83d\u0041")"), "surrogate pair");
  EXPECT_CONTAINS(parseError(R"("\ud83d\ud83d")"), "surrogate pair");
  EXPECT_CONTAINS(parseError("\"\xFF\""), "offset 1: invalid encoding in string, found 0xFF");
  EXPECT_CONTAINS(parseError("\"\xC3\""), "invalid encoding") << "truncated";
  EXPECT_CONTAINS(parseError("\"\xC3(\""), "invalid encoding") << "bad continuation";
  EXPECT_CONTAINS(parseError("\"\xC0\xAF\""), "invalid encoding") << "overlong";
  EXPECT_CONTAINS(parseError("\"\xE0\x80\xAF\""), "invalid encoding") << "overlong";
  EXPECT_CONTAINS(parseError("\"\xED\xA0\x80\""), "invalid encoding") << "UTF-8 surrogate";
  EXPECT_CONTAINS(parseError("\"\xF4\x90\x80\x80\""), "invalid encoding") << "beyond U+10FFFF";
  EXPECT_CONTAINS(parseError("{\"k\xFF\": 1}"), "invalid encoding") << "in a key";
}

TEST(JsonReader, RejectsDuplicateKeys) {
  EXPECT_EQ(parseError(R"({"w": 1, "v": 2, "w": 3})"), "offset 17: duplicate key \"w\" in object");
  // Keys compare decoded; the offset is the duplicate's opening quote, also
  // when the key holds escaped quotes and backslashes.
  EXPECT_EQ(parseError(R"({"a":1,"\u0061":2})"), "offset 7: duplicate key \"a\" in object");
  EXPECT_EQ(parseError(R"({"a\"b\\": 1, "a\"b\\": 2})"),
            R"(offset 14: duplicate key "a\"b\\" in object)");
  EXPECT_EQ(parseError(R"({"x": {"y": 1, "y": 2}})"), "offset 15: duplicate key \"y\" in object")
      << "nested object";
  EXPECT_CONTAINS(parseError(R"([{}, {"n\u0000": 1, "n\u0000": 2}])"), "duplicate key \"n\\u0000\"");
  // The same key in different objects is fine.
  rapidjson::Document v = parseOk(R"({"a": {"a": 1}, "b": [{"a": 2}, {"a": 3}], "c": {"a": {}}})");
  EXPECT_EQ(v["b"][1u]["a"].GetInt64(), 3);
}

TEST(JsonReader, RejectsTooDeepNesting) {
  std::string s(json::kMaxDepth + 1, '[');
  s += std::string(json::kMaxDepth + 1, ']');
  EXPECT_EQ(parseError(s), "offset 64: nesting deeper than 64");
  std::string o;
  for (int i = 0; i <= json::kMaxDepth; ++i)
    o += "{\"k\":";
  o += "1" + std::string(json::kMaxDepth + 1, '}');
  EXPECT_CONTAINS(parseError(o), "nesting deeper");
  std::string deep(100000, '[');
  EXPECT_CONTAINS(parseError(deep), "nesting deeper") << "no stack overflow";
}

namespace {
/// Records the events a parse hands over, one word each.
class Recorder : public json::Handler {
public:
  std::string events;
  int failAt = -1; // stop with an error at this event
  Status startObject() override { return add("{"); }
  Status key(std::string_view name) override { return add("k:" + std::string(name)); }
  Status endObject() override { return add("}"); }
  Status startArray() override { return add("["); }
  Status endArray() override { return add("]"); }
  Status null() override { return add("null"); }
  Status boolean(bool b) override { return add(b ? "true" : "false"); }
  Status integer(int64_t i) override { return add("i:" + std::to_string(i)); }
  Status number(double d) override { return add("d:" + std::to_string(d)); }
  Status string(std::string_view s) override { return add("s:" + std::string(s)); }

private:
  int count_ = 0;
  Status add(const std::string &event) {
    if (count_++ == failAt)
      return Status::badWeights("stopped at " + event);
    events += (events.empty() ? "" : " ") + event;
    return Status();
  }
};
} // namespace

TEST(JsonReader, HandlersGetTheValuesInOrder) {
  Recorder r;
  ASSERT_TRUE(json::parse(R"({"a": [1, 2.5, "x\u0041", null, true], "b": {}})", r).ok());
  EXPECT_EQ(r.events, "{ k:a [ i:1 d:2.500000 s:xA null true ] k:b { } }");
  // A handler's error comes back as it is and stops the parse.
  Recorder stop;
  stop.failAt = 3;
  Status s = json::parse(R"({"a": [1, 2]})", stop);
  EXPECT_EQ(s.code(), LOOM_ERROR_BAD_WEIGHTS);
  EXPECT_EQ(s.message(), "stopped at i:1");
  EXPECT_EQ(stop.events, "{ k:a [");
  // A duplicate is reported when its object closes, before endObject.
  Recorder dup;
  EXPECT_EQ(json::parse(R"({"a": 1, "a": 2})", dup).message(),
            "offset 9: duplicate key \"a\" in object");
  EXPECT_EQ(dup.events, "{ k:a i:1 k:a i:2");
}

TEST(JsonReader, DuplicatesAcrossNestedObjects) {
  // The keys of inner objects come and go between an object's own keys.
  EXPECT_EQ(parseError(R"({"a": {"x": 1, "y": {"a": 2}}, "b": {"x": 1}, "a": 3})"),
            "offset 46: duplicate key \"a\" in object");
  EXPECT_EQ(parseError(R"({"z": 0, "a": {"q": 1, "q": 2}, "z": 1})"),
            "offset 23: duplicate key \"q\" in object")
      << "the inner object closes first";
  parseOk(R"({"a": {"b": 1, "c": {"a": 1, "b": 2}}, "b": {"a": {"b": {}}}, "c": [{"a": 1}]})");
  // With several duplicates, the first one in the text is named.
  EXPECT_EQ(parseError(R"({"b": 1, "a": 2, "c": 3, "c": 4, "a": 5})"),
            "offset 25: duplicate key \"c\" in object");
}
