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
//   DM dump id: 6f1c0d2a9b8e4f10
//   DM data files: 12 73400320
//
// A file without "Finished dump at" describes an unfinished dump. The "DM ..." lines are
// ours (mydumper does not write them; readers of mydumper's format ignore them): the dump
// id names this dump among every dump of the task/source (written from the start, see
// dump_identity.h), and the data-file line, written with "Finished", is the count and
// total size of the data files, so a directory that lost files is recognised.

#include <cstdint>
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
  std::string dump_id;                  // random id of this dump ("" in mydumper output)
  std::optional<uint64_t> data_files;   // number of data files (with `finished`; ours only)
  uint64_t data_bytes = 0;              // their total size
};

// Counts the data files (layout.h kData) in `dir` and their total size. kNotFound if the
// directory does not exist.
Status CountDataFiles(const std::string& dir, uint64_t* files, uint64_t* bytes);

// OK if `dir` holds the data files `m` lists (count and total size), or if `m` does not
// list them (mydumper output); otherwise FailedPrecondition saying what is missing.
Status CheckDataFiles(const std::string& dir, const DumpMetadata& m);

// Writes `<dir>/metadata` atomically (temp file + rename + fsync).
Status WriteMetadata(const std::string& dir, const DumpMetadata& m);
// kNotFound if absent; kCorruption naming the file and line if malformed.
Result<DumpMetadata> ReadMetadata(const std::string& dir);

}  // namespace dm::dump
