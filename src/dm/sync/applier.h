#pragma once
// WorkerPool: `worker-count` DML workers, each with its own downstream connection and a
// bounded FIFO of row changes (DM's dml_worker.go).
//
// A worker takes whatever is queued (up to `batch` changes), optionally compacts and
// merges it, and applies it in ONE downstream transaction together with the upsert of
// its progress row (CheckpointStore::SaveProgressSql, the stamp of the batch's last
// change). So a worker's changes and its progress are committed atomically, and every
// worker commits its changes in dispatch order.
//
// Retry: a deadlock / lock wait timeout (kAborted) re-runs the same batch; a lost
// connection (kUnavailable) reconnects with backoff and, because the COMMIT may have
// happened before the connection dropped, first reads the progress row: if it already
// covers the batch, the batch is done (never applied twice). Order is kept: a worker
// retries its batch before taking the next. Any other error is permanent: the worker
// stops and the pool reports a DM-style error naming the table and the statement.
//
// Thread-safety: Dispatch/Drain/Stop from one thread (the dispatcher); stats and
// error() from any thread.

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <stop_token>
#include <thread>
#include <vector>

#include "dm/base/status.h"
#include "dm/mysql/connection.h"
#include "dm/sync/checkpoint.h"
#include "dm/sync/dml.h"
#include "dm/sync/row_change.h"

namespace dm::sync {

// Progress of one upstream transaction: how many of its row changes are dispatched but
// not yet committed. Written by workers (decrement) and the dispatcher.
struct TrxTracker {
  std::atomic<int64_t> outstanding{0};
};

struct PoolOptions {
  mysql::ConnectOptions downstream;
  int worker_count = 16;
  int batch = 100;
  bool compact = false;
  bool multiple_rows = false;
  size_t queue_capacity = 1024;  // row changes per worker queue
  const CheckpointStore* store = nullptr;  // REQUIRES: outlives the pool
  // Give up retrying a transient error after this long (the subtask then pauses with a
  // retryable error, which auto-resume picks up).
  std::chrono::seconds retry_budget{300};
};

// Session settings of every downstream connection of the sync unit.
Status SetupDownstreamSession(mysql::Connection& conn);

// "[code=N:class=C:scope=S:level=high] message; workaround: W" in a Status of `code`.
Status DmError(Code code, Scope scope, int dm_code, std::string_view dm_class,
               std::string message, std::string_view workaround, unsigned mysql_errno = 0);

class WorkerPool {
 public:
  explicit WorkerPool(PoolOptions options);
  ~WorkerPool();  // Stop()s
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Connects every worker and starts the threads. kUnavailable if the downstream is down.
  Status Start();

  int worker_count() const { return static_cast<int>(workers_.size()); }

  // Queues `r` on worker `w`; blocks while that queue is full. Returns the pool's error
  // (and drops `r`) once a worker has failed, Cancelled if `stop` was requested.
  Status Dispatch(size_t w, RowChange r, std::stop_token stop);

  // Waits until every dispatched change is committed. Returns the pool's error if a
  // worker failed, Cancelled if `stop` was requested first.
  Status Drain(std::stop_token stop);

  // True if nothing is queued or being applied.
  bool Idle() const;

  // Stops the workers after their current batch; queued changes are dropped (they are
  // re-read from the binlog after a restart). Idempotent.
  void Stop();

  void SetSafeMode(bool on) { safe_mode_ = on; }
  Status error() const;
  uint64_t committed_rows() const { return committed_rows_; }
  // Batches re-run after a transient error (deadlock, lost connection).
  uint64_t retries() const { return retries_; }

 private:
  struct Worker;
  void Run(Worker& w, std::stop_token st);
  Status Apply(Worker& w, std::vector<RowChange>& batch, std::stop_token st);
  Status Execute(Worker& w, const std::vector<std::string>& stmts, const std::string& progress);
  Status Diagnose(Worker& w, const std::vector<std::string>& stmts,
                  const std::vector<const TableMeta*>& tables, const Status& failure);
  Result<bool> AlreadyCommitted(Worker& w, const RowStamp& last);

  PoolOptions options_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::atomic<bool> safe_mode_{false};
  std::atomic<uint64_t> committed_rows_{0};
  std::atomic<uint64_t> retries_{0};

  mutable std::mutex mu_;  // guards error_ and every worker's queue and busy flag
  std::condition_variable_any drained_;
  Status error_;
  std::atomic<bool> failed_{false};
};

}  // namespace dm::sync
