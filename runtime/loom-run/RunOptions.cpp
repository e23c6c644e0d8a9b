//===- RunOptions.cpp - Command line of loom-run --------------------------===//

#include "RunOptions.h"

#include "loom/runtime/Decimal.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <limits>

namespace loom::run {

namespace {

enum class Flag {
  Help, Module, Weights, Seed, Function, Input, Output, Threads, Repeat, MaxNew, SaveWeights,
  LearningRate, Steps, SaveCheckpoint, Resume, DropoutSeed, Beam, LengthPenalty
};

struct FlagInfo {
  const char *name; // without the leading "--"
  Flag flag;
  bool takesValue;
  bool repeatable;
};

constexpr FlagInfo kFlags[] = {
    {"help", Flag::Help, false, true},
    {"module", Flag::Module, true, false},
    {"weights", Flag::Weights, true, false},
    {"seed", Flag::Seed, true, false},
    {"function", Flag::Function, true, false},
    {"input", Flag::Input, true, true},
    {"output", Flag::Output, true, true},
    {"threads", Flag::Threads, true, false},
    {"repeat", Flag::Repeat, true, false},
    {"max-new", Flag::MaxNew, true, false},
    {"save-weights", Flag::SaveWeights, true, false},
    {"lr", Flag::LearningRate, true, false},
    {"steps", Flag::Steps, true, false},
    {"save-checkpoint", Flag::SaveCheckpoint, true, false},
    {"resume", Flag::Resume, true, false},
    {"dropout-seed", Flag::DropoutSeed, true, false},
    {"beam", Flag::Beam, true, false},
    {"length-penalty", Flag::LengthPenalty, true, false},
};

size_t editDistance(const std::string &a, const std::string &b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j)
    row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1] ? 1 : 0)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string unknownFlagMessage(const std::string &arg, const std::string &name) {
  std::string message = "unknown flag '" + arg + "'";
  const FlagInfo *best = nullptr;
  size_t bestDistance = 3; // suggest only close misspellings
  for (const FlagInfo &info : kFlags) {
    size_t d = editDistance(name, info.name);
    if (d < bestDistance) {
      bestDistance = d;
      best = &info;
    }
  }
  if (best)
    message += "; did you mean '--" + std::string(best->name) + "'?";
  return message;
}


/// An integer in [min, INT_MAX] for --threads, --repeat, --max-new.
bool parseCount(const std::string &flag, const std::string &text, int64_t min, int64_t &value,
                std::string &error) {
  uint64_t v = 0;
  if (!loom::parseDecimal(text, uint64_t(std::numeric_limits<int>::max()), v) ||
      int64_t(v) < min) {
    error = "--" + flag + "='" + text + "': expected an integer >= " + std::to_string(min) +
            " (at most " + std::to_string(std::numeric_limits<int>::max()) + ")";
    return false;
  }
  value = int64_t(v);
  return true;
}

/// --lr, --length-penalty: a decimal number (no hex, no inf or nan), finite
/// as a float, >= 0.
bool parseNonNegative(const std::string &flag, const std::string &text, const char *what,
                      float &value, std::string &error) {
  error = "--" + flag + "='" + text + "': expected " + what;
  if (text.empty() || text.size() > 64)
    return false;
  for (char c : text)
    if (!std::strchr("0123456789.eE+-", c))
      return false;
  errno = 0;
  char *end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size() || errno == ERANGE || !std::isfinite(v) || v < 0)
    return false;
  if (float(v) > std::numeric_limits<float>::max()) {
    error = "--" + flag + "='" + text + "': larger than a float can hold";
    return false;
  }
  value = float(v);
  error.clear();
  return true;
}

/// --input / --output values name a file as "@PATH".
bool parseFileRef(const std::string &flag, const std::string &text, std::string &path,
                  std::string &error) {
  if (text.size() < 2 || text[0] != '@') {
    error = "--" + flag + "='" + text + "': expected @FILE.npy (a '@' followed by a path)";
    return false;
  }
  path = text.substr(1);
  return true;
}

} // namespace

