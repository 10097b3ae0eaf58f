#include "dm/dump/progress.h"

#include <gtest/gtest.h>

#include <thread>

namespace dm::dump {
namespace {

TEST(ProgressTest, Format) {
  EXPECT_EQ(FormatProgress(0, 0, false), "0.00 %");
  EXPECT_EQ(FormatProgress(1, 3, false), "33.33 %");
  EXPECT_EQ(FormatProgress(5, 3, false), "100.00 %");  // estimates can be low
  EXPECT_EQ(FormatProgress(0, 0, true), "100.00 %");
}

TEST(ProgressTest, Eta) {
  EXPECT_EQ(FormatEta(-1), "");
  EXPECT_EQ(FormatEta(7.2), "7s");
  EXPECT_EQ(FormatEta(245), "4m05s");
  EXPECT_EQ(FormatEta(3723), "1h02m03s");
}

TEST(ProgressTest, RateCountsOnlyThisRun) {
  RunRate r;
  EXPECT_EQ(r.Rate(100), 0);
  EXPECT_EQ(r.EtaSeconds(0, 100), -1);
  r.Start(1000);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  double rate = r.Rate(1200);  // 200 units in ~0.2 s
  EXPECT_GT(rate, 300);
  EXPECT_LT(rate, 1100);
  double eta = r.EtaSeconds(1200, 2200);  // 1000 left at ~1000/s
  EXPECT_GT(eta, 0.5);
  EXPECT_LT(eta, 3.5);
  EXPECT_EQ(r.EtaSeconds(2200, 2200), 0);
}

}  // namespace
}  // namespace dm::dump
