#pragma once
// Checkpoint tables of the sync unit, in the downstream `<meta-schema>`:
//
//   `<task>_syncer_checkpoint`: DM's table and columns (id = source-id, cp_schema,
//     cp_table, binlog_name, binlog_pos, binlog_gtid, exit_safe_binlog_name/pos/gtid,
//     table_info JSON, is_global, create_time, update_time; UNIQUE(id, cp_schema,
//     cp_table)). We write the global row (cp_schema = cp_table = ''): the point G where
//     every earlier change is applied and no later one had been dispatched when it was
//     written (a barrier). Per-table rows (cp_schema/cp_table = the UPSTREAM table,
//     is_global = 0) hold the schema tracker's TableInfo JSON (schema::TableInfoToJson),
//     written in the same transaction as a global row and valid at that G.
//
//   `<task>_syncer_worker_progress` (ours): one row per (source, DML worker): the stamp
//     of the last row change that worker committed, written IN THE SAME downstream
//     transaction as the changes. With G and these rows a restart knows exactly which
//     changes after G are applied (docs/sync-design.md).
//
// This class only builds SQL and parses results; the caller runs it. Thread-safe
// (immutable after construction).

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dm/base/result.h"
#include "dm/gtid/location.h"
#include "dm/mysql/connection.h"
#include "dm/sync/row_change.h"

namespace dm::sync {

struct GlobalCheckpoint {
  gtid::BinlogPosition position;
  std::string gtid;  // GTID set text in the upstream's flavor ("" if none)
  // DM's safe-mode exit point, written on an abnormal pause: safe mode stays on until
  // replication passes it. Empty file = none.
  gtid::BinlogPosition exit_safe_position;
  std::string exit_safe_gtid;
};

struct WorkerProgress {
  uint32_t worker = 0;
  uint32_t worker_count = 0;  // the worker count of the run that wrote the row
  RowStamp stamp;
};

// One per-table row: the tracked structure of an upstream table (nullopt: delete the row,
// the table is no longer tracked).
struct TableCheckpoint {
  std::string schema, table;  // upstream
  std::optional<std::string> info_json;
};

class CheckpointStore {
 public:
  CheckpointStore(std::string meta_schema, std::string task, std::string source_id);

  std::string checkpoint_table() const { return checkpoint_table_; }  // quoted
  std::string progress_table() const { return progress_table_; }      // quoted

  // CREATE SCHEMA / TABLE IF NOT EXISTS statements.
  std::vector<std::string> CreateStatements() const;

  // Upsert of the global row.
  std::string SaveGlobalSql(const GlobalCheckpoint& cp) const;
  // Upsert of one worker's progress row (runs inside the worker's transaction).
  std::string SaveProgressSql(const WorkerProgress& p) const;
  // Deletes this source's progress rows (after a barrier they are all covered by G).
  std::string ClearProgressSql() const;

  // Upsert / delete of a per-table row (run in the transaction of a global row at `cp`).
  std::string SaveTableSql(const TableCheckpoint& t, const GlobalCheckpoint& cp) const;
  // Deletes this source's per-table rows.
  std::string ClearTablesSql() const;
  // Reads this source's per-table rows.
  Result<std::vector<TableCheckpoint>> LoadTables(mysql::Connection& conn) const;

  // Reads the global row (nullopt if there is none) and this source's progress rows.
  Result<std::optional<GlobalCheckpoint>> LoadGlobal(mysql::Connection& conn) const;
  Result<std::vector<WorkerProgress>> LoadProgress(mysql::Connection& conn) const;

  // Predecessor locks. Every downstream connection of a running sync unit of this task and
  // source holds a named lock (GET_LOCK) for as long as it lives: slot i = DML worker i,
  // kMetaSlot = the checkpoint/DDL connection. The server releases a session's locks only
  // when the session ends, i.e. after the statements a killed process had already sent
  // (a worker's whole BEGIN ... progress upsert; COMMIT packet) have finished. Reading the
  // checkpoint only once no slot is held therefore sees every transaction of a previous
  // incarnation committed or rolled back (docs/sync-design.md "Crash points").
  static constexpr int kMetaSlot = -1;
  std::string SlotLockName(int slot) const;
  // GET_LOCK(SlotLockName(slot), timeout) on `conn`. kUnavailable naming the lock and the
  // holder if another connection still holds it after `timeout`.
  Status HoldSlot(mysql::Connection& conn, int slot, std::chrono::seconds timeout) const;
  // Waits until no connection other than `conn` holds kMetaSlot or a worker slot below
  // max(worker_slots, 256). kFailedPrecondition naming the holders after `timeout`.
  Status WaitForPredecessors(mysql::Connection& conn, int worker_slots,
                             std::chrono::seconds timeout) const;

 private:
  std::string Lit(std::string_view s) const;

  std::string meta_schema_, task_, source_id_;
  std::string checkpoint_table_, progress_table_;
};

}  // namespace dm::sync
