#include "dm/sync/applier.h"

#include <algorithm>
#include <chrono>

#include "dm/base/log.h"

namespace dm::sync {

namespace {

constexpr size_t kMaxPacket = 4 << 20;  // bytes per multi-statement round trip

std::string Abbrev(std::string_view s, size_t n = 300) {
  if (s.size() <= n) return std::string(s);
  return std::string(s.substr(0, n)) + "...";
}

// Sleeps up to `d`, waking early when `st` is triggered.
void SleepFor(std::chrono::milliseconds d, std::stop_token st) {
  auto end = std::chrono::steady_clock::now() + d;
  while (!st.stop_requested() && std::chrono::steady_clock::now() < end) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

}  // namespace

Status SetupDownstreamSession(mysql::Connection& conn) {
  // UTC so TIMESTAMP values (decoded as UTC) are stored unchanged; no strict mode and
  // NO_AUTO_VALUE_ON_ZERO so every value the upstream accepted is stored as it is;
  // foreign key checks off because changes of different tables run in parallel (DM's
  // default); READ COMMITTED to avoid gap-lock conflicts between workers.
  return conn.Execute(
      "SET SESSION time_zone = '+00:00', "
      "sql_mode = 'NO_AUTO_VALUE_ON_ZERO,NO_ENGINE_SUBSTITUTION', "
      "foreign_key_checks = 0; SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED");
}

Status DmError(Code code, Scope scope, int dm_code, std::string_view dm_class, std::string message,
               std::string_view workaround, unsigned mysql_errno) {
  std::string m = "[code=" + std::to_string(dm_code) + ":class=" + std::string(dm_class) +
                  ":scope=" + std::string(ScopeName(scope)) + ":level=high] " +
                  std::move(message);
  if (!workaround.empty()) {
    m += "; workaround: ";
    m += workaround;
  }
  return Status(code, std::move(m), scope, mysql_errno);
}

struct WorkerPool::Worker {
  size_t index = 0;
  std::deque<RowChange> queue;  // guarded by pool mu_
  bool busy = false;            // guarded by pool mu_
  std::condition_variable_any work;
  std::condition_variable_any space;
  std::unique_ptr<mysql::Connection> conn;  // worker thread only
  bool ambiguous = false;                   // worker thread only: last COMMIT outcome unknown
  std::jthread thread;
};

WorkerPool::WorkerPool(PoolOptions options) : options_(std::move(options)) {
  options_.downstream.scope = Scope::kDownstream;
  if (options_.worker_count < 1) options_.worker_count = 1;
  if (options_.batch < 1) options_.batch = 1;
}

WorkerPool::~WorkerPool() { Stop(); }

Status WorkerPool::Start() {
  for (int i = 0; i < options_.worker_count; ++i) {
    auto w = std::make_unique<Worker>();
    w->index = static_cast<size_t>(i);
    DM_ASSIGN_OR_RETURN(w->conn, mysql::Connection::Connect(options_.downstream));
    DM_RETURN_IF_ERROR(SetupDownstreamSession(*w->conn));
    // The worker's predecessor lock, held for the connection's lifetime (checkpoint.h).
    DM_RETURN_IF_ERROR(options_.store->HoldSlot(*w->conn, i, std::chrono::seconds(120)));
    workers_.push_back(std::move(w));
  }
  for (auto& w : workers_) {
    Worker* p = w.get();
    p->thread = std::jthread([this, p](std::stop_token st) { Run(*p, st); });
  }
  return Status::OK();
}

void WorkerPool::Stop() {
  for (auto& w : workers_) {
    if (w->thread.joinable()) {
      w->thread.request_stop();
      w->work.notify_all();
    }
  }
  for (auto& w : workers_) {
    if (w->thread.joinable()) w->thread.join();
  }
  std::lock_guard l(mu_);
  for (auto& w : workers_) w->queue.clear();
  drained_.notify_all();
}

Status WorkerPool::error() const {
  std::lock_guard l(mu_);
  return error_;
}

bool WorkerPool::Idle() const {
  std::lock_guard l(mu_);
  for (const auto& w : workers_) {
    if (w->busy || !w->queue.empty()) return false;
  }
  return true;
}

Status WorkerPool::Dispatch(size_t wi, RowChange r, std::stop_token stop) {
  Worker& w = *workers_[wi];
  std::unique_lock l(mu_);
  w.space.wait(l, stop, [&] { return failed_ || w.queue.size() < options_.queue_capacity; });
  if (failed_) return error_;
  if (stop.stop_requested()) return Status::Cancelled("sync stopped");
  w.queue.push_back(std::move(r));
  if (w.queue.size() == 1) w.work.notify_one();
  return Status::OK();
}

Status WorkerPool::Drain(std::stop_token stop) {
  std::unique_lock l(mu_);
  auto done = [&] {
    if (failed_) return true;
    for (const auto& w : workers_) {
      if (w->busy || !w->queue.empty()) return false;
    }
    return true;
  };
  drained_.wait(l, stop, done);
  if (failed_) return error_;
  if (!done()) return Status::Cancelled("sync stopped");
  return Status::OK();
}

void WorkerPool::Run(Worker& w, std::stop_token st) {
  std::vector<RowChange> batch;
  while (true) {
    {
      std::unique_lock l(mu_);
      w.work.wait(l, st, [&] { return !w.queue.empty(); });
      if (st.stop_requested()) return;
      size_t n = std::min(w.queue.size(), static_cast<size_t>(options_.batch));
      batch.clear();
      for (size_t i = 0; i < n; ++i) {
        batch.push_back(std::move(w.queue.front()));
        w.queue.pop_front();
      }
      w.busy = true;
      w.space.notify_all();
    }
    Status s = Apply(w, batch, st);
    std::lock_guard l(mu_);
    w.busy = false;
    if (!s.ok() && s.code() != Code::kCancelled) {
      if (error_.ok()) error_ = s;
      failed_ = true;
      for (auto& o : workers_) o->space.notify_all();
    }
    drained_.notify_all();
    if (!s.ok()) return;
  }
}

Status WorkerPool::Execute(Worker& w, const std::vector<std::string>& stmts,
                           const std::string& progress) {
  std::string sql = "BEGIN";
  for (const auto& s : stmts) {
    if (sql.size() + s.size() > kMaxPacket && !sql.empty()) {
      DM_RETURN_IF_ERROR(w.conn->Execute(sql));
      sql.clear();
    }
    if (!sql.empty()) sql += ';';
    sql += s;
  }
  if (!sql.empty()) sql += ';';
  sql += progress;
  sql += ";COMMIT";
  return w.conn->Execute(sql);
}

Result<bool> WorkerPool::AlreadyCommitted(Worker& w, const RowStamp& last) {
  DM_ASSIGN_OR_RETURN(auto rows, options_.store->LoadProgress(*w.conn));
  for (const auto& p : rows) {
    if (p.worker == w.index) return p.stamp >= last;
  }
  return false;
}

Status WorkerPool::Diagnose(Worker& w, const std::vector<std::string>& stmts,
                            const std::vector<const TableMeta*>& tables, const Status& failure) {
  (void)w.conn->Execute("ROLLBACK");
  std::string stmt, table;
  Status cause = failure;
  if (w.conn->Execute("BEGIN").ok()) {
    for (size_t i = 0; i < stmts.size(); ++i) {
      Status s = w.conn->Execute(stmts[i]);
      if (!s.ok()) {
        stmt = stmts[i];
        table = i < tables.size() && tables[i] ? tables[i]->quoted : "";
        cause = s;
        break;
      }
    }
    (void)w.conn->Execute("ROLLBACK");
  }
  std::string workaround;
  switch (cause.mysql_errno()) {
    case 1062:
      workaround =
          "the downstream already has a row with this key, so it differs from the upstream: "
          "make the downstream table consistent (or enable safe-mode for the task), then "
          "resume-task";
      break;
    case 1146: case 1054: case 1136:
      workaround = "make the downstream table's structure match the upstream's, then resume-task";
      break;
    default:
      workaround = "fix the cause in the downstream, then resume-task; replication continues "
                   "from the checkpoint and this batch is applied exactly once";
  }
  std::string msg = "DML worker " + std::to_string(w.index) + ": execute";
  if (!table.empty()) msg += " on " + table;
  msg += " failed: " + std::string(cause.message());
  if (!stmt.empty()) msg += "; statement: " + Abbrev(stmt);
  return DmError(cause.code(), Scope::kDownstream, 10006, "database", std::move(msg), workaround,
                 cause.mysql_errno());
}

Status WorkerPool::Apply(Worker& w, std::vector<RowChange>& batch, std::stop_token st) {
  RowStamp last;
  std::vector<std::shared_ptr<TrxTracker>> trackers;
  trackers.reserve(batch.size());
  for (auto& r : batch) {
    last = std::max(last, r.stamp);
    trackers.push_back(std::move(r.trx));
  }
  const size_t n = batch.size();
  std::vector<RowChange> compacted;
  std::vector<RowChange>* rows = &batch;
  if (options_.compact) {
    compacted = Compact(std::move(batch));
    rows = &compacted;
  }
  std::vector<const RowChange*> ptrs;
  ptrs.reserve(rows->size());
  for (auto& r : *rows) ptrs.push_back(&r);
  std::vector<std::string> stmts;
  std::vector<const TableMeta*> tables;
  GenerateStatements(ptrs, DmlOptions{safe_mode_.load(), options_.multiple_rows}, &stmts, &tables);
  std::string progress = options_.store->SaveProgressSql(
      {static_cast<uint32_t>(w.index), static_cast<uint32_t>(workers_.size()), last});

  auto deadline = std::chrono::steady_clock::now() + options_.retry_budget;
  auto backoff = std::chrono::milliseconds(100);
  int attempt = 0;
  while (true) {
    if (st.stop_requested()) return Status::Cancelled("sync stopped");
    Status s;
    bool executed = false;
    if (!w.conn) {
      auto c = mysql::Connection::Connect(options_.downstream);
      if (c.ok()) {
        s = SetupDownstreamSession(**c);
        // The lost connection's session may still be running the batch on the server:
        // its slot lock is free only once that transaction has ended, so the progress
        // row read below is final (kUnavailable and another attempt if it is still held).
        if (s.ok()) s = options_.store->HoldSlot(**c, static_cast<int>(w.index), std::chrono::seconds(10));
        if (s.ok()) w.conn = std::move(c).value();
      } else {
        s = c.status();
      }
    }
    bool done = false;
    if (s.ok() && w.ambiguous) {
      auto committed = AlreadyCommitted(w, last);
      if (committed.ok()) {
        w.ambiguous = false;
        done = *committed;
        if (done) LogInfo("DML worker {}: batch up to {} was committed before the connection was lost",
                          w.index, last.ToString());
      } else {
        s = committed.status();
      }
    }
    if (s.ok() && !done) {
      executed = true;
      s = Execute(w, stmts, progress);
      done = s.ok();
    }
    if (done) {
      for (auto& t : trackers) {
        if (t) t->outstanding.fetch_sub(1, std::memory_order_acq_rel);
      }
      committed_rows_ += n;
      return Status::OK();
    }
    if (s.code() == Code::kUnavailable) {
      if (executed) w.ambiguous = true;
      w.conn.reset();
    } else if (s.code() == Code::kAborted) {
      if (w.conn) (void)w.conn->Execute("ROLLBACK");
    } else {
      if (!w.conn) return s;
      return Diagnose(w, stmts, tables, s);
    }
    ++attempt;
    ++retries_;
    if (std::chrono::steady_clock::now() > deadline) {
      return DmError(s.code(), Scope::kDownstream, 10006, "database",
                     "DML worker " + std::to_string(w.index) + ": still failing after " +
                         std::to_string(attempt) + " attempts: " + std::string(s.message()),
                     "check the downstream database; the task resumes from the checkpoint",
                     s.mysql_errno());
    }
    LogWarn("DML worker {}: {} (attempt {}); retrying in {} ms", w.index, s.ToString(), attempt,
            backoff.count());
    SleepFor(backoff, st);
    backoff = std::min(backoff * 2, std::chrono::milliseconds(5000));
  }
}

}  // namespace dm::sync
