//===- SafetensorsTest.cpp - Reading, validating and writing weights ------===//

#include "loom/runtime/SafetensorsReader.h"
#include "loom/runtime/SafetensorsWriter.h"

#include "TestFiles.h"

#include <gtest/gtest.h>

#include <cstring>
#include <numeric>
#include <optional>

using namespace loom;

namespace {

/// A file image: 8-byte length, `header` verbatim, `dataBytes` bytes of data.
std::vector<uint8_t> image(const std::string &header, size_t dataBytes) {
  std::vector<uint8_t> out(8 + header.size() + dataBytes);
  uint64_t n = header.size();
  for (int i = 0; i < 8; ++i)
    out[i] = uint8_t(n >> (8 * i));
  std::memcpy(out.data() + 8, header.data(), header.size());
  for (size_t i = 0; i < dataBytes; ++i)
    out[8 + header.size() + i] = uint8_t(i);
  return out;
}

/// The error message of validating `bytes` (fails the test if it is accepted
/// or has another code than `code`).
std::string refusal(const std::vector<uint8_t> &bytes, loom_status code = LOOM_ERROR_BAD_WEIGHTS) {
  StatusOr<SafetensorsReader> r = SafetensorsReader::fromBytes(bytes, "w.safetensors");
  EXPECT_FALSE(r.ok()) << "accepted";
  if (r.ok())
    return "";
  EXPECT_EQ(r.status().code(), code) << r.status().toString();
  EXPECT_EQ(r.status().message().rfind("weights file 'w.safetensors': ", 0), 0u)
      << r.status().message();
  return r.status().message();
}

std::string refusal(const std::string &header, size_t dataBytes) {
  return refusal(image(header, dataBytes));
}

#define EXPECT_CONTAINS(haystack, needle)                                                          \
  EXPECT_NE(std::string(haystack).find(needle), std::string::npos)                                 \
      << "message: " << (haystack) << "\nexpected to contain: " << (needle)

const std::string kName = "transformer.encoder.layers.0.linear1.weight";

} // namespace

TEST(Safetensors, WriterReaderRoundTrip) {
  test::TempDir dir;
  std::vector<float> a(6), b(4), scalar = {42.5f};
  std::iota(a.begin(), a.end(), 1.0f);
  std::iota(b.begin(), b.end(), -2.0f);
  SafetensorsWriter w;
  ASSERT_TRUE(w.addF32("z.bias", {4}, b.data()).ok());
  ASSERT_TRUE(w.addF32("a.weight", {2, 3}, a.data()).ok());
  ASSERT_TRUE(w.addF32("m.scale", {}, scalar.data()).ok());
  ASSERT_TRUE(w.addF32("empty", {0, 5}, nullptr).ok());
  w.setMetadata("format", "pt");
  std::string path = dir.file("w.safetensors");
  Status ws = w.write(path);
  ASSERT_TRUE(ws.ok()) << ws.toString();
  EXPECT_EQ(dir.list(), std::vector<std::string>{"w.safetensors"}) << "no temporary file left";

  StatusOr<SafetensorsReader> r = SafetensorsReader::open(path);
  ASSERT_TRUE(r.ok()) << r.status().toString();
  ASSERT_EQ(r->tensors().size(), 4u);
  EXPECT_EQ(r->tensors()[0].name, "a.weight") << "sorted by name";
  EXPECT_EQ(r->tensors()[3].name, "z.bias");
  const TensorInfo *info = r->find("a.weight");
  ASSERT_NE(info, nullptr);
  EXPECT_EQ(info->dtype, "F32");
  EXPECT_EQ(info->shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(info->numElements, 6);
  const float *pa = r->f32("a.weight");
  ASSERT_NE(pa, nullptr);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(pa) % 4, 0u);
  EXPECT_EQ(std::vector<float>(pa, pa + 6), a);
  EXPECT_EQ(std::vector<float>(r->f32("z.bias"), r->f32("z.bias") + 4), b);
  EXPECT_EQ(*r->f32("m.scale"), 42.5f);
  EXPECT_EQ(r->find("m.scale")->shape.size(), 0u);
  EXPECT_EQ(r->find("empty")->numElements, 0);
  EXPECT_EQ(r->f32("nope"), nullptr);

  Status check = r->checkExpected({{"a.weight", {2, 3}},
                                   {"z.bias", {4}},
                                   {"m.scale", {}},
                                   {"empty", {0, 5}}});
  EXPECT_TRUE(check.ok()) << check.toString();

  // The header is padded so that the data area starts 8-byte aligned.
  std::vector<uint8_t> bytes = w.serialize();
  uint64_t n = 0;
  std::memcpy(&n, bytes.data(), 8);
  EXPECT_EQ((8 + n) % 8, 0u);
  EXPECT_EQ(bytes[8 + n - 1] == ' ' || bytes[8 + n - 1] == '}', true);
}

