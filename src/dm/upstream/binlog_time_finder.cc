#include "dm/upstream/binlog_time_finder.h"

#include <algorithm>
#include <optional>

#include "dm/base/log.h"
#include "dm/binlog/trx_boundary.h"
#include "dm/upstream/binlog_stream.h"

namespace dm::upstream {

namespace {

using binlog::EventType;

StreamOptions DumpFrom(const TimeFinderOptions& o, const std::string& file) {
  StreamOptions so;
  so.conn = o.conn;
  so.conn.scope = Scope::kUpstream;
  so.server_id = o.server_id;
  so.start_position = gtid::BinlogPosition{file, 4};
  so.stop_at_end = true;  // the server ends the dump at the end of its binlog
  so.heartbeat_period_s = 0;
  so.max_retries = 3;
  return so;
}

bool IsControl(const binlog::Event& e) {
  EventType t = e.header.type;
  return t == EventType::kRotate || t == EventType::kHeartbeat || t == EventType::kHeartbeatV2 ||
         t == EventType::kFormatDescription;
}

// The timestamp of the first real event of `file` (its FORMAT_DESCRIPTION: when the server
// opened the file).
Result<uint32_t> FirstEventTime(const TimeFinderOptions& o, const std::string& file) {
  DM_ASSIGN_OR_RETURN(auto stream, BinlogStream::Open(DumpFrom(o, file)));
  while (true) {
    StreamEvent ev;
    bool end = false;
    DM_RETURN_IF_ERROR(stream->Next(&ev, &end));
    if (end) {
      return Status(Code::kFailedPrecondition,
                    "binlog " + file + " on " + o.conn.Describe() + " has no events", Scope::kUpstream);
    }
    const binlog::EventHeader& h = ev.event.header;
    if (h.type == EventType::kRotate || h.type == EventType::kHeartbeat ||
        h.type == EventType::kHeartbeatV2 || h.timestamp == 0) {
      continue;  // the server's artificial events
    }
    return h.timestamp;
  }
}

bool StartsTransaction(const binlog::Event& e) {
  switch (e.header.type) {
    case EventType::kMariaGtid:
    case EventType::kGtid:
    case EventType::kAnonymousGtid:
    case EventType::kGtidTagged:
      return true;
    case EventType::kQuery:
    case EventType::kMariaQueryCompressed: {
      // Without GTID events: BEGIN, or a standalone statement (DDL). Not a lone COMMIT.
      const auto* q = e.As<binlog::QueryEvent>();
      return q && !binlog::QueryIs(q->query, "COMMIT") && !binlog::QueryIs(q->query, "ROLLBACK");
    }
    default:
      return false;
  }
}

}  // namespace

std::string_view TimePlaceName(TimePlace p) {
  switch (p) {
    case TimePlace::kInRange: return "in range";
    case TimePlace::kBeforeFirst: return "before the oldest binlog";
    case TimePlace::kAfterLast: return "after the newest binlog event";
  }
  return "?";
}

namespace {
// The integer part of a decimal answer; nullopt for NULL, empty or non-numeric text.
std::optional<int64_t> WholeSeconds(const std::optional<std::string>& v) {
  if (!v || v->empty()) return std::nullopt;
  std::string whole = v->substr(0, v->find('.'));
  bool neg = !whole.empty() && whole[0] == '-';
  std::string digits = neg ? whole.substr(1) : whole;
  if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  int64_t x = std::stoll(digits);
  return neg ? -x : x;
}
}  // namespace

Result<int64_t> UpstreamUnixTime(mysql::Connection& conn, std::string_view datetime) {
  const std::string lit = "'" + conn.Escape(datetime) + "'";
  DM_ASSIGN_OR_RETURN(auto v, conn.QueryValue("SELECT UNIX_TIMESTAMP(" + lit + ")"));
  // UNIX_TIMESTAMP() answers 0 or NULL outside its range (after 2038-01-19 on MariaDB
  // before 11.5): then the session's current UTC offset converts the time.
  if (auto secs = WholeSeconds(v); secs && *secs > 0) return *secs;
  DM_ASSIGN_OR_RETURN(auto w, conn.QueryValue("SELECT TIMESTAMPDIFF(SECOND, '1970-01-01 00:00:00', " + lit +
                                              ") - TIMESTAMPDIFF(SECOND, UTC_TIMESTAMP(), NOW())"));
  if (auto secs = WholeSeconds(w); secs && *secs > 0) return *secs;
  return Status(Code::kInvalidArgument,
                "start-time " + std::string(datetime) + " cannot be converted to a timestamp in the "
                "time zone of " + conn.options().Describe() +
                    "; give a time after 1970 the server can represent, or add a UTC offset (+08:00)",
                Scope::kUpstream);
}

Result<BinlogAtTime> FindBinlogByTime(const TimeFinderOptions& o, int64_t unix_seconds) {
  mysql::ConnectOptions co = o.conn;
  co.scope = Scope::kUpstream;
  DM_ASSIGN_OR_RETURN(auto conn, mysql::Connection::Connect(co));
  DM_ASSIGN_OR_RETURN(mysql::QueryResult logs, conn->Query("SHOW BINARY LOGS"));
  std::vector<std::string> files;
  for (const auto& row : logs.rows) {
    if (!row.empty() && row[0]) files.push_back(*row[0]);
  }
  if (files.empty()) {
    return Status(Code::kFailedPrecondition,
                  "SHOW BINARY LOGS on " + co.Describe() + " lists no binlog file; enable log_bin",
                  Scope::kUpstream);
  }
  std::sort(files.begin(), files.end(), [](const std::string& a, const std::string& b) {
    return gtid::CompareBinlogFileName(a, b) < 0;
  });
  // Timestamps are unsigned 32-bit seconds in the binlog.
  const uint32_t target = static_cast<uint32_t>(std::clamp<int64_t>(unix_seconds, 0, UINT32_MAX));

  BinlogAtTime out;
  out.oldest_file = files.front();
  DM_ASSIGN_OR_RETURN(out.oldest_timestamp, FirstEventTime(o, files.front()));
  // The last file whose first event is before the target (binary search; first times are
  // non-decreasing with the file number).
  size_t from = 0;
  if (out.oldest_timestamp < target) {
    size_t lo = 1, hi = files.size();  // answer in [0, hi); files[lo-1] starts before target
    while (lo < hi) {
      size_t mid = lo + (hi - lo) / 2;
      DM_ASSIGN_OR_RETURN(uint32_t ts, FirstEventTime(o, files[mid]));
      LogInfo("start-time search: binlog {} starts at {}", files[mid], ts);
      if (ts < target) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    from = lo - 1;
  } else {
    out.place = TimePlace::kBeforeFirst;
  }

  DM_ASSIGN_OR_RETURN(auto stream, BinlogStream::Open(DumpFrom(o, files[from])));
  const gtid::Flavor flavor = stream->upstream().flavor;
  out.gtids = gtid::GtidSet(flavor);
  binlog::TrxBoundaryTracker trx;
  std::string file = files[from];
  gtid::BinlogPosition next{file, 4};  // where the next event starts
  uint32_t last_ts = 0;
  while (true) {
    StreamEvent ev;
    bool end = false;
    DM_RETURN_IF_ERROR(stream->Next(&ev, &end));
    if (end) {
      out.place = TimePlace::kAfterLast;
      out.position = next;
      out.newest_timestamp = last_ts;
      return out;
    }
    const binlog::Event& e = ev.event;
    const binlog::EventHeader& h = e.header;
    if (const auto* r = e.As<binlog::RotateEvent>()) {
      file = std::string(r->next_file);
      next = {file, std::max<uint64_t>(r->position, 4)};
      continue;
    }
    if (IsControl(e)) {
      if (h.type == EventType::kFormatDescription && h.log_pos != 0) next = {file, h.log_pos};
      continue;
    }
    if (trx.at_boundary() && StartsTransaction(e) && h.timestamp >= target) {
      out.position = next;
      out.event_timestamp = h.timestamp;
      return out;
    }
    trx.Feed(e);
    if (const auto* gl = e.As<binlog::MariaGtidListEvent>()) {
      gtid::MariaGtidList list;
      for (const auto& g : gl->gtids) {
        gtid::MariaGtidList one;
        one.Update(g);
        list.Union(one);  // per domain the highest seq
      }
      out.gtids = gtid::GtidSet(std::move(list));
    } else if (const auto* pg = e.As<binlog::PreviousGtidsEvent>()) {
      out.gtids = gtid::GtidSet(pg->gtids);
    } else if (trx.committed()) {
      if (const auto& g = trx.committed_maria_gtid(); g && out.gtids.mutable_mariadb()) {
        out.gtids.mutable_mariadb()->Update(*g);
      }
      if (const auto& g = trx.committed_mysql_gtid(); g && out.gtids.mutable_mysql()) {
        DM_RETURN_IF_ERROR(out.gtids.mutable_mysql()->Add(*g));
      }
    }
    if (h.log_pos != 0) next = {file, h.log_pos};
    last_ts = std::max(last_ts, h.timestamp);
  }
}

}  // namespace dm::upstream
