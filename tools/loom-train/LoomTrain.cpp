//===- LoomTrain.cpp - train a compiled Loom library on text --------------===//
//
// loom-train drives NAME_train_step of a library in a model directory
// (ModelDirectory.h) over a corpus: encode every line once, batch by a
// token budget with length bucketing, shuffle the batch order per epoch
// (a pure function of seed and epoch), step with a learning-rate schedule,
// validate (loss, nll, BLEU) and checkpoint at the end of every epoch and
// of training, and stop at the first limit reached. A checkpoint plus
// trainer.json is all a resumed run needs to continue exactly where the
// last one stopped: step N is batch N mod (batches per epoch) of epoch
// N / (batches per epoch), whose order is recomputed from the seed, and the
// library's dropout masks depend only on its seed and step count.
//
// Exit status: 0 done, 1 error, 2 usage error, 130 / 143 stopped by SIGINT /
// SIGTERM (after writing a checkpoint).
//
//===----------------------------------------------------------------------===//

#include "Batches.h"
#include "LearningRate.h"
#include "ModelDirectory.h"
#include "ModelLibrary.h"
#include "ParallelText.h"
#include "Reporting.h"
#include "Tokenizer.h"
#include "TrainOptions.h"
#include "TrainerState.h"
#include "Validation.h"

#include "loom/runtime/Decimal.h"
#include "loom/runtime/MappedFile.h"
#include "loom/runtime/SafetensorsReader.h"

#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <exception>
#include <limits>
#include <memory>
#include <new>
#include <string>
#include <vector>

