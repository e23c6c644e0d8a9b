//===- TrainerState.h - DIR/trainer.json: where a training stands -*- C++ -*-===//
//
// Written (atomically) after every checkpoint, checkpoint first: a reader
// that finds the checkpoint's step ahead of trainer.json's knows the run
// stopped between the two. It holds what a resumed run needs to go on as if
// it had not stopped: the position (step, epoch, batch), the training time
// spent, the options that fix the data order and the schedule, and a
// fingerprint of the data (file sizes and hashes, the tokenizer's) so that
// a resume on other data is refused.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_TRAIN_TRAINERSTATE_H
#define LOOM_TRAIN_TRAINERSTATE_H

#include "LearningRate.h"
#include "ParallelText.h"

#include "loom/runtime/Status.h"

#include <cstdint>
#include <string>
#include <vector>

namespace loom::train {

constexpr const char *kTrainerStateFormat = "loom.trainer.v1";

struct DataFingerprint {
  std::vector<text::FileFingerprint> files; // training source, target (or the one file)
  text::FileFingerprint tokenizer;
  int64_t pairs = 0;
};

struct TrainerState {
  std::string model;
  int64_t step = 0;  // steps done = the checkpoint's step
  int64_t epoch = 0; // epochs completed
  int64_t batch = 0; // batches done in the epoch under way
  int64_t batchesPerEpoch = 0;
  double elapsedSeconds = 0;      // wall time of the training so far
  double lastValidSeconds = 0;    // the last validation's duration (0: none yet)
  int64_t lastValidStep = -1;     // the step of the last validation (-1: none)
  bool pendingValidation = false; // an epoch ended but its validation did not
  // The data order.
  uint64_t seed = 0;
  int64_t batchTokens = 0;
  int64_t maxLen = 0;
  // The schedule.
  Schedule schedule;
  DataFingerprint data;
};

/// Writes `state` to `path` atomically (OutputFile.h).
Status writeTrainerState(const std::string &path, const TrainerState &state);

/// Reads and checks a trainer.json; errors name the file and the field.
StatusOr<TrainerState> readTrainerState(const std::string &path);

/// The first difference between the data a training was started on and
/// `now` ("" if none), e.g. "'train.en': 1200 bytes, hash ... (trainer.json:
/// 1100 bytes, ...)".
std::string describeDataChange(const DataFingerprint &then, const DataFingerprint &now);

} // namespace loom::train

#endif // LOOM_TRAIN_TRAINERSTATE_H
