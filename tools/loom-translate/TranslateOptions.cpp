//===- TranslateOptions.cpp - Command line of loom-translate --------------===//
#include "TranslateOptions.h"

#include "CommandLine.h"

#include <limits>

namespace loom::translate {
namespace {

enum class Flag { Model, Weights, Output, Beam, LengthPenalty, MaxNew, Threads, BatchTokens, Progress };

constexpr cli::FlagSpec<Flag> kFlags[] = {
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

/// A decimal number, finite as a float, >= 0.
bool parseNonNegative(const std::string &flag, const std::string &text, float &value,
                      std::string &error) {
  double v = 0;
  if (!cli::parseNumber(text, v) || v < 0 || v > double(std::numeric_limits<float>::max())) {
    error = "--" + flag + "='" + text + "': expected a finite number >= 0 (e.g. 0.6)";
    return false;
  }
  value = float(v);
  return true;
}

/// Stores one flag's value; false with `error` set when it is malformed.
bool applyFlag(Flag flag, const std::string &name, const std::string &value,
               TranslateOptions &options, std::string &error) {
  int64_t count = 0;
  switch (flag) {
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
    if (!cli::parseCount(name, value, 1, count, error))
      return false;
    options.beam = count;
    return true;
  case Flag::LengthPenalty:
    return parseNonNegative(name, value, options.lengthPenalty, error);
  case Flag::MaxNew:
    if (!cli::parseCount(name, value, 1, count, error))
      return false;
    options.maxNew = count;
    return true;
  case Flag::Threads:
    if (!cli::parseCount(name, value, 1, count, error))
      return false;
    options.threads = int(count);
    return true;
  case Flag::BatchTokens:
    if (!cli::parseCount(name, value, 1, count, error))
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
  // A bare argument is most likely text meant for standard input, so the
  // message says where the text goes; an unknown flag is named without a
  // suggestion.
  cli::WalkStyle style;
  style.bareArgumentNote = "; the text comes on standard input";
  style.suggest = false;
  if (!cli::parseFlags(argc, argv, kFlags, style, applyFlag, options, error))
    return false;
  if (options.help)
    return true;
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
