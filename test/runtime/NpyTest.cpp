//===- NpyTest.cpp - Reading and writing .npy files -----------------------===//

#include "Npy.h" // runtime/loom-run

#include "TestFiles.h"

#include <gtest/gtest.h>

#include <cstring>

using namespace loom;

namespace {

#define EXPECT_CONTAINS(haystack, needle)                                                          \
  EXPECT_NE(std::string(haystack).find(needle), std::string::npos)                                 \
      << "message: " << (haystack) << "\nexpected to contain: " << (needle)

/// A .npy image with format version major.0, header dict `dict` (padded and
/// newline-terminated as numpy does) and `dataBytes` bytes of data.
std::vector<uint8_t> npyImage(int major, const std::string &dict, size_t dataBytes,
                              const void *data = nullptr) {
  size_t lengthBytes = major == 1 ? 2 : 4;
  std::string header = dict;
  size_t total = 8 + lengthBytes + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  std::vector<uint8_t> out = {0x93, 'N', 'U', 'M', 'P', 'Y', uint8_t(major), 0};
  for (size_t i = 0; i < lengthBytes; ++i)
    out.push_back(uint8_t(header.size() >> (8 * i)));
  out.insert(out.end(), header.begin(), header.end());
  for (size_t i = 0; i < dataBytes; ++i)
    out.push_back(data ? static_cast<const uint8_t *>(data)[i] : uint8_t(i));
  return out;
}

std::string refusal(const std::vector<uint8_t> &bytes) {
  StatusOr<NpyArray> a = parseNpy(bytes.data(), bytes.size(), "in.npy");
  EXPECT_FALSE(a.ok()) << "accepted";
  if (a.ok())
    return "";
  EXPECT_EQ(a.status().code(), LOOM_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(a.status().message().rfind("npy file 'in.npy': ", 0), 0u) << a.status().message();
  return a.status().message();
}

} // namespace

TEST(Npy, RoundTripFloat32) {
  test::TempDir dir;
  std::vector<float> v = {1.5f, -2.0f, 3.25f, 0.0f, 1e-30f, 7.0f};
  std::string path = dir.file("a.npy");
  ASSERT_TRUE(writeNpy(path, {2, 3}, v.data()).ok());
  StatusOr<NpyArray> a = readNpy(path);
  ASSERT_TRUE(a.ok()) << a.status().toString();
  EXPECT_EQ(a->dtype, NpyDtype::Float32);
  EXPECT_EQ(a->shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(a->numElements(), 6);
  EXPECT_EQ(std::vector<float>(a->f32(), a->f32() + 6), v);
  EXPECT_EQ(dir.list().size(), 1u) << "no temporary file left";
}

TEST(Npy, RoundTripInt32AndInt64) {
  test::TempDir dir;
  std::vector<int32_t> i32 = {1, -2, 2147483647};
  ASSERT_TRUE(writeNpy(dir.file("i.npy"), {3}, i32.data()).ok());
  StatusOr<NpyArray> a = readNpy(dir.file("i.npy"));
  ASSERT_TRUE(a.ok()) << a.status().toString();
  EXPECT_EQ(a->dtype, NpyDtype::Int32);
  EXPECT_EQ(a->shape, (std::vector<int64_t>{3}));
  EXPECT_EQ(std::vector<int32_t>(a->i32(), a->i32() + 3), i32);

  std::vector<int64_t> i64 = {5, 6, 7, 8};
  ASSERT_TRUE(writeNpy(dir.file("l.npy"), {2, 1, 2}, i64.data()).ok());
  StatusOr<NpyArray> b = readNpy(dir.file("l.npy"));
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->dtype, NpyDtype::Int64);
  EXPECT_EQ(b->shape, (std::vector<int64_t>{2, 1, 2}));
  EXPECT_EQ(std::vector<int64_t>(b->i64(), b->i64() + 4), i64);
}

TEST(Npy, ScalarAndEmptyArrays) {
  float x = 9.0f;
  std::vector<uint8_t> img = serializeNpy(NpyDtype::Float32, {}, &x);
  StatusOr<NpyArray> a = parseNpy(img.data(), img.size(), "s.npy");
  ASSERT_TRUE(a.ok()) << a.status().toString();
  EXPECT_TRUE(a->shape.empty());
  EXPECT_EQ(a->numElements(), 1);
  EXPECT_EQ(a->f32()[0], 9.0f);

  img = serializeNpy(NpyDtype::Int32, {0, 4}, nullptr);
  a = parseNpy(img.data(), img.size(), "e.npy");
  ASSERT_TRUE(a.ok()) << a.status().toString();
  EXPECT_EQ(a->shape, (std::vector<int64_t>{0, 4}));
  EXPECT_EQ(a->numElements(), 0);
}

TEST(Npy, WriterHeaderIsNumpyStyle) {
  int32_t v[2] = {1, 2};
  std::vector<uint8_t> img = serializeNpy(NpyDtype::Int32, {2}, v);
  ASSERT_EQ(img.size(), 128u + 8u);
  std::string header(img.begin() + 10, img.begin() + 128);
  EXPECT_EQ(header.rfind("{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }", 0), 0u)
      << header;
  EXPECT_EQ(header.back(), '\n');
}

TEST(Npy, ReadsNumpyWrittenHeadersAllVersions) {
  float v[6] = {1, 2, 3, 4, 5, 6};
  for (int major : {1, 2, 3}) {
    std::vector<uint8_t> img =
        npyImage(major, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", 24, v);
    StatusOr<NpyArray> a = parseNpy(img.data(), img.size(), "v.npy");
    ASSERT_TRUE(a.ok()) << "version " << major << ": " << a.status().toString();
    EXPECT_EQ(a->shape, (std::vector<int64_t>{2, 3}));
    EXPECT_EQ(a->f32()[5], 6.0f);
  }
  // Other key orders, double quotes, no trailing comma, 1-tuples, extra spaces.
  std::vector<uint8_t> img =
      npyImage(1, "{\"shape\": ( 4 , ), \"fortran_order\": False, \"descr\": \"<i8\"}", 32);
  StatusOr<NpyArray> a = parseNpy(img.data(), img.size(), "w.npy");
  ASSERT_TRUE(a.ok()) << a.status().toString();
  EXPECT_EQ(a->shape, (std::vector<int64_t>{4}));
  EXPECT_EQ(a->dtype, NpyDtype::Int64);
}

TEST(Npy, BadMagic) {
  std::vector<uint8_t> img = serializeNpy(NpyDtype::Float32, {1}, "\0\0\0\0");
  img[1] = 'X';
  EXPECT_CONTAINS(refusal(img), "bad magic string");
  EXPECT_CONTAINS(refusal({}), "bad magic string");
  EXPECT_CONTAINS(refusal({0x93, 'N', 'U'}), "bad magic string");
}

TEST(Npy, UnsupportedVersion) {
  std::vector<uint8_t> img = npyImage(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", 4);
  img[6] = 4;
  EXPECT_CONTAINS(refusal(img), "unsupported .npy format version 4.0");
}

TEST(Npy, FortranOrder) {
  std::string m = refusal(npyImage(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", 16));
  EXPECT_CONTAINS(m, "Fortran-order arrays are not supported");
}

TEST(Npy, UnsupportedDtypes) {
  for (const char *descr : {"|i1", ">f4", "<f8", "<u4", "|b1", "<f2", "O"}) {
    std::string m = refusal(npyImage(
        1, std::string("{'descr': '") + descr + "', 'fortran_order': False, 'shape': (1,), }", 8));
    EXPECT_CONTAINS(m, std::string("unsupported dtype '") + descr + "'");
    EXPECT_CONTAINS(m, "supported: '<f4', '<i4', '<i8'");
  }
}

TEST(Npy, TruncatedData) {
  std::string m = refusal(npyImage(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", 20));
  EXPECT_CONTAINS(m, "truncated data: the shape needs 24 bytes, the file has 20");
  m = refusal(npyImage(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", 12));
  EXPECT_CONTAINS(m, "4 bytes after the data");
}

TEST(Npy, TruncatedOnDisk) {
  test::TempDir dir;
  float v[4] = {1, 2, 3, 4};
  std::vector<uint8_t> img = serializeNpy(NpyDtype::Float32, {4}, v);
  img.resize(img.size() - 3);
  std::string path = dir.file("cut.npy");
  test::writeBytes(path, img);
  StatusOr<NpyArray> a = readNpy(path);
  ASSERT_FALSE(a.ok());
  EXPECT_CONTAINS(a.status().message(), "npy file '" + path + "': truncated data");
  img.resize(30);
  test::writeBytes(path, img);
  a = readNpy(path);
  ASSERT_FALSE(a.ok());
  EXPECT_CONTAINS(a.status().message(), "truncated header");
}

TEST(Npy, MissingFile) {
  StatusOr<NpyArray> a = readNpy("/nonexistent/x.npy");
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.status().code(), LOOM_ERROR_IO);
  EXPECT_CONTAINS(a.status().message(), "npy file '/nonexistent/x.npy'");
}

TEST(Npy, MalformedHeaders) {
  auto header = [](const std::string &dict) { return refusal(npyImage(1, dict, 4)); };
  EXPECT_CONTAINS(header("'descr'"), "not a Python dict");
  EXPECT_CONTAINS(header("{'descr': '<f4', 'shape': (1,), }"), "no 'fortran_order'");
  EXPECT_CONTAINS(header("{'descr': '<f4', 'fortran_order': False}"), "no 'shape'");
  EXPECT_CONTAINS(header("{'fortran_order': False, 'shape': (1,)}"), "no 'descr'");
  EXPECT_CONTAINS(header("{'descr': '<f4', 'fortran_order': False, 'shape': (1)}"),
                  "needs a trailing comma");
  EXPECT_CONTAINS(header("{'descr': '<f4', 'fortran_order': False, 'shape': [1]}"),
                  "'shape' is not a tuple");
  EXPECT_CONTAINS(header("{'descr': '<f4', 'fortran_order': False, 'shape': (-1,)}"),
                  "non-negative integer");
  EXPECT_CONTAINS(header("{'descr': '<f4', 'fortran_order': 0, 'shape': (1,)}"),
                  "not True or False");
  EXPECT_CONTAINS(header("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x': 1}"),
                  "unexpected key 'x'");
  EXPECT_CONTAINS(header("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (1,)}"),
                  "duplicate key 'descr'");
  EXPECT_CONTAINS(header("{'descr': '<f4', 'fortran_order': False, 'shape': (1,)} x"),
                  "after the header dict");
  EXPECT_CONTAINS(
      header("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,)}"),
      "too large");
  EXPECT_CONTAINS(
      header("{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296, 4)}"),
      "too many elements");
}

TEST(Npy, ToInt32) {
  int64_t ok[3] = {0, -5, 2147483647};
  std::vector<uint8_t> img = serializeNpy(NpyDtype::Int64, {3}, ok);
  StatusOr<NpyArray> a = parseNpy(img.data(), img.size(), "t");
  ASSERT_TRUE(a.ok());
  StatusOr<std::vector<int32_t>> v = npyToInt32(*a, "input 'src'");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*v, (std::vector<int32_t>{0, -5, 2147483647}));

  int64_t bad[2] = {1, 1ll << 40};
  img = serializeNpy(NpyDtype::Int64, {2}, bad);
  a = parseNpy(img.data(), img.size(), "t");
  ASSERT_TRUE(a.ok());
  v = npyToInt32(*a, "input 'src'");
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().message(), "input 'src': element 1 (1099511627776) does not fit in int32");

  float f = 1;
  img = serializeNpy(NpyDtype::Float32, {1}, &f);
  a = parseNpy(img.data(), img.size(), "t");
  v = npyToInt32(*a, "input 'src_len'");
  ASSERT_FALSE(v.ok());
  EXPECT_CONTAINS(v.status().message(), "input 'src_len': dtype is '<f4'");
}

TEST(Npy, NumElementsNeverOverflows) {
  NpyArray a;
  a.shape = {int64_t(1) << 40, int64_t(1) << 40, 0};
  EXPECT_EQ(a.numElements(), 0) << "a zero dimension wins, wherever it is";
  a.shape = {0, int64_t(1) << 40, int64_t(1) << 40};
  EXPECT_EQ(a.numElements(), 0);
  a.shape = {int64_t(1) << 40, int64_t(1) << 40};
  EXPECT_EQ(a.numElements(), INT64_MAX) << "saturates instead of overflowing";
  a.shape = {INT64_MAX, 1};
  EXPECT_EQ(a.numElements(), INT64_MAX);
  a.shape = {};
  EXPECT_EQ(a.numElements(), 1);
  a.shape = {3, 0, 5};
  EXPECT_EQ(a.numElements(), 0);

  // The parser agrees: such a shape is an empty array, not "too many elements".
  std::vector<uint8_t> img = serializeNpy(NpyDtype::Int32, {int64_t(1) << 40, int64_t(1) << 40, 0},
                                          nullptr);
  StatusOr<NpyArray> parsed = parseNpy(img.data(), img.size(), "empty.npy");
  ASSERT_TRUE(parsed.ok()) << parsed.status().toString();
  EXPECT_EQ(parsed->numElements(), 0);
  EXPECT_TRUE(parsed->bytes.empty());
  StatusOr<std::vector<int32_t>> values = npyToInt32(*parsed, "empty");
  ASSERT_TRUE(values.ok());
  EXPECT_TRUE(values->empty());
}

TEST(Npy, LongHeadersUseVersion2) {
  std::vector<int64_t> shape(30000, 1); // "1, " each: longer than a 16-bit length
  int32_t v = 7;
  std::vector<uint8_t> img = serializeNpy(NpyDtype::Int32, shape, &v);
  EXPECT_EQ(img[6], 2);
  StatusOr<NpyArray> a = parseNpy(img.data(), img.size(), "long.npy");
  ASSERT_TRUE(a.ok()) << a.status().toString();
  EXPECT_EQ(a->shape.size(), 30000u);
  EXPECT_EQ(a->i32()[0], 7);
  EXPECT_EQ(serializeNpy(NpyDtype::Int32, {1}, &v)[6], 1) << "short headers stay 1.0";
}
