//===- Reporting.h - loom-train's metrics log and progress line -*- C++ -*-===//
//
// MetricsLog: JSON lines appended to a file and flushed line by line, so a
// plotting script (or `tail -f`) sees each one as it is written and a
// killed run loses nothing logged. ProgressLine: the one status line on
// stderr, rewritten in place (\r) on a terminal, a new line every few
// seconds otherwise (a log file then grows slowly); other messages clear it
// first.
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_TRAIN_REPORTING_H
#define LOOM_TRAIN_REPORTING_H

#include "loom/runtime/Status.h"

#include <cstdint>
#include <cstdio>
#include <string>

namespace loom::train {

/// One JSON object on one line; the fields in the order added.
class JsonLine {
public:
  JsonLine &field(const char *key, const std::string &value);
  JsonLine &field(const char *key, const char *value) { return field(key, std::string(value)); }
  JsonLine &field(const char *key, int64_t value);
  JsonLine &unsignedField(const char *key, uint64_t value);
  JsonLine &field(const char *key, bool value);
  /// A number printed with `digits` significant digits; null if not finite.
  JsonLine &number(const char *key, double value, int digits = 6);
  /// A number with `decimals` digits after the point.
  JsonLine &fixed(const char *key, double value, int decimals);
  JsonLine &null(const char *key);
  std::string text() const { return "{" + body_ + "}"; }

private:
  JsonLine &raw(const char *key, const std::string &json);
  std::string body_;
};

class MetricsLog {
public:
  MetricsLog() = default;
  MetricsLog(const MetricsLog &) = delete;
  MetricsLog &operator=(const MetricsLog &) = delete;
  ~MetricsLog();

  /// Opens `path` for appending (created if absent).
  Status open(const std::string &path);
  /// Appends the line and flushes it.
  Status write(const JsonLine &line);
  const std::string &path() const { return path_; }

private:
  std::string path_;
  std::FILE *file_ = nullptr;
};

/// "1:02:03" / "2:03" (hours only when there are any).
std::string formatDuration(double seconds);

class ProgressLine {
public:
  ProgressLine(); // a terminal or not: isatty(stderr)
  /// Shows `line` if the last one is old enough (or `force`); true if shown.
  bool update(const std::string &line, bool force = false);
  /// Prints a message on its own line(s), the progress line cleared first.
  void message(const std::string &text);
  /// Ends the progress line (before exit).
  void finish();

private:
  bool terminal_;
  bool showing_ = false; // a \r line is on the screen
  double lastShown_ = -1e9;
};

} // namespace loom::train

#endif // LOOM_TRAIN_REPORTING_H
