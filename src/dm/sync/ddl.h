#pragma once
// DDL handling of the sync unit (docs/sync-design.md, "DDL").
//
// PlanDdl parses a QUERY event's text with ddl::Parse (ANSI_QUOTES / NO_BACKSLASH_ESCAPES
// from the event's sql_mode) and decides, per table, what the downstream gets:
//   - a statement the parser only classifies (GRANT, CREATE USER, SET, FLUSH, routines,
//     BEGIN, ...)                                               -> skip (as DM)
//   - statement-based DML (binlog_format is not ROW)            -> error
//   - CREATE TABLE ... SELECT on a selected table, or a DDL that does not parse and names
//     a selected table                                           -> error naming the
//     statement and how to get past it (stop-task, restart with a meta position after it)
//   - multi-table statements (DROP TABLE a, b; RENAME TABLE a TO b, c TO d) are split
//     (Statement::Split) and every part follows its own block-allow list, binlog event
//     filter (EventNames(): "add column" ... then "alter table"; ALTER TABLE actions are
//     filtered one by one; sql-pattern on the original text) and table route
//   - names are rewritten with the route (RewriteTables) and the printed statement runs
//     downstream; a statement that is neither split, filtered in part nor renamed runs as
//     written: USE `<default schema>`; <original text>
// Every part that passes the block-allow list is returned with `track` set, whatever the
// filter decided: the schema tracker applies filtered DDL too.
//
// ClassifyDdl is the keyword classifier kept for statements the parser rejects (to know
// which table they would touch).
//
// Pure functions; thread-safe.

#include <optional>
#include <string>
#include <vector>
#include <string_view>

#include "dm/base/status.h"
#include "dm/ddl/collation.h"
#include "dm/ddl/parser.h"
#include "dm/rules/rules.h"

namespace dm::sync {

struct DdlInfo {
  std::string event;      // DM event name; empty when the statement is not a DDL
  bool is_dml = false;    // INSERT/UPDATE/DELETE/REPLACE/LOAD DATA in a QUERY event
  rules::TableRef table;  // schema (statement's, else the default) and table ("" if none)
};

// Classifies `sql` executed with default schema `default_schema`.
DdlInfo ClassifyDdl(std::string_view sql, std::string_view default_schema);

enum class DdlAction { kSkip, kExecute, kError };

// One part of a (split) statement.
struct DdlPart {
  ddl::Statement statement;  // upstream names, as the upstream ran it (for the tracker)
  rules::TableRef table;     // what it acts on (upstream): {db, ""} for database statements
  std::string event;         // DM event name ("" if DM has none)
  bool track = false;        // passes the block-allow list: apply to the schema tracker
  bool execute = false;      // run `sql` downstream
  std::string sql;           // execute: the downstream statement(s)
  std::string reason;        // !execute: why not (for logs)
};

struct DdlDecision {
  DdlAction action = DdlAction::kSkip;
  std::string reason;                // skip: for logs; error: the message (with the way out)
  std::vector<DdlPart> parts;        // kExecute: every part (some may neither run nor track)
  std::string default_schema;        // the session schema the upstream ran it with
  // The downstream statements of the parts that execute, in order.
  std::vector<std::string> Statements() const;
  bool AnyTracked() const;
};

// Parse options for a QUERY event's sql_mode (nullopt: unknown, the defaults).
ddl::ParseOptions ParseOptionsForSqlMode(std::optional<uint64_t> sql_mode);

// `strict_collations` (collation_compatible: strict; nullptr = loose): parts that run
// downstream get their implicit collations written out (ddl/collation.h) and are printed.
DdlDecision PlanDdl(std::string_view sql, std::string_view default_schema,
                    const ddl::ParseOptions& options, const rules::RuleSet& rules,
                    std::string_view source_id,
                    const ddl::CollationDefaults* strict_collations = nullptr);

// True for errors a DDL raises when it had already been applied (table/database/column/
// index exists or does not exist). Used only for the one DDL at the restart checkpoint,
// whose execution may have completed before a crash.
bool IsAlreadyAppliedDdlError(unsigned mysql_errno);

}  // namespace dm::sync
