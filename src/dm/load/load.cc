#include "dm/load/load.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "dm/base/log.h"
#include "dm/base/text.h"
#include "dm/ddl/collation.h"
#include "dm/ddl/parser.h"
#include "dm/dump/dump.h"
#include "dm/dump/dump_identity.h"
#include "dm/dump/layout.h"
#include "dm/dump/metadata.h"
#include "dm/dump/progress.h"
#include "dm/dump/sql_value.h"
#include "dm/load/checkpoint.h"
#include "dm/load/sql_reader.h"
#include "dm/mysql/connection.h"
#include "dm/rules/rules.h"
#include "dm/upstream/upstream_info.h"

namespace dm::load {

namespace {

using mysql::Connection;
using mysql::QuoteIdentifier;
using mysql::QuoteTable;

constexpr uint64_t kMaxBatchBytes = 4 << 20;
constexpr uint64_t kPacketMargin = 64 << 10;
constexpr int kMaxFileAttempts = 5;
// Loader connections hold one named lock each ("slot"), so a new incarnation can wait for
// every connection of a killed one to be gone before it trusts the checkpoint: a
// transaction the dead process had already sent may still be running, and commit, on the
// server. pool-size is capped at kMaxSlots.
constexpr int kMaxSlots = 256;
constexpr int kSlotWaitSeconds = 120;

std::string Lit(std::string_view v) {
  std::string out;
  dump::AppendQuotedString(&out, v);
  return out;
}

std::string Upper(std::string_view s) {
  std::string o(s);
  for (auto& c : o) c = static_cast<char>(toupper(static_cast<unsigned char>(c)));
  return o;
}

bool StartsWithFold(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && Upper(s.substr(0, prefix.size())) == prefix;
}

// "SET ..." or a versioned comment "/*!NNNNN SET ... */".
bool IsSessionStatement(std::string_view s) {
  if (s.substr(0, 3) == "/*!") {
    size_t i = 3;
    while (i < s.size() && isdigit(static_cast<unsigned char>(s[i]))) ++i;
    while (i < s.size() && isspace(static_cast<unsigned char>(s[i]))) ++i;
    return StartsWithFold(s.substr(i), "SET ");
  }
  return StartsWithFold(s, "SET ");
}

Result<std::string> ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IOError("cannot read dump file " + path + ": " + std::strerror(errno));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct TableTarget {
  bool skip = false;  // block-allow list or event filter
  bool skip_data = false;
  rules::Route route;
  std::vector<std::string> target_columns;  // loaded lazily when needed (no column list + extras)
};

struct DataFileJob {
  std::string name;
  std::string db, table;  // upstream, from the file name
  uint64_t size = 0;
  uint64_t offset = 0;  // committed
};

class LoadUnit final : public unit::Unit {
 public:
  explicit LoadUnit(std::shared_ptr<const spec::UnitContext> ctx)
      : ctx_(std::move(ctx)),
        cp_(ctx_->task_config.meta_schema, ctx_->task, ctx_->source.source_id) {}

  unit::UnitType type() const override { return unit::UnitType::kLoad; }

  Status Init() override {
    dir_ = dump::DumpDir(*ctx_);
    const auto& lc = ctx_->instance.resolved.loader;
    pool_size_ = std::clamp(lc.pool_size, 1, kMaxSlots);
    const std::string& dup = lc.on_duplicate_logical.empty() ? std::string("replace") : lc.on_duplicate_logical;
    if (dup == "replace") {
      verb_ = "REPLACE INTO ";
    } else if (dup == "ignore") {
      verb_ = "INSERT IGNORE INTO ";
    } else if (dup == "error") {
      verb_ = "INSERT INTO ";
    } else {
      return Status(Code::kInvalidArgument,
                    "loader on-duplicate-logical '" + dup + "' is not one of replace, error, ignore", Scope::kConfig);
    }
    if (lc.import_mode != "logical" && lc.import_mode != "sql" && lc.import_mode != "loader" &&
        !lc.import_mode.empty()) {
      return Status(Code::kNotSupported,
                    "loader import-mode '" + lc.import_mode + "' is not supported; use import-mode: logical",
                    Scope::kConfig);
    }
    auto rules = rules::CompileRuleSet(ctx_->task_config, ctx_->instance, ctx_->source);
    if (!rules.ok()) return std::move(rules).status();
    rules_ = std::move(rules).value();
    std::string configured;
    for (const auto& [k, v] : ctx_->task_config.target_database.session) {
      if (Upper(k) == "SQL_MODE") configured = v;
    }
    sql_mode_ = LoaderSqlMode(configured);
    return Status::OK();
  }

