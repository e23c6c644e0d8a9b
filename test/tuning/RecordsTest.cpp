//===- RecordsTest.cpp - tuning records, shapes and the search space ------===//
#include "Tuning/Records.h"

#include "llvm/Support/FileSystem.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <optional>

using namespace loom;
using namespace loom::tuning;

namespace {

TuningRecord sample() {
  TuningRecord r;
  r.kernel = "linear_relu";
  r.family = "linear";
  r.isa = "avx512";
  r.params = {"activation=relu", "k=0", "n=0"};
  r.workload = "0123abcd";
  r.shapes = "B=8,S=128,T=128";
  r.functions = "forward";
  r.schedule = {{"tile_rows", 6}, {"tile_vectors", 4}};
  r.status = "ok";
  r.medianMicros = 812.5;
  r.defaultMicros = 901.25;
  r.repeats = 10;
  r.error = "a \"quoted\"\nline";
  r.machine = {"AMD EPYC", "avx2 fma avx512f", 2};
  r.loom = "a1100c97cf16e65f";
  r.halide = "14";
  r.seed = 18446744073709551615ull; // needs all 64 bits
  r.candidate = 3;
  return r;
}

std::string tempFile(const std::string &text) {
  llvm::SmallString<128> path;
  llvm::sys::fs::createTemporaryFile("records-test", "jsonl", path);
  std::ofstream(path.c_str()) << text;
  return path.str().str();
}

void expectSame(const TuningRecord &a, const TuningRecord &b) {
  EXPECT_EQ(a.kernel, b.kernel);
  EXPECT_EQ(a.params, b.params);
  EXPECT_EQ(a.workload, b.workload);
  EXPECT_EQ(a.schedule, b.schedule);
  EXPECT_EQ(a.medianMicros, b.medianMicros);
  EXPECT_EQ(a.defaultMicros, b.defaultMicros);
  EXPECT_EQ(a.error, b.error);
  EXPECT_TRUE(a.machine == b.machine);
  EXPECT_EQ(a.seed, b.seed);
  EXPECT_EQ(a.candidate, b.candidate);
}

TEST(Records, RoundTrip) {
  std::string path = tempFile("");
  std::string error;
  ASSERT_TRUE(appendRecords(path, {sample(), sample()}, error)) << error;
  std::vector<TuningRecord> back;
  ASSERT_TRUE(readRecords(path, back, error)) << error;
  ASSERT_EQ(back.size(), 2u);
  expectSame(back[0], sample());
  llvm::sys::fs::remove(path);
}

TEST(Records, ErrorsNameTheLine) {
  std::string good = toJsonLine(sample());
  struct Bad {
    std::string text, message;
  } cases[] = {
      {good + "\n\n{\"kernel\": 1}\n", ":3: not a tuning record"},
      {good + "\nnot json\n", ":2: "},
      {"{\"kernel\":\"k\"}", ":1: not a tuning record"},
      {good.replace(good.find("\"flops\":"), 8, "\"flops\":1e999,\"x\":"), ":1: median_us, default_us and flops must be finite"},
  };
  for (const Bad &c : cases) {
    std::string path = tempFile(c.text), error;
    std::vector<TuningRecord> records;
    EXPECT_FALSE(readRecords(path, records, error));
    EXPECT_NE(error.find(path + c.message), std::string::npos) << error;
    llvm::sys::fs::remove(path);
  }
  std::string error;
  std::vector<TuningRecord> records;
  EXPECT_FALSE(readRecords("/tmp", records, error));
  EXPECT_NE(error.find("not a regular file"), std::string::npos) << error;
}

TEST(Records, AScheduleKnobMustBeAnInteger) {
  std::string line = toJsonLine(sample());
  line.replace(line.find("\"tile_rows\":6"), 13, "\"tile_rows\":6.5");
  std::string path = tempFile(line), error;
  std::vector<TuningRecord> records;
  EXPECT_FALSE(readRecords(path, records, error));
  EXPECT_NE(error.find("knob 'tile_rows' must be an integer"), std::string::npos) << error;
  llvm::sys::fs::remove(path);
}

TEST(Records, DistillKeepsTheFastestOkPerKernelWorkloadAndMachine) {
  TuningRecord slow = sample(), fast = sample(), failed = sample(), other = sample(),
               elsewhere = sample();
  slow.medianMicros = 900;
  fast.medianMicros = 700;
  failed.status = "crashed";
  failed.medianMicros = 1;
  other.workload = "ffff";
  elsewhere.machine.threads = 16;
  // Adams2019's schedule is a baseline, never kept however fast.
  TuningRecord adams = sample();
  adams.schedule["scheduler"] = 2;
  adams.medianMicros = 1;
  std::vector<TuningRecord> best = distill({slow, failed, other, fast, adams, elsewhere});
  ASSERT_EQ(best.size(), 3u);
  EXPECT_EQ(best[0].medianMicros, 700);
  EXPECT_EQ(best[1].workload, "ffff");
  EXPECT_EQ(best[2].machine.threads, 16);
}

TEST(Shapes, ParseAndRefuse) {
  TuningShapes s;
  std::string error;
  EXPECT_TRUE(parseShapes("T=10,B=64", s, error));
  EXPECT_EQ(s.str(), "B=64,S=128,T=10");
  for (const char *bad : {"B=0", "B=x", "Q=4", "B=70000", "B=4,,S=2", "B"})
    EXPECT_FALSE(parseShapes(bad, s, error)) << bad;
}

TEST(SearchSpace, EveryDomainHoldsItsDefaultAndTheDefaultIsAdmissible) {
  for (loom::abi::Family family : {loom::abi::Family::linear, loom::abi::Family::attention,
                             loom::abi::Family::linear_grad_input, loom::abi::Family::attention_grad})
    for (int isa = 0; isa < loom::abi::kNumIsas; ++isa) {
      std::vector<KnobDomain> space = searchSpace(family, isa);
      ASSERT_FALSE(space.empty());
      for (const KnobDomain &d : space)
        EXPECT_TRUE(std::count(d.values.begin(), d.values.end(), d.defaultValue)) << d.name;
      KernelWorkload w{"k", family, {}, {KernelCall{}}, "", ""};
      w.calls[0].extents = {{"q", {64, 128, 8, 8}}, {"x", {512, 1024}}};
      EXPECT_TRUE(admissible(w, isa, 2, defaultSchedule(space))) << loom::abi::familyName(family);
    }
}

TEST(SearchSpace, RegisterTilesThatSpillAreRefused) {
  KernelWorkload w{"linear", loom::abi::Family::linear, {}, {KernelCall{}}, "", ""};
  Schedule s = defaultSchedule(searchSpace(loom::abi::Family::linear, 0));
  s["tile_rows"] = 8;
  s["tile_vectors"] = 3; // 24 + 3 + 1 = 28 of 32 registers
  EXPECT_TRUE(admissible(w, 0, 2, s));
  s["tile_vectors"] = 4; // 32 + 4 + 1
  EXPECT_FALSE(admissible(w, 0, 2, s));
  s["tile_rows"] = 4;
  s["tile_vectors"] = 3; // AVX2: 12 + 3 + 1 = 16 of 16
  EXPECT_TRUE(admissible(w, 1, 2, s));
  s["tile_rows"] = 5;
  EXPECT_FALSE(admissible(w, 1, 2, s));
}

TEST(SearchSpace, AttentionKeepsEveryThreadBusy) {
  KernelWorkload w{"attention", loom::abi::Family::attention, {}, {KernelCall{}}, "", ""};
  w.calls[0].extents = {{"q", {8, 256, 1, 1}}}; // one head of 256 queries
  Schedule s = defaultSchedule(searchSpace(loom::abi::Family::attention, 0)); // 64: 4 tasks
  s["query_block"] = 128; // 2 tasks
  EXPECT_TRUE(admissible(w, 0, 2, s));
  EXPECT_FALSE(admissible(w, 0, 4, s));
  s["query_block"] = 32; // 8 tasks
  EXPECT_TRUE(admissible(w, 0, 4, s));
  // Where the default cannot keep 16 threads busy either, nothing is refused.
  s["query_block"] = 128;
  EXPECT_TRUE(admissible(w, 0, 16, s));
}

TEST(SearchSpace, Adams2019IsToldTheLargestCallOfItsFamilies) {
  using loom::abi::Family;
  auto workload = [](Family family, std::map<std::string, std::vector<int64_t>> small,
                     std::map<std::string, std::vector<int64_t>> large) {
    KernelWorkload w{"k", family, {}, {KernelCall{}, KernelCall{}}, "", ""};
    w.calls[0].extents = std::move(small);
    w.calls[1].extents = std::move(large);
    if (family == Family::linear || family == Family::attention) { // (norms have none)
      w.calls[0].flops = 1;
      w.calls[1].flops = 2;
    }
    return w;
  };
  std::optional<Schedule> linear = adams2019Schedule(
      workload(Family::linear, {{"x", {512, 8}}, {"y", {2048, 8}}},
               {{"x", {512, 1024}}, {"y", {2048, 1024}}}),
      0);
  ASSERT_TRUE(linear);
  EXPECT_EQ(linear->at("scheduler"), 2);
  EXPECT_EQ(linear->at("estimate_m"), 1024);
  EXPECT_EQ(linear->at("estimate_n"), 2048);
  EXPECT_EQ(linear->at("estimate_k"), 512);
  std::optional<Schedule> attention = adams2019Schedule(
      workload(Family::attention, {{"q", {64, 1, 8, 8}}, {"k", {64, 1, 8, 8}}},
               {{"q", {64, 100, 8, 4}}, {"k", {64, 120, 8, 4}}}),
      0);
  ASSERT_TRUE(attention);
  EXPECT_EQ(attention->at("scheduler"), 2);
  EXPECT_EQ(attention->at("estimate_sq"), 100);
  EXPECT_EQ(attention->at("estimate_sk"), 120);
  EXPECT_EQ(attention->at("estimate_h"), 8);
  EXPECT_EQ(attention->at("estimate_b"), 4);
  for (Family norm : {Family::layer_norm, Family::add_norm, Family::add_norm_sum}) {
    std::optional<Schedule> s =
        adams2019Schedule(workload(norm, {{"x", {256, 8}}}, {{"x", {256, 640}}}), 1);
    ASSERT_TRUE(s) << loom::abi::familyName(norm);
    EXPECT_EQ(s->at("scheduler"), 2);
    EXPECT_EQ(s->at("estimate_d"), 256);
    EXPECT_EQ(s->at("estimate_m"), 640);
  }
  // The search never proposes it: the scheduler knob keeps Loom's value.
  int schedulerKnobs = 0;
  for (const KnobDomain &d : searchSpace(Family::attention, 0))
    if (d.name == "scheduler") {
      ++schedulerKnobs;
      EXPECT_EQ(d.values, std::vector<int64_t>{1});
    }
  EXPECT_EQ(schedulerKnobs, 1);
  EXPECT_FALSE(adams2019Schedule(workload(Family::embed, {}, {}), 0));
}

} // namespace
