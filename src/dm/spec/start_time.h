#pragma once
// `start-task --start-time` / `check-task --start-time` (DM's task command-line argument,
// stored per (task, source) under /dm-master/task-cli-args/).
//
// Accepted text (DM's formats): "YYYY-MM-DD HH:MM:SS" or "YYYY-MM-DDTHH:MM:SS", optionally
// followed by "Z" or a UTC offset "+08:00" / "+0800" (DM v8.5+, pingcap/tiflow#12611).
// A time without an offset is a wall-clock time of the UPSTREAM server's time zone (DM
// since v6.1, pingcap/tiflow#5471); the sync unit converts it with the upstream's own
// UNIX_TIMESTAMP(), so DST and named zones are the server's.
//
// Failure: InvalidArgument (scope config) quoting the text and naming the expected form.
// Pure functions; thread-safe.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "dm/base/result.h"

namespace dm::spec {

struct StartTime {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  std::optional<int> utc_offset_s;  // given in the text ("Z" = 0)
  std::string text;                 // as given

  // "YYYY-MM-DD HH:MM:SS" (without the offset): what MySQL's UNIX_TIMESTAMP() takes.
  std::string Datetime() const;
  // Seconds since the epoch, when the text carries an offset; nullopt otherwise.
  std::optional<int64_t> UnixSeconds() const;
};

Result<StartTime> ParseStartTime(std::string_view text);

// "YYYY-MM-DD HH:MM:SS UTC" of a binlog event timestamp, for messages.
std::string FormatUnixUtc(int64_t seconds);

}  // namespace dm::spec
