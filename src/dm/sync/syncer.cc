// SyncUnit: the dispatcher, checkpoints, DDL barrier and status of the sync unit.
// See sync.h for the contract and docs/sync-design.md for the exactly-once design.

#include <chrono>
#include <deque>
#include <mutex>

#include <nlohmann/json.hpp>

#include "dm/base/log.h"
#include "dm/dump/dump.h"
#include "dm/dump/metadata.h"
#include "dm/schema/tracker.h"
#include "dm/sync/applier.h"
#include "dm/sync/binlog_ops.h"
#include "dm/sync/causality.h"
#include "dm/sync/checkpoint.h"
#include "dm/sync/reader.h"
#include "dm/sync/start_time.h"
#include "dm/sync/sync.h"
#include "dm/upstream/upstream_info.h"

namespace dm::sync {

namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kMaxCausalityKeys = 1 << 20;  // checkpoint (and reset) beyond this many keys
// How long a restart waits for the downstream sessions of a previous incarnation to end.
constexpr std::chrono::seconds kPredecessorWait{120};

std::string FormatPos(const gtid::BinlogPosition& p) {
  return "(" + p.file + ", " + std::to_string(p.pos) + ")";
}

struct PendingTrx {
  std::shared_ptr<TrxTracker> tracker;
  gtid::Location after;
  uint32_t timestamp;
};

class SyncUnit final : public unit::Unit, public SyncOperator {
 public:
  SyncUnit(std::shared_ptr<const spec::UnitContext> ctx,
           std::shared_ptr<const rules::RuleSet> rules)
      : ctx_(std::move(ctx)),
        rules_(std::move(rules)),
        cfg_(ctx_->instance.resolved.syncer),
        store_(ctx_->task_config.meta_schema, ctx_->task, ctx_->source.source_id) {
    to_ = ctx_->to;
    to_.scope = Scope::kDownstream;
  }

  unit::UnitType type() const override { return unit::UnitType::kSync; }

  Status Init() override {
    DM_RETURN_IF_ERROR(MetaConn());
    for (const auto& sql : store_.CreateStatements()) {
      Status s = meta_conn_->Execute(sql);
      if (!s.ok()) {
        return DmError(s.code(), Scope::kDownstream, 24001, "checkpoint",
                       "cannot create the checkpoint tables in " +
                           mysql::QuoteIdentifier(ctx_->task_config.meta_schema) + ": " +
                           std::string(s.message()),
                       "grant the task's downstream user CREATE, SELECT, INSERT, UPDATE, DELETE "
                       "on the meta schema, then resume-task",
                       s.mysql_errno());
      }
    }
    return Status::OK();
  }

  Status Process(std::stop_token stop) override;

  Result<std::string> OperateBinlog(const BinlogOpRequest& req, bool* resume) override;
  Result<std::string> OperateSchema(const SchemaOpRequest& req) override;

  void Close() override {
    meta_conn_.reset();
    upstream_conn_.reset();
  }

  void StatusJson(nlohmann::json* out) const override;

 private:
  Status MetaConn();
  Status RunMeta(const std::string& sql);
  // `with_tables`: also save (and forget) unsaved_tables_, valid at `loc`.
  Status WriteCheckpoint(const gtid::Location& loc, bool clear_progress,
                         const gtid::Location* exit_safe = nullptr, bool with_tables = false);
  void AddTables(std::vector<TableCheckpoint>* rows) {
    for (auto& r : *rows) {
      auto key = std::make_pair(r.schema, r.table);
      unsaved_tables_[key] = std::move(r);
    }
    rows->clear();
  }
  Status ResolveStart(const std::optional<GlobalCheckpoint>& global, gtid::BinlogPosition* pos,
                      std::string* gtid_text, std::string* from);
  // start-task --start-time: the first transaction at or after that time (start_time.cc).
  Status ResolveStartTime(const std::string& text, gtid::BinlogPosition* pos,
                          std::string* gtid_text, std::string* from);
  Status ExecuteDdl(const Item& item, bool tolerate_applied, std::stop_token stop);
  using TableKey = std::pair<std::string, std::string>;
  Status Run(std::stop_token stop, std::map<TableKey, TableCheckpoint> overrides);
  Result<std::string> SchemaCreateSql(const SchemaOpRequest& req);
  void RefreshMaster();
  void UpdateStats(const gtid::Location* low_water, uint32_t ts, bool caught_up);

  std::shared_ptr<const spec::UnitContext> ctx_;
  std::shared_ptr<const rules::RuleSet> rules_;
  const config::SyncerConfig cfg_;
  const CheckpointStore store_;
  mysql::ConnectOptions to_;

  // Process() thread only.
  std::unique_ptr<mysql::Connection> meta_conn_;      // checkpoint writes and DDL
  std::unique_ptr<mysql::Connection> upstream_conn_;  // master position for status
  Clock::time_point last_master_refresh_{};
  bool started_once_ = false;
  // Schema tracker rows not saved yet, by upstream (schema, table).
  std::map<std::pair<std::string, std::string>, TableCheckpoint> unsaved_tables_;
  std::vector<std::string> unsaved_meta_sql_;  // online DDL records, in order
  gtid::BinlogPosition error_event_;  // the QUERY event the run failed on (empty: none)

  // Operator commands (SyncOperator). op_mu_ is held for the whole of a binlog-schema
  // command (a short downstream round trip) so Process() cannot start in the middle.
  const std::shared_ptr<BinlogOperations> ops_ = std::make_shared<BinlogOperations>();
  mutable std::mutex op_mu_;
  bool running_ = false;                           // guarded by op_mu_: Process() runs
  std::optional<gtid::BinlogPosition> paused_at_;  // guarded by op_mu_: event of the last error
  // `binlog-schema update --flush=false`: applied when the unit next starts, saved with
  // the first checkpoint after that. Guarded by op_mu_.
  std::map<TableKey, TableCheckpoint> schema_overrides_;

