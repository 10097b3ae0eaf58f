#pragma once
// UpstreamInfo: what a binlog reader must know about its source server before it
// streams: flavor (MySQL or MariaDB), version, server id/uuid, binlog settings, and the
// current binlog position and GTID set.

#include <cstdint>
#include <map>
#include <string>

#include "dm/base/result.h"
#include "dm/gtid/location.h"

namespace dm::mysql {
class Connection;
}

namespace dm::upstream {

struct UpstreamInfo {
  gtid::Flavor flavor = gtid::Flavor::kMySQL;
  std::string version;         // @@version
  uint32_t server_id = 0;      // @@server_id
  std::string server_uuid;     // MySQL @@server_uuid (empty on MariaDB)
  bool log_bin = false;
  std::string binlog_format;   // ROW / MIXED / STATEMENT
  std::string binlog_row_image;
  std::string binlog_checksum;  // NONE / CRC32
  bool gtid_mode = false;       // MySQL gtid_mode=ON; always true on MariaDB
  gtid::BinlogPosition position;  // SHOW MASTER STATUS
  std::string gtid_executed;      // MySQL @@gtid_executed / MariaDB @@gtid_binlog_pos

  // "MariaDB 10.11.6 (server_id 1)"
  std::string Describe() const;
};

// Queries the server. Fails with kFailedPrecondition (and what to change) when the
// binlog is disabled; other settings are reported, not enforced, here.
Result<UpstreamInfo> DetectUpstream(mysql::Connection& conn);

// The server's collations, for `collation_compatible: strict` (ddl/collation.h).
struct ServerCollations {
  std::map<std::string, std::string> default_by_charset;  // lower-case charset -> default collation
  std::map<uint16_t, std::string> by_id;                   // collation id (binlog status vars) -> name
};

// information_schema.COLLATIONS of the server; `utf8` also maps to utf8mb3's default when
// the server names it utf8mb3 (MariaDB >= 10.6, MySQL 8).
Result<ServerCollations> ReadCollations(mysql::Connection& conn);

}  // namespace dm::upstream
