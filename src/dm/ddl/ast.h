#pragma once
// AST of the MySQL/MariaDB statements DM replicates, as produced by ddl::Parse (parser.h).
//
// What the AST understands it stores as fields (names unquoted, string values unescaped);
// what it only carries along (default and generated expressions, CHECK bodies, partition
// clauses, table option values, index options, view bodies) it keeps as `Sql` text: the
// statement's tokens re-joined exactly as written, comments dropped, one space wherever
// the original had whitespace or a comment. Printing such text back is therefore exact
// up to whitespace and comments.
//
// A Statement is a plain value (copyable, movable); thread-safety as for any value.

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "dm/rules/rules.h"  // rules::TableRef only (header-only struct; no link dependency)

namespace dm::ddl {

using Sql = std::string;  // SQL text kept as written (see above)

struct TableName {
  std::string schema;  // empty: unqualified, the session's default schema applies
  std::string name;
  bool operator==(const TableName&) const = default;
};

struct DataType {
  std::string name;  // canonical lower-case base type: "int", "varchar", "decimal", "enum", ...
  Sql text;          // as written, up to and including UNSIGNED/SIGNED/ZEROFILL: "INT(10) UNSIGNED"
  std::vector<std::string> args;  // "(10,2)" -> {"10","2"}; ENUM/SET: member values, unescaped
  bool is_unsigned = false;
  bool zerofill = false;
  std::string charset;    // CHARACTER SET / CHARSET / ASCII (latin1) / UNICODE (ucs2) / NATIONAL
  std::string collation;  // COLLATE given inside the type
  bool binary = false;    // CHAR(10) BINARY: the charset's binary collation
  bool national = false;  // NCHAR / NATIONAL CHAR / NVARCHAR: the national charset (utf8mb3)
  bool operator==(const DataType&) const = default;
};

struct GeneratedDef {
  Sql expr;                // the expression inside AS ( ... )
  std::string storage;     // "" (virtual by default), "VIRTUAL", "STORED" or "PERSISTENT"
  bool operator==(const GeneratedDef&) const = default;
};

struct ReferenceDef {  // REFERENCES t (a, b) [MATCH ...] [ON DELETE ...] [ON UPDATE ...]
  TableName table;
  std::vector<std::string> columns;
  Sql actions;  // everything after the column list, as written
  bool operator==(const ReferenceDef&) const = default;
};

struct ColumnDef {
  std::string name;
  DataType type;
  std::optional<bool> nullable;      // NULL -> true, NOT NULL -> false, absent -> nullopt
  std::optional<Sql> default_expr;   // DEFAULT <expr>: "'a'", "0", "CURRENT_TIMESTAMP(6)", "(rand())"
  std::optional<Sql> on_update;      // ON UPDATE <expr>
  bool auto_increment = false;
  bool primary_key = false;          // inline [PRIMARY] KEY
  bool unique_key = false;           // inline UNIQUE [KEY]
  std::optional<std::string> comment;  // value, unescaped
  std::string collation;             // COLLATE after the type
  std::optional<GeneratedDef> generated;
  std::optional<Sql> check;          // inline [CONSTRAINT [c]] CHECK (expr): the whole clause
  std::optional<ReferenceDef> references;
  std::vector<Sql> extra;            // other attributes as written: INVISIBLE, COLUMN_FORMAT x, ...
  bool operator==(const ColumnDef&) const = default;
};

struct KeyPart {
  std::string column;          // empty for a functional key part
  std::optional<std::string> length;  // prefix length: `name`(10)
  Sql expr;                    // functional key part ((expr)): the expression
  std::string order;           // "", "ASC" or "DESC"
  bool operator==(const KeyPart&) const = default;
};

struct IndexDef {
  enum class Type { kPrimary, kUnique, kIndex, kFulltext, kSpatial, kForeignKey, kCheck };
  Type type = Type::kIndex;
  bool has_constraint = false;      // CONSTRAINT keyword present
  std::string constraint_name;      // CONSTRAINT [symbol]
  std::string name;                 // index name (empty: server chooses)
  bool if_not_exists = false;       // MariaDB: ADD INDEX IF NOT EXISTS
  std::string using_type;           // USING BTREE|HASH|RTREE written before the key parts
  std::vector<KeyPart> parts;
  std::vector<Sql> options;         // index options after the key parts, each as written
  ReferenceDef references;          // kForeignKey
  Sql check_expr;                   // kCheck: the expression inside CHECK ( ... )
  Sql check_tail;                   // kCheck: [NOT] ENFORCED as written
  bool operator==(const IndexDef&) const = default;
};

struct TableOption {
  std::string name;   // canonical upper-case: "ENGINE", "DEFAULT CHARSET", "COLLATE", "COMMENT", ...
  Sql value;          // as written: "InnoDB", "'text'", "(t1,t2)"; empty for flag options
  bool operator==(const TableOption&) const = default;
};

struct CreateTable {
  bool or_replace = false;  // MariaDB CREATE OR REPLACE TABLE
  bool temporary = false;
  bool if_not_exists = false;
  TableName table;
  std::vector<ColumnDef> columns;
  std::vector<IndexDef> constraints;  // table-level keys, foreign keys and checks, in order
  std::vector<TableOption> options;
  Sql partition;                      // "PARTITION BY ..." as written, empty if none
  // CREATE TABLE t LIKE s / (LIKE s)
  std::optional<TableName> like;
  // CREATE TABLE t [(...)] [IGNORE|REPLACE] [AS] SELECT ...: the query as written.
  Sql select;
  std::string select_duplicates;  // "", "IGNORE" or "REPLACE"
  bool operator==(const CreateTable&) const = default;
};

struct AlterAction {
  enum class Type {
    kAddColumn,         // column (+position)
    kDropColumn,        // name
    kModifyColumn,      // column (+position)
    kChangeColumn,      // name (old) -> column (+position)
    kRenameColumn,      // name -> new_name
    kSetDefault,        // name, text = the default expression
    kDropDefault,       // name
    kColumnVisibility,  // name, text = "VISIBLE" | "INVISIBLE" (MySQL 8 ALTER COLUMN ... SET)
    kAddIndex,          // index (any IndexDef type: key, unique, primary, fulltext, FK, check)
    kDropIndex,         // name (DROP INDEX|KEY)
    kDropPrimaryKey,
    kDropForeignKey,    // name
    kDropCheck,         // name (DROP CHECK | DROP CONSTRAINT)
    kAlterCheck,        // name, text = "[NOT] ENFORCED" (MySQL 8 ALTER CHECK|CONSTRAINT)
    kIndexVisibility,   // name, text = "VISIBLE" | "INVISIBLE" | "IGNORED" | "NOT IGNORED"
    kRenameIndex,       // name -> new_name
    kRenameTable,       // new_table
    kConvertCharset,    // charset [, collation]: CONVERT TO CHARACTER SET x [COLLATE y]
    kTableOptions,      // options (ENGINE=, [DEFAULT] CHARSET=, COLLATE=, COMMENT=, ...)
    kPartition,         // partition_op + text (the whole clause as written)
    kAlgorithm,         // text = value (ALGORITHM [=] INPLACE)
    kLock,              // text = value
    kForce,
    kOrderBy,           // text = the column list as written
    kKeys,              // text = "ENABLE KEYS" | "DISABLE KEYS"
    kTablespace,        // text = "DISCARD TABLESPACE" | "IMPORT TABLESPACE"
    kValidation,        // text = "WITH VALIDATION" | "WITHOUT VALIDATION"
  };
  enum class PartitionOp {
    kNone, kPartitionBy, kRemovePartitioning, kAdd, kDrop, kTruncate, kCoalesce, kReorganize,
    kExchange, kAnalyze, kCheck, kOptimize, kRebuild, kRepair, kDiscard, kImport,
    kConvert,  // MariaDB CONVERT PARTITION/TABLE
    kOther,    // an UPGRADE PARTITIONING etc.
  };
  Type type = Type::kAddColumn;
  bool if_exists = false;      // MariaDB DROP/CHANGE/MODIFY ... IF EXISTS
  bool if_not_exists = false;  // MariaDB ADD ... IF NOT EXISTS
  bool has_column_keyword = false;  // ADD COLUMN vs ADD (kept for stable printing only)
  ColumnDef column;
  std::string name;
  std::string new_name;
  std::string position;        // "", "FIRST" or "AFTER"
  std::string after_column;    // for "AFTER"
  IndexDef index;
  TableName new_table;         // kRenameTable; kPartition/kExchange: the partner table
  std::string charset, collation;
  std::vector<TableOption> options;
  PartitionOp partition_op = PartitionOp::kNone;
  Sql text;
  std::string keyword;  // kDropCheck / kAlterCheck: "CHECK" or "CONSTRAINT" as written
  bool operator==(const AlterAction&) const = default;
};

struct AlterTable {
  bool online = false;       // MariaDB ALTER ONLINE TABLE
  bool ignore = false;       // ALTER IGNORE TABLE
  bool if_exists = false;    // MariaDB ALTER TABLE IF EXISTS
  TableName table;
  Sql wait;                  // MariaDB WAIT n / NOWAIT before the actions
  std::vector<AlterAction> actions;
  bool operator==(const AlterTable&) const = default;
};

struct DropTable {
  bool temporary = false;
  bool if_exists = false;
  std::vector<TableName> tables;
  Sql tail;  // WAIT n / NOWAIT / RESTRICT / CASCADE as written
  bool operator==(const DropTable&) const = default;
};

struct RenameTable {
  bool if_exists = false;  // MariaDB 10.5+
  std::vector<std::pair<TableName, TableName>> pairs;
  Sql wait;  // WAIT n / NOWAIT
  bool operator==(const RenameTable&) const = default;
};

struct TruncateTable {
  TableName table;
  Sql wait;
  bool operator==(const TruncateTable&) const = default;
};

struct DatabaseDdl {  // CREATE / ALTER / DROP DATABASE|SCHEMA
  bool or_replace = false;
  bool if_not_exists = false;
  bool if_exists = false;
  std::string name;  // ALTER DATABASE without a name: empty (the default schema)
  std::vector<TableOption> options;  // [DEFAULT] CHARACTER SET, COLLATE, COMMENT, ENCRYPTION ...
  bool operator==(const DatabaseDdl&) const = default;
};

struct CreateIndex {
  bool or_replace = false;
  bool online = false;  // MySQL 5.x/MariaDB ONLINE|OFFLINE keyword: kept in `modifier`
  std::string modifier;  // "", "ONLINE", "OFFLINE"
  IndexDef index;        // type kIndex, kUnique, kFulltext or kSpatial; name required
  TableName table;
  std::vector<Sql> tail;  // ALGORITHM [=] x / LOCK [=] x / WAIT n / NOWAIT, each as written
  bool operator==(const CreateIndex&) const = default;
};

struct DropIndex {
  bool online = false;
  std::string modifier;
  bool if_exists = false;
  std::string name;  // "PRIMARY" for DROP INDEX `PRIMARY`
  TableName table;
  std::vector<Sql> tail;
  bool operator==(const DropIndex&) const = default;
};

struct ViewDdl {  // CREATE [OR REPLACE] [ALGORITHM..] [DEFINER..] [SQL SECURITY..] VIEW / ALTER VIEW / DROP VIEW
  bool or_replace = false;
  bool if_not_exists = false;  // MariaDB CREATE VIEW IF NOT EXISTS
  bool if_exists = false;      // DROP VIEW IF EXISTS
  Sql prefix;                  // ALGORITHM=..., DEFINER=..., SQL SECURITY ... as written
  std::vector<TableName> views;  // one for CREATE/ALTER; one or more for DROP
  Sql columns;                 // "(a, b)" as written, empty if none
  Sql body;                    // AS <select> [WITH CHECK OPTION] as written, without "AS"
  Sql tail;                    // DROP VIEW ... RESTRICT|CASCADE
  bool operator==(const ViewDdl&) const = default;
};

enum class StatementKind {
  // Parsed completely: printable, routable, tracked.
  kCreateDatabase,
  kAlterDatabase,
  kDropDatabase,
  kCreateTable,
  kCreateTableLike,
  kAlterTable,
  kDropTable,
  kRenameTable,
  kTruncateTable,
  kCreateIndex,
  kDropIndex,
  // Names parsed (routable); the body is carried as text.
  kCreateTableSelect,  // CREATE TABLE ... [AS] SELECT: not replicable from a QUERY event
  kCreateView,
  kAlterView,
  kDropView,
  // Classified only: the text is kept verbatim, nothing is rewritten.
  kBegin,        // BEGIN, START TRANSACTION, XA START
  kCommit,       // COMMIT, XA COMMIT/END/PREPARE
  kRollback,     // ROLLBACK, XA ROLLBACK, SAVEPOINT, RELEASE SAVEPOINT
  kDml,          // INSERT, REPLACE, UPDATE, DELETE, LOAD DATA/XML, CALL, DO, SELECT, WITH, HANDLER
  kSet,          // SET ... (variables, NAMES, CHARACTER SET, TRANSACTION); not SET PASSWORD
  kUse,          // USE db
  kAccount,      // GRANT, REVOKE, CREATE/ALTER/DROP/RENAME USER, CREATE/DROP ROLE, SET PASSWORD/ROLE/DEFAULT ROLE
  kAdmin,        // FLUSH, RESET, PURGE, KILL, ANALYZE/OPTIMIZE/REPAIR/CHECK/CHECKSUM TABLE, INSTALL/UNINSTALL PLUGIN|SONAME|COMPONENT, LOCK/UNLOCK TABLES, SHOW, EXPLAIN, DESCRIBE, CACHE INDEX, LOAD INDEX
  kRoutine,      // CREATE/ALTER/DROP TRIGGER, PROCEDURE, FUNCTION, EVENT, PACKAGE, SERVER, SEQUENCE, TABLESPACE, LOGFILE GROUP, SPATIAL REFERENCE SYSTEM, RESOURCE GROUP
  kUnknown,      // anything else, including statements that do not lex
};

std::string_view StatementKindName(StatementKind kind);

// One parsed statement.
class Statement {
 public:
  using Node = std::variant<std::monostate, CreateTable, AlterTable, DropTable, RenameTable,
                            TruncateTable, DatabaseDdl, CreateIndex, DropIndex, ViewDdl>;

