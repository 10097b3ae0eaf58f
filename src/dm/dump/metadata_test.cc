#include "dm/dump/metadata.h"

#include <gtest/gtest.h>

#include <fstream>

#include "dm/testing/temp_dir.h"

namespace dm::dump {
namespace {

TEST(MetadataTest, RoundTripAndUnfinished) {
  auto dir = testing::MakeTempSubdir("meta");
  ASSERT_TRUE(dir.ok());
  DumpMetadata m;
  m.started = "2026-01-02 03:04:05";
  m.position = {"mysql-bin.000003", 1234};
  m.gtid = "0-1-77,1-2-3";
  ASSERT_TRUE(WriteMetadata(*dir, m).ok());
  auto r = ReadMetadata(*dir);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->position, m.position);
  EXPECT_EQ(r->gtid, m.gtid);
  EXPECT_FALSE(r->finished.has_value());
  m.finished = "2026-01-02 03:04:09";
  ASSERT_TRUE(WriteMetadata(*dir, m).ok());
  r = ReadMetadata(*dir);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->finished, m.finished);
}

TEST(MetadataTest, ReadsMydumperFile) {
  auto dir = testing::MakeTempSubdir("meta");
  ASSERT_TRUE(dir.ok());
  std::ofstream(*dir + "/metadata") << "Started dump at: 2026-11-23 22:22:22\nSHOW MASTER STATUS:\n"
                                       "\tLog: mysql-bin.000001\n\tPos: 328\n\tGTID:0-101-5\n\n"
                                       "Finished dump at: 2026-11-23 22:22:23\n";
  auto r = ReadMetadata(*dir);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->position.file, "mysql-bin.000001");
  EXPECT_EQ(r->position.pos, 328u);
  EXPECT_EQ(r->gtid, "0-101-5");
  EXPECT_TRUE(r->finished.has_value());
  EXPECT_TRUE(ReadMetadata(*dir + "/nope").status().IsNotFound());
}

}  // namespace
}  // namespace dm::dump
