#pragma once
// Streaming readers for the SQL files of a dump directory (ours and mydumper's).
//
// DataFileReader splits a data file into items without ever holding more than one
// statement's worth of input in memory (bounded by the largest row plus a 4 MiB read
// buffer):
//   kRow        one row tuple "(...)" of an INSERT/REPLACE ... VALUES statement, with the
//               statement's header (table, column list) and the file offset just past
//               the tuple: the resume point once that row is committed;
//   kStatement  any other statement (e.g. "/*!40101 SET NAMES binary*/"), text without ';';
//   kEnd        end of file.
// Comments (-- , #, /* */) between statements are skipped; versioned comments "/*!...*/"
// are statements. Strings in '...' and "..." honour backslash escapes and doubled quotes;
// `identifiers` honour doubled backticks.
//
// SplitStatements does the same for a whole (small) schema file held in memory.
//
// Errors: kCorruption naming the file and byte offset (unterminated string, malformed
// INSERT header); kIOError naming the file.
// Thread-safety: one thread per reader; SplitStatements is pure.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "dm/base/result.h"
#include "dm/base/status.h"

namespace dm::load {

struct InsertHeader {
  bool replace = false;          // REPLACE INTO
  bool ignore = false;           // INSERT IGNORE
  std::string schema;            // "" unless the statement names it (`db`.`tbl`)
  std::string table;             // unquoted
  bool has_columns = false;
  std::vector<std::string> columns;  // unquoted, when has_columns
};

struct DataItem {
  enum class Kind { kRow, kStatement, kEnd } kind = Kind::kEnd;
  std::string_view text;        // row tuple with parentheses / statement; valid until Next()
  const InsertHeader* header = nullptr;  // kRow: valid until the next header
  uint64_t header_seq = 0;      // changes whenever a new INSERT statement starts
  uint64_t end_offset = 0;      // file offset just past the item
};

class DataFileReader {
 public:
  static Result<std::unique_ptr<DataFileReader>> Open(const std::string& path);
  ~DataFileReader();
  DataFileReader(const DataFileReader&) = delete;
  DataFileReader& operator=(const DataFileReader&) = delete;

  Status Next(DataItem* item);
  uint64_t file_size() const { return file_size_; }

 private:
  DataFileReader(std::string path, int fd, uint64_t size);
  // Makes buf_[pos_ + n - 1] readable; false at end of file.
  Result<bool> Ensure(size_t n);
  Status Corrupt(std::string_view what, uint64_t offset) const;
  Status SkipSpaceAndComments(bool* eof);
  // Scans a quoted run starting at buf_[*i] (the quote char); on return *i is past it.
  Result<bool> ScanQuoted(size_t* i);
  Status ParseHeader(std::string_view text, uint64_t offset);

  std::string path_;
  int fd_ = -1;
  uint64_t file_size_ = 0;
  std::string buf_;
  size_t pos_ = 0;            // next unread byte in buf_
  uint64_t buf_offset_ = 0;   // file offset of buf_[0]
  bool eof_ = false;          // no more bytes to read from fd_
  bool in_values_ = false;    // inside INSERT ... VALUES, before its ';'
  InsertHeader header_;
  uint64_t header_seq_ = 0;
};

// Splits `text` into statements (without the ';'), skipping comments and blank ones;
// versioned comments "/*!...*/" are kept as statements. Corruption on an unterminated
// string or comment, naming `file`.
Result<std::vector<std::string>> SplitStatements(std::string_view text, std::string_view file);

// The rest of a "CREATE TABLE|DATABASE|SCHEMA [IF NOT EXISTS] <name>" statement after the
// name, with the name parsed out; NotFound if `stmt` is not such a statement.
struct CreateStatement {
  bool database = false;   // CREATE DATABASE / SCHEMA
  std::string schema;      // qualifier of a table name, if any
  std::string name;
  std::string rest;        // text after the name: "(\n `a` int ...) ENGINE=..."
};
Result<CreateStatement> ParseCreateStatement(std::string_view stmt);

// Secondary index deferral for faster loads: InnoDB builds an index over loaded rows by
// sorting, much faster than maintaining it row by row. From the text after a CREATE TABLE
// name (CreateStatement::rest), removes the plain `KEY`/`INDEX` definitions (not PRIMARY,
// UNIQUE, FULLTEXT, SPATIAL) and returns them as (index name, definition) for a later
// "ALTER TABLE ... ADD <definition>". Nothing is deferred when the table has FOREIGN KEY
// constraints (they need their indexes) or when the body cannot be parsed.
struct DeferredIndexes {
  std::string rest;  // CREATE TABLE text without the deferred definitions
  std::vector<std::pair<std::string, std::string>> indexes;
};
DeferredIndexes DeferSecondaryIndexes(std::string_view rest);

}  // namespace dm::load
