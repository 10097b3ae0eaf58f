// dm-binlog: decodes MySQL/MariaDB binlog files or a live binlog stream to JSON lines.
// Wiring only: decoding lives in dm/binlog, streaming in dm/upstream.

#include <fcntl.h>
#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "dm/base/log.h"
#include "dm/binlog/json_dump.h"
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

// Reads a whole file with read(2) through `decoder` (no mmap: one sequential pass).
Status DecodeFile(const std::string& path, FileJsonDecoder& decoder) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::IOError("cannot open '" + path + "': " + strerror(errno));
  struct stat st;
  if (fstat(fd, &st) != 0) {
    Status s = Status::IOError("cannot stat '" + path + "': " + strerror(errno));
    close(fd);
    return s;
  }
  posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  auto read_fd = [fd](char* buf, size_t n, size_t* got) {
    ssize_t r;
    do {
      r = read(fd, buf, n);
    } while (r < 0 && errno == EINTR);
    if (r < 0) return Status::IOError(std::string("read failed: ") + strerror(errno));
    *got = static_cast<size_t>(r);
    return Status::OK();
  };
  Status s = decoder.DecodeFile(read_fd, static_cast<uint64_t>(st.st_size), path);
  close(fd);
  return s;
}

// The CPUs this process may run on (taskset / cgroup cpusets), at least 1.
int UsableCpus() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) return std::max(1, CPU_COUNT(&set));
  return 1;
}

void Write(std::string_view bytes) { fwrite(bytes.data(), 1, bytes.size(), stdout); }

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
  int threads = 0;
  file_cmd->add_option("--threads", threads,
                       "decoding threads (0 = one per usable CPU, at most 4; 1 = decode in the main "
                       "thread); the output is the same for any number")
      ->capture_default_str()
      ->check(CLI::Range(0, 256));

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

  auto start = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };

  if (file_cmd->parsed()) {
    FileJsonDecoder::Options fo;
    fo.summary = summary;
    fo.verify_checksum = !no_verify;
    // Beyond ~4 threads the reading thread (about a quarter of the work) is the limit.
    fo.threads = threads > 0 ? threads : std::min(UsableCpus(), 4);
    FileJsonDecoder decoder(fo, Write);
    for (const auto& p : paths) {
      Status s = DecodeFile(p, decoder);
      if (!s.ok()) return Fail(s);
    }
    if (summary) Write(decoder.summary().ToJson(elapsed()));
    fflush(stdout);
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
  DecoderOptions dopts;
  dopts.verify_checksum = !no_verify;
  EventPrinter printer(dopts, summary ? EventPrinter::Mode::kSummary : EventPrinter::Mode::kJson);
  DecodeSummary counts;
  JsonBuffer& out = printer.output();
  auto flush = [&] {
    if (!out.empty()) Write(out.view());
    out.clear();
    fflush(stdout);
  };
  dm::upstream::StreamEvent ev;
  while (true) {
    bool end = false;
    Status s = (*stream)->Next(&ev, &end);
    if (!s.ok()) {
      flush();
      return Fail(s);
    }
    if (end) break;
    const EventHeader& h = ev.event.header;
    // Events inside a TRANSACTION_PAYLOAD are shown at the payload's offset, as by `file`.
    uint64_t start_pos = ev.payload_pos ? ev.payload_pos
                         : h.log_pos >= h.event_size ? h.log_pos - h.event_size : 0;
    s = printer.Handle(ev.event, start_pos, ev.file, &counts);
    if (!s.ok()) {
      flush();
      return Fail(s);
    }
    if (stop_never || out.size() >= (size_t{1} << 20)) flush();
  }
  flush();
  if (summary) Write(counts.ToJson(elapsed()));
  fflush(stdout);
  return 0;
}