  // Status, guarded by status_mu_.
  mutable std::mutex status_mu_;
  struct {
    std::string master_binlog, master_gtid, syncer_binlog, syncer_gtid;
    gtid::BinlogPosition master_pos, syncer_pos;
    int64_t seconds_behind = 0;
    bool synced = false;
    uint64_t total_events = 0, total_rows = 0;
    uint64_t skipped_rows = 0, conflicts = 0, retries = 0;
    Clock::time_point started{};
    std::deque<std::tuple<Clock::time_point, uint64_t, uint64_t>> samples;  // time, events, rows
    bool safe_mode = false;
  } st_;
};

Status SyncUnit::MetaConn() {
  if (meta_conn_) return Status::OK();
  DM_ASSIGN_OR_RETURN(meta_conn_, mysql::Connection::Connect(to_));
  Status s = SetupDownstreamSession(*meta_conn_);
  // Waits for an earlier meta connection (of a killed process, or one this process lost)
  // to end on the server before writing through this one.
  if (s.ok()) s = store_.HoldSlot(*meta_conn_, CheckpointStore::kMetaSlot, kPredecessorWait);
  if (!s.ok()) meta_conn_.reset();
  return s;
}

// Runs `sql` on the meta connection, retrying transient errors with backoff.
Status SyncUnit::RunMeta(const std::string& sql) {
  auto backoff = std::chrono::milliseconds(100);
  auto deadline = Clock::now() + std::chrono::seconds(300);
  while (true) {
    Status s = MetaConn();
    if (s.ok()) s = meta_conn_->Execute(sql);
    if (s.ok() || !s.IsRetryable() || Clock::now() > deadline) return s;
    if (meta_conn_) (void)meta_conn_->Execute("ROLLBACK");
    if (s.code() == Code::kUnavailable) meta_conn_.reset();
    LogWarn("sync {}: {}; retrying in {} ms", ctx_->task, s.ToString(), backoff.count());
    std::this_thread::sleep_for(backoff);
    backoff = std::min(backoff * 2, std::chrono::milliseconds(5000));
  }
}

Status SyncUnit::WriteCheckpoint(const gtid::Location& loc, bool clear_progress,
                                 const gtid::Location* exit_safe, bool with_tables) {
  GlobalCheckpoint cp;
  cp.position = loc.position;
  cp.gtid = loc.gtid_set.ToString();
  if (exit_safe) {
    cp.exit_safe_position = exit_safe->position;
    cp.exit_safe_gtid = exit_safe->gtid_set.ToString();
  }
  std::string sql = "BEGIN;" + store_.SaveGlobalSql(cp);
  if (clear_progress) sql += ";" + store_.ClearProgressSql();
  if (with_tables) {
    for (const auto& [k, t] : unsaved_tables_) sql += ";" + store_.SaveTableSql(t, cp);
    for (const auto& m : unsaved_meta_sql_) sql += ";" + m;
  }
  sql += ";COMMIT";
  Status s = RunMeta(sql);
  if (s.ok() && with_tables) {
    unsaved_tables_.clear();
    unsaved_meta_sql_.clear();
  }
  if (!s.ok()) {
    return DmError(s.code(), Scope::kDownstream, 24002, "checkpoint",
                   "cannot save the checkpoint " + loc.ToString() + " in " +
                       store_.checkpoint_table() + ": " + std::string(s.message()),
                   "check the downstream; the task resumes from the last saved checkpoint",
                   s.mysql_errno());
  }
  return Status::OK();
}

Status SyncUnit::ResolveStartTime(const std::string& text, gtid::BinlogPosition* pos,
                                  std::string* gtid_text, std::string* from) {
  const std::string& mode = ctx_->task_config.task_mode;
  if (mode != "incremental") {
    // DM applies the start-time to the sync unit whatever the mode: after a dump and load
    // the replication then starts at the time, not at the dump's snapshot position.
    LogWarn("sync {}: task-mode {} with --start-time: starting at the time instead of the "
            "dump's position; changes between them are skipped or applied twice", ctx_->task, mode);
  }
  DM_ASSIGN_OR_RETURN(TimeStartPoint p, ResolveTimeStartPoint(*ctx_, text));
  *pos = p.position;
  *gtid_text = p.gtid;
  *from = p.description;
  return Status::OK();
}

Status SyncUnit::ResolveStart(const std::optional<GlobalCheckpoint>& global,
                              gtid::BinlogPosition* pos, std::string* gtid_text,
                              std::string* from) {
  if (global) {
    *pos = global->position;
    *gtid_text = global->gtid;
    *from = "checkpoint";
    return Status::OK();
  }
  const std::string& mode = ctx_->task_config.task_mode;
  if (mode == "all" || mode == "load&sync") {
    std::string dir = dump::DumpDir(*ctx_);
    auto md = dump::ReadMetadata(dir);
    if (md.ok() && !md->finished) {
      md = Status(Code::kFailedPrecondition, "the dump is not finished");
    }
    if (!md.ok()) {
      return DmError(md.status().code(), Scope::kInternal, 36049, "sync-unit",
                     "task-mode " + mode + " starts the sync unit at the dump's position, but "
                     "the dump metadata in " + dir + " cannot be read: " +
                         std::string(md.status().message()),
                     "run the dump and load units first (or start with task-mode incremental "
                     "and a `meta` position)");
    }
    *pos = md->position;
    *gtid_text = md->gtid;
    *from = "dump metadata " + dir + "/metadata";
    return Status::OK();
  }
  if (ctx_->instance.meta) {
    const auto& m = *ctx_->instance.meta;
    if (!m.binlog_name.empty()) *pos = {m.binlog_name, m.binlog_pos == 0 ? 4 : m.binlog_pos};
    *gtid_text = m.binlog_gtid;
    *from = "task meta";
    return Status::OK();
  }
  *from = "the upstream's current position (no checkpoint and no `meta` in the task)";
  LogWarn("sync {} source {}: no checkpoint and no meta; starting at {}", ctx_->task,
          ctx_->source.source_id, *from);
  return Status::OK();
}

Status SyncUnit::ExecuteDdl(const Item& item, bool tolerate_applied, std::stop_token stop) {
  for (const std::string& sql : item.ddl.Statements()) {
    auto backoff = std::chrono::milliseconds(100);
    auto deadline = Clock::now() + std::chrono::seconds(300);
    bool retried = false;
    while (true) {
      Status s = MetaConn();
      if (s.ok()) s = meta_conn_->Execute(sql);
      if (s.ok()) break;
      if ((tolerate_applied || retried) && IsAlreadyAppliedDdlError(s.mysql_errno())) {
        LogWarn("sync {}: DDL '{}' at {} was already applied downstream ({}); continuing",
                ctx_->task, sql.substr(0, 200), item.before.ToString(), s.ToString());
        break;
      }
      if (!s.IsRetryable() || Clock::now() > deadline || stop.stop_requested()) {
        return DmError(s.code(), Scope::kDownstream, 10006, "database",
                       "execute DDL '" + sql.substr(0, 300) + "' (upstream '" +
                           item.ddl_text.substr(0, 200) + "' on " +
                           (item.ddl_table.table.empty()
                                ? mysql::QuoteIdentifier(item.ddl_table.schema)
                                : mysql::QuoteTable(item.ddl_table.schema, item.ddl_table.table)) +
                           ", event at binlog " +
                           (item.event_pos.file.empty() ? item.before.ToString()
                                                        : item.event_pos.ToString()) +
                           ") failed: " +
                           std::string(s.message()),
                       "fix the downstream so the DDL can run, then resume-task; or run "
                       "equivalent DDL instead with `dmctl binlog replace <task> "
                       "\"<statements>\"`, or skip it with `dmctl binlog skip <task>`",
                       s.mysql_errno());
      }
      if (s.code() == Code::kUnavailable) {
        meta_conn_.reset();
        retried = true;  // it may have run before the connection dropped
      }
      std::this_thread::sleep_for(backoff);
      backoff = std::min(backoff * 2, std::chrono::milliseconds(5000));
    }
  }
  // USE changed the session's schema: harmless for the checkpoint statements (qualified).
  return Status::OK();
}

void SyncUnit::RefreshMaster() {
  auto now = Clock::now();
  if (now - last_master_refresh_ < std::chrono::seconds(2)) return;
  last_master_refresh_ = now;
  if (!upstream_conn_) {
    mysql::ConnectOptions o = ctx_->from;
    o.scope = Scope::kUpstream;
    o.connect_timeout_s = 2;
    auto c = mysql::Connection::Connect(o);
    if (!c.ok()) return;
    upstream_conn_ = std::move(c).value();
  }
  auto info = upstream::DetectUpstream(*upstream_conn_);
  if (!info.ok()) {
    upstream_conn_.reset();
    return;
  }
  std::lock_guard l(status_mu_);
  st_.master_pos = info->position;
  st_.master_binlog = FormatPos(info->position);
  st_.master_gtid = info->gtid_executed;
}

void SyncUnit::UpdateStats(const gtid::Location* low_water, uint32_t ts, bool caught_up) {
  std::lock_guard l(status_mu_);
  if (low_water) {
    st_.syncer_pos = low_water->position;
    st_.syncer_binlog = FormatPos(low_water->position);
    st_.syncer_gtid = low_water->gtid_set.ToString();
    if (!st_.master_pos.file.empty() && st_.syncer_pos > st_.master_pos) {
      // The master's position is sampled every 2 s; it is never behind what we applied.
      st_.master_pos = st_.syncer_pos;
      st_.master_binlog = st_.syncer_binlog;
      st_.master_gtid = st_.syncer_gtid;
    }
  }
  st_.synced = caught_up && !st_.master_pos.file.empty() && st_.syncer_pos >= st_.master_pos;
  if (caught_up) {
    st_.seconds_behind = 0;
  } else if (ts != 0) {
    st_.seconds_behind = std::max<int64_t>(0, static_cast<int64_t>(time(nullptr)) - ts);
  }
  auto now = Clock::now();
  if (st_.samples.empty() || now - std::get<0>(st_.samples.back()) >= std::chrono::seconds(1)) {
    st_.samples.emplace_back(now, st_.total_events, st_.total_rows);
    while (st_.samples.size() > 11) st_.samples.pop_front();
  }
}

void SyncUnit::StatusJson(nlohmann::json* out) const {
  std::lock_guard l(status_mu_);
  nlohmann::json& j = *out;
  j["masterBinlog"] = st_.master_binlog;
  j["masterBinlogGtid"] = st_.master_gtid;
  j["syncerBinlog"] = st_.syncer_binlog;
  j["syncerBinlogGtid"] = st_.syncer_gtid;
  j["blockingDDLs"] = nlohmann::json::array();
  j["unresolvedGroups"] = nlohmann::json::array();
  j["synced"] = st_.synced;
  j["binlogType"] = "remote";
  j["secondsBehindMaster"] = std::to_string(st_.seconds_behind);
  j["blockDDLOwner"] = "";
  j["conflictMsg"] = "";
  j["safeMode"] = st_.safe_mode;
  auto now = Clock::now();
  double total_s = st_.started == Clock::time_point{}
                       ? 0
                       : std::chrono::duration<double>(now - st_.started).count();
  auto rate = [](uint64_t n, double s) -> int64_t { return s > 0 ? static_cast<int64_t>(n / s) : 0; };
  j["totalEvents"] = std::to_string(st_.total_events);
  j["totalTps"] = std::to_string(rate(st_.total_events, total_s));
  j["totalRows"] = std::to_string(st_.total_rows);
  j["totalRps"] = std::to_string(rate(st_.total_rows, total_s));
  int64_t recent_tps = 0, recent_rps = 0;
  if (st_.samples.size() >= 2) {
    const auto& [t0, e0, r0] = st_.samples.front();
    const auto& [t1, e1, r1] = st_.samples.back();
    double s = std::chrono::duration<double>(t1 - t0).count();
    recent_tps = rate(e1 - e0, s);
    recent_rps = rate(r1 - r0, s);
  }
  j["recentTps"] = std::to_string(recent_tps);
  j["recentRps"] = std::to_string(recent_rps);
  j["skippedRecoveredRows"] = std::to_string(st_.skipped_rows);
  j["causalityConflicts"] = std::to_string(st_.conflicts);
  j["downstreamRetries"] = std::to_string(st_.retries);
}

Status SyncUnit::Process(std::stop_token stop) {
  std::map<TableKey, TableCheckpoint> overrides;
  {
    std::lock_guard l(op_mu_);
    running_ = true;
    paused_at_.reset();
    overrides.swap(schema_overrides_);
  }
  error_event_ = {};
  Status s = Run(stop, std::move(overrides));
  std::lock_guard l(op_mu_);
  running_ = false;
  if (!s.ok() && !error_event_.file.empty()) paused_at_ = error_event_;
  return s;
}

Result<std::string> SyncUnit::OperateBinlog(const BinlogOpRequest& req, bool* resume) {
  *resume = false;
  const std::string who = "task " + ctx_->task + " on source " + ctx_->source.source_id;
  if (req.op == "list") {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& op : ops_->List()) list.push_back(op.ToJson());
    return list.dump();
  }
  if (req.op != "skip" && req.op != "replace" && req.op != "revert") {
    return Status(Code::kInvalidArgument,
                  "binlog operation '" + req.op +
                      "' is not supported; use skip, replace, "
                      "revert or list",
                  Scope::kInternal);
  }
  gtid::BinlogPosition pos;
  if (!req.binlog_pos.empty()) {
    DM_ASSIGN_OR_RETURN(pos, ParseBinlogPos(req.binlog_pos));
  } else {
    std::lock_guard l(op_mu_);
    if (running_ || !paused_at_) {
      return Status(Code::kFailedPrecondition,
                    "the sync unit of " + who +
                        " is not paused on a DDL event (query-status "
                        "shows its stage and error); give the event's start position with -b",
                    Scope::kInternal);
    }
    pos = *paused_at_;
  }
  if (req.op == "revert") {
    DM_RETURN_IF_ERROR(ops_->Revert(pos));
    LogInfo("sync {}: binlog operation at {} reverted", ctx_->task, pos.ToString());
    return "the binlog operation at " + pos.ToString() + " is reverted";
  }
  BinlogOperation op;
  op.pos = pos;
  if (req.op == "replace") {
    op.kind = BinlogOperation::Kind::kReplace;
    DM_ASSIGN_OR_RETURN(op.sqls, ParseReplaceStatements(req.sqls));
  } else if (!req.sqls.empty()) {
    return Status::InvalidArgument("binlog skip takes no statements (binlog replace does)");
  }
  DM_RETURN_IF_ERROR(ops_->Add(op));
  std::lock_guard l(op_mu_);
  *resume = !running_ && paused_at_ && *paused_at_ == pos;
  LogInfo("sync {}: binlog {} operation set at {}{}", ctx_->task, req.op, pos.ToString(),
          *resume ? "; the subtask paused there resumes" : "");
  return std::string(*resume ? "" : "the operation waits for the event at " + pos.ToString());
}

