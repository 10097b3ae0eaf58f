#pragma once
// DDL handling of the sync unit until the parser-based handler (issue 6) replaces it:
// everything about DDL lives in this one file.
//
// A QUERY event's text is classified by its leading keywords into one of DM's filter
// event names (create/drop/alter database, create/drop/alter/truncate/rename table,
// create/drop index, create/drop view) with the object it names. The decision:
//   - not a DDL (GRANT, FLUSH, ...)                          -> skip
//   - a DML statement (binlog_format is not ROW)             -> error
//   - block-allow list rejects the schema/table              -> skip
//   - binlog event filter: Ignore -> skip, Error -> error
//   - a table route would rename the table or the schema     -> error (needs the DDL parser;
//     skip the event with `binlog skip` or add a filter rule)
//   - otherwise execute downstream: USE `<schema>`; <original text>
//
// Pure functions; thread-safe.

#include <string>
#include <string_view>

#include "dm/base/status.h"
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

struct DdlDecision {
  DdlAction action = DdlAction::kSkip;
  std::string reason;  // for logs (skip) / the error message (error)
  std::string sql;     // kExecute: the statements to run downstream
};

DdlDecision DecideDdl(const DdlInfo& info, std::string_view sql, std::string_view default_schema,
                      const rules::RuleSet& rules, std::string_view source_id);

// True for errors a DDL raises when it had already been applied (table/database/column/
// index exists or does not exist). Used only for the one DDL at the restart checkpoint,
// whose execution may have completed before a crash.
bool IsAlreadyAppliedDdlError(unsigned mysql_errno);

}  // namespace dm::sync