  Status Process(std::stop_token stop) override {
    finished_.store(false);
    if (ctx_->task_config.collation_compatible == "strict" && !strict_) DM_RETURN_IF_ERROR(ReadStrictCollations());
    DM_ASSIGN_OR_RETURN(auto control, Connect(false));
    DM_RETURN_IF_ERROR(cp_.EnsureTable(*control));
    DM_RETURN_IF_ERROR(WaitForPredecessors(*control));
    DM_ASSIGN_OR_RETURN(auto points, cp_.Read(*control));

    auto meta = dump::ReadMetadata(dir_);
    if (!meta.ok()) {
      if (meta.status().IsNotFound() && !points.empty() &&
          std::all_of(points.begin(), points.end(), [](const auto& p) { return p.second.finished(); })) {
        LogInfo("load: task {} source {} already loaded (every file in {} is finished)", ctx_->task,
                ctx_->source.source_id, cp_.qualified_table());
        MarkAllDone(points);
        return Status::OK();
      }
      return std::move(meta).status().WithContext(
          "load: cannot read the dump in " + dir_ +
          " (run the dump first: task-mode full/all, or point loader `dir` at a finished dump)");
    }
    if (!meta->finished) {
      return Status::FailedPrecondition("load: the dump in " + dir_ +
                                        " is not finished (metadata has no 'Finished dump at'); "
                                        "re-run the dump (resume the task) before loading");
    }
    {
      std::lock_guard lk(status_mu_);
      meta_binlog_ = "(" + meta->position.file + ", " + std::to_string(meta->position.pos) + ")";
      meta_gtid_ = meta->gtid;
    }

    // Do the checkpoint rows belong to the dump in the directory (dump_identity.h)?
    dump::DumpRecordStore store(ctx_->task_config.meta_schema, ctx_->task, ctx_->source.source_id);
    DM_RETURN_IF_ERROR(store.EnsureTable(*control));
    DM_ASSIGN_OR_RETURN(dump::DumpRecord rec, store.Read(*control));
    dump::CheckpointSummary summary;
    summary.files = points.size();
    for (const auto& [_, p] : points) summary.finished += p.finished() ? 1 : 0;
    const std::string identity = dump::DumpIdentity(*meta);
    const dump::LoadAction action = dump::PlanLoad(rec, identity, summary);
    if (action == dump::LoadAction::kConflict) {
      return Status(Code::kFailedPrecondition,
                    "load: " + cp_.qualified_table() + " records a complete load of dump " + rec.loaded_dump +
                        " for source " + ctx_->source.source_id + ", but " + dir_ + " holds dump " + identity +
                        "; loading it over the loaded data would mix two snapshots. Either restore the loaded "
                        "dump's directory, or stop the task, clear the target tables and start-task --remove-meta",
                    Scope::kDownstream);
    }
    if (action != dump::LoadAction::kResume || !summary.complete()) {
      Status files = dump::CheckDataFiles(dir_, *meta);
      if (!files.ok()) {
        return std::move(files).WithContext(
            "load: cannot load it (task-mode all/full: stop-task and start-task to dump again; task-mode load: "
            "restore the files)");
      }
    }
    if (action == dump::LoadAction::kReset) {
      DM_RETURN_IF_ERROR(ResetForNewDump(*control, rec, points, *meta));
      points.clear();
    }

    deferred_.clear();
    DM_RETURN_IF_ERROR(ScanDir());
    DM_RETURN_IF_ERROR(CreateSchemas(*control));
    DM_RETURN_IF_ERROR(CreateTables(*control));

    // Register files and pick up committed offsets.
    std::vector<CheckpointFile> reg;
    for (auto& f : data_files_) {
      auto it = points.find(f.name);
      if (it == points.end()) {
        reg.push_back(CheckpointFile{f.name, f.db, f.table, f.size});
        continue;
      }
      if (it->second.end_pos != f.size) {
        return Status::FailedPrecondition(
            "load: " + dir_ + "/" + f.name + " has " + std::to_string(f.size) + " bytes but the checkpoint " +
            cp_.qualified_table() + " recorded " + std::to_string(it->second.end_pos) +
            ": the dump changed after loading started. Remove this source's rows from the checkpoint table "
            "and the loaded tables, then restart the load");
      }
      f.offset = std::min(it->second.offset, f.size);
    }
    for (const auto& [name, p] : points) {
      if (p.finished()) continue;
      struct stat sb {};
      if (::stat((dir_ + "/" + name).c_str(), &sb) != 0 && errno == ENOENT) {
        return Status::FailedPrecondition(
            "load: " + dir_ + "/" + name + " is registered unfinished in " + cp_.qualified_table() +
            " but missing from the directory: the dump is incomplete (task-mode all/full: stop-task and "
            "start-task to dump again; task-mode load: restore the file)");
      }
    }
    if (!reg.empty() || action != dump::LoadAction::kResume) {
      // The rows and the record of the dump they belong to commit together.
      DM_RETURN_IF_ERROR(control->Execute("START TRANSACTION"));
      Status st = cp_.Register(*control, reg);
      if (st.ok() && action != dump::LoadAction::kResume) st = control->Execute(store.SaveLoadedSql(*meta));
      if (st.ok()) st = control->Execute("COMMIT");
      if (!st.ok()) {
        (void)control->Execute("ROLLBACK");
        return st.WithContext("load: registering the files of " + dir_ + " in " + cp_.qualified_table());
      }
    }

    uint64_t total = 0, done = 0;
    int64_t files_done = 0;
    for (auto& f : data_files_) {
      total += f.size;
      done += f.offset;
      if (f.offset >= f.size) ++files_done;
    }
    total_bytes_.store(total);
    finished_bytes_.store(done);
    total_files_.store(static_cast<int64_t>(data_files_.size()));
    finished_files_.store(files_done);
    rate_.Start(done);

    DM_ASSIGN_OR_RETURN(auto packet, control->QueryValue("SELECT @@max_allowed_packet"));
    uint64_t max_packet = std::strtoull(packet.value_or("4194304").c_str(), nullptr, 10);
    max_statement_ = max_packet > kPacketMargin * 2 ? max_packet - kPacketMargin : max_packet / 2;
    batch_bytes_ = std::min<uint64_t>(kMaxBatchBytes, max_statement_);

    std::vector<DataFileJob*> pending;
    for (auto& f : data_files_) {
      if (f.offset < f.size) pending.push_back(&f);
    }
    std::stable_sort(pending.begin(), pending.end(),
                     [](const DataFileJob* a, const DataFileJob* b) { return a->size - a->offset > b->size - b->offset; });
    LogInfo("load: task {} source {}: {} data files ({} bytes, {} to load) from {} with {} connection(s)",
            ctx_->task, ctx_->source.source_id, data_files_.size(), total, pending.size(), dir_,
            std::min<size_t>(pending.size(), static_cast<size_t>(pool_size_)));

    Status st = RunPool(pending, stop);
    if (!st.ok()) {
      if (stop.stop_requested()) {
        LogInfo("load: stopped; resumes from the checkpoint");
        return Status::OK();
      }
      return st;
    }
    if (stop.stop_requested()) return Status::OK();
    control.reset();
    DM_RETURN_IF_ERROR(BuildDeferredIndexes());
    DM_RETURN_IF_ERROR(CleanDumpFiles());
    finished_.store(true);
    LogInfo("load: task {} source {} finished: {} bytes in {} files", ctx_->task, ctx_->source.source_id,
            total, data_files_.size());
    return Status::OK();
  }

