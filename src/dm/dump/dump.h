#pragma once
// The dump unit: copies every selected upstream table into a mydumper-compatible
// directory (layout.h) from ONE consistent snapshot, and records that snapshot's binlog
// position and GTID set in `<dir>/metadata` (metadata.h), where the load unit and, in
// task-mode `all`, the sync unit find it. Design, privileges and consistency argument:
// docs/full-migration.md.
//
// Snapshot (`mydumpers.*.extra-args: --consistency auto|snapshot|flush|lock|none`,
// default auto = snapshot on MariaDB, flush on MySQL):
//   snapshot  MariaDB only, no lock: each of the `threads` connections runs START
//             TRANSACTION WITH CONSISTENT SNAPSHOT; the snapshots are the same when their
//             binlog_snapshot_file/position are equal (retried until they are; connections
//             that never match are dropped, down to one). GTID = BINLOG_GTID_POS(file, pos).
//   flush     FLUSH TABLES WITH READ LOCK (RELOAD), snapshots, SHOW MASTER STATUS, UNLOCK.
//   lock      LOCK TABLES <selected> READ (LOCK TABLES privilege) instead of FTWRL.
//   none      no consistency: the position is read before the copy starts.
//
// Work: tables (block-allow list applied; views skipped) are split into chunks by key
// ranges when `rows` > 0 (chunk.h), and chunks are dumped by `threads` connections in
// parallel; files are cut at `chunk-filesize` MB and INSERTs at `statement-size` bytes;
// `where` filters rows. Rows are streamed (mysql_use_result): memory does not grow with
// table size.
//
// Resume (task-mode all/full; dump_identity.h PlanDump): every dump gets a random id in
// its metadata, recorded downstream in `<task>_loader_dump` before any file is written. A
// finished dump is not repeated if it is still the recorded one and has all its data
// files, nor is any dump needed once the load completed (in mode all a missing `metadata`
// is then rewritten from the record for the sync unit; stale local files are removed).
// An unfinished, stale (no record: start-task --remove-meta; or superseded by a dump
// started on another worker) or incomplete dump is discarded and restarted from a new
// snapshot. Task-mode dump: a finished dump is kept.
//
// Thread-safety: as unit::Unit.

#include <memory>
#include <string>

#include "dm/base/result.h"
#include "dm/spec/spec.h"
#include "dm/unit/unit.h"

namespace dm::dump {

// `<loader.dir>.<task>` (DM's layout), relative to the worker's working directory.
std::string DumpDir(const spec::UnitContext& ctx);

// The consistency strategy from `extra-args` ("--consistency X" / "--consistency=X"); "auto"
// if absent. InvalidArgument for an unknown value or an unknown extra arg.
Result<std::string> ParseConsistency(const std::string& extra_args);

Result<std::unique_ptr<unit::Unit>> NewDumpUnit(std::shared_ptr<const spec::UnitContext> ctx);

}  // namespace dm::dump
