#pragma once
// Tracker: the schema tracker. Keeps, per upstream table, the TableInfo valid at the binlog
// position the sync unit is reading, by applying every DDL the upstream ran (including
// DDL that the task's filters drop, so row events of filtered-but-replicated tables still
// decode), and serialises a TableInfo to/from the JSON stored in the checkpoint's
// `table_info` column.
//
// Sources of truth: InitTable() from CREATE TABLE text (SHOW CREATE TABLE of the upstream
// or downstream, or a mydumper/dumpling `<db>.<table>-schema.sql` file), Put() from a
// TableInfo (LoadTableInfo, a checkpoint), then Apply() for each DDL in binlog order.
//
// TableInfo fields are computed the way the server reports them in information_schema for
// the configured Flavor: column_type in SHOW CREATE TABLE spelling (integer display widths on
// MariaDB / MySQL 5.7, decimal(10,0) for DECIMAL, enum('a','b')), data_type lower-case
// (BOOL -> tinyint, SERIAL -> bigint unsigned, JSON -> longtext on MariaDB), charset and
// collation inherited from the table (then the database, then the server default), PRIMARY
// KEY columns NOT NULL, unnamed keys named after their first column (`a`, `a_2`, ...),
// foreign keys adding their implicit index. default_value is the DEFAULT expression in the
// flavor's information_schema spelling for literals and CURRENT_TIMESTAMP, else as written.
//
// Known approximations (docs/ddl.md): CONVERT TO CHARACTER SET does not promote TEXT types
// to larger ones; TEXT(n)/BLOB(n) keep their base type; TIMESTAMP columns follow
// explicit_defaults_for_timestamp=ON; temporary tables are not tracked.
//
// Failure: Apply is atomic: on error nothing changes. ALTER/RENAME/CREATE LIKE/CREATE INDEX
// naming an untracked table -> kNotFound naming the table and the statement (the sync unit
// then initialises the table, or the user runs `binlog-schema update`). CREATE TABLE ...
// SELECT -> kNotSupported. Statements that change no table (DML, SET, views, ...) -> OK.
//
// Thread-safety: not thread-safe; owned by one sync unit's reader thread. Get() hands out
// immutable snapshots (shared_ptr<const TableInfo>) that stay valid after later DDL.

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "dm/base/result.h"
#include "dm/ddl/ast.h"
#include "dm/ddl/parser.h"
#include "dm/schema/table_info.h"

namespace dm::schema {

enum class Flavor { kMariaDB, kMySQL57, kMySQL80 };

struct TrackerOptions {
  Flavor flavor = Flavor::kMariaDB;
  // Server defaults (@@character_set_server / @@collation_server) for tables of databases
  // the tracker has not seen created; empty: the flavor's out-of-the-box default.
  std::string server_charset;
  std::string server_collation;
  // lower_case_table_names != 0: schema and table names compare case-insensitively.
  bool lower_case_table_names = false;
  ddl::ParseOptions parse;
};

// The flavor of a server from its version string ("10.11.6-MariaDB-...", "8.0.36", "5.7.44").
Flavor FlavorFromVersion(std::string_view version);
// Default collation of `charset` on `flavor` ("utf8mb4" -> "utf8mb4_general_ci" on MariaDB).
std::string DefaultCollation(std::string_view charset, Flavor flavor);
// Charset a collation belongs to ("latin1_bin" -> "latin1", "binary" -> "binary").
std::string CharsetOfCollation(std::string_view collation);

// TableInfo of a CREATE TABLE with a column list (not LIKE / SELECT). Unqualified names take
// `default_schema`. The table's charset defaults to `db_charset`/`db_collation` (empty: the
// server default of `options`).
Result<TableInfo> TableInfoFromCreate(const ddl::CreateTable& create, std::string_view default_schema,
                                      const TrackerOptions& options, std::string_view db_charset = "",
                                      std::string_view db_collation = "");

// JSON for the checkpoint `table_info` column (format in docs/ddl.md) and back. FromJson
// rejects missing/mistyped fields with kInvalidArgument naming the field.
std::string TableInfoToJson(const TableInfo& info);
Result<TableInfo> TableInfoFromJson(std::string_view json);

// A CREATE TABLE statement for `info` (what `dmctl binlog-schema list` shows): columns with
// type, charset/collation, nullability and default, then the keys, then the table's
// charset/collation. Feeding it to Tracker::InitTable gives `info` back, except for
// generated columns (the tracker keeps no expression: printed as plain columns with a
// comment saying so) and non-unique key names the tracker invented.
std::string TableInfoToCreateSql(const TableInfo& info);

class Tracker {
 public:
  explicit Tracker(TrackerOptions options = {});

  // Applies a statement the upstream executed with session schema `default_schema`.
  Status Apply(const ddl::Statement& statement, std::string_view default_schema);
  // Parse (with options().parse) + Apply.
  Status ApplySql(std::string_view sql, std::string_view default_schema);

  // (Re)initialises one table from CREATE TABLE text: a SHOW CREATE TABLE result or a dump
  // schema file (other statements in it, e.g. SET, are skipped; exactly one CREATE TABLE
  // is required). The table is stored as `schema`.`table` whatever the text names (the
  // downstream name may differ from the upstream one under a route); `table` empty: the
  // name in the text.
  Status InitTable(std::string_view schema, std::string_view table, std::string_view create_sql);
  // Stores `info` under info.schema / info.table (replacing any previous one).
  void Put(TableInfo info);
  // Returns nullptr if the table is not tracked.
  std::shared_ptr<const TableInfo> Get(std::string_view schema, std::string_view table) const;
  // Returns false if it was not tracked.
  bool Remove(std::string_view schema, std::string_view table);
  std::vector<rules::TableRef> ListTables() const;
  // Records a database's default charset/collation (as CREATE DATABASE would).
  void SetDatabase(std::string_view schema, std::string_view charset, std::string_view collation);

  const TrackerOptions& options() const { return options_; }

 private:
  struct Db {
    std::string charset, collation;
  };
  using Key = std::pair<std::string, std::string>;
  Key MakeKey(std::string_view schema, std::string_view table) const;
  std::string Fold(std::string_view name) const;

  TrackerOptions options_;
  std::map<Key, std::shared_ptr<const TableInfo>> tables_;
  std::map<std::string, Db> dbs_;

  friend class TrackerApply;
};

}  // namespace dm::schema
