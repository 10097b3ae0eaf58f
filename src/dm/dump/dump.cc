#include "dm/dump/dump.h"

#include <dirent.h>
#include <fcntl.h>
#include <mysql.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <ctime>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>

#include <nlohmann/json.hpp>

#include "dm/base/log.h"
#include "dm/dump/chunk.h"
#include "dm/dump/data_writer.h"
#include "dm/dump/dump_identity.h"
#include "dm/dump/layout.h"
#include "dm/dump/metadata.h"
#include "dm/dump/progress.h"
#include "dm/dump/sql_value.h"
#include "dm/mysql/connection.h"
#include "dm/rules/rules.h"
#include "dm/schema/table_info.h"

namespace dm::dump {

namespace {

using mysql::Connection;
using mysql::QuoteIdentifier;
using mysql::QuoteTable;

constexpr int kSnapshotAttempts = 60;

std::string NowText() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

std::string SqlString(std::string_view v) {
  std::string out;
  AppendQuotedString(&out, v);
  return out;
}

Status MakeDirs(const std::string& dir) {
  std::string cur;
  for (size_t i = 0; i <= dir.size(); ++i) {
    if (i == dir.size() || dir[i] == '/') {
      if (!cur.empty() && ::mkdir(cur.c_str(), 0755) != 0 && errno != EEXIST) {
        return Status::IOError("cannot create dump directory " + cur + ": " + std::strerror(errno) +
                               "; check loader `dir` and the worker's permissions");
      }
    }
    if (i < dir.size()) cur += dir[i];
  }
  return Status::OK();
}

// Removes the files a dump writes (*.sql, metadata*) from `dir`.
Status RemoveDumpFiles(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) {
    if (errno == ENOENT) return Status::OK();
    return Status::IOError("cannot read dump directory " + dir + ": " + std::strerror(errno));
  }
  Status st;
  while (dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    bool ours = (name.size() > 4 && name.compare(name.size() - 4, 4, ".sql") == 0) ||
                name.rfind("metadata", 0) == 0;
    if (!ours) continue;
    std::string path = dir + "/" + name;
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
      st = Status::IOError("cannot remove " + path + ": " + std::strerror(errno));
      break;
    }
  }
  ::closedir(d);
  return st;
}

Status FsyncDir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Status::IOError("cannot open " + dir + ": " + std::strerror(errno));
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return Status::IOError("cannot fsync " + dir + ": " + std::strerror(errno));
  return Status::OK();
}

struct TableTask {
  std::string db, table;
  uint64_t est_rows = 0;
  schema::TableInfo info;
  std::vector<std::string> columns;  // selected (non-generated) column names
  std::vector<ValueKind> kinds;
  std::string select_list;
  std::atomic<uint32_t> next_index{0};
  std::atomic<int> pending{1};  // the plan job + chunk jobs not yet done
};

struct Job {
  TableTask* table = nullptr;
  bool plan = true;
  std::string predicate;  // chunk jobs: key range ("" = whole table)
};

struct Snapshot {
  gtid::BinlogPosition position;
  std::string gtid;
};

bool IsAccessDenied(const Status& s) {
  unsigned e = s.mysql_errno();
  return e == 1227 || e == 1044 || e == 1045 || e == 1142;
}

class DumpUnit final : public unit::Unit {
 public:
  explicit DumpUnit(std::shared_ptr<const spec::UnitContext> ctx) : ctx_(std::move(ctx)) {}
  ~DumpUnit() override = default;

  unit::UnitType type() const override { return unit::UnitType::kDump; }

  Status Init() override {
    const auto& md = ctx_->instance.resolved.mydumper;
    dir_ = DumpDir(*ctx_);
    threads_ = std::max(1, md.threads);
    rows_ = md.rows;
    where_ = md.where;
    statement_size_ = md.statement_size > 0 ? md.statement_size : 1000000;
    {
      std::string s(TrimSpaceCopy(md.chunk_filesize));
      char* end = nullptr;
      unsigned long long mb = std::strtoull(s.c_str(), &end, 10);
      if (s.empty() || *end != '\0') {
        return Status(Code::kInvalidArgument,
                      "mydumper chunk-filesize '" + md.chunk_filesize +
                          "' is not a whole number of MB; write e.g. chunk-filesize: \"64\"",
                      Scope::kConfig);
      }
      file_size_ = mb << 20;
    }
    auto consistency = ParseConsistency(md.extra_args);
    if (!consistency.ok()) return std::move(consistency).status();
    consistency_ = *consistency;
    auto rules = rules::CompileRuleSet(ctx_->task_config, ctx_->instance, ctx_->source);
    if (!rules.ok()) return std::move(rules).status();
    rules_ = std::move(rules).value();
    return Status::OK();
  }

