//===- Status.h - Status codes and errors of the Loom runtime ---*- C++ -*-===//
//
// Errors are values: every runtime function that can fail returns a Status
// (code + message). The C API returns only the code and keeps the message in a
// thread-local "last error" that loom_last_error() reads, so no exception and
// no abort ever crosses the C boundary.
//
// The status codes are those of the generated C API (loom_model_api.h).
//
//===----------------------------------------------------------------------===//
#ifndef LOOM_RUNTIME_STATUS_H
#define LOOM_RUNTIME_STATUS_H

#include "loom/loom_model_api.h"

#ifdef __cplusplus
extern "C" {
#endif

/// The message of the last error reported on the calling thread ("" if none).
/// The pointer stays valid until the next runtime call on this thread.
const char *loom_last_error(void);

/// Forgets the calling thread's last error.
void loom_clear_last_error(void);

#ifdef __cplusplus
} // extern "C"

#include <new>
#include <optional>
#include <string>
#include <utility>

namespace loom {

/// A status code plus a message. Default-constructed is OK.
class [[nodiscard]] Status {
public:
  Status() = default;
  Status(loom_status code, std::string message)
      : code_(code), message_(code == LOOM_OK ? std::string() : std::move(message)) {}

  static Status okStatus() { return Status(); }
  static Status invalidArgument(std::string m) { return {LOOM_ERROR_INVALID_ARGUMENT, std::move(m)}; }
  static Status io(std::string m) { return {LOOM_ERROR_IO, std::move(m)}; }
  static Status badWeights(std::string m) { return {LOOM_ERROR_BAD_WEIGHTS, std::move(m)}; }
  static Status outOfMemory(std::string m) { return {LOOM_ERROR_OUT_OF_MEMORY, std::move(m)}; }
  static Status internal(std::string m) { return {LOOM_ERROR_INTERNAL, std::move(m)}; }

  bool ok() const { return code_ == LOOM_OK; }
  loom_status code() const { return code_; }
  const std::string &message() const { return message_; }

  /// Same code, message "<prefix>: <message>" (OK stays OK).
  Status withPrefix(const std::string &prefix) const;

  /// "OK" or "<CODE_NAME>: <message>", for logs and test failures.
  std::string toString() const;

private:
  loom_status code_ = LOOM_OK;
  std::string message_;
};

/// Name of a code, e.g. "LOOM_ERROR_BAD_WEIGHTS".
const char *statusCodeName(loom_status code);

/// Sets the calling thread's last error message.
void setLastError(const std::string &message);

/// For the C API: records a failed status as the thread's last error and
/// returns its code (an OK status clears nothing and returns LOOM_OK).
loom_status reportStatus(const Status &status);

/// Runs `body` (returning Status) for a C API entry point: any exception
/// (std::bad_alloc included) becomes a status instead of escaping, and a failed
/// status is recorded as the last error.
template <typename Body>
loom_status guardCApi(Body &&body) noexcept {
  try {
    return reportStatus(body());
  } catch (const std::bad_alloc &) {
    return reportStatus(Status::outOfMemory("out of memory"));
  } catch (const std::exception &e) {
    return reportStatus(Status::internal(std::string("internal error: ") + e.what()));
  } catch (...) {
    return reportStatus(Status::internal("internal error: unknown exception"));
  }
}

/// A value or the Status explaining why there is none.
template <typename T>
class [[nodiscard]] StatusOr {
public:
  StatusOr(T value) : value_(std::move(value)) {}
  StatusOr(Status status) : status_(std::move(status)) {
    if (status_.ok())
      status_ = Status::internal("StatusOr constructed from an OK status without a value");
  }

  bool ok() const { return value_.has_value(); }
  const Status &status() const { return status_; }
  T &value() & { return *value_; }
  const T &value() const & { return *value_; }
  T &&value() && { return std::move(*value_); }
  T *operator->() { return &*value_; }
  const T *operator->() const { return &*value_; }
  T &operator*() & { return *value_; }
  const T &operator*() const & { return *value_; }

private:
  Status status_;
  std::optional<T> value_;
};

} // namespace loom

/// Returns the Status of `expr` from the enclosing function if it failed.
#define LOOM_RETURN_IF_ERROR(expr)                                             \
  do {                                                                         \
    ::loom::Status loom_status_tmp_ = (expr);                                  \
    if (!loom_status_tmp_.ok())                                                \
      return loom_status_tmp_;                                                 \
  } while (0)

#endif // __cplusplus

#endif // LOOM_RUNTIME_STATUS_H
