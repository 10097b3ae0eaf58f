#pragma once
// SchemaSource: where the sync unit learns the structure (column names, types, keys) of
// the tables it writes. MariaDB's default binlog_row_metadata=MINIMAL carries no column
// names, so they must come from a schema.
//
// DownstreamSchemaSource reads the ROUTED TARGET table from the downstream's
// information_schema, caches it per upstream table, and forgets tables after a DDL.
//
// TrackerSchemaSource (what the sync unit uses) keeps a schema::Tracker keyed by the
// UPSTREAM table: a table is initialised lazily from the dump's `<db>.<tbl>-schema.sql`
// (mode all / load&sync, when the file exists), else from the downstream (SHOW CREATE
// TABLE of the routed target, minus the route's extracted columns); it then follows every
// DDL the upstream ran (PrepareDdl + ApplyDdl, including DDL the filters drop). Its state
// is persisted as per-table checkpoint rows (TakeChanges) and restored from them, so a
// restart decodes old row events with the schema valid at the checkpoint. For a route
// with extracted columns, Get() appends those columns and uses the downstream table's
// keys (the WHERE clauses run there and must include the extracted values).
//
// BuildTableMeta turns a structure into the TableMeta used for SQL generation, after
// removing the route's extracted columns and checking the column count against the
// binlog TABLE_MAP (a mismatch is kFailedPrecondition naming both tables and counts).
//
// Thread-safety: a SchemaSource is used by the binlog reader thread only.

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "dm/base/result.h"
#include "dm/binlog/table_map.h"
#include "dm/mysql/connection.h"
#include "dm/rules/rules.h"
#include "dm/schema/table_info.h"
#include "dm/schema/tracker.h"
#include "dm/sync/checkpoint.h"
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

  using RouteFn = std::function<rules::Route(const rules::TableRef&)>;
  // Before ApplyDdl: loads what `part` (upstream names) needs that is not tracked yet (the
  // table it alters/renames/indexes, a LIKE source). kNotFound if that table cannot be
  // found anywhere. Default: nothing.
  virtual Status PrepareDdl(const ddl::Statement& part, std::string_view default_schema,
                            const RouteFn& route) {
    (void)part, (void)default_schema, (void)route;
    return Status::OK();
  }
  // Applies one DDL the upstream ran (atomic: on error nothing changed). Default: nothing.
  virtual Status ApplyDdl(const ddl::Statement& part, std::string_view default_schema) {
    (void)part, (void)default_schema;
    return Status::OK();
  }
  // Per-table checkpoint rows for every table changed, loaded or dropped since the last
  // call (the state now). Default: none.
  virtual std::vector<TableCheckpoint> TakeChanges() { return {}; }
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

struct TrackerSourceOptions {
  mysql::ConnectOptions downstream;
  std::string dump_dir;  // non-empty: initialise from the dump's schema files when present
  schema::TrackerOptions tracker;
};

class TrackerSchemaSource : public SchemaSource {
 public:
  // `saved`: the per-table checkpoint rows to start from (kCorruption naming the table if
  // one does not decode).
  static Result<std::unique_ptr<TrackerSchemaSource>> Create(
      TrackerSourceOptions options, const std::vector<TableCheckpoint>& saved);

  Result<std::shared_ptr<const schema::TableInfo>> Get(const rules::TableRef& upstream,
                                                       const rules::Route& route) override;
  void AfterDdl(const rules::TableRef&) override {}  // the tracker follows DDL itself
  Status PrepareDdl(const ddl::Statement& part, std::string_view default_schema,
                    const RouteFn& route) override;
  Status ApplyDdl(const ddl::Statement& part, std::string_view default_schema) override;
  std::vector<TableCheckpoint> TakeChanges() override;

  const schema::Tracker& tracker() const { return tracker_; }

 private:
  explicit TrackerSchemaSource(TrackerSourceOptions options);
  Status Load(const rules::TableRef& upstream, const rules::Route& route);
  Result<mysql::QueryResult> Query(const std::string& sql);
  void LearnDatabase(const std::string& upstream_schema, const std::string& target_schema);

  TrackerSourceOptions options_;
  schema::Tracker tracker_;
  std::unique_ptr<mysql::Connection> conn_;
  std::map<rules::TableRef, std::shared_ptr<const schema::TableInfo>> saved_;
  struct Composed {
    std::shared_ptr<const schema::TableInfo> base, info;
  };
  std::map<rules::TableRef, Composed> composed_;
  std::set<std::string> dbs_known_;
  bool dirty_ = false;  // Load / ApplyDdl ran since the last TakeChanges
};

// See above. `source_id` labels errors.
Result<std::shared_ptr<const TableMeta>> BuildTableMeta(const rules::TableRef& upstream,
                                                        const rules::Route& route,
                                                        const schema::TableInfo& info,
                                                        const binlog::TableMap& map);

}  // namespace dm::sync
