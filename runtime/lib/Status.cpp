//===- Status.cpp - Status values and the thread-local last error ---------===//

#include "loom/runtime/Status.h"

namespace loom {
namespace {
thread_local std::string lastError;
} // namespace

Status Status::withPrefix(const std::string &prefix) const {
  if (ok())
    return *this;
  return Status(code_, prefix + ": " + message_);
}

std::string Status::toString() const {
  if (ok())
    return "OK";
  return std::string(statusCodeName(code_)) + ": " + message_;
}

const char *statusCodeName(loom_status code) {
  switch (code) {
  case LOOM_OK:
    return "LOOM_OK";
  case LOOM_ERROR_INVALID_ARGUMENT:
    return "LOOM_ERROR_INVALID_ARGUMENT";
  case LOOM_ERROR_IO:
    return "LOOM_ERROR_IO";
  case LOOM_ERROR_BAD_WEIGHTS:
    return "LOOM_ERROR_BAD_WEIGHTS";
  case LOOM_ERROR_OUT_OF_MEMORY:
    return "LOOM_ERROR_OUT_OF_MEMORY";
  case LOOM_ERROR_INTERNAL:
    return "LOOM_ERROR_INTERNAL";
  }
  return "LOOM_ERROR_UNKNOWN";
}

void setLastError(const std::string &message) { lastError = message; }

loom_status reportStatus(const Status &status) {
  if (!status.ok())
    setLastError(status.message());
  return status.code();
}

} // namespace loom

extern "C" const char *loom_last_error(void) { return loom::lastError.c_str(); }

extern "C" void loom_clear_last_error(void) { loom::lastError.clear(); }