  Status Process(std::stop_token stop) override {
    finished_.store(false);
    std::optional<DumpMetadata> local;
    if (auto m = ReadMetadata(dir_); m.ok()) {
      local = std::move(m).value();
    } else if (!m.status().IsNotFound()) {
      LogWarn("dump: {}; treating the directory as an unfinished dump", m.status().ToString());
      local = DumpMetadata{};
    }
    const std::string& mode = ctx_->task_config.task_mode;
    std::unique_ptr<Connection> down;
    std::optional<DumpRecordStore> store;
    if (mode == "all" || mode == "full") {
      // Which dump the downstream loaded or expects (dump_identity.h): the subtask may
      // have moved here from another worker, or this directory may be stale or gone.
      DM_ASSIGN_OR_RETURN(down, Connection::Connect(ctx_->to));
      store.emplace(ctx_->task_config.meta_schema, ctx_->task, ctx_->source.source_id);
      DM_ASSIGN_OR_RETURN(DumpRecord rec, store->Read(*down));
      DM_ASSIGN_OR_RETURN(CheckpointSummary cp, store->ReadCheckpointSummary(*down));
      bool files_complete = false;
      if (local && local->finished && !cp.complete()) {  // (clean-dump-file removes them after the load)
        Status files = CheckDataFiles(dir_, *local);
        files_complete = files.ok();
        if (!files.ok()) LogWarn("dump: {}", files.ToString());
      }
      DumpPlan plan = PlanDump(local, files_complete, rec, cp, mode == "all");
      switch (plan.action) {
        case DumpAction::kKeep:
          LogInfo("dump: task {} source {}: {} holds a finished dump (position {}); not dumping again: {}",
                  ctx_->task, ctx_->source.source_id, dir_, local->position.ToString(), plan.reason);
          finished_.store(true);
          return Status::OK();
        case DumpAction::kSkipLoaded:
          LogInfo("dump: task {} source {}: not dumping: {}", ctx_->task, ctx_->source.source_id, plan.reason);
          if (plan.remove_local) {
            LogWarn("dump: removing the stale dump files in {} (they are not the dump the downstream loaded)", dir_);
            DM_RETURN_IF_ERROR(RemoveDumpFiles(dir_));
          }
          if (plan.restore_metadata) {
            // The sync unit starts at the loaded dump's position when it has no checkpoint.
            DumpMetadata m;
            m.started = NowText();
            m.position = rec.position;
            m.gtid = rec.gtid;
            m.dump_id = rec.loaded_dump;
            m.finished = m.started;
            DM_RETURN_IF_ERROR(MakeDirs(dir_));
            DM_RETURN_IF_ERROR(WriteMetadata(dir_, m));
            LogInfo("dump: wrote {}/metadata from {} (dump {}, position {}, gtid '{}') for the sync unit", dir_,
                    store->qualified_table(), rec.loaded_dump, rec.position.ToString(), rec.gtid);
          }
          finished_.store(true);
          return Status::OK();
        case DumpAction::kRedump:
          if (local) {
            LogWarn("dump: task {} source {}: dumping again from a new snapshot: {}", ctx_->task,
                    ctx_->source.source_id, plan.reason);
          }
          break;
      }
    } else if (local && local->finished) {
      // Task-mode dump: a finished dump is kept.
      LogInfo("dump: {} already holds a finished dump (position {}); not dumping again", dir_,
              local->position.ToString());
      finished_.store(true);
      return Status::OK();
    }
    DM_RETURN_IF_ERROR(MakeDirs(dir_));
    DM_RETURN_IF_ERROR(RemoveDumpFiles(dir_));
    dump_id_ = NewDumpId();
    if (store) {
      // Recorded before any file is written: a worker holding an older dump of this source
      // knows from now on that its files are stale.
      DM_RETURN_IF_ERROR(store->SaveStarted(*down, dump_id_));
    }
    down.reset();
    ResetCounters();
    Status st = RunDump(stop);
    if (!st.ok()) {
      if (stop.stop_requested()) {
        LogInfo("dump: stopped; an unfinished dump is restarted from a new snapshot on resume");
        return Status::OK();
      }
      return st;
    }
    if (stop.stop_requested()) return Status::OK();
    finished_.store(true);
    return Status::OK();
  }

