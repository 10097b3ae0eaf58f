#include "dm/config/rules.h"

#include <cctype>

namespace dm::config {

const std::vector<std::string>& BinlogEventTypes() {
  static const std::vector<std::string> kTypes = {
      "all", "all dml", "all ddl", "none", "none ddl", "none dml",
      "insert", "update", "delete",
      "create database", "drop database", "alter database",
      "create table", "drop table", "truncate table", "rename table",
      "create index", "drop index", "create view", "drop view", "alter table",
      "add table partition", "drop table partition", "truncate table partition",
      "add foreign key", "drop foreign key",
      "incompatible ddl changes", "value range decrease", "precision decrease",
      "modify column", "rename column", "rename index", "drop column", "drop primary key",
      "drop unique key", "modify default value", "modify constraint", "modify columns order",
      "modify charset", "modify collation", "remove auto increment", "modify storage engine",
      "reorganize table partition", "rebuild table partition", "coalesce table partition",
      "split table partition", "exchange table partition",
      "modify schema charset and collate", "modify table charset and collate",
      "modify table comment", "recover table", "alter table partitioning",
      "remove table partitioning", "add column", "set default value", "rebase auto id",
      "add primary key", "alter index visibility", "alter ttl info", "alter ttl remove",
      "multi schema change",
      // aliases
      "create schema", "drop schema", "alter schema"};
  return kTypes;
}

std::optional<std::string> CanonicalEventType(std::string_view name) {
  std::string lower(name);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "create schema") return "create database";
  if (lower == "drop schema") return "drop database";
  if (lower == "alter schema") return "alter database";
  for (const std::string& t : BinlogEventTypes()) {
    if (t == lower) return lower;
  }
  return std::nullopt;
}

}  // namespace dm::config
