#pragma once
// The dump's `metadata` file, in mydumper's layout, which dump writes, load reads (to know
// the dump finished) and sync reads (its start point in task-mode `all`):
//
//   Started dump at: 2026-11-23 21:00:00
//   SHOW MASTER STATUS:
//           Log: mysql-bin.000003
//           Pos: 1234
//           GTID:0-1-77
//
//   Finished dump at: 2026-11-23 21:00:09
//
// A file without "Finished dump at" describes an unfinished dump.

#include <optional>
#include <string>

#include "dm/base/result.h"
#include "dm/gtid/location.h"

namespace dm::dump {

struct DumpMetadata {
  std::string started;                  // "YYYY-MM-DD HH:MM:SS"
  gtid::BinlogPosition position;        // the snapshot's binlog position
  std::string gtid;                     // the snapshot's GTID set as the server prints it ("" if none)
  std::optional<std::string> finished;  // set once the dump is complete
};

// Writes `<dir>/metadata` atomically (temp file + rename + fsync).
Status WriteMetadata(const std::string& dir, const DumpMetadata& m);
// kNotFound if absent; kCorruption naming the file and line if malformed.
Result<DumpMetadata> ReadMetadata(const std::string& dir);

}  // namespace dm::dump
