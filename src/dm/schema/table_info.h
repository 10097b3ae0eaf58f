#pragma once
// TableInfo: what replication needs to know about one table's structure: its columns in
// order (name, type, nullability, generated, charset), and its primary/unique keys.
//
// Built from a server's information_schema (LoadTableInfo), or by the schema tracker from
// CREATE TABLE text and later DDL. Plain value; no invariants beyond names being unique.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dm/base/result.h"

namespace dm::mysql {
class Connection;
}

namespace dm::schema {

struct Column {
  std::string name;
  std::string column_type;  // as SHOW CREATE TABLE prints it: "int(10) unsigned", "enum('a','b')"
  std::string data_type;    // lower-case base type: "int", "varchar", "enum", "decimal", ...
  bool nullable = true;
  bool is_unsigned = false;
  bool generated = false;   // VIRTUAL or STORED generated column (never written by us)
  std::string charset;      // empty for non-string types
  std::string collation;
  std::optional<std::string> default_value;  // SQL text as information_schema gives it
  std::vector<std::string> elements;         // ENUM / SET member names, in order
  bool operator==(const Column&) const = default;
};

struct Index {
  std::string name;  // "PRIMARY" for the primary key
  bool primary = false;
  bool unique = false;  // true for the primary key too
  std::vector<std::string> columns;
  bool operator==(const Index&) const = default;
};

struct TableInfo {
  std::string schema;
  std::string table;
  std::vector<Column> columns;  // ordinal order
  std::vector<Index> indexes;   // primary first, then unique keys, then others
  std::string charset;
  std::string collation;

  int ColumnIndex(std::string_view name) const;  // case-insensitive; -1 if absent
  const Index* PrimaryKey() const;               // nullptr if none
  // The key identifying a row: the primary key, else the first unique key whose columns
  // are all NOT NULL; nullptr if neither exists (rows are then matched on all columns).
  const Index* HandleKey() const;
  bool operator==(const TableInfo&) const = default;
};

// Reads `schema`.`table` from `conn`'s information_schema (COLUMNS, STATISTICS, TABLES).
// kNotFound if the table does not exist.
Result<TableInfo> LoadTableInfo(mysql::Connection& conn, std::string_view schema,
                                std::string_view table);

// Parses ENUM/SET members from a column type "enum('a','b''c')" (quotes unescaped).
std::vector<std::string> ParseEnumElements(std::string_view column_type);

}  // namespace dm::schema
