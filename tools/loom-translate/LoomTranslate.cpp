//===- LoomTranslate.cpp - text in, text out with a compiled model --------===//
//
//   loom-translate --model=DIR [--beam=N] [...] < in.txt > out.txt
//
// Each input line is SentencePiece-encoded (DIR/sentencepiece.model), eos
// appended as loom-train does, run through the encoder-decoder library DIR/lib<name>.so with the weights of
// DIR/checkpoint.safetensors, and decoded back to text: greedy with
// NAME_translate, beam search with NAME_translate_beam. Lines go to the
// model in batches of similar length (sorted, a token budget per batch) and
// come out in input order. Everything is checked and translated before the
// first byte is written, so a failure leaves stdout (or --output) empty.
//
// Exit status: 0 done, 1 error, 2 usage error.
//
//===----------------------------------------------------------------------===//
#include "TranslateOptions.h"

#include "ModelDirectory.h"
#include "ModelLibrary.h"
#include "Tokenizer.h"

#include "loom/runtime/OutputFile.h"
#include "loom/runtime/Status.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <numeric>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>
#include <vector>

namespace loom::translate {
namespace {

constexpr int kExitOk = 0, kExitError = 1, kExitUsage = 2;

using TokenRows = std::vector<std::vector<int32_t>>;

//===----------------------------------------------------------------------===//
// The model directory
//===----------------------------------------------------------------------===//

const char *architectureWords(const ModelLibrary &library) {
  return library.hasArchitecture(LOOM_ARCH_DECODER) ? "a decoder-only" : "an encoder-only";
}

/// The library of DIR, refused unless it can translate as the flags ask.
Status openTranslator(const TranslateOptions &options, ModelLibrary &library) {
  LOOM_RETURN_IF_ERROR(library.openInDirectory(options.modelDir));
  const loom_model_info &info = library.modelInfo();
  if (!library.hasArchitecture(LOOM_ARCH_ENCODER_DECODER))
    return Status::invalidArgument("library '" + library.path() + "' (model '" + info.name +
                                   "') is " + architectureWords(library) +
                                   " model; loom-translate needs an encoder_decoder library");
  LOOM_RETURN_IF_ERROR(library.require("translate", (const void *)library.translate));
  if (options.beam > 1)
    LOOM_RETURN_IF_ERROR(library.require("translate_beam", (const void *)library.translate_beam));
  if (options.maxNew > info.max_len)
    return Status::invalidArgument("--max-new=" + std::to_string(options.maxNew) +
                                   " is larger than model '" + info.name +
                                   "' allows (max_len = " + std::to_string(info.max_len) + ")");
  return Status();
}

/// DIR's SentencePiece model, refused unless its ids are the model's.
Status loadTokenizer(const std::string &dir, const ModelLibrary &library, Tokenizer &tokenizer) {
  LOOM_RETURN_IF_ERROR(tokenizer.load(model_directory::file(dir, model_directory::kTokenizer)));
  return tokenizer.checkAgainst(library.modelInfo());
}

/// A model with --weights, or DIR's training checkpoint: its weights (the
/// Adam state it also holds is loaded and not used) replace seeded ones.
Status createTranslator(const ModelLibrary &library, const TranslateOptions &options,
                        ModelHandle &model) {
  if (!options.weightsPath.empty())
    return createModel(library, options.weightsPath, 0, options.threads, model);
  const std::string checkpoint =
      model_directory::file(options.modelDir, model_directory::kCheckpoint);
  struct stat st;
  if (::stat(checkpoint.c_str(), &st) != 0)
    return Status::io("model directory '" + options.modelDir + "' has no " +
                      model_directory::kCheckpoint + " (" + std::strerror(errno) +
                      "): train the model with loom-train, or give --weights=FILE.safetensors");
  LOOM_RETURN_IF_ERROR(library.require("load_checkpoint", (const void *)library.load_checkpoint));
  LOOM_RETURN_IF_ERROR(createModel(library, "", 0, options.threads, model));
  loom_status status = library.load_checkpoint(model.get(), checkpoint.c_str());
  if (status != LOOM_OK) // the library's message names the checkpoint
    return library.errorOf("load_checkpoint", status);
  return Status();
}

//===----------------------------------------------------------------------===//
// Text in
//===----------------------------------------------------------------------===//

/// Standard input's lines, split on '\n' (a last line without one counts);
/// a '\r' ending a line (a CRLF file) is dropped rather than translated.
Status readInputLines(std::vector<std::string> &lines) {
  std::string text;
  char buffer[1 << 16];
  for (;;) {
    ssize_t got = ::read(STDIN_FILENO, buffer, sizeof buffer);
    if (got == 0)
      break;
    if (got < 0 && errno == EINTR)
      continue;
    if (got < 0)
      return Status::io(std::string("cannot read standard input: ") + std::strerror(errno));
    text.append(buffer, size_t(got));
  }
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos)
      end = text.size();
    size_t stop = end > start && text[end - 1] == '\r' ? end - 1 : end;
    lines.push_back(text.substr(start, stop - start));
    start = end + 1;
  }
  return Status();
}

