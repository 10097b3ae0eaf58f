#include "dm/sync/start_time.h"

#include "dm/base/log.h"
#include "dm/spec/start_time.h"
#include "dm/upstream/binlog_time_finder.h"

namespace dm::sync {

Result<TimeStartPoint> ResolveTimeStartPoint(const spec::UnitContext& ctx, const std::string& text) {
  const std::string who = "task " + ctx.task + " on source " + ctx.source.source_id;
  auto parsed = spec::ParseStartTime(text);
  if (!parsed.ok()) return parsed.status().WithContext(who);
  mysql::ConnectOptions up = ctx.from;
  up.scope = Scope::kUpstream;
  int64_t seconds = 0;
  std::string zone;
  if (auto abs = parsed->UnixSeconds()) {
    seconds = *abs;
    zone = "its UTC offset";
  } else {
    DM_ASSIGN_OR_RETURN(auto conn, mysql::Connection::Connect(up));
    DM_ASSIGN_OR_RETURN(seconds, upstream::UpstreamUnixTime(*conn, parsed->Datetime()));
    auto tz = conn->QueryValue("SELECT @@time_zone");
    zone = "the upstream time zone " + (tz.ok() && tz->has_value() ? **tz : std::string("?"));
  }
  upstream::TimeFinderOptions fo;
  fo.conn = up;
  DM_ASSIGN_OR_RETURN(upstream::BinlogAtTime at, upstream::FindBinlogByTime(fo, seconds));
  const std::string when = "start-time " + text + " (" + spec::FormatUnixUtc(seconds) + ", read in " +
                           zone + ")";
  switch (at.place) {
    case upstream::TimePlace::kAfterLast:
      return Status(Code::kFailedPrecondition,
                    when + " is too late, no binlog location matches it: the newest binlog event "
                    "of " + up.Describe() + " is at " + spec::FormatUnixUtc(at.newest_timestamp) +
                        " (" + at.position.ToString() + "); " + who +
                        ": stop-task and start-task again with an earlier --start-time, or "
                        "without --start-time",
                    Scope::kConfig);
    case upstream::TimePlace::kBeforeFirst:
      LogWarn("{}: {} is before the oldest binlog {} of {} (which starts at {}): replicating "
              "from the oldest binlog; changes before it are no longer available",
              who, when, at.oldest_file, up.Describe(), spec::FormatUnixUtc(at.oldest_timestamp));
      break;
    case upstream::TimePlace::kInRange:
      break;
  }
  TimeStartPoint p;
  p.position = at.position;
  p.gtid = at.gtids.ToString();
  p.description = when + ": first transaction at " + spec::FormatUnixUtc(at.event_timestamp) +
                  (at.place == upstream::TimePlace::kBeforeFirst ? " (oldest binlog)" : "");
  return p;
}

}  // namespace dm::sync
