#include "dm/binlog/file_splitter.h"

#include <endian.h>

#include <algorithm>
#include <cstring>

#include "dm/binlog/event_type.h"

namespace dm::binlog {

namespace {

// The errors of both walkers (same text, so callers and tests see one behaviour).
Status NotABinlog(const std::string& name) {
  return Status::Corruption(name + ": not a binlog file (missing the \\xfebin magic header)");
}

Status TruncatedHeader(const std::string& name, uint64_t pos, size_t left) {
  return Status::Corruption(name + ": truncated event at offset " + std::to_string(pos) +
                            ": only " + std::to_string(left) +
                            " bytes remain, less than an event header (the file was cut "
                            "short or is still being written)");
}

Status TooSmall(const std::string& name, uint64_t pos, uint32_t size) {
  return Status::Corruption(name + ": corrupt event at offset " + std::to_string(pos) +
                            ": event size " + std::to_string(size) +
                            " is smaller than its header");
}

Status TruncatedEvent(const std::string& name, uint64_t pos, uint32_t size, size_t left) {
  return Status::Corruption(name + ": truncated event at offset " + std::to_string(pos) +
                            ": header says " + std::to_string(size) + " bytes, only " +
                            std::to_string(left) +
                            " remain (the file was cut short or is still being written)");
}

uint32_t EventSize(const char* header) {
  uint32_t size;
  std::memcpy(&size, header + 9, 4);
  return le32toh(size);
}

}  // namespace

FileEventSplitter::FileEventSplitter(std::string_view bytes, std::string name)
    : bytes_(bytes), name_(std::move(name)) {
  if (bytes_.size() < kBinlogMagic.size() || bytes_.substr(0, 4) != kBinlogMagic) {
    status_ = NotABinlog(name_);
    pos_ = bytes_.size();
    return;
  }
  pos_ = kBinlogMagic.size();
}

bool FileEventSplitter::Next(std::string_view* raw, uint64_t* offset) {
  if (!status_.ok() || pos_ >= bytes_.size()) return false;
  const size_t left = bytes_.size() - pos_;
  if (left < kEventHeaderSize) {
    status_ = TruncatedHeader(name_, pos_, left);
    return false;
  }
  uint32_t size = EventSize(bytes_.data() + pos_);
  if (size < kEventHeaderSize) {
    status_ = TooSmall(name_, pos_, size);
    return false;
  }
  if (size > left) {
    status_ = TruncatedEvent(name_, pos_, size, left);
    return false;
  }
  *raw = bytes_.substr(pos_, size);
  *offset = pos_;
  pos_ += size;
  return true;
}

FileEventReader::FileEventReader(ReadFn read, uint64_t file_size, std::string name,
                                 size_t chunk)
    : read_(std::move(read)),
      file_size_(file_size),
      name_(std::move(name)),
      chunk_(std::max<size_t>(chunk, 1)) {}

bool FileEventReader::Fill(size_t need) {
  if (available() >= need || consumed_ >= file_size_) return true;
  // Keep the unread tail (part of one event) at the front, with room for `need` bytes
  // and a whole chunk.
  if (begin_ > 0) {
    std::memmove(buf_.get(), buf_.get() + begin_, available());
    end_ -= begin_;
    begin_ = 0;
  }
  const size_t cap = std::max(need, end_ + chunk_);
  if (cap_ < cap) {
    auto fresh = std::unique_ptr<char[]>(new char[cap]);
    if (end_) std::memcpy(fresh.get(), buf_.get(), end_);
    buf_ = std::move(fresh);
    cap_ = cap;
  }
  while (available() < need && consumed_ < file_size_) {
    size_t n = static_cast<size_t>(std::min<uint64_t>(cap_ - end_, file_size_ - consumed_));
    size_t got = 0;
    Status s = read_(buf_.get() + end_, n, &got);
    if (!s.ok()) {
      status_ = std::move(s).WithContext(name_ + ": reading at offset " +
                                         std::to_string(consumed_));
      return false;
    }
    if (got == 0) {
      file_size_ = consumed_;  // the file is shorter than it was: it ends here
      break;
    }
    end_ += got;
    consumed_ += got;
  }
  return true;
}

bool FileEventReader::Next(std::string_view* raw, uint64_t* offset) {
  if (!status_.ok()) return false;
  if (!started_) {
    started_ = true;
    if (!Fill(kBinlogMagic.size())) return false;
    if (available() < kBinlogMagic.size() ||
        std::string_view(buf_.get() + begin_, kBinlogMagic.size()) != kBinlogMagic) {
      status_ = NotABinlog(name_);
      return false;
    }
    begin_ += kBinlogMagic.size();
    pos_ = kBinlogMagic.size();
  }
  if (!Fill(kEventHeaderSize)) return false;
  if (available() == 0) return false;  // end of file
  if (available() < kEventHeaderSize) {
    status_ = TruncatedHeader(name_, pos_, available());
    return false;
  }
  uint32_t size = EventSize(buf_.get() + begin_);
  if (size < kEventHeaderSize) {
    status_ = TooSmall(name_, pos_, size);
    return false;
  }
  // Never buffer more than the file holds (a corrupt size may claim up to 4 GiB).
  if (!Fill(static_cast<size_t>(std::min<uint64_t>(size, file_size_ - pos_)))) return false;
  if (size > available()) {
    status_ = TruncatedEvent(name_, pos_, size, available());
    return false;
  }
  *raw = std::string_view(buf_.get() + begin_, size);
  *offset = pos_;
  begin_ += size;
  pos_ += size;
  return true;
}

}  // namespace dm::binlog