  void StatusJson(nlohmann::json* out) const override {
    uint64_t done = finished_bytes_.load(), total = total_bytes_.load();
    bool fin = finished_.load();
    std::string binlog, gtid;
    {
      std::lock_guard lk(status_mu_);
      binlog = meta_binlog_;
      gtid = meta_gtid_;
    }
    *out = nlohmann::json{
        {"finishedBytes", static_cast<int64_t>(done)},
        {"totalBytes", static_cast<int64_t>(total)},
        {"progress", dump::FormatProgress(static_cast<double>(done), static_cast<double>(total), fin)},
        {"metaBinlog", binlog},
        {"metaBinlogGTID", gtid},
        {"bps", static_cast<int64_t>(rate_.Rate(done))},
        {"totalFiles", total_files_.load()},
        {"finishedFiles", finished_files_.load()},
        {"eta", dump::FormatEta(fin ? 0 : rate_.EtaSeconds(done, total))},
    };
  }

 private:
  void MarkAllDone(const std::map<std::string, FilePoint>& points) {
    uint64_t total = 0;
    for (auto& [_, p] : points) total += p.end_pos;
    total_bytes_.store(total);
    finished_bytes_.store(total);
    total_files_.store(static_cast<int64_t>(points.size()));
    finished_files_.store(static_cast<int64_t>(points.size()));
    finished_.store(true);
  }

  // Data connections pass their pool slot: they take its named lock (waiting up to
  // kSlotWaitSeconds for a previous holder's server thread to finish).
  Result<std::unique_ptr<Connection>> Connect(bool data, int slot = -1) {
    mysql::ConnectOptions o = ctx_->to;
    o.scope = Scope::kDownstream;
    DM_ASSIGN_OR_RETURN(auto c, Connection::Connect(o));
    std::string set = std::string(data ? "SET NAMES binary" : "SET NAMES utf8mb4") +
                      "; SET SESSION foreign_key_checks = 0; SET SESSION time_zone = '+00:00'; "
                      "SET SESSION sql_mode = " + Lit(sql_mode_);
    for (const auto& [k, v] : ctx_->task_config.target_database.session) {
      std::string key = Upper(k);
      if (key == "SQL_MODE" || key == "TIME_ZONE" || key == "FOREIGN_KEY_CHECKS") continue;
      bool ident = !k.empty() && std::all_of(k.begin(), k.end(), [](char c) { return isalnum(static_cast<unsigned char>(c)) || c == '_'; });
      if (!ident) {
        return Status(Code::kInvalidArgument, "target-database session variable name '" + k + "' is not valid",
                      Scope::kConfig);
      }
      bool numeric = !v.empty() && std::all_of(v.begin(), v.end(), [](char c) { return isdigit(static_cast<unsigned char>(c)); });
      set += "; SET SESSION " + k + " = " + (numeric ? v : Lit(v));
    }
    Status st = c->Execute(set);
    if (!st.ok()) return st.WithContext("setting up the downstream session (target-database session)");
    if (slot >= 0) {
      DM_ASSIGN_OR_RETURN(auto got, c->QueryValue("SELECT GET_LOCK(" + Lit(SlotLockName(slot)) + ", " +
                                                  std::to_string(kSlotWaitSeconds) + ")"));
      if (got.value_or("0") != "1") {
        return Status(Code::kFailedPrecondition,
                      "load: another loader of task " + ctx_->task + " source " + ctx_->source.source_id +
                          " still holds lock " + SlotLockName(slot) + " on " + o.Describe() +
                          " after " + std::to_string(kSlotWaitSeconds) +
                          " s; make sure only one worker runs this subtask, then resume",
                      Scope::kDownstream);
      }
    }
    return c;
  }

  std::string SlotLockName(int slot) const {
    // FNV-1a of task and source keeps the name under MySQL's 64-character limit.
    uint64_t h = 1469598103934665603ull;
    for (char ch : ctx_->task + std::string(1, '\0') + ctx_->source.source_id) {
      h = (h ^ static_cast<unsigned char>(ch)) * 1099511628211ull;
    }
    char buf[64];
    std::snprintf(buf, sizeof(buf), "dm-load:%016llx:%d", static_cast<unsigned long long>(h), slot);
    return buf;
  }

