#pragma once
// TaskConfig: one migration task, parsed from DM's task.yaml (tiflow dm/config/task.go,
// TaskConfig and adjust()) with DM's defaults and DM's validation, plus clearer errors.
//
// ParseTaskConfig is strict like DM's yaml.UnmarshalStrict + adjust(). It fails (code
// kInvalidArgument, scope kConfig, message "<file>:<line>:<col>: <yaml path>: <problem>;
// <hint>", see error.h) on: malformed YAML; unknown fields (with the nearest known name);
// wrong types; duplicate keys; missing `name` / `task-mode` / `target-database` /
// `mysql-instances`; invalid enum values (task-mode, shard-mode, collation_compatible,
// online-ddl-scheme, import-mode, on-duplicate-*, checksum-physical, analyze, validator
// mode, ignore-checking-items, filter actions and events), each listing the valid ones;
// a rule or unit config referenced but not defined; a rule or unit config defined but
// referenced by no instance (DM's ErrConfigGlobalConfigsUnused; block-allow lists only
// warn, as DM does not check them); duplicate source-id; duplicate names in one instance's
// rule lists; `column-mappings` (rejected, as in DM); `safe-mode: true` with
// `safe-mode-duration: 0s`; both `<unit>-config-name` and inline `<unit>:`; `meta` without
// binlog-name and binlog-gtid; `import-mode: import-into` with several sources; `compact`
// or `multiple-rows` with session `foreign_key_checks=1`; an invalid timezone.
//
// Deprecated fields are accepted and noted in `warnings` (black-white-list, enable-heartbeat
// and the heartbeat intervals, online-ddl-scheme, remove-meta, ansi-quotes, column-mapping-
// rules, and per-syncer max-retry / auto-fix-gtid / disable-detect / enable-ansi-quotes,
// per-loader on-duplicate).
//
// After parsing, every MySQLInstance has `resolved` unit configs: the named or inline
// config (or the default), with mydumper-thread / loader-thread / syncer-thread applied
// and defaults filled in -- what the units should use.
//
// Plain values; passwords are stored as written (see db_config.h).

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dm/base/result.h"
#include "dm/config/db_config.h"
#include "dm/config/duration.h"
#include "dm/config/rules.h"

namespace dm::config {

// task-mode values.
inline constexpr std::string_view kModeAll = "all";
inline constexpr std::string_view kModeFull = "full";
inline constexpr std::string_view kModeIncremental = "incremental";
inline constexpr std::string_view kModeDump = "dump";
inline constexpr std::string_view kModeLoad = "load";
inline constexpr std::string_view kModeLoadSync = "load&sync";  // internal in DM

// Online-DDL shadow/trash table rules DM uses when the lists are empty.
inline constexpr std::string_view kDefaultShadowTableRule = "^_(.+)_(?:new|gho)$";
inline constexpr std::string_view kDefaultTrashTableRule = "^_(.+)_(?:ghc|del|old)$";

struct BinlogMeta {  // mysql-instances[].meta
  std::string binlog_name;
  uint32_t binlog_pos = 0;
  std::string binlog_gtid;
  bool operator==(const BinlogMeta&) const = default;
};

struct MydumperConfig {  // mydumpers.<name> / inline `mydumper:`
  std::string mydumper_path = "./bin/mydumper";  // legacy, unused
  int threads = 4;
  std::string chunk_filesize = "64";  // MB
  uint64_t statement_size = 0;
  uint64_t rows = 0;  // > 0 enables concurrent dump within one table
  std::string where;
  bool skip_tz_utc = true;
  std::string extra_args;
  bool operator==(const MydumperConfig&) const = default;
};

struct LoaderConfig {  // loaders.<name> / inline `loader:`
  int pool_size = 16;
  std::string dir = "./dumped_data";
  std::string sorting_dir_physical;
  std::string import_mode = "logical";           // logical | physical | import-into (sql, loader = logical)
  std::string on_duplicate;                      // deprecated alias, kept as written
  std::string on_duplicate_logical = "replace";  // replace | error | ignore
  std::string on_duplicate_physical = "none";    // none | manual
  std::string disk_quota_physical;               // size such as "100GiB"; empty = unlimited
  std::string checksum_physical = "required";    // required | optional | off
  std::string analyze = "optional";              // required | optional | off
  int range_concurrency = 0;
  std::string compress_kv_pairs;
  std::string pd_addr;
  bool operator==(const LoaderConfig&) const = default;
};

struct SyncerConfig {  // syncers.<name> / inline `syncer:`
  std::string meta_file;  // internal
  int worker_count = 16;
  int batch = 100;
  int queue_size = 1024;
  int checkpoint_flush_interval = 30;  // seconds
  bool compact = false;
  bool multiple_rows = false;
  bool enable_gtid = false;  // internal
  bool safe_mode = false;
  // Default 2 x checkpoint-flush-interval; nullopt until resolved.
  std::optional<Duration> safe_mode_duration;
  // Deprecated, accepted and ignored.
  int max_retry = 0;
  bool auto_fix_gtid = false;
  bool disable_detect = false;
  bool enable_ansi_quotes = false;
  bool operator==(const SyncerConfig&) const = default;
};

struct ValidatorConfig {  // validators.<name>
  std::string mode = "none";  // none | fast | full
  int worker_count = 4;
  Duration validate_interval = std::chrono::seconds(10);
  Duration check_interval = std::chrono::seconds(5);
  Duration row_error_delay = std::chrono::minutes(30);
  Duration meta_flush_interval = std::chrono::minutes(5);
  int batch_query_size = 100;
  std::string max_pending_row_size = "500m";
  int max_pending_row_count = 2147483647;  // MaxInt32
  bool operator==(const ValidatorConfig&) const = default;
};

struct ResolvedUnits {
  MydumperConfig mydumper;
  LoaderConfig loader;
  SyncerConfig syncer;  // safe_mode_duration always set
  ValidatorConfig validator;
  bool operator==(const ResolvedUnits&) const = default;
};

struct MySQLInstance {
  std::string source_id;
  std::optional<BinlogMeta> meta;
  std::vector<std::string> route_rules;
  std::vector<std::string> filter_rules;
  std::vector<std::string> expression_filters;
  std::vector<std::string> column_mapping_rules;  // deprecated, ignored
  std::string block_allow_list;  // also read from `black-white-list`
  std::string mydumper_config_name;
  std::optional<MydumperConfig> mydumper;  // inline
  int mydumper_thread = 0;                 // 0 = not set
  std::string loader_config_name;
  std::optional<LoaderConfig> loader;
  int loader_thread = 0;
  std::string syncer_config_name;
  std::optional<SyncerConfig> syncer;
  int syncer_thread = 0;
  std::string validator_config_name;