// The CREATE TABLE text for binlog-schema update: the schema file, or SHOW CREATE TABLE of
// the upstream table (--from-source) or of its routed downstream table (--from-target).
Result<std::string> SyncUnit::SchemaCreateSql(const SchemaOpRequest& req) {
  int given = !req.create_sql.empty() + req.from_source + req.from_target;
  if (given != 1) {
    return Status::InvalidArgument(
        "binlog-schema update needs exactly one of: a schema file (a CREATE TABLE "
        "statement), --from-source, --from-target");
  }
  if (!req.create_sql.empty()) return req.create_sql;
  mysql::ConnectOptions o = req.from_source ? ctx_->from : to_;
  o.scope = req.from_source ? Scope::kUpstream : Scope::kDownstream;
  rules::TableRef t{req.database, req.table};
  if (req.from_target) t = rules_->router.RouteTable(ctx_->source.source_id, t).target;
  DM_ASSIGN_OR_RETURN(auto conn, mysql::Connection::Connect(o));
  auto r = conn->Query("SHOW CREATE TABLE " + mysql::QuoteTable(t.schema, t.table));
  if (!r.ok()) {
    return r.status().WithContext(std::string("reading ") +
                                  (req.from_source ? "the upstream" : "the downstream") +
                                  " table " + mysql::QuoteTable(t.schema, t.table));
  }
  if (r->rows.empty() || r->rows[0].size() < 2 || !r->rows[0][1]) {
    return Status::NotFound("SHOW CREATE TABLE " + mysql::QuoteTable(t.schema, t.table) +
                            " returned nothing");
  }
  return *r->rows[0][1];
}

