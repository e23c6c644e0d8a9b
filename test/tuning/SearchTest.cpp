//===- SearchTest.cpp - the schedule search, driven by a fake timer -------===//
//
// The search's decisions depend only on its seed and the costs it is told:
// these tests stand in a deterministic cost function for the timer.
//
//===----------------------------------------------------------------------===//
#include "Tuning/Search.h"

#include <gtest/gtest.h>

#include <cmath>
#include <set>

using namespace loom::tuning;

namespace {

std::vector<KnobDomain> space() {
  return {{"a", {1, 2, 4, 8, 16, 32}, 4}, {"b", {1, 2, 3, 4, 5, 6}, 1}, {"c", {8, 16, 32, 64}, 64}};
}

/// A bowl with its minimum at a = 16, b = 5, c = 16 (cost 1).
double fakeTime(const Schedule &s) {
  return 1 + std::pow(std::log2(double(s.at("a")) / 16), 2) + std::pow(s.at("b") - 5, 2) +
         std::pow(std::log2(double(s.at("c")) / 16), 2);
}

bool allowAll(const Schedule &) { return true; }

/// Runs a search to the end (or `limit` proposals), timing with fakeTime;
/// `fails` marks schedules that "crash". Returns every proposal in order.
std::vector<Schedule> drive(ScheduleSearch &search, size_t batch, size_t limit,
                            bool (*fails)(const Schedule &) = nullptr) {
  std::vector<Schedule> all;
  while (all.size() < limit) {
    std::vector<Schedule> proposals = search.propose(batch);
    if (proposals.empty())
      break;
    for (const Schedule &s : proposals) {
      all.push_back(s);
      search.report(s, fails && fails(s) ? std::nullopt : std::optional<double>(fakeTime(s)));
    }
  }
  return all;
}

TEST(ScheduleSearch, StartsWithTheDefault) {
  ScheduleSearch search(space(), allowAll, 1);
  std::vector<Schedule> first = search.propose(1);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0], (Schedule{{"a", 4}, {"b", 1}, {"c", 64}}));
}

TEST(ScheduleSearch, SameSeedAndTimingsGiveTheSameSchedules) {
  ScheduleSearch one(space(), allowAll, 7), two(space(), allowAll, 7);
  EXPECT_EQ(drive(one, 2, 60), drive(two, 2, 60));
  EXPECT_EQ(one.best()->first, two.best()->first);
}

TEST(ScheduleSearch, AnotherSeedSearchesOtherwise) {
  ScheduleSearch one(space(), allowAll, 7), two(space(), allowAll, 8);
  EXPECT_NE(drive(one, 2, 60), drive(two, 2, 60));
}

TEST(ScheduleSearch, FindsTheMinimumOfABowlInAFractionOfTheSpace) {
  // 144 schedules; a blind grid needs all of them to be sure.
  ScheduleSearch search(space(), allowAll, 3);
  drive(search, 2, 60);
  ASSERT_TRUE(search.best());
  EXPECT_EQ(search.best()->first, (Schedule{{"a", 16}, {"b", 5}, {"c", 16}}));
  EXPECT_DOUBLE_EQ(search.best()->second, 1.0);
}

TEST(ScheduleSearch, NeverRepeatsAndEndsWhenTheSpaceIsExhausted) {
  ScheduleSearch search({{"x", {1, 2}, 1}, {"y", {1, 2, 3}, 3}}, allowAll, 5);
  std::vector<Schedule> all;
  for (std::vector<Schedule> batch; !(batch = search.propose(4)).empty();)
    for (const Schedule &s : batch) {
      all.push_back(s);
      search.report(s, double(s.at("x") * s.at("y")));
    }
  EXPECT_EQ(all.size(), 6u);
  EXPECT_EQ(std::set<Schedule>(all.begin(), all.end()).size(), 6u);
  EXPECT_TRUE(search.propose(4).empty());
}

TEST(ScheduleSearch, ProposesOnlyAdmissibleSchedules) {
  auto evenA = [](const Schedule &s) { return s.at("a") % 4 == 0; };
  ScheduleSearch search(space(), evenA, 11);
  for (const Schedule &s : drive(search, 3, 80))
    EXPECT_TRUE(evenA(s)) << "a = " << s.at("a");
}

TEST(ScheduleSearch, FailedCandidatesAreNeverBest) {
  static auto crashesBelowB3 = [](const Schedule &s) { return s.at("b") != 5; };
  ScheduleSearch search(space(), allowAll, 2);
  drive(search, 2, 200, +[](const Schedule &s) { return crashesBelowB3(s); });
  ASSERT_TRUE(search.best());
  EXPECT_EQ(search.best()->first.at("b"), 5);
}

TEST(ScheduleSearch, AFamilyWithoutKnobsHasOneSchedule) {
  ScheduleSearch search({}, allowAll, 1);
  EXPECT_EQ(search.propose(4).size(), 1u);
  EXPECT_TRUE(search.propose(4).empty());
}

} // namespace
