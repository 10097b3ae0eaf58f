#pragma once
// TableMap: the decoded TABLE_MAP event that describes the columns of the row events
// following it (type, metadata, nullability, and, with binlog_row_metadata=MINIMAL or
// FULL, signedness, charsets, names, enum/set values, primary key, visibility).
//
// Immutable after Parse; shared (shared_ptr<const TableMap>) by the rows events that
// refer to it, so it is safe to read from several threads.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dm/base/result.h"
#include "dm/binlog/column_type.h"

namespace dm::binlog {

struct ColumnInfo {
  ColumnType type = ColumnType::kNull;  // real type: STRING columns resolve to ENUM/SET here
  uint16_t meta = 0;                    // type metadata as go-mysql/MySQL define it
  bool nullable = true;
  // From optional metadata (unknown when the server did not log it).
  std::optional<bool> is_unsigned;
  std::optional<uint32_t> collation;  // character and ENUM/SET columns
  std::string name;                   // empty if not logged
  std::vector<std::string> enum_values;  // ENUM/SET member names, if logged
  std::optional<uint32_t> geometry_type;
  bool visible = true;

  // For CHAR/BINARY: max byte length; ENUM/SET: pack length; else 0.
  uint32_t string_length = 0;

  bool IsCharacterType() const;  // CHAR/VARCHAR/TEXT/BLOB/GEOMETRY (charset metadata applies)
  bool IsBinary() const {  // binary data: BINARY/VARBINARY/BLOB, BIT, GEOMETRY, or unknown charset
    return collation && *collation == kBinaryCollation;
  }
};

struct TableMap {
  uint64_t table_id = 0;
  uint16_t flags = 0;
  std::string schema;
  std::string table;
  std::vector<ColumnInfo> columns;
  std::vector<uint32_t> primary_key;          // column indexes, if logged
  std::vector<uint32_t> primary_key_prefix;   // prefix length per PK column (0 = whole column)
  bool has_optional_metadata = false;

  // Parses a TABLE_MAP body (post-header + payload, without checksum).
  // `table_id_size` is 6 (or 4 for pre-5.1.4 formats). Fails with kCorruption.
  static Result<TableMap> Parse(std::string_view body, size_t table_id_size);
};

}  // namespace dm::binlog