Result<std::string> SyncUnit::OperateSchema(const SchemaOpRequest& req) {
  if (req.database.empty() || req.table.empty()) {
    return Status::InvalidArgument("binlog-schema needs <task> <database> <table>");
  }
  if (req.op != "list" && req.op != "update" && req.op != "delete") {
    return Status::InvalidArgument("binlog-schema operation '" + req.op +
                                   "' is not supported; use list, update or delete");
  }
  const std::string who = "task " + ctx_->task + " on source " + ctx_->source.source_id;
  const std::string qt = mysql::QuoteTable(req.database, req.table);
  const TableKey key{req.database, req.table};
  std::lock_guard l(op_mu_);
  if (req.op != "list" && running_) {
    return Status(Code::kFailedPrecondition,
                  "binlog-schema " + req.op + " needs the subtask of " + who +
                      " paused; run pause-task first (and resume-task afterwards)",
                  Scope::kInternal);
  }
  DM_ASSIGN_OR_RETURN(auto conn, mysql::Connection::Connect(to_));
  auto global = store_.LoadGlobal(*conn);
  if (!global.ok() || !*global) {
    return Status(
        Code::kFailedPrecondition,
        "the sync unit of " + who + " has no checkpoint in " + store_.checkpoint_table() +
            " yet (" +
            (global.ok() ? std::string("no global row") : std::string(global.status().message())) +
            "): the schema tracker exists once the sync unit has started",
        Scope::kDownstream);
  }
  DM_ASSIGN_OR_RETURN(auto rows, store_.LoadTables(*conn));
  const TableCheckpoint* saved = nullptr;
  for (const auto& r : rows) {
    if (r.schema == req.database && r.table == req.table) saved = &r;
  }
  const TableCheckpoint* pending = nullptr;
  if (auto it = schema_overrides_.find(key); it != schema_overrides_.end()) pending = &it->second;
  if (req.op == "list") {
    const TableCheckpoint* t = pending ? pending : saved;
    if (!t || !t->info_json) {
      return Status::NotFound("table " + qt + " is not tracked by the sync unit of " + who +
                              " (a table is tracked once the binlog shows it); "
                              "binlog-schema update can set it");
    }
    auto info = schema::TableInfoFromJson(*t->info_json);
    if (!info.ok()) return info.status().WithContext("the tracked structure of " + qt);
    return schema::TableInfoToCreateSql(*info);
  }
  if (req.op == "delete") {
    if (!saved && !pending) {
      return Status::NotFound("table " + qt + " is not tracked by the sync unit of " + who);
    }
    schema_overrides_.erase(key);
    if (saved) {
      Status s =
          conn->Execute(store_.SaveTableSql({req.database, req.table, std::nullopt}, **global));
      if (!s.ok()) return s.WithContext("deleting the tracked structure of " + qt);
    }
    LogInfo("sync {}: binlog-schema delete {}", ctx_->task, qt);
    return std::string("");
  }
  DM_ASSIGN_OR_RETURN(std::string create_sql, SchemaCreateSql(req));
  schema::TrackerOptions to;
  {
    mysql::ConnectOptions o = ctx_->from;
    o.scope = Scope::kUpstream;
    o.connect_timeout_s = 5;
    if (auto c = mysql::Connection::Connect(o); c.ok()) {
      auto r = (*c)->Query("SELECT @@character_set_server, @@collation_server, @@version");
      if (r.ok() && !r->rows.empty() && r->rows[0].size() == 3) {
        to.server_charset = r->rows[0][0].value_or("");
        to.server_collation = r->rows[0][1].value_or("");
        to.flavor = schema::FlavorFromVersion(r->rows[0][2].value_or(""));
      }
    }
  }
  schema::Tracker tracker(to);
  Status s = tracker.InitTable(req.database, req.table, create_sql);
  if (!s.ok()) return s.WithContext("binlog-schema update " + qt);
  schema::TableInfo info = *tracker.Get(req.database, req.table);
  if (req.from_target) {
    // The downstream table has the route's extracted columns; the upstream one does not.
    rules::Route route =
        rules_->router.RouteTable(ctx_->source.source_id, {req.database, req.table});
    auto is_extra = [&](std::string_view name) {
      for (const auto& e : route.extra) {
        if (e.column == name) return true;
      }
      return false;
    };
    std::erase_if(info.columns, [&](const schema::Column& c) { return is_extra(c.name); });
    for (auto& idx : info.indexes) std::erase_if(idx.columns, is_extra);
    std::erase_if(info.indexes, [](const schema::Index& i) { return i.columns.empty(); });
  }
  TableCheckpoint row{req.database, req.table, schema::TableInfoToJson(info)};
  if (!req.flush) {
    schema_overrides_[key] = row;
    LogInfo("sync {}: binlog-schema update {} (applied when the task resumes)", ctx_->task, qt);
    return std::string("");
  }
  s = conn->Execute(store_.SaveTableSql(row, **global));
  if (!s.ok()) return s.WithContext("saving the tracked structure of " + qt);
  schema_overrides_.erase(key);
  LogInfo("sync {}: binlog-schema update {} saved", ctx_->task, qt);
  return std::string("");
}

