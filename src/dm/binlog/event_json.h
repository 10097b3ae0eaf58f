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
#include <cstring>
#include <map>
#include <memory>
#include <utility>
#include <vector>
#include <string>
#include <string_view>

#include "dm/base/status.h"
#include "dm/binlog/events.h"
#include "dm/binlog/json_text.h"
#include "dm/binlog/value.h"

namespace dm::binlog {

// A growable output buffer for the writer: one allocation reused for many lines, written
// through raw pointers (Reserve, then Commit the end) so the hot path has no per-value
// std::string and no per-byte capacity checks.
class JsonBuffer {
 public:
  JsonBuffer() = default;
  JsonBuffer(const JsonBuffer&) = delete;
  JsonBuffer& operator=(const JsonBuffer&) = delete;

  // Returns where to write at least `n` more bytes; call Commit(new end) after writing.
  char* Reserve(size_t n) {
    if (static_cast<size_t>(end_ - p_) < n) Grow(n);
    return p_;
  }
  void Commit(char* end) { p_ = end; }
  void Append(std::string_view s) {
    char* p = Reserve(s.size());
    if (!s.empty()) std::memcpy(p, s.data(), s.size());
    p_ = p + s.size();
  }
  void Push(char c) {
    *Reserve(1) = c;
    ++p_;
  }
  size_t size() const { return static_cast<size_t>(p_ - data_.get()); }
  bool empty() const { return size() == 0; }
  std::string_view view() const { return {data_.get(), size()}; }
  void clear() { p_ = data_.get(); }
  void Truncate(size_t n) { p_ = data_.get() + n; }  // n <= size()
  void Swap(JsonBuffer& o) {
    data_.swap(o.data_);
    std::swap(p_, o.p_);
    std::swap(end_, o.end_);
  }

 private:
  void Grow(size_t n);
  std::unique_ptr<char[]> data_;
  char* p_ = nullptr;
  char* end_ = nullptr;
};

// Appends the JSON rendering of one value (see above).
Status AppendValueJson(const Value& v, const ColumnInfo& column, std::string* out);

class EventJsonWriter {
 public:
  // Appends one line (with '\n') for `event` to buffer(). `pos` is the event's start
  // offset, `file` the binlog file name (may be empty), `gtid` the enclosing transaction's
  // GTID text. On error nothing of the event is left in the buffer.
  Status Append(const Event& event, uint64_t pos, std::string_view file, std::string_view gtid);

  // The same, appending the line to *out instead (a copy through buffer()).
  Status Append(const Event& event, uint64_t pos, std::string_view file, std::string_view gtid,
                std::string* out);

  // The lines appended so far; the caller writes them out and clears the buffer.
  JsonBuffer& buffer() { return buf_; }

 private:
  // Per-column rendering plan of the last table rendered (rows events of one statement
  // share their TableMap): the escaped "name": key and how its text values are encoded.
  struct ColumnPlan {
    std::string key;
    char key16[16] = {};         // key, zero-padded, when it fits: a fixed-size copy
    uint8_t encoding = 0;        // event_json.cc's TextEncoding
    bool padded_binary = false;  // BINARY(N): restore the trailing 0x00 the server strips
  };

  Status AppendEvent(const Event& event, uint64_t pos, std::string_view file,
                     std::string_view gtid);
  Status AppendRows(const RowsEvent& rows);
  Status AppendRow(const std::vector<Value>& row, const TableMap& t);

  JsonBuffer buf_;
  std::shared_ptr<const TableMap> plan_table_;
  std::vector<ColumnPlan> plan_;
  std::string table_prefix_;  // ,"schema":"..","table":"..", of plan_table_
  std::vector<Value> a_, b_;  // row images, reused
  std::string scratch_;       // text of values that are not formatted in place
  JsonBuffer plan_scratch_;   // keys and prefix of a new plan, reused
};

}  // namespace dm::binlog