TEST(Safetensors, WriterOverwritesAtomically) {
  test::TempDir dir;
  std::string path = dir.file("w.safetensors");
  float x = 1, y = 2;
  SafetensorsWriter w1, w2;
  ASSERT_TRUE(w1.addF32("x", {1}, &x).ok());
  ASSERT_TRUE(w2.addF32("y", {1}, &y).ok());
  ASSERT_TRUE(w1.write(path).ok());
  ASSERT_TRUE(w2.write(path).ok());
  StatusOr<SafetensorsReader> r = SafetensorsReader::open(path);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->find("x"), nullptr);
  EXPECT_EQ(*r->f32("y"), 2.0f);
  EXPECT_EQ(dir.list().size(), 1u);
}

TEST(Safetensors, WriterRefusesBadTensors) {
  float x = 0;
  SafetensorsWriter w;
  ASSERT_TRUE(w.addF32("x", {1}, &x).ok());
  EXPECT_EQ(w.addF32("x", {1}, &x).code(), LOOM_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(w.addF32("", {1}, &x).code(), LOOM_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(w.addF32("__metadata__", {1}, &x).code(), LOOM_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(w.addF32("neg", {-1}, &x).code(), LOOM_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(w.addF32("null", {3}, nullptr).code(), LOOM_ERROR_INVALID_ARGUMENT);
  Status s = w.write("/nonexistent-dir/w.safetensors");
  EXPECT_EQ(s.code(), LOOM_ERROR_IO);
  EXPECT_CONTAINS(s.message(), "/nonexistent-dir/w.safetensors");
}

TEST(Safetensors, NamesWithEscapesRoundTrip) {
  float x = 3;
  SafetensorsWriter w;
  std::string name = "we\"ird\\name\x01\xC3\xA9";
  ASSERT_TRUE(w.addF32(name, {1}, &x).ok());
  StatusOr<SafetensorsReader> r = SafetensorsReader::fromBytes(w.serialize(), "mem");
  ASSERT_TRUE(r.ok()) << r.status().toString();
  ASSERT_NE(r->f32(name), nullptr);
  EXPECT_EQ(*r->f32(name), 3.0f);
}

TEST(Safetensors, MissingFileIsIoError) {
  StatusOr<SafetensorsReader> r = SafetensorsReader::open("/nonexistent/w.safetensors");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), LOOM_ERROR_IO);
  EXPECT_CONTAINS(r.status().message(), "weights file '/nonexistent/w.safetensors'");
  EXPECT_CONTAINS(r.status().message(), "No such file");
}

TEST(Safetensors, DirectoryIsIoError) {
  test::TempDir dir;
  StatusOr<SafetensorsReader> r = SafetensorsReader::open(dir.file(""));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), LOOM_ERROR_IO);
  EXPECT_CONTAINS(r.status().message(), "not a regular file");
}

TEST(Safetensors, TruncatedFiles) {
  EXPECT_CONTAINS(refusal(std::vector<uint8_t>{}), "file is 0 bytes, too short");
  EXPECT_CONTAINS(refusal(std::vector<uint8_t>{1, 2, 3}), "file is 3 bytes, too short");
  // A valid file cut short: the header length now exceeds the file, or the
  // data area no longer covers the tensors.
  float x[4] = {1, 2, 3, 4};
  SafetensorsWriter w;
  ASSERT_TRUE(w.addF32(kName, {4}, x).ok());
  std::vector<uint8_t> full = w.serialize();
  std::vector<uint8_t> cutHeader(full.begin(), full.begin() + 20);
  EXPECT_CONTAINS(refusal(cutHeader), "exceeds the file size (20 bytes)");
  std::vector<uint8_t> cutData(full.begin(), full.end() - 1);
  std::string m = refusal(cutData);
  EXPECT_CONTAINS(m, "tensor '" + kName + "'");
  EXPECT_CONTAINS(m, "outside the data area of 15 bytes");
}

