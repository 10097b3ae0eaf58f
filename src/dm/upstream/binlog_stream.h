#pragma once
// BinlogStream: reads the binlog of a MySQL or MariaDB server as a replica does.
//
// It connects (Connector/C for auth/TLS/framing), detects the flavor, declares itself
// checksum-aware and asks for heartbeats, registers with a unique server id and sends
// COM_BINLOG_DUMP (from file:pos, or on MariaDB from a GTID position through
// @slave_connect_state) or COM_BINLOG_DUMP_GTID (MySQL, from a GTID set). Events are
// decoded with dm::binlog::Decoder (our own decoder, not Connector/C's).
//
// Reconnect: when the connection drops (a retryable error), Next() reconnects with
// exponential backoff and resumes at the last complete transaction (by GTID when the
// stream started from GTIDs, else by file:pos). Events of the interrupted transaction
// that were already returned are not returned again, so the caller sees each event once.
//
// Compressed transactions (MySQL 8.0.20+ binlog_transaction_compression=ON): Next() returns
// the TRANSACTION_PAYLOAD event, then the events inside it one by one (BEGIN, TABLE_MAP,
// ROWS, ..., XID), decoded with the stream's table maps. Those inner events have log_pos 0
// (as in the payload); the transaction's end, boundary_position(), is the payload's end.
//
// Thread-safety: Next() from one thread; Stop() may be called from any thread.

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "dm/base/result.h"
#include "dm/binlog/decoder.h"
#include "dm/binlog/file_splitter.h"
#include "dm/binlog/trx_boundary.h"
#include "dm/gtid/location.h"
#include "dm/mysql/connection.h"
#include "dm/upstream/upstream_info.h"

namespace dm::upstream {

struct StreamOptions {
  mysql::ConnectOptions conn;
  uint32_t server_id = 0;  // replica server id; 0 = pick a random one
  // Where to start: a GTID set (text in the server's flavor) or a file:pos.
  // With neither, the stream starts at the server's current position.
  std::optional<std::string> start_gtid;
  std::optional<gtid::BinlogPosition> start_position;
  int heartbeat_period_s = 30;  // 0 disables heartbeats
  bool stop_at_end = false;     // BINLOG_DUMP_NON_BLOCK: end instead of waiting for new events
  int max_retries = 10;         // reconnect attempts in a row before giving up; -1 = forever
  int backoff_initial_ms = 200;
  int backoff_max_ms = 10000;
};

struct StreamEvent {
  binlog::Event event;
  std::string_view raw;  // the event's bytes, valid until the next call to Next()
  std::string file;      // binlog file holding the event
  // For an event inside a TRANSACTION_PAYLOAD: where the payload event starts in `file`
  // (the inner events have no position of their own); 0 otherwise.
  uint64_t payload_pos = 0;
};

class BinlogStream {
 public:
  // Connects and starts the dump. kUnavailable if the server cannot be reached,
  // kFailedPrecondition if it cannot serve the requested start (binlog off, file purged).
  static Result<std::unique_ptr<BinlogStream>> Open(StreamOptions options);
  ~BinlogStream();

  // Waits for the next event. Sets *end and returns OK when a stop_at_end stream has
  // reached the end of the binlog, or after Stop().
  Status Next(StreamEvent* out, bool* end);

  // Makes a blocked Next() return (end = true). Thread-safe.
  void Stop();

  const UpstreamInfo& upstream() const { return info_; }
  uint32_t server_id() const { return options_.server_id; }
  // File and position after the last complete transaction, and the GTID set then.
  const gtid::BinlogPosition& boundary_position() const { return boundary_pos_; }
  const gtid::GtidSet& boundary_gtids() const { return boundary_gtids_; }
  int reconnects() const { return reconnects_; }

 private:
  explicit BinlogStream(StreamOptions options);
  Status Connect();
  Status StartDump();
  Status ReadOne(StreamEvent* out, bool* end);
  // Updates the boundary after `e` (log_pos: where the event, or its payload, ends).
  void Track(const binlog::Event& e, uint32_t log_pos);

  StreamOptions options_;
  std::unique_ptr<mysql::Connection> conn_;
  UpstreamInfo info_;
  binlog::Decoder decoder_;
  binlog::TrxBoundaryTracker trx_;
  std::string buf_;
  // The events of the last TRANSACTION_PAYLOAD not yet returned (magic + uncompressed
  // payload, split like a file), and where that payload ends in file_.
  std::string payload_;
  std::optional<binlog::FileEventSplitter> inner_;
  uint32_t payload_end_ = 0;
  uint64_t payload_pos_ = 0;  // where that payload starts
  std::string file_;  // current binlog file
  bool use_gtid_ = false;
  gtid::BinlogPosition boundary_pos_;
  gtid::GtidSet boundary_gtids_;
  gtid::BinlogPosition delivered_;  // end of the last event returned to the caller
  int reconnects_ = 0;
  std::atomic<bool> stopped_{false};
};

}  // namespace dm::upstream
