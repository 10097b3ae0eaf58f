#pragma once
// How the dump reads each column and writes its value as a SQL literal, so that loading
// the literal into the same column type gives back identical bytes:
//
//   kind        SELECT expression      literal written
//   kNumber     `c`                    as the server prints it: 42, -1.50, 2024 (integers,
//                                      DECIMAL, YEAR)
//   kFloat      `c` + 0e0              FLOAT/DOUBLE as a DOUBLE with round-trip digits
//                                      (MariaDB prints a FLOAT with 6 digits and FLOAT(M,D) /
//                                      DOUBLE(M,D) with D decimals, which can lose bits)
//   kIndex      CAST(`c` + 0 AS UNSIGNED)  BIT as its unsigned value; ENUM as its index (exact
//                                      even for the invalid '' value, index 0); SET as bitmask
//   kString     `c`                    '...' with backslash escapes (raw bytes under
//                                      SET NAMES binary, so every charset survives)
//   kText       `c`                    _utf8mb4'...': INET4/INET6/UUID, which read a binary-
//                                      charset string as their packed binary form
//   kBinary     `c`                    0x<hex> ('' when empty): BINARY/BLOB/GEOMETRY
//   kJson       `c`                    CONVERT('...' USING utf8mb4): MySQL's JSON type rejects
//                                      binary-charset strings
//   generated columns are not selected (the target recomputes them).
//
// NULL is NULL for every kind. Dump sessions use time_zone '+00:00' (TIMESTAMP text is
// UTC) and character_set_results binary (string bytes as stored).
//
// Pure functions; thread-safe.

#include <string>
#include <string_view>

#include "dm/schema/table_info.h"

namespace dm::dump {

enum class ValueKind { kNumber, kFloat, kIndex, kString, kText, kBinary, kJson };

// By information_schema DATA_TYPE (lower case); unknown types are kString.
ValueKind ClassifyColumn(const schema::Column& column);

// The SELECT list item for `column` (quoted identifier, maybe wrapped).
std::string SelectExpression(const schema::Column& column);

// Appends '<value>' escaping \0 ' " \ \n \r \x1a with a backslash.
void AppendQuotedString(std::string* out, std::string_view value);
// Appends 0x<uppercase hex>, or '' for an empty value.
void AppendHexLiteral(std::string* out, std::string_view value);
// Appends the literal for a non-NULL value of `kind`.
void AppendValue(std::string* out, ValueKind kind, std::string_view value);

}  // namespace dm::dump
