#pragma once
// Little-endian integers appended to a byte string: the MySQL protocol's and the binlog's
// layout (dm/binlog/byte_reader.h reads them back).

#include <cstdint>
#include <string>

namespace dm {

// The low `bytes` bytes of v, least significant first.
inline void PutLE(std::string* s, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) s->push_back(static_cast<char>(v >> (8 * i)));
}
inline void Put16(std::string* s, uint16_t v) { PutLE(s, v, 2); }
inline void Put32(std::string* s, uint32_t v) { PutLE(s, v, 4); }
inline void Put64(std::string* s, uint64_t v) { PutLE(s, v, 8); }

}  // namespace dm
