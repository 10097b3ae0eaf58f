#pragma once
// MariaDbServer: a throwaway mariadbd for integration tests.
//
// Start() initialises a datadir with mariadb-install-db in a fresh directory under
// TestTempDir(), starts mariadbd on a free 127.0.0.1 port with the binlog on (ROW,
// FULL row image, FULL row metadata, gtid_domain_id 0, utf8mb4) and returns once
// root@127.0.0.1 (empty password) can log in over TCP. Layout of dir():
//   data/            the datadir
//   mysql-bin.NNNNNN, mysql-bin.index   the binlog (binlog_dir() == dir())
//   error.log        mariadbd's log: read it when something fails
//   install.log, stdout.log, mysql.sock, mysqld.pid
//
// The object owns the process: the destructor stops it (SIGTERM, 10 s, SIGKILL, by
// pid) and removes dir() unless DM_KEEP_TMP=1. The ChildProcess safety net kills it
// if the test process dies first.
//
// Thread-safety: one thread at a time; create it on a thread that outlives it.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dm/base/result.h"
#include "dm/base/status.h"
#include "dm/mysql/connection.h"
#include "dm/testing/child_process.h"

namespace dm::testing {

struct MariaDbOptions {
  std::string name = "mariadb";  // directory prefix and label in messages
  // Appended after the defaults, so they override them: e.g. "--binlog-row-image=MINIMAL",
  // "--log-bin-compress=ON", "--binlog-checksum=NONE", "--log-slave-updates".
  std::vector<std::string> extra_args;
  uint32_t server_id = 0;  // 0: unique within this process (1001, 1002, ...)
  std::chrono::seconds start_timeout{60};
};

// Empty if mariadbd and mariadb-install-db are installed, else why not and what to do.
std::string MariaDbUnavailableReason();

class MariaDbServer {
 public:
  static Result<std::unique_ptr<MariaDbServer>> Start(MariaDbOptions options = {});

  ~MariaDbServer();
  MariaDbServer(const MariaDbServer&) = delete;
  MariaDbServer& operator=(const MariaDbServer&) = delete;

  uint16_t port() const { return port_; }
  pid_t pid() const;  // of the current (or last) mariadbd process; see running()
  uint32_t server_id() const { return server_id_; }
  const std::string& dir() const { return dir_; }
  std::string datadir() const { return dir_ + "/data"; }
  std::string socket_path() const { return dir_ + "/mysql.sock"; }
  std::string error_log_path() const { return dir_ + "/error.log"; }
  const std::string& binlog_dir() const { return dir_; }
  static constexpr const char* kBinlogBasename = "mysql-bin";
  std::string binlog_basename() const { return kBinlogBasename; }
  // dir()/mysql-bin.index, and dir()/<file> for a name from SHOW BINARY LOGS.
  std::string binlog_index_path() const { return dir_ + "/mysql-bin.index"; }
  std::string binlog_path(const std::string& file) const { return dir_ + "/" + file; }

  // root@127.0.0.1:port(), no password, no default schema.
  mysql::ConnectOptions connect_options() const;
  Result<std::unique_ptr<mysql::Connection>> Connect() const;

  // Graceful shutdown (SIGTERM; SIGKILL after `grace`). Idempotent.
  Status Stop(std::chrono::milliseconds grace = std::chrono::seconds(10));
  // Crash: SIGKILL and reap. Idempotent.
  void Kill();
  // Starts again on the same datadir and port (after Stop or Kill; stops it first if
  // running) and waits until it accepts connections. `extra_args` replace the original
  // ones when given.
  Status Restart(std::optional<std::vector<std::string>> extra_args = std::nullopt);
  bool running();

  // The last `lines` lines of error.log, for failure messages.
  std::string ErrorLogTail(int lines = 30) const;

 private:
  MariaDbServer() = default;
  Status Launch();
  Status WaitReady();

  MariaDbOptions options_;
  std::string dir_;
  uint16_t port_ = 0;
  uint32_t server_id_ = 0;
  std::unique_ptr<ChildProcess> process_;
};

}  // namespace dm::testing
