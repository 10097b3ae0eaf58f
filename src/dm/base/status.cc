#include "dm/base/status.h"

namespace dm {

std::string_view CodeName(Code code) {
  switch (code) {
    case Code::kOk: return "OK";
    case Code::kCancelled: return "Cancelled";
    case Code::kInvalidArgument: return "InvalidArgument";
    case Code::kNotFound: return "NotFound";
    case Code::kAlreadyExists: return "AlreadyExists";
    case Code::kFailedPrecondition: return "FailedPrecondition";
    case Code::kAborted: return "Aborted";
    case Code::kUnavailable: return "Unavailable";
    case Code::kDeadlineExceeded: return "DeadlineExceeded";
    case Code::kNotSupported: return "NotSupported";
    case Code::kInternal: return "Internal";
    case Code::kCorruption: return "Corruption";
    case Code::kIOError: return "IOError";
  }
  return "Unknown";
}

std::string_view ScopeName(Scope scope) {
  switch (scope) {
    case Scope::kInternal: return "internal";
    case Scope::kUpstream: return "upstream";
    case Scope::kDownstream: return "downstream";
    case Scope::kConfig: return "config";
  }
  return "unknown";
}

Status::Status(Code code, std::string message, Scope scope, unsigned mysql_errno) {
  if (code != Code::kOk) {
    rep_ = std::make_unique<Rep>(Rep{code, scope, mysql_errno, std::move(message)});
  }
}

Status::Status(const Status& other)
    : rep_(other.rep_ ? std::make_unique<Rep>(*other.rep_) : nullptr) {}

Status& Status::operator=(const Status& other) {
  if (this != &other) rep_ = other.rep_ ? std::make_unique<Rep>(*other.rep_) : nullptr;
  return *this;
}

bool Status::IsRetryable() const {
  switch (code()) {
    case Code::kAborted:
    case Code::kUnavailable:
    case Code::kDeadlineExceeded:
      return true;
    default:
      return false;
  }
}

Status Status::WithContext(std::string_view context) const& {
  Status copy(*this);
  return std::move(copy).WithContext(context);
}

Status Status::WithContext(std::string_view context) && {
  if (rep_) {
    std::string m(context);
    m += ": ";
    m += rep_->message;
    rep_->message = std::move(m);
  }
  return std::move(*this);
}

Status Status::WithScope(Scope scope) && {
  if (rep_) rep_->scope = scope;
  return std::move(*this);
}

std::string Status::ToString() const {
  if (!rep_) return "OK";
  std::string s(CodeName(rep_->code));
  s += ": ";
  if (rep_->scope != Scope::kInternal) {
    s += ScopeName(rep_->scope);
    s += ": ";
  }
  s += rep_->message;
  if (rep_->mysql_errno != 0) {
    s += " (errno ";
    s += std::to_string(rep_->mysql_errno);
    s += ")";
  }
  return s;
}

}  // namespace dm
