//===- Bleu.cpp - corpus BLEU as sacreBLEU computes it --------------------===//
//
// Follows sacreBLEU 2.x (sacrebleu/tokenizers/tokenizer_13a.py,
// tokenizer_re.py, metrics/bleu.py) step by step, floating-point operations
// in the same order, so that the printed line is the same to the last digit.
//
//===----------------------------------------------------------------------===//
#include "Bleu.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <unordered_map>

namespace loom::bleu {
namespace {

//===----------------------------------------------------------------------===//
// 13a tokenisation
//===----------------------------------------------------------------------===//
//
// sacreBLEU's Tokenizer13a, on a line that BLEU has already rstrip()ped:
//
//   1. line.replace('<skipped>', ''), then '-\n' -> '', then '\n' -> ' ';
//   2. '&quot;' -> '"', '&amp;' -> '&', '&lt;' -> '<', '&gt;' -> '>' (in
//      this order, so "&amp;lt;" becomes "<");
//   3. ' ' + line + ' ', then TokenizerRegexp's four re.sub, in order:
//        ([\{-\~\[-\` -\&\(-\+\:-\@\/])  -> ' \1 '   punctuation and symbols
//        ([^0-9])([\.,])                 -> '\1 \2 ' . and , unless after a digit
//        ([\.,])([^0-9])                 -> ' \1 \2' . and , unless before a digit
//        ([0-9])(-)                      -> '\1 \2 ' - after a digit
//   4. ' '.join(line.split()): split on Unicode whitespace.
//
// Ours does the same on UTF-8 bytes. The patterns' literal characters are
// all ASCII, and a byte of a multi-byte UTF-8 character is never an ASCII
// byte, so matching byte by byte finds exactly the matches Python's re finds
// character by character ([^0-9] matching the last byte of a character
// before '.', or the first byte of one after it, with the rest copied
// unchanged). re.sub's matches do not overlap and are taken left to right;
// so are ours. Python's str.split() and str.rstrip() take Unicode
// whitespace, not just ASCII: whitespaceLength() knows which.

bool isDigit(char c) { return c >= '0' && c <= '9'; }

/// [\{-\~\[-\` -\&\(-\+\:-\@\/]: { | } ~, [ \ ] ^ _ `, space ! " # $ % &,
/// ( ) * +, : ; < = > ? @, and /. Not ' - . , digits or letters.
bool isSeparatedSymbol(char c) {
  unsigned char u = (unsigned char)c;
  return (u >= 0x7B && u <= 0x7E) || (u >= 0x5B && u <= 0x60) || (u >= 0x20 && u <= 0x26) ||
         (u >= 0x28 && u <= 0x2B) || (u >= 0x3A && u <= 0x40) || u == 0x2F;
}

/// The length in bytes of the whitespace character at s[i] as Python's
/// str.isspace() sees it (ASCII \t\n\v\f\r, \x1c-\x1f, space; U+0085,
/// U+00A0, U+1680, U+2000-U+200A, U+2028, U+2029, U+202F, U+205F, U+3000),
/// or 0 when s[i] does not start one.
size_t whitespaceLength(const std::string &s, size_t i) {
  auto at = [&](size_t k) -> unsigned { return k < s.size() ? (unsigned char)s[k] : 0x100; };
  unsigned b0 = at(i);
  if ((b0 >= 0x09 && b0 <= 0x0D) || (b0 >= 0x1C && b0 <= 0x20))
    return 1;
  if (b0 == 0xC2 && (at(i + 1) == 0x85 || at(i + 1) == 0xA0))
    return 2;
  unsigned b1 = at(i + 1), b2 = at(i + 2);
  if (b0 == 0xE1 && b1 == 0x9A && b2 == 0x80) // U+1680
    return 3;
  if (b0 == 0xE2 && b1 == 0x80 &&
      ((b2 >= 0x80 && b2 <= 0x8A) || b2 == 0xA8 || b2 == 0xA9 || b2 == 0xAF))
    return 3;                                  // U+2000-U+200A, U+2028, U+2029, U+202F
  if (b0 == 0xE2 && b1 == 0x81 && b2 == 0x9F) // U+205F
    return 3;
  if (b0 == 0xE3 && b1 == 0x80 && b2 == 0x80) // U+3000
    return 3;
  return 0;
}

/// Python's str.rstrip(): `s` without its trailing whitespace. (Going byte
/// by byte is safe: no byte of a multi-byte character starts a whitespace
/// character's bytes.)
std::string rstrip(const std::string &s) {
  size_t end = 0; // just past the last byte that is not whitespace
  for (size_t i = 0; i < s.size();) {
    if (size_t w = whitespaceLength(s, i))
      i += w;
    else
      end = ++i;
  }
  return s.substr(0, end);
}

/// Python's str.replace(from, to): left to right, no overlaps.
std::string replaceAll(const std::string &s, const std::string &from, const std::string &to) {
  std::string out;
  size_t start = 0;
  for (size_t hit; (hit = s.find(from, start)) != std::string::npos; start = hit + from.size())
    out.append(s, start, hit - start).append(to);
  return out.append(s, start, std::string::npos);
}

/// re.sub of a two-character pattern (first, second) with a replacement
/// built from the two matched bytes.
template <typename First, typename Second, typename Replace>
std::string substitutePairs(const std::string &s, First first, Second second, Replace replace) {
  std::string out;
  out.reserve(s.size() + s.size() / 4);
  for (size_t i = 0; i < s.size();) {
    if (i + 1 < s.size() && first(s[i]) && second(s[i + 1])) {
      replace(out, s[i], s[i + 1]);
      i += 2;
    } else {
      out += s[i++];
    }
  }
  return out;
}

std::vector<std::string> splitOnWhitespace(const std::string &s) {
  std::vector<std::string> tokens;
  std::string token;
  for (size_t i = 0; i < s.size();) {
    if (size_t w = whitespaceLength(s, i)) {
      if (!token.empty())
        tokens.push_back(std::move(token));
      token.clear();
      i += w;
    } else {
      token += s[i++];
    }
  }
  if (!token.empty())
    tokens.push_back(std::move(token));
  return tokens;
}

//===----------------------------------------------------------------------===//
// Counting
//===----------------------------------------------------------------------===//

/// Each distinct n-gram of `ids` with its count, n = 1..4, keyed by the ids
/// as bytes (the ids are small integers that stand for tokens).
using NgramCounts = std::unordered_map<std::string, int64_t>;

void countNgrams(const std::vector<int32_t> &ids, NgramCounts counts[4]) {
  for (size_t n = 1; n <= 4; ++n)
    for (size_t i = 0; i + n <= ids.size(); ++i)
      ++counts[n - 1][std::string(reinterpret_cast<const char *>(&ids[i]), n * sizeof(int32_t))];
}

/// sacreBLEU's my_log: log, with log(0) floored to -9999999999.
double flooredLog(double x) { return x == 0.0 ? -9999999999.0 : std::log(x); }

} // namespace

std::vector<std::string> tokenize13a(const std::string &input) {
  std::string line = replaceAll(rstrip(input), "<skipped>", "");
  line = replaceAll(line, "-\n", "");
  line = replaceAll(line, "\n", " ");
  line = replaceAll(line, "&quot;", "\"");
  line = replaceAll(line, "&amp;", "&");
  line = replaceAll(line, "&lt;", "<");
  line = replaceAll(line, "&gt;", ">");

  std::string spaced = " ";
  for (char c : line) {
    if (isSeparatedSymbol(c))
      spaced.append(1, ' ').append(1, c).append(1, ' ');
    else
      spaced += c;
  }
  spaced += ' ';
  auto isPeriodOrComma = [](char c) { return c == '.' || c == ','; };
  auto notDigit = [](char c) { return !isDigit(c); };
  spaced = substitutePairs(spaced, notDigit, isPeriodOrComma, [](std::string &out, char a, char b) {
    out.append(1, a).append(1, ' ').append(1, b).append(1, ' ');
  });
  spaced = substitutePairs(spaced, isPeriodOrComma, notDigit, [](std::string &out, char a, char b) {
    out.append(1, ' ').append(1, a).append(1, ' ').append(1, b);
  });
  spaced = substitutePairs(spaced, isDigit, [](char c) { return c == '-'; },
                           [](std::string &out, char a, char b) {
                             out.append(1, a).append(1, ' ').append(1, b).append(1, ' ');
                           });
  return splitOnWhitespace(spaced);
}

void Stats::add(const std::vector<std::string> &hyp, const std::vector<std::string> &ref) {
  // Interning the tokens makes an n-gram a short byte string of ids.
  std::unordered_map<std::string, int32_t> idOf;
  auto intern = [&](const std::vector<std::string> &tokens) {
    std::vector<int32_t> ids;
    ids.reserve(tokens.size());
    for (const std::string &token : tokens)
      ids.push_back(idOf.emplace(token, int32_t(idOf.size())).first->second);
    return ids;
  };
  NgramCounts hypCounts[4], refCounts[4];
  countNgrams(intern(hyp), hypCounts);
  countNgrams(intern(ref), refCounts);
  for (int n = 0; n < 4; ++n) {
    for (const auto &[ngram, count] : hypCounts[n]) {
      totals[n] += count;
      auto found = refCounts[n].find(ngram);
      if (found != refCounts[n].end())
        matches[n] += std::min(count, found->second); // clipped
    }
  }
  hypLength += int64_t(hyp.size());
  refLength += int64_t(ref.size());
}

Score score(const Stats &stats) {
  Score s;
  s.hypLength = stats.hypLength;
  s.refLength = stats.refLength;
  // BLEU.compute_bleu: the brevity penalty, exp(1 - r/c) when c < r.
  s.brevityPenalty = 1.0;
  if (stats.hypLength < stats.refLength)
    s.brevityPenalty = stats.hypLength > 0
                           ? std::exp(1.0 - double(stats.refLength) / double(stats.hypLength))
                           : 0.0;
  // No match of any order: 0, with every precision 0 (sacreBLEU #141).
  if (!stats.matches[0] && !stats.matches[1] && !stats.matches[2] && !stats.matches[3])
    return s;
  // smooth_method='exp', sacreBLEU's default (mteval-v13a's smoothing): the
  // k-th order with no match counts as precision 100 / (2^k * total) instead
  // of 0. An order with no hypothesis n-gram at all ends the loop: it and the
  // orders above it keep precision 0, and BLEU is 0. Orders with matches are
  // plain clipped precisions.
  double smooth = 1.0;
  for (int n = 0; n < 4; ++n) {
    if (stats.totals[n] == 0)
      break;
    if (stats.matches[n] == 0) {
      smooth *= 2;
      s.precision[n] = 100. / (smooth * double(stats.totals[n]));
    } else {
      s.precision[n] = 100. * double(stats.matches[n]) / double(stats.totals[n]);
    }
  }
  double logSum = 0;
  for (double p : s.precision)
    logSum += flooredLog(p);
  s.bleu = s.brevityPenalty * std::exp(logSum / 4);
  return s;
}

Score corpusBleu(const std::vector<std::string> &hyps, const std::vector<std::string> &refs) {
  if (hyps.size() != refs.size())
    throw std::invalid_argument("corpusBleu: " + std::to_string(hyps.size()) +
                                " hypotheses but " + std::to_string(refs.size()) + " references");
  Stats stats;
  for (size_t i = 0; i < hyps.size(); ++i)
    stats.add(tokenize13a(hyps[i]), tokenize13a(refs[i]));
  return score(stats);
}

std::string format(const Score &s) { return format(s, 2); }

std::string format(const Score &s, int width) {
  double ratio = s.refLength ? double(s.hypLength) / double(s.refLength) : 0.0;
  char line[256];
  std::snprintf(line, sizeof line,
                "BLEU = %.*f %.1f/%.1f/%.1f/%.1f (BP = %.3f ratio = %.3f hyp_len = %lld "
                "ref_len = %lld)",
                std::clamp(width, 0, 17), s.bleu, s.precision[0], s.precision[1], s.precision[2],
                s.precision[3], s.brevityPenalty, ratio, (long long)s.hypLength,
                (long long)s.refLength);
  return line;
}

} // namespace loom::bleu
