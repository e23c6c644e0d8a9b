//===- Search.h - a seeded evolutionary search over schedules --*- C++ -*-===//
//
// The search proposes schedules in batches (compiled in parallel, then
// timed one at a time) and is told each one's cost, or that it failed. It
// starts from the default schedule and its one-knob neighbours (a local
// view of the space around a schedule already known to be good), then
// breeds: a parent drawn by tournament from the best so far, one or two
// knobs moved to a neighbouring value (sometimes to any value), with a
// share of uniformly random schedules so that it does not stay in one
// basin. It never proposes a schedule twice or one the space's admissible()
// refuses.
//
// Its decisions depend only on the seed and on the costs it is told, in
// the order it is told them: the same seed and the same timings give the
// same schedules (test/tuning/SearchTest.cpp drives it with a fake timer).
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_TUNING_SEARCH_H
#define LOOM_TUNING_SEARCH_H

#include "Tuning/SearchSpace.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <set>

namespace loom::tuning {

class ScheduleSearch {
public:
  using Admissible = std::function<bool(const Schedule &)>;
  ScheduleSearch(std::vector<KnobDomain> space, Admissible admissible, uint64_t seed);

  /// Up to `count` schedules not proposed before; the first batch starts
  /// with the default. Empty once no new admissible schedule can be found.
  std::vector<Schedule> propose(size_t count);

  /// The cost (lower is better) of a proposed schedule, or nullopt if it
  /// failed to build, was wrong or crashed.
  void report(const Schedule &schedule, std::optional<double> cost);

  /// The best schedule reported so far and its cost.
  std::optional<std::pair<Schedule, double>> best() const;

  size_t proposed() const { return seen_.size(); }

private:
  using Point = std::vector<size_t>; // an index into each knob's values
  Schedule scheduleOf(const Point &p) const;
  Point pointOf(const Schedule &s) const;
  bool accept(const Point &p, std::vector<Schedule> &out);
  Point randomPoint();
  Point mutate(const Point &parent);
  const Point &tournament();
  uint64_t next(uint64_t bound); // in [0, bound)

  std::vector<KnobDomain> space_;
  Admissible admissible_;
  uint64_t state_;
  std::set<Point> seen_;
  std::vector<std::pair<double, Point>> ranked_; // ascending cost
  std::vector<Point> neighbours_;               // the default's, not yet proposed
  bool started_ = false;
};

} // namespace loom::tuning

#endif // LOOM_TUNING_SEARCH_H
