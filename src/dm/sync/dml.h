#pragma once
// DML generation: binlog values -> SQL literals, row changes -> statements.
//
// Every identifier is quoted with backticks (inner backticks doubled); every value is
// an escaped literal or a hex literal, never spliced raw:
//   numbers           as decimal text (unsigned columns fixed up when the TABLE_MAP had no
//                     signedness metadata); ENUM/SET as their index / bitmask (MySQL and
//                     MariaDB accept the numeric form for both)
//   temporal, JSON    as quoted text; TIMESTAMP as UTC (sessions use time_zone '+00:00')
//   character data    'escaped' when the column is UTF-8 and the bytes are valid UTF-8,
//                     else _<charset> X'hex' (byte-exact for any character set)
//   binary, geometry  X'hex'; BINARY(n) right-padded with 0x00 to n bytes
//
// Statements (one per row unless merged):
//   INSERT INTO t (cols) VALUES (...)            safe mode: REPLACE INTO
//   UPDATE t SET <changed cols> WHERE <key>      safe mode: DELETE <old key> + REPLACE new
//   DELETE FROM t WHERE <key>
// <key> is the handle key (`k` = v AND ...), else every usable column (`c` IS NULL /
// `c` = BINARY v for text) followed by LIMIT 1. Generated columns are never written.
//
// Pure functions, thread-safe.

#include <string>
#include <vector>

#include "dm/base/status.h"
#include "dm/binlog/table_map.h"
#include "dm/binlog/value.h"
#include "dm/sync/row_change.h"

namespace dm::sync {

// Renders one decoded value. NULL -> Literal{null=true}. kMissing (partial row image) and
// partial JSON updates fail with kNotSupported naming the column (the upstream must use
// binlog_row_image=FULL and no PARTIAL_JSON).
Status RenderLiteral(const binlog::Value& v, const binlog::ColumnInfo& binlog_col,
                     const ColumnMeta& col, Literal* out);

// SQL string escaping for use inside single quotes (backslash escapes, MySQL default
// sql_mode): \0 ' " \ \n \r \x1a.
void AppendEscaped(std::string_view s, std::string* out);

struct DmlOptions {
  bool safe_mode = false;
  bool multiple_rows = false;  // merge runs of same-table, same-kind changes
};

// Appends the statements for `rows`, in order (see above), to `out`; with `tables`, the
// target table of each statement too (for error messages).
void GenerateStatements(const std::vector<const RowChange*>& rows, const DmlOptions& options,
                        std::vector<std::string>* out,
                        std::vector<const TableMeta*>* tables = nullptr);

// DM's compactor, per handle key within one batch: INSERT+UPDATE -> INSERT,
// INSERT+DELETE -> DELETE, UPDATE+UPDATE -> UPDATE, UPDATE+DELETE -> DELETE,
// DELETE+INSERT -> UPDATE. Only tables whose handle key is their only unique key take
// part; an UPDATE that changes the key is never merged (and ends merging for both keys).
// Changes that cannot be merged keep their order. Returns the compacted changes; the
// merged change takes the place of the first one.
std::vector<RowChange> Compact(std::vector<RowChange> rows);

}  // namespace dm::sync