bool parseRunOptions(int argc, const char *const *argv, RunOptions &options,
                     std::string &error) {
  // --help wins over everything else on the line, errors included.
  for (int i = 1; i < argc; ++i)
    if (std::string(argv[i]) == "--help" || std::string(argv[i]) == "-h") {
      options.help = true;
      return true;
    }
  std::vector<bool> seen(sizeof(kFlags) / sizeof(kFlags[0]), false);
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.size() < 3 || arg.compare(0, 2, "--") != 0) {
      error = "unexpected argument '" + arg + "' (every argument is a --flag)";
      return false;
    }
    size_t eq = arg.find('=');
    std::string name = arg.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
    const FlagInfo *info = nullptr;
    size_t index = 0;
    for (; index < seen.size(); ++index)
      if (name == kFlags[index].name) {
        info = &kFlags[index];
        break;
      }
    if (!info) {
      error = unknownFlagMessage(eq == std::string::npos ? arg : arg.substr(0, eq), name);
      return false;
    }
    if (seen[index] && !info->repeatable) {
      error = "--" + name + " given more than once";
      return false;
    }
    seen[index] = true;

    std::string value;
    if (!info->takesValue) {
      if (eq != std::string::npos) {
        error = "--" + name + " takes no value";
        return false;
      }
    } else if (eq != std::string::npos) {
      value = arg.substr(eq + 1);
    } else if (i + 1 < argc && std::string(argv[i + 1]).compare(0, 2, "--") != 0) {
      value = argv[++i];
    } else {
      error = "--" + name + " requires a value";
      return false;
    }
    if (info->takesValue && value.empty()) {
      error = "--" + name + " requires a non-empty value";
      return false;
    }

    int64_t count = 0;
    switch (info->flag) {
    case Flag::Help:
      options.help = true;
      break;
    case Flag::Module:
      options.modulePath = value;
      break;
    case Flag::Weights:
      options.weightsPath = value;
      break;
    case Flag::Seed: {
      uint64_t seed = 0;
      if (!loom::parseDecimal(value, std::numeric_limits<uint64_t>::max(), seed)) {
        error = "--seed='" + value + "': expected an integer in [0, 2^64)";
        return false;
      }
      options.seed = seed;
      break;
    }
    case Flag::Function:
      options.function = value;
      break;
    case Flag::Input:
      if (!parseFileRef(name, value, options.inputPaths.emplace_back(), error))
        return false;
      break;
    case Flag::Output:
      if (!parseFileRef(name, value, options.outputPaths.emplace_back(), error))
        return false;
      break;
    case Flag::Threads:
      if (!parseCount(name, value, 1, count, error))
        return false;
      options.threads = int(count);
      break;
    case Flag::Repeat:
      if (!parseCount(name, value, 1, count, error))
        return false;
      options.repeat = int(count);
      break;
    case Flag::MaxNew:
      if (!parseCount(name, value, 1, count, error))
        return false;
      options.maxNew = count;
      break;
    case Flag::SaveWeights:
      options.saveWeightsPath = value;
      break;
    case Flag::LearningRate: {
      float lr = 0;
      if (!parseNonNegative(name, value,
                            "a learning rate, a finite number >= 0 (e.g. 1e-3)", lr, error))
        return false;
      options.lr = lr;
      break;
    }
    case Flag::Steps:
      if (!parseCount(name, value, 1, count, error))
        return false;
      options.steps = count;
      break;
    case Flag::SaveCheckpoint:
      options.saveCheckpointPath = value;
      break;
    case Flag::Resume:
      options.resumePath = value;
      break;
    case Flag::Beam:
      if (!parseCount(name, value, 1, count, error))
        return false;
      options.beam = count;
      break;
    case Flag::LengthPenalty: {
      float alpha = 0;
      if (!parseNonNegative(name, value, "a length penalty, a finite number >= 0 (e.g. 0.6)",
                            alpha, error))
        return false;
      options.lengthPenalty = alpha;
      break;
    }
    case Flag::DropoutSeed: {
      uint64_t seed = 0;
      if (!loom::parseDecimal(value, std::numeric_limits<uint64_t>::max(), seed)) {
        error = "--dropout-seed='" + value + "': expected an integer in [0, 2^64)";
        return false;
      }
      options.dropoutSeed = seed;
      break;
    }
    }
  }
  if (options.help)
    return true;

  // What the command line alone decides.
  if (options.modulePath.empty()) {
    error = "missing --module=DIR/lib<name>.so";
    return false;
  }
  if (options.function.empty()) {
    error = "missing --function=forward|translate|generate|train_step";
    return false;
  }
  if (options.resumePath && (options.weightsPath || options.seed)) {
    error = std::string("--resume and ") + (options.weightsPath ? "--weights" : "--seed") +
            " exclude each other (--resume loads the weights, with Adam's state, from the "
            "checkpoint)";
    return false;
  }
  if (options.weightsPath && options.seed) {
    error = "--weights and --seed exclude each other (--seed initialises the weights "
            "in the library)";
    return false;
  }
  if (!options.weightsPath && !options.seed && !options.resumePath) {
    error = "missing --weights=W.safetensors or --seed=N (the model needs weights; "
            "train_step may --resume=CKPT instead)";
    return false;
  }
  if (options.outputPaths.size() > 1) {
    error = "--output given " + std::to_string(options.outputPaths.size()) +
            " times; every function has exactly one output";
    return false;
  }
  return true;
}

