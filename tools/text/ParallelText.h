//===- ParallelText.h - parallel (or monolingual) text, encoded once -*- C++ -*-===//
//
// What loom-train reads: one sentence per line, PREFIX.SRC and PREFIX.TGT
// line-aligned (or one file of monolingual lines for a decoder-only model).
// Every line is encoded once (SentencePiece, in parallel) into one flat
// token array per side, cut to what the model takes:
//
//   source  x + eos                       (at most max_len tokens)
//   target  y, kept without bos and eos   (at most max_len - 1 tokens, so
//           that the decoder input bos + y and the labels y + eos both fit)
//
// A pair with a side that encodes to nothing (an empty or blank line) is
// skipped and counted. The files' sizes and a hash of their bytes make the
// fingerprint a resumed training checks its data against.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_TOOLS_TEXT_PARALLELTEXT_H
#define LOOM_TOOLS_TEXT_PARALLELTEXT_H

#include "Tokenizer.h"

#include "loom/runtime/MappedFile.h"
#include "loom/runtime/Status.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace loom::text {

/// FNV-1a, 64 bits, continuing from `hash` (start with kFnvOffset).
constexpr uint64_t kFnvOffset = 0xcbf29ce484222325ull;
uint64_t fnv1a64(const void *data, size_t size, uint64_t hash = kFnvOffset);
/// 16 lower-case hex digits.
std::string hex64(uint64_t value);

/// What identifies a file's contents: its size and hash.
struct FileFingerprint {
  std::string path; // as given, for messages only
  uint64_t bytes = 0;
  uint64_t hash = 0; // fnv1a64 of the bytes
};

/// A text file mapped read-only and cut into lines ('\n'; a '\r' before it
/// is dropped; a last line without '\n' counts).
class LineFile {
public:
  /// LOOM_ERROR_IO naming the file when it cannot be read or is not a
  /// regular file.
  static StatusOr<LineFile> open(const std::string &path);

  const std::string &path() const { return path_; }
  size_t lineCount() const { return lines_.size(); }
  std::string_view line(size_t i) const {
    return {reinterpret_cast<const char *>(map_.data()) + lines_[i].begin, lines_[i].size};
  }
  FileFingerprint fingerprint() const;

private:
  struct Span {
    size_t begin, size;
  };
  std::string path_;
  MappedFile map_;
  std::vector<Span> lines_;
};

/// How lines become model inputs.
struct EncodeOptions {
  int64_t maxLen = 0;  // the model's max_len
  int32_t eosId = 0;   // appended to every source
  size_t maxPairs = 0; // keep the first maxPairs kept pairs (0: all)
};

/// Encoded pairs. Pair i's source (x + eos, empty without a source side) is
/// srcTokens[srcOffsets[i], srcOffsets[i + 1]); its target y (no bos, no
/// eos) is tgtTokens[tgtOffsets[i], tgtOffsets[i + 1]).
struct EncodedText {
  bool hasSource = false;
  std::vector<int32_t> srcTokens, tgtTokens;
  std::vector<uint64_t> srcOffsets{0}, tgtOffsets{0};
  std::vector<uint32_t> lineNumbers; // 1-based line of each pair in the files
  size_t lines = 0;                  // lines looked at (up to the last pair kept)
  size_t skippedEmpty = 0;           // pairs with a side that encodes to nothing
  size_t truncated = 0;              // pairs cut to fit max_len (either side)

  size_t size() const { return lineNumbers.size(); }
  int32_t srcLength(size_t i) const { return int32_t(srcOffsets[i + 1] - srcOffsets[i]); }
  /// Target positions of pair i in training: bos + y (= y + eos).
  int32_t tgtLength(size_t i) const { return int32_t(tgtOffsets[i + 1] - tgtOffsets[i]) + 1; }
  const int32_t *src(size_t i) const { return srcTokens.data() + srcOffsets[i]; }
  const int32_t *tgt(size_t i) const { return tgtTokens.data() + tgtOffsets[i]; }
  /// Target tokens with a loss (the non-pad labels), over all pairs.
  int64_t labelTokens() const { return int64_t(tgtTokens.size() + size()); }
};

/// The two files must have the same number of lines (else an error naming
/// both and their counts); `source` may be null (monolingual text).
/// `threads`: TBB's concurrency for the encoding (<= 0: all cores).
StatusOr<EncodedText> encodeText(const Tokenizer &tokenizer, const LineFile *source,
                                 const LineFile &target, const EncodeOptions &options, int threads);

} // namespace loom::text

#endif // LOOM_TOOLS_TEXT_PARALLELTEXT_H
