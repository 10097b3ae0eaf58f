#pragma once
// EventJsonWriter: renders decoded events as one JSON object per line (dm-binlog's
// output format, documented in docs/binlog-json.md and `dm-binlog --help`).
//
// Common fields: type, pos (start offset), next_pos (end offset = log_pos), timestamp,
// server_id, file (when known), gtid (of the enclosing transaction, when known).
// Row events add schema, table, table_id and rows: WRITE/DELETE rows are objects
// {column: value}, UPDATE rows are {"before": {...}, "after": {...}}. Columns are named
// by the TABLE_MAP metadata, or "@1", "@2", ... when the server did not log names.
// Values: JSON null for NULL; text as a JSON string; binary data (binary collation,
// BIT is numeric, GEOMETRY, or bytes that are not valid UTF-8) as {"hex": "..."};
// columns absent from a MINIMAL/NOBLOB image are omitted.
//
// Not thread-safe; one writer per output stream.

#include <cstdint>
#include <map>
#include <memory>
#include <vector>
#include <string>

#include "dm/base/status.h"
#include "dm/binlog/events.h"
#include "dm/binlog/json_text.h"
#include "dm/binlog/value.h"

namespace dm::binlog {

// Appends the JSON rendering of one value (see above).
Status AppendValueJson(const Value& v, const ColumnInfo& column, std::string* out);

class EventJsonWriter {
 public:
  // Appends one line (with '\n') for `event`. `pos` is the event's start offset, `file`
  // the binlog file name (may be empty), `gtid` the enclosing transaction's GTID text.
  Status Append(const Event& event, uint64_t pos, std::string_view file, std::string_view gtid,
                std::string* out);

 private:
  // Escaped column keys of the last table rendered (rows events of one statement share it).
  std::shared_ptr<const TableMap> keys_table_;
  std::vector<std::string> keys_;
};

}  // namespace dm::binlog
