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
// Start point, in order: the saved checkpoint (`<meta-schema>.<task>_syncer_checkpoint`
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

#include "dm/base/result.h"
#include "dm/spec/spec.h"
#include "dm/unit/unit.h"

namespace dm::sync {

// Compiles the rules and validates the syncer config; InvalidArgument naming the rule.
Result<std::unique_ptr<unit::Unit>> NewSyncUnit(std::shared_ptr<const spec::UnitContext> ctx);

}  // namespace dm::sync
