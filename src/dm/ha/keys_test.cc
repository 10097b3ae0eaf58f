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
