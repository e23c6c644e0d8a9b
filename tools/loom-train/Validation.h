//===- Validation.h - loom-train's validation: loss, nll, BLEU --*- C++ -*-===//
//
// The loss is the training loss without dropout: NAME_forward's logits
// [B, T, tgt_vocab] scored here with the same label-smoothed cross-entropy
// the library trains with (PyTorch's, over labels that are not pad_id:
// (1 - eps) (lse - logit[y]) + eps (lse - mean(logits))), and the plain
// cross-entropy ("nll", eps = 0), both per target token. BLEU (encoder-
// decoder models) scores greedy NAME_translate output, decoded to text,
// against the reference lines as they are in the file.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_TRAIN_VALIDATION_H
#define LOOM_TRAIN_VALIDATION_H

#include "Batches.h"
#include "Bleu.h"
#include "ModelLibrary.h"
#include "ParallelText.h"
#include "Tokenizer.h"

#include <tbb/task_arena.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace loom::train {

struct ValidResult {
  double loss = 0, nll = 0; // per target token
  int64_t tgtTokens = 0;    // labels scored (y + eos of every pair)
  int64_t pairs = 0;
  bool hasBleu = false;
  bleu::Score bleu;
  double seconds = 0;
  bool interrupted = false; // stop() said so between two batches
};

class Validator {
public:
  /// `references`: the target line of each pair of `text`, as in the file.
  Validator(const ModelLibrary &library, const Tokenizer &tokenizer, const text::EncodedText &text,
            std::vector<std::string> references, double labelSmoothing, int64_t tokenBudget,
            int threads);

  /// The whole validation set; stops early (result.interrupted) when
  /// stop() returns true between two batches.
  Status run(loom_model *model, const std::function<bool()> &stop, ValidResult &result) const;

  /// The seconds run() would take, from its longest loss batch and its
  /// longest translation batch timed on `model` and scaled by the tokens
  /// of all batches. An untrained model translates every row to the
  /// longest output allowed, so before training this overestimates.
  StatusOr<double> estimateSeconds(loom_model *model) const;

  size_t size() const { return text_.size(); }

private:
  struct Translation {
    std::vector<uint32_t> pairs; // rows, in the order of text_
    int64_t srcMax = 0, maxNew = 0;
  };

  Status lossOfBatch(loom_model *model, const text::Batch &batch, std::vector<float> &logits,
                     double &smoothed, double &nll, int64_t &tokens) const;
  Status translateBatch(loom_model *model, const Translation &batch,
                        std::vector<std::string> &hypotheses) const;
  std::vector<Translation> planTranslations(int64_t tokenBudget) const;

  const ModelLibrary &library_;
  const Tokenizer &tokenizer_;
  const text::EncodedText &text_;
  std::vector<std::string> references_;
  double labelSmoothing_;
  std::unique_ptr<tbb::task_arena> arena_; // the scoring of logits, on --threads cores
  text::SpecialIds ids_;
  text::BatchPlan lossPlan_;
  std::vector<Translation> translations_;
};

} // namespace loom::train

#endif // LOOM_TRAIN_VALIDATION_H
