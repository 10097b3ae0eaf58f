#pragma once
// Binlog position by time: where a replica must start to receive every transaction whose
// binlog timestamp is at or after a given time (dmctl `start-task --start-time`; DM's
// binlogPosFinder, dm/pkg/binlog/pos_finder.go).
//
// How: SHOW BINARY LOGS; a binary search over the files by the timestamp of each file's
// first event (read through a short non-blocking BinlogStream from file:4); then one
// stream from the last file that starts before the time, scanning events until the first
// transaction whose first event (GTID event, or BEGIN / a standalone statement on servers
// without GTIDs) has timestamp >= the time. The stream crosses into later files as the
// server rotates, so a time between two files ends at the next file's first transaction.
// The GTID set at that point is the file's GTID list (MariaDB GTID_LIST, MySQL
// PREVIOUS_GTIDS) plus the GTIDs of the transactions before it.
//
// Results (DM's semantics):
//   kInRange      the position of that transaction.
//   kBeforeFirst  the time is before the oldest binlog still on the server: the first
//                 transaction of the oldest file (DM starts there, with a warning).
//   kAfterLast    no transaction at or after the time yet: DM refuses ("start-time ... is
//                 too late, no binlog location matches it"); the caller reports it.
//
// Errors: those of the connection and stream (kUnavailable, kFailedPrecondition when the
// binlog is off or a file was purged during the search). Timestamps are the events'
// header timestamps (seconds, the upstream's clock).
//
// Thread-safety: a free function; it opens its own connections.

#include <cstdint>
#include <string>
#include <string_view>

#include "dm/base/result.h"
#include "dm/gtid/location.h"
#include "dm/mysql/connection.h"

namespace dm::upstream {

enum class TimePlace { kInRange, kBeforeFirst, kAfterLast };
std::string_view TimePlaceName(TimePlace p);

struct BinlogAtTime {
  TimePlace place = TimePlace::kInRange;
  gtid::BinlogPosition position;   // start of the first transaction at/after the time
  gtid::GtidSet gtids;             // executed before `position` (the upstream's flavor)
  uint32_t event_timestamp = 0;    // that transaction's first event timestamp
  std::string oldest_file;         // the oldest binlog file on the server
  uint32_t oldest_timestamp = 0;   // its first event's timestamp
  uint32_t newest_timestamp = 0;   // kAfterLast: the last event's timestamp seen
};

struct TimeFinderOptions {
  mysql::ConnectOptions conn;  // upstream (needs REPLICATION SLAVE and REPLICATION CLIENT)
  uint32_t server_id = 0;      // replica server id of the short dumps; 0 = random
};

Result<BinlogAtTime> FindBinlogByTime(const TimeFinderOptions& options, int64_t unix_seconds);

// Seconds since the epoch of a wall-clock "YYYY-MM-DD HH:MM:SS" in the time zone of `conn`'s
// session (a fresh connection has the server's @@global.time_zone): the server's own
// UNIX_TIMESTAMP(), so DST and named zones are resolved as the server resolves them.
// InvalidArgument (scope upstream) if the server cannot represent the time.
Result<int64_t> UpstreamUnixTime(mysql::Connection& conn, std::string_view datetime);

}  // namespace dm::upstream
