#pragma once
// The start point of the sync unit for `start-task --start-time` (DM's task-cli-args
// start-time): the first transaction of the upstream binlog whose timestamp is at or after
// the time (dm::upstream::FindBinlogByTime).
//
// The time: "YYYY-MM-DD HH:MM:SS" / "YYYY-MM-DDTHH:MM:SS" is a wall-clock time of the
// upstream server's time zone (converted by the server's UNIX_TIMESTAMP()); with a UTC
// offset ("+08:00", "Z") it is absolute (dm::spec::ParseStartTime).
//
// DM's outcomes: a time before the oldest binlog starts at the oldest binlog (warning in
// the log); a time after the newest transaction fails with kFailedPrecondition naming the
// time and the newest event's time ("too late, no binlog location matches it"); the user
// retries later or picks an earlier time.
//
// Thread-safety: a free function; opens its own upstream connections.

#include <string>

#include "dm/base/result.h"
#include "dm/gtid/location.h"
#include "dm/spec/spec.h"

namespace dm::sync {

struct TimeStartPoint {
  gtid::BinlogPosition position;
  std::string gtid;         // GTID set executed before `position` (upstream flavor text)
  std::string description;  // for the log: "start-time 2021-10-21 00:01:00 (...)"
};

Result<TimeStartPoint> ResolveTimeStartPoint(const spec::UnitContext& ctx, const std::string& text);

}  // namespace dm::sync
