// SyncUnit: the dispatcher, checkpoints, DDL barrier and status of the sync unit.
// See sync.h for the contract and docs/sync-design.md for the exactly-once design.

#include <chrono>
#include <deque>
#include <mutex>

#include <nlohmann/json.hpp>

#include "dm/base/log.h"
#include "dm/dump/dump.h"
#include "dm/dump/metadata.h"
#include "dm/sync/applier.h"
#include "dm/sync/causality.h"
#include "dm/sync/checkpoint.h"
#include "dm/sync/reader.h"
#include "dm/sync/sync.h"
#include "dm/upstream/upstream_info.h"

namespace dm::sync {

namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kMaxCausalityKeys = 1 << 20;  // checkpoint (and reset) beyond this many keys

std::string FormatPos(const gtid::BinlogPosition& p) {
  return "(" + p.file + ", " + std::to_string(p.pos) + ")";
}

struct PendingTrx {
  std::shared_ptr<TrxTracker> tracker;
  gtid::Location after;
  uint32_t timestamp;
};

class SyncUnit final : public unit::Unit {
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
  Status ExecuteDdl(const Item& item, bool tolerate_applied, std::stop_token stop);
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
                           ", binlog " + item.before.ToString() + ") failed: " +
                           std::string(s.message()),
                       "fix the downstream so the DDL can run (or add a binlog event filter "
                       "rule that ignores it), then resume-task",
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
  {
    auto g = store_.LoadGlobal(*meta_conn_);
    if (!g.ok()) return g.status().WithContext("loading the sync checkpoint");
    global = std::move(g).value();
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
  gtid::BinlogPosition start_pos;
  std::string start_gtid, from;
  DM_RETURN_IF_ERROR(ResolveStart(global, &start_pos, &start_gtid, &from));

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
  }
  auto schemas = TrackerSchemaSource::Create(std::move(tso), saved_tables);
  if (!schemas.ok()) {
    pool->Stop();
    return schemas.status();
  }
  auto reader = std::make_unique<ChangeReader>(ro, rules_, std::move(schemas).value(), &queue);
  reader->SetOnlineDdl(std::move(online));
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
  if (!global) DM_RETURN_IF_ERROR(WriteCheckpoint(start, true));

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
              item->ddl_text.substr(0, 200), ran.empty() ? "(tracked only)" : ran);
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
