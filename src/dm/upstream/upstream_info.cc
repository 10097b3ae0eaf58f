#include "dm/upstream/upstream_info.h"

#include <cctype>
#include <charconv>

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

Result<ServerCollations> ReadCollations(mysql::Connection& c) {
  DM_ASSIGN_OR_RETURN(auto r, c.Query("SELECT ID, COLLATION_NAME, CHARACTER_SET_NAME, IS_DEFAULT "
                                      "FROM information_schema.COLLATIONS"));
  ServerCollations out;
  for (const auto& row : r.rows) {
    if (row.size() < 4 || !row[0] || !row[1] || !row[2]) continue;
    std::string cs = *row[2];
    for (auto& ch : cs) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    unsigned id = 0;
    auto [p, ec] = std::from_chars(row[0]->data(), row[0]->data() + row[0]->size(), id);
    if (ec == std::errc() && id <= 0xffff) out.by_id[static_cast<uint16_t>(id)] = *row[1];
    if (row[3].value_or("") == "Yes") out.default_by_charset[cs] = *row[1];
  }
  if (!out.default_by_charset.count("utf8") && out.default_by_charset.count("utf8mb3")) {
    out.default_by_charset["utf8"] = out.default_by_charset["utf8mb3"];
  }
  if (out.default_by_charset.empty()) {
    return Status::FailedPrecondition("information_schema.COLLATIONS on " + c.options().Describe() +
                                      " lists no default collation; collation_compatible: strict needs it");
  }
  return out;
}

}  // namespace dm::upstream
