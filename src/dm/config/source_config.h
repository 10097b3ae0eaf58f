#pragma once
// SourceConfig: one upstream MySQL/MariaDB source, parsed from DM's source.yaml
// (tiflow dm/config/source_config.go) with DM's defaults.
//
// ParseSourceConfig is strict like DM's yaml.UnmarshalStrict: unknown fields, wrong types,
// duplicate keys and malformed YAML are errors, and so is what DM's Verify rejects
// (missing/too long source-id, bad flavor, bad relay-binlog-name, invalid filters,
// backoff-max < backoff-min). Every error is kInvalidArgument, scope kConfig, and reads
// "<file>:<line>:<col>: <yaml path>: <problem>; <hint>" (see error.h). Deprecated fields are
// accepted and noted in `warnings`.
//
// Differences from DM, on purpose: `flavor` is validated at parse time (DM does it when
// the source starts); `server-id: 0` is replaced by a random id >= MaxUint32/10 right away
// (`server_id_generated` tells the worker it may re-pick one that avoids the upstream's
// replicas, as DM's AdjustServerID does); `relay-binlog-gtid` is checked when the source
// starts (it needs the flavor's GTID parser), not here.
//
// A SourceConfig is a plain value; the password is stored as written (see db_config.h).

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "dm/base/result.h"
#include "dm/config/db_config.h"
#include "dm/config/duration.h"
#include "dm/config/rules.h"

namespace dm::config {

inline constexpr size_t kMaxSourceIdLength = 32;       // DM's MaxSourceIDLength
inline constexpr uint32_t kDefaultBaseServerId = 4294967295U / 10;  // MaxUint32 / 10

struct PurgeConfig {
  int64_t interval = 3600;     // seconds between purge checks
  int64_t expires = 0;         // hours; 0 = never purge by age
  int64_t remain_space = 15;   // GB; purge when free space is below; 0 = off
  bool operator==(const PurgeConfig&) const = default;
};

// Auto-resume of paused subtasks (DM's TaskStatusChecker).
struct CheckerConfig {
  bool check_enable = true;
  Duration backoff_rollback = std::chrono::minutes(5);
  Duration backoff_max = std::chrono::minutes(5);
  // Hidden knobs; DM always resets them to these values (and so do we).
  Duration check_interval = std::chrono::seconds(5);
  Duration backoff_min = std::chrono::seconds(1);
  bool backoff_jitter = true;
  double backoff_factor = 2;
  bool operator==(const CheckerConfig&) const = default;
};

struct SourceConfig {
  std::string source_id;            // required, <= 32 bytes
  uint32_t server_id = 0;           // 0 in the file -> random, see server_id_generated
  bool server_id_generated = false;
  std::string flavor;               // "", "mysql" or "mariadb" ("" = detect)
  bool enable_gtid = false;
  bool enable_relay = false;
  std::string relay_binlog_name;    // relay start point when no relay exists
  std::string relay_binlog_gtid;
  std::string relay_dir = "relay-dir";
  bool enable = true;               // start this source's tasks
  std::string charset;              // DSN charset (deprecated in DM, still honoured)
  bool case_sensitive = false;
  DbConfig from;
  PurgeConfig purge;
  CheckerConfig checker;
  std::vector<BinlogEventRule> filters;  // merged into every subtask of this source

  // Deprecated fields that were set, with what to do instead. Not part of ToYaml.
  std::vector<std::string> warnings;

  // YAML in DM's field names. Passwords and private keys become "******" when
  // `redact_passwords` (the default); use false only to write a file for DM to read.
  std::string ToYaml(bool redact_passwords = true) const;
};

// A fresh random server id in [MaxUint32/10, MaxUint32/10 + 100000), as DM picks them.
uint32_t RandomServerId();

// `file_name` only labels messages ("source.yaml").
Result<SourceConfig> ParseSourceConfig(std::string_view yaml,
                                       std::string_view file_name = "source.yaml");
// Reads and parses a file; kNotFound / kIOError if it cannot be read.
Result<SourceConfig> LoadSourceConfigFile(const std::string& path);

// DM's sample source.yaml (dmctl operate-source --print-sample-config).
std::string_view SampleSourceConfig();

}  // namespace dm::config