/// The source of each line as loom-train builds it (tools/text/
/// ParallelText.h): the SentencePiece ids x, cut to max_len - 1, then eos.
/// A line with no text (x empty) has no source: it is not translated. Says
/// once on stderr how many lines were cut.
TokenRows encodeSources(const Tokenizer &tokenizer, const std::vector<std::string> &lines,
                        const loom_model_info &info) {
  const size_t maxText = size_t(std::max<int64_t>(info.max_len - 1, 0)); // room for eos
  TokenRows sources;
  sources.reserve(lines.size());
  int64_t truncated = 0;
  for (const std::string &line : lines) {
    std::vector<int32_t> ids = tokenizer.encode(line);
    if (!ids.empty()) {
      if (ids.size() > maxText) {
        ids.resize(maxText);
        ++truncated;
      }
      ids.push_back(int32_t(info.eos_id));
    }
    sources.push_back(std::move(ids));
  }
  if (truncated)
    std::fprintf(stderr,
                 "loom-translate: note: %lld of %zu lines had more than max_len - 1 = %zu "
                 "subword tokens (the source ends with eos); they were truncated\n",
                 (long long)truncated, lines.size(), maxText);
  return sources;
}

//===----------------------------------------------------------------------===//
// Batches
//===----------------------------------------------------------------------===//

/// The lines with a source, longest first (so that the batch needing the
/// most memory runs first, and padding is small), in batches whose padded
/// size rows * longest * beam (each beam hypothesis is a row of every
/// kernel) stays within `budget`; a line alone over it is a batch of one.
std::vector<std::vector<size_t>> planBatches(const TokenRows &sources, int64_t budget,
                                             int64_t beam) {
  std::vector<size_t> order;
  for (size_t i = 0; i < sources.size(); ++i)
    if (!sources[i].empty())
      order.push_back(i);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return sources[a].size() > sources[b].size();
  });
  std::vector<std::vector<size_t>> batches;
  int64_t longest = 0;
  for (size_t i : order) {
    bool fits = !batches.empty() &&
                int64_t(batches.back().size() + 1) * longest * beam <= budget;
    if (!fits) {
      batches.emplace_back();
      longest = int64_t(sources[i].size());
    }
    batches.back().push_back(i);
  }
  return batches;
}

/// The most target tokens for a source of `length` tokens (eos included):
/// --max-new, or
/// min(max_len, 2 * length + 10), room for a translation much longer than
/// its source without decoding max_len steps for every short line.
int64_t maxNewFor(const TranslateOptions &options, const loom_model_info &info,
                  int64_t length) {
  return options.maxNew ? options.maxNew : std::min(info.max_len, 2 * length + 10);
}

/// Translates the sources `batch` names with one call: each row's tokens,
/// cut to its own maxNewFor. (The batch decodes up to the largest of these;
/// a greedy row's first tokens do not depend on how many follow, so a line
/// gets the same greedy translation in any batch. Beam search's do: a
/// longer limit lets other hypotheses finish.)
Status decodeBatch(const ModelLibrary &library, loom_model *model,
                   const TranslateOptions &options, const TokenRows &sources,
                   const std::vector<size_t> &batch, TokenRows &rows) {
  const loom_model_info &info = library.modelInfo();
  const int64_t count = int64_t(batch.size());
  int64_t srcMax = 0, maxNew = 1;
  for (size_t i : batch) {
    srcMax = std::max(srcMax, int64_t(sources[i].size()));
    maxNew = std::max(maxNew, maxNewFor(options, info, int64_t(sources[i].size())));
  }
  std::vector<int32_t> src(size_t(count * srcMax), int32_t(info.pad_id)), srcLen;
  for (int64_t r = 0; r < count; ++r) {
    const std::vector<int32_t> &ids = sources[batch[size_t(r)]];
    std::copy(ids.begin(), ids.end(), src.begin() + r * srcMax);
    srcLen.push_back(int32_t(ids.size()));
  }
  std::vector<int32_t> tokens(size_t(count * maxNew));
  loom_status status =
      options.beam > 1
          ? library.translate_beam(model, count, srcMax, src.data(), srcLen.data(), maxNew,
                                   options.beam, options.lengthPenalty, tokens.data())
          : library.translate(model, count, srcMax, src.data(), srcLen.data(), maxNew,
                              tokens.data());
  if (status != LOOM_OK)
    return library.errorOf(options.beam > 1 ? "translate_beam" : "translate", status);
  rows.assign(size_t(count), {});
  for (int64_t r = 0; r < count; ++r) {
    const int32_t *row = tokens.data() + r * maxNew;
    rows[size_t(r)].assign(row, row + maxNewFor(options, info, srcLen[size_t(r)]));
  }
  return Status();
}

