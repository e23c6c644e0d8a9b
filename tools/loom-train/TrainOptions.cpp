//===- TrainOptions.cpp - Command line of loom-train ----------------------===//
#include "TrainOptions.h"

#include "CommandLine.h"

#include <limits>

namespace loom::train {

const char *scheduleName(LrSchedule schedule) {
  return schedule == LrSchedule::Noam ? "noam" : "constant";
}

namespace {

enum class Flag {
  Help,
  Model,
  Train,
  Valid,
  Src,
  Tgt,
  BatchTokens,
  LrSchedule,
  Lr,
  Warmup,
  TimeBudget,
  Epochs,
  Steps,
  Seed,
  Threads,
  LogEvery,
  Metrics,
  Resume,
  ValidMax,
  LabelSmoothing,
  SaveEvery
};

constexpr cli::FlagSpec<Flag> kFlags[] = {
    {"help", Flag::Help, false},
    {"model", Flag::Model, true},
    {"train", Flag::Train, true},
    {"valid", Flag::Valid, true},
    {"src", Flag::Src, true},
    {"tgt", Flag::Tgt, true},
    {"batch-tokens", Flag::BatchTokens, true},
    {"lr-schedule", Flag::LrSchedule, true},
    {"lr", Flag::Lr, true},
    {"warmup", Flag::Warmup, true},
    {"time-budget", Flag::TimeBudget, true},
    {"epochs", Flag::Epochs, true},
    {"steps", Flag::Steps, true},
    {"seed", Flag::Seed, true},
    {"threads", Flag::Threads, true},
    {"log-every", Flag::LogEvery, true},
    {"metrics", Flag::Metrics, true},
    {"resume", Flag::Resume, false},
    {"valid-max", Flag::ValidMax, true},
    {"label-smoothing", Flag::LabelSmoothing, true},
    {"save-every", Flag::SaveEvery, true},
};

/// A language code names files PREFIX.CODE: no '/', nothing empty.
bool parseLanguage(const std::string &flag, const std::string &text, std::string &value,
                   std::string &error) {
  if (text.find('/') != std::string::npos) {
    error = "--" + flag + "='" + text + "': expected a file suffix such as 'en' (no '/')";
    return false;
  }
  value = text;
  return true;
}

bool applyFlag(Flag flag, const std::string &name, const std::string &value, TrainOptions &options,
               std::string &error) {
  const int64_t intMax = std::numeric_limits<int>::max();
  const int64_t int64Max = std::numeric_limits<int64_t>::max();
  int64_t count = 0;
  double number = 0;
  switch (flag) {
  case Flag::Help:
    options.help = true;
    return true;
  case Flag::Model:
    options.modelDir = value;
    return true;
  case Flag::Train:
    options.trainPrefix = value;
    return true;
  case Flag::Valid:
    options.validPrefix = value;
    return true;
  case Flag::Src:
    return parseLanguage(name, value, options.src.emplace(), error);
  case Flag::Tgt:
    return parseLanguage(name, value, options.tgt.emplace(), error);
  case Flag::BatchTokens:
    if (!cli::parseInteger(name, value, 1, intMax, count, error))
      return false;
    options.batchTokens = count;
    return true;
  case Flag::LrSchedule:
    if (value == "noam")
      options.lrSchedule = LrSchedule::Noam;
    else if (value == "constant")
      options.lrSchedule = LrSchedule::Constant;
    else {
      error = "--lr-schedule='" + value + "': expected noam or constant";
      return false;
    }
    return true;
  case Flag::Lr:
    if (!cli::parseNumber(value, number) || number < 0 || number > 1e6) {
      error = "--lr='" + value + "': expected a finite number >= 0 (e.g. 0.32 or 1e-3)";
      return false;
    }
    options.lr = number;
    return true;
  case Flag::Warmup:
    if (!cli::parseInteger(name, value, 0, int64Max, count, error))
      return false;
    options.warmup = count;
    return true;
  case Flag::TimeBudget:
    if (!parseDuration(value, number)) {
      error = "--time-budget='" + value +
              "': expected a duration > 0 in seconds, or with a unit: 90s, 15m, 1.5h";
      return false;
    }
    options.timeBudget = number;
    return true;
  case Flag::Epochs:
    if (!cli::parseInteger(name, value, 1, intMax, count, error))
      return false;
    options.epochs = count;
    return true;
  case Flag::Steps:
    if (!cli::parseInteger(name, value, 1, int64Max, count, error))
      return false;
    options.steps = count;
    return true;
  case Flag::Seed:
    return cli::parseSeed(name, value, options.seed.emplace(), error);
  case Flag::Threads:
    if (!cli::parseInteger(name, value, 1, intMax, count, error))
      return false;
    options.threads = int(count);
    return true;
  case Flag::LogEvery:
    if (!cli::parseInteger(name, value, 1, intMax, count, error))
      return false;
    options.logEvery = count;
    return true;
  case Flag::Metrics:
    options.metricsPath = value;
    return true;
  case Flag::Resume:
    options.resume = true;
    return true;
  case Flag::ValidMax:
    if (!cli::parseInteger(name, value, 1, intMax, count, error))
      return false;
    options.validMax = count;
    return true;
  case Flag::LabelSmoothing:
    if (!cli::parseNumber(value, number) || number < 0 || number >= 1) {
      error = "--label-smoothing='" + value + "': expected a number in [0, 1)";
      return false;
    }
    options.labelSmoothing = number;
    return true;
  case Flag::SaveEvery:
    if (!cli::parseInteger(name, value, 1, int64Max, count, error))
      return false;
    options.saveEvery = count;
    return true;
  }
  return true;
}

} // namespace

bool parseDuration(const std::string &text, double &seconds) {
  if (text.empty())
    return false;
  double unit = 1;
  std::string number = text;
  switch (text.back()) {
  case 's':
    number.pop_back();
    break;
  case 'm':
    unit = 60;
    number.pop_back();
    break;
  case 'h':
    unit = 3600;
    number.pop_back();
    break;
  default:
    break;
  }
  double value = 0;
  if (!cli::parseNumber(number, value) || !(value > 0) || value * unit > 1e9)
    return false;
  seconds = value * unit;
  return true;
}

bool parseTrainOptions(int argc, const char *const *argv, TrainOptions &options,
                       std::string &error) {
  if (!cli::parseFlags(argc, argv, kFlags, cli::WalkStyle{}, applyFlag, options, error))
    return false;
  if (options.help)
    return true;

  if (options.modelDir.empty()) {
    error = "missing --model=DIR (a model directory: lib<name>.so, sentencepiece.model)";
    return false;
  }
  if (options.trainPrefix.empty()) {
    error = "missing --train=PREFIX (PREFIX.SRC and PREFIX.TGT; a decoder-only model: "
            "--train=FILE)";
    return false;
  }
  if (options.validMax && options.validPrefix.empty()) {
    error = "--valid-max needs --valid=PREFIX (the validation text it caps)";
    return false;
  }
  if (!options.timeBudget && !options.epochs && !options.steps) {
    error = "no limit to stop at: give --time-budget=SECONDS, --epochs=N or --steps=N "
            "(training stops at the first one reached)";
    return false;
  }
  return true;
}

std::string usageText() {
  return R"(USAGE: loom-train --model=DIR --train=PREFIX [--valid=PREFIX] [--src=en --tgt=fr]
                  (--time-budget=SECONDS | --epochs=N | --steps=N) [options]

Trains a model compiled by loomc (an encoder_decoder library on parallel text,
a decoder library on monolingual text) through its C API, with teacher
forcing, the spec's label-smoothed cross-entropy, dropout and Adam.

DIR, the model directory, holds lib<name>.so (loomc compile SPEC -o DIR) and
sentencepiece.model (spm_train --model_prefix=DIR/sentencepiece, with the
model's vocabulary size and --pad_id/--bos_id/--eos_id as in the spec).
loom-train writes DIR/checkpoint.safetensors (weights + Adam state),
DIR/trainer.json (where training stands) and DIR/metrics.jsonl.

Data (both --flag=value and --flag value work):
  --model=DIR           the model directory
  --train=PREFIX        training text PREFIX.SRC and PREFIX.TGT, one sentence a
                        line, line-aligned; for a decoder model, --train=FILE
  --valid=PREFIX        validation text, the same way (FILE for a decoder); at
                        the end of every epoch and of training: loss, nll and
                        (encoder_decoder) BLEU of greedy translations
  --src=CODE --tgt=CODE the file suffixes (default en and fr)
  --valid-max=N         validate on the first N pairs only (default all)
Every line is encoded once; a pair with an empty side is skipped; sources are
cut to max_len - 1 tokens + eos, targets to max_len - 1 tokens (the decoder
reads bos + y and predicts y + eos).

Batches and data order (fixed for a training; --resume refuses a change):
  --batch-tokens=N      at most N padded tokens per batch, rows x max(T, S)
                        (default 1500); pairs of similar lengths are batched
                        together (sorted by target, then source length)
  --seed=N              weights, dropout masks and the shuffling of batches
                        (per epoch) all come from N (default 1)

Learning rate (step s counts from 1):
  --lr-schedule=noam    lr(s) = LR * d_model^-0.5 * min(s^-0.5, s * WARMUP^-1.5)
                        (default): a linear warm-up to LR / sqrt(d_model *
                        WARMUP) at step WARMUP, then a decay as 1/sqrt(s)
  --lr-schedule=constant
                        lr(s) = LR * min(1, s / WARMUP) (no warm-up when
                        WARMUP is 0)
  --lr=X                LR above; default 0.32 for noam (peak 1.0e-3 at
                        d_model 256, warm-up 400), 0.001 for constant
  --warmup=N            WARMUP above; default 400 for noam, 0 for constant
--resume keeps the checkpoint's schedule unless these are given.

Limits (at least one; training stops at the first reached, each counted over
the whole training, resumed runs included):
  --time-budget=T       wall time, validation and checkpoints included: 3600,
                        90s, 15m, 1.5h
  --epochs=N            passes over the training data
  --steps=N             training steps (batches)

Checkpoints and resuming:
  Written at the end of every epoch and of training (and on SIGINT/SIGTERM:
  the current step finishes, a checkpoint is written, the exit status is 130
  or 143). A directory that holds a checkpoint is refused unless
  --resume is given: then training goes on from it, with the same data order,
  as if it had not stopped.
  --resume              continue from DIR/checkpoint.safetensors
  --save-every=N        also write a checkpoint every N steps

Other options:
  --threads=N           worker threads (default: all cores)
  --label-smoothing=X   the smoothing of the validation loss (default 0.1; the
                        library's info does not carry the spec's value, so
                        give the spec's here)
  --log-every=N         a metrics line every N steps (default 10)
  --metrics=FILE        the metrics log, JSON lines, appended (default
                        DIR/metrics.jsonl):
      {"kind":"start","time_s":..,"step":..,"model":..,"pairs":..,...,"resumed":false}
      {"kind":"step","step":..,"epoch":..,"time_s":..,"loss":..,"lr":..,
       "tgt_tokens":..,"tokens_per_s":..}   (since the previous step line)
      {"kind":"valid","step":..,"epoch":..,"time_s":..,"loss":..,"nll":..,
       "bleu":..,"tgt_tokens":..}           (bleu null for a decoder)
    time_s is the training's wall time so far, resumed runs included; epoch
    is the epoch of the last step (1 = the first).
  --help, -h            print this text

Exit status: 0 done, 1 error, 2 usage error, 130 / 143 stopped by SIGINT /
SIGTERM after writing a checkpoint.
)";
}

} // namespace loom::train
