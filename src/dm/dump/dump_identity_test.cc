#include "dm/dump/dump_identity.h"

#include <gtest/gtest.h>

#include <fstream>

#include "dm/dump/layout.h"
#include "dm/testing/temp_dir.h"

namespace dm::dump {
namespace {

DumpMetadata Finished(const std::string& id) {
  DumpMetadata m;
  m.started = "2026-01-02 03:04:05";
  m.position = {"mysql-bin.000003", 1234};
  m.gtid = "0-1-77";
  m.dump_id = id;
  m.finished = "2026-01-02 03:04:09";
  return m;
}

DumpRecord Record(const std::string& started, const std::string& loaded) {
  DumpRecord r;
  r.exists = true;
  r.dump_id = started;
  r.loaded_dump = loaded;
  if (!loaded.empty()) r.position = {"mysql-bin.000009", 99};
  r.gtid = "0-1-500";
  return r;
}

CheckpointSummary Cp(uint64_t files, uint64_t finished) { return CheckpointSummary{files, finished}; }

TEST(DumpIdentityTest, IdentityAndNewIds) {
  EXPECT_EQ(DumpIdentity(Finished("abc")), "abc");
  DumpMetadata my = Finished("");
  std::string a = DumpIdentity(my);
  EXPECT_NE(a.find("mysql-bin.000003:1234"), std::string::npos);
  my.position.pos = 1235;  // another snapshot of a mydumper directory: another identity
  EXPECT_NE(DumpIdentity(my), a);
  std::string x = NewDumpId(), y = NewDumpId();
  EXPECT_EQ(x.size(), 32u);
  EXPECT_NE(x, y);
  EXPECT_EQ(LoaderDumpTableName("t1"), "t1_loader_dump");
}

TEST(DumpIdentityTest, MetadataCarriesIdAndFileList) {
  auto dir = testing::MakeTempSubdir("ident");
  ASSERT_TRUE(dir.ok());
  DumpMetadata m = Finished("0123456789abcdef0123456789abcdef");
  std::ofstream(*dir + "/" + DataFileName("db", "t", 0)) << "INSERT INTO `t` VALUES (1);\n";
  std::ofstream(*dir + "/" + DataFileName("db", "t", 1)) << "INSERT INTO `t` VALUES (2),(3);\n";
  std::ofstream(*dir + "/" + TableSchemaFileName("db", "t")) << "CREATE TABLE t (a INT);\n";
  uint64_t files = 0, bytes = 0;
  ASSERT_TRUE(CountDataFiles(*dir, &files, &bytes).ok());
  EXPECT_EQ(files, 2u);
  m.data_files = files;
  m.data_bytes = bytes;
  ASSERT_TRUE(WriteMetadata(*dir, m).ok());
  auto r = ReadMetadata(*dir);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->dump_id, m.dump_id);
  EXPECT_EQ(r->data_files, 2u);
  EXPECT_EQ(r->data_bytes, bytes);
  EXPECT_TRUE(CheckDataFiles(*dir, *r).ok());
  // A lost data file is noticed; a truncated one too.
  ASSERT_EQ(std::remove((*dir + "/" + DataFileName("db", "t", 1)).c_str()), 0);
  Status st = CheckDataFiles(*dir, *r);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.ToString().find("incomplete"), std::string::npos) << st.ToString();
  std::ofstream(*dir + "/" + DataFileName("db", "t", 1)) << "INSERT INTO `t` VALUES (2);\n";
  EXPECT_FALSE(CheckDataFiles(*dir, *r).ok());
  // mydumper metadata lists no files: nothing to check.
  r->data_files.reset();
  EXPECT_TRUE(CheckDataFiles(*dir, *r).ok());
  EXPECT_TRUE(CountDataFiles(*dir + "/nope", &files, &bytes).IsNotFound());
}

