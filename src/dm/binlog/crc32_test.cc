#include "dm/binlog/crc32.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace dm::binlog {
namespace {

TEST(Crc32Test, KnownVector) {
  EXPECT_EQ(Crc32("123456789"), 0xcbf43926u);
  EXPECT_EQ(Crc32(""), 0u);
}

TEST(Crc32Test, MatchesZlibAtEveryLengthAndAlignment) {
  std::mt19937 rng(42);
  std::string buf(5000, '\0');
  for (auto& c : buf) c = static_cast<char>(rng());
  for (size_t len = 0; len < 2200; ++len) {
    for (size_t off : {size_t{0}, size_t{1}, size_t{7}}) {
      ASSERT_EQ(Crc32Extend(0x12345678u, buf.data() + off, len),
                Crc32Portable(0x12345678u, buf.data() + off, len))
          << "len " << len << " off " << off;
    }
  }
  EXPECT_EQ(Crc32(buf), Crc32Portable(0, buf.data(), buf.size()));
  // Chaining.
  EXPECT_EQ(Crc32Extend(Crc32(std::string_view(buf).substr(0, 1234)), buf.data() + 1234, 3766),
            Crc32(buf));
}

}  // namespace
}  // namespace dm::binlog
