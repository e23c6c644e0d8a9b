//===- TranslateOptions.cpp - Command line of loom-translate --------------===//
#include "TranslateOptions.h"

#include "loom/runtime/Decimal.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <vector>

namespace loom::translate {
namespace {

enum class Flag { Model, Weights, Output, Beam, LengthPenalty, MaxNew, Threads, BatchTokens, Progress };

struct FlagInfo {
  const char *name; // without the leading "--"
  Flag flag;
  bool takesValue;
};

constexpr FlagInfo kFlags[] = {
    {"model", Flag::Model, true},
    {"weights", Flag::Weights, true},
    {"output", Flag::Output, true},
    {"beam", Flag::Beam, true},
    {"length-penalty", Flag::LengthPenalty, true},
    {"max-new", Flag::MaxNew, true},
    {"threads", Flag::Threads, true},
    {"batch-tokens", Flag::BatchTokens, true},
    {"progress", Flag::Progress, false},
};
constexpr size_t kFlagCount = sizeof(kFlags) / sizeof(kFlags[0]);

/// An integer in [min, INT_MAX].
bool parseCount(const std::string &flag, const std::string &text, int64_t min, int64_t &value,
                std::string &error) {
  uint64_t v = 0;
  const uint64_t max = uint64_t(std::numeric_limits<int>::max());
  if (!loom::parseDecimal(text, max, v) || int64_t(v) < min) {
    error = "--" + flag + "='" + text + "': expected an integer >= " + std::to_string(min) +
            " (at most " + std::to_string(max) + ")";
    return false;
  }
  value = int64_t(v);
  return true;
}

/// A decimal number (no hex, inf or nan), finite as a float, >= 0.
bool parseNonNegative(const std::string &flag, const std::string &text, float &value,
                      std::string &error) {
  error = "--" + flag + "='" + text + "': expected a finite number >= 0 (e.g. 0.6)";
  if (text.empty() || text.size() > 64 ||
      text.find_first_not_of("0123456789.eE+-") != std::string::npos)
    return false;
  errno = 0;
  char *end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size() || errno == ERANGE || !std::isfinite(v) || v < 0 ||
      v > double(std::numeric_limits<float>::max()))
    return false;
  value = float(v);
  error.clear();
  return true;
}

const FlagInfo *findFlag(const std::string &name, size_t &index) {
  for (index = 0; index < kFlagCount; ++index)
    if (name == kFlags[index].name)
      return &kFlags[index];
  return nullptr;
}

/// Stores one flag's value; false with `error` set when it is malformed.
bool apply(const FlagInfo &info, const std::string &value, TranslateOptions &options,
           std::string &error) {
  const std::string name = info.name;
  int64_t count = 0;
  switch (info.flag) {
  case Flag::Model:
    options.modelDir = value;
    return true;
  case Flag::Weights:
    options.weightsPath = value;
    return true;
  case Flag::Output:
    options.outputPath = value;
    return true;
  case Flag::Beam:
    if (!parseCount(name, value, 1, count, error))
      return false;
    options.beam = count;
    return true;
  case Flag::LengthPenalty:
    return parseNonNegative(name, value, options.lengthPenalty, error);
  case Flag::MaxNew:
    if (!parseCount(name, value, 1, count, error))
      return false;
    options.maxNew = count;
    return true;
  case Flag::Threads:
    if (!parseCount(name, value, 1, count, error))
      return false;
    options.threads = int(count);
    return true;
  case Flag::BatchTokens:
    if (!parseCount(name, value, 1, count, error))
      return false;
    options.batchTokens = count;
    return true;
  case Flag::Progress:
    options.progress = true;
    return true;
  }
  return true;
}

} // namespace

bool parseTranslateOptions(int argc, const char *const *argv, TranslateOptions &options,
                           std::string &error) {
  // --help wins over everything else on the line, errors included.
  for (int i = 1; i < argc; ++i)
    if (!std::strcmp(argv[i], "--help") || !std::strcmp(argv[i], "-h")) {
      options.help = true;
      return true;
    }
  std::vector<bool> seen(kFlagCount, false);
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.size() < 3 || arg.compare(0, 2, "--") != 0) {
      error = "unexpected argument '" + arg +
              "' (every argument is a --flag; the text comes on standard input)";
      return false;
    }
    size_t eq = arg.find('=');
    std::string name = arg.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
    size_t index = 0;
    const FlagInfo *info = findFlag(name, index);
    if (!info) {
      error = "unknown flag '" + (eq == std::string::npos ? arg : arg.substr(0, eq)) + "'";
      return false;
    }
    if (seen[index]) {
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
    } else if (i + 1 < argc && std::strncmp(argv[i + 1], "--", 2) != 0) {
      value = argv[++i];
    } else {
      error = "--" + name + " requires a value";
      return false;
    }
    if (info->takesValue && value.empty()) {
      error = "--" + name + " requires a non-empty value";
      return false;
    }
    if (!apply(*info, value, options, error))
      return false;
  }
  if (options.modelDir.empty()) {
    error = "missing --model=DIR (a model directory: lib<name>.so, sentencepiece.model, "
            "checkpoint.safetensors)";
    return false;
  }
  return true;
}

const char *usageText() {
  return "usage: loom-translate --model=DIR [options] < input.txt > output.txt\n"
         "\n"
         "Translates standard input line by line with the encoder-decoder model in\n"
         "DIR: one output line per input line, in input order (an empty line gives\n"
         "an empty line). DIR holds lib<name>.so (loomc compile SPEC -o DIR), the\n"
         "SentencePiece model sentencepiece.model and the training checkpoint\n"
         "checkpoint.safetensors (loom-train). A source is the line's subword\n"
         "tokens then eos, as loom-train builds it, cut to the model's max_len (a\n"
         "note on stderr says how many lines were cut).\n"
         "\n"
         "options:\n"
         "  --weights=FILE        a weights file (NAME_save_weights, loom-run\n"
         "                        --save-weights) instead of DIR's checkpoint\n"
         "  --beam=N              beam size (default 1: greedy, NAME_translate;\n"
         "                        N > 1 needs NAME_translate_beam)\n"
         "  --length-penalty=A    beam search ranks finished hypotheses by\n"
         "                        log-probability / ((5 + len) / 6)^A (default 0.6)\n"
         "  --max-new=N           most target tokens per sentence (<= max_len; default\n"
         "                        per batch: min(max_len, 2 * longest source + 10))\n"
         "  --threads=N           worker threads (default: all cores)\n"
         "  --batch-tokens=N      padded source tokens per call, times the beam\n"
         "                        (default 2048); lines are sorted by length into\n"
         "                        batches\n"
         "  --output=FILE         write FILE (atomically) instead of standard output\n"
         "  --progress            lines done and lines/s on stderr (the default when\n"
         "                        stderr is a terminal)\n"
         "\n"
         "Exit status: 0 done, 1 error (nothing is written), 2 usage error.\n";
}

} // namespace loom::translate
