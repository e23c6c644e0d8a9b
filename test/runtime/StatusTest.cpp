//===- StatusTest.cpp - Status, StatusOr and the last error ---------------===//

#include "loom/runtime/Status.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <thread>

using namespace loom;

TEST(Status, DefaultIsOk) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.code(), LOOM_OK);
  EXPECT_EQ(s.toString(), "OK");
}

TEST(Status, CodesMatchTheCEnum) {
  EXPECT_EQ(LOOM_OK, 0);
  EXPECT_EQ(Status::invalidArgument("x").code(), LOOM_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(Status::io("x").code(), LOOM_ERROR_IO);
  EXPECT_EQ(Status::badWeights("x").code(), LOOM_ERROR_BAD_WEIGHTS);
  EXPECT_EQ(Status::outOfMemory("x").code(), LOOM_ERROR_OUT_OF_MEMORY);
  EXPECT_EQ(Status::internal("x").code(), LOOM_ERROR_INTERNAL);
  EXPECT_STREQ(statusCodeName(LOOM_ERROR_BAD_WEIGHTS), "LOOM_ERROR_BAD_WEIGHTS");
}

TEST(Status, WithPrefix) {
  Status s = Status::io("cannot open").withPrefix("weights file 'w'");
  EXPECT_EQ(s.code(), LOOM_ERROR_IO);
  EXPECT_EQ(s.message(), "weights file 'w': cannot open");
  EXPECT_TRUE(Status().withPrefix("p").ok());
}

TEST(Status, ReportSetsThreadLocalLastError) {
  loom_clear_last_error();
  EXPECT_STREQ(loom_last_error(), "");
  EXPECT_EQ(reportStatus(Status::badWeights("tensor 'a' is missing")), LOOM_ERROR_BAD_WEIGHTS);
  EXPECT_STREQ(loom_last_error(), "tensor 'a' is missing");
  std::string other = "unset";
  std::thread([&] { other = loom_last_error(); }).join();
  EXPECT_EQ(other, "") << "the last error is per thread";
  EXPECT_EQ(reportStatus(Status()), LOOM_OK);
  EXPECT_STREQ(loom_last_error(), "tensor 'a' is missing") << "OK does not clear";
  loom_clear_last_error();
  EXPECT_STREQ(loom_last_error(), "");
}

TEST(Status, GuardCApiTurnsExceptionsIntoStatus) {
  EXPECT_EQ(guardCApi([] { return Status(); }), LOOM_OK);
  EXPECT_EQ(guardCApi([]() -> Status { throw std::bad_alloc(); }), LOOM_ERROR_OUT_OF_MEMORY);
  EXPECT_EQ(guardCApi([]() -> Status { throw std::runtime_error("boom"); }), LOOM_ERROR_INTERNAL);
  EXPECT_NE(std::string(loom_last_error()).find("boom"), std::string::npos);
  EXPECT_EQ(guardCApi([] { return Status::invalidArgument("input 'src': rank 1, expected 2"); }),
            LOOM_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(loom_last_error(), "input 'src': rank 1, expected 2");
}

TEST(Status, StatusOr) {
  StatusOr<int> v = 3;
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*v, 3);
  StatusOr<int> e = Status::io("nope");
  EXPECT_FALSE(e.ok());
  EXPECT_EQ(e.status().code(), LOOM_ERROR_IO);
  StatusOr<int> wrong = Status();
  EXPECT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.status().code(), LOOM_ERROR_INTERNAL);
}

namespace {
Status failsEarly(bool fail, int &reached) {
  LOOM_RETURN_IF_ERROR(fail ? Status::io("early") : Status());
  reached = 1;
  return Status();
}
} // namespace

TEST(Status, ReturnIfError) {
  int reached = 0;
  EXPECT_EQ(failsEarly(true, reached).code(), LOOM_ERROR_IO);
  EXPECT_EQ(reached, 0);
  EXPECT_TRUE(failsEarly(false, reached).ok());
  EXPECT_EQ(reached, 1);
}
