#pragma once
// The sync unit's data model between the binlog reader and the DML workers.
//
// TableMeta: what SQL generation needs about one routed target table (quoted names,
// which columns are written, the key used in WHERE, the unique keys used for
// causality). Built once per table structure by the SchemaSource, immutable, shared by
// every RowChange of that table (safe to read from any thread).
//
// RowChange: one row of a ROWS event, with every value already rendered as an SQL
// literal (so no binlog buffer is referenced after the reader moves on), and the
// RowStamp that identifies it in the upstream binlog for exactly-once apply.
//
// RowStamp: (binlog file sequence number, start offset of the row's transaction, index of
// the row inside that transaction). Deterministic: reading the same binlog again yields
// the same stamps, whatever point the reader (re)started from; totally ordered in binlog
// order. See docs/sync-design.md.

#include <compare>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "dm/schema/table_info.h"

namespace dm::sync {

struct RowStamp {
  uint64_t file_seq = 0;  // numeric suffix of the binlog file ("mysql-bin.000012" -> 12)
  uint64_t trx_pos = 0;   // offset of the first event (GTID/BEGIN) of the transaction
  uint32_t row = 0;       // 1-based index of the row among all rows of the transaction

  friend auto operator<=>(const RowStamp&, const RowStamp&) = default;
  friend bool operator==(const RowStamp&, const RowStamp&) = default;
  std::string ToString() const;  // "12:4567#3"
};

// Numeric suffix of a binlog file name (after the last '.'); 0 if it has none.
uint64_t BinlogFileSeq(std::string_view file);

// How a column's values are written as SQL literals.
enum class LiteralKind : uint8_t {
  kNumber,    // integers, DECIMAL, FLOAT/DOUBLE, YEAR, BIT, ENUM index, SET bitmask
  kQuoted,    // temporal and JSON text: '...'
  kText,      // character data: '...' when valid UTF-8 in a UTF-8 charset, else _cs X'..'
  kBinary,    // binary strings, blobs, geometry: X'..'
};

struct ColumnMeta {
  std::string name;
  std::string quoted;       // `name`
  LiteralKind literal = LiteralKind::kNumber;
  std::string charset;      // kText: the column's character set (e.g. "latin1")
  uint32_t binary_pad = 0;  // BINARY(n): values are right-padded with 0x00 to n bytes
  bool is_unsigned = false;
  bool generated = false;   // never written; never in WHERE
  bool in_where = true;     // usable in an all-columns WHERE (not FLOAT, JSON, geometry)
  std::vector<std::string> elements;  // ENUM/SET member names (expression filter)
};

struct TableMeta {
  std::string source_schema, source_table;  // upstream names
  std::string target_schema, target_table;  // routed target
  std::string quoted;                       // `target_schema`.`target_table`
  // The upstream columns in binlog order (same count and order as the TABLE_MAP), then
  // the extracted route columns, whose values are `extra_values` (SQL literals).
  std::vector<ColumnMeta> columns;
  size_t upstream_columns = 0;
  std::vector<std::string> extra_values;
  // Column indexes of the handle key (PK, else a NOT NULL unique key); empty = none, and
  // rows are matched on all `in_where` columns with LIMIT 1.
  std::vector<int> handle_key;
  // Every unique key (including nullable ones), for causality.
  std::vector<std::vector<int>> unique_keys;
  // Compaction / multi-row merging only when the handle key is the table's only unique key.
  bool single_unique_key = false;
  std::string Name() const { return quoted; }
};

enum class RowKind : uint8_t { kInsert, kUpdate, kDelete };

// One SQL literal, or NULL.
struct Literal {
  std::string text;
  bool null = false;
  bool operator==(const Literal&) const = default;
};

// Progress of one upstream transaction through the workers: the reader counts its parts,
// each worker decrements after committing. Shared between threads (atomic counter).
struct TrxTracker;

struct RowChange {
  std::shared_ptr<const TableMeta> table;
  RowKind kind = RowKind::kInsert;
  // Full-width values (table->columns.size()): upstream values, then extracted columns.
  // INSERT: `after`; DELETE: `before`; UPDATE: both.
  std::vector<Literal> before, after;
  RowStamp stamp;
  std::shared_ptr<TrxTracker> trx;  // set by the dispatcher
};

}  // namespace dm::sync
