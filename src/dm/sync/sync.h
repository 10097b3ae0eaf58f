#pragma once
// The sync unit: incremental replication of one source's binlog to the downstream
// (task-mode `incremental`, and the last unit of `all` / `load&sync`).
//
// Pipeline (docs/sync-design.md):
//   ChangeReader thread: binlog stream -> rules -> table structure -> RowChange items
//   Process() thread (dispatcher): causality -> DML worker by key -> barriers for
//     conflicts, DDL and checkpoints
//   WorkerPool: worker-count downstream connections, batches committed together with
//     each worker's progress row (exactly-once after a crash)
//
// Start point, in order: `start-task --start-time` (the task's cli args in etcd, read at
// each start; it overrides even a checkpoint, then safe mode runs until the old checkpoint
// is passed; cleared once a checkpoint at the time is saved; see start_time.h); the saved checkpoint (`<meta-schema>.<task>_syncer_checkpoint`
// + worker progress); in mode all / load&sync the dump's metadata file
// (`<loader.dir>.<task>/metadata`); the instance's `meta` (binlog-name/pos or
// binlog-gtid); else the upstream's current position (with a warning). With the
// source's enable-gtid the stream starts from the GTID set, else from file:pos.
//
// Errors pause the subtask with a DM-style message (code, class, scope, what to do);
// Process() after a pause continues from the checkpoint with nothing lost or repeated.
//
// Thread-safety: as unit::Unit (StatusJson from any thread).

#include <memory>
#include <string>
#include <vector>

#include "dm/base/result.h"
#include "dm/spec/spec.h"
#include "dm/unit/unit.h"

namespace dm::sync {

// Compiles the rules and validates the syncer config; InvalidArgument naming the rule.
// The unit returned also implements SyncOperator (dynamic_cast).
Result<std::unique_ptr<unit::Unit>> NewSyncUnit(std::shared_ptr<const spec::UnitContext> ctx);

// dmctl `binlog skip|replace|revert|list` for one subtask (docs/sync-design.md,
// "Operator commands").
struct BinlogOpRequest {
  std::string op;                 // skip | replace | revert | list
  std::string binlog_pos;         // -b; "" = the DDL event the subtask is paused on
  std::vector<std::string> sqls;  // replace: statements (each may hold several, ';'-separated)
};

// dmctl `binlog-schema list|update|delete <task> <db> <tbl>` for one subtask.
struct SchemaOpRequest {
  std::string op;                 // list | update | delete
  std::string database, table;    // the UPSTREAM table
  std::string create_sql;         // update: the CREATE TABLE statement (schema file)
  bool flush = true;              // update: save it in the checkpoint now
  bool from_source = false;       // update: SHOW CREATE TABLE of the upstream table
  bool from_target = false;       // update: SHOW CREATE TABLE of the routed downstream table
};

// Operator entry points of the sync unit, callable from any thread while the subtask runs
// or is paused.
class SyncOperator {
 public:
  virtual ~SyncOperator() = default;
  // Registers/cancels/lists binlog operations. Returns the message for dmctl (list: the
  // pending operations as JSON text). `*resume` is set when the subtask is paused on the
  // event the new operation applies to, so the caller should resume it.
  virtual Result<std::string> OperateBinlog(const BinlogOpRequest& req, bool* resume) = 0;
  // list: the tracked CREATE TABLE (as of the last saved checkpoint while running).
  // update/delete: only while the sync unit is not running (pause-task first;
  // kFailedPrecondition otherwise); changes the per-table checkpoint row the tracker is
  // rebuilt from when the unit resumes. Returns the message for dmctl.
  virtual Result<std::string> OperateSchema(const SchemaOpRequest& req) = 0;
};

}  // namespace dm::sync
