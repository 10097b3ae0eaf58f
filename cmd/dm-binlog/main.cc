// dm-binlog: decodes MySQL/MariaDB binlog files or a live binlog stream to JSON lines.
// Wiring only: decoding lives in dm/binlog, streaming in dm/upstream.

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "dm/base/log.h"
#include "dm/binlog/decoder.h"
#include "dm/binlog/event_json.h"
#include "dm/binlog/file_splitter.h"
#include "dm/binlog/row_reader.h"
#include "dm/binlog/trx_boundary.h"
#include "dm/upstream/binlog_stream.h"

namespace {

using dm::Status;
using namespace dm::binlog;

constexpr const char* kFormatHelp = R"(
Output: one JSON object per line, per event.
  common : type, pos (start offset), next_pos (end offset, 0 for artificial events),
           timestamp (unix seconds), server_id, size, file, gtid (of the enclosing
           transaction: MariaDB "domain-server-seq", MySQL "uuid[:tag]:gno")
  format_description: server_version, binlog_version, checksum
  rotate : next_file, position
  query / annotate_rows / rows_query: schema, query
  table_map: schema, table, table_id, columns [{name, type, meta, nullable, unsigned,
           collation}], primary_key
  write_rows* / delete_rows*: schema, table, table_id, rows [{column: value}]
  update_rows*: rows [{"before": {...}, "after": {...}}]
  mariadb_gtid: domain_id, seq_no, flags, commit_id; gtid: gtid_event, last_committed,
           sequence_number; previous_gtids / mariadb_gtid_list: the set
Values: null for NULL; otherwise a string: integers and decimals exact, FLOAT/DOUBLE
  shortest round-trip, DATE/DATETIME/TIME as MySQL prints them with the column's
  fractional digits, TIMESTAMP as a UTC datetime, YEAR as 4 digits, BIT as an unsigned
  number, ENUM/SET as names when the server logged them (binlog_row_metadata=FULL) or
  else the index / bitmask, JSON as JSON text, text as UTF-8; binary data (BINARY,
  VARBINARY, BLOB, GEOMETRY, or text bytes that are not UTF-8) as {"hex": "..."}.
  Columns are named from TABLE_MAP metadata, else "@1", "@2", ...; columns missing from a
  MINIMAL/NOBLOB row image are omitted.
With --summary nothing is printed per event; a final JSON object gives event counts,
rows per table, bytes, seconds and throughput (every row is still fully decoded).
Exit status: 0 on success, 1 on a decoding or connection error (message on stderr).
)";

struct Summary {
  uint64_t events = 0, bytes = 0, rows = 0, transactions = 0;
  std::array<uint64_t, 256> by_type{};  // indexed by event type code
  std::map<std::string, std::array<uint64_t, 3>> by_table;  // "db.table" -> insert/update/delete
};

class Printer {
 public:
  // Output is written in calls of at least this many bytes.
  static constexpr size_t kFlushBytes = size_t{1} << 20;

  Printer(bool summary) : summary_(summary) {}
  ~Printer() { Flush(); }

  Status Handle(const Event& e, uint64_t pos, std::string_view file) {
    const EventHeader& h = e.header;
    if (auto* g = e.As<MariaGtidEvent>()) gtid_ = g->gtid.ToString();
    if (auto* g = e.As<MysqlGtidEvent>()) gtid_ = g->anonymous ? "" : g->ToString();
    trx_.Feed(e);
    if (summary_) {
      ++s_.events;
      s_.bytes += h.event_size;
      ++s_.by_type[static_cast<uint8_t>(h.type)];
      if (auto* r = e.As<RowsEvent>(); r && r->table) {
        RowReader reader(*r);
        uint64_t n = 0;
        while (reader.Next(&a_, &b_)) ++n;
        DM_RETURN_IF_ERROR(reader.status());
        // Rows events of one statement share their TableMap: look the counters up once.
        if (r->table != last_table_) {
          last_table_ = r->table;
          last_counts_ = &s_.by_table[r->table->schema + "." + r->table->table];
        }
        (*last_counts_)[static_cast<int>(r->kind)] += n;
        s_.rows += n;
      }
    } else {
      DM_RETURN_IF_ERROR(writer_.Append(e, pos, file, gtid_));
      if (writer_.buffer().size() >= kFlushBytes) Flush();
    }
    if (trx_.committed()) {
      ++s_.transactions;
      gtid_.clear();
    }
    return Status::OK();
  }

  // Writes the pending lines in one call (the JSON writer's buffer, then out_).
  void Flush() {
    JsonBuffer& lines = writer_.buffer();
    if (!lines.empty()) {
      fwrite(lines.view().data(), 1, lines.size(), stdout);
      lines.clear();
    }
    if (!out_.empty()) {
      fwrite(out_.data(), 1, out_.size(), stdout);
      out_.clear();
    }
    fflush(stdout);
  }

