#pragma once
// MysqlPrimary: a test-only MySQL primary that serves real MySQL-written binlog files over
// the MySQL client/server protocol, so the replica side of dm/upstream can run against the
// MySQL flavor on a machine that has only MariaDB.
//
// What it speaks (our reading of MySQL's protocol docs and rpl_binlog_sender.cc; no real
// MySQL server was used to check it):
//   - protocol v10 handshake with the configured server version, mysql_native_password
//     (the scramble is verified; a wrong user or password gets ERR 1045 as MySQL sends it);
//     no TLS, no compression, classic EOF packets (CLIENT_DEPRECATE_EOF not offered);
//   - COM_QUERY for exactly the statements DetectUpstream and BinlogStream send (listed in
//     mysql_primary.cc); any other query gets ERR 1105 naming it, so a new client query
//     fails loudly instead of getting a made-up answer;
//   - COM_REGISTER_SLAVE, COM_PING, COM_QUIT;
//   - COM_BINLOG_DUMP (file, pos) and COM_BINLOG_DUMP_GTID (GTID set, MySQL's binary
//     encoding): an artificial ROTATE (timestamp 0, log_pos 0, LOG_EVENT_ARTIFICIAL_F), the
//     file's FORMAT_DESCRIPTION (log_pos and created cleared when the dump does not start
//     at the file's first event), then the file's events; for a GTID dump from the first
//     file whose PREVIOUS_GTIDS is inside the requested set, skipping the transactions whose
//     GTID is in the set and sending a HEARTBEAT with the end of a skipped group before the
//     next event sent, as MySQL's Binlog_sender does. Files are served in order with an
//     artificial ROTATE before each; at the end an EOF packet if BINLOG_DUMP_NON_BLOCK is set,
//     else HEARTBEAT events every @source_heartbeat_period (or @master_heartbeat_period) ns
//     until the client goes away. Events keep the checksums of their files; the artificial
//     events get a CRC32 when the stream has checksums. Errors are ERR 1236 with MySQL's
//     messages (purged GTIDs, more GTIDs than the primary, unknown file, position past the
//     end, checksum not declared, GTID dump with gtid_mode OFF).
//
// Thread-safety: Start() spawns an accept thread and one thread per connection; every
// public method may be called from any thread. The destructor closes all connections and
// joins the threads.

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "dm/base/result.h"
#include "dm/gtid/mysql_gtid.h"
#include "dm/mysql/connection.h"

namespace dm::testing {

struct MysqlPrimaryOptions {
  // Paths of the binlog files to serve, oldest first; the client sees their base names.
  std::vector<std::string> binlog_files;
  std::string server_version = "8.0.36";  // handshake and @@version
  std::string user = "repl";
  std::string password = "repl-password";
  uint32_t server_id = 1;
  // @@server_uuid; empty: the uuid of the first GTID in the files, else a fixed one.
  std::string server_uuid;
  bool gtid_mode = true;  // @@global.gtid_mode ON / OFF
  // @@global.gtid_purged; nullopt: the PREVIOUS_GTIDS of the first file (what MySQL reports
  // once older binlogs are purged).
  std::optional<std::string> gtid_purged;
  std::string binlog_format = "ROW";
  std::string binlog_row_image = "FULL";
};

// One COM_BINLOG_DUMP / COM_BINLOG_DUMP_GTID as the primary received it.
struct DumpRequest {
  uint8_t command = 0;  // 0x12 COM_BINLOG_DUMP, 0x1e COM_BINLOG_DUMP_GTID
  uint16_t flags = 0;
  uint32_t server_id = 0;
  std::string file;
  uint64_t pos = 0;
  std::string gtid_data;  // the encoded GTID set, byte for byte (GTID dump only)
  std::string gtid_set;   // gtid_data decoded, in MySQL's text form
};

class MysqlPrimary {
 public:
  // Reads the files, listens on 127.0.0.1 (a port the kernel picks) and accepts.
  static Result<std::unique_ptr<MysqlPrimary>> Start(MysqlPrimaryOptions options);
  ~MysqlPrimary();
  MysqlPrimary(const MysqlPrimary&) = delete;
  MysqlPrimary& operator=(const MysqlPrimary&) = delete;

  uint16_t port() const { return port_; }
  // user@127.0.0.1:port() with the configured password.
  mysql::ConnectOptions connect_options() const;
  const std::string& server_uuid() const { return server_uuid_; }
  // @@global.gtid_executed: the purged set plus every GTID in the files.
  std::string gtid_executed() const { return executed_.ToString(); }

  // The next binlog dump (only that one) closes its connection, without a word, right
  // after sending `n` events read from the files (artificial events not counted).
  void DropNextDumpAfter(int n) { drop_next_after_ = n; }
  // The next `n` connections are closed right after they are accepted, before the handshake
  // (a primary that is restarting): the client sees a lost connection.
  void RefuseNextConnections(int n) { refuse_next_ = n; }

  // What clients sent so far, in order.
  std::vector<std::string> queries() const;
  std::vector<DumpRequest> dumps() const;
  int connections() const { return connections_; }
  // Connections whose authentication failed.
  int auth_failures() const { return auth_failures_; }
  // Connections closed by RefuseNextConnections.
  int refused() const { return refused_; }

 private:
  struct File;
  struct Conn;
  MysqlPrimary() = default;
  void AcceptLoop();
  void Serve(int fd);
  // Each returns false when the connection must be closed.
  bool Handshake(Conn& c);
  bool Query(Conn& c, std::string_view sql);
  bool Dump(Conn& c, uint8_t cmd, std::string_view arg);
  std::optional<std::string> SysVar(const std::string& name) const;  // lower-case name
  void Stop();

  MysqlPrimaryOptions options_;
  std::vector<std::shared_ptr<const File>> files_;
  std::string checksum_;  // "CRC32" / "NONE", from the first file's FORMAT_DESCRIPTION
  int version_ = 0;       // server_version as major * 10000 + minor * 100 + patch
  std::string server_uuid_;
  gtid::MysqlGtidSet purged_, executed_;
  uint16_t port_ = 0;
  int listen_fd_ = -1;
  int wake_fd_ = -1;  // eventfd: wakes the accept loop on Stop()
  std::thread acceptor_;
  std::atomic<bool> stopping_{false};
  std::atomic<int> drop_next_after_{0};
  std::atomic<int> refuse_next_{0};
  std::atomic<int> refused_{0};
  std::atomic<int> connections_{0};
  std::atomic<int> auth_failures_{0};
  std::atomic<uint32_t> next_conn_id_{100};

  mutable std::mutex mu_;
  std::vector<std::thread> workers_;
  std::vector<int> open_fds_;
  std::vector<std::string> queries_;
  std::vector<DumpRequest> dumps_;
};

}  // namespace dm::testing
