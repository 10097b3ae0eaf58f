#pragma once
// ByteReader: a bounds-checked cursor over an immutable byte buffer.
//
// Every read checks the remaining length first. A read past the end returns zero /
// an empty view and makes the reader "failed" (sticky): all later reads fail too,
// so a decoder can read a whole structure and check ok() once at the end, and no
// length taken from the input is ever used before it has been checked against the
// bytes that are really there. Nothing here allocates.
//
// Thread-safety: none needed; a reader is a local cursor.

#include <cstdint>
#include <cstring>
#include <string_view>

namespace dm::binlog {

class ByteReader {
 public:
  ByteReader() = default;
  explicit ByteReader(std::string_view data)
      : p_(reinterpret_cast<const uint8_t*>(data.data())), end_(p_ + data.size()), begin_(p_) {}

  bool ok() const { return ok_; }
  size_t remaining() const { return static_cast<size_t>(end_ - p_); }
  size_t offset() const { return static_cast<size_t>(p_ - begin_); }
  bool empty() const { return p_ == end_; }
  void Fail() {
    ok_ = false;
    p_ = end_;
  }

  // True (and no state change) when at least n bytes remain.
  bool Has(size_t n) const { return ok_ && remaining() >= n; }

  uint8_t U8() {
    if (!Need(1)) return 0;
    return *p_++;
  }
  uint16_t U16() { return static_cast<uint16_t>(LittleEndian(2)); }
  uint32_t U24() { return static_cast<uint32_t>(LittleEndian(3)); }
  uint32_t U32() { return static_cast<uint32_t>(LittleEndian(4)); }
  uint64_t U48() { return LittleEndian(6); }
  uint64_t U64() { return LittleEndian(8); }
  uint64_t UintLE(size_t n) { return LittleEndian(n); }  // n <= 8
  uint64_t UintBE(size_t n) {                              // n <= 8
    if (n > 8 || !Need(n)) return 0;
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i) v = (v << 8) | p_[i];
    p_ += n;
    return v;
  }

  // MySQL length-encoded integer (0xfb = NULL is reported as failure here; callers
  // that accept NULL check for it with PeekU8 first).
  uint64_t PackedInt() {
    uint8_t first = U8();
    if (!ok_) return 0;
    if (first < 0xfb) return first;
    if (first == 0xfc) return LittleEndian(2);
    if (first == 0xfd) return LittleEndian(3);
    if (first == 0xfe) return LittleEndian(8);
    Fail();
    return 0;
  }

  std::string_view Bytes(size_t n) {
    if (!Need(n)) return {};
    std::string_view v(reinterpret_cast<const char*>(p_), n);
    p_ += n;
    return v;
  }
  // Reads a length-encoded string.
  std::string_view PackedString() {
    uint64_t n = PackedInt();
    if (!ok_ || n > remaining()) {
      Fail();
      return {};
    }
    return Bytes(static_cast<size_t>(n));
  }
  std::string_view Rest() { return Bytes(remaining()); }
  void Skip(size_t n) { Need(n) ? void(p_ += n) : void(); }

  // Restricts the readable range to the next n bytes (e.g. to exclude a checksum).
  void Truncate(size_t n) {
    if (n < remaining()) end_ = p_ + n;
  }

  const uint8_t* data() const { return p_; }

 private:
  bool Need(size_t n) {
    if (ok_ && remaining() >= n) return true;
    Fail();
    return false;
  }
  uint64_t LittleEndian(size_t n) {
    if (n > 8 || !Need(n)) return 0;
    uint64_t v = 0;
    for (size_t i = n; i-- > 0;) v = (v << 8) | p_[i];
    p_ += n;
    return v;
  }

  const uint8_t* p_ = nullptr;
  const uint8_t* end_ = nullptr;
  const uint8_t* begin_ = nullptr;
  bool ok_ = true;
};

}  // namespace dm::binlog