TEST(Safetensors, TruncatedFileOnDisk) {
  test::TempDir dir;
  std::string path = dir.file("cut.safetensors");
  test::writeBytes(path, {16, 0, 0});
  StatusOr<SafetensorsReader> r = SafetensorsReader::open(path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), LOOM_ERROR_BAD_WEIGHTS);
  EXPECT_CONTAINS(r.status().message(), "weights file '" + path + "': file is 3 bytes");
}

TEST(Safetensors, AbsurdHeaderLength) {
  std::vector<uint8_t> bytes = image("{}", 0);
  uint64_t n = 200ull * 1024 * 1024;
  std::memcpy(bytes.data(), &n, 8);
  EXPECT_CONTAINS(refusal(bytes), "header length 209715200 is larger than the limit");
  n = ~0ull;
  std::memcpy(bytes.data(), &n, 8);
  EXPECT_CONTAINS(refusal(bytes), "larger than the limit");
  // Refused from the length alone, before anything is read or parsed.
  n = kMaxSafetensorsHeaderBytes + 1;
  std::memcpy(bytes.data(), &n, 8);
  EXPECT_CONTAINS(refusal(bytes), "header length " + std::to_string(n) +
                                      " is larger than the limit of 16777216 bytes");
}

TEST(Safetensors, BadHeaders) {
  EXPECT_CONTAINS(refusal("", 0), "header is not valid JSON");
  EXPECT_CONTAINS(refusal("{\"a\":", 0), "header is not valid JSON: offset 5");
  EXPECT_CONTAINS(refusal("[1, 2]", 0), "header is a JSON array, expected an object");
  EXPECT_CONTAINS(refusal("{\"w\": 3}", 0), "tensor 'w': header entry is not an object (found integer)");
  EXPECT_CONTAINS(refusal("{\"__metadata__\": 3}", 0), "\"__metadata__\" is not an object");
}

