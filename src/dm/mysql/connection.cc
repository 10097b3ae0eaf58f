#include "dm/mysql/connection.h"

#include <errmsg.h>
#include <mysql.h>

#include <csignal>
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
  if (!o.tls.ca.empty() || !o.tls.cert.empty()) {
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
    std::string msg = "cannot connect to " + o.Describe() + ": " + mysql_error(m);
    Code code = ClassifyMysqlErrno(err);
    if (code == Code::kUnavailable) {
      msg += "; check that the server is running and host/port are right";
    } else if (err == 1045) {
      msg += "; check the user and password";
    }
    mysql_close(m);
    return Status(code, std::move(msg), o.scope, err);
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