  StatementKind kind = StatementKind::kUnknown;
  std::string text;      // the original statement text
  std::string keyword;   // classified statements: leading keywords, upper-case ("CREATE TRIGGER")
  Node node;

  // True for the kinds with a full AST (kCreateDatabase .. kDropIndex) and the name-level
  // ones (kCreateTableSelect, views): Print/RewriteTables/Tables work on them.
  bool HasAst() const { return !std::holds_alternative<std::monostate>(node); }
  // True for every DDL kind (parsed or classified kRoutine / kAccount are not DDL here:
  // kRoutine is DDL of non-table objects and is reported by IsOtherDdl()).
  bool IsTableDdl() const { return kind <= StatementKind::kDropView; }
  bool IsOtherDdl() const { return kind == StatementKind::kRoutine; }
  bool IsDml() const { return kind == StatementKind::kDml; }
  // False for CREATE TABLE ... SELECT (its rows are not in a QUERY event in row format;
  // replaying it downstream would read downstream data): the sync unit must stop with an
  // error naming the statement.
  bool Replicable() const { return kind != StatementKind::kCreateTableSelect; }

  // SQL for the AST: every identifier backtick-quoted, string values re-quoted, kept
  // `Sql` pieces as written. Statements without an AST return `text` unchanged.
  std::string Print() const;

