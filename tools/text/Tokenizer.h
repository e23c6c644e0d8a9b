//===- Tokenizer.h - SentencePiece subwords for a compiled model -*- C++ -*-===//
//
// Text <-> token ids with a SentencePiece model (libsentencepiece), checked
// against the compiled model it feeds: the same vocabulary size and the
// spec's pad/bos/eos ids, so ids mean the same on both sides.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_TOOLS_TEXT_TOKENIZER_H
#define LOOM_TOOLS_TEXT_TOKENIZER_H

#include "loom/loom_model_api.h"
#include "loom/runtime/Status.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace sentencepiece {
class SentencePieceProcessor;
}

namespace loom {

class Tokenizer {
public:
  Tokenizer();
  ~Tokenizer();

  /// Loads a SentencePiece model file (a regular file).
  Status load(const std::string &path);

  /// Refuses a tokenizer the model cannot use: its size differs from the
  /// model's src_vocab or tgt_vocab (the ones the architecture uses), or its
  /// pad/bos/eos ids differ from the spec's.
  Status checkAgainst(const loom_model_info &info) const;

  int64_t size() const;
  /// The subword ids of one line (no bos/eos added).
  std::vector<int32_t> encode(const std::string &text) const;
  /// The text of `ids`, up to the first eos; pad and bos are skipped.
  std::string decode(const std::vector<int32_t> &ids) const;
  /// The piece of each id (for axis labels).
  std::string piece(int32_t id) const;

private:
  std::string path_;
  std::unique_ptr<sentencepiece::SentencePieceProcessor> processor_;
};

} // namespace loom

#endif // LOOM_TOOLS_TEXT_TOKENIZER_H
