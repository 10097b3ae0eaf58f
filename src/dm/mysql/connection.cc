#include "dm/mysql/connection.h"

#include <errmsg.h>
#include <mysql.h>
// The TLS session of a connection (for cert-allowed-cn): Connector/C's plugin interface.
#define HAVE_TLS 1
typedef unsigned char uchar;  // ma_tls.h (included first by ma_pvio.h) uses it
#include <ma_pvio.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <mutex>

namespace dm::mysql {

namespace {
void InitLibraryOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    mysql_library_init(0, nullptr, nullptr);
    // Writing to a connection the server has closed (e.g. COM_QUIT on a killed
    // connection) must be an error we handle, not a SIGPIPE that ends the process.
    signal(SIGPIPE, SIG_IGN);
  });
}
// Checks that each TLS file given can be read, so a wrong path is reported as such
// (Connector/C only says "TLS/SSL error: No such file or directory").
Status CheckTlsFiles(const ConnectOptions& o) {
  const std::pair<const char*, const std::string*> files[] = {
      {"ssl-ca", &o.tls.ca}, {"ssl-cert", &o.tls.cert}, {"ssl-key", &o.tls.key}};
  for (const auto& [what, path] : files) {
    if (path->empty()) continue;
    if (access(path->c_str(), R_OK) != 0) {
      int e = errno;
      return Status(Code::kInvalidArgument,
                    std::string("cannot read the ") + what + " file " + *path + " for " +
                        o.Describe() + ": " + std::strerror(e) +
                        "; check the path in the security section (or the --" + what + " flag)",
                    o.scope);
    }
  }
  if (o.tls.cert.empty() != o.tls.key.empty()) {
    return Status(Code::kInvalidArgument,
                  "TLS for " + o.Describe() + ": ssl-cert and ssl-key must be given together",
                  o.scope);
  }
  return Status::OK();
}

// The text after the failure, for a connect error: what to check.
std::string ConnectHint(const ConnectOptions& o, unsigned err, const std::string& server_msg,
                        Code* code) {
  bool tls = o.tls.enabled();
  if (err == 2026) {  // CR_SSL_CONNECTION_ERROR: the TLS handshake failed
    // A handshake that fails on the certificate or on the server's TLS setup fails the
    // same way on every retry: it is a configuration error, not an outage. Any other
    // handshake failure (e.g. the connection dropped in the middle) stays retryable.
    if (server_msg.find("certificate") != std::string::npos ||
        server_msg.find("verify") != std::string::npos ||
        server_msg.find("Validation") != std::string::npos) {
      *code = Code::kFailedPrecondition;
      return "; the server's TLS certificate could not be verified: check that ssl-ca (" +
             o.tls.ca + ") is the CA that signed the certificate of " + o.host + ":" +
             std::to_string(o.port) + ", that the certificate has not expired and that it names " +
             o.host + " (CN or subjectAltName)";
    }
    if (server_msg.find("doesn't support") != std::string::npos ||
        server_msg.find("not support") != std::string::npos) {
      *code = Code::kFailedPrecondition;
      return "; TLS is configured (security / --ssl-ca) but " + o.host + ":" +
             std::to_string(o.port) +
             " has no TLS: enable TLS on the server (ssl_cert, ssl_key) or remove the "
             "security settings";
    }
    return "; the TLS handshake failed: check ssl-ca, ssl-cert and ssl-key and the server's "
           "TLS settings";
  }
  if (ClassifyMysqlErrno(err) == Code::kUnavailable) {
    return "; check that the server is running and host/port are right";
  }
  if (err == 1045) {
    if (!tls) {
      return "; check the user and password, and whether the account or the server requires "
             "TLS (REQUIRE SSL/X509 in SHOW GRANTS, require_secure_transport): then add a "
             "security section with ssl-ca (and ssl-cert/ssl-key for X509) to the source or "
             "task config (dm-binlog: --ssl-ca)";
    }
    if (o.tls.cert.empty()) {
      return "; check the user and password, and whether the account requires a client "
             "certificate (REQUIRE X509/SUBJECT/ISSUER): then also set ssl-cert and ssl-key";
    }
    return "; check the user and password, and that the client certificate (ssl-cert) "
           "matches what the account requires (REQUIRE X509/SUBJECT/ISSUER)";
  }
  return "";
}
// cert-allowed-cn: the CN of the server's certificate on this connection must be listed.
Status CheckPeerCommonName(MYSQL* m, const ConnectOptions& o) {
  const auto& allowed = o.tls.allowed_cn;
  const char* lib = nullptr;
  mariadb_get_infov(m, MARIADB_TLS_LIBRARY, &lib);
  SSL* ssl = nullptr;
  if (m->net.pvio != nullptr && m->net.pvio->ctls != nullptr) {
    ssl = static_cast<SSL*>(m->net.pvio->ctls->ssl);
  }
  if (ssl == nullptr) {
    return Status(Code::kFailedPrecondition,
                  "cert-allowed-cn is set for " + o.Describe() +
                      " but the connection does not use TLS; set ssl-ca in the security section",
                  o.scope);
  }
  if (lib == nullptr || std::string_view(lib).substr(0, 7) != "OpenSSL") {
    return Status(Code::kFailedPrecondition,
                  "cert-allowed-cn cannot be checked for " + o.Describe() +
                      ": the MariaDB client library uses " +
                      std::string(lib == nullptr ? "an unknown TLS library" : lib) +
                      ", not OpenSSL; remove cert-allowed-cn or use a client built with OpenSSL",
                  o.scope);
  }
  X509* cert = SSL_get1_peer_certificate(ssl);
  std::string cn;
  if (cert != nullptr) {
    char buf[256] = {};
    int n = X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, buf,
                                      sizeof(buf));
    if (n > 0) cn.assign(buf, static_cast<size_t>(n));
    X509_free(cert);
  }
  for (const auto& a : allowed) {
    if (a == cn) return Status::OK();
  }
  std::string list;
  for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
  return Status(Code::kFailedPrecondition,
                "the TLS certificate of " + o.host + ":" + std::to_string(o.port) +
                    " has Common Name '" + cn + "', which is not in cert-allowed-cn [" + list +
                    "]; check that this is the intended server or add its CN to cert-allowed-cn",
                o.scope);
}
}  // namespace

