#pragma once
// FileEventSplitter: splits the bytes of a binlog (or relay log) file into raw events.
//
// Checks the 4-byte magic, then walks events by their header's event_size. A file that
// ends inside an event (truncated, or still being written) and an impossible size are
// reported as kCorruption naming the file and the byte offset. Pure: the caller reads
// the file (e.g. with mmap) and owns the bytes.

#include <cstdint>
#include <string>
#include <string_view>

#include "dm/base/status.h"

namespace dm::binlog {

class FileEventSplitter {
 public:
  // `name` is used in error messages only.
  FileEventSplitter(std::string_view bytes, std::string name);

  // Sets *raw to the next event and *offset to its start. Returns false at the end of
  // the file or on error; status() tells which.
  bool Next(std::string_view* raw, uint64_t* offset);
  const Status& status() const { return status_; }
  uint64_t offset() const { return pos_; }
  const std::string& name() const { return name_; }

 private:
  std::string_view bytes_;
  std::string name_;
  uint64_t pos_ = 0;
  Status status_;
};

}  // namespace dm::binlog
