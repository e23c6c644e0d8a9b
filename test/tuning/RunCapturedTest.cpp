//===- RunCapturedTest.cpp - how loomc runs its compilers and timings -----===//
// runCaptured runs every kernel build, link and candidate timing of loomc
// tune, several at once: its output comes back whole however large, its
// time limit is its own (not the process's one alarm()), and what it
// returns says whether the child failed, crashed or hung.
#include "Codegen/Toolchain.h"

#include <gtest/gtest.h>

#include <thread>

using namespace loom;

namespace {

int runShell(const std::string &script, unsigned seconds, std::string &out, std::string &err) {
  return runCaptured({"/bin/sh", "-c", script}, seconds, out, err);
}

TEST(RunCapturedTest, ReturnsExitCodeAndBothStreams) {
  std::string out, err;
  EXPECT_EQ(runShell("echo to-out; echo to-err >&2; exit 7", 0, out, err), 7);
  EXPECT_EQ(out, "to-out\n");
  EXPECT_EQ(err, "to-err\n");
}

TEST(RunCapturedTest, LargeOutputOnBothStreamsDoesNotBlock) {
  // More than a pipe holds on each stream, written interleaved.
  std::string out, err;
  EXPECT_EQ(runShell("for i in $(seq 2000); do echo "
                     "oooooooooooooooooooooooooooooooooooooooooooooooooooooooooooooooooooooooo; "
                     "echo eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee"
                     " >&2; done",
                     30, out, err),
            0);
  EXPECT_EQ(out.size(), 2000u * 73);
  EXPECT_EQ(err.size(), 4000u); // the tail only
  EXPECT_EQ(err.back(), '\n');
}

TEST(RunCapturedTest, HungChildIsKilledAtItsLimit) {
  std::string out, err;
  EXPECT_EQ(runShell("echo started; exec sleep 60", 1, out, err), -2);
  EXPECT_EQ(out, "started\n");
  EXPECT_NE(err.find("timed out after 1 s"), std::string::npos) << err;
}

TEST(RunCapturedTest, ChildThatClosesItsOutputAndHangsIsKilled) {
  std::string out, err;
  EXPECT_EQ(runShell("exec >&- 2>&-; exec sleep 60", 1, out, err), -2);
}

TEST(RunCapturedTest, ParallelRunsKeepTheirOwnLimits) {
  // One alarm() per process would let the second limit replace the first.
  std::string hungOut, hungErr, slowOut, slowErr;
  int hung = 0, slow = 0;
  std::thread a([&] { hung = runShell("exec sleep 60", 1, hungOut, hungErr); });
  std::thread b([&] { slow = runShell("sleep 2; echo done", 20, slowOut, slowErr); });
  a.join();
  b.join();
  EXPECT_EQ(hung, -2);
  EXPECT_EQ(slow, 0);
  EXPECT_EQ(slowOut, "done\n");
}

TEST(RunCapturedTest, CrashIsNotATimeout) {
  std::string out, err;
  EXPECT_EQ(runShell("kill -SEGV $$", 10, out, err), -1);
  EXPECT_NE(err.find("ended by signal 11"), std::string::npos) << err;
}

TEST(RunCapturedTest, MissingProgramIsNamed) {
  std::string out, err;
  EXPECT_EQ(runCaptured({"/nonexistent/loom-tool", "--x"}, 0, out, err), -1);
  EXPECT_NE(err.find("cannot run /nonexistent/loom-tool"), std::string::npos) << err;
}

} // namespace
