#pragma once
// Value: one decoded column value of a row image, and its lossless text form.
//
// A Value refers into the event buffer it was decoded from (strings, blobs, JSON,
// decimals keep a view of their bytes); it is valid while that buffer lives.
// Numbers and temporal values are fully decoded into fields.
//
// Text form (AppendValueText), used by dm-binlog and by SQL generation:
//   integers, FLOAT/DOUBLE (shortest round-trip), DECIMAL (exact, `scale` digits),
//   YEAR "2024"/"0000", DATE "YYYY-MM-DD", TIME "[-]HH:MM:SS[.frac]" (hours may be 3 digits),
//   DATETIME "YYYY-MM-DD HH:MM:SS[.frac]", TIMESTAMP as UTC datetime (zero -> all zeros),
//   fraction digits = the column's fsp; BIT as unsigned decimal; ENUM as its 1-based index,
//   SET as its bitmask (names need the schema: see TableMap enum/set strings);
//   JSON: MySQL binary JSON rendered as JSON text; VECTOR "[f1,f2,...]";
//   a partial JSON update (PARTIAL_UPDATE_ROWS after image) as a JSON array of
//   {"op": "replace"|"insert"|"remove", "path": "$.a", "value": <json>} in apply order;
//   strings and blobs: raw bytes (callers decide text vs hex, see IsBinary()).

#include <cstdint>
#include <string>
#include <string_view>

#include "dm/base/status.h"
#include "dm/binlog/column_type.h"

namespace dm::binlog {

enum class ValueKind : uint8_t {
  kMissing,  // column not present in this row image (MINIMAL/NOBLOB images)
  kNull,
  kInt,       // i
  kUint,      // u
  kFloat,     // f
  kDouble,    // d
  kDecimal,   // bytes (binary decimal), precision/scale
  kYear,      // u (0 or 1901..2155)
  kDate,      // dt.year/month/day
  kTime,      // neg + tm
  kDateTime,  // dt
  kTimestamp, // u = seconds since epoch (UTC), micro
  kBit,       // u
  kEnum,      // u (1-based index, 0 = '')
  kSet,       // u (bitmask)
  kString,    // bytes (CHAR/VARCHAR/TEXT/BINARY/VARBINARY/BLOB)
  kJson,      // bytes (MySQL binary JSON)
  kGeometry,  // bytes (SRID + WKB)
  kVector,    // bytes (little-endian float32 array)
  kJsonDiff,  // bytes (MySQL partial JSON update: a list of replace/insert/remove diffs)
};

struct DateTimeFields {
  uint16_t year;
  uint8_t month, day, hour, minute, second;
};

struct Value {
  ValueKind kind = ValueKind::kMissing;
  ColumnType type = ColumnType::kNull;
  uint8_t fsp = 0;        // fractional second precision 0..6 (temporal types)
  bool negative = false;  // TIME
  uint8_t precision = 0;  // DECIMAL
  uint8_t scale = 0;      // DECIMAL
  uint32_t micro = 0;     // microseconds (temporal types)
  union {
    int64_t i;
    uint64_t u;
    float f;
    double d;
    DateTimeFields dt;
    struct {
      uint32_t hours;
      uint8_t minute, second;
    } tm;
  };
  std::string_view bytes;

  Value() : u(0) {}
  bool is_null() const { return kind == ValueKind::kNull; }
  bool is_missing() const { return kind == ValueKind::kMissing; }
};

// Appends the text form (above) of a non-NULL, present value. Fails only for values
// whose bytes are themselves malformed (binary JSON, decimal), with kCorruption.
Status AppendValueText(const Value& v, std::string* out);

// Appends the text form of a MySQL partial JSON diff list (see above).
Status AppendJsonDiffAsText(std::string_view diff, std::string* out);

// Appends `bytes` as lower-case hex.
void AppendHex(std::string_view bytes, std::string* out);

// True if `s` is valid UTF-8 (no overlongs, no surrogates).
bool IsValidUtf8(std::string_view s);

}  // namespace dm::binlog