TEST(Safetensors, EmptyHeaderAndMetadataAreFine) {
  EXPECT_TRUE(SafetensorsReader::fromBytes(image("{}", 0), "e").ok());
  EXPECT_TRUE(SafetensorsReader::fromBytes(image("{}      ", 0), "e").ok());
  StatusOr<SafetensorsReader> r = SafetensorsReader::fromBytes(
      image(R"({"__metadata__":{"format":"pt"},"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", 8),
      "m");
  ASSERT_TRUE(r.ok()) << r.status().toString();
  EXPECT_EQ(r->tensors().size(), 1u);
}

TEST(Safetensors, EntryWithoutRequiredKeys) {
  std::string base = "{\"" + kName + "\": ";
  EXPECT_CONTAINS(refusal(base + R"({"shape":[1],"data_offsets":[0,4]}})", 4),
                  "tensor '" + kName + "': header entry has no \"dtype\"");
  EXPECT_CONTAINS(refusal(base + R"({"dtype":"F32","data_offsets":[0,4]}})", 4),
                  "tensor '" + kName + "': header entry has no \"shape\"");
  EXPECT_CONTAINS(refusal(base + R"({"dtype":"F32","shape":[1]}})", 4),
                  "tensor '" + kName + "': header entry has no \"data_offsets\"");
  EXPECT_CONTAINS(refusal(base + R"({"dtype":"F32","shape":[1],"data_offsets":[0,4],"x":1}})", 4),
                  "unexpected key 'x'");
  EXPECT_CONTAINS(refusal(base + R"({"dtype":4,"shape":[1],"data_offsets":[0,4]}})", 4),
                  "\"dtype\" is not a string");
  EXPECT_CONTAINS(refusal(base + R"({"dtype":"F32","shape":1,"data_offsets":[0,4]}})", 4),
                  "\"shape\" is not an array");
  EXPECT_CONTAINS(refusal(base + R"({"dtype":"F32","shape":[1],"data_offsets":[0]}})", 4),
                  "\"data_offsets\" is not an array [begin, end]");
  EXPECT_CONTAINS(refusal(base + R"({"dtype":"F32","shape":[1],"data_offsets":[0,"4"]}})", 4),
                  "\"data_offsets\" are not non-negative integers");
  EXPECT_CONTAINS(refusal(base + R"({"dtype":"F32","shape":[1],"data_offsets":[-4,0]}})", 4),
                  "\"data_offsets\" are not non-negative integers");
}

TEST(Safetensors, BadShapes) {
  EXPECT_CONTAINS(refusal(R"({"w":{"dtype":"F32","shape":[2,-1],"data_offsets":[0,4]}})", 4),
                  "tensor 'w': shape dimension 1 is not a non-negative integer");
  EXPECT_CONTAINS(refusal(R"({"w":{"dtype":"F32","shape":[2.5],"data_offsets":[0,4]}})", 4),
                  "tensor 'w': shape dimension 0 is not a non-negative integer");
  EXPECT_CONTAINS(refusal(R"({"w":{"dtype":"F32","shape":["2"],"data_offsets":[0,4]}})", 4),
                  "shape dimension 0 is not a non-negative integer");
  EXPECT_CONTAINS(refusal(R"({"w":{"dtype":"F32","shape":[99999999999999999999],"data_offsets":[0,4]}})", 4),
                  "shape dimension 0 is not a non-negative integer");
  EXPECT_CONTAINS(
      refusal(R"({"w":{"dtype":"F32","shape":[4294967296,4294967296,16],"data_offsets":[0,4]}})", 4),
      "tensor 'w': the number of elements of its shape overflows");
  EXPECT_CONTAINS(
      refusal(R"({"w":{"dtype":"F64","shape":[4294967296,1073741824],"data_offsets":[0,4]}})", 4),
      "tensor 'w': its byte size overflows");
}

TEST(Safetensors, UnknownDtype) {
  EXPECT_CONTAINS(refusal(R"({"w":{"dtype":"F33","shape":[1],"data_offsets":[0,4]}})", 4),
                  "tensor 'w': unknown dtype 'F33'");
}

TEST(Safetensors, ByteSizeMustMatchDtypeAndShape) {
  EXPECT_CONTAINS(refusal(R"({"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,20]}})", 20),
                  "tensor 'w': data_offsets [0, 20) hold 20 bytes, but F32 [2, 3] needs 24");
  // F16 with the F32 byte count.
  EXPECT_CONTAINS(refusal(R"({"w":{"dtype":"F16","shape":[2],"data_offsets":[0,8]}})", 8),
                  "hold 8 bytes, but F16 [2] needs 4");
}

TEST(Safetensors, OffsetsOutOfOrderOverlappingOrOutside) {
  EXPECT_CONTAINS(refusal(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[8,4]}})", 8),
                  "tensor 'w': data_offsets [8, 4) end before they begin");
  EXPECT_CONTAINS(refusal(R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})", 8),
                  "tensor 'w': data_offsets [4, 12) lie outside the data area of 8 bytes");
  EXPECT_CONTAINS(refusal(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                          R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                          12),
                  "tensor 'b' (bytes [4, 12)) overlaps tensor 'a' (bytes [0, 8))");
  EXPECT_CONTAINS(refusal(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                          R"("b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}})",
                          12),
                  "tensor 'b' starts at byte 8 of the data area, leaving a gap after byte 4");
  EXPECT_CONTAINS(refusal(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", 12),
                  "the data area has 12 bytes but the tensors cover only 4");
}

TEST(Safetensors, OffsetsInAnyHeaderOrderAreFine) {
  StatusOr<SafetensorsReader> r = SafetensorsReader::fromBytes(
      image(R"({"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]},)"
            R"("a":{"dtype":"I64","shape":[1],"data_offsets":[8,16]},)"
            R"("c":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})",
            16),
      "x");
  ASSERT_TRUE(r.ok()) << r.status().toString();
  EXPECT_EQ(r->f32("a"), nullptr) << "not F32";
  EXPECT_NE(r->f32("b"), nullptr);
}

TEST(Safetensors, DuplicateNames) {
  EXPECT_CONTAINS(refusal(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                          R"("w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
                          8),
                  "duplicate key \"w\"");
}

