//===- Reporting.cpp - loom-train's metrics log and progress line ---------===//
#include "Reporting.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <unistd.h>

namespace loom::train {

namespace {

std::string jsonString(const std::string &value) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  writer.String(value.data(), rapidjson::SizeType(value.size()));
  return std::string(buffer.GetString(), buffer.GetSize());
}

double monotonicSeconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

/// A new progress line this often when stderr is not a terminal.
constexpr double kLogInterval = 5.0;
/// And this often in place on a terminal.
constexpr double kTerminalInterval = 0.25;

} // namespace

JsonLine &JsonLine::raw(const char *key, const std::string &json) {
  if (!body_.empty())
    body_ += ", ";
  body_ += jsonString(key) + ":" + json;
  return *this;
}

JsonLine &JsonLine::field(const char *key, const std::string &value) {
  return raw(key, jsonString(value));
}

JsonLine &JsonLine::field(const char *key, int64_t value) {
  return raw(key, std::to_string(value));
}

JsonLine &JsonLine::unsignedField(const char *key, uint64_t value) {
  return raw(key, std::to_string(value));
}

JsonLine &JsonLine::field(const char *key, bool value) {
  return raw(key, value ? "true" : "false");
}

JsonLine &JsonLine::number(const char *key, double value, int digits) {
  if (!std::isfinite(value))
    return null(key);
  char text[64];
  std::snprintf(text, sizeof text, "%.*g", digits, value);
  return raw(key, text);
}

JsonLine &JsonLine::fixed(const char *key, double value, int decimals) {
  if (!std::isfinite(value))
    return null(key);
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  return raw(key, text);
}

JsonLine &JsonLine::null(const char *key) { return raw(key, "null"); }

MetricsLog::~MetricsLog() {
  if (file_)
    std::fclose(file_);
}

Status MetricsLog::open(const std::string &path) {
  path_ = path;
  file_ = std::fopen(path.c_str(), "a");
  if (!file_)
    return Status::io("metrics log '" + path + "': " + std::strerror(errno));
  return Status();
}

Status MetricsLog::write(const JsonLine &line) {
  std::string text = line.text() + "\n";
  if (std::fwrite(text.data(), 1, text.size(), file_) != text.size() || std::fflush(file_) != 0)
    return Status::io("metrics log '" + path_ + "': " + std::strerror(errno));
  return Status();
}

std::string formatDuration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0)
    return "?";
  int64_t s = int64_t(seconds + 0.5);
  char text[48];
  if (s >= 3600)
    std::snprintf(text, sizeof text, "%lld:%02lld:%02lld", (long long)(s / 3600),
                  (long long)(s / 60 % 60), (long long)(s % 60));
  else
    std::snprintf(text, sizeof text, "%lld:%02lld", (long long)(s / 60), (long long)(s % 60));
  return text;
}

ProgressLine::ProgressLine() : terminal_(isatty(STDERR_FILENO) == 1) {}

bool ProgressLine::update(const std::string &line, bool force) {
  double now = monotonicSeconds();
  if (!force && now - lastShown_ < (terminal_ ? kTerminalInterval : kLogInterval))
    return false;
  lastShown_ = now;
  if (terminal_) {
    // \033[K clears what a longer previous line left.
    std::fprintf(stderr, "\r%s\033[K", line.c_str());
    showing_ = true;
  } else {
    std::fprintf(stderr, "%s\n", line.c_str());
  }
  std::fflush(stderr);
  return true;
}

void ProgressLine::message(const std::string &text) {
  if (showing_)
    std::fprintf(stderr, "\r\033[K");
  showing_ = false;
  std::fprintf(stderr, "%s\n", text.c_str());
  std::fflush(stderr);
}

void ProgressLine::finish() {
  if (showing_)
    std::fprintf(stderr, "\n");
  showing_ = false;
  std::fflush(stderr);
}

} // namespace loom::train