  void StatusJson(nlohmann::json* out) const override {
    uint64_t rows = finished_rows_.load(), bytes = finished_bytes_.load();
    uint64_t est = estimate_rows_.load();
    bool fin = finished_.load();
    double eta = fin ? 0 : rate_.EtaSeconds(rows, std::max(est, rows));
    *out = nlohmann::json{
        {"totalTables", total_tables_.load()},
        {"completedTables", static_cast<double>(completed_tables_.load())},
        {"finishedBytes", static_cast<double>(bytes)},
        {"finishedRows", static_cast<double>(rows)},
        {"estimateTotalRows", static_cast<double>(est)},
        {"bps", static_cast<int64_t>(bytes_rate_.Rate(bytes))},
        {"progress", FormatProgress(static_cast<double>(rows), static_cast<double>(est), fin)},
        {"eta", FormatEta(eta)},
    };
  }

 private:
  static std::string TrimSpaceCopy(const std::string& s) {
    size_t b = s.find_first_not_of(" \t");
    size_t e = s.find_last_not_of(" \t");
    return b == std::string::npos ? "" : s.substr(b, e - b + 1);
  }

  void ResetCounters() {
    total_tables_.store(0);
    completed_tables_.store(0);
    finished_rows_.store(0);
    finished_bytes_.store(0);
    estimate_rows_.store(0);
    rate_.Start(0);
    bytes_rate_.Start(0);
  }

  Result<std::unique_ptr<Connection>> Connect(bool data_session) {
    mysql::ConnectOptions o = ctx_->from;
    o.scope = Scope::kUpstream;
    DM_ASSIGN_OR_RETURN(auto conn, Connection::Connect(o));
    std::string setup =
        "SET SESSION time_zone = '+00:00', SESSION sql_mode = '', "
        "SESSION net_write_timeout = 3600, SESSION net_read_timeout = 3600, "
        "SESSION wait_timeout = 604800";
    DM_RETURN_IF_ERROR(conn->Execute(setup));
    DM_RETURN_IF_ERROR(conn->Execute(data_session ? "SET NAMES binary" : "SET NAMES utf8mb4"));
    if (data_session) {
      DM_RETURN_IF_ERROR(conn->Execute("SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ"));
    }
    return conn;
  }

  Status ListTables(Connection& c) {
    DM_ASSIGN_OR_RETURN(auto r, c.Query(
        "SELECT TABLE_SCHEMA, TABLE_NAME, COALESCE(TABLE_ROWS, 0) FROM information_schema.TABLES "
        "WHERE TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED') ORDER BY TABLE_SCHEMA, TABLE_NAME"));
    for (auto& row : r.rows) {
      std::string db = row[0].value_or(""), tbl = row[1].value_or("");
      if (!rules_.block_allow.AllowTable(db, tbl)) continue;
      auto t = std::make_unique<TableTask>();
      t->db = db;
      t->table = tbl;
      t->est_rows = std::strtoull(row[2].value_or("0").c_str(), nullptr, 10);
      tables_.push_back(std::move(t));
    }
    DM_ASSIGN_OR_RETURN(auto s, c.Query("SELECT SCHEMA_NAME FROM information_schema.SCHEMATA ORDER BY 1"));
    std::vector<std::string> with_tables;
    for (auto& t : tables_) {
      if (with_tables.empty() || with_tables.back() != t->db) with_tables.push_back(t->db);
    }
    for (auto& row : s.rows) {
      std::string db = row[0].value_or("");
      bool has = std::find(with_tables.begin(), with_tables.end(), db) != with_tables.end();
      if (has) {
        schemas_.push_back(db);
        continue;
      }
      // An empty schema is dumped if the block-allow list selects it.
      DM_ASSIGN_OR_RETURN(auto n, c.QueryValue("SELECT COUNT(*) FROM information_schema.TABLES WHERE "
                                               "TABLE_SCHEMA = " + SqlString(db)));
      if (n.value_or("0") == "0" && rules_.block_allow.AllowSchema(db)) schemas_.push_back(db);
    }
    return Status::OK();
  }

