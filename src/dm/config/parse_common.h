#pragma once
// INTERNAL to dm/config: parsers and YAML writers shared by source.yaml and task.yaml
// (DB connection blocks and binlog event filter rules), and file reading.

#include <yaml-cpp/yaml.h>

#include <string>

#include "dm/base/result.h"
#include "dm/config/db_config.h"
#include "dm/config/rules.h"
#include "dm/config/yaml_reader.h"

namespace dm::config::internal {

// `from:` / `target-database:`. Deprecated max-allowed-packet is noted as a warning.
Status ParseDbConfig(const YNode& node, DbConfig* out);
// One binlog event filter rule, validated like DM's BinlogEventRule.Valid().
Status ParseFilterRule(const YNode& node, BinlogEventRule* out);

void EmitDbConfig(YAML::Emitter& e, const DbConfig& db, bool redact);
void EmitFilterRule(YAML::Emitter& e, const BinlogEventRule& rule);
void EmitStringList(YAML::Emitter& e, const std::vector<std::string>& items);

// Whole file as a string; kNotFound / kIOError (scope config) naming the path.
Result<std::string> ReadConfigFile(const std::string& path, std::string_view what);

}  // namespace dm::config::internal