TEST(Safetensors, DuplicateKeysAnywhere) {
  EXPECT_CONTAINS(refusal(R"({"w":{"dtype":"F32","shape":[1],"dtype":"F16","data_offsets":[0,4]}})", 4),
                  "header is not valid JSON: offset 32: duplicate key \"dtype\" in object");
  EXPECT_CONTAINS(refusal(R"({"__metadata__":{"format":"pt","format":"np"}})", 0),
                  "duplicate key \"format\"");
  EXPECT_CONTAINS(refusal(R"({"__metadata__":{},"__metadata__":{}})", 0),
                  "duplicate key \"__metadata__\"");
}

TEST(Safetensors, HeaderJsonIsStrict) {
  std::string entry = R"({"dtype":"F32","shape":[1],"data_offsets":[0,4]})";
  EXPECT_CONTAINS(refusal("{\"w\xFF\":" + entry + "}", 4), "header is not valid JSON: offset 3");
  EXPECT_CONTAINS(refusal("{\"w\\udc00\":" + entry + "}", 4), "unpaired low surrogate");
  EXPECT_CONTAINS(refusal("{\"w\":" + entry + ",}", 4), "header is not valid JSON");
  EXPECT_CONTAINS(refusal("{\"w\":" + entry + "} x", 4),
                  "offset 55: unexpected trailing characters after the JSON value");
  EXPECT_TRUE(SafetensorsReader::fromBytes(image("{\"w\":" + entry + "}\n\t ", 4), "ws").ok())
      << "any JSON whitespace may pad the header";
}

TEST(Safetensors, HostileNumbersAreHarmless) {
  // Numbers RapidJSON 1.1.0 itself would convert out of bounds.
  EXPECT_TRUE(SafetensorsReader::fromBytes(
                  image(R"({"__metadata__":{"x":0.0000000000e-2147483639,)"
                        R"("y":128.74836467836484838364836483643636483648e-336}})",
                        0),
                  "n")
                  .ok());
  EXPECT_CONTAINS(refusal(R"({"w":{"dtype":"F32","shape":[1e-99999],"data_offsets":[0,4]}})", 4),
                  "shape dimension 0 is not a non-negative integer");
}

TEST(Safetensors, MisalignedDataIsCopiedAligned) {
  // Header length 5 puts the data area at byte 13 of the file.
  std::string header = R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
  header += std::string((8 - (8 + header.size()) % 8) % 8 + 1, ' ');
  std::vector<uint8_t> bytes = image(header, 0);
  float v[2] = {1.25f, -3.5f};
  bytes.insert(bytes.end(), reinterpret_cast<uint8_t *>(v), reinterpret_cast<uint8_t *>(v) + 8);
  StatusOr<SafetensorsReader> r = SafetensorsReader::fromBytes(bytes, "odd");
  ASSERT_TRUE(r.ok()) << r.status().toString();
  const float *p = r->f32("w");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % 4, 0u);
  EXPECT_EQ(p[0], 1.25f);
  EXPECT_EQ(p[1], -3.5f);
}

class SafetensorsExpected : public ::testing::Test {
protected:
  void SetUp() override {
    weight.assign(2048 * 512, 0.5f);
    bias.assign(2048, 0.25f);
    ASSERT_TRUE(writer.addF32(kName, {2048, 512}, weight.data()).ok());
    ASSERT_TRUE(writer.addF32("transformer.encoder.layers.0.linear1.bias", {2048}, bias.data()).ok());
    path = dir.file("w.safetensors");
    ASSERT_TRUE(writer.write(path).ok());
    StatusOr<SafetensorsReader> r = SafetensorsReader::open(path);
    ASSERT_TRUE(r.ok());
    reader.emplace(std::move(r).value());
  }

  std::vector<TensorSpec> specs() const {
    return {{kName, {2048, 512}}, {"transformer.encoder.layers.0.linear1.bias", {2048}}};
  }

  test::TempDir dir;
  std::vector<float> weight, bias;
  SafetensorsWriter writer;
  std::string path;
  std::optional<SafetensorsReader> reader;
};

TEST_F(SafetensorsExpected, Matches) {
  EXPECT_TRUE(reader->checkExpected(specs()).ok());
  StatusOr<SafetensorsReader> r = SafetensorsReader::openChecked(path, specs());
  ASSERT_TRUE(r.ok()) << r.status().toString();
  EXPECT_EQ(r->f32(kName)[2048 * 512 - 1], 0.5f);
}

