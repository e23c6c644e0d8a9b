//===- TranslateOptions.h - Command line of loom-translate ------*- C++ -*-===//
//
// The flags of loom-translate, "--flag=value" or "--flag value". Parsing
// checks what the command line alone can tell (syntax, ranges, repeats);
// what depends on the model (--max-new against max_len, --beam against the
// library's functions) is checked once the library is open.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_TRANSLATE_TRANSLATEOPTIONS_H
#define LOOM_TRANSLATE_TRANSLATEOPTIONS_H

#include <cstdint>
#include <string>

namespace loom::translate {

/// --length-penalty when none is given: GNMT's alpha as Marian and
/// fairseq-style beam searches commonly use it.
constexpr float kDefaultLengthPenalty = 0.6f;
/// --batch-tokens when none is given: padded source tokens per call, a few
/// dozen sentences of ordinary length (the decoder's caches grow with it).
constexpr int64_t kDefaultBatchTokens = 2048;

struct TranslateOptions {
  bool help = false;       // --help or -h anywhere: the usage, nothing else
  std::string modelDir;    // --model: lib<name>.so, sentencepiece.model, checkpoint
  std::string weightsPath; // --weights: a plain weights file instead of the checkpoint
  std::string outputPath;  // --output: written atomically instead of stdout
  int64_t beam = 1;        // 1: greedy (NAME_translate); > 1: NAME_translate_beam
  float lengthPenalty = kDefaultLengthPenalty;
  int64_t maxNew = 0; // 0: per batch, min(max_len, 2 * longest source + 10)
  int threads = 0;    // 0: all cores (the C API's convention)
  int64_t batchTokens = kDefaultBatchTokens;
  bool progress = false; // progress on stderr even when it is not a terminal
};

/// Parses argv[1..argc). On a usage error returns false and sets `error`
/// (without the "loom-translate: error: " prefix).
bool parseTranslateOptions(int argc, const char *const *argv, TranslateOptions &options,
                           std::string &error);

/// The text of --help.
const char *usageText();

} // namespace loom::translate

#endif // LOOM_TRANSLATE_TRANSLATEOPTIONS_H