  // Waits until no connection holds any slot lock of this task and source: every
  // transaction of a previous (killed) incarnation has committed or rolled back, so the
  // checkpoint read next is final.
  Status WaitForPredecessors(Connection& c) {
    std::string sql = "SELECT CONCAT_WS(',', ";
    for (int i = 0; i < kMaxSlots; ++i) sql += (i ? ", " : "") + std::string("IS_USED_LOCK(") + Lit(SlotLockName(i)) + ")";
    sql += ")";
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(kSlotWaitSeconds);
    while (true) {
      DM_ASSIGN_OR_RETURN(auto holders, c.QueryValue(sql));
      std::string ids = holders.value_or("");
      if (ids.empty()) return Status::OK();
      if (std::chrono::steady_clock::now() > deadline) {
        return Status(Code::kFailedPrecondition,
                      "load: downstream connection(s) " + ids + " of another loader of task " + ctx_->task +
                          " source " + ctx_->source.source_id + " are still running after " +
                          std::to_string(kSlotWaitSeconds) +
                          " s; make sure only one worker runs this subtask (or KILL them), then resume",
                      Scope::kDownstream);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }

  // The checkpoint rows of this source belong to another dump (a new snapshot was taken on
  // another worker, or the dump directory was lost) and that load is unfinished: empty the
  // target tables it had loaded rows into, then drop the rows, recording the new dump in
  // the same transaction. A target table that another source of the task also loads into
  // (shard merge) is not touched: the load stops and says what to do. Idempotent: a crash
  // in between repeats it.
  Status ResetForNewDump(Connection& c, const dump::DumpRecord& rec, const std::map<std::string, FilePoint>& points,
                         const dump::DumpMetadata& meta) {
    std::set<std::pair<std::string, std::string>> targets;
    for (const auto& [name, p] : points) {
      if (p.offset == 0) continue;  // no row of this file was committed
      rules::Route r = rules_.router.RouteTable(ctx_->source.source_id, rules::TableRef{p.schema, p.table});
      targets.insert({r.target.schema, r.target.table});
    }
    DM_ASSIGN_OR_RETURN(auto others, cp_.OtherSourcesTables(c));
    for (const auto& [source, db, table] : others) {
      const config::MySQLInstance* inst = nullptr;
      for (const auto& i : ctx_->task_config.mysql_instances) {
        if (i.source_id == source) inst = &i;
      }
      rules::Route r{rules::TableRef{db, table}, {}};
      if (inst != nullptr) {
        config::SourceConfig other = ctx_->source;
        other.source_id = source;
        auto rs = rules::CompileRuleSet(ctx_->task_config, *inst, other);
        if (rs.ok()) r = rs->router.RouteTable(source, rules::TableRef{db, table});
      }
      if (targets.count({r.target.schema, r.target.table})) {
        return Status(Code::kFailedPrecondition,
                      "load: source " + ctx_->source.source_id + " must reload from a new dump (" +
                          meta.position.ToString() + ") because its checkpoint in " + cp_.qualified_table() +
                          " belongs to dump " + (rec.loaded_dump.empty() ? "(unknown)" : rec.loaded_dump) +
                          ", but target table " + QuoteTable(r.target.schema, r.target.table) +
                          " also holds rows of source " + source +
                          "; they cannot be told apart. Delete this source's rows from it yourself, then delete "
                          "this source's rows from " + cp_.qualified_table() + " and resume-task",
                      Scope::kDownstream);
      }
    }
    LogWarn("load: task {} source {}: the loader checkpoint {} belongs to dump {}, not to the dump in {} ({}, "
            "position {}); that load was interrupted (the subtask moved to another worker or its dump "
            "directory was lost). Emptying the {} target table(s) it partially loaded and loading the new "
            "dump from the start",
            ctx_->task, ctx_->source.source_id, cp_.qualified_table(),
            rec.loaded_dump.empty() ? "(unknown)" : rec.loaded_dump, dir_, dump::DumpIdentity(meta),
            meta.position.ToString(), targets.size());
    for (const auto& [db, table] : targets) {
      Status st = c.Execute("TRUNCATE TABLE " + QuoteTable(db, table));
      if (!st.ok() && st.mysql_errno() != 1146 && st.mysql_errno() != 1049) {
        return st.WithContext("load: emptying " + QuoteTable(db, table) + " before reloading");
      }
      LogWarn("load: emptied {} (rows of the interrupted load)", QuoteTable(db, table));
    }
    dump::DumpRecordStore store(ctx_->task_config.meta_schema, ctx_->task, ctx_->source.source_id);
    Status st = c.Execute("START TRANSACTION; " + cp_.ClearStatement() + "; " + store.SaveLoadedSql(meta) + "; COMMIT");
    if (!st.ok()) {
      (void)c.Execute("ROLLBACK");
      return st.WithContext("load: resetting " + cp_.qualified_table());
    }
    return Status::OK();
  }

  Status ScanDir() {
    schema_files_.clear();
    table_files_.clear();
    data_files_.clear();
    DIR* d = ::opendir(dir_.c_str());
    if (d == nullptr) {
      return Status::IOError("load: cannot read dump directory " + dir_ + ": " + std::strerror(errno));
    }
    std::vector<std::string> names;
    while (dirent* e = ::readdir(d)) names.emplace_back(e->d_name);
    ::closedir(d);
    std::sort(names.begin(), names.end());
    for (const auto& n : names) {
      if (n.size() > 7 && (n.compare(n.size() - 7, 7, ".sql.gz") == 0 || n.compare(n.size() - 8, 8, ".sql.zst") == 0)) {
        return Status::NotSupported("load: " + dir_ + "/" + n +
                                    " is compressed; decompress the dump (gunzip/zstd -d) before loading");
      }
      dump::DumpFile f = dump::ParseDumpFileName(n);
      switch (f.kind) {
        case dump::DumpFile::Kind::kSchemaCreate:
          schema_files_[f.db] = n;
          break;
        case dump::DumpFile::Kind::kTableSchema:
          table_files_[{f.db, f.table}] = n;
          break;
        case dump::DumpFile::Kind::kData: {
          if (Target(f.db, f.table).skip || Target(f.db, f.table).skip_data) break;
          struct stat st {};
          std::string path = dir_ + "/" + n;
          if (::stat(path.c_str(), &st) != 0) {
            return Status::IOError("load: cannot stat " + path + ": " + std::strerror(errno));
          }
          data_files_.push_back(DataFileJob{n, f.db, f.table, static_cast<uint64_t>(st.st_size), 0});
          break;
        }
        case dump::DumpFile::Kind::kOther:
          break;
      }
    }
    return Status::OK();
  }

  // Routing and filtering for one upstream table (cached; called from the subtask thread
  // before the pool starts, and read-only afterwards).
  TableTarget& Target(const std::string& db, const std::string& table) {
    auto key = std::make_pair(db, table);
    auto it = targets_.find(key);
    if (it != targets_.end()) return it->second;
    TableTarget t;
    rules::TableRef ref{db, table};
    t.skip = !rules_.block_allow.AllowTable(db, table);
    if (!t.skip) {
      auto act = rules_.event_filter.Filter(ref, "insert", "");
      t.skip_data = act == rules::FilterAction::kIgnore;
      t.route = rules_.router.RouteTable(ctx_->source.source_id, ref);
    }
    return targets_.emplace(key, std::move(t)).first->second;
  }

  // collation_compatible: strict (ddl/collation.h): the upstream's default collation of
  // each charset and its collation_server, for CREATE statements that leave them implicit
  // (MySQL's SHOW CREATE omits default collations; MariaDB's always names them).
  Status ReadStrictCollations() {
    mysql::ConnectOptions o = ctx_->from;
    o.scope = Scope::kUpstream;
    auto conn = Connection::Connect(o);
    Status st = conn.status();
    if (conn.ok()) {
      auto coll = upstream::ReadCollations(**conn);
      auto server = (*conn)->QueryValue("SELECT @@collation_server");
      if (coll.ok() && server.ok()) {
        strict_.emplace();
        strict_->by_charset = std::move(coll->default_by_charset);
        strict_->server_collation = server->value_or("");
        return Status::OK();
      }
      st = coll.ok() ? server.status() : coll.status();
    }
    return st.WithContext("load: collation_compatible: strict needs the upstream's collations");
  }

  Status RunSchemaFile(Connection& c, const std::string& file,
                       const std::function<Status(const CreateStatement&)>& on_create) {
    DM_RETURN_IF_ERROR(c.Execute("SET NAMES utf8mb4"));
    std::string path = dir_ + "/" + file;
    DM_ASSIGN_OR_RETURN(std::string text, ReadWholeFile(path));
    DM_ASSIGN_OR_RETURN(auto stmts, SplitStatements(text, path));
    for (const auto& s : stmts) {
      if (IsSessionStatement(s)) {
        DM_RETURN_IF_ERROR(c.Execute(s));
        continue;
      }
      std::string text = s;
      if (strict_) {
        auto parsed = ddl::Parse(s);
        if (parsed.ok()) {
          auto changes = ddl::MakeCollationsExplicit(*parsed, *strict_);
          if (changes.changed()) text = parsed->text;
        }
      }
      auto cs = ParseCreateStatement(text);
      if (!cs.ok()) {
        LogWarn("load: skipping a statement of {} that is not CREATE DATABASE/TABLE: {}", path, s.substr(0, 80));
        continue;
      }
      Status st = on_create(*cs);
      if (!st.ok()) return st.WithContext("load: executing " + path);
    }
    return Status::OK();
  }

  Status CreateSchemas(Connection& c) {
    std::set<std::string> created;
    for (const auto& [db, file] : schema_files_) {
      if (!rules_.block_allow.AllowSchema(db)) continue;
      if (rules_.event_filter.Filter(rules::TableRef{db, ""}, "create database", "") == rules::FilterAction::kIgnore) {
        continue;
      }
      std::string target = rules_.router.RouteSchema(db);
      DM_RETURN_IF_ERROR(RunSchemaFile(c, file, [&](const CreateStatement& cs) -> Status {
        if (!cs.database) return Status::OK();
        created.insert(target);
        return c.Execute("CREATE DATABASE IF NOT EXISTS " + QuoteIdentifier(target) + cs.rest);
      }));
    }
    // Schemas of tables whose schema-create file is missing (or routed elsewhere).
    for (const auto& [key, file] : table_files_) {
      TableTarget& t = Target(key.first, key.second);
      if (t.skip || created.count(t.route.target.schema)) continue;
      DM_RETURN_IF_ERROR(c.Execute("CREATE DATABASE IF NOT EXISTS " + QuoteIdentifier(t.route.target.schema)));
      created.insert(t.route.target.schema);
    }
    return Status::OK();
  }

  Status CreateTables(Connection& c) {
    for (const auto& [key, file] : table_files_) {
      TableTarget& t = Target(key.first, key.second);
      if (t.skip) continue;
      rules::TableRef ref{key.first, key.second};
      if (rules_.event_filter.Filter(ref, "create table", "") == rules::FilterAction::kIgnore) continue;
      const auto& target = t.route.target;
      DM_RETURN_IF_ERROR(RunSchemaFile(c, file, [&](const CreateStatement& cs) -> Status {
        if (cs.database) return Status::OK();
        if (!t.route.extra.empty()) {
          return c.Execute("CREATE TABLE IF NOT EXISTS " + QuoteTable(target.schema, target.table) + cs.rest);
        }
        // Plain secondary indexes are built after the rows are loaded (sorted build);
        // on a resume the ones still missing downstream are built then.
        DeferredIndexes d = DeferSecondaryIndexes(cs.rest);
        DM_ASSIGN_OR_RETURN(auto exists, c.QueryValue("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = " +
                                                      Lit(target.schema) + " AND TABLE_NAME = " + Lit(target.table)));
        if (exists.value_or("0") == "0") {
          DM_RETURN_IF_ERROR(c.Execute("CREATE TABLE IF NOT EXISTS " + QuoteTable(target.schema, target.table) + d.rest));
        }
        auto& list = deferred_[{target.schema, target.table}];
        for (auto& idx : d.indexes) {
          bool dup = std::any_of(list.begin(), list.end(), [&](const auto& p) { return p.first == idx.first; });
          if (!dup) list.push_back(idx);
        }
        return Status::OK();
      }));
      if (!t.route.extra.empty()) {
        DM_ASSIGN_OR_RETURN(auto cols, TargetColumns(c, target.schema, target.table));
        for (const auto& e : t.route.extra) {
          bool have = std::any_of(cols.begin(), cols.end(), [&](const auto& p) {
            return Upper(p.first) == Upper(e.column);
          });
          if (have) continue;
          DM_RETURN_IF_ERROR(c.Execute("ALTER TABLE " + QuoteTable(target.schema, target.table) + " ADD COLUMN " +
                                       QuoteIdentifier(e.column) + " VARCHAR(255) DEFAULT NULL"));
        }
      }
    }
    return Status::OK();
  }

  // (name, generated) of the downstream table's columns in order.
  Result<std::vector<std::pair<std::string, bool>>> TargetColumns(Connection& c, const std::string& db,
                                                                   const std::string& table) {
    DM_ASSIGN_OR_RETURN(auto r, c.Query("SELECT COLUMN_NAME, EXTRA FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = " +
                                        Lit(db) + " AND TABLE_NAME = " + Lit(table) + " ORDER BY ORDINAL_POSITION"));
    std::vector<std::pair<std::string, bool>> out;
    for (auto& row : r.rows) {
      std::string extra = Upper(row[1].value_or(""));
      bool gen = extra.find("GENERATED") != std::string::npos || extra.find("VIRTUAL") != std::string::npos ||
                 extra.find("PERSISTENT") != std::string::npos || extra.find("STORED") != std::string::npos;
      out.emplace_back(row[0].value_or(""), gen);
    }
    if (out.empty()) {
      return Status(Code::kNotFound, "load: target table " + QuoteTable(db, table) + " does not exist on " +
                                         c.options().Describe(), Scope::kDownstream);
    }
    return out;
  }

  // One pool worker's per-file state.
  struct Batch {
    std::string sql;
    uint64_t rows = 0;
    uint64_t header_seq = 0;
    bool open = false;
  };

  // Builds "VERB `db`.`tbl` (cols) VALUES " for a statement header of `f`.
  Result<std::string> InsertPrefix(Connection& c, const DataFileJob& f, const InsertHeader& h,
                                   const TableTarget& t) {
    std::string table = h.table.empty() ? f.table : h.table;
    rules::Route route = t.route;
    if (table != f.table) route = rules_.router.RouteTable(ctx_->source.source_id, rules::TableRef{f.db, table});
    std::string s = verb_ + QuoteTable(route.target.schema, route.target.table);
    std::vector<std::string> cols;
    if (h.has_columns) {
      cols = h.columns;
    } else if (!route.extra.empty()) {
      DM_ASSIGN_OR_RETURN(auto tc, TargetColumns(c, route.target.schema, route.target.table));
      for (auto& [name, gen] : tc) {
        if (gen) continue;
        bool is_extra = std::any_of(route.extra.begin(), route.extra.end(),
                                    [&](const auto& e) { return Upper(e.column) == Upper(name); });
        if (!is_extra) cols.push_back(name);
      }
    }
    if (!cols.empty()) {
      for (const auto& e : route.extra) cols.push_back(e.column);
      s += " (";
      for (size_t i = 0; i < cols.size(); ++i) {
        if (i > 0) s += ",";
        s += QuoteIdentifier(cols[i]);
      }
      s += ")";
    }
    s += " VALUES ";
    return s;
  }

  Status Commit(Connection& c, const DataFileJob& f, Batch& b, uint64_t offset, uint64_t* committed) {
    std::string sql = "START TRANSACTION;\n";
    if (b.open) {
      sql += b.sql;
      sql += ";\n";
    }
    sql += cp_.UpdateStatement(f.name, offset);
    sql += ";\nCOMMIT";
    Status st = c.Execute(sql);
    if (!st.ok()) {
      (void)c.Execute("ROLLBACK");
      return st.WithContext("load: " + dir_ + "/" + f.name + " bytes " + std::to_string(*committed) + ".." +
                            std::to_string(offset));
    }
    finished_bytes_.fetch_add(offset - *committed, std::memory_order_relaxed);
    *committed = offset;
    b.sql.clear();
    b.rows = 0;
    b.open = false;
    return Status::OK();
  }

  // Loads `f` from its committed offset to the end.
  Status LoadFile(Connection& c, DataFileJob& f, std::stop_token& stop) {
    std::string path = dir_ + "/" + f.name;
    DM_ASSIGN_OR_RETURN(auto reader, DataFileReader::Open(path));
    if (reader->file_size() != f.size) {
      return Status::FailedPrecondition("load: " + path + " changed size during the load");
    }
    const TableTarget& t = targets_.at({f.db, f.table});
    uint64_t committed = f.offset;
    uint64_t last_end = committed;
    Batch b;
    std::string prefix;
    uint64_t prefix_seq = 0;
    DataItem item;
    while (true) {
      DM_RETURN_IF_ERROR(reader->Next(&item));
      if (item.kind == DataItem::Kind::kEnd) {
        DM_RETURN_IF_ERROR(Commit(c, f, b, f.size, &committed));
        f.offset = committed;
        return Status::OK();
      }
      if (item.kind == DataItem::Kind::kStatement) {
        if (b.open) DM_RETURN_IF_ERROR(Commit(c, f, b, last_end, &committed));
        if (!IsSessionStatement(item.text)) {
          return Status::Corruption("load: " + path + " at byte " + std::to_string(item.end_offset) +
                                    ": unexpected statement in a data file (only INSERT and SET are loaded): " +
                                    std::string(item.text.substr(0, 80)));
        }
        DM_RETURN_IF_ERROR(c.Execute(item.text));
        continue;
      }
      // A row.
      if (item.end_offset <= committed) continue;  // committed before a restart
      if (item.header_seq != prefix_seq) {
        if (b.open) DM_RETURN_IF_ERROR(Commit(c, f, b, last_end, &committed));
        DM_ASSIGN_OR_RETURN(prefix, InsertPrefix(c, f, *item.header, t));
        prefix_seq = item.header_seq;
      }
      size_t extra_len = 0;
      for (const auto& e : t.route.extra) extra_len += e.value.size() + 4;
      uint64_t row_len = item.text.size() + extra_len + 2;
      if (b.open && b.sql.size() + row_len > batch_bytes_) {
        DM_RETURN_IF_ERROR(Commit(c, f, b, last_end, &committed));
        if (stop.stop_requested() || abort_.load()) return Status::Cancelled("load stopped");
      }
      if (!b.open) {
        if (prefix.size() + row_len > max_statement_) {
          return Status(Code::kFailedPrecondition,
                        "load: " + path + " at byte " + std::to_string(item.end_offset - item.text.size()) + ": a row of " +
                            std::to_string(item.text.size()) + " bytes exceeds the downstream max_allowed_packet (" +
                            std::to_string(max_statement_ + kPacketMargin) +
                            "); raise max_allowed_packet on the downstream server",
                        Scope::kDownstream);
        }
        b.sql = prefix;
        b.open = true;
      } else {
        b.sql += ',';
      }
      if (t.route.extra.empty()) {
        b.sql.append(item.text);
      } else {
        b.sql.append(item.text.substr(0, item.text.size() - 1));
        for (const auto& e : t.route.extra) {
          b.sql += ',';
          b.sql += Lit(e.value);
        }
        b.sql += ')';
      }
      ++b.rows;
      last_end = item.end_offset;
    }
  }

  // Loads one file, retrying retryable errors from the committed checkpoint.
  Status LoadFileWithRetry(std::unique_ptr<Connection>& c, int slot, DataFileJob& f, std::stop_token& stop) {
    for (int attempt = 1;; ++attempt) {
      Status st = c ? LoadFile(*c, f, stop) : Status::Unavailable("not connected");
      if (st.ok() || !st.IsRetryable() || attempt >= kMaxFileAttempts || stop.stop_requested() || abort_.load()) {
        return st;
      }
      LogWarn("load: {} (attempt {}/{}); retrying from the checkpoint", st.ToString(), attempt, kMaxFileAttempts);
      std::this_thread::sleep_for(std::chrono::seconds(attempt));
      c.reset();
      // Taking the slot lock waits until the old connection's server thread is gone.
      auto nc = Connect(true, slot);
      if (!nc.ok()) {
        if (attempt + 1 >= kMaxFileAttempts) return std::move(nc).status();
        continue;
      }
      c = std::move(nc).value();
      // The truth is the downstream checkpoint: a COMMIT whose reply was lost may have applied.
      auto points = cp_.Read(*c);
      if (!points.ok()) continue;
      auto it = points->find(f.name);
      if (it != points->end()) {
        uint64_t off = std::min(it->second.offset, f.size);
        if (off > f.offset) finished_bytes_.fetch_add(off - f.offset);
        f.offset = off;
      }
    }
  }

  Status RunPool(std::vector<DataFileJob*>& pending, std::stop_token stop) {
    if (pending.empty()) return Status::OK();
    size_t n = std::min<size_t>(pending.size(), static_cast<size_t>(pool_size_));
    std::vector<std::unique_ptr<Connection>> conns;
    for (size_t i = 0; i < n; ++i) {
      DM_ASSIGN_OR_RETURN(auto c, Connect(true, static_cast<int>(i)));
      conns.push_back(std::move(c));
    }
    std::atomic<size_t> next{0};
    std::mutex err_mu;
    Status first_error;
    abort_.store(false);
    {
      std::vector<std::jthread> workers;
      for (size_t w = 0; w < n; ++w) {
        workers.emplace_back([&, w] {
          std::stop_token st = stop;
          while (!abort_.load() && !st.stop_requested()) {
            size_t i = next.fetch_add(1);
            if (i >= pending.size()) return;
            Status s = LoadFileWithRetry(conns[w], static_cast<int>(w), *pending[i], st);
            if (s.ok()) {
              finished_files_.fetch_add(1);
              continue;
            }
            std::lock_guard lk(err_mu);
            if (first_error.ok()) first_error = std::move(s);
            abort_.store(true);
            return;
          }
        });
      }
    }
    if (!first_error.ok()) return first_error;
    if (stop.stop_requested()) return Status::Cancelled("load stopped");
    return Status::OK();
  }

  // ALTER TABLE ... ADD the deferred secondary indexes still missing downstream, one
  // statement per table (one scan builds them all), tables in parallel.
  Status BuildDeferredIndexes() {
    std::vector<std::pair<const std::pair<std::string, std::string>*, const std::vector<std::pair<std::string, std::string>>*>> work;
    for (const auto& [tbl, list] : deferred_) {
      if (!list.empty()) work.emplace_back(&tbl, &list);
    }
    if (work.empty()) return Status::OK();
    auto start = std::chrono::steady_clock::now();
    std::atomic<size_t> next{0};
    std::mutex mu;
    Status first;
    size_t n = std::min<size_t>(work.size(), static_cast<size_t>(pool_size_));
    {
      std::vector<std::jthread> threads;
      for (size_t w = 0; w < n; ++w) {
        threads.emplace_back([&] {
          auto conn = Connect(false);
          if (!conn.ok()) {
            std::lock_guard lk(mu);
            if (first.ok()) first = std::move(conn).status();
            return;
          }
          while (true) {
            size_t i = next.fetch_add(1);
            if (i >= work.size()) return;
            Status st = AddMissingIndexes(**conn, work[i].first->first, work[i].first->second, *work[i].second);
            if (!st.ok()) {
              std::lock_guard lk(mu);
              if (first.ok()) first = std::move(st);
              return;
            }
          }
        });
      }
    }
    LogInfo("load: built deferred secondary indexes of {} table(s) in {:.1f} s", work.size(),
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    return first;
  }

  Status AddMissingIndexes(Connection& c, const std::string& db, const std::string& table,
                           const std::vector<std::pair<std::string, std::string>>& indexes) {
    DM_ASSIGN_OR_RETURN(auto r, c.Query("SELECT DISTINCT INDEX_NAME FROM information_schema.STATISTICS WHERE "
                                        "TABLE_SCHEMA = " + Lit(db) + " AND TABLE_NAME = " + Lit(table)));
    std::set<std::string> have;
    for (auto& row : r.rows) have.insert(Upper(row[0].value_or("")));
    std::string sql;
    for (const auto& [name, def] : indexes) {
      if (have.count(Upper(name))) continue;
      sql += (sql.empty() ? "ALTER TABLE " + QuoteTable(db, table) + " ADD " : ", ADD ") + def;
    }
    if (sql.empty()) return Status::OK();
    Status st = c.Execute(sql);
    if (!st.ok()) return st.WithContext("load: building the secondary indexes of " + QuoteTable(db, table));
    return Status::OK();
  }

  Status CleanDumpFiles() {
    if (!ctx_->task_config.clean_dump_file) return Status::OK();
    const std::string& mode = ctx_->task_config.task_mode;
    if (mode != "full" && mode != "all") return Status::OK();
    DIR* d = ::opendir(dir_.c_str());
    if (d == nullptr) return Status::OK();
    std::vector<std::string> names;
    while (dirent* e = ::readdir(d)) names.emplace_back(e->d_name);
    ::closedir(d);
    for (const auto& n : names) {
      if (n == "." || n == "..") continue;
      bool sql = n.size() > 4 && n.compare(n.size() - 4, 4, ".sql") == 0;
      bool meta = n.rfind("metadata", 0) == 0;
      bool data = dump::ParseDumpFileName(n).kind == dump::DumpFile::Kind::kData;
      // Mode all keeps `metadata` (the sync unit's start point) and the schema files (the
      // sync unit's initial upstream table structures).
      bool remove = mode == "full" ? (sql || meta) : data;
      if (!remove) continue;
      std::string path = dir_ + "/" + n;
      if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
        LogWarn("load: cannot remove {}: {}", path, std::strerror(errno));
      }
    }
    if (mode == "full" && ::rmdir(dir_.c_str()) != 0 && errno != ENOENT) {
      LogWarn("load: cannot remove {}: {} (other files in it are kept)", dir_, std::strerror(errno));
    }
    return Status::OK();
  }

  const std::shared_ptr<const spec::UnitContext> ctx_;
  LoaderCheckpoint cp_;
  std::string dir_;
  int pool_size_ = 16;
  std::string verb_ = "REPLACE INTO ";
  std::string sql_mode_;
  rules::RuleSet rules_;
  std::optional<ddl::CollationDefaults> strict_;  // collation_compatible: strict
  uint64_t max_statement_ = 4 << 20;
  uint64_t batch_bytes_ = kMaxBatchBytes;

  // Process() state (subtask thread; read-only while the pool runs, except each job's
  // offset, owned by the worker loading it).
  std::map<std::string, std::string> schema_files_;                           // db -> file
  std::map<std::pair<std::string, std::string>, std::string> table_files_;    // (db, tbl) -> file
  std::vector<DataFileJob> data_files_;
  std::map<std::pair<std::string, std::string>, TableTarget> targets_;
  // Target table -> secondary indexes (name, definition) to build after the data.
  std::map<std::pair<std::string, std::string>, std::vector<std::pair<std::string, std::string>>> deferred_;
  std::atomic<bool> abort_{false};

  mutable std::mutex status_mu_;
  std::string meta_binlog_;  // guarded by status_mu_
  std::string meta_gtid_;    // guarded by status_mu_
  std::atomic<uint64_t> finished_bytes_{0};
  std::atomic<uint64_t> total_bytes_{0};
  std::atomic<int64_t> total_files_{0};
  std::atomic<int64_t> finished_files_{0};
  std::atomic<bool> finished_{false};
  dump::RunRate rate_;
};

}  // namespace

std::string LoaderSqlMode(std::string_view configured) {
  std::vector<std::string> modes;
  std::string cur;
  auto flush = [&] {
    std::string m = Upper(std::string(dm::TrimSpace(cur)));
    cur.clear();
    if (m.empty() || m == "ANSI_QUOTES" || m == "NO_BACKSLASH_ESCAPES" || m == "ANSI" ||
        m == "NO_AUTO_VALUE_ON_ZERO") {
      return;
    }
    if (std::find(modes.begin(), modes.end(), m) == modes.end()) modes.push_back(m);
  };
  for (char c : configured) {
    if (c == ',') {
      flush();
    } else {
      cur += c;
    }
  }
  flush();
  modes.push_back("NO_AUTO_VALUE_ON_ZERO");
  std::string out;
  for (size_t i = 0; i < modes.size(); ++i) out += (i ? "," : "") + modes[i];
  return out;
}

Result<std::unique_ptr<unit::Unit>> NewLoadUnit(std::shared_ptr<const spec::UnitContext> ctx) {
  if (ctx == nullptr) return Status::InvalidArgument("NewLoadUnit: null context");
  return std::unique_ptr<unit::Unit>(new LoadUnit(std::move(ctx)));
}

}  // namespace dm::load