TEST_F(SafetensorsExpected, WrongShapeNamesTheTensor) {
  std::vector<TensorSpec> expected = specs();
  expected[0].shape = {2048, 511};
  Status s = reader->checkExpected(expected);
  EXPECT_EQ(s.code(), LOOM_ERROR_BAD_WEIGHTS);
  EXPECT_EQ(s.message(), "weights file '" + path + "': tensor '" + kName +
                             "' has shape [2048, 512], expected [2048, 511]");
  StatusOr<SafetensorsReader> r = SafetensorsReader::openChecked(path, expected);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), s.message());
}

TEST_F(SafetensorsExpected, MissingTensor) {
  std::vector<TensorSpec> expected = specs();
  expected.push_back({"output.weight", {10, 512}});
  Status s = reader->checkExpected(expected);
  EXPECT_EQ(s.code(), LOOM_ERROR_BAD_WEIGHTS);
  EXPECT_EQ(s.message(),
            "weights file '" + path + "': missing tensor 'output.weight' (expected F32 [10, 512])");
}

TEST_F(SafetensorsExpected, ExtraTensor) {
  std::vector<TensorSpec> expected = specs();
  expected.pop_back();
  Status s = reader->checkExpected(expected);
  EXPECT_EQ(s.code(), LOOM_ERROR_BAD_WEIGHTS);
  EXPECT_EQ(s.message(), "weights file '" + path +
                             "': unexpected tensor 'transformer.encoder.layers.0.linear1.bias' "
                             "(F32 [2048])");
}

TEST_F(SafetensorsExpected, WrongDtype) {
  std::vector<TensorSpec> expected = specs();
  expected[1].dtype = "F16";
  Status s = reader->checkExpected(expected);
  EXPECT_EQ(s.code(), LOOM_ERROR_BAD_WEIGHTS);
  EXPECT_CONTAINS(s.message(),
                  "tensor 'transformer.encoder.layers.0.linear1.bias' has dtype F32, expected F16");
}

TEST_F(SafetensorsExpected, CountsFurtherProblems) {
  std::vector<TensorSpec> expected = {{kName, {1}}, {"a", {1}}, {"b", {1}}};
  Status s = reader->checkExpected(expected);
  EXPECT_CONTAINS(s.message(), "tensor '" + kName + "' has shape [2048, 512], expected [1]");
  EXPECT_CONTAINS(s.message(), "(and 3 more problems)");
}

TEST(Safetensors, WrongDtypeInFile) {
  StatusOr<SafetensorsReader> r = SafetensorsReader::fromBytes(
      image(R"({"w":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}})", 4), "h.safetensors");
  ASSERT_TRUE(r.ok());
  Status s = r->checkExpected({{"w", {2}}});
  EXPECT_EQ(s.code(), LOOM_ERROR_BAD_WEIGHTS);
  EXPECT_EQ(s.message(), "weights file 'h.safetensors': tensor 'w' has dtype F16, expected F32");
}

namespace {
/// A header of `count` empty tensors ("t0", "t1", ...), all at [0, 0).
std::string emptyTensors(size_t count) {
  std::string header = "{";
  for (size_t i = 0; i < count; ++i)
    header += (i ? ",\"t" : "\"t") + std::to_string(i) +
              R"(":{"dtype":"F32","shape":[0],"data_offsets":[0,0]})";
  return header + "}";
}
} // namespace

TEST(Safetensors, TensorCountLimit) {
  StatusOr<SafetensorsReader> most =
      SafetensorsReader::fromBytes(image(emptyTensors(kMaxSafetensorsTensors), 0), "most");
  ASSERT_TRUE(most.ok()) << most.status().toString();
  EXPECT_EQ(most->tensors().size(), kMaxSafetensorsTensors);
  EXPECT_CONTAINS(refusal(emptyTensors(kMaxSafetensorsTensors + 1), 0),
                  "weights file 'w.safetensors': the header has more than 65536 tensors, the limit");
  // "__metadata__" is no tensor.
  std::string withMetadata = emptyTensors(kMaxSafetensorsTensors);
  withMetadata.insert(1, R"("__metadata__":{"format":"pt"},)");
  EXPECT_TRUE(SafetensorsReader::fromBytes(image(withMetadata, 0), "m").ok());
}

