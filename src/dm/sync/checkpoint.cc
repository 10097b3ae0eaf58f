#include "dm/sync/checkpoint.h"

#include <charconv>

#include "dm/sync/dml.h"

namespace dm::sync {

namespace {

bool ParseU64(const std::optional<std::string>& s, uint64_t* v) {
  if (!s) return false;
  auto r = std::from_chars(s->data(), s->data() + s->size(), *v);
  return r.ec == std::errc() && r.ptr == s->data() + s->size();
}

}  // namespace

CheckpointStore::CheckpointStore(std::string meta_schema, std::string task, std::string source_id)
    : meta_schema_(std::move(meta_schema)), task_(std::move(task)), source_id_(std::move(source_id)) {
  checkpoint_table_ = mysql::QuoteTable(meta_schema_, task_ + "_syncer_checkpoint");
  progress_table_ = mysql::QuoteTable(meta_schema_, task_ + "_syncer_worker_progress");
}

std::string CheckpointStore::Lit(std::string_view s) const {
  std::string out = "'";
  AppendEscaped(s, &out);
  out += '\'';
  return out;
}

std::vector<std::string> CheckpointStore::CreateStatements() const {
  return {
      "CREATE SCHEMA IF NOT EXISTS " + mysql::QuoteIdentifier(meta_schema_),
      // DM's DDL (tiflow dm/syncer/checkpoint.go createTable).
      "CREATE TABLE IF NOT EXISTS " + checkpoint_table_ +
          " (id VARCHAR(32) NOT NULL, cp_schema VARCHAR(128) NOT NULL, cp_table VARCHAR(128) "
          "NOT NULL, binlog_name VARCHAR(128), binlog_pos INT UNSIGNED, binlog_gtid TEXT, "
          "exit_safe_binlog_name VARCHAR(128) DEFAULT '', exit_safe_binlog_pos INT UNSIGNED "
          "DEFAULT 0, exit_safe_binlog_gtid TEXT, table_info JSON NOT NULL, is_global BOOLEAN, "
          "create_time timestamp DEFAULT CURRENT_TIMESTAMP, update_time timestamp DEFAULT "
          "CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP, UNIQUE KEY uk_id_schema_table (id, "
          "cp_schema, cp_table)) ENGINE=InnoDB",
      "CREATE TABLE IF NOT EXISTS " + progress_table_ +
          " (id VARCHAR(32) NOT NULL, worker INT UNSIGNED NOT NULL, worker_count INT UNSIGNED "
          "NOT NULL, binlog_seq BIGINT UNSIGNED NOT NULL, trx_pos BIGINT UNSIGNED NOT NULL, "
          "row_idx INT UNSIGNED NOT NULL, update_time timestamp(6) DEFAULT CURRENT_TIMESTAMP(6) "
          "ON UPDATE CURRENT_TIMESTAMP(6), PRIMARY KEY (id, worker)) ENGINE=InnoDB",
  };
}

std::string CheckpointStore::SaveGlobalSql(const GlobalCheckpoint& cp) const {
  return "INSERT INTO " + checkpoint_table_ +
         " (id, cp_schema, cp_table, binlog_name, binlog_pos, binlog_gtid, "
         "exit_safe_binlog_name, exit_safe_binlog_pos, exit_safe_binlog_gtid, table_info, "
         "is_global) VALUES (" +
         Lit(source_id_) + ", '', '', " + Lit(cp.position.file) + ", " +
         std::to_string(cp.position.pos) + ", " + Lit(cp.gtid) + ", " +
         Lit(cp.exit_safe_position.file) + ", " + std::to_string(cp.exit_safe_position.pos) +
         ", " + Lit(cp.exit_safe_gtid) +
         ", '{}', 1) ON DUPLICATE KEY UPDATE binlog_name = VALUES(binlog_name), binlog_pos = "
         "VALUES(binlog_pos), binlog_gtid = VALUES(binlog_gtid), exit_safe_binlog_name = "
         "VALUES(exit_safe_binlog_name), exit_safe_binlog_pos = VALUES(exit_safe_binlog_pos), "
         "exit_safe_binlog_gtid = VALUES(exit_safe_binlog_gtid)";
}

std::string CheckpointStore::SaveTableSql(const TableCheckpoint& t,
                                          const GlobalCheckpoint& cp) const {
  if (!t.info_json) {
    return "DELETE FROM " + checkpoint_table_ + " WHERE id = " + Lit(source_id_) +
           " AND cp_schema = " + Lit(t.schema) + " AND cp_table = " + Lit(t.table);
  }
  return "INSERT INTO " + checkpoint_table_ +
         " (id, cp_schema, cp_table, binlog_name, binlog_pos, binlog_gtid, table_info, "
         "is_global) VALUES (" +
         Lit(source_id_) + ", " + Lit(t.schema) + ", " + Lit(t.table) + ", " +
         Lit(cp.position.file) + ", " + std::to_string(cp.position.pos) + ", " + Lit(cp.gtid) +
         ", " + Lit(*t.info_json) +
         ", 0) ON DUPLICATE KEY UPDATE binlog_name = VALUES(binlog_name), binlog_pos = "
         "VALUES(binlog_pos), binlog_gtid = VALUES(binlog_gtid), table_info = "
         "VALUES(table_info)";
}

std::string CheckpointStore::ClearTablesSql() const {
  return "DELETE FROM " + checkpoint_table_ + " WHERE id = " + Lit(source_id_) +
         " AND cp_table <> ''";
}

Result<std::vector<TableCheckpoint>> CheckpointStore::LoadTables(mysql::Connection& conn) const {
  DM_ASSIGN_OR_RETURN(auto r, conn.Query("SELECT cp_schema, cp_table, table_info FROM " +
                                         checkpoint_table_ + " WHERE id = " + Lit(source_id_) +
                                         " AND cp_table <> '' ORDER BY cp_schema, cp_table"));
  std::vector<TableCheckpoint> out;
  for (const auto& row : r.rows) {
    out.push_back({row[0].value_or(""), row[1].value_or(""), row[2].value_or("")});
  }
  return out;
}

std::string CheckpointStore::SaveProgressSql(const WorkerProgress& p) const {
  return "INSERT INTO " + progress_table_ +
         " (id, worker, worker_count, binlog_seq, trx_pos, row_idx) VALUES (" + Lit(source_id_) +
         ", " + std::to_string(p.worker) + ", " + std::to_string(p.worker_count) + ", " +
         std::to_string(p.stamp.file_seq) + ", " + std::to_string(p.stamp.trx_pos) + ", " +
         std::to_string(p.stamp.row) +
         ") ON DUPLICATE KEY UPDATE worker_count = VALUES(worker_count), binlog_seq = "
         "VALUES(binlog_seq), trx_pos = VALUES(trx_pos), row_idx = VALUES(row_idx)";
}

std::string CheckpointStore::ClearProgressSql() const {
  return "DELETE FROM " + progress_table_ + " WHERE id = " + Lit(source_id_);
}

Result<std::optional<GlobalCheckpoint>> CheckpointStore::LoadGlobal(mysql::Connection& conn) const {
  DM_ASSIGN_OR_RETURN(
      auto r, conn.Query("SELECT binlog_name, binlog_pos, binlog_gtid, exit_safe_binlog_name, "
                         "exit_safe_binlog_pos, exit_safe_binlog_gtid FROM " +
                         checkpoint_table_ + " WHERE id = " + Lit(source_id_) +
                         " AND cp_schema = '' AND cp_table = ''"));
  if (r.rows.empty()) return std::optional<GlobalCheckpoint>();
  const auto& row = r.rows[0];
  GlobalCheckpoint cp;
  cp.position.file = row[0].value_or("");
  if (!ParseU64(row[1], &cp.position.pos)) {
    return Status(Code::kCorruption,
                  "checkpoint " + checkpoint_table_ + " of source " + source_id_ +
                      " has an invalid binlog_pos; fix or delete the row, then resume",
                  Scope::kDownstream);
  }
  cp.gtid = row[2].value_or("");
  cp.exit_safe_position.file = row[3].value_or("");
  if (!ParseU64(row[4], &cp.exit_safe_position.pos)) cp.exit_safe_position.pos = 0;
  cp.exit_safe_gtid = row[5].value_or("");
  return std::optional<GlobalCheckpoint>(std::move(cp));
}

Result<std::vector<WorkerProgress>> CheckpointStore::LoadProgress(mysql::Connection& conn) const {
  DM_ASSIGN_OR_RETURN(auto r, conn.Query("SELECT worker, worker_count, binlog_seq, trx_pos, row_idx "
                                         "FROM " + progress_table_ + " WHERE id = " +
                                         Lit(source_id_) + " ORDER BY worker"));
  std::vector<WorkerProgress> out;
  for (const auto& row : r.rows) {
    uint64_t w, n, seq, pos, idx;
    if (!ParseU64(row[0], &w) || !ParseU64(row[1], &n) || !ParseU64(row[2], &seq) ||
        !ParseU64(row[3], &pos) || !ParseU64(row[4], &idx)) {
      return Status(Code::kCorruption,
                    "worker progress " + progress_table_ + " of source " + source_id_ +
                        " has an invalid row; delete the rows and the checkpoint to restart",
                    Scope::kDownstream);
    }
    out.push_back({static_cast<uint32_t>(w), static_cast<uint32_t>(n),
                   RowStamp{seq, pos, static_cast<uint32_t>(idx)}});
  }
  return out;
}

std::string RowStamp::ToString() const {
  return std::to_string(file_seq) + ":" + std::to_string(trx_pos) + "#" + std::to_string(row);
}

uint64_t BinlogFileSeq(std::string_view file) {
  size_t dot = file.rfind('.');
  if (dot == std::string_view::npos) return 0;
  uint64_t v = 0;
  auto s = file.substr(dot + 1);
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size()) return 0;
  return v;
}

}  // namespace dm::sync
