//===- Search.cpp - a seeded evolutionary search over schedules -----------===//
#include "Tuning/Search.h"

#include <algorithm>

using namespace loom::tuning;

namespace {
constexpr int kTournament = 3;      // parents are the best of 3 draws among the top
constexpr size_t kTop = 8;          // ... 8 schedules so far
constexpr uint64_t kRandomShare = 5; // 1 in 5 proposals is uniformly random
constexpr int kAttempts = 256;      // draws per proposal before giving up
} // namespace

ScheduleSearch::ScheduleSearch(std::vector<KnobDomain> space, Admissible admissible,
                               uint64_t seed)
    : space_(std::move(space)), admissible_(std::move(admissible)),
      state_(seed ^ 0x9E3779B97F4A7C15ull) {}

// splitmix64: the same sequence on every platform and standard library
// (std::uniform_int_distribution is not).
uint64_t ScheduleSearch::next(uint64_t bound) {
  uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return (z ^ (z >> 31)) % bound;
}

Schedule ScheduleSearch::scheduleOf(const Point &p) const {
  Schedule s;
  for (size_t i = 0; i < space_.size(); ++i)
    s[space_[i].name] = space_[i].values[p[i]];
  return s;
}

ScheduleSearch::Point ScheduleSearch::pointOf(const Schedule &s) const {
  Point p;
  for (const KnobDomain &d : space_)
    p.push_back(size_t(std::find(d.values.begin(), d.values.end(), s.at(d.name)) -
                       d.values.begin()));
  return p;
}

bool ScheduleSearch::accept(const Point &p, std::vector<Schedule> &out) {
  if (seen_.count(p))
    return false;
  Schedule s = scheduleOf(p);
  if (!admissible_(s)) {
    seen_.insert(p); // never again
    return false;
  }
  seen_.insert(p);
  out.push_back(std::move(s));
  return true;
}

ScheduleSearch::Point ScheduleSearch::randomPoint() {
  Point p;
  for (const KnobDomain &d : space_)
    p.push_back(size_t(next(d.values.size())));
  return p;
}

ScheduleSearch::Point ScheduleSearch::mutate(const Point &parent) {
  Point child = parent;
  const int moves = next(10) < 7 ? 1 : 2;
  for (int m = 0; m < moves; ++m) {
    size_t knob = size_t(next(space_.size()));
    size_t n = space_[knob].values.size();
    if (n < 2)
      continue;
    if (next(5) == 0) {
      child[knob] = size_t(next(n));
    } else if (child[knob] == 0 || (child[knob] + 1 < n && next(2))) {
      ++child[knob];
    } else {
      --child[knob];
    }
  }
  return child;
}

const ScheduleSearch::Point &ScheduleSearch::tournament() {
  size_t top = std::min(kTop, ranked_.size()), winner = top;
  for (int i = 0; i < kTournament; ++i)
    winner = std::min(winner, size_t(next(top)));
  return ranked_[winner].second;
}

std::vector<Schedule> ScheduleSearch::propose(size_t count) {
  std::vector<Schedule> out;
  if (space_.empty()) {
    if (!started_)
      out.push_back({});
    started_ = true;
    return out;
  }
  if (!started_) {
    started_ = true;
    Point start = pointOf(defaultSchedule(space_));
    accept(start, out);
    for (size_t k = 0; k < space_.size(); ++k)
      for (int step : {-1, 1}) {
        Point p = start;
        if ((step < 0 && p[k] == 0) || p[k] + step >= space_[k].values.size())
          continue;
        p[k] += step;
        neighbours_.push_back(p);
      }
  }
  while (out.size() < count) {
    if (!neighbours_.empty()) {
      Point p = neighbours_.front();
      neighbours_.erase(neighbours_.begin());
      accept(p, out);
      continue;
    }
    bool found = false;
    for (int attempt = 0; attempt < kAttempts && !found; ++attempt) {
      bool random = ranked_.empty() || next(kRandomShare) == 0;
      found = accept(random ? randomPoint() : mutate(tournament()), out);
    }
    if (!found)
      break;
  }
  return out;
}

void ScheduleSearch::report(const Schedule &schedule, std::optional<double> cost) {
  if (!cost)
    return;
  auto entry = std::make_pair(*cost, pointOf(schedule));
  ranked_.insert(std::upper_bound(ranked_.begin(), ranked_.end(), entry,
                                  [](const auto &a, const auto &b) { return a.first < b.first; }),
                 entry);
}

std::optional<std::pair<Schedule, double>> ScheduleSearch::best() const {
  if (ranked_.empty())
    return std::nullopt;
  return std::make_pair(scheduleOf(ranked_.front().second), ranked_.front().first);
}