  ResolvedUnits resolved;  // filled by ParseTaskConfig; not written by ToYaml
  bool operator==(const MySQLInstance&) const = default;
};

struct TaskConfig {
  std::string name;       // required
  std::string task_mode;  // required: all | full | incremental | dump | load | load&sync
  bool is_sharding = false;
  std::string shard_mode;  // "" | pessimistic | optimistic (is-sharding: true -> pessimistic)
  bool strict_optimistic_shard_mode = false;
  std::vector<std::string> ignore_checking_items;
  std::string meta_schema = "dm_meta";
  std::string timezone;
  bool case_sensitive = false;
  std::string collation_compatible = "loose";  // loose | strict
  DbConfig target_database;                    // required
  std::vector<MySQLInstance> mysql_instances;  // at least one
  bool online_ddl = true;
  std::vector<std::string> shadow_table_rules;  // empty = kDefaultShadowTableRule
  std::vector<std::string> trash_table_rules;   // empty = kDefaultTrashTableRule
  std::map<std::string, RouteRule> routes;
  std::map<std::string, BinlogEventRule> filters;
  std::map<std::string, ExpressionFilter> expression_filter;
  std::map<std::string, BlockAllowList> block_allow_list;  // also from `black-white-list`
  std::map<std::string, MydumperConfig> mydumpers;
  std::map<std::string, LoaderConfig> loaders;
  std::map<std::string, SyncerConfig> syncers;
  std::map<std::string, ValidatorConfig> validators;
  bool clean_dump_file = true;
  bool ansi_quotes = false;  // deprecated: DM detects ANSI_QUOTES itself
  bool async_checkpoint_flush = false;  // experimental.async-checkpoint-flush

  // Deprecated fields that were set and other non-fatal notes. Not part of ToYaml.
  std::vector<std::string> warnings;

  // YAML in DM's field names (deprecated aliases written in their current form, defaults
  // included). Passwords/private keys become "******" when `redact_passwords`.
  // ParseTaskConfig(ToYaml(false)) yields an equal config.
  std::string ToYaml(bool redact_passwords = true) const;
};

// `file_name` only labels messages ("task.yaml").
Result<TaskConfig> ParseTaskConfig(std::string_view yaml,
                                   std::string_view file_name = "task.yaml");
// Reads and parses a file; kNotFound / kIOError if it cannot be read.
Result<TaskConfig> LoadTaskConfigFile(const std::string& path);

// Names accepted in ignore-checking-items (DM's AllCheckingItems + primary_key).
const std::vector<std::string>& CheckingItemNames();

}  // namespace dm::config
