#pragma once
// Test helpers: raw binlog events built by hand (MariaDB 10.x layout), for unit tests
// that need exact bytes without a server.

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dm/base/little_endian.h"
#include "dm/base/status.h"
#include "dm/binlog/column_type.h"
#include "dm/binlog/crc32.h"
#include "dm/binlog/event_type.h"

namespace dm::binlog::test_events {

using dm::PutLE;

// A v4 event with an optional CRC32 footer.
inline std::string MakeEvent(EventType type, std::string_view body, bool crc,
                             uint32_t log_pos = 0) {
  std::string e(19, '\0');
  uint32_t size = static_cast<uint32_t>(19 + body.size() + (crc ? 4 : 0));
  e[4] = static_cast<char>(type);
  e[5] = 1;  // server_id 1
  std::memcpy(&e[9], &size, 4);
  std::memcpy(&e[13], &log_pos, 4);
  e += body;
  if (crc) {
    uint32_t c = Crc32(e);
    e.append(reinterpret_cast<const char*>(&c), 4);
  }
  return e;
}

// A MariaDB 10.11 FORMAT_DESCRIPTION (post-header lengths of the events built below).
inline std::string MariaFde(bool crc) {
  std::string b;
  b += '\x04';
  b += '\0';  // binlog version 4
  std::string ver = "10.11.6-MariaDB-log";
  ver.resize(50, '\0');
  b += ver;
  b.append(4, '\0');
  b += '\x13';  // header length 19
  std::string post(40, '\0');
  post[1] = 13;   // QUERY
  post[3] = 8;    // ROTATE
  post[18] = 8;   // TABLE_MAP
  post[22] = 8;   // WRITE_ROWS_V1
  post[23] = 8;
  post[24] = 8;
  b += post;
  b += crc ? '\x01' : '\x00';
  std::string e = MakeEvent(EventType::kFormatDescription, b + std::string(4, '\0'), false);
  if (crc) {  // footer = CRC of everything before it
    uint32_t c = Crc32(std::string_view(e).substr(0, e.size() - 4));
    std::memcpy(&e[e.size() - 4], &c, 4);
  }
  return e;
}

// MariaDB GTID 0-1-seq opening a transaction.
inline std::string MariaGtid(uint64_t seq, bool crc) {
  std::string b;
  PutLE(&b, seq, 8);
  PutLE(&b, 0, 4);  // domain
  b += '\0';        // flags
  b.append(6, '\0');
  return MakeEvent(EventType::kMariaGtid, b, crc);
}

inline std::string Query(std::string_view schema, std::string_view sql, bool crc) {
  std::string b;
  PutLE(&b, 1, 4);  // thread id
  PutLE(&b, 0, 4);  // exec time
  b += static_cast<char>(schema.size());
  PutLE(&b, 0, 2);  // error code
  PutLE(&b, 0, 2);  // status vars length
  b += schema;
  b += '\0';
  b += sql;
  return MakeEvent(EventType::kQuery, b, crc);
}

inline std::string Xid(uint64_t xid, bool crc) {
  std::string b;
  PutLE(&b, xid, 8);
  return MakeEvent(EventType::kXid, b, crc);
}

// TABLE_MAP of `schema`.`table` (id INT NOT NULL, name VARCHAR(100)).
inline std::string TableMapIntVarchar(uint64_t table_id, std::string_view schema,
                                      std::string_view table, bool crc) {
  std::string b;
  PutLE(&b, table_id, 6);
  PutLE(&b, 1, 2);  // flags
  b += static_cast<char>(schema.size());
  b += schema;
  b += '\0';
  b += static_cast<char>(table.size());
  b += table;
  b += '\0';
  b += '\x02';  // 2 columns
  b += static_cast<char>(ColumnType::kLong);
  b += static_cast<char>(ColumnType::kVarchar);
  b += '\x02';  // metadata: 2 bytes (VARCHAR max length)
  PutLE(&b, 100, 2);
  b += '\x02';  // null bitmap: name is nullable
  return MakeEvent(EventType::kTableMap, b, crc);
}

// WRITE_ROWS_V1 with rows (id, name) for the table map above (STMT_END set).
inline std::string WriteRowsIntVarchar(uint64_t table_id,
                                       const std::vector<std::pair<int32_t, std::string>>& rows,
                                       bool crc) {
  std::string b;
  PutLE(&b, table_id, 6);
  PutLE(&b, 1, 2);  // flags: STMT_END
  b += '\x02';      // 2 columns
  b += '\x03';      // both present
  for (const auto& [id, name] : rows) {
    b += '\0';  // null bitmap
    PutLE(&b, static_cast<uint32_t>(id), 4);
    b += static_cast<char>(name.size());
    b += name;
  }
  return MakeEvent(EventType::kWriteRowsV1, b, crc);
}

// A FileEventReader::ReadFn over `bytes` (which must outlive it), read from the start.
inline std::function<Status(char*, size_t, size_t*)> ReadFrom(const std::string& bytes) {
  auto at = std::make_shared<size_t>(0);
  return [&bytes, at](char* buf, size_t n, size_t* got) {
    if (n == 0) return Status::InvalidArgument("read of 0 bytes asked");
    *got = std::min(n, bytes.size() - *at);
    std::memcpy(buf, bytes.data() + *at, *got);
    *at += *got;
    return Status::OK();
  };
}

}  // namespace dm::binlog::test_events
