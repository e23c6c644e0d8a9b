//===- RunOptions.h - Command line of loom-run ------------------*- C++ -*-===//
//
// The flags of loom-run, parsed by hand (the runtime carries no LLVM): both
// "--flag=value" and "--flag value". Parsing checks only what the command line
// alone can tell (syntax, numbers, flags that go together); what depends on
// the model (input count, shapes, max_len) is checked once it is loaded.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_RUN_RUNOPTIONS_H
#define LOOM_RUN_RUNOPTIONS_H

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace loom::run {

struct RunOptions {
  bool help = false; // --help or -h anywhere: print the usage, nothing else
  std::string modulePath;
  std::optional<std::string> weightsPath;
  std::optional<uint64_t> seed;
  std::string function;
  std::vector<std::string> inputPaths;  // without the leading '@'
  std::vector<std::string> outputPaths; // without the leading '@'
  int threads = 0;                      // 0: all cores (the C API's convention;
                                        // it also lowers more than the cores)
  int repeat = 0;                       // extra timed runs after the first
  std::optional<int64_t> maxNew;        // translate/generate; default kDefaultMaxNew
  // translate only: beam search (NAME_translate_beam) instead of greedy
  std::optional<int64_t> beam;
  std::optional<float> lengthPenalty; // default kDefaultLengthPenalty
  std::optional<std::string> saveWeightsPath;
  // train_step only (checked once the function is known):
  std::optional<float> lr;                         // default kDefaultLearningRate
  std::optional<int64_t> steps;                    // default 1
  std::optional<std::string> saveCheckpointPath;   // after the last step
  std::optional<std::string> resumePath;           // weights and Adam state
  std::optional<uint64_t> dropoutSeed;             // replaces the checkpoint's
};

constexpr int64_t kDefaultMaxNew = 16;
/// translate's --length-penalty with --beam when none is given (Marian's).
constexpr float kDefaultLengthPenalty = 0.6f;
/// train_step's --lr when none is given (the reference's default).
constexpr float kDefaultLearningRate = 1e-3f;

/// Parses argv[1..argc). On a usage error returns false and sets `error` to the
/// message (without the "loom-run: error: " prefix).
bool parseRunOptions(int argc, const char *const *argv, RunOptions &options,
                     std::string &error);

/// The text of --help.
std::string usageText();

} // namespace loom::run

#endif // LOOM_RUN_RUNOPTIONS_H