  void PrintSummary(double seconds) {
    if (!summary_) return;
    std::string o = "{\"events\":" + std::to_string(s_.events) +
                    ",\"bytes\":" + std::to_string(s_.bytes) + ",\"rows\":" +
                    std::to_string(s_.rows) + ",\"transactions\":" +
                    std::to_string(s_.transactions) + ",\"seconds\":" + std::to_string(seconds);
    if (seconds > 0) {
      o += ",\"mb_per_s\":" + std::to_string(s_.bytes / seconds / 1e6) +
           ",\"rows_per_s\":" + std::to_string(s_.rows / seconds);
    }
    o += ",\"event_types\":{";
    bool first = true;
    std::map<std::string, uint64_t> types;  // by name, for a stable output order
    for (size_t t = 0; t < s_.by_type.size(); ++t) {
      if (s_.by_type[t]) types[std::string(EventTypeName(static_cast<EventType>(t)))] += s_.by_type[t];
    }
    for (auto& [k, v] : types) {
      if (!first) o += ",";
      first = false;
      AppendJsonString(k, &o);
      o += ":" + std::to_string(v);
    }
    o += "},\"tables\":{";
    first = true;
    for (auto& [t, kinds] : s_.by_table) {
      static constexpr const char* kKinds[] = {"insert", "update", "delete"};
      if (!first) o += ",";
      first = false;
      AppendJsonString(t, &o);
      o += ":{";
      bool f2 = true;
      for (int k = 0; k < 3; ++k) {
        if (!kinds[k]) continue;
        if (!f2) o += ",";
        f2 = false;
        o += "\"" + std::string(kKinds[k]) + "\":" + std::to_string(kinds[k]);
      }
      o += "}";
    }
    o += "}}\n";
    out_ += o;
    Flush();
  }

 private:
  bool summary_;
  std::string out_;
  std::string gtid_;
  EventJsonWriter writer_;
  TrxBoundaryTracker trx_;
  Summary s_;
  std::shared_ptr<const TableMap> last_table_;
  std::array<uint64_t, 3>* last_counts_ = nullptr;
  std::vector<Value> a_, b_;
};

Status DecodeFile(const std::string& path, bool verify, Printer& printer) {
  // read(2) in 128 KiB chunks rather than mmap (one sequential pass, see FileEventReader).
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::IOError("cannot open '" + path + "': " + strerror(errno));
  struct stat st;
  if (fstat(fd, &st) != 0) {
    Status s = Status::IOError("cannot stat '" + path + "': " + strerror(errno));
    close(fd);
    return s;
  }
  posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  std::string name = path.substr(path.find_last_of('/') + 1);
  auto read_fd = [fd](char* buf, size_t n, size_t* got) {
    ssize_t r;
    do {
      r = read(fd, buf, n);
    } while (r < 0 && errno == EINTR);
    if (r < 0) return Status::IOError(std::string("read failed: ") + strerror(errno));
    *got = static_cast<size_t>(r);
    return Status::OK();
  };
  FileEventReader splitter(read_fd, static_cast<uint64_t>(st.st_size), path);
  DecoderOptions opts;
  opts.verify_checksum = verify;
  Decoder decoder(opts);
  Event event;
  std::string_view raw;
  uint64_t offset = 0;
  Status result;
  while (splitter.Next(&raw, &offset)) {
    Status s = decoder.Decode(raw, &event);
    if (s.ok()) s = printer.Handle(event, offset, name);
    if (s.ok()) {
      if (auto* tp = event.As<TransactionPayloadEvent>()) {
        // The payload's events are complete events without checksums.
        std::string owned = std::string(kBinlogMagic) + tp->uncompressed;
        FileEventSplitter payload(owned, path + " (transaction payload at offset " +
                                             std::to_string(offset) + ")");
        std::string_view inner_raw;
        uint64_t inner_off = 0;
        Event inner_event;
        while (s.ok() && payload.Next(&inner_raw, &inner_off)) {
          s = decoder.DecodeEmbedded(inner_raw, &inner_event);
          if (s.ok()) s = printer.Handle(inner_event, offset, name);
        }
        if (s.ok()) s = payload.status();
      }
    }
    if (!s.ok()) {
      result = std::move(s).WithContext(path + ": event at offset " + std::to_string(offset));
      break;
    }
  }
  if (result.ok()) result = splitter.status();
  close(fd);
  return result;
}

