#pragma once
// The rule sets of DM's task.yaml (and the `filters` of source.yaml), kept faithful to
// DM's structures: patterns stay strings exactly as written (wildcards `*` `?`, or Go/RE2
// regexes after `~` in block-allow lists); compiling them is the rules engine's job.
//
// Parsing validates what DM's rule constructors validate (required fields, event names,
// actions); see task_config.h / source_config.h.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dm::config {

// routes.<name> (tidb util/table-router TableRule).
struct RouteRule {
  struct Extractor {
    std::string regexp;         // table-regexp / schema-regexp / source-regexp
    std::string target_column;  // target-column
    bool operator==(const Extractor&) const = default;
  };
  std::string schema_pattern;  // required
  std::string table_pattern;   // empty = schema-level rule
  std::string target_schema;   // required
  std::string target_table;
  std::optional<Extractor> extract_table;   // extract-table{table-regexp,target-column}
  std::optional<Extractor> extract_schema;  // extract-schema{schema-regexp,target-column}
  std::optional<Extractor> extract_source;  // extract-source{source-regexp,target-column}
  bool operator==(const RouteRule&) const = default;
};

// filters.<name> (tiflow pkg/binlog-filter BinlogEventRule).
struct BinlogEventRule {
  std::string schema_pattern;
  std::string table_pattern;
  std::vector<std::string> events;       // lower-cased, `create schema` -> `create database`
  std::vector<std::string> sql_pattern;  // regexes (case-insensitive) over DDL text
  std::string action;                    // `Do`, `Ignore` or `Error`
  bool operator==(const BinlogEventRule&) const = default;
};

// expression-filter.<name>: rows matching the SQL expression are NOT migrated.
// Exactly one of insert / update (old and/or new) / delete is set.
struct ExpressionFilter {
  std::string schema;  // exact names, required
  std::string table;
  std::string insert_value_expr;
  std::string update_old_value_expr;
  std::string update_new_value_expr;
  std::string delete_value_expr;
  bool operator==(const ExpressionFilter&) const = default;
};

// block-allow-list.<name> (tidb util/filter Rules; MySQL replicate-* semantics).
struct BlockAllowList {
  struct Table {
    std::string db_name;   // db-name
    std::string tbl_name;  // tbl-name
    bool operator==(const Table&) const = default;
  };
  std::vector<std::string> do_dbs;
  std::vector<std::string> ignore_dbs;
  std::vector<Table> do_tables;
  std::vector<Table> ignore_tables;
  bool operator==(const BlockAllowList&) const = default;
};

// Every event name a BinlogEventRule accepts (DM's toEventType), canonical spelling.
const std::vector<std::string>& BinlogEventTypes();
// `create schema` -> `create database` etc.; lower-cases; nullopt if unknown.
std::optional<std::string> CanonicalEventType(std::string_view name);

}  // namespace dm::config
