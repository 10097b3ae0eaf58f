#pragma once
// ChangeReader: the first stage of the sync pipeline. On its own thread it streams the
// upstream binlog (dm::upstream::BinlogStream), follows transaction boundaries, applies
// the rules (block-allow list, binlog event filter, table route, expression filter),
// looks up table structures (SchemaSource) and renders every row into a RowChange, then
// hands Items to the dispatcher through a bounded queue.
//
// Items, in binlog order:
//   kRows    row changes of the current transaction (at most kRowsPerItem per item)
//   kCommit  the transaction ended: its start stamp, the location after it, its time
//   kDdl     a DDL to execute or only to track (decided by ddl.h; the schema tracker has
//            already applied it, filtered parts included), sent when it is read (before
//            rows that follow it in the same transaction, as CREATE TABLE ... SELECT
//            logs them). The reader WAITS until the dispatcher sets `done`: the DDL must
//            reach the downstream before the reader reads the new table structure there.
//   kError   the reader failed and stopped (error names binlog position and table)
//
// Thread-safety: Start/Stop from the owner; the queue is the only shared state.

#include <atomic>
#include <future>
#include <memory>
#include <stop_token>
#include <thread>
#include <vector>

#include "dm/gtid/location.h"
#include "dm/rules/rules.h"
#include "dm/spec/spec.h"
#include "dm/sync/binlog_ops.h"
#include "dm/sync/ddl.h"
#include "dm/sync/online_ddl.h"
#include "dm/sync/queue.h"
#include "dm/sync/row_change.h"
#include "dm/sync/schema_source.h"
#include "dm/upstream/binlog_stream.h"
#include "dm/upstream/upstream_info.h"

namespace dm::sync {

struct Item {
  enum class Kind { kRows, kCommit, kDdl, kError };
  Kind kind = Kind::kRows;
  std::vector<RowChange> rows;  // kRows
  RowStamp trx;                 // kCommit / kDdl: stamp of the transaction's first event
  gtid::Location before;        // kDdl: location before the statement
  gtid::Location after;         // kCommit / kDdl (if has_after): location after it
  bool has_after = true;        // kDdl: false when the DDL does not end its transaction
  uint32_t timestamp = 0;       // event time (upstream clock)
  uint64_t events = 0;          // binlog events read since the previous item
  DdlDecision ddl;              // kDdl (ddl.Statements() may be empty: tracked only)
  // Per-table checkpoint rows (schema tracker) to save with the next global checkpoint:
  // kDdl: `tables_before` at item.before, `tables_after` at item.after; kCommit: tables
  // first loaded in the transaction (`tables_after`).
  std::vector<TableCheckpoint> tables_before, tables_after;
  // kDdl: online DDL record changes, saved in the transaction of the checkpoint after it.
  std::vector<std::string> meta_sql;
  std::string ddl_text;         // kDdl: original statement, for logs
  rules::TableRef ddl_table;    // kDdl: what it changes (for the schema cache)
  std::shared_ptr<std::promise<Status>> done;  // kDdl: set by the dispatcher
  Status error;                 // kError
  // kDdl, and kError raised on a QUERY event: where that event starts (what `binlog
  // skip/replace` match); empty file otherwise.
  gtid::BinlogPosition event_pos;
  bool operation = false;       // kDdl: the effect of a `binlog skip/replace` operation
};

struct ReaderOptions {
  upstream::StreamOptions stream;
  gtid::Location start;  // where the stream starts (the first "before" location)
  std::string source_id;
  // collation_compatible: strict: the upstream's collations (nullopt: loose).
  std::optional<upstream::ServerCollations> strict_collations;
};

class ChangeReader {
 public:
  static constexpr size_t kRowsPerItem = 512;

  ChangeReader(ReaderOptions options, std::shared_ptr<const rules::RuleSet> rules,
               std::unique_ptr<SchemaSource> schemas, BoundedQueue<Item>* out);
  ~ChangeReader();  // Stop()s

  // Online schema change handling (nullptr: online-ddl off). Before Start().
  void SetOnlineDdl(std::unique_ptr<OnlineDdl> online) { online_ = std::move(online); }
  // The operator's `binlog skip/replace` operations (nullptr: none). Before Start().
  // A QUERY event starting at an operation's position is skipped (the tracker keeps the
  // structure before it) or replaced by the operation's statements (planned, tracked and
  // executed like the upstream's DDL); the operation is marked done once the dispatcher
  // has run it and saved the checkpoint after it.
  void SetBinlogOperations(std::shared_ptr<BinlogOperations> ops) { ops_ = std::move(ops); }

  // Opens the stream (kUnavailable / kFailedPrecondition naming the server and start
  // point) and starts the thread.
  Status Start();
  void Stop();

  // Upstream facts learned when the stream opened.
  const upstream::UpstreamInfo& upstream() const { return upstream_; }
  // Where the stream starts: options.start's position (else the stream's), and the GTID
  // set there (the stream's, in the upstream's flavor). Valid after Start().
  const gtid::Location& start_location() const { return start_; }

 private:
  struct TableState;
  void Run(std::stop_token st);
  Status Handle(const upstream::StreamEvent& ev, std::stop_token st);
  Status HandleRows(const upstream::StreamEvent& ev, std::stop_token st);
  Status FlushRows(std::stop_token st);
  Status Commit(std::stop_token st);
  Status RunDdl(Item item, bool ends_trx, std::stop_token st);
  Result<TableState*> Table(const binlog::TableMap& map);
  bool Emit(Item item, std::stop_token st);

  ReaderOptions options_;
  std::shared_ptr<const rules::RuleSet> rules_;
  std::unique_ptr<SchemaSource> schemas_;
  std::unique_ptr<OnlineDdl> online_;
  std::shared_ptr<BinlogOperations> ops_;
  BoundedQueue<Item>* out_;
  std::unique_ptr<upstream::BinlogStream> stream_;
  upstream::UpstreamInfo upstream_;
  gtid::Location start_;
  std::jthread thread_;

  // Reader-thread state.
  std::map<rules::TableRef, std::unique_ptr<TableState>> tables_;
  binlog::TrxBoundaryTracker trx_;
  bool have_trx_ = false;
  RowStamp trx_stamp_;
  uint32_t trx_ts_ = 0;
  std::vector<RowChange> rows_;
  gtid::Location boundary_;
  uint64_t events_ = 0;
};

}  // namespace dm::sync
