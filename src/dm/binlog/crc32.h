#pragma once
// CRC32 (the zlib / IEEE 802.3 polynomial, reflected 0xEDB88320) as binlog checksums use.
//
// On x86-64 CPUs with PCLMULQDQ the bulk of the data is folded 64 bytes at a time with
// carry-less multiplication (several GB/s); other CPUs and short inputs use zlib.
// Thread-safe, pure.

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace dm::binlog {

// zlib-compatible: Crc32Extend(Crc32Extend(0, a), b) == crc32 of a followed by b.
uint32_t Crc32Extend(uint32_t crc, const void* data, size_t size);
inline uint32_t Crc32(std::string_view data) { return Crc32Extend(0, data.data(), data.size()); }

// The portable implementation (zlib), exposed for tests.
uint32_t Crc32Portable(uint32_t crc, const void* data, size_t size);

}  // namespace dm::binlog
