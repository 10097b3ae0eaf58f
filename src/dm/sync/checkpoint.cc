#include "dm/sync/checkpoint.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <thread>

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

std::string CheckpointStore::SlotLockName(int slot) const {
  // FNV-1a of task and source keeps the name under MySQL's 64-character limit.
  uint64_t h = 1469598103934665603ull;
  for (char ch : task_ + std::string(1, '\0') + source_id_) {
    h = (h ^ static_cast<unsigned char>(ch)) * 1099511628211ull;
  }
  char buf[64];
  if (slot == kMetaSlot) {
    std::snprintf(buf, sizeof(buf), "dm-sync:%016llx:meta", static_cast<unsigned long long>(h));
  } else {
    std::snprintf(buf, sizeof(buf), "dm-sync:%016llx:%d", static_cast<unsigned long long>(h), slot);
  }
  return buf;
}

Status CheckpointStore::HoldSlot(mysql::Connection& conn, int slot,
                                 std::chrono::seconds timeout) const {
  const std::string name = SlotLockName(slot);
  DM_ASSIGN_OR_RETURN(auto got, conn.QueryValue("SELECT GET_LOCK(" + Lit(name) + ", " +
                                                std::to_string(timeout.count()) + ")"));
  if (got.value_or("0") == "1") return Status::OK();
  auto holder = conn.QueryValue("SELECT IS_USED_LOCK(" + Lit(name) + ")");
  std::string who = holder.ok() && *holder ? "connection " + **holder : "another connection";
  return Status(Code::kUnavailable,
                "sync of task " + task_ + " source " + source_id_ + ": downstream lock " + name +
                    " is still held by " + who + " after " + std::to_string(timeout.count()) +
                    " s (a previous incarnation's transaction still running, or another "
                    "worker running this subtask); make sure only one worker runs it",
                Scope::kDownstream);
}

Status CheckpointStore::WaitForPredecessors(mysql::Connection& conn, int worker_slots,
                                            std::chrono::seconds timeout) const {
  std::string sql = "SELECT CONCAT_WS(',', IS_USED_LOCK(" + Lit(SlotLockName(kMetaSlot)) + ")";
  for (int i = 0; i < std::max(worker_slots, 256); ++i) {
    sql += ", IS_USED_LOCK(" + Lit(SlotLockName(i)) + ")";
  }
  sql += ")";
  DM_ASSIGN_OR_RETURN(auto self, conn.QueryValue("SELECT CONNECTION_ID()"));
  const std::string me = self.value_or("");
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    DM_ASSIGN_OR_RETURN(auto holders, conn.QueryValue(sql));
    std::string others;
    std::string ids = holders.value_or("");
    for (size_t b = 0; b < ids.size();) {
      size_t e = ids.find(',', b);
      if (e == std::string::npos) e = ids.size();
      std::string id = ids.substr(b, e - b);
      if (!id.empty() && id != me) others += (others.empty() ? "" : ",") + id;
      b = e + 1;
    }
    if (others.empty()) return Status::OK();
    if (std::chrono::steady_clock::now() > deadline) {
      return Status(Code::kFailedPrecondition,
                    "sync of task " + task_ + " source " + source_id_ + ": downstream connection(s) " +
                        others + " of another sync unit of this subtask are still running after " +
                        std::to_string(timeout.count()) +
                        " s; make sure only one worker runs this subtask (or KILL them), then "
                        "resume",
                    Scope::kDownstream);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
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
