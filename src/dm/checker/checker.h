#pragma once
// Checker: DM's precheck (check-task, and the Check unit that starts every subtask).
//
// Runs the items that apply to the task mode against the real upstream and downstream
// and reports DM's check-task shape:
//   {results:[{id,name,desc,state:"success|fail|warn",errors:[{severity,short_error}],
//              instruction,extra}], summary:{passed,total,successful,failed,warning}}
// Only "fail" blocks a task. Item names match DM's `ignore-checking-items` names:
// version, server_id, binlog_enable, binlog_format, binlog_row_image, binlog_db,
// replication_privilege, dump_privilege, target_privilege, conn_number, table_schema,
// meta_position. A database that cannot be reached fails the check with its host:port.
//
// Thread-safety: a Checker is used from one thread.

#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "dm/gtid/location.h"
#include "dm/mysql/connection.h"
#include "dm/spec/spec.h"
#include "dm/unit/unit.h"

namespace dm::checker {

struct CheckOptions {
  std::string source_id;  // for messages
  mysql::ConnectOptions upstream;
  mysql::ConnectOptions downstream;
  unit::TaskMode mode = unit::TaskMode::kAll;
  std::set<std::string> ignore_items;  // "all" skips every item
  int dump_threads = 4;                // mydumpers.threads
  int load_threads = 16;               // loaders.pool-size
  std::vector<std::string> schemas;    // schemas to migrate (empty = all non-system)
  // incremental mode start point (task meta), checked by meta_position.
  std::optional<gtid::BinlogPosition> meta_position;
  std::optional<std::string> meta_gtid;
};

enum class ItemState { kSuccess, kWarn, kFail };

struct ItemResult {
  int id = 0;
  std::string name;
  std::string desc;
  ItemState state = ItemState::kSuccess;
  std::vector<std::string> errors;  // short errors, each naming what is wrong
  std::string instruction;          // what to do about it
  std::string extra;                // e.g. "address of db instance - 127.0.0.1:3306"
};

struct CheckReport {
  std::vector<ItemResult> results;
  int successful = 0, failed = 0, warning = 0;
  bool passed() const { return failed == 0; }
  void ToJson(nlohmann::json* out) const;
  // One line per failed/warned item, for errors and logs.
  std::string Summary() const;
};

// The precheck of `task` for one of its sources.
CheckOptions MakeCheckOptions(const spec::SourceSpec& source, const spec::TaskSpec& task,
                              const spec::InstanceSpec& instance);

// Runs every applicable item. Never fails as a whole: an unreachable database becomes a
// failed item naming host:port and the server's message.
CheckReport RunChecks(const CheckOptions& options);

// The Check unit: runs RunChecks once; a failed item pauses the subtask with
// kFailedPrecondition listing what failed and what to do.
std::unique_ptr<unit::Unit> NewCheckUnit(CheckOptions options);

}  // namespace dm::checker