  // The position and GTID set the snapshot corresponds to.
  Result<Snapshot> ReadMasterStatus(Connection& c, bool mariadb) {
    auto r = c.Query("SHOW MASTER STATUS");
    if (!r.ok() && r.status().mysql_errno() == 1064) r = c.Query("SHOW BINARY LOG STATUS");
    if (!r.ok()) return std::move(r).status();
    if (r->rows.empty() || !r->rows[0][0]) {
      return Status(Code::kFailedPrecondition,
                    "the binlog is disabled on " + c.options().Describe() +
                        " (SHOW MASTER STATUS is empty): the dump cannot record its position; "
                        "start the server with log_bin",
                    Scope::kUpstream);
    }
    Snapshot s;
    s.position.file = *r->rows[0][0];
    s.position.pos = std::strtoull(r->rows[0][1].value_or("0").c_str(), nullptr, 10);
    if (mariadb) {
      DM_ASSIGN_OR_RETURN(auto g, c.QueryValue("SELECT @@GLOBAL.gtid_binlog_pos"));
      s.gtid = g.value_or("");
    } else if (r->rows[0].size() >= 5) {
      s.gtid = r->rows[0][4].value_or("");
      s.gtid.erase(std::remove(s.gtid.begin(), s.gtid.end(), '\n'), s.gtid.end());
    }
    return s;
  }

  // Starts a consistent-snapshot transaction on every connection at (nearly) the same
  // instant: all queries are sent before any reply is read.
  Status StartSnapshots(std::vector<std::unique_ptr<Connection>>& conns) {
    static constexpr std::string_view kStart = "START TRANSACTION WITH CONSISTENT SNAPSHOT";
    for (auto& c : conns) {
      if (mysql_send_query(c->raw(), kStart.data(), kStart.size()) != 0) {
        return c->LastError("START TRANSACTION WITH CONSISTENT SNAPSHOT failed");
      }
    }
    Status first;
    for (auto& c : conns) {
      if (mysql_read_query_result(c->raw()) != 0 && first.ok()) {
        first = c->LastError("START TRANSACTION WITH CONSISTENT SNAPSHOT failed");
      }
    }
    return first;
  }

  Result<gtid::BinlogPosition> SnapshotPosition(Connection& c) {
    DM_ASSIGN_OR_RETURN(auto r, c.Query("SHOW SESSION STATUS LIKE 'binlog_snapshot_%'"));
    gtid::BinlogPosition p;
    for (auto& row : r.rows) {
      std::string name = row[0].value_or("");
      for (auto& ch : name) ch = static_cast<char>(tolower(static_cast<unsigned char>(ch)));
      if (name == "binlog_snapshot_file") p.file = row[1].value_or("");
      if (name == "binlog_snapshot_position") p.pos = std::strtoull(row[1].value_or("0").c_str(), nullptr, 10);
    }
    if (p.file.empty()) {
      return Status(Code::kFailedPrecondition,
                    "the binlog is disabled on " + c.options().Describe() +
                        " (binlog_snapshot_file is empty): the dump cannot record its position; "
                        "start the server with log_bin",
                    Scope::kUpstream);
    }
    return p;
  }

  // MariaDB, no lock: retry until every connection's snapshot has the same binlog
  // position (= the same set of committed transactions).
  Result<Snapshot> LocklessSnapshot(Connection& control, std::vector<std::unique_ptr<Connection>>& conns) {
    std::vector<gtid::BinlogPosition> pos(conns.size());
    for (int attempt = 1;; ++attempt) {
      DM_RETURN_IF_ERROR(StartSnapshots(conns));
      bool same = true;
      for (size_t i = 0; i < conns.size(); ++i) {
        DM_ASSIGN_OR_RETURN(pos[i], SnapshotPosition(*conns[i]));
        same = same && pos[i] == pos[0];
      }
      if (same) break;
      if (attempt >= kSnapshotAttempts) {
        // Keep the connections that share connection 0's snapshot.
        std::vector<std::unique_ptr<Connection>> keep;
        for (size_t i = 0; i < conns.size(); ++i) {
          if (pos[i] == pos[0]) keep.push_back(std::move(conns[i]));
        }
        LogWarn("dump: the upstream is too busy for {} connections to share one snapshot after {} "
                "attempts; dumping with {} connection(s). Use `--consistency flush` (needs RELOAD) "
                "for full parallelism",
                conns.size(), attempt, keep.size());
        conns = std::move(keep);
        break;
      }
    }
    Snapshot s;
    s.position = pos[0];
    DM_ASSIGN_OR_RETURN(auto g, control.QueryValue("SELECT BINLOG_GTID_POS(" + SqlString(s.position.file) +
                                                   ", " + std::to_string(s.position.pos) + ")"));
    s.gtid = g.value_or("");
    return s;
  }

