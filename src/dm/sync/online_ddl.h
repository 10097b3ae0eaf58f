#pragma once
// Online schema change tools (gh-ost, pt-osc) in the sync unit, as DM's online-ddl: with
// task `online-ddl: true` tables are classified by the task's shadow-table-rules /
// trash-table-rules (default config::kDefaultShadowTableRule "^_(.+)_(?:new|gho)$" and
// kDefaultTrashTableRule "^_(.+)_(?:ghc|del|old)$"; the first capture group of a shadow rule
// is the real table's name):
//   - row events of shadow and trash tables are not replicated;
//   - CREATE of a shadow table starts a record, ALTER TABLE / CREATE|DROP INDEX on it are
//     appended to the record (names qualified) instead of being executed;
//   - DDL on trash tables, and DROP of a shadow table (which discards its record), is skipped;
//   - the cut-over RENAME (`RENAME TABLE t TO _t_del, _t_gho TO t` for gh-ost,
//     `RENAME TABLE t TO _t_old, _t_new TO t` for pt-osc) replaces the rename by the
//     recorded statements with the shadow table's name replaced by the real one, which then
//     follow the normal path (filters, route, schema tracker) once.
// Records are persisted in `<meta-schema>.<task>_onlineddl` (id, ghost_schema, ghost_table,
// ddls JSON array): the SQL to change them comes back with each decision and is written
// by the sync unit in the transaction of the checkpoint after the DDL, so a restart from
// any checkpoint sees exactly the records valid there.
//
// Thread-safety: used by the binlog reader thread only.

#include <map>
#include <memory>
#include <regex>
#include <string>
#include <vector>

#include "dm/base/result.h"
#include "dm/ddl/ast.h"
#include "dm/rules/rules.h"

namespace dm::sync {

struct OnlineDdlRecord {
  std::string ghost_schema, ghost_table;
  std::vector<std::string> ddls;  // qualified statements on the ghost table, in order
};

class OnlineDdl {
 public:
  // Empty rule lists take the defaults. kInvalidArgument naming a rule that does not compile.
  static Result<std::unique_ptr<OnlineDdl>> Create(std::vector<std::string> shadow_rules,
                                                   std::vector<std::string> trash_rules,
                                                   std::string meta_schema, std::string task,
                                                   std::string source_id);

  enum class TableKind { kNormal, kShadow, kTrash };
  TableKind Kind(std::string_view table, std::string* real = nullptr) const;

  struct Outcome {
    bool handled = false;            // the statement involves a shadow or trash table
    std::vector<std::string> sqls;   // statements to process instead (normal DDL path)
    std::vector<std::string> meta_sql;  // persistence of the records (checkpoint transaction)
    std::string note;                // for logs
  };
  // `stmt` must have an AST (parsed table DDL).
  Outcome Handle(const ddl::Statement& stmt, std::string_view default_schema);

  // The persisted records (sync start); CREATE TABLE IF NOT EXISTS for their table; load.
  std::string CreateTableSql() const;
  std::string LoadSql() const;
  std::string ClearSql() const;  // this source's rows
  // One row of LoadSql's result: ghost_schema, ghost_table, ddls (JSON array of strings).
  Status LoadRow(const std::string& schema, const std::string& table, const std::string& ddls_json);

  const std::map<rules::TableRef, OnlineDdlRecord>& records() const { return records_; }

 private:
  OnlineDdl() = default;
  std::string UpsertSql(const OnlineDdlRecord& r) const;
  std::string DeleteSql(const rules::TableRef& ghost) const;
  std::string Lit(std::string_view s) const;

  std::vector<std::regex> shadow_, trash_;
  std::string table_;  // quoted `<meta>`.`<task>_onlineddl`
  std::string source_id_;
  std::map<rules::TableRef, OnlineDdlRecord> records_;  // by ghost table
};

}  // namespace dm::sync