  // Every table the statement names, resolved against `default_schema` (unqualified names
  // take it): the tables it acts on first (DROP: each dropped table; RENAME: old, new,
  // old, new, ...), then tables it only refers to (LIKE source, EXCHANGE PARTITION partner,
  // FOREIGN KEY parent). Database statements give {db, ""}. Empty for classified kinds.
  std::vector<rules::TableRef> Tables(std::string_view default_schema) const;

  // Replaces every table name (and the database name of database statements, passed as
  // {db, ""}) by fn(resolved name); afterwards every name in the AST is qualified. For a
  // route, fn maps an upstream table to its target. No-op for classified kinds.
  void RewriteTables(std::string_view default_schema,
                     const std::function<rules::TableRef(const rules::TableRef&)>& fn);

  // DM binlog-filter event name of the statement (config::BinlogEventTypes spelling):
  // "create table", "alter table", "drop index", ...; "" for a DDL DM has no name for
  // (ALTER VIEW, routines) and for non-DDL kinds.
  std::string EventName() const;
  // The finer names DM also matches against: for ALTER TABLE one per action in order,
  // deduplicated ("add column", "drop index", "modify column", "rename column", ...),
  // always followed by "alter table"; for other statements {EventName()} (or {} if "").
  std::vector<std::string> EventNames() const;

  // Splits multi-table statements into one statement per table: DROP TABLE a, b ->
  // DROP TABLE a; DROP TABLE b (IF EXISTS/TEMPORARY kept); RENAME TABLE a TO b, c TO d ->
  // two RENAMEs; DROP VIEW likewise. With `alter_actions`, ALTER TABLE also splits per
  // action (options ALGORITHM/LOCK repeated on each; a RENAME TO moves last, as MySQL
  // applies it after the other actions). Others: {*this}. Texts of the parts are their
  // Print().
  std::vector<Statement> Split(bool alter_actions = false) const;

  // Structural equality: kind, keyword and AST; `text` is ignored.
  bool operator==(const Statement& o) const {
    return kind == o.kind && keyword == o.keyword && node == o.node;
  }
};

// Event names of one ALTER TABLE action, most specific first (see EventNames).
std::vector<std::string> AlterActionEventNames(const AlterAction& a);

}  // namespace dm::ddl