  Result<Snapshot> TakeSnapshot(Connection& control, std::vector<std::unique_ptr<Connection>>& conns,
                                bool mariadb) {
    std::string mode = consistency_;
    if (mode == "auto") mode = mariadb ? "snapshot" : "flush";
    if (mode == "snapshot" && !mariadb) {
      return Status(Code::kInvalidArgument,
                    "--consistency snapshot needs MariaDB (binlog_snapshot_file/position); " +
                        control.options().Describe() + " is MySQL: use flush or lock",
                    Scope::kConfig);
    }
    consistency_used_ = mode;
    if (mode == "snapshot") return LocklessSnapshot(control, conns);
    if (mode == "none") {
      DM_ASSIGN_OR_RETURN(Snapshot s, ReadMasterStatus(control, mariadb));
      DM_RETURN_IF_ERROR(StartSnapshots(conns));
      return s;
    }
    if (mode == "flush") {
      Status st = control.Execute("FLUSH TABLES WITH READ LOCK");
      if (!st.ok()) {
        if (consistency_ == "auto" && IsAccessDenied(st)) {
          LogWarn("dump: FLUSH TABLES WITH READ LOCK denied on {} ({}); falling back to LOCK TABLES",
                  control.options().Describe(), st.ToString());
          mode = "lock";
        } else {
          return st.WithContext("consistency flush needs the RELOAD privilege (or use --consistency lock)");
        }
      }
    }
    if (mode == "lock") {
      if (tables_.empty()) {
        DM_ASSIGN_OR_RETURN(Snapshot s, ReadMasterStatus(control, mariadb));
        DM_RETURN_IF_ERROR(StartSnapshots(conns));
        return s;
      }
      std::string sql = "LOCK TABLES ";
      for (size_t i = 0; i < tables_.size(); ++i) {
        if (i > 0) sql += ", ";
        sql += QuoteTable(tables_[i]->db, tables_[i]->table) + " READ";
      }
      Status st = control.Execute(sql);
      if (!st.ok()) {
        return st.WithContext("consistency lock needs the LOCK TABLES privilege on every dumped table");
      }
      consistency_used_ = "lock";
    }
    auto unlock = [&] { (void)control.Execute("UNLOCK TABLES"); };
    Status st = StartSnapshots(conns);
    if (!st.ok()) {
      unlock();
      return st;
    }
    auto s = ReadMasterStatus(control, mariadb);
    unlock();
    return s;
  }

  Status WriteSchemaFiles(Connection& c) {
    static constexpr std::string_view kHeader =
        "/*!40101 SET NAMES utf8mb4*/;\n/*!40014 SET FOREIGN_KEY_CHECKS=0*/;\n";
    for (const auto& db : schemas_) {
      DM_ASSIGN_OR_RETURN(auto r, c.Query("SHOW CREATE DATABASE " + QuoteIdentifier(db)));
      if (r.rows.empty() || r.rows[0].size() < 2 || !r.rows[0][1]) {
        return Status::Internal("SHOW CREATE DATABASE " + QuoteIdentifier(db) + " returned nothing");
      }
      std::string text = std::string(kHeader) + *r.rows[0][1] + ";\n";
      DM_RETURN_IF_ERROR(WriteWholeFile(dir_ + "/" + SchemaCreateFileName(db), text));
    }
    for (auto& t : tables_) {
      DM_ASSIGN_OR_RETURN(auto r, c.Query("SHOW CREATE TABLE " + QuoteTable(t->db, t->table)));
      if (r.rows.empty() || r.rows[0].size() < 2 || !r.rows[0][1]) {
        return Status::Internal("SHOW CREATE TABLE " + QuoteTable(t->db, t->table) + " returned nothing");
      }
      std::string text = std::string(kHeader) + *r.rows[0][1] + ";\n";
      DM_RETURN_IF_ERROR(WriteWholeFile(dir_ + "/" + TableSchemaFileName(t->db, t->table), text));
      DM_ASSIGN_OR_RETURN(t->info, schema::LoadTableInfo(c, t->db, t->table));
      for (const auto& col : t->info.columns) {
        if (col.generated) continue;
        if (!t->select_list.empty()) t->select_list += ", ";
        t->select_list += SelectExpression(col);
        t->columns.push_back(col.name);
        t->kinds.push_back(ClassifyColumn(col));
      }
    }
    return Status::OK();
  }

