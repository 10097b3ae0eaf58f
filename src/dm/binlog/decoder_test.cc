#include "dm/binlog/decoder.h"

#include <gtest/gtest.h>

namespace dm::binlog {
namespace {

TEST(DecoderTest, ShortInputIsCorruption) {
  Decoder d;
  Event e;
  Status s = d.Decode("abc", &e);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
}

}  // namespace
}  // namespace dm::binlog