TEST(DumpIdentityTest, PlanDumpKeepsOnlyTheCurrentCompleteDump) {
  auto local = std::optional<DumpMetadata>(Finished("D1"));
  // Same worker restarted, directory intact, load unfinished: keep.
  auto p = PlanDump(local, true, Record("D1", "D1"), Cp(4, 1), true);
  EXPECT_EQ(p.action, DumpAction::kKeep);
  // Dump finished, load not started yet (no checkpoint rows): keep.
  EXPECT_EQ(PlanDump(local, true, Record("D1", ""), Cp(0, 0), true).action, DumpAction::kKeep);
  // Files lost: dump again.
  EXPECT_EQ(PlanDump(local, false, Record("D1", "D1"), Cp(4, 1), true).action, DumpAction::kRedump);
  // start-task --remove-meta dropped the record: the local dump is stale.
  p = PlanDump(local, true, DumpRecord{}, Cp(0, 0), true);
  EXPECT_EQ(p.action, DumpAction::kRedump);
  EXPECT_NE(p.reason.find("remove-meta"), std::string::npos);
  // Another worker started a newer dump after this one.
  p = PlanDump(local, true, Record("D2", "D2"), Cp(4, 1), true);
  EXPECT_EQ(p.action, DumpAction::kRedump);
  EXPECT_NE(p.reason.find("D2"), std::string::npos);
  // No dump here (new worker) or an unfinished one: dump.
  EXPECT_EQ(PlanDump(std::nullopt, false, Record("D1", "D1"), Cp(4, 1), true).action, DumpAction::kRedump);
  DumpMetadata unfinished = Finished("D1");
  unfinished.finished.reset();
  EXPECT_EQ(PlanDump(unfinished, false, Record("D1", "D1"), Cp(4, 1), true).action, DumpAction::kRedump);
}

TEST(DumpIdentityTest, PlanDumpAfterACompleteLoad) {
  // The loaded dump is here: keep it (the load finds nothing left to do).
  auto p = PlanDump(Finished("D2"), false, Record("D2", "D2"), Cp(4, 4), true);
  EXPECT_EQ(p.action, DumpAction::kKeep);
  // New worker without files, mode all: no dump; metadata restored for the sync unit.
  p = PlanDump(std::nullopt, false, Record("D2", "D2"), Cp(4, 4), true);
  EXPECT_EQ(p.action, DumpAction::kSkipLoaded);
  EXPECT_FALSE(p.remove_local);
  EXPECT_TRUE(p.restore_metadata);
  // Mode full needs no metadata.
  EXPECT_FALSE(PlanDump(std::nullopt, false, Record("D2", "D2"), Cp(4, 4), false).restore_metadata);
  // An old worker still holding dump D1 after D2 was loaded: its files are stale.
  p = PlanDump(Finished("D1"), true, Record("D2", "D2"), Cp(4, 4), true);
  EXPECT_EQ(p.action, DumpAction::kSkipLoaded);
  EXPECT_TRUE(p.remove_local);
  EXPECT_TRUE(p.restore_metadata);
  // A record from before dump identities: keep what is there, restore nothing.
  p = PlanDump(Finished("D1"), true, DumpRecord{}, Cp(4, 4), true);
  EXPECT_EQ(p.action, DumpAction::kKeep);
  p = PlanDump(std::nullopt, false, DumpRecord{}, Cp(4, 4), true);
  EXPECT_EQ(p.action, DumpAction::kSkipLoaded);
  EXPECT_FALSE(p.restore_metadata);
}

TEST(DumpIdentityTest, PlanLoad) {
  EXPECT_EQ(PlanLoad(DumpRecord{}, "D1", Cp(0, 0)), LoadAction::kFresh);
  EXPECT_EQ(PlanLoad(Record("D2", "D1"), "D2", Cp(0, 0)), LoadAction::kFresh);
  EXPECT_EQ(PlanLoad(Record("D1", "D1"), "D1", Cp(5, 2)), LoadAction::kResume);
  EXPECT_EQ(PlanLoad(Record("D1", "D1"), "D1", Cp(5, 5)), LoadAction::kResume);
  // Rows of another, partially loaded dump: reset, never resume into a new snapshot.
  EXPECT_EQ(PlanLoad(Record("D2", "D1"), "D2", Cp(5, 2)), LoadAction::kReset);
  EXPECT_EQ(PlanLoad(Record("D2", "D1"), "D2", Cp(5, 0)), LoadAction::kReset);
  // Rows without a record (unknown dump), unfinished: reset.
  EXPECT_EQ(PlanLoad(DumpRecord{}, "D2", Cp(5, 2)), LoadAction::kReset);
  // A complete load of another dump is never overwritten silently.
  EXPECT_EQ(PlanLoad(Record("D2", "D1"), "D2", Cp(5, 5)), LoadAction::kConflict);
  EXPECT_EQ(PlanLoad(DumpRecord{}, "D2", Cp(5, 5)), LoadAction::kResume);
}

}  // namespace
}  // namespace dm::dump
