#pragma once
// Logging facade over spdlog. Components log through dm::Log*() so that the sink,
// level and format are configured in one place (cmd/ wiring calls InitLogging).
//
// Never log a password or a full DSN: pass connection settings through
// RedactedDsn()-style helpers of their owners.
//
// Thread-safety: all functions are thread-safe.

#include <string>
#include <string_view>

#include <fmt/format.h>

#include "dm/base/status.h"

namespace dm {

enum class LogLevel { kDebug, kInfo, kWarn, kError };

// Parses "debug" | "info" | "warn" | "error" (DM's -L values; "fatal" maps to error).
Status ParseLogLevel(std::string_view text, LogLevel* level);

// Sends logs to `file` (stderr when empty) at `level` and above.
Status InitLogging(LogLevel level, const std::string& file);

void LogMessage(LogLevel level, std::string_view msg);

template <class... Args>
void LogInfo(fmt::format_string<Args...> f, Args&&... args) {
  LogMessage(LogLevel::kInfo, fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
void LogWarn(fmt::format_string<Args...> f, Args&&... args) {
  LogMessage(LogLevel::kWarn, fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
void LogError(fmt::format_string<Args...> f, Args&&... args) {
  LogMessage(LogLevel::kError, fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
void LogDebug(fmt::format_string<Args...> f, Args&&... args) {
  LogMessage(LogLevel::kDebug, fmt::format(f, std::forward<Args>(args)...));
}

}  // namespace dm
