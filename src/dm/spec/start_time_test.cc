#include "dm/spec/start_time.h"

#include <gtest/gtest.h>

namespace dm::spec {
namespace {

TEST(StartTimeTest, DmFormats) {
  for (const char* text : {"2021-10-21 00:01:00", "2021-10-21T00:01:00"}) {
    auto t = ParseStartTime(text);
    ASSERT_TRUE(t.ok()) << text << ": " << t.status().ToString();
    EXPECT_EQ(t->Datetime(), "2021-10-21 00:01:00");
    EXPECT_FALSE(t->utc_offset_s.has_value());
    EXPECT_FALSE(t->UnixSeconds().has_value());
    EXPECT_EQ(t->text, text);
  }
}

TEST(StartTimeTest, Offsets) {
  // 2026-04-17 08:00:00 +08:00 == 2026-04-17 00:00:00 UTC == 1776384000.
  for (const char* text : {"2026-04-17T08:00:00+08:00", "2026-04-17 08:00:00+0800"}) {
    auto t = ParseStartTime(text);
    ASSERT_TRUE(t.ok()) << text << ": " << t.status().ToString();
    EXPECT_EQ(t->utc_offset_s, 8 * 3600);
    EXPECT_EQ(t->UnixSeconds(), 1776384000);
  }
  auto z = ParseStartTime("2026-04-17T00:00:00Z");
  ASSERT_TRUE(z.ok());
  EXPECT_EQ(z->UnixSeconds(), 1776384000);
  auto neg = ParseStartTime("2026-04-16 19:30:00-04:30");
  ASSERT_TRUE(neg.ok());
  EXPECT_EQ(neg->UnixSeconds(), 1776384000);
  auto epoch = ParseStartTime("1970-01-01 00:00:00Z");
  ASSERT_TRUE(epoch.ok());
  EXPECT_EQ(epoch->UnixSeconds(), 0);
  auto leap = ParseStartTime("2024-02-29 23:59:59+00:00");
  ASSERT_TRUE(leap.ok());
  EXPECT_EQ(leap->UnixSeconds(), 1709251199);
}

TEST(StartTimeTest, Invalid) {
  for (const char* text :
       {"", "15:04:05", "2006/01/02 15:04:05", "20060102 150405", "2006-01-02",
        "2006-01-02 15:04:05.123", "2006-01-02  15:04:05", "2006-13-02 15:04:05",
        "2006-02-29 15:04:05", "2006-01-32 15:04:05", "2006-01-02 24:00:00",
        "2006-01-02 23:60:00", "2006-01-02 23:00:61", "2006-01-02 15:04:05+15:00",
        "2006-01-02 15:04:05-13:00", "2006-01-02 15:04:05+08", "2006-01-02 15:04:05 UTC",
        "1969-12-31 23:59:59", "2006-01-02x15:04:05", "2006-01-02 15:04:0a"}) {
    auto t = ParseStartTime(text);
    ASSERT_FALSE(t.ok()) << text;
    EXPECT_EQ(t.status().code(), Code::kInvalidArgument) << text;
    EXPECT_EQ(t.status().scope(), Scope::kConfig) << text;
    std::string msg(t.status().message());
    EXPECT_NE(msg.find("\"" + std::string(text) + "\""), std::string::npos) << msg;
    EXPECT_NE(msg.find("YYYY-MM-DD HH:MM:SS"), std::string::npos) << msg;
  }
}

TEST(StartTimeTest, FormatUnixUtc) {
  EXPECT_EQ(FormatUnixUtc(0), "1970-01-01 00:00:00 UTC");
  EXPECT_EQ(FormatUnixUtc(1776384000), "2026-04-17 00:00:00 UTC");
  EXPECT_EQ(FormatUnixUtc(1709251199), "2024-02-29 23:59:59 UTC");
}

}  // namespace
}  // namespace dm::spec
