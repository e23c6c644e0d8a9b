//===- TrainOptions.h - Command line of loom-train --------------*- C++ -*-===//
//
// The flags of loom-train, parsed by hand like loom-run's: "--flag=value" and
// "--flag value". Parsing checks what the command line alone can tell;
// options that define the data order and the schedule stay unset when not
// given, so that --resume can take them from trainer.json and tell a
// changed value from a default.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_TRAIN_TRAINOPTIONS_H
#define LOOM_TRAIN_TRAINOPTIONS_H

#include <cstdint>
#include <optional>
#include <string>

namespace loom::train {

enum class LrSchedule { Noam, Constant };
const char *scheduleName(LrSchedule schedule);

struct TrainOptions {
  bool help = false;
  std::string modelDir;
  std::string trainPrefix; // PREFIX (encoder-decoder) or FILE (decoder)
  std::string validPrefix; // "" : no validation
  std::optional<std::string> src, tgt;
  // The data order (fixed for a training; --resume refuses a change).
  std::optional<int64_t> batchTokens;
  std::optional<uint64_t> seed;
  // The schedule (--resume takes trainer.json's; a change is noted).
  std::optional<LrSchedule> lrSchedule;
  std::optional<double> lr;
  std::optional<int64_t> warmup;
  // Limits: at least one.
  std::optional<double> timeBudget; // seconds
  std::optional<int64_t> epochs, steps;
  int threads = 0; // 0: all cores
  int64_t logEvery = 10;
  std::optional<std::string> metricsPath;
  bool resume = false;
  int64_t validMax = 0; // 0: all
  double labelSmoothing = 0.1;
  int64_t saveEvery = 0; // 0: only at the end of an epoch and of training
};

// Defaults, also quoted by --help.
constexpr const char *kDefaultSrc = "en";
constexpr const char *kDefaultTgt = "fr";
constexpr int64_t kDefaultBatchTokens = 1500;
constexpr uint64_t kDefaultSeed = 1;
constexpr int64_t kDefaultNoamWarmup = 400;
/// Noam's factor: peak lr = factor / sqrt(d_model * warmup) = 1.0e-3 at
/// d_model 256 and warm-up 400 (the translation example's model).
constexpr double kDefaultNoamFactor = 0.32;
constexpr double kDefaultConstantLr = 1e-3;

/// Parses argv[1..argc). On a usage error returns false and sets `error`
/// (without the "loom-train: error: " prefix).
bool parseTrainOptions(int argc, const char *const *argv, TrainOptions &options,
                       std::string &error);

/// "90" / "90s", "15m", "1.5h" in seconds; false if not such a duration.
bool parseDuration(const std::string &text, double &seconds);

std::string usageText();

} // namespace loom::train

#endif // LOOM_TRAIN_TRAINOPTIONS_H