  std::string Where(const std::string& predicate) const {
    std::string w;
    if (!where_.empty()) w = "(" + where_ + ")";
    if (!predicate.empty()) w += (w.empty() ? "" : " AND ") + std::string("(") + predicate + ")";
    return w.empty() ? "" : " WHERE " + w;
  }

  // Splits a table into chunk predicates (empty vector: dump whole).
  Result<std::vector<std::string>> Plan(Connection& c, TableTask& t) {
    std::vector<std::string> preds;
    if (rows_ == 0) return preds;
    auto key = ChunkKeyColumns(t.info);
    if (key.empty()) return preds;
    uint64_t chunks = (t.est_rows + rows_ - 1) / rows_;
    std::string from = " FROM " + QuoteTable(t.db, t.table);
    std::vector<KeyBound> bounds;
    if (IsIntegerColumn(key[0])) {
      if (chunks <= 1) return preds;
      std::string k = QuoteIdentifier(key[0].name);
      DM_ASSIGN_OR_RETURN(auto r, c.Query("SELECT MIN(" + k + "), MAX(" + k + ")" + from + Where("")));
      if (r.rows.empty() || !r.rows[0][0] || !r.rows[0][1]) return preds;
      DM_ASSIGN_OR_RETURN(auto b, SplitIntegerRange(*r.rows[0][0], *r.rows[0][1], std::min<uint64_t>(chunks, 100000)));
      for (auto& v : b) bounds.push_back({v});
      key.resize(1);
    } else {
      std::string cols;
      for (size_t i = 0; i < key.size(); ++i) cols += (i ? ", " : "") + QuoteIdentifier(key[i].name);
      uint64_t n = 0;
      DM_RETURN_IF_ERROR(c.QueryStream("SELECT " + cols + from + Where("") + " ORDER BY " + cols,
                                       [&](const mysql::RowView& row) -> Status {
                                         if (abort_.load(std::memory_order_relaxed)) {
                                           return Status::Cancelled("dump aborted");
                                         }
                                         if (n > 0 && n % rows_ == 0) {
                                           KeyBound b;
                                           for (unsigned i = 0; i < row.num_fields; ++i) {
                                             b.push_back(KeyLiteral(key[i], row.value(i)));
                                           }
                                           bounds.push_back(std::move(b));
                                         }
                                         ++n;
                                         return Status::OK();
                                       }));
    }
    if (bounds.empty()) return preds;
    for (size_t i = 0; i <= bounds.size(); ++i) {
      std::optional<KeyBound> lo, hi;
      if (i > 0) lo = bounds[i - 1];
      if (i < bounds.size()) hi = bounds[i];
      preds.push_back(ChunkPredicate(key, lo, hi));
    }
    return preds;
  }

  Status DumpChunk(Connection& c, TableTask& t, const std::string& predicate) {
    DataWriterOptions o;
    o.dir = dir_;
    o.db = t.db;
    o.table = t.table;
    o.columns = t.columns;
    o.kinds = t.kinds;
    o.statement_size = statement_size_;
    o.file_size = file_size_;
    o.next_index = &t.next_index;
    DataWriter w(std::move(o));
    std::string sql = "SELECT " + t.select_list + " FROM " + QuoteTable(t.db, t.table) + Where(predicate);
    uint64_t last_bytes = 0;
    Status st = c.QueryStream(sql, [&](const mysql::RowView& row) -> Status {
      if (abort_.load(std::memory_order_relaxed)) return Status::Cancelled("dump aborted");
      DM_RETURN_IF_ERROR(w.AddRow(row.values, row.lengths));
      finished_rows_.fetch_add(1, std::memory_order_relaxed);
      uint64_t b = w.bytes_written();
      finished_bytes_.fetch_add(b - last_bytes, std::memory_order_relaxed);
      last_bytes = b;
      return Status::OK();
    });
    if (!st.ok()) return st.WithContext("dumping " + QuoteTable(t.db, t.table));
    DM_RETURN_IF_ERROR(w.Close());
    finished_bytes_.fetch_add(w.bytes_written() - last_bytes, std::memory_order_relaxed);
    return Status::OK();
  }

  void TableJobDone(TableTask& t) {
    if (t.pending.fetch_sub(1) == 1) completed_tables_.fetch_add(1);
  }