TEST(Safetensors, RankLimit) {
  auto ones = [](size_t rank) {
    std::string shape;
    for (size_t i = 0; i < rank; ++i)
      shape += (i ? ",1" : "1");
    return R"({"w":{"dtype":"F32","shape":[)" + shape + R"(],"data_offsets":[0,4]}})";
  };
  StatusOr<SafetensorsReader> r = SafetensorsReader::fromBytes(image(ones(kMaxSafetensorsRank), 4), "r");
  ASSERT_TRUE(r.ok()) << r.status().toString();
  EXPECT_EQ(r->find("w")->shape.size(), kMaxSafetensorsRank);
  EXPECT_CONTAINS(refusal(ones(kMaxSafetensorsRank + 1), 4),
                  "tensor 'w': its shape has 65 dimensions, more than the limit of 64");
  EXPECT_CONTAINS(refusal(ones(1000000), 4), "its shape has 1000000 dimensions");
}

TEST(Safetensors, AHeaderAtTheLimitIsParsedWithoutADocument) {
  // 16 MiB of tiny metadata keys (about 1.4 million), then a tensor: read as
  // it streams by; a duplicate key at the very end is still found.
  std::string header = R"({"__metadata__":{)";
  std::string tail = R"("last":""},"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})";
  for (size_t i = 0; header.size() + tail.size() + 16 < kMaxSafetensorsHeaderBytes; ++i)
    header += "\"" + std::to_string(i) + "\":\"\",";
  std::string full = header + tail;
  full.append(kMaxSafetensorsHeaderBytes - full.size(), ' ');
  ASSERT_EQ(full.size(), kMaxSafetensorsHeaderBytes);
  StatusOr<SafetensorsReader> r = SafetensorsReader::fromBytes(image(full, 4), "big");
  ASSERT_TRUE(r.ok()) << r.status().toString();
  EXPECT_EQ(r->tensors().size(), 1u);

  std::string duplicate = header + R"("7":""},"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})";
  EXPECT_CONTAINS(refusal(duplicate, 4), "header is not valid JSON: offset " +
                                             std::to_string(header.size()) +
                                             ": duplicate key \"7\" in object");
}

TEST(Safetensors, EntriesAreCheckedWhateverTheirValuesHold) {
  // Values of the wrong kind, nested containers included, give the same
  // messages as before; unknown keys' values are skipped whatever they hold.
  EXPECT_CONTAINS(refusal(R"({"w":{"dtype":{"a":[1]},"shape":[1],"data_offsets":[0,4]}})", 4),
                  "tensor 'w': \"dtype\" is not a string");
  EXPECT_CONTAINS(refusal(R"({"w":{"dtype":"F32","shape":{"0":1},"data_offsets":[0,4]}})", 4),
                  "tensor 'w': \"shape\" is not an array");
  EXPECT_CONTAINS(refusal(R"({"w":{"dtype":"F32","shape":[[1]],"data_offsets":[0,4]}})", 4),
                  "tensor 'w': shape dimension 0 is not a non-negative integer");
  EXPECT_CONTAINS(refusal(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0,[4]]}})", 4),
                  "\"data_offsets\" are not non-negative integers");
  EXPECT_CONTAINS(refusal(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4,8]}})", 4),
                  "\"data_offsets\" is not an array [begin, end]");
  EXPECT_CONTAINS(refusal(R"({"w":{"dtype":"F32","x":{"y":[{}]},"shape":[1],"data_offsets":[0,4]}})", 4),
                  "tensor 'w': unexpected key 'x' in header entry");
  EXPECT_CONTAINS(refusal(R"({"w":[{"dtype":"F32"}]})", 0),
                  "tensor 'w': header entry is not an object (found array)");
  EXPECT_CONTAINS(refusal("null", 0), "header is a JSON null, expected an object");
  EXPECT_CONTAINS(refusal(R"({"__metadata__":[]})", 0), "\"__metadata__\" is not an object");
  StatusOr<SafetensorsReader> r = SafetensorsReader::fromBytes(
      image(R"({"__metadata__":{"a":{"b":[1,{"c":null}]},"n":1.5},)"
            R"("w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})",
            4),
      "nested metadata");
  ASSERT_TRUE(r.ok()) << r.status().toString();
  EXPECT_EQ(r->tensors().size(), 1u);
}
