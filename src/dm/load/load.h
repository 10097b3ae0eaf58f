#pragma once
// The load unit: loads a dump directory (dump.h's layout; also mydumper 0.10 output) into
// the downstream. Design and crash-safety argument: docs/full-migration.md.
//
// 1. Reads `<dir>/metadata` (the dump must be finished) and lists the files.
// 2. Checks that the loader checkpoint belongs to this dump (dump/dump_identity.h
//    PlanLoad): if it belongs to another, unfinished dump (the subtask moved to another
//    worker, which dumped a new snapshot), the target tables that load had written to are
//    emptied and the rows dropped, then this dump is loaded from the start; a target table
//    shared with another source, or a COMPLETE load of another dump, stops the load with
//    an error saying what to do. Registers every data file in the loader checkpoint
//    (checkpoint.h) at offset 0, recording the dump identity in the same transaction.
// 3. Creates the schemas and tables (IF NOT EXISTS) with routes applied; a routed table
//    with extract-table/schema/source columns gets them added (VARCHAR(255)); the binlog
//    event filter can skip "create database", "create table" and "insert" per table;
//    tables the block-allow list rejects are skipped.
// 4. Loads the unfinished data files with `pool-size` connections in parallel, biggest
//    first. Rows are re-batched into multi-row statements of at most min(4 MiB,
//    downstream max_allowed_packet - 64 KiB); each batch commits in ONE transaction
//    together with the checkpoint update of its file offset, so after a crash at any
//    instant the resumed load skips exactly the committed rows (on-duplicate-logical:
//    replace -> REPLACE, ignore -> INSERT IGNORE, error -> INSERT).
// 5. Builds the plain secondary indexes it left out when creating tables (sorted build
//    after the data; on a resume, those missing downstream; sql_reader.h
//    DeferSecondaryIndexes).
// 6. On success, with clean-dump-file: task-mode full removes the directory; task-mode
//    all removes the data files and keeps `metadata` and the schema files for the sync
//    unit; task-mode load never deletes (the files are the user's).
//
// Sessions: SET NAMES binary (data files carry raw bytes), foreign_key_checks=0,
// time_zone '+00:00', sql_mode = the target's session sql_mode (default '') without
// ANSI_QUOTES / NO_BACKSLASH_ESCAPES, plus NO_AUTO_VALUE_ON_ZERO; other target session
// variables as configured.
//
// Predecessors: every data connection holds a named lock for its pool slot
// (GET_LOCK("dm-load:<hash(task, source)>:<slot>")); the load reads the checkpoint only
// once no connection holds any of them, i.e. once every transaction a killed predecessor
// had already sent has committed or rolled back on the server. Without this, a batch still
// running for a dead process commits after the new process read its offset and is loaded
// twice. Another live loader of the same subtask makes the load fail after 120 s.
//
// Retryable errors (lost connection, deadlock) are retried a few times per file from the
// committed checkpoint; other errors pause the subtask. Memory: per connection one batch
// plus the reader's buffer (bounded by the largest row), whatever the file sizes.
//
// Thread-safety: as unit::Unit.

#include <memory>

#include "dm/base/result.h"
#include "dm/spec/spec.h"
#include "dm/unit/unit.h"

namespace dm::load {

Result<std::unique_ptr<unit::Unit>> NewLoadUnit(std::shared_ptr<const spec::UnitContext> ctx);

// The sql_mode the loader uses given the target's configured one ("" if none).
std::string LoaderSqlMode(std::string_view configured);

}  // namespace dm::load