int Fail(const Status& s) {
  fflush(stdout);
  fprintf(stderr, "dm-binlog: error: %s\n", s.ToString().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"dm-binlog: decode MySQL/MariaDB binlogs to JSON lines (one object per event)"};
  app.footer(kFormatHelp);
  app.require_subcommand(1);
  bool summary = false, no_verify = false;
  std::string log_level = "warn";
  app.add_option("-L,--log-level", log_level, "log level: debug, info, warn, error");

  auto* file_cmd = app.add_subcommand("file", "decode binlog or relay log files, in order");
  std::vector<std::string> paths;
  file_cmd->add_option("paths", paths, "binlog files")->required()->check(CLI::ExistingFile);
  file_cmd->add_flag("--summary", summary, "print only a final summary (counts, throughput)");
  file_cmd->add_flag("--no-verify-checksum", no_verify, "do not verify CRC32 event checksums");

  auto* stream_cmd = app.add_subcommand("stream", "stream the binlog of a live server as a replica");
  std::string host = "127.0.0.1", user = "root", password_env, gtid, start_file, ssl_ca,
              ssl_cert, ssl_key;
  int port = 3306, heartbeat = 30, max_retries = 10;
  uint64_t pos = 4;
  uint32_t server_id = 0;
  bool stop_never = false;
  stream_cmd->add_option("--host,-H", host, "server host")->capture_default_str();
  stream_cmd->add_option("--port,-P", port, "server port")->capture_default_str();
  stream_cmd->add_option("--user,-u", user, "user with REPLICATION SLAVE/CLIENT privileges")
      ->capture_default_str();
  stream_cmd->add_option("--password-env", password_env,
                         "name of the environment variable holding the password");
  auto* gtid_opt = stream_cmd->add_option("--gtid", gtid, "start after this GTID set");
  auto* file_opt = stream_cmd->add_option("--file", start_file, "start in this binlog file");
  stream_cmd->add_option("--pos", pos, "start at this position in --file")->capture_default_str();
  gtid_opt->excludes(file_opt);
  stream_cmd->add_flag("--stop-never", stop_never,
                       "keep waiting for new events (default: stop at the end of the binlog)");
  stream_cmd->add_option("--server-id", server_id, "replica server id (default: random)");
  stream_cmd->add_option("--heartbeat", heartbeat, "heartbeat period in seconds (0 = off)")
      ->capture_default_str();
  stream_cmd->add_option("--max-retries", max_retries,
                         "reconnect attempts after the connection drops (-1 = forever)")
      ->capture_default_str();
  stream_cmd->add_option("--ssl-ca", ssl_ca, "CA certificate for TLS");
  stream_cmd->add_option("--ssl-cert", ssl_cert, "client certificate for TLS");
  stream_cmd->add_option("--ssl-key", ssl_key, "client key for TLS");
  std::vector<std::string> cert_allowed_cn;
  stream_cmd->add_option("--cert-allowed-cn", cert_allowed_cn,
                         "accepted Common Names of the server's TLS certificate (repeatable)");
  stream_cmd->add_flag("--summary", summary, "print only a final summary");
  stream_cmd->add_flag("--no-verify-checksum", no_verify, "do not verify CRC32 event checksums");

  CLI11_PARSE(app, argc, argv);
  dm::LogLevel level;
  if (Status s = dm::ParseLogLevel(log_level, &level); !s.ok()) return Fail(s);
  if (Status s = dm::InitLogging(level, ""); !s.ok()) return Fail(s);

  Printer printer(summary);
  auto start = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };

  if (file_cmd->parsed()) {
    for (const auto& p : paths) {
      Status s = DecodeFile(p, !no_verify, printer);
      if (!s.ok()) return Fail(s);
    }
    printer.PrintSummary(elapsed());
    return 0;
  }

  dm::upstream::StreamOptions o;
  o.conn.host = host;
  o.conn.port = static_cast<uint16_t>(port);
  o.conn.user = user;
  if (!password_env.empty()) {
    const char* pw = std::getenv(password_env.c_str());
    if (pw == nullptr) {
      return Fail(Status::InvalidArgument("environment variable " + password_env +
                                          " (from --password-env) is not set"));
    }
    o.conn.password = pw;
  }
  o.conn.tls = {ssl_ca, ssl_cert, ssl_key, cert_allowed_cn};
  o.server_id = server_id;
  o.heartbeat_period_s = heartbeat;
  o.stop_at_end = !stop_never;
  o.max_retries = max_retries;
  if (!gtid.empty()) o.start_gtid = gtid;
  if (!start_file.empty()) o.start_position = dm::gtid::BinlogPosition{start_file, pos};
  auto stream = dm::upstream::BinlogStream::Open(o);
  if (!stream.ok()) return Fail(stream.status());
  dm::upstream::StreamEvent ev;
  while (true) {
    bool end = false;
    Status s = (*stream)->Next(&ev, &end);
    if (!s.ok()) return Fail(s);
    if (end) break;
    const EventHeader& h = ev.event.header;
    uint64_t start_pos = h.log_pos >= h.event_size ? h.log_pos - h.event_size : 0;
    s = printer.Handle(ev.event, start_pos, ev.file);
    if (!s.ok()) return Fail(s);
    if (stop_never && !summary) printer.Flush();
  }
  printer.PrintSummary(elapsed());
  return 0;
}
