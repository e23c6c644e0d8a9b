//===- SpecText.h - checks on a spec's text before YAML parsing -*- C++ -*-===//
//
// llvm::yaml is not written for hostile input: a NUL byte, UTF-16 text or a
// bad UTF-8 byte gives "Got empty plain scalar"; a long run of '[' (or '- ',
// '{', ',' or '...') makes its parser recurse once per character and
// overflow the stack. These checks run on the raw text first, so such a
// spec is refused with a message that says what is wrong where.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_IMPORT_SPECTEXT_H
#define LOOM_IMPORT_SPECTEXT_H

#include "llvm/ADT/StringRef.h"

#include <optional>
#include <string>

namespace loom {

/// The first problem found in a spec's text.
struct SpecTextProblem {
  /// The offending character, inside the checked text.
  const char *where;
  std::string message;
};

/// Checks that `text` is UTF-8 (an optional UTF-8 byte-order mark first)
/// without NUL bytes or control characters other than tab, CR and LF, and
/// that it holds at most kMaxSpecIndicators (ModelSpec.h) of the characters
/// that can make llvm::yaml's parser recurse. Returns the first problem.
std::optional<SpecTextProblem> checkSpecText(llvm::StringRef text);

} // namespace loom

#endif // LOOM_IMPORT_SPECTEXT_H
