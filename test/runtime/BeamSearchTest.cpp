//===- BeamSearchTest.cpp - the beam search loop ---------------------------===//
//
// The loop is driven by a fake model whose logits depend on each row's whole
// history, which the fake step keeps the way the KV caches are kept: gathered
// by the parents the loop passes, then extended by the row's token. A wrong
// parent therefore gives wrong logits, and the answers below differ. The real
// decode step against a reference beam search over PyTorch is in
// test/parity (run_parity.py's beam cases).
//
//===----------------------------------------------------------------------===//
#include "loom/runtime/BeamSearch.h"
#include "loom/runtime/Decoding.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>

namespace loom {
namespace {

// pad 0, bos 1, eos 2; vocabulary 5 (tokens 3 and 4 are words).
const loom_model_info kInfo = {"d", "encoder_decoder", 2, 1, 2, 1, 1, 5, 5, 8, 0, 1, 2};
constexpr int64_t kVocab = 5;

using History = std::vector<int32_t>;
using Model = std::function<std::vector<float>(const History &)>;

/// A BeamStep over `model` for `batch` source rows of `beam` hypotheses.
BeamStep fakeStep(const Model &model, int64_t batch, int64_t beam,
                  std::vector<History> &rows) {
  return [&, batch, beam](int64_t t, const std::vector<int64_t> &parents,
                          const int32_t *tokens, float *logits) {
    if (t == 0) {
      EXPECT_TRUE(parents.empty());
      rows.assign(size_t(batch * beam), History());
    } else {
      EXPECT_EQ(int64_t(parents.size()), batch * beam);
      std::vector<History> gathered;
      for (size_t r = 0; r < parents.size(); ++r) {
        EXPECT_EQ(parents[r] / beam, int64_t(r) / beam) << "a parent of another source";
        gathered.push_back(rows[size_t(parents[r])]);
      }
      rows = gathered;
    }
    for (size_t r = 0; r < rows.size(); ++r) {
      rows[r].push_back(tokens[r]);
      std::vector<float> l = model(rows[r]);
      std::copy(l.begin(), l.end(), logits + r * kVocab);
    }
    return Status();
  };
}

std::vector<int32_t> search(const Model &model, int64_t batch, BeamOptions options) {
  std::vector<History> rows;
  std::vector<int32_t> tokens(size_t(batch * options.maxNew));
  Status s = beamSearchLoop(kInfo, batch, kVocab, options,
                            fakeStep(model, batch, options.beam, rows), nullptr,
                            tokens.data());
  EXPECT_TRUE(s.ok()) << s.toString();
  return tokens;
}

/// Pseudo-random logits in [-3, 3) from the history (and a row salt).
std::vector<float> hashedLogits(const History &h, uint32_t salt) {
  std::vector<float> logits(kVocab);
  for (int64_t v = 0; v < kVocab; ++v) {
    uint32_t x = 2166136261u ^ salt;
    for (int32_t token : h)
      x = (x ^ uint32_t(token)) * 16777619u;
    x = (x ^ uint32_t(v)) * 16777619u;
    x ^= x >> 13;
    x *= 0x5bd1e995u;
    x ^= x >> 15;
    logits[size_t(v)] = float(x % 6000) / 1000.0f - 3.0f;
  }
  return logits;
}

std::vector<float> logProbs(const std::vector<float> &logits) {
  double m = *std::max_element(logits.begin(), logits.end()), sum = 0;
  for (float l : logits)
    sum += std::exp(l - m);
  std::vector<float> out;
  for (float l : logits)
    out.push_back(float(l - m - std::log(sum)));
  return out;
}

TEST(BeamSearchTest, BeamOfOneIsGreedy) {
  for (uint32_t salt = 0; salt < 20; ++salt) {
    Model model = [salt](const History &h) { return hashedLogits(h, salt); };
    // Greedy over the same model, fed its own argmax.
    History history;
    DecodeStep greedy = [&](int64_t, const int32_t *tokens, int32_t *next) {
      history.push_back(tokens[0]);
      std::vector<float> l = model(history);
      next[0] = int32_t(std::max_element(l.begin(), l.end()) - l.begin());
      return Status();
    };
    std::vector<int32_t> expected(6);
    ASSERT_TRUE(greedyTranslateLoop(kInfo, 1, 6, greedy, expected.data()).ok());
    BeamOptions options;
    options.beam = 1;
    options.maxNew = 6;
    EXPECT_EQ(search(model, 1, options), expected) << "salt " << salt;
  }
}

TEST(BeamSearchTest, FindsTheLikelierSequenceGreedyMisses) {
  // After bos: word 3 (p ~ 0.6) or word 4 (p ~ 0.4); after 3 every token is
  // about equally likely, after 4 eos is nearly certain. Greedy takes 3.
  Model model = [](const History &h) {
    std::vector<float> l(kVocab, -20.0f);
    if (h.size() == 1) {
      l[3] = std::log(0.6f);
      l[4] = std::log(0.4f);
    } else if (h.back() == 4) {
      l[2] = 0.0f;
    } else {
      std::fill(l.begin(), l.end(), 0.0f);
    }
    return l;
  };
  BeamOptions options;
  options.beam = 2;
  options.maxNew = 4;
  options.lengthPenalty = 0;
  EXPECT_EQ(search(model, 1, options), (std::vector<int32_t>{4, 2, 0, 0}));
  options.beam = 1;
  EXPECT_EQ(search(model, 1, options)[0], 3);
}

/// The best hypothesis by exhaustive search: every sequence that ends with
/// eos or reaches maxNew tokens, by score / lp(len).
History exhaustive(const Model &model, int64_t maxNew, double alpha) {
  History best;
  double bestScore = -INFINITY;
  std::function<void(History &, double)> visit = [&](History &h, double score) {
    History input = {1};
    input.insert(input.end(), h.begin(), h.end());
    std::vector<float> lp = logProbs(model(input));
    for (int32_t v = 0; v < kVocab; ++v) {
      h.push_back(v);
      double s = score + lp[size_t(v)];
      if (v == 2 || int64_t(h.size()) == maxNew) {
        double n = s / std::pow((5.0 + double(h.size())) / 6.0, alpha);
        if (n > bestScore + 1e-9) {
          bestScore = n;
          best = h;
        }
      } else {
        visit(h, s);
      }
      h.pop_back();
    }
  };
  History h;
  visit(h, 0.0);
  return best;
}

TEST(BeamSearchTest, AWideEnoughBeamIsExhaustiveSearch) {
  // 5^3 = 125 sequences of 3 tokens; a beam of 64 keeps every live one
  // (at most 4 x 4 = 16 unfinished after two steps), so nothing is pruned.
  for (double alpha : {0.0, 0.6, 2.0})
    for (uint32_t salt = 0; salt < 10; ++salt) {
      Model model = [salt](const History &h) { return hashedLogits(h, salt); };
      BeamOptions options;
      options.beam = kMaxBeam;
      options.maxNew = 3;
      options.lengthPenalty = alpha;
      History expected = exhaustive(model, 3, alpha);
      expected.resize(3, 0);
      EXPECT_EQ(search(model, 1, options), expected) << "alpha " << alpha << " salt " << salt;
    }
}

TEST(BeamSearchTest, RowsOfABatchAreIndependent) {
  // Each source row alone and in a batch of three give the same answer
  // (the fake's logits depend on the row's history only, via its salt).
  BeamOptions options;
  options.beam = 3;
  options.maxNew = 5;
  std::vector<std::vector<int32_t>> alone;
  for (uint32_t salt : {7u, 8u, 9u}) {
    Model model = [salt](const History &h) { return hashedLogits(h, salt); };
    alone.push_back(search(model, 1, options));
  }
  // In the batch, the step knows its row from the source index.
  std::vector<History> rows;
  std::vector<int32_t> tokens(15);
  int64_t call = 0;
  BeamStep step = [&](int64_t t, const std::vector<int64_t> &parents,
                      const int32_t *input, float *logits) {
    ++call;
    if (t == 0)
      rows.assign(9, History());
    else {
      std::vector<History> gathered;
      for (int64_t p : parents)
        gathered.push_back(rows[size_t(p)]);
      rows = gathered;
    }
    for (size_t r = 0; r < 9; ++r) {
      rows[r].push_back(input[r]);
      std::vector<float> l = hashedLogits(rows[r], 7u + uint32_t(r / 3));
      std::copy(l.begin(), l.end(), logits + r * kVocab);
    }
    return Status();
  };
  ASSERT_TRUE(beamSearchLoop(kInfo, 3, kVocab, options, step, nullptr, tokens.data()).ok());
  for (int64_t b = 0; b < 3; ++b)
    EXPECT_EQ(std::vector<int32_t>(tokens.begin() + b * 5, tokens.begin() + b * 5 + 5),
              alone[size_t(b)])
        << "row " << b;
  EXPECT_LE(call, 5);
}

TEST(BeamSearchTest, StopsWhenEveryHypothesisHasEnded) {
  // eos is always the likeliest: every hypothesis ends at step 0 or 1.
  int64_t calls = 0;
  Model model = [&](const History &) {
    std::vector<float> l(kVocab, 0.0f);
    l[2] = 5.0f;
    return l;
  };
  std::vector<History> rows;
  BeamStep counted = fakeStep(model, 1, 2, rows);
  BeamStep step = [&](int64_t t, const std::vector<int64_t> &p, const int32_t *in,
                      float *out) {
    ++calls;
    return counted(t, p, in, out);
  };
  BeamOptions options;
  options.beam = 2;
  options.maxNew = 8;
  std::vector<int32_t> tokens(8);
  ASSERT_TRUE(beamSearchLoop(kInfo, 1, kVocab, options, step, nullptr, tokens.data()).ok());
  EXPECT_EQ(tokens, (std::vector<int32_t>{2, 0, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(calls, 2) << "one hypothesis ends at once, the other one step later";
}

TEST(BeamSearchTest, StepFailurePropagates) {
  BeamStep failing = [](int64_t, const std::vector<int64_t> &, const int32_t *, float *) {
    return Status::internal("kernel failed");
  };
  BeamOptions options;
  options.maxNew = 3;
  std::vector<int32_t> tokens(3);
  Status s = beamSearchLoop(kInfo, 1, kVocab, options, failing, nullptr, tokens.data());
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.toString().find("kernel failed"), std::string::npos);
}

} // namespace
} // namespace loom
