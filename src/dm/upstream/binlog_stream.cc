#include "dm/upstream/binlog_stream.h"

#include <mysql.h>

#include <chrono>
#include <random>
#include <thread>

#include "dm/base/little_endian.h"
#include "dm/base/log.h"

namespace dm::upstream {

namespace {

constexpr uint16_t kDumpNonBlock = 0x01;
constexpr uint16_t kDumpSendAnnotateRows = 0x02;  // MariaDB
constexpr uint16_t kDumpThroughGtid = 0x04;       // MySQL COM_BINLOG_DUMP_GTID


// Sends a command packet. With `expect_ok` the server's OK/ERR reply is read and checked;
// without it (binlog dump) the reply is the event stream itself.
Status SendCommand(mysql::Connection& c, enum_server_command cmd, const std::string& arg,
                   std::string_view what, bool expect_ok) {
  MYSQL* m = c.raw();
  if (m->methods->db_command(m, cmd, arg.data(), arg.size(), expect_ok ? 0 : 1, nullptr) != 0) {
    return c.LastError(std::string(what) + " failed");
  }
  return Status::OK();
}

}  // namespace

BinlogStream::BinlogStream(StreamOptions options) : options_(std::move(options)) {
  if (options_.server_id == 0) {
    std::random_device rd;
    options_.server_id = 1000000000u + rd() % 1000000000u;
  }
}

BinlogStream::~BinlogStream() = default;

Result<std::unique_ptr<BinlogStream>> BinlogStream::Open(StreamOptions options) {
  std::unique_ptr<BinlogStream> s(new BinlogStream(std::move(options)));
  DM_RETURN_IF_ERROR(s->Connect());
  // Establish the starting boundary from the options (or the server's current state).
  const StreamOptions& o = s->options_;
  if (o.start_gtid) {
    if (s->info_.flavor == gtid::Flavor::kMySQL && !s->info_.gtid_mode) {
      // MySQL refuses COM_BINLOG_DUMP_GTID unless gtid_mode is ON (ERR 1236 on the dump).
      return Status(Code::kFailedPrecondition,
                    s->conn_->options().Describe() + " (" + s->info_.Describe() +
                        ") has gtid_mode OFF, so it cannot stream from a GTID set; start from a "
                        "binlog file and position instead, or set gtid_mode=ON on the server",
                    Scope::kUpstream);
    }
    auto set = gtid::GtidSet::Parse(s->info_.flavor, *o.start_gtid);
    if (!set.ok()) return set.status().WithContext("start GTID set").WithScope(Scope::kConfig);
    s->boundary_gtids_ = std::move(set).value();
    s->use_gtid_ = true;
  } else {
    s->boundary_gtids_ = gtid::GtidSet(s->info_.flavor);
    if (o.start_position) {
      s->boundary_pos_ = *o.start_position;
    } else {
      s->boundary_pos_ = s->info_.position;
    }
    if (s->boundary_pos_.pos < 4) s->boundary_pos_.pos = 4;
    if (s->info_.flavor == gtid::Flavor::kMariaDB) {
      // MariaDB can tell the GTID position that corresponds to a file:pos.
      auto pos = s->conn_->QueryValue("SELECT BINLOG_GTID_POS('" +
                                      s->conn_->Escape(s->boundary_pos_.file) + "', " +
                                      std::to_string(s->boundary_pos_.pos) + ")");
      if (pos.ok() && pos->has_value()) {
        auto set = gtid::GtidSet::Parse(gtid::Flavor::kMariaDB, **pos);
        if (set.ok()) s->boundary_gtids_ = std::move(set).value();
      }
    }
  }
  DM_RETURN_IF_ERROR(s->StartDump());
  return s;
}

Status BinlogStream::Connect() {
  mysql::ConnectOptions co = options_.conn;
  co.scope = Scope::kUpstream;
  // A read timeout well above the heartbeat period detects a silently dead connection.
  if (options_.heartbeat_period_s > 0 && co.read_timeout_s == 0) {
    co.read_timeout_s = options_.heartbeat_period_s * 3;
  }
  DM_ASSIGN_OR_RETURN(conn_, mysql::Connection::Connect(co));
  DM_ASSIGN_OR_RETURN(info_, DetectUpstream(*conn_));
  return Status::OK();
}

Status BinlogStream::StartDump() {
  mysql::Connection& c = *conn_;
  const bool maria = info_.flavor == gtid::Flavor::kMariaDB;
  // Declare checksum awareness with the server's own algorithm, so the stream carries
  // exactly what the FORMAT_DESCRIPTION says.
  DM_RETURN_IF_ERROR(
      c.Execute("SET @master_binlog_checksum = @@global.binlog_checksum, "
                "@source_binlog_checksum = @@global.binlog_checksum"));
  binlog::DecoderOptions dopts;
  dopts.initial_checksum = info_.binlog_checksum == "CRC32" ? binlog::ChecksumAlg::kCrc32
                                                             : binlog::ChecksumAlg::kOff;
  decoder_ = binlog::Decoder(dopts);
  trx_.Reset();
  inner_.reset();
  if (options_.heartbeat_period_s > 0) {
    std::string ns = std::to_string(uint64_t(options_.heartbeat_period_s) * 1000000000ULL);
    DM_RETURN_IF_ERROR(c.Execute("SET @master_heartbeat_period = " + ns +
                                 ", @source_heartbeat_period = " + ns));
  }
  if (maria) {
    // Capability 4 (GTID): real GTID/annotate events instead of dummy QUERY events.
    DM_RETURN_IF_ERROR(c.Execute("SET @mariadb_slave_capability = 4"));
    if (use_gtid_) {
      DM_RETURN_IF_ERROR(c.Execute("SET @slave_connect_state = '" +
                                   c.Escape(boundary_gtids_.ToString()) +
                                   "', @slave_gtid_strict_mode = 0, "
                                   "@slave_gtid_ignore_duplicates = 0"));
    }
  }
  // COM_REGISTER_SLAVE: server_id, hostname, user, password, port, rank, master_id.
  std::string reg;
  Put32(&reg, options_.server_id);
  reg.push_back(0);  // hostname
  reg.push_back(0);  // user
  reg.push_back(0);  // password
  Put16(&reg, 0);
  Put32(&reg, 0);
  Put32(&reg, 0);
  DM_RETURN_IF_ERROR(SendCommand(c, COM_REGISTER_SLAVE, reg, "registering as replica", true));

  uint16_t flags = options_.stop_at_end ? kDumpNonBlock : 0;
  if (use_gtid_ && !maria) {
    // COM_BINLOG_DUMP_GTID: flags, server_id, name_len, name, pos u64, data_len, data.
    const gtid::MysqlGtidSet* set = boundary_gtids_.mysql();
    std::string data = set ? gtid::EncodeMysqlGtidSet(*set) : std::string();
    std::string arg;
    Put16(&arg, static_cast<uint16_t>(flags | kDumpThroughGtid));
    Put32(&arg, options_.server_id);
    Put32(&arg, 0);
    Put64(&arg, 4);
    Put32(&arg, static_cast<uint32_t>(data.size()));
    arg += data;
    DM_RETURN_IF_ERROR(SendCommand(c, static_cast<enum_server_command>(0x1e), arg, "COM_BINLOG_DUMP_GTID", false));
    file_.clear();
  } else {
    if (maria) flags |= kDumpSendAnnotateRows;
    std::string arg;
    uint64_t pos = use_gtid_ ? 4 : boundary_pos_.pos;
    Put32(&arg, static_cast<uint32_t>(pos));
    Put16(&arg, flags);
    Put32(&arg, options_.server_id);
    if (!use_gtid_) arg += boundary_pos_.file;
    DM_RETURN_IF_ERROR(SendCommand(c, COM_BINLOG_DUMP, arg, "COM_BINLOG_DUMP", false));
    file_ = use_gtid_ ? std::string() : boundary_pos_.file;
  }
  LogInfo("binlog dump started on {} ({}) from {} as replica server_id {}",
          conn_->options().Describe(), info_.Describe(),
          use_gtid_ ? "GTID " + boundary_gtids_.ToString() : boundary_pos_.ToString(),
          options_.server_id);
  return Status::OK();
}

void BinlogStream::Stop() {
  stopped_ = true;
  // mariadb_cancel shuts the socket down so a blocked read returns.
  if (conn_) mariadb_cancel(conn_->raw());
}

void BinlogStream::Track(const binlog::Event& e, uint32_t log_pos) {
  trx_.Feed(e);
  if (trx_.committed() && log_pos != 0) {
    boundary_pos_ = {file_, log_pos};
    if (auto& g = trx_.committed_maria_gtid(); g && boundary_gtids_.mutable_mariadb()) {
      boundary_gtids_.mutable_mariadb()->Update(*g);
    }
    if (auto& g = trx_.committed_mysql_gtid(); g && boundary_gtids_.mutable_mysql()) {
      if (Status st = boundary_gtids_.mutable_mysql()->Add(*g); !st.ok()) {
        LogWarn("ignoring GTID {}: {}", g->ToString(), st.ToString());
      }
    }
  }
}

Status BinlogStream::ReadOne(StreamEvent* out, bool* end) {
  if (inner_) {
    // The next event inside the last TRANSACTION_PAYLOAD (no checksum of its own).
    std::string_view raw;
    uint64_t offset = 0;
    if (inner_->Next(&raw, &offset)) {
      out->raw = raw;
      out->file = file_;
      out->payload_pos = payload_pos_;
      Status s = decoder_.DecodeEmbedded(raw, &out->event);
      if (!s.ok()) {
        return std::move(s)
            .WithContext("event at offset " + std::to_string(offset) +
                         " of the TRANSACTION_PAYLOAD ending at " + file_ + ":" +
                         std::to_string(payload_end_) + " (stream from " +
                         conn_->options().Describe() + ")")
            .WithScope(Scope::kUpstream);
      }
      Track(out->event, payload_end_);
      return Status::OK();
    }
    Status s = inner_->status();
    inner_.reset();
    if (!s.ok()) {
      return std::move(s)
          .WithContext("TRANSACTION_PAYLOAD ending at " + file_ + ":" +
                       std::to_string(payload_end_) + " (stream from " +
                       conn_->options().Describe() + ")")
          .WithScope(Scope::kUpstream);
    }
  }
  MYSQL* m = conn_->raw();
  unsigned long len = mysql_net_read_packet(m);
  if (stopped_) {
    *end = true;
    return Status::OK();
  }
  if (len == packet_error) {
    Status s = conn_->LastError("reading the binlog stream");
    if (mysql_errno(m) == 1236) {
      // ER_MASTER_FATAL_ERROR_READING_BINLOG: the server refuses the start point (or its
      // binlog is unreadable). Say what was asked for and how to pick a start it can serve.
      const bool maria = info_.flavor == gtid::Flavor::kMariaDB;
      std::string asked = use_gtid_ ? "GTID set '" + boundary_gtids_.ToString() + "'"
                                    : "position " + boundary_pos_.ToString();
      std::string todo =
          use_gtid_
              ? (maria ? "start from a GTID position whose transactions are still in the "
                         "server's binlogs (SHOW BINARY LOGS; @@global.gtid_binlog_pos, "
                         "BINLOG_GTID_POS()) or run a new full dump"
                       : "start from a GTID set that contains the server's @@global.gtid_purged "
                         "and is contained in its @@global.gtid_executed, or run a new full dump")
              : "start from a file listed by SHOW BINARY LOGS, at an event boundary within "
                "its size, or run a new full dump";
      s = Status(Code::kFailedPrecondition,
                 "the server refused to send its binlog from " + asked + ": " +
                     std::string(s.message()) + "; " + todo,
                 Scope::kUpstream, 1236);
    }
    return s;
  }
  const unsigned char* p = m->net.read_pos;
  if (len == 0 || (p[0] == 0xfe && len < 9)) {  // EOF packet: end of a non-blocking dump
    *end = true;
    return Status::OK();
  }
  if (p[0] != 0x00) {
    return Status(Code::kCorruption,
                  "unexpected packet header byte " + std::to_string(p[0]) + " in binlog stream",
                  Scope::kUpstream);
  }
  buf_.assign(reinterpret_cast<const char*>(p + 1), len - 1);
  out->raw = buf_;
  out->payload_pos = 0;
  Status s = decoder_.Decode(buf_, &out->event);
  if (!s.ok()) {
    return std::move(s)
        .WithContext("binlog " + file_ + " (stream from " + conn_->options().Describe() + ")")
        .WithScope(Scope::kUpstream);
  }
  const binlog::EventHeader& h = out->event.header;
  if (const auto* r = out->event.As<binlog::RotateEvent>()) {
    out->file = file_;
    file_ = std::string(r->next_file);
    // A MySQL GTID dump (re)starts a file with an artificial ROTATE to position 4 and then
    // skips what the replica has: no progress, so a boundary already in that file stays.
    const bool restart_of_file = use_gtid_ && h.log_pos == 0 && file_ == boundary_pos_.file;
    if ((!use_gtid_ || trx_.at_boundary()) && !restart_of_file) {
      boundary_pos_ = {file_, r->position};
    }
    return Status::OK();
  }
  out->file = file_;
  if (const auto* hb = out->event.As<binlog::HeartbeatEvent>()) {
    // MySQL's heartbeat carries the end of what it has read of the file: the end of a group
    // it skipped for a GTID dump, or the end of the binlog when idle. Outside a transaction
    // that is where the stream is (a MySQL replica's IO thread does the same).
    if (info_.flavor == gtid::Flavor::kMySQL && trx_.at_boundary() && hb->file == file_ &&
        file_ == boundary_pos_.file && hb->position > boundary_pos_.pos) {
      boundary_pos_.pos = hb->position;
    }
    return Status::OK();
  }
  Track(out->event, h.log_pos);
  if (const auto* tp = out->event.As<binlog::TransactionPayloadEvent>()) {
    // A whole transaction, compressed: its events come next, from Next() calls that do not
    // read the connection.
    payload_.assign(binlog::kBinlogMagic);
    payload_ += tp->uncompressed;
    payload_end_ = h.log_pos;
    payload_pos_ = h.log_pos >= h.event_size ? h.log_pos - h.event_size : 0;
    inner_.emplace(payload_, "TRANSACTION_PAYLOAD");
  }
  return Status::OK();
}

Status BinlogStream::Next(StreamEvent* out, bool* end) {
  *end = false;
  int attempts = 0;
  int backoff = options_.backoff_initial_ms;
  while (true) {
    if (stopped_) {
      *end = true;
      return Status::OK();
    }
    Status s = conn_ ? ReadOne(out, end) : Status::Unavailable("not connected");
    if (s.ok()) {
      if (*end) return s;
      const binlog::EventHeader& h = out->event.header;
      bool control = h.type == binlog::EventType::kFormatDescription ||
                     h.type == binlog::EventType::kRotate ||
                     h.type == binlog::EventType::kHeartbeat ||
                     h.type == binlog::EventType::kHeartbeatV2 || h.log_pos == 0;
      // After a reconnect the server re-sends the interrupted transaction: skip what the
      // caller already has (with the events inside a compressed transaction).
      if (!control && out->file == delivered_.file && h.log_pos <= delivered_.pos) {
        if (h.type == binlog::EventType::kTransactionPayload) inner_.reset();
        continue;
      }
      if (!control) delivered_ = {out->file, h.log_pos};
      return s;
    }
    if (!s.IsRetryable() || stopped_) return s;
    if (options_.max_retries >= 0 && attempts >= options_.max_retries) {
      return std::move(s).WithContext("giving up after " + std::to_string(attempts) +
                                      " reconnect attempts");
    }
    ++attempts;
    LogWarn("binlog stream from {} interrupted: {}; reconnecting in {} ms (attempt {}) from {}",
            options_.conn.Describe(), s.ToString(), backoff, attempts,
            use_gtid_ ? boundary_gtids_.ToString() : boundary_pos_.ToString());
    std::this_thread::sleep_for(std::chrono::milliseconds(backoff));
    backoff = std::min(backoff * 2, options_.backoff_max_ms);
    conn_.reset();
    Status cs = Connect();
    if (cs.ok()) cs = StartDump();
    if (cs.ok()) {
      ++reconnects_;
    } else if (!cs.IsRetryable()) {
      return cs;
    } else {
      conn_.reset();
    }
  }
}

}  // namespace dm::upstream
