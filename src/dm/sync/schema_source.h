#pragma once
// SchemaSource: where the sync unit learns the structure (column names, types, keys) of
// the tables it writes. MariaDB's default binlog_row_metadata=MINIMAL carries no column
// names, so they must come from a schema.
//
// DownstreamSchemaSource reads the ROUTED TARGET table from the downstream's
// information_schema (as DM's schema tracker initialises itself from the downstream),
// caches it per upstream table, and forgets tables after a DDL. The parser-based schema
// tracker (issue 6) will be another implementation of this interface.
//
// BuildTableMeta turns a structure into the TableMeta used for SQL generation, after
// removing the route's extracted columns and checking the column count against the
// binlog TABLE_MAP (a mismatch is kFailedPrecondition naming both tables and counts).
//
// Thread-safety: a SchemaSource is used by the binlog reader thread only.

#include <map>
#include <memory>
#include <string>

#include "dm/base/result.h"
#include "dm/binlog/table_map.h"
#include "dm/mysql/connection.h"
#include "dm/rules/rules.h"
#include "dm/schema/table_info.h"
#include "dm/sync/row_change.h"

namespace dm::sync {

class SchemaSource {
 public:
  virtual ~SchemaSource() = default;
  // The structure of the table that rows of `upstream` are written to (`route.target`),
  // as the downstream has it (extracted columns included). kNotFound if it does not
  // exist.
  virtual Result<std::shared_ptr<const schema::TableInfo>> Get(const rules::TableRef& upstream,
                                                               const rules::Route& route) = 0;
  // Forgets what a DDL on `upstream` may have changed (`table` empty: the whole schema).
  virtual void AfterDdl(const rules::TableRef& upstream) = 0;
};

class DownstreamSchemaSource : public SchemaSource {
 public:
  explicit DownstreamSchemaSource(mysql::ConnectOptions downstream);
  Result<std::shared_ptr<const schema::TableInfo>> Get(const rules::TableRef& upstream,
                                                       const rules::Route& route) override;
  void AfterDdl(const rules::TableRef& upstream) override;

 private:
  mysql::ConnectOptions options_;
  std::unique_ptr<mysql::Connection> conn_;
  std::map<rules::TableRef, std::shared_ptr<const schema::TableInfo>> cache_;
};

// See above. `source_id` labels errors.
Result<std::shared_ptr<const TableMeta>> BuildTableMeta(const rules::TableRef& upstream,
                                                        const rules::Route& route,
                                                        const schema::TableInfo& info,
                                                        const binlog::TableMap& map);

}  // namespace dm::sync