std::string ConnectOptions::Describe() const {
  std::string s = user + "@";
  if (!unix_socket.empty()) return s + unix_socket;
  return s + host + ":" + std::to_string(port);
}

Code ClassifyMysqlErrno(unsigned err) {
  switch (err) {
    case 1213:  // ER_LOCK_DEADLOCK
    case 1205:  // ER_LOCK_WAIT_TIMEOUT
      return Code::kAborted;
    case 1040:  // ER_CON_COUNT_ERROR: too many connections
    case 1053:  // ER_SERVER_SHUTDOWN
    case 1152:  // ER_ABORTING_CONNECTION
    case 1158: case 1159: case 1160: case 1161:  // net read/write errors and timeouts
    case 1927:  // ER_CONNECTION_KILLED (MariaDB)
    case 2001: case 2002: case 2003: case 2004: case 2005: case 2006: case 2011:
    case 2012: case 2013: case 2026: case 2055:
      return Code::kUnavailable;
    case 1062:  // ER_DUP_ENTRY
    case 1050:  // ER_TABLE_EXISTS_ERROR
    case 1007:  // ER_DB_CREATE_EXISTS
      return Code::kAlreadyExists;
    case 1045:  // ER_ACCESS_DENIED_ERROR
    case 1044:  // ER_DBACCESS_DENIED_ERROR
    case 1142:  // ER_TABLEACCESS_DENIED_ERROR
    case 1227:  // ER_SPECIFIC_ACCESS_DENIED_ERROR
    case 1236:  // ER_MASTER_FATAL_ERROR_READING_BINLOG
      return Code::kFailedPrecondition;
    case 1049:  // ER_BAD_DB_ERROR
    case 1146:  // ER_NO_SUCH_TABLE
    case 1054:  // ER_BAD_FIELD_ERROR
      return Code::kNotFound;
    case 1064:  // ER_PARSE_ERROR
      return Code::kInvalidArgument;
    default:
      return Code::kInternal;
  }
}

Connection::Connection(st_mysql* mysql, ConnectOptions options)
    : mysql_(mysql), options_(std::move(options)) {}

