#include "dm/dump/dump_identity.h"

#include <chrono>
#include <cstdio>
#include <random>

#include "dm/dump/layout.h"
#include "dm/dump/sql_value.h"

namespace dm::dump {

namespace {

std::string Lit(std::string_view v) {
  std::string out;
  AppendQuotedString(&out, v);
  return out;
}

bool MissingTable(const Status& s) { return s.mysql_errno() == 1146 || s.mysql_errno() == 1049; }

}  // namespace

std::string DumpIdentity(const DumpMetadata& m) {
  if (!m.dump_id.empty()) return m.dump_id;
  return "mydumper started " + m.started + " at " + m.position.file + ":" + std::to_string(m.position.pos) +
         " gtid " + m.gtid;
}

std::string NewDumpId() {
  std::random_device rd;
  std::mt19937_64 gen((static_cast<uint64_t>(rd()) << 32) ^ rd() ^
                      static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()));
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%016llx%016llx", static_cast<unsigned long long>(gen()),
                static_cast<unsigned long long>(gen()));
  return buf;
}

std::string LoaderDumpTableName(std::string_view task) { return std::string(task) + "_loader_dump"; }

DumpRecordStore::DumpRecordStore(std::string meta_schema, std::string task, std::string source_id)
    : meta_schema_(std::move(meta_schema)),
      table_(mysql::QuoteTable(meta_schema_, LoaderDumpTableName(task))),
      cp_table_(mysql::QuoteTable(meta_schema_, LoaderCheckpointTableName(task))),
      source_literal_(Lit(source_id)) {}

Status DumpRecordStore::EnsureTable(mysql::Connection& c) const {
  DM_RETURN_IF_ERROR(c.Execute("CREATE DATABASE IF NOT EXISTS " + mysql::QuoteIdentifier(meta_schema_)));
  return c.Execute("CREATE TABLE IF NOT EXISTS " + table_ +
                   " (`id` VARCHAR(32) NOT NULL, `dump_id` VARCHAR(64) NOT NULL DEFAULT '', "
                   "`loaded_dump` TEXT NOT NULL, `binlog_name` VARCHAR(255) NOT NULL DEFAULT '', "
                   "`binlog_pos` BIGINT UNSIGNED NOT NULL DEFAULT 0, `binlog_gtid` TEXT NOT NULL, "
                   "`update_time` TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP, "
                   "PRIMARY KEY (`id`)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin");
}

Result<DumpRecord> DumpRecordStore::Read(mysql::Connection& c) const {
  DumpRecord rec;
  auto r = c.Query("SELECT `dump_id`, `loaded_dump`, `binlog_name`, `binlog_pos`, `binlog_gtid` FROM " + table_ +
                   " WHERE `id` = " + source_literal_);
  if (!r.ok()) {
    if (MissingTable(r.status())) return rec;
    return std::move(r).status().WithContext("reading " + table_);
  }
  if (r->rows.empty()) return rec;
  const auto& row = r->rows[0];
  rec.exists = true;
  rec.dump_id = row[0].value_or("");
  rec.loaded_dump = row[1].value_or("");
  rec.position.file = row[2].value_or("");
  rec.position.pos = std::strtoull(row[3].value_or("0").c_str(), nullptr, 10);
  rec.gtid = row[4].value_or("");
  return rec;
}

Result<CheckpointSummary> DumpRecordStore::ReadCheckpointSummary(mysql::Connection& c) const {
  CheckpointSummary s;
  auto r = c.Query("SELECT COUNT(*), COALESCE(SUM(`offset` >= `end_pos`), 0) FROM " + cp_table_ +
                   " WHERE `id` = " + source_literal_);
  if (!r.ok()) {
    if (MissingTable(r.status())) return s;
    return std::move(r).status().WithContext("reading " + cp_table_);
  }
  if (r->rows.empty()) return s;
  s.files = std::strtoull(r->rows[0][0].value_or("0").c_str(), nullptr, 10);
  s.finished = std::strtoull(r->rows[0][1].value_or("0").c_str(), nullptr, 10);
  return s;
}

Status DumpRecordStore::SaveStarted(mysql::Connection& c, const std::string& dump_id) const {
  DM_RETURN_IF_ERROR(EnsureTable(c));
  return c.Execute("INSERT INTO " + table_ + " (`id`, `dump_id`, `loaded_dump`, `binlog_gtid`) VALUES (" +
                   source_literal_ + ", " + Lit(dump_id) + ", '', '') ON DUPLICATE KEY UPDATE `dump_id` = " +
                   Lit(dump_id));
}

std::string DumpRecordStore::SaveLoadedSql(const DumpMetadata& m) const {
  std::string ident = Lit(DumpIdentity(m)), file = Lit(m.position.file), gtid = Lit(m.gtid);
  std::string pos = std::to_string(m.position.pos);
  return "INSERT INTO " + table_ +
         " (`id`, `dump_id`, `loaded_dump`, `binlog_name`, `binlog_pos`, `binlog_gtid`) VALUES (" + source_literal_ +
         ", " + Lit(m.dump_id) + ", " + ident + ", " + file + ", " + pos + ", " + gtid +
         ") ON DUPLICATE KEY UPDATE `loaded_dump` = " + ident + ", `binlog_name` = " + file +
         ", `binlog_pos` = " + pos + ", `binlog_gtid` = " + gtid;
}

DumpPlan PlanDump(const std::optional<DumpMetadata>& local, bool local_files_complete, const DumpRecord& rec,
                  const CheckpointSummary& cp, bool mode_all) {
  DumpPlan p;
  const bool local_finished = local && local->finished;
  if (cp.complete()) {
    // The load of this source completed: never dump again. The local directory is kept
    // only if it is the dump that was loaded (or the record predates dump identities).
    if (local_finished && (rec.loaded_dump.empty() || rec.loaded_dump == DumpIdentity(*local))) {
      p.action = DumpAction::kKeep;
      p.reason = "the load of this dump already completed";
      return p;
    }
    p.action = DumpAction::kSkipLoaded;
    p.remove_local = local.has_value();
    p.restore_metadata = mode_all && !rec.loaded_dump.empty() && !rec.position.file.empty();
    p.reason = local ? "the load already completed from dump " + rec.loaded_dump +
                           "; the local dump " + DumpIdentity(*local) + " is stale"
                     : "the load already completed (loader checkpoint)";
    return p;
  }
  p.action = DumpAction::kRedump;
  if (!local) {
    p.reason = "no dump in the directory";
    return p;
  }
  if (!local_finished) {
    p.reason = "the dump in the directory is unfinished";
    return p;
  }
  const std::string id = DumpIdentity(*local);
  if (!rec.exists || rec.dump_id.empty()) {
    p.reason = "the downstream has no record of dump " + id +
               " (start-task --remove-meta, or the meta schema was dropped): it is stale";
  } else if (rec.dump_id != id) {
    p.reason = "dump " + id + " was superseded by dump " + rec.dump_id + " started later (on another worker)";
  } else if (!local_files_complete) {
    p.reason = "dump " + id + " lost data files";
  } else {
    p.action = DumpAction::kKeep;
    p.reason = "finished dump " + id + " is the current one";
  }
  return p;
}

LoadAction PlanLoad(const DumpRecord& rec, const std::string& identity, const CheckpointSummary& cp) {
  if (cp.files == 0) return LoadAction::kFresh;
  if (rec.loaded_dump == identity) return LoadAction::kResume;
  if (rec.loaded_dump.empty() && cp.complete()) return LoadAction::kResume;  // record predates identities
  return cp.complete() ? LoadAction::kConflict : LoadAction::kReset;
}

}  // namespace dm::dump
