#include "dm/binlog/file_splitter.h"

#include <cstring>

#include "dm/binlog/event_type.h"

namespace dm::binlog {

FileEventSplitter::FileEventSplitter(std::string_view bytes, std::string name)
    : bytes_(bytes), name_(std::move(name)) {
  if (bytes_.size() < kBinlogMagic.size() || bytes_.substr(0, 4) != kBinlogMagic) {
    status_ = Status::Corruption(name_ + ": not a binlog file (missing the \\xfebin magic header)");
    pos_ = bytes_.size();
    return;
  }
  pos_ = kBinlogMagic.size();
}

bool FileEventSplitter::Next(std::string_view* raw, uint64_t* offset) {
  if (!status_.ok() || pos_ >= bytes_.size()) return false;
  const size_t left = bytes_.size() - pos_;
  if (left < kEventHeaderSize) {
    status_ = Status::Corruption(name_ + ": truncated event at offset " + std::to_string(pos_) +
                                 ": only " + std::to_string(left) +
                                 " bytes remain, less than an event header (the file was cut "
                                 "short or is still being written)");
    return false;
  }
  uint32_t size;
  std::memcpy(&size, bytes_.data() + pos_ + 9, 4);
  size = le32toh(size);
  if (size < kEventHeaderSize) {
    status_ = Status::Corruption(name_ + ": corrupt event at offset " + std::to_string(pos_) +
                                 ": event size " + std::to_string(size) +
                                 " is smaller than its header");
    return false;
  }
  if (size > left) {
    status_ = Status::Corruption(name_ + ": truncated event at offset " + std::to_string(pos_) +
                                 ": header says " + std::to_string(size) + " bytes, only " +
                                 std::to_string(left) +
                                 " remain (the file was cut short or is still being written)");
    return false;
  }
  *raw = bytes_.substr(pos_, size);
  *offset = pos_;
  pos_ += size;
  return true;
}

}  // namespace dm::binlog
