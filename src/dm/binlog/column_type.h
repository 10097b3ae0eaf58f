#pragma once
// MySQL column type codes as they appear in TABLE_MAP events (enum_field_types).

#include <cstdint>
#include <string_view>

namespace dm::binlog {

enum class ColumnType : uint8_t {
  kDecimal = 0,
  kTiny = 1,
  kShort = 2,
  kLong = 3,
  kFloat = 4,
  kDouble = 5,
  kNull = 6,
  kTimestamp = 7,
  kLongLong = 8,
  kInt24 = 9,
  kDate = 10,
  kTime = 11,
  kDateTime = 12,
  kYear = 13,
  kNewDate = 14,
  kVarchar = 15,
  kBit = 16,
  kTimestamp2 = 17,
  kDateTime2 = 18,
  kTime2 = 19,
  kTypedArray = 20,
  kVector = 242,
  kJson = 245,
  kNewDecimal = 246,
  kEnum = 247,
  kSet = 248,
  kTinyBlob = 249,
  kMediumBlob = 250,
  kLongBlob = 251,
  kBlob = 252,
  kVarString = 253,
  kString = 254,
  kGeometry = 255,
};

// Lower-case SQL-ish name ("int", "varchar", "datetime2", ...).
std::string_view ColumnTypeName(ColumnType type);

// Numeric columns, in the sense of TABLE_MAP's SIGNEDNESS optional metadata.
constexpr bool IsNumericType(ColumnType t) {
  switch (t) {
    case ColumnType::kTiny: case ColumnType::kShort: case ColumnType::kInt24:
    case ColumnType::kLong: case ColumnType::kLongLong: case ColumnType::kNewDecimal:
    case ColumnType::kFloat: case ColumnType::kDouble: case ColumnType::kDecimal:
      return true;
    default:
      return false;
  }
}

// Collation id of binary strings (BINARY, VARBINARY, BLOB).
inline constexpr uint32_t kBinaryCollation = 63;

}  // namespace dm::binlog
