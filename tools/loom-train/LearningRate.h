//===- LearningRate.h - loom-train's learning-rate schedules ----*- C++ -*-===//
#ifndef LOOM_TRAIN_LEARNINGRATE_H
#define LOOM_TRAIN_LEARNINGRATE_H

#include "TrainOptions.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace loom::train {

struct Schedule {
  LrSchedule kind = LrSchedule::Noam;
  double lr = kDefaultNoamFactor; // noam: the factor; constant: the rate
  int64_t warmup = kDefaultNoamWarmup;

  /// The learning rate of step `step` (the step-th update, from 1).
  double at(int64_t step, int64_t dModel) const {
    const double s = double(std::max<int64_t>(step, 1));
    if (kind == LrSchedule::Constant)
      return warmup > 0 ? lr * std::min(1.0, s / double(warmup)) : lr;
    // "Attention Is All You Need", eq. 3; warm-up 0 is the decay alone.
    double decay = 1.0 / std::sqrt(s);
    double rise = warmup > 0 ? s * std::pow(double(warmup), -1.5) : decay;
    return lr / std::sqrt(double(dModel)) * std::min(decay, rise);
  }

  /// The largest learning rate of the schedule.
  double peak(int64_t dModel) const { return at(std::max<int64_t>(warmup, 1), dModel); }
};

} // namespace loom::train

#endif // LOOM_TRAIN_LEARNINGRATE_H
