//===- SpecText.cpp - checks on a spec's text before YAML parsing ---------===//
//
// Two passes over the raw text, both linear and without recursion:
//
// 1. Encoding. llvm::yaml reads UTF-8 only; anything else (UTF-16 or -32
//    text, a NUL or other control byte, a malformed UTF-8 sequence, a
//    character YAML excludes) ends its scanning with "Got empty plain
//    scalar" or "Unrecognized character", even inside a comment. Here each
//    is named at its byte.
//
// 2. Structure. llvm::yaml's parser recurses once per nested collection
//    and once per ',' or '...' in a row, so a long run of any of them
//    overflows the stack. A spec is one flat mapping; counting the
//    characters that can start such a construct bounds the recursion
//    (measured: llvm::yaml 19 needs under 128 bytes of stack per level at
//    -O2, so kMaxSpecIndicators levels fit any thread's stack, sanitizer
//    builds included).
//
//===----------------------------------------------------------------------===//
#include "Import/SpecText.h"

#include "Import/ModelSpec.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/Twine.h"

#include <algorithm>

using namespace llvm;
using loom::SpecTextProblem;

namespace {

//===----------------------------------------------------------------------===//
// Encoding
//===----------------------------------------------------------------------===//

/// A UTF-8 sequence as llvm::yaml decodes it: the code point and its length
/// in bytes, or length 0 if the bytes are not well-formed UTF-8 (overlong
/// forms and surrogates included).
std::pair<uint32_t, unsigned> decodeUTF8(const unsigned char *p,
                                         const unsigned char *end) {
  auto cont = [&](int i) { return p + i < end && (p[i] & 0xC0) == 0x80; };
  if (p[0] < 0x80)
    return {p[0], 1};
  if ((p[0] & 0xE0) == 0xC0 && cont(1)) {
    uint32_t cp = (uint32_t(p[0] & 0x1F) << 6) | (p[1] & 0x3F);
    if (cp >= 0x80)
      return {cp, 2};
  }
  if ((p[0] & 0xF0) == 0xE0 && cont(1) && cont(2)) {
    uint32_t cp = (uint32_t(p[0] & 0x0F) << 12) |
                  (uint32_t(p[1] & 0x3F) << 6) | (p[2] & 0x3F);
    if (cp >= 0x800 && (cp < 0xD800 || cp > 0xDFFF))
      return {cp, 3};
  }
  if ((p[0] & 0xF8) == 0xF0 && cont(1) && cont(2) && cont(3)) {
    uint32_t cp = (uint32_t(p[0] & 0x07) << 18) |
                  (uint32_t(p[1] & 0x3F) << 12) |
                  (uint32_t(p[2] & 0x3F) << 6) | (p[3] & 0x3F);
    if (cp >= 0x10000 && cp <= 0x10FFFF)
      return {cp, 4};
  }
  return {0, 0};
}

std::string codePoint(uint32_t cp) {
  std::string hex = utohexstr(cp);
  return "U+" + std::string(hex.size() < 4 ? 4 - hex.size() : 0, '0') + hex;
}

std::optional<SpecTextProblem> checkEncoding(StringRef text) {
  const auto *begin = reinterpret_cast<const unsigned char *>(text.begin());
  const auto *end = reinterpret_cast<const unsigned char *>(text.end());
  auto at = [&](const unsigned char *p, const Twine &message) {
    return SpecTextProblem{reinterpret_cast<const char *>(p), message.str()};
  };
  // Byte-order marks, then the shape of UTF-16/32 text without one: NUL
  // bytes around the first ASCII character (what llvm::yaml guesses from).
  if (text.starts_with(StringRef("\xFF\xFE\0\0", 4)) ||
      text.starts_with(StringRef("\0\0\xFE\xFF", 4)))
    return at(begin, "the spec is UTF-32 text (it starts with a UTF-32 "
                     "byte-order mark); save it as UTF-8");
  if (text.starts_with("\xFF\xFE") || text.starts_with("\xFE\xFF"))
    return at(begin, "the spec is UTF-16 text (it starts with a UTF-16 "
                     "byte-order mark); save it as UTF-8");
  if (text.size() >= 2 && (text[0] == 0 || text[1] == 0))
    return at(begin, "the spec looks like UTF-16 or UTF-32 text (NUL bytes "
                     "between the characters); save it as UTF-8");
  const unsigned char *p = begin;
  if (text.starts_with("\xEF\xBB\xBF"))
    p += 3; // a UTF-8 byte-order mark: llvm::yaml skips it
  while (p < end) {
    if (*p == 0)
      return at(p, "NUL byte in the spec (a spec is UTF-8 text)");
    if ((*p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r') || *p == 0x7F)
      return at(p, "control character " + codePoint(*p) +
                       " in the spec (only tab and line breaks are allowed)");
    auto [cp, length] = decodeUTF8(p, end);
    if (length == 0)
      return at(p, "invalid UTF-8 byte 0x" + utohexstr(*p, false, 2) +
                       " (a spec is UTF-8 text)");
    // The characters YAML allows (nb-char), as llvm::yaml checks them.
    if (cp == 0xFEFF)
      return at(p, "byte-order mark U+FEFF after the start of the spec");
    if (cp >= 0x80 && cp < 0xA0 && cp != 0x85)
      return at(p, "control character " + codePoint(cp) +
                       " in the spec (only tab and line breaks are allowed)");
    if (cp == 0xFFFE || cp == 0xFFFF)
      return at(p, "character " + codePoint(cp) + " is not allowed in YAML");
    p += length;
  }
  return std::nullopt;
}

//===----------------------------------------------------------------------===//
// Structure
//===----------------------------------------------------------------------===//

/// Bounds llvm::yaml's recursion without tokenizing: every construct its
/// parser recurses on (a nested flow or block collection, an explicit key,
/// a ',' or '...' in a row) starts with one of these characters, so the
/// depth of the recursion is at most their count. The count also includes
/// such characters in comments and quoted text, which never nest: the bound
/// errs on the safe side only.
std::optional<SpecTextProblem> checkIndicators(StringRef text) {
  unsigned count = 0;
  for (const char &c : text)
    if (StringRef("[{,-?:.").contains(c) && ++count > loom::kMaxSpecIndicators)
      return SpecTextProblem{
          &c, ("more than " + Twine(loom::kMaxSpecIndicators) +
               " of the YAML characters '[', '{', ',', '-', '?', ':' and '.' "
               "(a spec is a short, flat list of 'key: value' lines)")
                  .str()};
  return std::nullopt;
}

} // namespace

std::optional<SpecTextProblem> loom::checkSpecText(StringRef text) {
  if (std::optional<SpecTextProblem> problem = checkEncoding(text))
    return problem;
  return checkIndicators(text);
}