Status SyncUnit::Run(std::stop_token stop, std::map<TableKey, TableCheckpoint> overrides) {
  meta_conn_.reset();  // a fresh connection after a pause
  DM_RETURN_IF_ERROR(MetaConn());
  std::optional<GlobalCheckpoint> global;
  std::vector<WorkerProgress> progress;
  std::vector<TableCheckpoint> saved_tables;
  unsaved_tables_.clear();
  unsaved_meta_sql_.clear();
  std::unique_ptr<OnlineDdl> online;
  if (ctx_->task_config.online_ddl) {
    auto o = OnlineDdl::Create(ctx_->task_config.shadow_table_rules,
                               ctx_->task_config.trash_table_rules, ctx_->task_config.meta_schema,
                               ctx_->task, ctx_->source.source_id);
    if (!o.ok()) return o.status();
    online = std::move(o).value();
    Status s = RunMeta(online->CreateTableSql());
    if (!s.ok()) return s.WithContext("creating the online DDL record table");
  }
  // start-task --start-time (DM's task-cli-args) wins over the checkpoint and the meta.
  std::string start_time;
  if (ctx_->cli_args) {
    auto st = ctx_->cli_args->StartTime();
    if (!st.ok()) return st.status().WithContext("reading the start-time of task " + ctx_->task);
    start_time = std::move(st).value();
  }
  std::optional<GlobalCheckpoint> replaced;  // the checkpoint a start-time overrides
  {
    // Every transaction a previous incarnation (e.g. a process killed with -9) had sent
    // must have ended on the server before the checkpoint is read (docs/sync-design.md).
    Status w = store_.WaitForPredecessors(*meta_conn_, cfg_.worker_count, kPredecessorWait);
    if (!w.ok()) return w;
    auto g = store_.LoadGlobal(*meta_conn_);
    if (!g.ok()) return g.status().WithContext("loading the sync checkpoint");
    global = std::move(g).value();
    if (global && !start_time.empty()) {
      // Start over at the time: the checkpoint's tracked tables, worker progress and online
      // DDL records belong to its position and are dropped (DM deletes its table points).
      replaced = std::move(global);
      global.reset();
    }
    if (global) {
      auto p = store_.LoadProgress(*meta_conn_);
      if (!p.ok()) return p.status().WithContext("loading the DML workers' progress");
      progress = std::move(p).value();
      auto t = store_.LoadTables(*meta_conn_);
      if (!t.ok()) return t.status().WithContext("loading the schema tracker's table rows");
      saved_tables = std::move(t).value();
      if (online) {
        auto rows = meta_conn_->Query(online->LoadSql());
        if (!rows.ok()) return rows.status().WithContext("loading the online DDL records");
        for (const auto& row : rows->rows) {
          DM_RETURN_IF_ERROR(online->LoadRow(row[0].value_or(""), row[1].value_or(""),
                                             row[2].value_or("[]")));
        }
      }
    } else {
      // Rows of an earlier run whose global row was deleted: they are not valid here.
      Status s = RunMeta(store_.ClearTablesSql());
      if (!s.ok()) return s.WithContext("clearing stale schema tracker rows");
      if (online) {
        // Records of an earlier run are not valid at a fresh start either.
        s = RunMeta(online->ClearSql());
        if (!s.ok()) return s.WithContext("clearing stale online DDL records");
      }
    }
  }
  // binlog-schema update --flush=false: replaces the saved structure, saved with the next
  // checkpoint.
  for (auto& [key, row] : overrides) {
    std::erase_if(saved_tables, [&](const TableCheckpoint& t) {
      return t.schema == key.first && t.table == key.second;
    });
    saved_tables.push_back(row);
    unsaved_tables_[key] = std::move(row);
  }
  gtid::BinlogPosition start_pos;
  std::string start_gtid, from;
  if (!start_time.empty()) {
    DM_RETURN_IF_ERROR(ResolveStartTime(start_time, &start_pos, &start_gtid, &from));
  } else {
    DM_RETURN_IF_ERROR(ResolveStart(global, &start_pos, &start_gtid, &from));
  }

  // Recovery: the progress rows say exactly which changes after the checkpoint each
  // worker of the previous run committed. Replay with that run's worker count.
  int workers = std::max(1, cfg_.worker_count);
  std::vector<std::optional<RowStamp>> recovered;
  RowStamp max_recovered;
  if (!progress.empty()) {
    workers = static_cast<int>(progress.front().worker_count);
    recovered.resize(workers);
    for (const auto& p : progress) {
      if (p.worker_count != static_cast<uint32_t>(workers) || p.worker >= p.worker_count) {
        return DmError(Code::kCorruption, Scope::kDownstream, 24003, "checkpoint",
                       "inconsistent rows in " + store_.progress_table() + " for source " +
                           ctx_->source.source_id,
                       "");
      }
      recovered[p.worker] = p.stamp;
      max_recovered = std::max(max_recovered, p.stamp);
    }
  }
  bool recovering = !progress.empty();

  // Safe mode (DM): always with safe-mode: true; until the exit point an abnormal pause
  // recorded; for safe-mode-duration after a restart from a checkpoint.
  bool safe_mode = cfg_.safe_mode;
  std::optional<gtid::BinlogPosition> safe_until_pos;
  Clock::time_point safe_until_time{};
  if (global && !global->exit_safe_position.file.empty()) {
    safe_until_pos = global->exit_safe_position;
    safe_mode = true;
  }
  if (replaced) {
    // DM: a start-time on a task with a checkpoint runs in safe mode until replication
    // passes that checkpoint (changes up to it may be applied a second time).
    safe_until_pos = std::max(replaced->position, replaced->exit_safe_position);
    safe_mode = true;
  }
  auto duration = cfg_.safe_mode_duration.value_or(std::chrono::seconds(60));
  if ((global || started_once_) && duration.count() > 0) {
    safe_until_time = Clock::now() + std::chrono::duration_cast<Clock::duration>(duration);
    safe_mode = true;
  }
  started_once_ = true;

  PoolOptions po;
  po.downstream = to_;
  po.worker_count = workers;
  po.batch = cfg_.batch;
  po.compact = cfg_.compact;
  po.multiple_rows = cfg_.multiple_rows;
  po.queue_capacity = std::max<size_t>(64, static_cast<size_t>(cfg_.queue_size));
  po.store = &store_;
  auto pool = std::make_unique<WorkerPool>(po);
  DM_RETURN_IF_ERROR(pool->Start());
  pool->SetSafeMode(safe_mode);

  BoundedQueue<Item> queue(64);
  ReaderOptions ro;
  ro.source_id = ctx_->source.source_id;
  ro.stream.conn = ctx_->from;
  ro.stream.conn.scope = Scope::kUpstream;
  ro.stream.server_id = ctx_->source.server_id;
  ro.stream.heartbeat_period_s = 5;
  ro.stream.max_retries = 30;
  if (ctx_->source.enable_gtid && !start_gtid.empty()) {
    ro.stream.start_gtid = start_gtid;
  } else if (!start_pos.file.empty()) {
    ro.stream.start_position = start_pos;
  }
  ro.start.position = start_pos;
  TrackerSourceOptions tso;
  tso.downstream = to_;
  if (ctx_->task_config.task_mode == "all" || ctx_->task_config.task_mode == "load&sync") {
    tso.dump_dir = dump::DumpDir(*ctx_);
  }
  {
    // The upstream's server defaults: the charset of tables in databases the binlog has not
    // shown being created (the tracker learns those from the downstream when it can).
    mysql::ConnectOptions o = ctx_->from;
    o.scope = Scope::kUpstream;
    auto c = mysql::Connection::Connect(o);
    if (c.ok()) {
      auto r = (*c)->Query("SELECT @@character_set_server, @@collation_server, @@version");
      if (r.ok() && !r->rows.empty() && r->rows[0].size() == 3) {
        tso.tracker.server_charset = r->rows[0][0].value_or("");
        tso.tracker.server_collation = r->rows[0][1].value_or("");
        tso.tracker.flavor = schema::FlavorFromVersion(r->rows[0][2].value_or(""));
      }
    }
    if (ctx_->task_config.collation_compatible == "strict") {
      // Without the upstream's collations strict cannot keep its promise: fail, not loose.
      auto coll = c.ok() ? upstream::ReadCollations(**c) : Result<upstream::ServerCollations>(c.status());
      if (!coll.ok()) {
        pool->Stop();
        return coll.status().WithContext("collation_compatible: strict: reading the upstream's collations");
      }
      ro.strict_collations = std::move(coll).value();
    }
  }
  auto schemas = TrackerSchemaSource::Create(std::move(tso), saved_tables);
  if (!schemas.ok()) {
    pool->Stop();
    return schemas.status();
  }
  auto reader = std::make_unique<ChangeReader>(ro, rules_, std::move(schemas).value(), &queue);
  reader->SetOnlineDdl(std::move(online));
  reader->SetBinlogOperations(ops_);
  DM_RETURN_IF_ERROR(reader->Start());
  gtid::Location start = reader->start_location();
  LogInfo("sync {} source {}: starting from {} at {}{}; {} DML workers{}", ctx_->task,
          ctx_->source.source_id, from, start.ToString(), ro.stream.start_gtid ? " (GTID)" : "",
          workers, recovering ? ", recovering past worker progress up to " + max_recovered.ToString() : "");
  {
    std::lock_guard l(status_mu_);
    st_.started = Clock::now();
    st_.safe_mode = safe_mode;
    st_.syncer_pos = start.position;
    st_.syncer_binlog = FormatPos(start.position);
    st_.syncer_gtid = start.gtid_set.ToString();
  }
  if (!global) {
    gtid::Location exit_safe;
    if (safe_until_pos) exit_safe.position = *safe_until_pos;
    DM_RETURN_IF_ERROR(WriteCheckpoint(start, true, replaced ? &exit_safe : nullptr));
  }
  if (!start_time.empty()) {
    // The checkpoint now holds the time's position: forget the start-time (as DM does) so
    // that a restart resumes from the checkpoint instead of going back to the time.
    Status c = ctx_->cli_args->ClearStartTime(start_time);
    if (!c.ok()) {
      LogWarn("sync {}: cannot clear the start-time {} in etcd: {}; a restart before it is "
              "cleared starts again from that time", ctx_->task, start_time, c.ToString());
    }
  }

  Causality causality;
  std::shared_ptr<TrxTracker> cur = std::make_shared<TrxTracker>();
  bool cur_dispatched = false;  // rows of the current (unfinished) trx were dispatched
  std::deque<PendingTrx> pending;
  gtid::Location boundary = start, checkpoint = start;
  auto last_flush = Clock::now(), last_idle_flush = Clock::now();
  const auto flush_interval = std::chrono::seconds(std::max(1, cfg_.checkpoint_flush_interval));
  bool first_item = true;
  uint32_t last_ts = 0;
  Status result;

  auto flush = [&](const gtid::Location& loc) -> Status {
    causality.Reset();
    DM_RETURN_IF_ERROR(WriteCheckpoint(loc, true, nullptr, true));
    checkpoint = loc;
    last_flush = Clock::now();
    if (pool->worker_count() != std::max(1, cfg_.worker_count)) {
      // The recovered run used another worker-count; switch now that nothing is pending.
      pool->Stop();
      po.worker_count = std::max(1, cfg_.worker_count);
      pool = std::make_unique<WorkerPool>(po);
      DM_RETURN_IF_ERROR(pool->Start());
      pool->SetSafeMode(safe_mode);
    }
    return Status::OK();
  };
  auto barrier = [&]() -> Status { return pool->Drain(stop); };

  while (!stop.stop_requested()) {
    if (Status e = pool->error(); !e.ok()) {
      result = e;
      break;
    }
    // Advance the low-water mark: transactions whose every change is committed.
    const PendingTrx* done = nullptr;
    while (!pending.empty() &&
           pending.front().tracker->outstanding.load(std::memory_order_acquire) == 0) {
      last_ts = pending.front().timestamp;
      done = &pending.front();
      {
        std::lock_guard l(status_mu_);
        st_.syncer_pos = done->after.position;
        st_.syncer_binlog = FormatPos(done->after.position);
        st_.syncer_gtid = done->after.gtid_set.ToString();
      }
      pending.pop_front();
    }
    {
      std::lock_guard l(status_mu_);
      st_.total_rows = pool->committed_rows();
      st_.retries = pool->retries();
    }
    if (safe_mode && !cfg_.safe_mode) {
      bool time_over = safe_until_time == Clock::time_point{} || Clock::now() >= safe_until_time;
      bool pos_over = !safe_until_pos || boundary.position > *safe_until_pos;
      if (time_over && pos_over) {
        safe_mode = false;
        pool->SetSafeMode(false);
        std::lock_guard l(status_mu_);
        st_.safe_mode = false;
        LogInfo("sync {}: safe mode off at {}", ctx_->task, boundary.ToString());
      }
    }

    RefreshMaster();
    bool caught_up = pool->Idle() && pending.empty() && queue.empty() && !cur_dispatched;
    UpdateStats(nullptr, pending.empty() ? last_ts : pending.front().timestamp, caught_up);
    std::optional<Item> item = queue.Pop(stop, std::chrono::milliseconds(100));
    if (!item) {
      if (stop.stop_requested()) break;
      bool idle = pool->Idle() && pending.empty();
      if (idle && !cur_dispatched && !recovering && !(boundary == checkpoint) &&
          Clock::now() - last_idle_flush >= std::chrono::seconds(1)) {
        last_idle_flush = Clock::now();
        result = flush(boundary);
        if (!result.ok()) break;
      }
      continue;
    }
    {
      std::lock_guard l(status_mu_);
      st_.total_events += item->events;
    }
    bool is_first = first_item;
    first_item = false;
    if (item->kind == Item::Kind::kError) {
      result = item->error;
      error_event_ = item->event_pos;
      break;
    }
    if (item->kind == Item::Kind::kRows) {
      for (RowChange& r : item->rows) {
        std::vector<std::string> keys = CausalityKeys(r);
        std::optional<uint64_t> group = causality.Add(keys);
        if (!group) {
          // DM's conflict: two groups meet. Drain so both orders are settled, start over.
          result = barrier();
          if (!result.ok()) break;
          causality.Reset();
          group = causality.Add(keys);
          std::lock_guard l(status_mu_);
          ++st_.conflicts;
        }
        size_t w = *group % static_cast<uint64_t>(pool->worker_count());
        if (recovering && w < recovered.size() && recovered[w] && r.stamp <= *recovered[w]) {
          std::lock_guard l(status_mu_);
          ++st_.skipped_rows;
          continue;
        }
        r.trx = cur;
        cur->outstanding.fetch_add(1, std::memory_order_acq_rel);
        cur_dispatched = true;
        result = pool->Dispatch(w, std::move(r), stop);
        if (!result.ok()) break;
      }
      if (!result.ok()) break;
      continue;
    }
    if (item->kind == Item::Kind::kCommit) {
      AddTables(&item->tables_after);
      pending.push_back({cur, item->after, item->timestamp});
      cur = std::make_shared<TrxTracker>();
      cur_dispatched = false;
      boundary = item->after;
      if (recovering && std::tie(item->trx.file_seq, item->trx.trx_pos) >=
                            std::tie(max_recovered.file_seq, max_recovered.trx_pos)) {
        recovering = false;
        std::lock_guard l(status_mu_);
        LogInfo("sync {}: recovery complete at {}: {} already-applied row changes skipped",
                ctx_->task, boundary.ToString(), st_.skipped_rows);
      }
      if (!recovering &&
          (Clock::now() - last_flush >= flush_interval || causality.size() > kMaxCausalityKeys)) {
        result = barrier();
        if (result.ok()) result = flush(boundary);
        if (!result.ok()) break;
      }
      continue;
    }
    // kDdl: a barrier; checkpoint before it, run it, checkpoint after it (when it ends its
    // transaction; CREATE TABLE ... SELECT continues with rows).
    // While recovering (only possible for CREATE TABLE ... SELECT interrupted after its
    // DDL: the DDL is then the first event after G) no checkpoint may be written: it would
    // clear the progress rows that recovery still needs.
    result = barrier();
    AddTables(&item->tables_before);
    if (result.ok() && !cur_dispatched && !recovering) result = flush(item->before);
    if (result.ok()) {
      // Only the DDL at the restart point may have run before a crash.
      result = ExecuteDdl(*item, is_first && item->before == start, stop);
    }
    if (result.ok()) {
      std::string ran;
      for (const auto& sql : item->ddl.Statements()) ran += (ran.empty() ? "" : "; ") + sql.substr(0, 200);
      LogInfo("sync {}: DDL at {}: {} -> {}", ctx_->task, item->before.ToString(),
              item->ddl_text.substr(0, 200),
              !ran.empty()      ? ran
              : item->operation ? "(" + item->ddl.reason + ": nothing runs downstream)"
                                : std::string("(tracked only)"));
      AddTables(&item->tables_after);
      for (auto& m : item->meta_sql) unsaved_meta_sql_.push_back(std::move(m));
      item->meta_sql.clear();
      if (item->has_after) {
        boundary = item->after;
        pending.push_back({std::make_shared<TrxTracker>(), item->after, item->timestamp});
        cur = std::make_shared<TrxTracker>();
        cur_dispatched = false;
        if (!recovering) result = flush(item->after);
      }
    }
    if (!result.ok()) error_event_ = item->event_pos;
    item->done->set_value(result);
    if (!result.ok()) break;
  }

  reader->Stop();
  if (result.ok() && stop.stop_requested()) {
    // Pause/stop: let in-flight batches finish (up to 10 s), then save the checkpoint if
    // every dispatched change is committed. Nothing depends on this: without it the
    // restart recovers from the worker progress rows.
    auto deadline = Clock::now() + std::chrono::seconds(10);
    while (!pool->Idle() && pool->error().ok() && Clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (pool->Idle() && pool->error().ok() && !cur_dispatched && !recovering &&
        !(boundary == checkpoint)) {
      Status s = WriteCheckpoint(boundary, true, nullptr, true);
      if (!s.ok()) LogWarn("sync {}: checkpoint on pause failed: {}", ctx_->task, s.ToString());
    }
  }
  pool->Stop();
  if (!result.ok() && result.code() != Code::kCancelled) {
    // DM's safe-mode exit point: replay up to what was read runs in safe mode.
    Status s = WriteCheckpoint(checkpoint, false, &boundary);
    if (!s.ok()) LogWarn("sync {}: saving the safe-mode exit point failed: {}", ctx_->task, s.ToString());
    LogError("sync {} source {} paused: {}", ctx_->task, ctx_->source.source_id, result.ToString());
    return result;
  }
  return Status::OK();
}

}  // namespace

Result<std::unique_ptr<unit::Unit>> NewSyncUnit(std::shared_ptr<const spec::UnitContext> ctx) {
  if (!ctx) return Status::InvalidArgument("sync unit: no unit context");
  DM_ASSIGN_OR_RETURN(rules::RuleSet rs,
                      rules::CompileRuleSet(ctx->task_config, ctx->instance, ctx->source));
  auto rules = std::make_shared<const rules::RuleSet>(std::move(rs));
  return std::unique_ptr<unit::Unit>(new SyncUnit(std::move(ctx), std::move(rules)));
}

}  // namespace dm::sync