  // Worker loop over the shared job queue.
  void Work(Connection* c) {
    while (true) {
      Job job;
      {
        std::unique_lock lk(mu_);
        cv_.wait(lk, [&] { return !jobs_.empty() || busy_ == 0 || abort_.load(); });
        if (abort_.load() || jobs_.empty()) {
          cv_.notify_all();
          return;
        }
        job = std::move(jobs_.front());
        jobs_.pop_front();
        ++busy_;
      }
      Status st;
      TableTask& t = *job.table;
      if (job.plan) {
        auto preds = Plan(*c, t);
        if (!preds.ok()) {
          st = std::move(preds).status().WithContext("planning chunks of " + QuoteTable(t.db, t.table));
        } else if (preds->empty()) {
          st = DumpChunk(*c, t, "");
          if (st.ok()) TableJobDone(t);
        } else {
          t.pending.fetch_add(static_cast<int>(preds->size()));
          {
            std::lock_guard lk(mu_);
            // Chunks go to the front so that idle workers help with this table first.
            for (auto it = preds->rbegin(); it != preds->rend(); ++it) {
              jobs_.push_front(Job{&t, false, std::move(*it)});
            }
          }
          cv_.notify_all();
          TableJobDone(t);  // the plan job itself
        }
      } else {
        st = DumpChunk(*c, t, job.predicate);
        if (st.ok()) TableJobDone(t);
      }
      {
        std::lock_guard lk(mu_);
        --busy_;
        if (!st.ok()) {
          if (error_.ok()) error_ = std::move(st);
          abort_.store(true);
        }
      }
      cv_.notify_all();
    }
  }

  Status RunDump(std::stop_token stop) {
    tables_.clear();
    schemas_.clear();
    DM_ASSIGN_OR_RETURN(auto control, Connect(false));
    bool mariadb = control->IsMariaDB();
    if (!ctx_->source.flavor.empty()) mariadb = ctx_->source.flavor == "mariadb";
    DM_RETURN_IF_ERROR(ListTables(*control));
    total_tables_.store(static_cast<int64_t>(tables_.size()));
    uint64_t est = 0;
    for (auto& t : tables_) est += t->est_rows;
    estimate_rows_.store(est);

    int n = std::max(1, std::min<int>(threads_, static_cast<int>(std::max<size_t>(tables_.size(), 1)) *
                                                    (rows_ > 0 ? threads_ : 1)));
    std::vector<std::unique_ptr<Connection>> conns;
    for (int i = 0; i < n; ++i) {
      DM_ASSIGN_OR_RETURN(auto c, Connect(true));
      conns.push_back(std::move(c));
    }
    DM_ASSIGN_OR_RETURN(Snapshot snap, TakeSnapshot(*control, conns, mariadb));
    LogInfo("dump: task {} source {}: snapshot at {} gtid '{}' ({} consistency, {} connection(s), {} tables) into {}",
            ctx_->task, ctx_->source.source_id, snap.position.ToString(), snap.gtid, consistency_used_,
            conns.size(), tables_.size(), dir_);
    DumpMetadata meta;
    meta.dump_id = dump_id_;
    meta.started = NowText();
    meta.position = snap.position;
    meta.gtid = snap.gtid;
    DM_RETURN_IF_ERROR(WriteMetadata(dir_, meta));
    DM_RETURN_IF_ERROR(WriteSchemaFiles(*control));

    // Biggest tables first so the tail of the dump is short.
    std::vector<TableTask*> order;
    for (auto& t : tables_) order.push_back(t.get());
    std::stable_sort(order.begin(), order.end(),
                     [](const TableTask* a, const TableTask* b) { return a->est_rows > b->est_rows; });
    {
      std::lock_guard lk(mu_);
      jobs_.clear();
      for (auto* t : order) jobs_.push_back(Job{t, true, ""});
      busy_ = 0;
      error_ = Status::OK();
      abort_.store(false);
    }
    std::vector<unsigned long> ids;
    for (auto& c : conns) ids.push_back(mysql_thread_id(c->raw()));
    {
      std::vector<std::jthread> workers;
      for (auto& c : conns) workers.emplace_back([this, p = c.get()] { Work(p); });
      bool killed = false;
      while (true) {
        std::unique_lock lk(mu_);
        bool done = cv_.wait_for(lk, std::chrono::milliseconds(100),
                                 [&] { return abort_.load() || (jobs_.empty() && busy_ == 0); });
        if (done && !abort_.load()) break;
        if (stop.stop_requested() && !abort_.load()) {
          abort_.store(true);
          if (error_.ok()) error_ = Status::Cancelled("dump stopped");
          cv_.notify_all();
        }
        if (abort_.load()) {
          lk.unlock();
          if (!killed) {
            // Interrupt long-running SELECTs so the workers return promptly.
            for (unsigned long id : ids) (void)control->Execute("KILL QUERY " + std::to_string(id));
            killed = true;
          }
          break;
        }
      }
      // jthreads join here.
    }
    {
      std::lock_guard lk(mu_);
      if (!error_.ok()) return error_;
    }
    for (auto& c : conns) (void)c->Execute("COMMIT");
    DM_RETURN_IF_ERROR(FsyncDir(dir_));
    meta.finished = NowText();
    uint64_t files = 0, bytes = 0;
    DM_RETURN_IF_ERROR(CountDataFiles(dir_, &files, &bytes));
    meta.data_files = files;
    meta.data_bytes = bytes;
    DM_RETURN_IF_ERROR(WriteMetadata(dir_, meta));
    DM_RETURN_IF_ERROR(FsyncDir(dir_));
    LogInfo("dump: task {} source {} finished: {} tables, {} rows, {} bytes", ctx_->task,
            ctx_->source.source_id, tables_.size(), finished_rows_.load(), finished_bytes_.load());
    return Status::OK();
  }

