#include "dm/ha/keys.h"

#include <gtest/gtest.h>

namespace dm::ha {
namespace {

TEST(KeysTest, EncodeDecodeRoundTripsAnyName) {
  std::string k = SubTaskStageKey("mysql/01", "tâsk `x`");
  EXPECT_EQ(k.rfind(kSubTaskStagePrefix, 0), 0u);
  auto parts = DecodeKey(kSubTaskStagePrefix, k);
  ASSERT_TRUE(parts);
  EXPECT_EQ(*parts, (std::vector<std::string>{"mysql/01", "tâsk `x`"}));
  EXPECT_EQ(WorkerKeepAliveKey("worker1"), "/dm-worker/a/776f726b657231");
}

TEST(KeysTest, RejectsForeignOrMalformedKeys) {
  EXPECT_FALSE(DecodeKey(kSourceConfigPrefix, "/dm-worker/a/00"));
  EXPECT_FALSE(DecodeKey(kSourceConfigPrefix, std::string(kSourceConfigPrefix) + "zz"));
  EXPECT_FALSE(DecodeKey(kSourceConfigPrefix, std::string(kSourceConfigPrefix) + "abc"));
}

}  // namespace
}  // namespace dm::ha

#include "dm/ha/values.h"

namespace dm::ha {
namespace {

TEST(ValuesTest, RoundTripAndCorruption) {
  auto w = DecodeWorkerInfo(Encode(WorkerInfo{"w1", "127.0.0.1:8262", 5}));
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(w->address, "127.0.0.1:8262");
  auto s = DecodeSubTaskStage(Encode(SubTaskStage{ExpectStage::kPaused, "s1", "t1"}));
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->expect, ExpectStage::kPaused);
  EXPECT_TRUE(DecodeSourceBound("{not json").status().IsCorruption());
  EXPECT_TRUE(DecodeSubTaskStage(R"({"expect":"Flying"})").status().IsCorruption());
}

TEST(ValuesTest, TaskCliArgs) {
  // DM's JSON field names.
  auto a = DecodeTaskCliArgs(R"({"start_time":"2021-10-21 00:01:00","safe_mode_duration":"1m"})");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->start_time, "2021-10-21 00:01:00");
  EXPECT_EQ(a->safe_mode_duration, "1m");
  auto b = DecodeTaskCliArgs(Encode(*a));
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->start_time, a->start_time);
  EXPECT_TRUE(DecodeTaskCliArgs("[1]").status().IsCorruption());
  std::string key = TaskCliArgsKey("task1", "mysql-01");
  EXPECT_EQ(key.rfind(TaskCliArgsPrefix("task1"), 0), 0u);
  EXPECT_EQ(*DecodeKey(kTaskCliArgsPrefix, key), (std::vector<std::string>{"task1", "mysql-01"}));
}

}  // namespace
}  // namespace dm::ha