std::string usageText() {
  return R"(USAGE: loom-run --module=DIR/lib<name>.so (--weights=W.safetensors | --seed=N)
                --function=forward|translate|generate|train_step --input=@a.npy ...
                [--output=@out.npy] [options]
       loom-run --module=DIR/lib<name>.so --resume=CKPT --function=train_step
                --input=@a.npy ... [options]

Runs a model compiled by loomc through its C API (loom_model_api.h).

Flags (both --flag=value and --flag value work):
  --module=PATH         the compiled model, lib<name>.so
  --weights=PATH        safetensors weights to load
  --seed=N              initialise the weights in the library instead (N >= 0)
  --function=NAME       forward, translate (encoder_decoder), generate (decoder)
                        or train_step (encoder_decoder, decoder)
  --input=@PATH         an int32 or int64 .npy file; one per input, in order
  --output=@PATH        write the output as .npy (at most once); without it a
                        summary of the output is printed on stdout
  --threads=N           worker threads (N >= 1; default: all cores); more than
                        the cores this process may use is lowered to that
                        number, with a note on stderr
  --repeat=N            run N more times after the first and print
                        'time_ms median=X min=Y max=Z' on stderr (not for
                        train_step, whose every step changes the model)
  --max-new=N           tokens to produce (translate, generate; default 16, or
                        fewer where max_len allows fewer)
  --beam=N              translate with beam search of N hypotheses per row
                        (NAME_translate_beam; N = 1 gives greedy's tokens)
  --length-penalty=A    with --beam: hypotheses are ranked by log-probability
                        / ((5 + length) / 6)^A (default 0.6)
  --save-weights=PATH   write the weights as safetensors after the run (after
                        the last step of train_step)
  --help, -h            print this text

Training (train_step only; these flags are refused for other functions):
  --lr=X                Adam's learning rate, a finite number >= 0 (default
                        0.001, as the reference's)
  --steps=K             training steps on the same batch (K >= 1, default 1);
                        the output is the loss of each step, float32 [K]
  --dropout-seed=N      the seed of the dropout masks (N >= 0; default 0, or
                        the checkpoint's with --resume, which N replaces)
  --resume=CKPT         start from a training checkpoint: weights, Adam's
                        moments, step count and dropout seed (instead of
                        --weights or --seed, which it excludes)
  --save-checkpoint=PATH
                        write a training checkpoint after the last step
                        (safetensors: the weights, adam.m.<name> and
                        adam.v.<name>, and the model name, step count and
                        dropout seed in __metadata__)
Each step is one Adam update (torch.optim.Adam with the spec's adam_beta1,
adam_beta2 and adam_eps); without --resume, Adam's state starts at zero. A
loss that is not finite stops the run with an error naming the step.

Files written (--output, --save-weights, --save-checkpoint) appear only if the
whole run succeeds, each replaced atomically. A target that exists and is not
a regular file (a directory, a FIFO, a device) is refused and left untouched;
a symbolic link is written through (the file it names is replaced, the link
stays); an existing file keeps its permissions.

Inputs by function and architecture (numbered from 0 in messages):
  forward    encoder_decoder  src [B,S], src_len [B], tgt [B,T], tgt_len [B]
                              -> logits float32 [B,T,tgt_vocab]
  forward    encoder          src [B,S], src_len [B] -> hidden float32 [B,S,d_model]
  forward    decoder          tgt [B,T], tgt_len [B] -> logits float32 [B,T,tgt_vocab]
  translate  encoder_decoder  src [B,S], src_len [B] -> tokens int32 [B,max_new]
  generate   decoder          prompt [B,P], prompt_len [B] -> tokens int32 [B,max_new]
  train_step encoder_decoder  src [B,S], src_len [B], tgt [B,T], tgt_len [B],
                              labels [B,T] -> loss float32 [K]
  train_step decoder          tgt [B,T], tgt_len [B], labels [B,T] -> loss float32 [K]
Lengths are in [1, S]; token ids in [0, vocab), padding positions included;
S, T <= max_len; translate needs max_new <= max_len, generate P + max_new <= max_len.
Labels are target token ids in [0, tgt_vocab); a label equal to pad_id has no
loss (the loss is the mean over the others, with the spec's label smoothing);
a row of pad_id is fine, a batch of nothing but pad_id is refused.

Exit status: 0 on success, 1 on an error, 2 on a usage error.
)";
}

} // namespace loom::run