//===----------------------------------------------------------------------===//
// Progress
//===----------------------------------------------------------------------===//

/// "lines done / total, lines/s" on stderr, at most once a second and only
/// once a second has passed (a short input prints nothing). On a terminal the
/// line is rewritten in place; elsewhere (--progress) each report is a line.
class Progress {
public:
  Progress(size_t total, bool forced)
      : total_(total), terminal_(::isatty(STDERR_FILENO) == 1), enabled_(forced || terminal_),
        start_(Clock::now()), last_(start_) {}

  void advance(size_t lines) {
    done_ += lines;
    if (enabled_ && secondsSince(last_) >= 1.0)
      report();
  }

  /// The last report, when there was a first.
  void finish() {
    if (reported_)
      report();
    if (reported_ && terminal_)
      std::fputc('\n', stderr);
  }

private:
  using Clock = std::chrono::steady_clock;
  static double secondsSince(Clock::time_point t) {
    return std::chrono::duration<double>(Clock::now() - t).count();
  }

  void report() {
    double elapsed = std::max(secondsSince(start_), 1e-9);
    std::fprintf(stderr, "%sloom-translate: %zu/%zu lines, %.1f lines/s%s", terminal_ ? "\r" : "",
                 done_, total_, double(done_) / elapsed, terminal_ ? "\033[K" : "\n");
    std::fflush(stderr);
    last_ = Clock::now();
    reported_ = true;
  }

  size_t total_, done_ = 0;
  bool terminal_, enabled_, reported_ = false;
  Clock::time_point start_, last_;
};

//===----------------------------------------------------------------------===//
// Text out
//===----------------------------------------------------------------------===//

/// A translation as one output line: a newline inside it (the vocabulary
/// could hold one) would shift every later line, so it becomes a space.
std::string asOneLine(std::string text) {
  std::replace(text.begin(), text.end(), '\n', ' ');
  std::replace(text.begin(), text.end(), '\r', ' ');
  return text;
}

Status writeOutput(const std::string &path, const std::string &text) {
  if (!path.empty()) {
    ByteSpan span{text.data(), text.size()};
    return writeFileAtomically(path, &span, 1);
  }
  if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size() ||
      std::fflush(stdout) != 0)
    return Status::io(std::string("cannot write to standard output: ") + std::strerror(errno));
  return Status();
}

Status translateInput(const TranslateOptions &options) {
  ModelLibrary library;
  LOOM_RETURN_IF_ERROR(openTranslator(options, library));
  Tokenizer tokenizer;
  LOOM_RETURN_IF_ERROR(loadTokenizer(options.modelDir, library, tokenizer));
  if (!options.outputPath.empty()) {
    StatusOr<std::string> target = checkOutputTarget(options.outputPath);
    if (!target.ok())
      return target.status();
  }
  ModelHandle model;
  LOOM_RETURN_IF_ERROR(createTranslator(library, options, model));

  std::vector<std::string> lines;
  LOOM_RETURN_IF_ERROR(readInputLines(lines));
  const TokenRows sources = encodeSources(tokenizer, lines, library.modelInfo());
  std::vector<std::string> translations(lines.size());
  Progress progress(lines.size(), options.progress);
  progress.advance(size_t(std::count_if(sources.begin(), sources.end(),
                                        [](const auto &ids) { return ids.empty(); })));
  TokenRows rows;
  for (const std::vector<size_t> &batch :
       planBatches(sources, options.batchTokens, options.beam)) {
    LOOM_RETURN_IF_ERROR(decodeBatch(library, model.get(), options, sources, batch, rows));
    for (size_t r = 0; r < batch.size(); ++r)
      translations[batch[r]] = asOneLine(tokenizer.decode(rows[r]));
    progress.advance(batch.size());
  }
  progress.finish();

  std::string text;
  for (const std::string &translation : translations)
    text.append(translation).append(1, '\n');
  return writeOutput(options.outputPath, text);
}

int runMain(int argc, char **argv) {
  TranslateOptions options;
  std::string error;
  if (!parseTranslateOptions(argc, argv, options, error)) {
    std::fprintf(stderr, "loom-translate: error: %s\nRun 'loom-translate --help' for usage.\n",
                 error.c_str());
    return kExitUsage;
  }
  if (options.help) {
    std::fputs(usageText(), stdout);
    return kExitOk;
  }
  Status status = translateInput(options);
  if (!status.ok()) {
    std::fprintf(stderr, "loom-translate: error: %s\n", status.message().c_str());
    return kExitError;
  }
  return kExitOk;
}

} // namespace
} // namespace loom::translate

int main(int argc, char **argv) {
  try {
    return loom::translate::runMain(argc, argv);
  } catch (const std::bad_alloc &) {
    std::fprintf(stderr, "loom-translate: error: out of memory\n");
  } catch (const std::exception &e) {
    std::fprintf(stderr, "loom-translate: error: internal error: %s\n", e.what());
  }
  return 1;
}
