//===- Decimal.h - strict unsigned decimal parsing --------------*- C++ -*-===//
//
// One reading of the decimal integers Loom takes from text it does not
// trust (loom-run's flags, a checkpoint's __metadata__): digits only, no
// sign, no spaces, no overflow.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_RUNTIME_DECIMAL_H
#define LOOM_RUNTIME_DECIMAL_H

#include <cstdint>
#include <limits>
#include <string>

namespace loom {

/// Parses `text` as decimal digits only, at most `max`, into `value`;
/// false (value untouched) otherwise.
inline bool parseDecimal(const std::string &text, uint64_t max, uint64_t &value) {
  if (text.empty() || text.size() > 20)
    return false;
  uint64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9')
      return false;
    uint64_t digit = uint64_t(c - '0');
    if (v > (std::numeric_limits<uint64_t>::max() - digit) / 10)
      return false;
    v = v * 10 + digit;
  }
  if (v > max)
    return false;
  value = v;
  return true;
}

} // namespace loom

#endif // LOOM_RUNTIME_DECIMAL_H
