#pragma once
// Values written the way DM (Go) writes them: durations in Go's time.ParseDuration syntax
// ("5m", "1h30m", "1.5s", "300ms", "0s") and sizes in docker/go-units' RAMInBytes syntax
// ("500m", "64MiB", "1.5g"; binary multiples). Parsing returns kInvalidArgument with a
// message naming the bad text; callers add the file and field.
//
// Pure functions, thread-safe.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "dm/base/result.h"

namespace dm::config {

using Duration = std::chrono::nanoseconds;

// Go's time.ParseDuration: [-+]?([0-9]*(\.[0-9]*)?(ns|us|µs|ms|s|m|h))+ or "0".
Result<Duration> ParseGoDuration(std::string_view text);

// Go's time.Duration.String(): "0s", "1.5s", "5m0s", "1h0m0s", "300ms", "2µs".
std::string FormatGoDuration(Duration d);

// docker/go-units RAMInBytes: "<number>[ ][kmgtp][i][b]" (case-insensitive, 1024-based).
Result<int64_t> ParseByteSize(std::string_view text);

}  // namespace dm::config
