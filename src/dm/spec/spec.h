#pragma once
// Spec: what the control plane needs from a source.yaml / task.yaml to schedule, check and
// start work: ids, modes, addresses, the sources a task uses. The full configs (every DM
// field and rule) are parsed by the units that use them.
//
// Parse errors are kInvalidArgument, scope config, naming the field and line.

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "dm/base/result.h"
#include "dm/config/source_config.h"
#include "dm/config/task_config.h"
#include "dm/gtid/location.h"
#include "dm/mysql/connection.h"
#include "dm/unit/unit.h"

namespace dm::spec {

struct SourceSpec {
  std::string id;               // source-id
  mysql::ConnectOptions from;   // host, port, user, password, TLS
  bool enable_gtid = false;
  std::string flavor;           // "", "mysql", "mariadb"
};

struct InstanceSpec {
  std::string source_id;
  std::optional<gtid::BinlogPosition> meta_position;  // meta.binlog-name/pos
  std::optional<std::string> meta_gtid;               // meta.binlog-gtid
};

struct TaskSpec {
  std::string name;
  unit::TaskMode mode = unit::TaskMode::kAll;
  std::string meta_schema = "dm_meta";
  mysql::ConnectOptions target;
  std::vector<InstanceSpec> instances;
  std::set<std::string> ignore_checking_items;
  std::vector<std::string> schemas;  // do-dbs of the block-allow lists, when simple names
  int dump_threads = 4;
  int load_threads = 16;
};

Result<SourceSpec> ParseSource(std::string_view yaml);
Result<TaskSpec> ParseTask(std::string_view yaml);

// The start-task command-line arguments of one subtask (DM's task-cli-args in etcd), read
// by the sync unit each time it starts. The worker implements it over etcd; it may be
// null (tests, the standalone sync runner): no arguments. Thread-safe.
class TaskCliArgsAccess {
 public:
  virtual ~TaskCliArgsAccess() = default;
  // The start-time given to start-task for this subtask ("" = none).
  virtual Result<std::string> StartTime() = 0;
  // Forgets `start_time` once a checkpoint at that time is saved, if it is still the
  // stored value (a newer start-task is left alone).
  virtual Status ClearStartTime(const std::string& start_time) = 0;
};

// Everything a data unit (dump, load, sync) of one subtask needs: the full configs as
// parsed by dm::config, this source's mysql-instances entry (with `resolved` unit
// configs), and ready connection options (passwords decrypted, never to be logged).
struct UnitContext {
  std::string task;              // task name
  std::string worker;            // worker name, for logs and status
  config::SourceConfig source;
  config::TaskConfig task_config;
  config::MySQLInstance instance;  // task_config.mysql_instances entry for source.source_id
  mysql::ConnectOptions from;      // upstream (scope kUpstream)
  mysql::ConnectOptions to;        // downstream (scope kDownstream)
  std::shared_ptr<TaskCliArgsAccess> cli_args;  // may be null
};

// Parses both configs and picks this source's instance; InvalidArgument if the task has
// no mysql-instances entry for the source.
Result<std::shared_ptr<const UnitContext>> BuildUnitContext(std::string_view source_yaml,
                                                            std::string_view task_yaml);

// The downstream tables in `meta-schema` that hold a task's progress (checkpoints of
// every unit, online-DDL state): what `start-task --remove-meta` drops.
std::vector<std::string> TaskMetaTables(std::string_view task);

// `yaml` with every `password:` value replaced by "******", for status and logs.
std::string RedactPasswords(std::string_view yaml);

}  // namespace dm::spec
