#include "dm/upstream/upstream_info.h"

#include "dm/mysql/connection.h"

namespace dm::upstream {

std::string UpstreamInfo::Describe() const {
  std::string v = version.substr(0, version.find('-'));
  return std::string(flavor == gtid::Flavor::kMariaDB ? "MariaDB " : "MySQL ") + v +
         " (server_id " + std::to_string(server_id) + ")";
}

namespace {
Result<std::string> Var(mysql::Connection& c, const std::string& expr) {
  DM_ASSIGN_OR_RETURN(auto v, c.QueryValue("SELECT " + expr));
  return v.value_or("");
}
}  // namespace

Result<UpstreamInfo> DetectUpstream(mysql::Connection& c) {
  UpstreamInfo info;
  DM_ASSIGN_OR_RETURN(info.version, Var(c, "@@version"));
  info.flavor = info.version.find("MariaDB") != std::string::npos ? gtid::Flavor::kMariaDB
                                                                  : gtid::Flavor::kMySQL;
  DM_ASSIGN_OR_RETURN(std::string sid, Var(c, "@@server_id"));
  info.server_id = static_cast<uint32_t>(std::stoul(sid.empty() ? "0" : sid));
  DM_ASSIGN_OR_RETURN(std::string log_bin, Var(c, "@@log_bin"));
  info.log_bin = log_bin == "1" || log_bin == "ON";
  DM_ASSIGN_OR_RETURN(info.binlog_format, Var(c, "@@global.binlog_format"));
  DM_ASSIGN_OR_RETURN(info.binlog_row_image, Var(c, "@@global.binlog_row_image"));
  DM_ASSIGN_OR_RETURN(info.binlog_checksum, Var(c, "@@global.binlog_checksum"));
  if (info.flavor == gtid::Flavor::kMariaDB) {
    info.gtid_mode = true;
    DM_ASSIGN_OR_RETURN(info.gtid_executed, Var(c, "@@global.gtid_binlog_pos"));
  } else {
    DM_ASSIGN_OR_RETURN(info.server_uuid, Var(c, "@@server_uuid"));
    DM_ASSIGN_OR_RETURN(std::string mode, Var(c, "@@global.gtid_mode"));
    info.gtid_mode = mode == "ON";
    DM_ASSIGN_OR_RETURN(info.gtid_executed, Var(c, "@@global.gtid_executed"));
  }
  if (!info.log_bin) {
    return Status(Code::kFailedPrecondition,
                  c.options().Describe() +
                      " has binary logging disabled; start it with log_bin=ON (and "
                      "binlog_format=ROW, binlog_row_image=FULL)",
                  Scope::kUpstream);
  }
  // SHOW MASTER STATUS was renamed in MySQL 8.4; try the new name on failure.
  auto st = c.Query("SHOW MASTER STATUS");
  if (!st.ok()) st = c.Query("SHOW BINARY LOG STATUS");
  if (!st.ok()) return st.status();
  if (!st->rows.empty() && st->rows[0].size() >= 2 && st->rows[0][0] && st->rows[0][1]) {
    info.position.file = *st->rows[0][0];
    info.position.pos = std::stoull(*st->rows[0][1]);
  }
  return info;
}

}  // namespace dm::upstream
