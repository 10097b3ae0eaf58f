#pragma once
// Status: the outcome of an operation that can fail (leveldb's shape).
//
// An OK status holds no allocation. An error carries a Code (what kind of failure,
// following gRPC's codes plus kCorruption and kIOError), a Scope (which side failed:
// upstream database, downstream database, our own config or internals), an optional
// MySQL errno, and a message that names the object involved (file and offset, table,
// source) and, where one exists, what the user can do about it.
//
// Errors are classified once, by code and scope, where they are created; retry policy
// looks only at IsRetryable() and never at message text.
//
// Thread-safety: a Status is a value; distinct objects may be used from any thread.

#include <memory>
#include <string>
#include <string_view>

namespace dm {

enum class Code : unsigned char {
  kOk = 0,
  kCancelled,
  kInvalidArgument,
  kNotFound,
  kAlreadyExists,
  kFailedPrecondition,
  kAborted,      // transaction aborted (deadlock, lock wait timeout): retry the transaction
  kUnavailable,  // connection lost or server unreachable: retry with backoff
  kDeadlineExceeded,
  kNotSupported,
  kInternal,
  kCorruption,  // bad bytes: checksum mismatch, truncated event, impossible length
  kIOError,
};

enum class Scope : unsigned char { kInternal = 0, kUpstream, kDownstream, kConfig };

std::string_view CodeName(Code code);
std::string_view ScopeName(Scope scope);

class [[nodiscard]] Status {
 public:
  Status() noexcept = default;  // OK
  Status(Code code, std::string message, Scope scope = Scope::kInternal, unsigned mysql_errno = 0);
  Status(const Status& other);
  Status& operator=(const Status& other);
  Status(Status&&) noexcept = default;
  Status& operator=(Status&&) noexcept = default;
  ~Status() = default;

  static Status OK() { return Status(); }
  static Status InvalidArgument(std::string msg) { return {Code::kInvalidArgument, std::move(msg)}; }
  static Status NotFound(std::string msg) { return {Code::kNotFound, std::move(msg)}; }
  static Status NotSupported(std::string msg) { return {Code::kNotSupported, std::move(msg)}; }
  static Status Corruption(std::string msg) { return {Code::kCorruption, std::move(msg)}; }
  static Status IOError(std::string msg) { return {Code::kIOError, std::move(msg)}; }
  static Status Internal(std::string msg) { return {Code::kInternal, std::move(msg)}; }
  static Status Unavailable(std::string msg) { return {Code::kUnavailable, std::move(msg)}; }
  static Status Cancelled(std::string msg) { return {Code::kCancelled, std::move(msg)}; }
  static Status FailedPrecondition(std::string msg) {
    return {Code::kFailedPrecondition, std::move(msg)};
  }

  bool ok() const { return rep_ == nullptr; }
  Code code() const { return rep_ ? rep_->code : Code::kOk; }
  Scope scope() const { return rep_ ? rep_->scope : Scope::kInternal; }
  unsigned mysql_errno() const { return rep_ ? rep_->mysql_errno : 0; }
  // The message without code or scope; empty for OK.
  std::string_view message() const { return rep_ ? std::string_view(rep_->message) : ""; }

  bool IsCorruption() const { return code() == Code::kCorruption; }
  bool IsNotFound() const { return code() == Code::kNotFound; }
  bool IsNotSupported() const { return code() == Code::kNotSupported; }
  bool IsUnavailable() const { return code() == Code::kUnavailable; }

  // True when retrying the same operation later may succeed (lost connection,
  // aborted transaction, timeout). Decided by code only.
  bool IsRetryable() const;

  // Returns this status with `context` prepended ("context: message"). OK stays OK.
  Status WithContext(std::string_view context) const&;
  Status WithContext(std::string_view context) &&;
  // Returns this status with its scope replaced.
  Status WithScope(Scope scope) &&;

  // "Corruption: upstream: <message>" or "OK".
  std::string ToString() const;

 private:
  struct Rep {
    Code code;
    Scope scope;
    unsigned mysql_errno;
    std::string message;
  };
  std::unique_ptr<Rep> rep_;
};

}  // namespace dm

// Evaluates `expr` (a Status); returns it from the calling function if not OK.
#define DM_RETURN_IF_ERROR(expr)              \
  do {                                        \
    ::dm::Status dm_status_tmp_ = (expr);     \
    if (!dm_status_tmp_.ok()) return dm_status_tmp_; \
  } while (0)

#define DM_CONCAT_INNER_(a, b) a##b
#define DM_CONCAT_(a, b) DM_CONCAT_INNER_(a, b)
// Evaluates `rexpr` (a Result<T>); on error returns its Status, else moves the value to `lhs`.
#define DM_ASSIGN_OR_RETURN(lhs, rexpr) \
  DM_ASSIGN_OR_RETURN_IMPL_(DM_CONCAT_(dm_result_, __LINE__), lhs, rexpr)
#define DM_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, rexpr) \
  auto tmp = (rexpr);                              \
  if (!tmp.ok()) return std::move(tmp).status();   \
  lhs = std::move(tmp).value()
