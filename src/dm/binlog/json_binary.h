#pragma once
// Decoding of MySQL's binary JSON format (the payload of a JSON column in a row event) and of
// MySQL's binary NEWDECIMAL format, into the text MySQL itself prints for them.
//
// JSON text is rendered exactly like MySQL's Json_wrapper::to_string() (what CAST(col AS CHAR),
// SELECT col and JSON_EXTRACT print):
//   - objects `{"a": 1, "b": [true, null, "x"]}`: separators ", " and ": ", keys in stored order;
//   - strings and keys: `"` and `\` escaped, \b \t \n \f \r, other bytes 0x00..0x1f as \u00xx
//     (lowercase hex); every other byte, including non-ASCII UTF-8 and 0x7f, is copied verbatim
//     (invalid UTF-8 is not rejected, like MySQL);
//   - integers (int16..uint64) in decimal;
//   - doubles as MySQL's my_gcvt(value, MY_GCVT_ARG_DOUBLE, 34): the shortest digit string that
//     round-trips, in fixed notation when the decimal exponent is in [-14, 15] (e.g. "0.0001",
//     "100000000000000"), otherwise scientific with no '+' and no exponent padding ("1e100",
//     "1.5e-20", "1e15"), and ".0" appended when the result has neither '.' nor 'e' ("3.0",
//     "-0.0", "0.0");
//   - opaque DECIMAL (field type 246) as the plain number with exactly `scale` fraction digits;
//   - opaque DATE (10) as "YYYY-MM-DD", TIME (11) as "[-]HH:MM:SS.ffffff", DATETIME (12) and
//     TIMESTAMP (7) as "YYYY-MM-DD HH:MM:SS.ffffff" (always six fraction digits, quoted);
//   - opaque VAR_STRING (253) as a plain JSON string of its bytes;
//   - any other opaque value as "base64:typeNN:<base64>" with MySQL's base64 (a newline, printed
//     as \n, after every 76 output characters).
//
// Thread-safety: all functions are pure and may be called concurrently.

#include <cstddef>
#include <string>
#include <string_view>

#include "dm/base/status.h"

namespace dm::binlog {

// MySQL's limit on JSON nesting (JSON_DOCUMENT_MAX_DEPTH); deeper documents are rejected.
inline constexpr int kMaxJsonDepth = 100;

// Appends the JSON text of the MySQL binary JSON value `bytes` (the payload of a JSON column in a
// row event, without its length prefix) to *out.
//
// A zero-length value is rendered as `null`: MySQL stores an empty value when NULL is inserted
// into a NOT NULL JSON column in non-strict mode or with INSERT IGNORE, and the server reads it as
// the JSON null literal (json_binary::parse_binary). (go-mysql instead returns an empty string.)
//
// Returns Corruption, naming the problem and its byte offset in `bytes`, when the value is
// malformed: truncated, an offset or length outside its container, an unknown type or literal,
// nesting deeper than kMaxJsonDepth, an invalid opaque DECIMAL or temporal value, a non-finite
// double (MySQL cannot store one), or a document whose values overlap so that its text would be
// more than 16 times its size plus 256 bytes (no document MySQL writes comes near that).
// Never reads outside `bytes`; work and memory are bounded by that output limit.
// On error *out is left as it was.
// REQUIRES: out != nullptr.
Status AppendJsonBinaryAsText(std::string_view bytes, std::string* out);

// Returns the number of bytes MySQL uses for a DECIMAL(precision, scale) value, or 0 when
// precision is not in 1..65, scale not in 0..30 or scale > precision.
size_t BinaryDecimalSize(int precision, int scale);

// Decodes a MySQL binary NEWDECIMAL of the given precision and scale from the start of `bytes`,
// appends its text to *out and sets *consumed to its byte size (BinaryDecimalSize()).
//
// The text is what MySQL prints for the column: an optional '-', the integer part without leading
// zeros ("0" when it is zero), then '.' and exactly `scale` fraction digits when scale > 0:
// "-1234.5600", "0.000", "0.5", "12". A binary negative zero (sign bit clear, all digits zero,
// which MySQL itself never writes) is printed the way MySQL's decimal2string prints it: "0" when
// scale == 0, and with the sign, e.g. "-0.00", when scale > 0.
//
// Returns InvalidArgument when precision/scale are out of range (see BinaryDecimalSize), and
// Corruption when `bytes` is shorter than the value or a digit group is out of range (a 9-digit
// group above 999999999, or a partial group of n digits at or above 10^n). On error *out and
// *consumed are left as they were.
// REQUIRES: out != nullptr, consumed != nullptr.
Status AppendBinaryDecimalAsText(std::string_view bytes, int precision, int scale, std::string* out,
                                 size_t* consumed);

}  // namespace dm::binlog