  const std::shared_ptr<const spec::UnitContext> ctx_;
  std::string dir_;
  std::string dump_id_;  // of the dump being written
  int threads_ = 4;
  uint64_t rows_ = 0;
  std::string where_;
  uint64_t statement_size_ = 1000000;
  uint64_t file_size_ = 64ull << 20;
  std::string consistency_ = "auto";
  std::string consistency_used_;
  rules::RuleSet rules_;

  // Process() state (subtask thread; workers read tables_ read-only).
  std::vector<std::unique_ptr<TableTask>> tables_;
  std::vector<std::string> schemas_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> jobs_;  // guarded by mu_
  int busy_ = 0;          // guarded by mu_
  Status error_;          // guarded by mu_
  std::atomic<bool> abort_{false};

  // Status counters (any thread).
  std::atomic<int64_t> total_tables_{0};
  std::atomic<int64_t> completed_tables_{0};
  std::atomic<uint64_t> finished_rows_{0};
  std::atomic<uint64_t> finished_bytes_{0};
  std::atomic<uint64_t> estimate_rows_{0};
  std::atomic<bool> finished_{false};
  RunRate rate_;
  RunRate bytes_rate_;
};

}  // namespace

std::string DumpDir(const spec::UnitContext& ctx) {
  std::string dir = ctx.instance.resolved.loader.dir;
  if (dir.empty()) dir = "./dumped_data";
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  return dir + "." + ctx.task;
}

Result<std::string> ParseConsistency(const std::string& extra_args) {
  std::vector<std::string> args;
  std::string cur;
  for (char c : extra_args) {
    if (c == ' ' || c == '\t' || c == '\n') {
      if (!cur.empty()) args.push_back(std::move(cur));
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) args.push_back(std::move(cur));
  std::string value = "auto";
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--consistency") {
      if (i + 1 >= args.size()) {
        return Status(Code::kInvalidArgument, "mydumper extra-args: --consistency needs a value", Scope::kConfig);
      }
      value = args[++i];
    } else if (a.rfind("--consistency=", 0) == 0) {
      value = a.substr(14);
    } else {
      return Status(Code::kInvalidArgument,
                    "mydumper extra-args: unsupported argument '" + a +
                        "'; supported: --consistency auto|snapshot|flush|lock|none",
                    Scope::kConfig);
    }
  }
  if (value != "auto" && value != "snapshot" && value != "flush" && value != "lock" && value != "none") {
    return Status(Code::kInvalidArgument,
                  "mydumper extra-args: --consistency '" + value + "' is not one of auto, snapshot, flush, lock, none",
                  Scope::kConfig);
  }
  return value;
}

Result<std::unique_ptr<unit::Unit>> NewDumpUnit(std::shared_ptr<const spec::UnitContext> ctx) {
  if (ctx == nullptr) return Status::InvalidArgument("NewDumpUnit: null context");
  return std::unique_ptr<unit::Unit>(new DumpUnit(std::move(ctx)));
}

}  // namespace dm::dump
