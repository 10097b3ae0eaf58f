#pragma once
// DataWriter: writes the rows of one table chunk as mydumper-style data files:
//
//   /*!40101 SET NAMES binary*/;
//   /*!40014 SET FOREIGN_KEY_CHECKS=0*/;
//   /*!40103 SET TIME_ZONE='+00:00' */;
//   INSERT INTO `tbl` (`a`,`b`) VALUES
//   (1,'x'),
//   (2,NULL);
//
// An INSERT statement ends once it reaches `statement_size` bytes; a file is closed after
// the statement that makes it reach `file_size` bytes (0 = no limit) and the next rows go
// to a new file whose number comes from `next_index` (shared by all chunks of a table).
// No file is created for a chunk without rows. Files are fsynced on Close().
//
// Memory: one buffer of at most ~1 MiB plus one row.
// Thread-safety: one thread per DataWriter; `next_index` may be shared.

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "dm/base/status.h"
#include "dm/dump/sql_value.h"

namespace dm::dump {

struct DataWriterOptions {
  std::string dir;
  std::string db;
  std::string table;
  std::vector<std::string> columns;  // names, in SELECT order
  std::vector<ValueKind> kinds;      // per column
  uint64_t statement_size = 1000000;
  uint64_t file_size = 64ull << 20;  // 0 = unlimited
  std::atomic<uint32_t>* next_index = nullptr;  // required
};

class DataWriter {
 public:
  explicit DataWriter(DataWriterOptions options);
  ~DataWriter();  // closes without fsync if Close() was not called
  DataWriter(const DataWriter&) = delete;
  DataWriter& operator=(const DataWriter&) = delete;

  // Appends one row; values[i] == nullptr means NULL. IOError names the file.
  Status AddRow(const char* const* values, const unsigned long* lengths);
  // Ends the statement, flushes and fsyncs the current file.
  Status Close();

  uint64_t bytes_written() const { return bytes_written_; }  // flushed + buffered
  uint64_t rows() const { return rows_; }
  const std::vector<std::string>& files() const { return files_; }  // file names created

 private:
  Status OpenNext();
  Status Flush();
  Status EndStatement();

  DataWriterOptions o_;
  std::string header_;  // "INSERT INTO `t` (...) VALUES\n"
  std::string buf_;
  int fd_ = -1;
  std::string path_;
  uint64_t file_bytes_ = 0;  // bytes of the current file (flushed + buffered)
  uint64_t stmt_bytes_ = 0;  // bytes of the current statement; 0 = no open statement
  uint64_t bytes_written_ = 0;
  uint64_t rows_ = 0;
  std::vector<std::string> files_;
};

// Writes `content` to `path` (truncating) and fsyncs it. IOError names the path.
Status WriteWholeFile(const std::string& path, std::string_view content);

}  // namespace dm::dump