Connection::~Connection() {
  if (mysql_ != nullptr) mysql_close(mysql_);
}

Result<std::unique_ptr<Connection>> Connection::Connect(const ConnectOptions& o) {
  InitLibraryOnce();
  MYSQL* m = mysql_init(nullptr);
  if (m == nullptr) return Status::Internal("mysql_init failed: out of memory");
  unsigned timeout = static_cast<unsigned>(o.connect_timeout_s);
  mysql_optionsv(m, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
  if (o.read_timeout_s > 0) {
    unsigned t = static_cast<unsigned>(o.read_timeout_s);
    mysql_optionsv(m, MYSQL_OPT_READ_TIMEOUT, &t);
  }
  if (o.write_timeout_s > 0) {
    unsigned t = static_cast<unsigned>(o.write_timeout_s);
    mysql_optionsv(m, MYSQL_OPT_WRITE_TIMEOUT, &t);
  }
  mysql_optionsv(m, MYSQL_SET_CHARSET_NAME, "utf8mb4");
  if (o.unix_socket.empty()) {
    // Connector/C takes host "localhost" to mean its default Unix socket; DM (and a TLS
    // server name check) mean TCP to that host.
    unsigned proto = MYSQL_PROTOCOL_TCP;
    mysql_optionsv(m, MYSQL_OPT_PROTOCOL, &proto);
  }
  if (o.tls.enabled()) {
    if (Status s = CheckTlsFiles(o); !s.ok()) {
      mysql_close(m);
      return s;
    }
    mysql_ssl_set(m, o.tls.key.empty() ? nullptr : o.tls.key.c_str(),
                  o.tls.cert.empty() ? nullptr : o.tls.cert.c_str(),
                  o.tls.ca.empty() ? nullptr : o.tls.ca.c_str(), nullptr, nullptr);
    my_bool verify = o.tls.ca.empty() ? 0 : 1;
    mysql_optionsv(m, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &verify);
  }
  const char* socket = o.unix_socket.empty() ? nullptr : o.unix_socket.c_str();
  const char* db = o.database.empty() ? nullptr : o.database.c_str();
  if (mysql_real_connect(m, o.host.c_str(), o.user.c_str(), o.password.c_str(), db, o.port,
                         socket, CLIENT_MULTI_STATEMENTS) == nullptr) {
    unsigned err = mysql_errno(m);
    std::string server_msg = mysql_error(m);
    std::string msg = "cannot connect to " + o.Describe() + ": " + server_msg;
    Code code = ClassifyMysqlErrno(err);
    msg += ConnectHint(o, err, server_msg, &code);
    mysql_close(m);
    return Status(code, std::move(msg), o.scope, err);
  }
  if (!o.tls.allowed_cn.empty()) {
    if (Status s = CheckPeerCommonName(m, o); !s.ok()) {
      mysql_close(m);
      return s;
    }
  }
  return std::unique_ptr<Connection>(new Connection(m, o));
}

Status Connection::LastError(std::string_view context) const {
  unsigned err = mysql_errno(mysql_);
  std::string msg(context);
  msg += " on ";
  msg += options_.Describe();
  msg += ": ";
  msg += mysql_error(mysql_);
  return Status(err == 0 ? Code::kInternal : ClassifyMysqlErrno(err), std::move(msg),
                options_.scope, err);
}

namespace {
std::string Abbrev(std::string_view sql) {
  constexpr size_t kMax = 200;
  if (sql.size() <= kMax) return std::string(sql);
  return std::string(sql.substr(0, kMax)) + "...";
}
}  // namespace

Status Connection::Execute(std::string_view sql) {
  if (mysql_real_query(mysql_, sql.data(), sql.size()) != 0) {
    return LastError("query '" + Abbrev(sql) + "' failed");
  }
  // Drain every result of a multi-statement.
  do {
    MYSQL_RES* res = mysql_store_result(mysql_);
    if (res != nullptr) mysql_free_result(res);
    else if (mysql_field_count(mysql_) != 0) return LastError("reading result failed");
    int next = mysql_next_result(mysql_);
    if (next > 0) return LastError("query '" + Abbrev(sql) + "' failed");
    if (next < 0) break;
  } while (true);
  return Status::OK();
}

Result<QueryResult> Connection::Query(std::string_view sql) {
  if (mysql_real_query(mysql_, sql.data(), sql.size()) != 0) {
    return LastError("query '" + Abbrev(sql) + "' failed");
  }
  MYSQL_RES* res = mysql_store_result(mysql_);
  QueryResult out;
  if (res == nullptr) {
    if (mysql_field_count(mysql_) != 0) return LastError("reading result failed");
    return out;
  }
  unsigned n = mysql_num_fields(res);
  MYSQL_FIELD* fields = mysql_fetch_fields(res);
  for (unsigned i = 0; i < n; ++i) out.columns.emplace_back(fields[i].name, fields[i].name_length);
  while (MYSQL_ROW row = mysql_fetch_row(res)) {
    unsigned long* lens = mysql_fetch_lengths(res);
    auto& r = out.rows.emplace_back();
    r.reserve(n);
    for (unsigned i = 0; i < n; ++i) {
      if (row[i] == nullptr) r.emplace_back(std::nullopt);
      else r.emplace_back(std::string(row[i], lens[i]));
    }
  }
  mysql_free_result(res);
  while (mysql_next_result(mysql_) == 0) {
    if (MYSQL_RES* extra = mysql_store_result(mysql_)) mysql_free_result(extra);
  }
  return out;
}

Status Connection::QueryStream(std::string_view sql,
                               const std::function<Status(const RowView&)>& on_row,
                               std::vector<std::string>* columns) {
  if (mysql_real_query(mysql_, sql.data(), sql.size()) != 0) {
    return LastError("query '" + Abbrev(sql) + "' failed");
  }
  MYSQL_RES* res = mysql_use_result(mysql_);
  if (res == nullptr) {
    if (mysql_field_count(mysql_) != 0) return LastError("reading result of '" + Abbrev(sql) + "' failed");
    return Status::OK();
  }
  unsigned n = mysql_num_fields(res);
  if (columns != nullptr) {
    columns->clear();
    MYSQL_FIELD* fields = mysql_fetch_fields(res);
    for (unsigned i = 0; i < n; ++i) columns->emplace_back(fields[i].name, fields[i].name_length);
  }
  Status cb_status;
  while (MYSQL_ROW row = mysql_fetch_row(res)) {
    if (!cb_status.ok()) continue;  // drain the rest so the connection stays usable
    RowView view;
    view.num_fields = n;
    view.values = row;
    view.lengths = mysql_fetch_lengths(res);
    cb_status = on_row(view);
  }
  // mysql_fetch_row returns NULL both at the end and on an error.
  Status read_status;
  if (mysql_errno(mysql_) != 0) read_status = LastError("reading rows of '" + Abbrev(sql) + "' failed");
  mysql_free_result(res);
  while (mysql_next_result(mysql_) == 0) {
    if (MYSQL_RES* extra = mysql_store_result(mysql_)) mysql_free_result(extra);
  }
  if (!cb_status.ok()) return cb_status;
  return read_status;
}

Result<std::optional<std::string>> Connection::QueryValue(std::string_view sql) {
  DM_ASSIGN_OR_RETURN(QueryResult r, Query(sql));
  if (r.rows.empty() || r.rows[0].empty()) return std::optional<std::string>();
  return r.rows[0][0];
}

std::string Connection::Escape(std::string_view value) {
  std::string out(value.size() * 2 + 1, '\0');
  unsigned long n = mysql_real_escape_string(mysql_, out.data(), value.data(), value.size());
  out.resize(n);
  return out;
}

std::string Connection::ServerVersion() const { return mysql_get_server_info(mysql_); }

bool Connection::IsMariaDB() const {
  return ServerVersion().find("MariaDB") != std::string::npos;
}

std::string QuoteIdentifier(std::string_view name) {
  std::string out;
  out.reserve(name.size() + 2);
  out += '`';
  for (char c : name) {
    if (c == '`') out += '`';
    out += c;
  }
  out += '`';
  return out;
}

std::string QuoteTable(std::string_view schema, std::string_view table) {
  return QuoteIdentifier(schema) + "." + QuoteIdentifier(table);
}

}  // namespace dm::mysql
