//===- CommandLine.cpp - the flag parsing the Loom tools share ------------===//

#include "CommandLine.h"

#include "loom/runtime/Decimal.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>

namespace loom::cli {

namespace {

size_t editDistance(const std::string &a, const std::string &b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j)
    row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1] ? 1 : 0)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

/// `given` is the argument up to any '='; `name` is it without the "--".
std::string unknownFlagMessage(const std::string &given, const std::string &name,
                               const std::vector<FlagShape> &flags, bool suggest) {
  std::string message = "unknown flag '" + given + "'";
  if (!suggest)
    return message;
  const FlagShape *best = nullptr;
  size_t bestDistance = 3; // suggest only close misspellings; the first in the table wins ties
  for (const FlagShape &flag : flags) {
    size_t d = editDistance(name, flag.name);
    if (d < bestDistance) {
      bestDistance = d;
      best = &flag;
    }
  }
  if (best)
    message += "; did you mean '--" + std::string(best->name) + "'?";
  return message;
}

/// The value of argv[i], a known flag `name` whose '=' (if any) is at `eq`;
/// "--flag value" takes argv[i + 1] unless that is itself a flag.
bool takeValue(int argc, const char *const *argv, int &i, const std::string &name, size_t eq,
               bool takesValue, std::string &value, std::string &error) {
  const std::string arg = argv[i];
  if (!takesValue) {
    if (eq != std::string::npos) {
      error = "--" + name + " takes no value";
      return false;
    }
    return true;
  }
  if (eq != std::string::npos) {
    value = arg.substr(eq + 1);
  } else if (i + 1 < argc && std::strncmp(argv[i + 1], "--", 2) != 0) {
    value = argv[++i];
  } else {
    error = "--" + name + " requires a value";
    return false;
  }
  if (value.empty()) {
    error = "--" + name + " requires a non-empty value";
    return false;
  }
  return true;
}

} // namespace

bool wantsHelp(int argc, const char *const *argv) {
  for (int i = 1; i < argc; ++i)
    if (!std::strcmp(argv[i], "--help") || !std::strcmp(argv[i], "-h"))
      return true;
  return false;
}

bool walkFlags(int argc, const char *const *argv, const std::vector<FlagShape> &flags,
               const WalkStyle &style, const ApplyFlag &apply, std::string &error) {
  std::vector<bool> seen(flags.size(), false);
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.size() < 3 || arg.compare(0, 2, "--") != 0) {
      error = "unexpected argument '" + arg + "' (every argument is a --flag" +
              style.bareArgumentNote + ")";
      return false;
    }
    size_t eq = arg.find('=');
    std::string name = arg.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
    size_t index = 0;
    while (index < flags.size() && name != flags[index].name)
      ++index;
    if (index == flags.size()) {
      error = unknownFlagMessage(eq == std::string::npos ? arg : arg.substr(0, eq), name, flags,
                                 style.suggest);
      return false;
    }
    if (seen[index] && !flags[index].repeatable) {
      error = "--" + name + " given more than once";
      return false;
    }
    seen[index] = true;
    std::string value;
    if (!takeValue(argc, argv, i, name, eq, flags[index].takesValue, value, error) ||
        !apply(index, name, value, error))
      return false;
  }
  return true;
}

bool parseCount(const std::string &flag, const std::string &text, int64_t min, int64_t &value,
                std::string &error) {
  uint64_t v = 0;
  const uint64_t max = uint64_t(std::numeric_limits<int>::max());
  if (!loom::parseDecimal(text, max, v) || int64_t(v) < min) {
    error = "--" + flag + "='" + text + "': expected an integer >= " + std::to_string(min) +
            " (at most " + std::to_string(max) + ")";
    return false;
  }
  value = int64_t(v);
  return true;
}

bool parseInteger(const std::string &flag, const std::string &text, int64_t min, int64_t max,
                  int64_t &value, std::string &error) {
  uint64_t v = 0;
  if (!loom::parseDecimal(text, uint64_t(max), v) || int64_t(v) < min) {
    error = "--" + flag + "='" + text + "': expected an integer in [" + std::to_string(min) + ", " +
            std::to_string(max) + "]";
    return false;
  }
  value = int64_t(v);
  return true;
}

bool parseSeed(const std::string &flag, const std::string &text, uint64_t &value,
               std::string &error) {
  if (!loom::parseDecimal(text, std::numeric_limits<uint64_t>::max(), value)) {
    error = "--" + flag + "='" + text + "': expected an integer in [0, 2^64)";
    return false;
  }
  return true;
}

bool parseNumber(const std::string &text, double &value) {
  if (text.empty() || text.size() > 64 ||
      text.find_first_not_of("0123456789.eE+-") != std::string::npos)
    return false;
  errno = 0;
  char *end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size() || errno == ERANGE || !std::isfinite(v))
    return false;
  value = v;
  return true;
}

} // namespace loom::cli
