#include "dm/base/log.h"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace dm {

namespace {
spdlog::level::level_enum ToSpd(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug: return spdlog::level::debug;
    case LogLevel::kInfo: return spdlog::level::info;
    case LogLevel::kWarn: return spdlog::level::warn;
    case LogLevel::kError: return spdlog::level::err;
  }
  return spdlog::level::info;
}

std::shared_ptr<spdlog::logger> Logger() {
  static std::shared_ptr<spdlog::logger> logger = [] {
    auto l = spdlog::stderr_color_mt("dm");
    l->set_pattern("[%Y/%m/%d %H:%M:%S.%e %z] [%l] %v");
    return l;
  }();
  return logger;
}
std::shared_ptr<spdlog::logger>& Current() {
  static std::shared_ptr<spdlog::logger> current = Logger();
  return current;
}
}  // namespace

Status ParseLogLevel(std::string_view text, LogLevel* level) {
  if (text == "debug") *level = LogLevel::kDebug;
  else if (text == "info") *level = LogLevel::kInfo;
  else if (text == "warn" || text == "warning") *level = LogLevel::kWarn;
  else if (text == "error" || text == "fatal") *level = LogLevel::kError;
  else
    return Status(Code::kInvalidArgument,
                  "unknown log level '" + std::string(text) +
                      "'; use one of debug, info, warn, error",
                  Scope::kConfig);
  return Status::OK();
}

Status InitLogging(LogLevel level, const std::string& file) {
  if (!file.empty()) {
    try {
      auto l = spdlog::basic_logger_mt("dm-file", file, /*truncate=*/false);
      l->set_pattern("[%Y/%m/%d %H:%M:%S.%e %z] [%l] %v");
      Current() = l;
    } catch (const spdlog::spdlog_ex& e) {
      return Status(Code::kIOError, "cannot open log file '" + file + "': " + e.what(),
                    Scope::kConfig);
    }
  }
  Current()->set_level(ToSpd(level));
  // Every line at info and above reaches the file at once: an operator reading the log of a
  // worker killed with kill -9 must see what it did last (info lines are per operation, not
  // per row, so this costs nothing measurable).
  Current()->flush_on(spdlog::level::info);
  return Status::OK();
}

void LogMessage(LogLevel level, std::string_view msg) { Current()->log(ToSpd(level), msg); }

}  // namespace dm