namespace loom::train {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitError = 1;
constexpr int kExitUsage = 2;

//===----------------------------------------------------------------------===//
// Signals: finish the step, checkpoint, exit 128 + signal
//===----------------------------------------------------------------------===//

volatile std::sig_atomic_t gStopSignal = 0;

extern "C" void onStopSignal(int signal) { gStopSignal = signal; }

/// SIGINT and SIGTERM ask for a clean stop; a second one kills the process
/// as usual (SA_RESETHAND), for a user who will not wait for the step.
void installStopHandlers() {
  struct sigaction action;
  std::memset(&action, 0, sizeof action);
  action.sa_handler = onStopSignal;
  action.sa_flags = SA_RESETHAND;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

bool stopRequested() { return gStopSignal != 0; }

//===----------------------------------------------------------------------===//
// Small helpers
//===----------------------------------------------------------------------===//

using Clock = std::chrono::steady_clock;

double secondsBetween(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

bool fileExists(const std::string &path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

std::string format(const char *fmt, double value) {
  char text[64];
  std::snprintf(text, sizeof text, fmt, value);
  return text;
}

/// "1 step", "2 steps"; with `many`, "1 batch", "2 batches".
std::string plural(int64_t count, const std::string &one, const std::string &many = "") {
  return std::to_string(count) + " " + (count == 1 ? one : many.empty() ? one + "s" : many);
}

/// 12345 -> "12.3k".
std::string compactCount(double value) {
  if (value >= 1e6)
    return format("%.2fM", value / 1e6);
  if (value >= 1e4)
    return format("%.1fk", value / 1e3);
  return format("%.0f", value);
}

/// The step a checkpoint holds (its __metadata__ "step").
StatusOr<int64_t> checkpointStep(const std::string &path) {
  auto reader = SafetensorsReader::open(path, "checkpoint");
  if (!reader.ok())
    return reader.status();
  auto metadata = reader->metadata();
  if (!metadata.ok())
    return metadata.status();
  auto it = metadata->find("step");
  uint64_t step = 0;
  if (it == metadata->end() ||
      !parseDecimal(it->second, uint64_t(std::numeric_limits<int64_t>::max()), step))
    return Status::badWeights("checkpoint '" + path +
                              "': __metadata__ has no \"step\" (a decimal string)");
  return int64_t(step);
}

//===----------------------------------------------------------------------===//
// The trainer
//===----------------------------------------------------------------------===//

/// Steps since the last metrics line.
struct Interval {
  double lossSum = 0;
  int64_t steps = 0, tokens = 0;
  double seconds = 0; // wall time of those steps, the driver's work included
  void clear() { *this = Interval(); }
};

class Trainer {
public:
  Trainer(const TrainOptions &options, Clock::time_point processStart)
      : options_(options), processStart_(processStart) {}

  /// The exit status; messages go to stderr.
  int run();

private:
  // Start-up, in order.
  Status openModelDirectory();
  Status readResumeState();
  Status resolveOptions();
  Status loadData();
  Status reconcilePosition();
  Status createModel();
  Status openReports();

  // Training.
  Status trainLoop();
  Status step();
  Status endOfEpoch();
  Status finish();
  /// NAME_save_checkpoint, then trainer.json.
  Status saveCheckpoint(bool pendingValidation);
  Status writeState();
  /// Runs a validation and logs it; `done` false if a signal cut it short.
  Status validate(bool &done);
  double reserveSeconds() const;
  std::string limitReached() const;

  // Reporting.
  void logStart();
  void logStep();
  void showProgress(bool force);
  void note(const std::string &text) { progress_.message("loom-train: " + text); }
  double elapsed() const { return state_.elapsedSeconds + secondsBetween(runStart_, Clock::now()); }
  /// "the end of epoch 3" or "epoch 4, batch 12 of 16".
  std::string position() const {
    if (state_.batch == 0)
      return state_.epoch == 0 ? "the start" : "the end of epoch " + std::to_string(state_.epoch);
    return "epoch " + std::to_string(state_.epoch + 1) + ", batch " + std::to_string(state_.batch) +
           " of " + std::to_string(batchesPerEpoch_);
  }
  int64_t epochOfStep(int64_t step) const {
    return step == 0 ? 0 : (step - 1) / batchesPerEpoch_ + 1;
  }

  Status usage(const std::string &message) {
    usageError_ = true;
    return Status::invalidArgument(message);
  }

  const TrainOptions &options_;
  Clock::time_point processStart_, runStart_;
  bool usageError_ = false;

  // The model directory.
  std::string checkpointPath_, trainerPath_;
  ModelLibrary library_;
  Tokenizer tokenizer_;
  bool encoderDecoder_ = false;
  text::SpecialIds ids_;
  ModelHandle model_;

  // Where training stands (what trainer.json holds).
  TrainerState state_;
  bool resumed_ = false;
  int64_t checkpointStep_ = -1; // the step of the checkpoint on disk (-1: none)
  int64_t lastSavedStep_ = -1;

  // Data.
  std::unique_ptr<text::LineFile> trainSrc_, trainTgt_, validSrc_, validTgt_;
  text::EncodedText train_, valid_;
  std::unique_ptr<Validator> validator_;
  int64_t batchesPerEpoch_ = 0;
  int64_t paddedTokensPerEpoch_ = 0;
  text::BatchPlan plan_;
  int64_t planEpoch_ = -1;
  text::BatchTensors batch_;

  // Timing, this run.
  double saveSeconds_ = 0;
  double validEstimate_ = 0; // before any validation is measured
  double stepCallSeconds_ = 0, stepLoopSeconds_ = 0;
  int64_t stepsThisRun_ = 0, tokensThisRun_ = 0;
  double smoothedLoss_ = 0, lossWeight_ = 0;
  double smoothedRate_ = 0, rateWeight_ = 0;
  Interval interval_;
  int64_t shownStep_ = -1; // the step of the last progress line

  MetricsLog metrics_;
  ProgressLine progress_;
};

int Trainer::run() {
  runStart_ = processStart_;
  Status status = openModelDirectory();
  if (status.ok())
    status = readResumeState();
  if (status.ok())
    status = resolveOptions();
  if (status.ok())
    status = loadData();
  if (status.ok())
    status = reconcilePosition();
  if (status.ok())
    status = createModel();
  if (status.ok())
    status = openReports();
  if (status.ok())
    status = trainLoop();
  if (status.ok() && !stopRequested())
    status = finish();
  progress_.finish();
  if (status.ok() && stopRequested()) {
    int signal = gStopSignal;
    note(std::string("stopped by ") + (signal == SIGINT ? "SIGINT" : "SIGTERM") + " at step " +
         std::to_string(state_.step) + "; the checkpoint '" + checkpointPath_ +
         "' holds it (continue with --resume)");
    return 128 + signal;
  }
  if (!status.ok()) {
    std::fprintf(stderr, "loom-train: error: %s\n", status.message().c_str());
    if (usageError_)
      std::fprintf(stderr, "(loom-train --help describes the flags)\n");
    return usageError_ ? kExitUsage : kExitError;
  }
  return kExitOk;
}

//===----------------------------------------------------------------------===//
// Start-up
//===----------------------------------------------------------------------===//

Status Trainer::openModelDirectory() {
  const std::string &dir = options_.modelDir;
  LOOM_RETURN_IF_ERROR(library_.openInDirectory(dir));
  const loom_model_info &info = library_.modelInfo();
  if (!library_.hasArchitecture(LOOM_ARCH_TRAINABLE))
    return Status::invalidArgument("model '" + library_.name() + "' ('" + library_.path() +
                                   "') is " + info.architecture +
                                   "-only: it has no loss to train (loom-train trains "
                                   "encoder_decoder and decoder models)");
  encoderDecoder_ = library_.hasArchitecture(LOOM_ARCH_ENCODER_DECODER);
  // A library compiled with --inference-only has no training functions.
  LOOM_RETURN_IF_ERROR(library_.require("train_step", (const void *)library_.train_step));
  LOOM_RETURN_IF_ERROR(library_.require("forward", (const void *)library_.forward));
  LOOM_RETURN_IF_ERROR(library_.require("save_checkpoint", (const void *)library_.save_checkpoint));
  LOOM_RETURN_IF_ERROR(library_.require("load_checkpoint", (const void *)library_.load_checkpoint));
  LOOM_RETURN_IF_ERROR(
      library_.require("set_dropout_seed", (const void *)library_.set_dropout_seed));
  if (encoderDecoder_ && !options_.validPrefix.empty())
    LOOM_RETURN_IF_ERROR(library_.require("translate", (const void *)library_.translate));
  if (!encoderDecoder_ && (options_.src || options_.tgt))
    return usage(std::string("--") + (options_.src ? "src" : "tgt") + ": model '" +
                 library_.name() +
                 "' is a decoder; it trains on one file of monolingual "
                 "text (--train=FILE), not on a language pair");
  ids_ = {int32_t(info.pad_id), int32_t(info.bos_id), int32_t(info.eos_id)};

  LOOM_RETURN_IF_ERROR(tokenizer_.load(model_directory::file(dir, model_directory::kTokenizer)));
  LOOM_RETURN_IF_ERROR(tokenizer_.checkAgainst(info));
  checkpointPath_ = model_directory::file(dir, model_directory::kCheckpoint);
  trainerPath_ = model_directory::file(dir, model_directory::kTrainerState);
  return Status();
}

Status Trainer::readResumeState() {
  const bool haveCheckpoint = fileExists(checkpointPath_);
  if (!options_.resume) {
    if (!haveCheckpoint)
      return Status();
    auto step = checkpointStep(checkpointPath_);
    return Status::invalidArgument(
        "model directory '" + options_.modelDir + "' holds a checkpoint" +
        (step.ok() ? " of step " + std::to_string(step.value()) : std::string()) + " ('" +
        checkpointPath_ + "'); pass --resume to continue or remove it");
  }
  if (!haveCheckpoint)
    return Status::invalidArgument("--resume: model directory '" + options_.modelDir +
                                   "' holds no checkpoint ('" + checkpointPath_ +
                                   "' does not exist); start without --resume");
  if (!fileExists(trainerPath_))
    return Status::invalidArgument("--resume: '" + trainerPath_ + "' is missing, so where " +
                                   "the training of '" + checkpointPath_ +
                                   "' stopped is not known; remove the checkpoint to start over");
  auto state = readTrainerState(trainerPath_);
  if (!state.ok())
    return state.status();
  if (state->model != library_.name())
    return Status::invalidArgument("'" + trainerPath_ + "' is the state of model '" + state->model +
                                   "', not of '" + library_.name() + "'");
  auto step = checkpointStep(checkpointPath_);
  if (!step.ok())
    return step.status();
  state_ = std::move(state.value());
  checkpointStep_ = step.value();
  resumed_ = true;
  return Status();
}

Status Trainer::resolveOptions() {
  const loom_model_info &info = library_.modelInfo();
  if (!resumed_) {
    state_.model = library_.name();
    state_.seed = options_.seed.value_or(kDefaultSeed);
    state_.batchTokens = options_.batchTokens.value_or(kDefaultBatchTokens);
    state_.maxLen = info.max_len;
    Schedule &schedule = state_.schedule;
    schedule.kind = options_.lrSchedule.value_or(LrSchedule::Noam);
    bool noam = schedule.kind == LrSchedule::Noam;
    schedule.lr = options_.lr.value_or(noam ? kDefaultNoamFactor : kDefaultConstantLr);
    schedule.warmup = options_.warmup.value_or(noam ? kDefaultNoamWarmup : 0);
    return Status();
  }
  // The data order is fixed for a training: a resumed run with another one
  // would not be the training it continues.
  auto refuse = [&](const std::string &flag, const std::string &now, const std::string &then) {
    return Status::invalidArgument("--resume: " + flag + "=" + now + " but the training in '" +
                                   options_.modelDir + "' uses " + then +
                                   " (it fixes the data order; leave it out to keep it)");
  };
  if (options_.seed && *options_.seed != state_.seed)
    return refuse("--seed", std::to_string(*options_.seed), std::to_string(state_.seed));
  if (options_.batchTokens && *options_.batchTokens != state_.batchTokens)
    return refuse("--batch-tokens", std::to_string(*options_.batchTokens),
                  std::to_string(state_.batchTokens));
  if (state_.maxLen != info.max_len)
    return Status::invalidArgument("--resume: model '" + library_.name() + "' has max_len " +
                                   std::to_string(info.max_len) + " but the training in '" +
                                   options_.modelDir + "' used " + std::to_string(state_.maxLen));
  // The schedule may change (say, a lower rate to fine-tune), with a note.
  Schedule before = state_.schedule;
  Schedule &schedule = state_.schedule;
  if (options_.lrSchedule && *options_.lrSchedule != schedule.kind) {
    schedule.kind = *options_.lrSchedule;
    bool noam = schedule.kind == LrSchedule::Noam;
    schedule.lr = noam ? kDefaultNoamFactor : kDefaultConstantLr;
    schedule.warmup = noam ? kDefaultNoamWarmup : 0;
  }
  if (options_.lr)
    schedule.lr = *options_.lr;
  if (options_.warmup)
    schedule.warmup = *options_.warmup;
  if (schedule.kind != before.kind || schedule.lr != before.lr || schedule.warmup != before.warmup)
    note(std::string("note: the schedule changes from ") + scheduleName(before.kind) + " lr " +
         format("%g", before.lr) + " warm-up " + std::to_string(before.warmup) + " to " +
         scheduleName(schedule.kind) + " lr " + format("%g", schedule.lr) + " warm-up " +
         std::to_string(schedule.warmup));
  return Status();
}

Status Trainer::loadData() {
  const loom_model_info &info = library_.modelInfo();
  auto openFile = [](const std::string &path, std::unique_ptr<text::LineFile> &out) -> Status {
    auto file = text::LineFile::open(path);
    if (!file.ok())
      return file.status();
    out = std::make_unique<text::LineFile>(std::move(file.value()));
    return Status();
  };
  const std::string src = options_.src.value_or(kDefaultSrc);
  const std::string tgt = options_.tgt.value_or(kDefaultTgt);
  text::EncodeOptions encode;
  encode.maxLen = info.max_len;
  encode.eosId = ids_.eos;

  // Training text.
  if (encoderDecoder_) {
    LOOM_RETURN_IF_ERROR(openFile(options_.trainPrefix + "." + src, trainSrc_));
    LOOM_RETURN_IF_ERROR(openFile(options_.trainPrefix + "." + tgt, trainTgt_));
  } else {
    LOOM_RETURN_IF_ERROR(openFile(options_.trainPrefix, trainTgt_));
  }
  // A resumed training checks its data before spending time encoding it.
  DataFingerprint fingerprint;
  if (trainSrc_)
    fingerprint.files.push_back(trainSrc_->fingerprint());
  fingerprint.files.push_back(trainTgt_->fingerprint());
  {
    const std::string path = model_directory::file(options_.modelDir, model_directory::kTokenizer);
    auto tokenizerFile = MappedFile::open(path);
    if (!tokenizerFile.ok())
      return tokenizerFile.status();
    fingerprint.tokenizer = {path, uint64_t(tokenizerFile->size()),
                             text::fnv1a64(tokenizerFile->data(), tokenizerFile->size())};
  }
  auto refuseChange = [&]() -> Status {
    std::string change = describeDataChange(state_.data, fingerprint);
    if (change.empty())
      return Status();
    return Status::invalidArgument("--resume: the training data changed: " + change +
                                   "; a training continues on the data it started on");
  };
  fingerprint.pairs = state_.data.pairs; // known once encoded
  if (resumed_)
    LOOM_RETURN_IF_ERROR(refuseChange());

  auto train = text::encodeText(tokenizer_, trainSrc_.get(), *trainTgt_, encode, options_.threads);
  if (!train.ok())
    return train.status();
  train_ = std::move(train.value());
  if (train_.size() == 0)
    return Status::invalidArgument("no training pairs in '" + trainTgt_->path() + "' (" +
                                   std::to_string(train_.lines) + " lines, " +
                                   std::to_string(train_.skippedEmpty) + " with an empty side)");
  fingerprint.pairs = int64_t(train_.size());
  if (resumed_)
    LOOM_RETURN_IF_ERROR(refuseChange());
  state_.data = fingerprint;

  // Validation text: the references are the target lines as in the file.
  if (!options_.validPrefix.empty()) {
    if (encoderDecoder_) {
      LOOM_RETURN_IF_ERROR(openFile(options_.validPrefix + "." + src, validSrc_));
      LOOM_RETURN_IF_ERROR(openFile(options_.validPrefix + "." + tgt, validTgt_));
    } else {
      LOOM_RETURN_IF_ERROR(openFile(options_.validPrefix, validTgt_));
    }
    encode.maxPairs = size_t(options_.validMax);
    auto valid =
        text::encodeText(tokenizer_, validSrc_.get(), *validTgt_, encode, options_.threads);
    if (!valid.ok())
      return valid.status();
    valid_ = std::move(valid.value());
    if (valid_.size() == 0)
      return Status::invalidArgument("no validation pairs in '" + validTgt_->path() + "'");
    std::vector<std::string> references;
    for (uint32_t line : valid_.lineNumbers)
      references.emplace_back(validTgt_->line(line - 1));
    validator_ =
        std::make_unique<Validator>(library_, tokenizer_, valid_, std::move(references),
                                    options_.labelSmoothing, state_.batchTokens, options_.threads);
  }

  // The batches' count and shapes are the same in every epoch.
  text::BatchOptions batching{state_.batchTokens, true, state_.seed, 0};
  text::BatchPlan plan = text::planBatches(train_, batching);
  batchesPerEpoch_ = int64_t(plan.batches.size());
  paddedTokensPerEpoch_ = plan.paddedTgtTokens;
  return Status();
}

Status Trainer::reconcilePosition() {
  if (!resumed_) {
    state_.batchesPerEpoch = batchesPerEpoch_;
    return Status();
  }
  if (state_.batchesPerEpoch != batchesPerEpoch_)
    return Status::invalidArgument("--resume: the data makes " + std::to_string(batchesPerEpoch_) +
                                   " batches per epoch but the training in '" + options_.modelDir +
                                   "' had " + std::to_string(state_.batchesPerEpoch));
  // The checkpoint is written before trainer.json: a checkpoint ahead of it
  // means the last run stopped between the two. Every step takes one batch,
  // so the position follows from the checkpoint's step alone.
  if (checkpointStep_ < state_.step)
    return Status::invalidArgument(
        "checkpoint '" + checkpointPath_ + "' holds step " + std::to_string(checkpointStep_) +
        " but '" + trainerPath_ + "' says step " + std::to_string(state_.step) +
        ": trainer.json is newer than the checkpoint, which loom-train never leaves; restore "
        "the matching checkpoint or remove both to start over");
  if (checkpointStep_ > state_.step) {
    note("note: checkpoint '" + checkpointPath_ + "' holds step " +
         std::to_string(checkpointStep_) + " but '" + trainerPath_ + "' says step " +
         std::to_string(state_.step) +
         " (the last run stopped between writing them); continuing from the checkpoint's step");
    state_.step = checkpointStep_;
    state_.epoch = checkpointStep_ / batchesPerEpoch_;
    state_.batch = checkpointStep_ % batchesPerEpoch_;
    state_.pendingValidation = state_.batch == 0 && validator_ != nullptr;
  }
  lastSavedStep_ = state_.step;
  return Status();
}

Status Trainer::createModel() {
  const int threads = options_.threads;
  LOOM_RETURN_IF_ERROR(loom::createModel(library_, "", state_.seed, threads, model_));
  if (resumed_) {
    auto started = Clock::now();
    loom_status status = library_.load_checkpoint(model_.get(), checkpointPath_.c_str());
    if (status != LOOM_OK)
      return library_.errorOf("load_checkpoint", status);
    saveSeconds_ = secondsBetween(started, Clock::now()); // about what a save takes
    return Status();
  }
  loom_status status = library_.set_dropout_seed(model_.get(), state_.seed);
  if (status != LOOM_OK)
    return library_.errorOf("set_dropout_seed", status);
  return Status();
}

Status Trainer::openReports() {
  LOOM_RETURN_IF_ERROR(metrics_.open(
      options_.metricsPath.value_or(model_directory::file(options_.modelDir, "metrics.jsonl"))));
  // The time budget has to leave room for the last validation; until one
  // is measured, time one batch of each kind and scale.
  if (options_.timeBudget && validator_ && state_.lastValidSeconds == 0) {
    auto estimate = validator_->estimateSeconds(model_.get());
    if (!estimate.ok())
      return estimate.status();
    validEstimate_ = estimate.value();
  }
  logStart();
  return Status();
}

//===----------------------------------------------------------------------===//
// Reporting
//===----------------------------------------------------------------------===//

void Trainer::logStart() {
  const loom_model_info &info = library_.modelInfo();
  const Schedule &schedule = state_.schedule;
  auto pairsText = [](const text::EncodedText &text) {
    return std::to_string(text.size()) + " pairs (" + std::to_string(text.lines) + " lines, " +
           std::to_string(text.skippedEmpty) + " skipped for an empty side, " +
           std::to_string(text.truncated) + " truncated to max_len)";
  };
  note("model '" + library_.name() + "' (" + info.architecture + ", d_model " +
       std::to_string(info.d_model) + ", vocabulary " + std::to_string(info.tgt_vocab) +
       ", max_len " + std::to_string(info.max_len) + ") in '" + options_.modelDir + "'");
  note("training data: " + (trainSrc_ ? "'" + trainSrc_->path() + "', " : std::string()) + "'" +
       trainTgt_->path() + "': " + pairsText(train_));
  note(plural(batchesPerEpoch_, "batch", "batches") + " per epoch of at most " +
       std::to_string(state_.batchTokens) + " tokens; " + std::to_string(train_.labelTokens()) +
       " target tokens per epoch (" + std::to_string(paddedTokensPerEpoch_) + " with padding)");
  if (validator_)
    note("validation data: " + (validSrc_ ? "'" + validSrc_->path() + "', " : std::string()) + "'" +
         validTgt_->path() + "': " + pairsText(valid_) +
         (validEstimate_ > 0 ? "; a validation takes ~" + format("%.1f", validEstimate_) +
                                   " s (estimated on the untrained model)"
                             : std::string()));
  note("learning rate: " + std::string(scheduleName(schedule.kind)) + ", lr " +
       format("%g", schedule.lr) + ", warm-up " + std::to_string(schedule.warmup) + ": peak " +
       format("%.3g", schedule.peak(info.d_model)) +
       (schedule.warmup > 0 ? " at step " + std::to_string(schedule.warmup) : std::string()));
  std::string limits;
  if (options_.epochs)
    limits += plural(*options_.epochs, "epoch") + ", ";
  if (options_.steps)
    limits += plural(*options_.steps, "step") + ", ";
  if (options_.timeBudget)
    limits += format("%g s", *options_.timeBudget) + " time budget, ";
  limits.resize(limits.size() - 2);
  note("limits: " + limits + " (the first reached stops); seed " + std::to_string(state_.seed) +
       "; " +
       (resumed_ ? "resuming at step " + std::to_string(state_.step) + " (" + position() + "), " +
                       formatDuration(state_.elapsedSeconds) + " spent before"
                 : std::string("a fresh start")));

  JsonLine line;
  line.field("kind", "start")
      .fixed("time_s", state_.elapsedSeconds, 3)
      .field("step", state_.step)
      .field("model", library_.name())
      .field("architecture", info.architecture)
      .field("pairs", int64_t(train_.size()))
      .field("skipped", int64_t(train_.skippedEmpty))
      .field("truncated", int64_t(train_.truncated))
      .field("batches_per_epoch", batchesPerEpoch_)
      .field("tgt_tokens_per_epoch", train_.labelTokens())
      .field("valid_pairs", int64_t(valid_.size()))
      .field("batch_tokens", state_.batchTokens)
      .field("lr_schedule", scheduleName(schedule.kind))
      .number("lr", schedule.lr)
      .field("warmup", schedule.warmup)
      .number("peak_lr", schedule.peak(info.d_model))
      .unsignedField("seed", state_.seed)
      .field("threads", int64_t(options_.threads));
  options_.epochs ? line.field("epochs", *options_.epochs) : line.null("epochs");
  options_.steps ? line.field("steps", *options_.steps) : line.null("steps");
  options_.timeBudget ? line.number("time_budget_s", *options_.timeBudget)
                      : line.null("time_budget_s");
  line.field("resumed", resumed_);
  Status status = metrics_.write(line);
  if (!status.ok())
    note("warning: " + status.message());
}

void Trainer::logStep() {
  const double rate = interval_.seconds > 0 ? double(interval_.tokens) / interval_.seconds : 0;
  JsonLine line;
  line.field("kind", "step")
      .field("step", state_.step)
      .field("epoch", epochOfStep(state_.step))
      .fixed("time_s", elapsed(), 3)
      .number("loss", interval_.lossSum / double(interval_.steps))
      .number("lr", state_.schedule.at(state_.step, library_.modelInfo().d_model))
      .field("tgt_tokens", interval_.tokens)
      .fixed("tokens_per_s", rate, 1);
  Status status = metrics_.write(line);
  if (!status.ok())
    note("warning: " + status.message());
  interval_.clear();
}

void Trainer::showProgress(bool force) {
  if (force && shownStep_ == state_.step)
    return; // on the screen already
  const double now = elapsed();
  // How far along, by the limit nearest to being reached.
  const double secondsPerStep = stepsThisRun_ ? stepLoopSeconds_ / double(stepsThisRun_) : 0;
  double fraction = 0, remaining = std::numeric_limits<double>::infinity();
  if (options_.timeBudget) {
    fraction = std::max(fraction, now / *options_.timeBudget);
    remaining = std::min(remaining, *options_.timeBudget - now);
  }
  auto byStep = [&](int64_t lastStep) {
    fraction = std::max(fraction, double(state_.step) / double(lastStep));
    if (secondsPerStep > 0)
      remaining = std::min(remaining, double(lastStep - state_.step) * secondsPerStep);
  };
  if (options_.steps)
    byStep(*options_.steps);
  if (options_.epochs)
    byStep(*options_.epochs * batchesPerEpoch_);
  // At an epoch's end, that epoch at 100% rather than the next at 0%.
  const bool atEnd = state_.batch == 0 && state_.step > 0;
  const int64_t epoch = atEnd ? state_.epoch : state_.epoch + 1;
  const double epochDone = atEnd ? 1.0 : double(state_.batch) / double(batchesPerEpoch_);
  std::string line =
      "step " + std::to_string(state_.step) + " | epoch " + std::to_string(epoch) + " (" +
      format("%.0f", 100.0 * epochDone) + "%) | " +
      format("%.1f", 100.0 * std::min(fraction, 1.0)) + "% done | loss " +
      (lossWeight_ > 0 ? format("%.4f", smoothedLoss_ / lossWeight_) : std::string("-")) + " | " +
      (rateWeight_ > 0 ? compactCount(smoothedRate_ / rateWeight_) : std::string("-")) +
      " tgt tok/s | " + formatDuration(now) + " elapsed | ETA " +
      (std::isfinite(remaining) ? formatDuration(std::max(remaining, 0.0)) : std::string("?"));
  if (progress_.update(line, force))
    shownStep_ = state_.step;
}

//===----------------------------------------------------------------------===//
// Training
//===----------------------------------------------------------------------===//

/// The time the end of training needs: the last validation and checkpoint.
double Trainer::reserveSeconds() const {
  double valid = 0;
  if (validator_)
    valid = state_.lastValidSeconds > 0 ? state_.lastValidSeconds : validEstimate_;
  return valid + saveSeconds_;
}

std::string Trainer::limitReached() const {
  if (options_.steps && state_.step >= *options_.steps)
    return "--steps=" + std::to_string(*options_.steps);
  if (options_.epochs && state_.epoch >= *options_.epochs)
    return "--epochs=" + std::to_string(*options_.epochs);
  if (options_.timeBudget && elapsed() + reserveSeconds() >= *options_.timeBudget)
    return "--time-budget=" + format("%gs", *options_.timeBudget) +
           (reserveSeconds() >= 0.5 ? " (with " + format("%.1f", reserveSeconds()) +
                                          " s kept for the last validation and checkpoint)"
                                    : std::string());
  return "";
}

Status Trainer::trainLoop() {
  installStopHandlers();
  if (state_.pendingValidation) {
    bool done = false;
    LOOM_RETURN_IF_ERROR(validate(done));
    if (!done)
      return Status();
  }
  while (!stopRequested() && limitReached().empty()) {
    LOOM_RETURN_IF_ERROR(step());
    if (state_.batch == 0) {
      LOOM_RETURN_IF_ERROR(endOfEpoch());
    } else if (options_.saveEvery && state_.step % options_.saveEvery == 0) {
      LOOM_RETURN_IF_ERROR(saveCheckpoint(false));
    }
  }
  if (stopRequested() && lastSavedStep_ != state_.step)
    return saveCheckpoint(false);
  if (stopRequested())
    return writeState(); // the time spent since the checkpoint
  return Status();
}

Status Trainer::step() {
  const auto start = Clock::now();
  if (planEpoch_ != state_.epoch) {
    // Once per epoch: the same plan for a given (seed, epoch), resumed or not.
    plan_ =
        text::planBatches(train_, {state_.batchTokens, true, state_.seed, uint64_t(state_.epoch)});
    planEpoch_ = state_.epoch;
  }
  const text::Batch &batch = plan_.batches[size_t(state_.batch)];
  text::fillBatch(train_, plan_, batch, ids_, batch_);
  const double lr = state_.schedule.at(state_.step + 1, library_.modelInfo().d_model);

  const auto callStart = Clock::now();
  float loss = 0;
  const bool withSource = encoderDecoder_;
  loom_status status = library_.train_step(
      model_.get(), batch_.rows, withSource ? batch_.srcMax : 0,
      withSource ? batch_.src.data() : nullptr, withSource ? batch_.srcLen.data() : nullptr,
      batch_.tgtMax, batch_.tgt.data(), batch_.tgtLen.data(), batch_.labels.data(), float(lr),
      &loss);
  const auto callEnd = Clock::now();
  if (status != LOOM_OK)
    return library_.errorOf("train_step", status)
        .withPrefix("step " + std::to_string(state_.step + 1) + " (epoch " +
                    std::to_string(state_.epoch + 1) + ", batch " +
                    std::to_string(state_.batch + 1) + " of " + std::to_string(batchesPerEpoch_) +
                    ": " + std::to_string(batch_.rows) + " rows, S " +
                    std::to_string(batch_.srcMax) + ", T " + std::to_string(batch_.tgtMax) +
                    "; the last checkpoint is kept)");

  state_.step += 1;
  state_.batch += 1;
  if (state_.batch == batchesPerEpoch_) {
    state_.epoch += 1;
    state_.batch = 0;
  }
  stepsThisRun_ += 1;
  tokensThisRun_ += batch_.labelTokens;
  stepCallSeconds_ += secondsBetween(callStart, callEnd);

  // Smoothed for the progress line (bias-corrected moving averages).
  const double decay = 0.95;
  smoothedLoss_ = decay * smoothedLoss_ + double(loss);
  lossWeight_ = decay * lossWeight_ + 1;
  const double iteration = secondsBetween(start, Clock::now());
  if (iteration > 0) {
    smoothedRate_ = decay * smoothedRate_ + double(batch_.labelTokens) / iteration;
    rateWeight_ = decay * rateWeight_ + 1;
  }
  interval_.lossSum += double(loss);
  interval_.steps += 1;
  interval_.tokens += batch_.labelTokens;
  interval_.seconds += iteration;
  if (state_.step % options_.logEvery == 0)
    logStep();
  showProgress(false);
  // The driver's share: everything in this function but the library call.
  stepLoopSeconds_ += secondsBetween(start, Clock::now());
  return Status();
}

Status Trainer::endOfEpoch() {
  LOOM_RETURN_IF_ERROR(saveCheckpoint(validator_ != nullptr));
  bool done = false;
  return validate(done);
}

Status Trainer::writeState() {
  state_.elapsedSeconds = elapsed();
  runStart_ = Clock::now();
  return writeTrainerState(trainerPath_, state_);
}

Status Trainer::saveCheckpoint(bool pendingValidation) {
  const auto start = Clock::now();
  loom_status status = library_.save_checkpoint(model_.get(), checkpointPath_.c_str());
  if (status != LOOM_OK)
    return library_.errorOf("save_checkpoint", status);
  state_.pendingValidation = pendingValidation;
  LOOM_RETURN_IF_ERROR(writeState());
  lastSavedStep_ = state_.step;
  saveSeconds_ = secondsBetween(start, Clock::now());
  return Status();
}

Status Trainer::validate(bool &done) {
  done = false;
  if (!validator_)
    return Status();
  showProgress(true);
  ValidResult result;
  LOOM_RETURN_IF_ERROR(validator_->run(model_.get(), stopRequested, result));
  if (result.interrupted)
    return Status(); // trainer.json still says the validation is pending
  done = true;
  state_.lastValidSeconds = result.seconds;
  state_.lastValidStep = state_.step;
  state_.pendingValidation = false;

  JsonLine line;
  line.field("kind", "valid")
      .field("step", state_.step)
      .field("epoch", epochOfStep(state_.step))
      .fixed("time_s", elapsed(), 3)
      .number("loss", result.loss)
      .number("nll", result.nll);
  result.hasBleu ? line.fixed("bleu", result.bleu.bleu, 2) : line.null("bleu");
  line.field("tgt_tokens", result.tgtTokens);
  Status status = metrics_.write(line);
  if (!status.ok())
    note("warning: " + status.message());
  note("valid step " + std::to_string(state_.step) + " epoch " +
       std::to_string(epochOfStep(state_.step)) + ": loss " + format("%.4f", result.loss) +
       " nll " + format("%.4f", result.nll) + " (" + plural(result.pairs, "pair") + ", " +
       std::to_string(result.tgtTokens) + " target tokens)" +
       (result.hasBleu ? "; " + bleu::format(result.bleu) : std::string()) + " [" +
       format("%.1f", result.seconds) + " s]");
  // The time spent validating counts; the checkpoint is that of this step.
  if (lastSavedStep_ == state_.step)
    return writeState();
  return Status();
}

Status Trainer::finish() {
  const std::string limit = limitReached();
  progress_.finish();
  if (stepsThisRun_ == 0 && lastSavedStep_ == state_.step &&
      (!validator_ || state_.lastValidStep == state_.step)) {
    note("nothing to do: the training in '" + options_.modelDir + "' is at step " +
         std::to_string(state_.step) + " and " + limit + " is reached");
    return Status();
  }
  if (lastSavedStep_ != state_.step)
    LOOM_RETURN_IF_ERROR(saveCheckpoint(validator_ != nullptr));
  if (validator_ && state_.lastValidStep != state_.step) {
    bool done = false;
    LOOM_RETURN_IF_ERROR(validate(done));
  }
  if (stepsThisRun_ > 0) {
    const double overhead =
        stepLoopSeconds_ > 0 ? 100.0 * (stepLoopSeconds_ - stepCallSeconds_) / stepLoopSeconds_ : 0;
    note("done: " + limit + " reached at step " + std::to_string(state_.step) + " (epoch " +
         std::to_string(epochOfStep(state_.step)) + "); " + plural(stepsThisRun_, "step") +
         " in this run, " + compactCount(double(tokensThisRun_) / stepLoopSeconds_) +
         " target tokens/s, " + format("%.2f", overhead) +
         "% of the step time outside train_step; " + formatDuration(state_.elapsedSeconds) +
         " of training in all");
  }
  return Status();
}

} // namespace

int runMain(int argc, char **argv, Clock::time_point processStart) {
  TrainOptions options;
  std::string error;
  if (!parseTrainOptions(argc, argv, options, error)) {
    std::fprintf(stderr, "loom-train: error: %s\n(loom-train --help describes the flags)\n",
                 error.c_str());
    return kExitUsage;
  }
  if (options.help) {
    std::fputs(usageText().c_str(), stdout);
    return kExitOk;
  }
  Trainer trainer(options, processStart);
  return trainer.run();
}

} // namespace loom::train

int main(int argc, char **argv) {
  const auto processStart = std::chrono::steady_clock::now();
  try {
    return loom::train::runMain(argc, argv, processStart);
  } catch (const std::bad_alloc &) {
    std::fprintf(stderr, "loom-train: error: out of memory\n");
  } catch (const std::exception &e) {
    std::fprintf(stderr, "loom-train: error: internal error: %s\n", e.what());
  } catch (...) {
    std::fprintf(stderr, "loom-train: error: internal error: unknown exception\n");
  }
  return 1;
}
