#pragma once
// Decoded binlog events.
//
// Byte layout (little-endian unless noted), v4 format:
//
//   header (19): timestamp u32 | type u8 | server_id u32 | event_size u32 | log_pos u32 | flags u16
//   body       : type-specific post-header + payload
//   footer     : CRC32 u32 over header+body when the FORMAT_DESCRIPTION says checksum CRC32
//
// Views (std::string_view) in these structs point into the raw event buffer passed to
// Decoder::Decode and are valid while that buffer lives. See docs/binlog-format.md.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "dm/binlog/event_type.h"
#include "dm/binlog/table_map.h"
#include "dm/gtid/mariadb_gtid.h"
#include "dm/gtid/mysql_gtid.h"

namespace dm::binlog {

struct EventHeader {
  uint32_t timestamp = 0;
  EventType type = EventType::kUnknown;
  uint32_t server_id = 0;
  uint32_t event_size = 0;
  uint32_t log_pos = 0;  // end offset of this event in its file (0 for some artificial events)
  uint16_t flags = 0;
};

enum class ChecksumAlg : uint8_t { kOff = 0, kCrc32 = 1, kUndefined = 255 };
enum class ServerFlavor : uint8_t { kMySQL, kMariaDB };

struct FormatDescriptionEvent {
  uint16_t binlog_version = 4;
  std::string server_version;
  uint32_t create_timestamp = 0;
  uint8_t header_length = 19;
  std::vector<uint8_t> post_header_lengths;  // index = event type - 1
  ChecksumAlg checksum_alg = ChecksumAlg::kOff;
  ServerFlavor flavor = ServerFlavor::kMySQL;

  // Post-header length for `type`, or `fallback` if the FDE does not list it.
  uint8_t PostHeaderLength(EventType type, uint8_t fallback) const;
};

struct RotateEvent {
  uint64_t position = 0;
  std::string_view next_file;
};

struct QueryEvent {
  uint32_t thread_id = 0;
  uint32_t exec_time = 0;
  uint16_t error_code = 0;
  std::string_view schema;
  std::string_view query;        // for QUERY_COMPRESSED: the uncompressed text (owned below)
  std::string_view status_vars;  // raw block
  // Parsed from status vars when present.
  std::optional<uint32_t> flags2;
  std::optional<uint64_t> sql_mode;
  std::optional<uint16_t> charset_client, collation_connection, collation_server;
  std::string_view time_zone;
  std::shared_ptr<const std::string> owned_query;  // storage for decompressed text
};

struct XidEvent {
  uint64_t xid = 0;
};

struct TableMapEvent {
  std::shared_ptr<const TableMap> table;
};

enum class RowsKind : uint8_t { kWrite, kUpdate, kDelete };

struct RowsEvent {
  RowsKind kind = RowsKind::kWrite;
  uint8_t version = 1;  // 1 or 2 (MySQL >= 5.6 writes v2)
  bool partial = false; // PARTIAL_UPDATE_ROWS (MySQL JSON partial updates)
  uint64_t table_id = 0;
  uint16_t flags = 0;  // 0x01 STMT_END_F
  std::string_view extra_data;
  uint32_t column_count = 0;
  std::string_view columns_before;  // present-columns bitmap of the (before) image
  std::string_view columns_after;   // UPDATE only: bitmap of the after image
  std::string_view rows;            // row images
  std::shared_ptr<const std::string> owned_rows;   // storage for decompressed rows
  std::shared_ptr<const TableMap> table;
};

struct MariaGtidEvent {
  gtid::MariaGtid gtid;
  uint8_t flags = 0;  // FL_STANDALONE 0x01, FL_GROUP_COMMIT_ID 0x02, FL_TRANSACTIONAL 0x04, ...
  uint64_t commit_id = 0;
  std::optional<uint32_t> xa_format_id;
  std::string_view xa_gtrid, xa_bqual;
  bool standalone() const { return flags & 0x01; }
};

struct MariaGtidListEvent {
  std::vector<gtid::MariaGtid> gtids;
  uint8_t flags = 0;
};

struct BinlogCheckpointEvent {
  std::string_view file;
};

struct AnnotateRowsEvent {
  std::string_view query;
};

struct MysqlGtidEvent {
  bool anonymous = false;
  uint8_t flags = 0;  // 0x01 may_have_sbr
  gtid::Uuid sid;
  std::string tag;  // MySQL 8.3+ tagged GTIDs
  int64_t gno = 0;
  uint64_t last_committed = 0, sequence_number = 0;
  uint64_t immediate_commit_ts = 0, original_commit_ts = 0;
  uint64_t transaction_length = 0;
  uint32_t immediate_server_version = 0, original_server_version = 0;
  std::string ToString() const;  // "uuid[:tag]:gno"
};

struct PreviousGtidsEvent {
  gtid::MysqlGtidSet gtids;
};

struct HeartbeatEvent {
  std::string_view file;
  uint64_t position = 0;
};

struct IntvarEvent {
  uint8_t type = 0;  // 1 LAST_INSERT_ID, 2 INSERT_ID
  uint64_t value = 0;
};

struct RandEvent {
  uint64_t seed1 = 0, seed2 = 0;
};

struct UserVarEvent {
  std::string_view name;
  bool is_null = true;
  uint8_t value_type = 0;  // 0 STRING, 1 REAL, 2 INT, 4 DECIMAL
  uint32_t charset = 0;
  std::string_view value;
  uint8_t flags = 0;  // 0x01 unsigned
};

struct StopEvent {};

struct XaPrepareEvent {
  bool one_phase = false;
  uint32_t format_id = 0;
  std::string_view gtrid, bqual;
};

struct RowsQueryEvent {
  std::string_view query;
};

struct TransactionPayloadEvent {
  uint64_t compression_type = 0;  // 0 zstd, 255 none
  uint64_t payload_size = 0;
  uint64_t uncompressed_size = 0;
  std::string uncompressed;  // the inner events, each with its own header
};

// An event this decoder does not interpret further (e.g. an unknown event that
// carries the IGNORABLE flag, or old LOAD DATA events).
struct SkippedEvent {
  std::string_view reason;
};

using EventBody =
    std::variant<SkippedEvent, FormatDescriptionEvent, RotateEvent, QueryEvent, XidEvent,
                 TableMapEvent, RowsEvent, MariaGtidEvent, MariaGtidListEvent,
                 BinlogCheckpointEvent, AnnotateRowsEvent, MysqlGtidEvent, PreviousGtidsEvent,
                 HeartbeatEvent, IntvarEvent, RandEvent, UserVarEvent, StopEvent, XaPrepareEvent,
                 RowsQueryEvent, TransactionPayloadEvent>;

struct Event {
  EventHeader header;
  EventBody body;
  template <class T>
  const T* As() const {
    return std::get_if<T>(&body);
  }
};

}  // namespace dm::binlog
