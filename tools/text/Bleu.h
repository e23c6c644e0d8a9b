//===- Bleu.h - corpus BLEU as sacreBLEU computes it -----------*- C++ -*-===//
//
// Corpus-level BLEU with sacreBLEU's defaults (tokenize='13a',
// smooth_method='exp', one reference, n-grams 1..4, no lowercasing), so
// that a score loom-train or loom-bleu prints is the number `sacrebleu`
// prints on the same files, format and all:
//
//   BLEU = 23.41 58.2/31.0/18.5/11.2 (BP = 0.982 ratio = 0.982 hyp_len = 1234 ref_len = 1257)
//
// Statistics add up sentence by sentence (Stats::add), so a trainer can
// score its validation set as it decodes it.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_TOOLS_TEXT_BLEU_H
#define LOOM_TOOLS_TEXT_BLEU_H

#include <cstdint>
#include <string>
#include <vector>

namespace loom::bleu {

/// sacreBLEU's '13a' tokenizer (mteval-v13a.pl's, which WMT uses) applied
/// as sacreBLEU's BLEU applies it (to the line with trailing whitespace
/// removed): the tokens of `line`. UTF-8 in; bytes that are not UTF-8 pass
/// through as parts of tokens.
std::vector<std::string> tokenize13a(const std::string &line);

/// BLEU's sufficient statistics, summed over sentences.
struct Stats {
  int64_t matches[4] = {}; // clipped n-gram matches, n = 1..4
  int64_t totals[4] = {};  // hypothesis n-grams, n = 1..4
  int64_t hypLength = 0, refLength = 0;

  /// Adds one sentence: `hyp` against its one reference `ref` (tokens).
  void add(const std::vector<std::string> &hyp, const std::vector<std::string> &ref);
};

struct Score {
  double bleu = 0;           // in [0, 100]
  double precision[4] = {};  // percentages, as sacreBLEU prints them
  double brevityPenalty = 0; // 1 when the hypotheses are not shorter
  int64_t hypLength = 0, refLength = 0;
};

/// Corpus BLEU of summed statistics, with sacreBLEU's 'exp' smoothing.
Score score(const Stats &stats);

/// tokenize13a on each line, Stats::add on each pair, score(). hyps and
/// refs must have the same size (std::invalid_argument otherwise: a caller's
/// bug, not bad input).
Score corpusBleu(const std::vector<std::string> &hyps, const std::vector<std::string> &refs);

/// sacreBLEU's line: "BLEU = 23.41 58.2/31.0/18.5/11.2 (BP = 0.982 ratio =
/// 0.982 hyp_len = 1234 ref_len = 1257)".
std::string format(const Score &s);
/// The same with the score printed with `width` decimals (sacreBLEU's
/// --width; 0..17).
std::string format(const Score &s, int width);

} // namespace loom::bleu

#endif // LOOM_TOOLS_TEXT_BLEU_H
