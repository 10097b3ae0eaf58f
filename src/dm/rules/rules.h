#pragma once
// Rules: DM's task rules compiled for fast matching, applied by dump, load and sync in
// DM's order: block-allow list -> binlog event filter -> table route (-> expression filter,
// sync only).
//
// Patterns follow DM exactly: names with `*` / `?` wildcards (tidb util/table-rule-selector
// semantics), `~`-prefixed RE2 regexes in block-allow lists, case-insensitive unless the
// task/source says `case-sensitive: true`. Compile() returns kInvalidArgument naming the
// rule and the bad pattern. Compiled objects are immutable and thread-safe. A
// default-constructed object applies no rules (BlockAllowList still drops system schemas).
// Semantics and the few deliberate differences from DM: docs/rules.md.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "dm/base/result.h"
#include "dm/config/rules.h"
#include "dm/config/source_config.h"
#include "dm/config/task_config.h"

namespace dm::rules {

struct TableRef {
  std::string schema;
  std::string table;  // empty for schema-level statements
  bool operator==(const TableRef&) const = default;
  auto operator<=>(const TableRef&) const = default;
};

// block-allow-list (tidb util/filter, MySQL replicate-do/ignore-* semantics). System
// schemas (mysql, information_schema, performance_schema, sys, metrics_schema) are
// always filtered out, as DM does (also inspection_schema and dm_heartbeat, per tidb's
// IsSystemSchema).
class BlockAllowList {
 public:
  // `rule` may be null: allow every non-system table.
  static Result<BlockAllowList> Compile(const config::BlockAllowList* rule, bool case_sensitive);
  // True if the whole schema may be migrated (for CREATE/DROP DATABASE). As in DM, only
  // do-dbs / ignore-dbs decide (table lists are skipped for a table name of "");
  // AllowTable(schema, "") is the same.
  bool AllowSchema(std::string_view schema) const;
  bool AllowTable(std::string_view schema, std::string_view table) const;

 private:
  struct Impl;
  std::shared_ptr<const Impl> impl_;
};

// One column added to a routed table's rows (extract-table / extract-schema /
// extract-source), for merging shards.
struct ExtractedColumn {
  std::string column;
  std::string value;
};

struct Route {
  TableRef target;
  std::vector<ExtractedColumn> extra;  // in the order table, schema, source
};

// routes (tidb util/table-router): table rules first, then schema rules; the first match
// wins; no match = the table keeps its name. Where DM would fail a table matching two
// rules of the same level, the first in config order wins; rules with identical pattern
// pairs are rejected by Compile. RouteTable with an empty table routes the schema only
// (no extra columns).
class TableRouter {
 public:
  static Result<TableRouter> Compile(const std::vector<config::RouteRule>& rules, bool case_sensitive);
  Route RouteTable(std::string_view source_id, const TableRef& t) const;
  // Target schema for schema-level statements (CREATE/DROP DATABASE).
  std::string RouteSchema(std::string_view schema) const;

 private:
  struct Impl;
  std::shared_ptr<const Impl> impl_;
};

enum class FilterAction { kDo, kIgnore, kError };

// filters (tiflow pkg/binlog-filter): task filters plus the source's `filters`.
class EventFilter {
 public:
  static Result<EventFilter> Compile(const std::vector<config::BinlogEventRule>& rules,
                                     bool case_sensitive);
  // `event`: a canonical DM event name ("insert", "update", "delete", "create table",
  // "add column", "truncate table", ...; see config::BinlogEventTypes()). `sql`: the DDL
  // text ("" for DML). kDo when no rule matches. `event` "" = a DDL DM cannot classify:
  // only sql-pattern applies. An unknown event name yields kError (DM fails the event).
  FilterAction Filter(const TableRef& t, std::string_view event, std::string_view sql) const;

 private:
  struct Impl;
  std::shared_ptr<const Impl> impl_;
};

// One SQL value for the expression filter. Temporal values are their text
// ("2024-01-02 03:04:05.123"); DECIMAL is its exact text; ENUM/SET are their names.
struct Datum {
  enum class Kind { kNull, kInt, kUint, kDouble, kDecimal, kString, kTemporal } kind = Kind::kNull;
  int64_t i = 0;
  uint64_t u = 0;
  double d = 0;
  std::string s;  // kDecimal / kString / kTemporal
};

// expression-filter: a small SQL expression evaluator with MySQL semantics for the usual
// operators (= <> != < <= > >= <=> AND OR NOT XOR IS [NOT] NULL IN BETWEEN LIKE REGEXP
// + - * / DIV % and parentheses) and functions. Rows for which the expression is TRUE
// are skipped (not migrated). Full operator/function list, type rules and limits:
// expr.h and docs/rules.md.
class ExpressionFilter {
 public:
  static Result<ExpressionFilter> Compile(const std::vector<config::ExpressionFilter>& rules,
                                          bool case_sensitive);
  bool HasRules(const TableRef& t) const;
  // `columns` names the row's values in order. Unknown column in an expression ->
  // kInvalidArgument naming the rule and column.
  Result<bool> SkipInsert(const TableRef& t, const std::vector<std::string>& columns,
                          const std::vector<Datum>& row) const;
  Result<bool> SkipUpdate(const TableRef& t, const std::vector<std::string>& columns,
                          const std::vector<Datum>& before, const std::vector<Datum>& after) const;
  Result<bool> SkipDelete(const TableRef& t, const std::vector<std::string>& columns,
                          const std::vector<Datum>& row) const;

 private:
  struct Impl;
  std::shared_ptr<const Impl> impl_;
};

// Every rule one subtask applies, compiled from the task and source configs: the
// instance's block-allow list, routes, expression filters, and its filter-rules followed
// by the source's `filters`. Case sensitivity: task `case-sensitive` (or the source's).
struct RuleSet {
  BlockAllowList block_allow;
  TableRouter router;
  EventFilter event_filter;
  ExpressionFilter expression_filter;
};
Result<RuleSet> CompileRuleSet(const config::TaskConfig& task, const config::MySQLInstance& instance,
                               const config::SourceConfig& source);

}  // namespace dm::rules
