//===- CommandLine.h - the flag parsing the Loom tools share ----*- C++ -*-===//
//
// loom-run, loom-train and loom-translate parse their flags by hand (the
// runtime carries no LLVM) and in one way: every argument is "--flag=value"
// or "--flag value" ("--flag" alone where the flag takes no value), a flag is
// given once unless it may repeat, and "--help" or "-h" anywhere wins over
// everything else on the line. Each tool keeps its own flag table, what it
// does with a value, its defaults and its checks; this is the walk over
// argv and the value readers they have in common, with the messages their
// tests check.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_TOOLING_COMMANDLINE_H
#define LOOM_TOOLING_COMMANDLINE_H

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace loom::cli {

/// One row of a tool's flag table; `Id` is the tool's enum of its flags.
template <typename Id> struct FlagSpec {
  const char *name; // without the leading "--"
  Id id;
  bool takesValue;
  bool repeatable = false; // loom-run's --input and --output
};

/// How a tool words what the walk refuses.
struct WalkStyle {
  /// Added to "unexpected argument 'X' (every argument is a --flag" before
  /// the ")": loom-translate adds where its text comes from.
  const char *bareArgumentNote = "";
  /// Suggest the closest flag for an unknown one ("; did you mean '--x'?").
  bool suggest = true;
};

/// What the walk needs of a table row, whatever the tool's enum.
struct FlagShape {
  const char *name;
  bool takesValue;
  bool repeatable;
};

/// Called with the row index, the flag's name and its value ("" for a flag
/// without one); false with `error` set stops the walk.
using ApplyFlag = std::function<bool(size_t index, const std::string &name,
                                     const std::string &value, std::string &error)>;

/// Walks argv[1..argc) against `flags`. On a usage error (a bare argument,
/// an unknown flag, a repeat, a missing, empty or unwanted value) or an
/// error from `apply`, returns false with `error` set (no tool prefix).
bool walkFlags(int argc, const char *const *argv, const std::vector<FlagShape> &flags,
               const WalkStyle &style, const ApplyFlag &apply, std::string &error);

/// True if "--help" or "-h" is anywhere in argv[1..argc).
bool wantsHelp(int argc, const char *const *argv);

/// A tool's command line: with --help or -h anywhere, sets `options.help`
/// and applies nothing else, since help wins over everything on the line,
/// errors included; otherwise walkFlags over the tool's table, storing each
/// flag with `applyFlag(id, name, value, options, error)`.
template <typename Id, size_t N, typename Options>
bool parseFlags(int argc, const char *const *argv, const FlagSpec<Id> (&table)[N],
                const WalkStyle &style,
                bool (*applyFlag)(Id id, const std::string &name, const std::string &value,
                                  Options &options, std::string &error),
                Options &options, std::string &error) {
  if (wantsHelp(argc, argv)) {
    options.help = true;
    return true;
  }
  std::vector<FlagShape> shapes;
  for (const FlagSpec<Id> &flag : table)
    shapes.push_back({flag.name, flag.takesValue, flag.repeatable});
  return walkFlags(
      argc, argv, shapes, style,
      [&](size_t index, const std::string &name, const std::string &value, std::string &err) {
        return applyFlag(table[index].id, name, value, options, err);
      },
      error);
}

/// An integer in [min, INT_MAX] (thread and token counts, steps): the error
/// is "--FLAG='TEXT': expected an integer >= MIN (at most 2147483647)".
bool parseCount(const std::string &flag, const std::string &text, int64_t min, int64_t &value,
                std::string &error);

/// An integer in [min, max]: the error is "--FLAG='TEXT': expected an
/// integer in [MIN, MAX]".
bool parseInteger(const std::string &flag, const std::string &text, int64_t min, int64_t max,
                  int64_t &value, std::string &error);

/// A seed, any 64-bit unsigned integer: the error is "--FLAG='TEXT':
/// expected an integer in [0, 2^64)".
bool parseSeed(const std::string &flag, const std::string &text, uint64_t &value,
               std::string &error);

/// A plain decimal number, finite as a double (no hex, inf or nan, at most
/// 64 characters); false, `value` untouched, otherwise. Each tool words its
/// own error, since each asks for its own range.
bool parseNumber(const std::string &text, double &value);

} // namespace loom::cli

#endif // LOOM_TOOLING_COMMANDLINE_H
