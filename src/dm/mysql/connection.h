#pragma once
// Connection: one client connection to a MySQL/MariaDB server (Connector/C underneath).
//
// Every failure becomes a Status classified once, here, by MySQL errno (see
// ClassifyMysqlErrno): a lost connection is kUnavailable (retryable), a deadlock is
// kAborted (retry the transaction), bad credentials are kFailedPrecondition. The
// message names the server (host:port, never the password) and the statement.
//
// Thread-safety: a Connection is used by one thread at a time. The first Connect() in a
// process sets SIGPIPE to ignored, so a write to a closed socket is an error, not a crash.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dm/base/result.h"
#include "dm/base/status.h"

struct st_mysql;  // MYSQL from <mysql.h>; kept out of this header

namespace dm::mysql {

// TLS to the server (DM's `security` section). With `ca`, the server's certificate must
// chain to it and name the host connected to (CN or subjectAltName); without `ca` but with
// `cert`, the connection is encrypted but the server is not verified.
struct TlsOptions {
  std::string ca;    // path to CA certificate; empty = no TLS unless `cert` is set
  std::string cert;  // client certificate (path); needs `key`
  std::string key;   // client private key (path)
  // cert-allowed-cn: if not empty, the Common Name of the server's certificate must be
  // one of these (checked after the handshake; needs TLS).
  std::vector<std::string> allowed_cn;
  bool enabled() const { return !ca.empty() || !cert.empty() || !key.empty(); }
};

struct ConnectOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 3306;
  std::string user = "root";
  std::string password;  // never logged or printed
  std::string database;  // optional default schema
  std::string unix_socket;
  int connect_timeout_s = 10;
  int read_timeout_s = 0;  // 0 = Connector/C default (blocking reads without timeout)
  int write_timeout_s = 0;
  TlsOptions tls;
  Scope scope = Scope::kUpstream;  // which side this server is, for error classification

  // "user@host:port", safe to log.
  std::string Describe() const;
};

// One result set, all values as text (NULL = nullopt), exactly as the server sent them.
struct QueryResult {
  std::vector<std::string> columns;
  std::vector<std::vector<std::optional<std::string>>> rows;
};

// One row of a streamed result (Connection::QueryStream): valid only during the callback.
struct RowView {
  unsigned num_fields = 0;
  char** values = nullptr;               // values[i] == nullptr for SQL NULL
  const unsigned long* lengths = nullptr;  // byte length of each value
  bool is_null(unsigned i) const { return values[i] == nullptr; }
  std::string_view value(unsigned i) const {
    return values[i] == nullptr ? std::string_view() : std::string_view(values[i], lengths[i]);
  }
};

// Maps a MySQL/MariaDB client or server errno to our error code.
Code ClassifyMysqlErrno(unsigned err);

class Connection {
 public:
  // Connects; returns kUnavailable if the server cannot be reached, kFailedPrecondition
  // on access denied, each naming host:port and what to check.
  static Result<std::unique_ptr<Connection>> Connect(const ConnectOptions& options);

  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs a statement and discards any result.
  Status Execute(std::string_view sql);
  // Runs a statement and returns its (single) result set.
  Result<QueryResult> Query(std::string_view sql);
  // Runs a query and hands its rows to `on_row` one at a time as they arrive
  // (mysql_use_result): memory stays bounded by one row whatever the result size.
  // `columns`, if given, receives the column names before the first row. If `on_row`
  // returns an error, the rest of the result is read and discarded (the connection stays
  // usable) and that error is returned; a failure while reading rows (lost connection,
  // server error mid-result) is returned naming the server and the statement.
  // While the callback runs, no other statement may be sent on this connection.
  Status QueryStream(std::string_view sql, const std::function<Status(const RowView&)>& on_row,
                     std::vector<std::string>* columns = nullptr);

  // Runs a query returning one row; returns that row's first column (nullopt for NULL
  // or for no row).
  Result<std::optional<std::string>> QueryValue(std::string_view sql);

  // Escapes `value` for use inside single quotes with this connection's charset.
  std::string Escape(std::string_view value);

  std::string ServerVersion() const;  // e.g. "10.11.6-MariaDB-0+deb12u1"
  bool IsMariaDB() const;
  const ConnectOptions& options() const { return options_; }

  // The underlying handle, for the binlog dump protocol in dm/upstream.
  st_mysql* raw() { return mysql_; }

  // The last error on this connection as a Status with `context` (for users of raw()).
  Status LastError(std::string_view context) const;

 private:
  Connection(st_mysql* mysql, ConnectOptions options);

  st_mysql* mysql_;
  ConnectOptions options_;
};

// `name` quoted with backticks, inner backticks doubled: a`b -> `a``b`.
std::string QuoteIdentifier(std::string_view name);
// `schema`.`table`
std::string QuoteTable(std::string_view schema, std::string_view table);

}  // namespace dm::mysql
