#include "dm/load/checkpoint.h"

#include "dm/dump/layout.h"
#include "dm/dump/sql_value.h"

namespace dm::load {

namespace {
std::string Lit(std::string_view v) {
  std::string out;
  dump::AppendQuotedString(&out, v);
  return out;
}
}  // namespace

LoaderCheckpoint::LoaderCheckpoint(std::string meta_schema, std::string task, std::string source_id)
    : meta_schema_(std::move(meta_schema)),
      table_(mysql::QuoteTable(meta_schema_, dump::LoaderCheckpointTableName(task))),
      source_literal_(Lit(source_id)) {}

Status LoaderCheckpoint::EnsureTable(mysql::Connection& conn) const {
  DM_RETURN_IF_ERROR(conn.Execute("CREATE DATABASE IF NOT EXISTS " + mysql::QuoteIdentifier(meta_schema_)));
  return conn.Execute(
      "CREATE TABLE IF NOT EXISTS " + table_ +
      " (`id` CHAR(32) NOT NULL, `filename` VARCHAR(255) NOT NULL, `cp_schema` VARCHAR(128) NOT NULL, "
      "`cp_table` VARCHAR(128) NOT NULL, `offset` BIGINT NOT NULL, `end_pos` BIGINT NOT NULL, "
      "`create_time` TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, "
      "`update_time` TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP, "
      "UNIQUE KEY `uk_id_f` (`id`, `filename`)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin");
}

Result<std::map<std::string, FilePoint>> LoaderCheckpoint::Read(mysql::Connection& conn) const {
  std::map<std::string, FilePoint> out;
  auto r = conn.Query("SELECT `filename`, `offset`, `end_pos`, `cp_schema`, `cp_table` FROM " + table_ + " WHERE `id` = " + source_literal_);
  if (!r.ok()) {
    if (r.status().mysql_errno() == 1146 || r.status().mysql_errno() == 1049) return out;
    return std::move(r).status();
  }
  for (auto& row : r->rows) {
    FilePoint p;
    p.offset = std::strtoull(row[1].value_or("0").c_str(), nullptr, 10);
    p.end_pos = std::strtoull(row[2].value_or("0").c_str(), nullptr, 10);
    p.schema = row[3].value_or("");
    p.table = row[4].value_or("");
    out[row[0].value_or("")] = p;
  }
  return out;
}

Status LoaderCheckpoint::Register(mysql::Connection& conn, const std::vector<CheckpointFile>& files) const {
  constexpr size_t kPerStatement = 500;
  for (size_t i = 0; i < files.size(); i += kPerStatement) {
    std::string sql = "INSERT IGNORE INTO " + table_ +
                      " (`id`, `filename`, `cp_schema`, `cp_table`, `offset`, `end_pos`) VALUES ";
    for (size_t j = i; j < files.size() && j < i + kPerStatement; ++j) {
      if (j > i) sql += ", ";
      const auto& f = files[j];
      sql += "(" + source_literal_ + ", " + Lit(f.filename) + ", " + Lit(f.schema) + ", " + Lit(f.table) +
             ", 0, " + std::to_string(f.size) + ")";
    }
    DM_RETURN_IF_ERROR(conn.Execute(sql));
  }
  return Status::OK();
}

std::string LoaderCheckpoint::UpdateStatement(const std::string& filename, uint64_t offset) const {
  return "UPDATE " + table_ + " SET `offset` = " + std::to_string(offset) + " WHERE `id` = " + source_literal_ +
         " AND `filename` = " + Lit(filename);
}

std::string LoaderCheckpoint::ClearStatement() const {
  return "DELETE FROM " + table_ + " WHERE `id` = " + source_literal_;
}

Result<std::vector<std::array<std::string, 3>>> LoaderCheckpoint::OtherSourcesTables(mysql::Connection& conn) const {
  std::vector<std::array<std::string, 3>> out;
  auto r = conn.Query("SELECT DISTINCT `id`, `cp_schema`, `cp_table` FROM " + table_ + " WHERE `id` <> " +
                      source_literal_);
  if (!r.ok()) {
    if (r.status().mysql_errno() == 1146 || r.status().mysql_errno() == 1049) return out;
    return std::move(r).status();
  }
  for (auto& row : r->rows) out.push_back({row[0].value_or(""), row[1].value_or(""), row[2].value_or("")});
  return out;
}

Status LoaderCheckpoint::Clear(mysql::Connection& conn) const {
  auto st = conn.Execute(ClearStatement());
  if (!st.ok() && (st.mysql_errno() == 1146 || st.mysql_errno() == 1049)) return Status::OK();
  return st;
}

}  // namespace dm::load
