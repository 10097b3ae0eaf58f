#include "dm/config/duration.h"

#include <gtest/gtest.h>

#include "dm/config/names.h"

namespace dm::config {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

TEST(GoDurationTest, ParsesGoSyntax) {
  EXPECT_EQ(*ParseGoDuration("0"), Duration(0));
  EXPECT_EQ(*ParseGoDuration("0s"), Duration(0));
  EXPECT_EQ(*ParseGoDuration("60s"), seconds(60));
  EXPECT_EQ(*ParseGoDuration("5m"), minutes(5));
  EXPECT_EQ(*ParseGoDuration("1h30m"), minutes(90));
  EXPECT_EQ(*ParseGoDuration("1.5s"), milliseconds(1500));
  EXPECT_EQ(*ParseGoDuration("300ms"), milliseconds(300));
  EXPECT_EQ(*ParseGoDuration("2us"), std::chrono::microseconds(2));
  EXPECT_EQ(*ParseGoDuration("-1m"), minutes(-1));
  for (const char* bad : {"", "5", "abc", "5x", "1.s.", "m"}) {
    auto r = ParseGoDuration(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  }
}

TEST(GoDurationTest, FormatsLikeGo) {
  EXPECT_EQ(FormatGoDuration(Duration(0)), "0s");
  EXPECT_EQ(FormatGoDuration(seconds(60)), "1m0s");
  EXPECT_EQ(FormatGoDuration(minutes(5)), "5m0s");
  EXPECT_EQ(FormatGoDuration(hours(1)), "1h0m0s");
  EXPECT_EQ(FormatGoDuration(milliseconds(1500)), "1.5s");
  EXPECT_EQ(FormatGoDuration(milliseconds(300)), "300ms");
  EXPECT_EQ(FormatGoDuration(Duration(1500)), "1.5\xC2\xB5s");
  EXPECT_EQ(FormatGoDuration(Duration(7)), "7ns");
  EXPECT_EQ(FormatGoDuration(-seconds(90)), "-1m30s");
  for (Duration d : {Duration(seconds(1)), Duration(minutes(30)),
                     Duration(hours(25) + milliseconds(1))}) {
    EXPECT_EQ(*ParseGoDuration(FormatGoDuration(d)), d);
  }
}

TEST(ByteSizeTest, ParsesDockerUnits) {
  EXPECT_EQ(*ParseByteSize("500m"), 500LL * 1024 * 1024);
  EXPECT_EQ(*ParseByteSize("64MiB"), 64LL * 1024 * 1024);
  EXPECT_EQ(*ParseByteSize("1.5g"), 1536LL * 1024 * 1024);
  EXPECT_EQ(*ParseByteSize("100"), 100);
  EXPECT_EQ(*ParseByteSize("2 kb"), 2048);
  EXPECT_FALSE(ParseByteSize("lots").ok());
  EXPECT_FALSE(ParseByteSize("5q").ok());
}

TEST(NamesTest, EditDistanceAndSuggestion) {
  EXPECT_EQ(EditDistance("sorce-id", "source-id"), 1u);
  EXPECT_EQ(EditDistance("", "abc"), 3u);
  EXPECT_EQ(*NearestName("sorce-id", {"server-id", "source-id"}), "source-id");
  EXPECT_FALSE(NearestName("completely-different", {"source-id"}).has_value());
  EXPECT_EQ(SuggestionHint("alll", {"all", "full"}), "; did you mean `all`?");
  EXPECT_EQ(SuggestionHint("zzzzzzz", {"all", "full"}), "; valid values: `all`, `full`");
}

}  // namespace
}  // namespace dm::config
