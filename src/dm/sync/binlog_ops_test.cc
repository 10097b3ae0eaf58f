#include "dm/sync/binlog_ops.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace dm::sync {
namespace {

TEST(BinlogOpsTest, ParsesPositions) {
  auto p = ParseBinlogPos("mysql-bin.000003:3270");
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->file, "mysql-bin.000003");
  EXPECT_EQ(p->pos, 3270u);
  // DM's relay spelling: the sub-directory suffix goes.
  p = ParseBinlogPos("mysql-bin|000001.000003:3270");
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->file, "mysql-bin.000003");
  EXPECT_EQ(p->pos, 3270u);
  for (const char* bad : {"", "mysql-bin.000003", "mysql-bin.000003:", ":12", "mysql-bin.000003:x",
                          "mysql-bin|000001:12", "mysql-bin.000003:0"}) {
    EXPECT_EQ(ParseBinlogPos(bad).status().code(), Code::kInvalidArgument) << bad;
  }
}

TEST(BinlogOpsTest, ReplaceStatementsMustBeDdl) {
  auto s = ParseReplaceStatements(
      {"ALTER TABLE t ADD COLUMN c INT; CREATE INDEX i ON t (c)", "DROP TABLE `x`"});
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  ASSERT_EQ(s->size(), 3u);
  EXPECT_EQ((*s)[0], "ALTER TABLE t ADD COLUMN c INT");
  EXPECT_EQ((*s)[1], "CREATE INDEX i ON t (c)");
  EXPECT_EQ(ParseReplaceStatements({"INSERT INTO t VALUES (1)"}).status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(ParseReplaceStatements({"CREATE TABLE t2 AS SELECT * FROM t"}).status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(ParseReplaceStatements({"ALTER TABLE t ADD COLUMN"}).status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(ParseReplaceStatements({}).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(ParseReplaceStatements({" ; "}).status().code(), Code::kInvalidArgument);
}

TEST(BinlogOpsTest, AddRevertFindList) {
  BinlogOperations ops;
  BinlogOperation skip{BinlogOperation::Kind::kSkip, {"mysql-bin.000002", 400}, {}};
  BinlogOperation repl{
      BinlogOperation::Kind::kReplace, {"mysql-bin.000001", 900}, {"DROP TABLE t"}};
  ASSERT_TRUE(ops.Add(skip).ok());
  ASSERT_TRUE(ops.Add(repl).ok());
  EXPECT_EQ(ops.Add(skip).code(), Code::kAlreadyExists);
  auto list = ops.List();
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].pos.file, "mysql-bin.000001");  // position order
  EXPECT_EQ(list[0].ToJson().dump(),
            R"({"binlogPos":"mysql-bin.000001:900","op":"replace","sqls":["DROP TABLE t"]})");
  ASSERT_TRUE(ops.Find({"mysql-bin.000002", 400}).has_value());
  EXPECT_FALSE(ops.Find({"mysql-bin.000002", 401}).has_value());
  ASSERT_TRUE(ops.Revert({"mysql-bin.000002", 400}).ok());
  EXPECT_EQ(ops.Revert({"mysql-bin.000002", 400}).code(), Code::kNotFound);
  ops.Done({"mysql-bin.000001", 900});
  EXPECT_TRUE(ops.List().empty());
}

}  // namespace
}  // namespace dm::sync
