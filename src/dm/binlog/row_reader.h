#pragma once
// RowReader: iterates the row images of one decoded rows event.
//
//   RowReader rows(event);
//   std::vector<Value> before, after;
//   while (rows.Next(&before, &after)) { ... }
//   DM_RETURN_IF_ERROR(rows.status());
//
// WRITE rows fill `before` with the new row (the only image), DELETE rows fill it with
// the deleted row, UPDATE rows fill `before` and `after`. Each vector has one Value per
// table column: kMissing for columns not in the image (binlog_row_image MINIMAL/NOBLOB),
// kNull for NULL. Signedness comes from the TABLE_MAP optional metadata; without it
// integers decode as signed unless `unsigned_override` marks them (from a schema).
//
// The Values point into the event's buffer. Not thread-safe; cheap to construct.

#include <string_view>
#include <vector>

#include "dm/base/status.h"
#include "dm/binlog/byte_reader.h"
#include "dm/binlog/events.h"
#include "dm/binlog/value.h"

namespace dm::binlog {

class RowReader {
 public:
  explicit RowReader(const RowsEvent& event);

  // Decodes the next row. Returns false at the end of the event or on error; check
  // status() to tell them apart.
  bool Next(std::vector<Value>* first, std::vector<Value>* second);
  const Status& status() const { return status_; }

 private:
  bool DecodeImage(std::string_view present, std::vector<Value>* out, bool after_image);

  const RowsEvent& event_;
  ByteReader reader_;
  Status status_;
  size_t row_index_ = 0;
};

// Decodes one non-NULL column value of `column` from `r`. Fails with kCorruption if the
// bytes are truncated or impossible, kNotSupported for types no server writes in ROW
// events any more (old DECIMAL, typed arrays).
Status DecodeColumnValue(ByteReader& r, const ColumnInfo& column, Value* v);

}  // namespace dm::binlog
