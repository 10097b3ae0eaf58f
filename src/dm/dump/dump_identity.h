#pragma once
// Which dump a subtask's downstream state belongs to, so that a full phase that moves to
// another worker (which does not have the dump files), or resumes on a worker whose dump
// directory was removed, never loads a mix of two snapshots and never starts the sync
// unit at the position of a dump other than the one loaded. Design: docs/full-migration.md
// ("Failover and dump identity").
//
// Every dump the dump unit starts gets a random id (metadata.h "DM dump id"). The
// downstream keeps one row per source in `<meta-schema>`.`<task>_loader_dump`, next to the
// loader checkpoint:
//
//   id           VARCHAR(32) PRIMARY KEY   source id
//   dump_id      the dump most recently STARTED for this source (written by the dump unit
//                before it writes any file)
//   loaded_dump  identity (DumpIdentity) of the dump the loader checkpoint rows of this
//                source belong to ('' = none yet); written in the same transaction as the
//                checkpoint rows it describes
//   binlog_name, binlog_pos, binlog_gtid   the snapshot position of that loaded dump (the
//                sync unit's start point in task-mode all, restored into `metadata` when
//                the dump files are gone)
//
// `start-task --remove-meta` drops the table with the other checkpoint tables: a worker
// that still holds a finished dump then finds no record of it and dumps again.
//
// PlanDump and PlanLoad are the pure decision rules (unit-tested); the store reads and
// writes the row. Thread-safety: pure functions are thread-safe; the store is immutable
// and uses the connection passed in.

#include <cstdint>
#include <optional>
#include <string>

#include "dm/base/result.h"
#include "dm/dump/metadata.h"
#include "dm/gtid/location.h"
#include "dm/mysql/connection.h"

namespace dm::dump {

// The identity of a dump: its DM dump id, or for a dump without one (mydumper output) a
// text made of its start time and snapshot position.
std::string DumpIdentity(const DumpMetadata& m);

// A new random dump id (32 hex digits).
std::string NewDumpId();

// `<task>_loader_dump`.
std::string LoaderDumpTableName(std::string_view task);

struct DumpRecord {
  bool exists = false;      // the row (and table) exists
  std::string dump_id;      // last dump started
  std::string loaded_dump;  // identity of the dump the loader checkpoint belongs to
  gtid::BinlogPosition position;  // of loaded_dump
  std::string gtid;
};

// The loader checkpoint rows of one source.
struct CheckpointSummary {
  uint64_t files = 0;
  uint64_t finished = 0;
  bool complete() const { return files > 0 && finished >= files; }
};

class DumpRecordStore {
 public:
  DumpRecordStore(std::string meta_schema, std::string task, std::string source_id);

  // CREATE SCHEMA/TABLE IF NOT EXISTS.
  Status EnsureTable(mysql::Connection& c) const;
  // exists = false if the table or the row is missing.
  Result<DumpRecord> Read(mysql::Connection& c) const;
  // Count of this source's rows in `<task>_loader_checkpoint` and how many are finished
  // (zero if the table does not exist).
  Result<CheckpointSummary> ReadCheckpointSummary(mysql::Connection& c) const;
  // Records that dump `dump_id` was started (creates the table if needed).
  Status SaveStarted(mysql::Connection& c, const std::string& dump_id) const;
  // The statement recording that the checkpoint rows now belong to `m` (to run in the
  // transaction that writes or clears those rows).
  std::string SaveLoadedSql(const DumpMetadata& m) const;

  const std::string& qualified_table() const { return table_; }

 private:
  std::string meta_schema_;
  std::string table_;     // `meta`.`task_loader_dump`
  std::string cp_table_;  // `meta`.`task_loader_checkpoint`
  std::string source_literal_;
};

// What the dump unit does (task-mode all or full) given the finished-or-not dump in its
// local directory, whether that directory holds every data file its metadata lists, the
// downstream record and the loader checkpoint.
enum class DumpAction {
  kKeep,        // the local finished dump is the one to load (or was loaded): use it
  kRedump,      // take a new snapshot (removing whatever is in the directory first)
  kSkipLoaded,  // the load of this source is complete: no dump needed
};
struct DumpPlan {
  DumpAction action = DumpAction::kRedump;
  bool remove_local = false;      // kSkipLoaded: the local files are stale, remove them
  bool restore_metadata = false;  // kSkipLoaded: write `metadata` from the record (mode all)
  std::string reason;             // why, for the log
};
DumpPlan PlanDump(const std::optional<DumpMetadata>& local, bool local_files_complete, const DumpRecord& rec,
                  const CheckpointSummary& cp, bool mode_all);

// What the load unit does with the checkpoint rows given the identity of the dump in its
// directory.
enum class LoadAction {
  kFresh,     // no checkpoint rows: register the files (and record the identity)
  kResume,    // the rows belong to this dump: continue from them
  kReset,     // the rows belong to another, partially loaded dump: clear the tables it
              // loaded and the rows, then load this dump from the start
  kConflict,  // the rows describe a COMPLETE load of another dump: refuse (the data may
              // already have been changed by the sync unit)
};
LoadAction PlanLoad(const DumpRecord& rec, const std::string& identity, const CheckpointSummary& cp);

}  // namespace dm::dump
