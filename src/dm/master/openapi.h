#pragma once
// Conversions between DM's OpenAPI objects (tiflow dm/openapi/spec/dm.yaml: Source, Task,
// SubTaskStatus) and our configs, for dm-master's /api/v1 handlers (server.cc).
//
// JSON -> config builds the config structure and renders it with ToYaml(false); the YAML
// is then parsed again, so every rule of source.yaml / task.yaml (DM's validation) applies
// to OpenAPI requests too. Errors are kInvalidArgument naming the JSON field
// ("task.source_config.source_conf[0].source_name: required").
//
// config -> JSON never returns a password: it is "******", as DM answers.
//
// Task JSON -> task.yaml follows DM's OpenAPITaskToSubTaskConfigs: per source, the
// table_migrate_rule entries become one block-allow list (do-dbs for rules without a
// table, do-tables otherwise), a route per rule with a target, and a filter (action
// Ignore) per binlog_filter_rule name, with the rule's schema/table as patterns.
// task.yaml -> Task JSON is the reverse; for YAML written by hand it maps block-allow
// do-dbs/do-tables, routes and Ignore filters, and leaves out what the Task object cannot
// express (ignore lists, expression filters, Do/Error filters, extract columns).

#include <string>

#include <nlohmann/json.hpp>

#include "dm/base/result.h"
#include "dm/config/source_config.h"
#include "dm/config/task_config.h"

namespace dm::master::openapi {

// DM's Source object -> source.yaml (validated).
Result<std::string> SourceYamlFromJson(const nlohmann::json& source);
// source.yaml -> DM's Source object (password "******"); no status_list / task_name_list.
nlohmann::json SourceToJson(const config::SourceConfig& source);

// DM's Task object -> task.yaml (validated).
Result<std::string> TaskYamlFromJson(const nlohmann::json& task);
// task.yaml -> DM's Task object (target password "******"); no status_list.
nlohmann::json TaskToJson(const config::TaskConfig& task);

// One entry of our worker's `subTaskStatus` (dmctl's camelCase shape) -> DM's OpenAPI
// SubTaskStatus (snake_case; dump_status / load_status / sync_status by the current unit).
nlohmann::json SubTaskStatusToJson(const nlohmann::json& status, const std::string& source,
                                   const std::string& worker);

}  // namespace dm::master::openapi
