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

// --- FileBatchReader -------------------------------------------------------------------

FileBatchReader::FileBatchReader(ReadFn read, uint64_t file_size, std::string name,
                                 size_t target)
    : read_(std::move(read)),
      file_size_(file_size),
      name_(std::move(name)),
      target_(std::max<size_t>(target, 1)),
      chunk_(std::min<size_t>(target_, size_t{128} << 10)) {}

bool FileBatchReader::Read(EventBatch* b, size_t want) {
  // Never buffer more than the file holds (a corrupt size may claim up to 4 GiB).
  want = static_cast<size_t>(std::min<uint64_t>(want, file_size_ - consumed_));
  const size_t need = b->size + want;
  if (b->cap < need) {
    const size_t cap = std::max({need, b->cap * 2, target_ + 2 * chunk_});
    auto fresh = std::unique_ptr<char[]>(new char[cap]);
    if (b->size) std::memcpy(fresh.get(), b->buf.get(), b->size);
    b->buf = std::move(fresh);
    b->cap = cap;
  }
  while (want > 0) {
    size_t got = 0;
    Status s = read_(b->buf.get() + b->size, want, &got);
    if (!s.ok()) {
      status_ = std::move(s).WithContext(name_ + ": reading at offset " + std::to_string(consumed_));
      return false;
    }
    if (got == 0) {
      file_size_ = consumed_;  // the file is shorter than it was: it ends here
      break;
    }
    b->size += got;
    consumed_ += got;
    want -= std::min(want, got);
  }
  return true;
}

bool FileBatchReader::Next(EventBatch* out) {
  if (!status_.ok()) return false;
  EventBatch& b = pending_;
  if (!started_) {
    started_ = true;
    if (!Read(&b, kBinlogMagic.size())) return false;
    if (b.size < kBinlogMagic.size() ||
        std::string_view(b.buf.get(), kBinlogMagic.size()) != kBinlogMagic) {
      status_ = NotABinlog(name_);
      return false;
    }
    b.size = 0;  // Read asked for exactly the magic
    b.offset = kBinlogMagic.size();
  }
  size_t pos = 0;  // start of the next event to look at
  Status error;    // found at `pos`: reported once the events before it are handed out
  while (pos < target_) {
    const size_t left = b.size - pos;
    if (left < kEventHeaderSize) {
      if (consumed_ >= file_size_) {
        if (left > 0) error = TruncatedHeader(name_, b.offset + pos, left);
        break;
      }
      if (!Read(&b, chunk_)) return false;
      continue;
    }
    const uint32_t size = EventSize(b.buf.get() + pos);
    if (size < kEventHeaderSize) {
      error = TooSmall(name_, b.offset + pos, size);
      break;
    }
    if (size > left) {
      if (consumed_ >= file_size_) {
        error = TruncatedEvent(name_, b.offset + pos, size, left);
        break;
      }
      if (!Read(&b, std::max<size_t>(chunk_, size - left))) return false;
      continue;
    }
    pos += size;
  }
  if (pos == 0) {  // nothing to hand out: the end, or an error at the batch's start
    status_ = std::move(error);
    return false;
  }
  // The bytes after the cut start the next batch, in the buffer `out` gives back.
  EventBatch next;
  next.buf = std::move(out->buf);
  next.cap = out->cap;
  next.offset = b.offset + pos;
  const size_t carry = b.size - pos;
  if (next.cap < std::max(carry, target_ + 2 * chunk_)) {
    next.cap = std::max(carry, target_ + 2 * chunk_);
    next.buf = std::unique_ptr<char[]>(new char[next.cap]);
  }
  if (carry > 0) std::memcpy(next.buf.get(), b.buf.get() + pos, carry);
  next.size = carry;
  b.size = pos;
  *out = std::move(b);
  pending_ = std::move(next);
  if (!error.ok()) status_ = std::move(error);  // after this batch: the next Next fails
  return true;
}

}  // namespace dm::binlog
