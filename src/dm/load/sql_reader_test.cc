#include "dm/load/sql_reader.h"

#include <gtest/gtest.h>

#include <fstream>

#include "dm/testing/temp_dir.h"

namespace dm::load {
namespace {

std::string WriteFile(const std::string& text) {
  static int n = 0;
  auto dir = testing::MakeTempSubdir("reader");
  EXPECT_TRUE(dir.ok());
  std::string path = *dir + "/f" + std::to_string(n++) + ".sql";
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

struct Read {
  std::vector<std::string> rows, stmts;
  std::vector<uint64_t> ends;
  std::vector<InsertHeader> headers;
};

Read ReadAll(const std::string& path) {
  Read r;
  auto reader = DataFileReader::Open(path);
  EXPECT_TRUE(reader.ok());
  DataItem it;
  uint64_t seq = 0;
  while (true) {
    Status st = (*reader)->Next(&it);
    EXPECT_TRUE(st.ok()) << st.ToString();
    if (!st.ok() || it.kind == DataItem::Kind::kEnd) break;
    if (it.kind == DataItem::Kind::kRow) {
      r.rows.emplace_back(it.text);
      r.ends.push_back(it.end_offset);
      if (it.header_seq != seq) {
        r.headers.push_back(*it.header);
        seq = it.header_seq;
      }
    } else {
      r.stmts.emplace_back(it.text);
    }
  }
  return r;
}

TEST(DataFileReaderTest, MydumperFile) {
  std::string text =
      "/*!40101 SET NAMES binary*/;\n/*!40014 SET FOREIGN_KEY_CHECKS=0*/;\n"
      "/*!40103 SET TIME_ZONE='+00:00' */;\n"
      "INSERT INTO `t``x` VALUES\n(1,\"a\\\"b\",'c''d'),\n(2,\");(\",NULL);\n"
      "-- a comment\n# another\n/* block; */\n"
      "INSERT IGNORE INTO `db`.`t2` (`a`,`b c`) VALUES (3,CONVERT('x' USING utf8mb4)),(4,0x00);\n";
  std::string path = WriteFile(text);
  Read r = ReadAll(path);
  ASSERT_EQ(r.stmts.size(), 3u);
  EXPECT_EQ(r.stmts[0], "/*!40101 SET NAMES binary*/");
  EXPECT_EQ(r.stmts[2], "/*!40103 SET TIME_ZONE='+00:00' */");
  ASSERT_EQ(r.rows.size(), 4u);
  EXPECT_EQ(r.rows[0], "(1,\"a\\\"b\",'c''d')");
  EXPECT_EQ(r.rows[1], "(2,\");(\",NULL)");
  EXPECT_EQ(r.rows[2], "(3,CONVERT('x' USING utf8mb4))");
  EXPECT_EQ(r.rows[3], "(4,0x00)");
  ASSERT_EQ(r.headers.size(), 2u);
  EXPECT_EQ(r.headers[0].table, "t`x");
  EXPECT_FALSE(r.headers[0].has_columns);
  EXPECT_EQ(r.headers[1].schema, "db");
  EXPECT_EQ(r.headers[1].table, "t2");
  EXPECT_TRUE(r.headers[1].ignore);
  EXPECT_EQ(r.headers[1].columns, (std::vector<std::string>{"a", "b c"}));
  // Offsets point just past each tuple.
  for (size_t i = 0; i < r.rows.size(); ++i) {
    EXPECT_EQ(text.substr(r.ends[i] - r.rows[i].size(), r.rows[i].size()), r.rows[i]);
  }
}

TEST(DataFileReaderTest, RowsLargerThanTheReadBuffer) {
  std::string big(9 << 20, 'x');
  big[100] = '\'';  // escaped quotes and backslashes across buffer boundaries
  std::string esc;
  for (char c : big) {
    if (c == '\'') esc += "\\'";
    else esc += c;
  }
  std::string text = "INSERT INTO `t` VALUES ('" + esc + "'),(2),('" + std::string(5 << 20, '\\') + "');";
  std::string path = WriteFile(text);
  Read r = ReadAll(path);
  ASSERT_EQ(r.rows.size(), 3u);
  EXPECT_EQ(r.rows[0].size(), esc.size() + 4);
  EXPECT_EQ(r.rows[1], "(2)");
  EXPECT_EQ(r.rows[2].size(), (5u << 20) + 4);
  EXPECT_EQ(r.ends.back(), text.size() - 1);
}

TEST(DataFileReaderTest, Errors) {
  auto r = DataFileReader::Open(WriteFile("INSERT INTO `t` VALUES (1,'abc);"));
  ASSERT_TRUE(r.ok());
  DataItem it;
  Status st = (*r)->Next(&it);
  EXPECT_TRUE(st.IsCorruption()) << st.ToString();
  EXPECT_NE(st.ToString().find("f"), std::string::npos);

  r = DataFileReader::Open(WriteFile("INSERT INTO `t` VALUES (1),(2)"));
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE((*r)->Next(&it).ok());
  ASSERT_TRUE((*r)->Next(&it).ok());
  EXPECT_TRUE((*r)->Next(&it).IsCorruption());

  EXPECT_FALSE(DataFileReader::Open("/nonexistent/x.sql").ok());
}

TEST(SplitStatementsTest, SchemaFiles) {
  auto s = SplitStatements(
      "/*!40101 SET NAMES binary*/;\n/*!40014 SET FOREIGN_KEY_CHECKS=0*/;\n\n"
      "CREATE TABLE `a;b` (\n  `x` int COMMENT 'semi; colon',\n  `y` varchar(3) DEFAULT '\\';'\n"
      ") ENGINE=InnoDB /* c; */ DEFAULT CHARSET=latin1;\n-- trailing\n",
      "f.sql");
  ASSERT_TRUE(s.ok());
  ASSERT_EQ(s->size(), 3u);
  EXPECT_EQ((*s)[0], "/*!40101 SET NAMES binary*/");
  EXPECT_EQ((*s)[2].substr(0, 18), "CREATE TABLE `a;b`");
  EXPECT_NE((*s)[2].find("DEFAULT CHARSET=latin1"), std::string::npos);
  EXPECT_FALSE(SplitStatements("CREATE TABLE t (a int COMMENT 'x", "f.sql").ok());
}

TEST(ParseCreateTest, TablesAndDatabases) {
  auto c = ParseCreateStatement("CREATE TABLE `we``ird` (\n `a` int\n) ENGINE=InnoDB");
  ASSERT_TRUE(c.ok());
  EXPECT_FALSE(c->database);
  EXPECT_EQ(c->name, "we`ird");
  EXPECT_EQ(c->rest, " (\n `a` int\n) ENGINE=InnoDB");
  c = ParseCreateStatement("create table if not exists `db`.`t` (a int)");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->schema, "db");
  EXPECT_EQ(c->name, "t");
  EXPECT_EQ(c->rest, " (a int)");
  c = ParseCreateStatement("CREATE DATABASE `x.y` /*!40100 DEFAULT CHARACTER SET utf8mb4 */");
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->database);
  EXPECT_EQ(c->name, "x.y");
  EXPECT_EQ(c->rest, " /*!40100 DEFAULT CHARACTER SET utf8mb4 */");
  EXPECT_TRUE(ParseCreateStatement("INSERT INTO t VALUES (1)").status().IsNotFound());
  EXPECT_TRUE(ParseCreateStatement("CREATE VIEW v AS SELECT 1").status().IsNotFound());
}

}  // namespace
}  // namespace dm::load

namespace dm::load {
namespace {

TEST(DeferIndexesTest, SysbenchTable) {
  std::string rest =
      " (\n  `id` int(11) NOT NULL AUTO_INCREMENT,\n  `k` int(11) NOT NULL DEFAULT 0,\n"
      "  `c` char(120) NOT NULL DEFAULT '',\n  PRIMARY KEY (`id`),\n  KEY `k_1` (`k`),\n"
      "  UNIQUE KEY `u` (`c`),\n  KEY `two` (`k`,`c`(10)) COMMENT 'a, (b)'\n"
      ") ENGINE=InnoDB AUTO_INCREMENT=5 DEFAULT CHARSET=latin1";
  DeferredIndexes d = DeferSecondaryIndexes(rest);
  ASSERT_EQ(d.indexes.size(), 2u);
  EXPECT_EQ(d.indexes[0].first, "k_1");
  EXPECT_EQ(d.indexes[0].second, "KEY `k_1` (`k`)");
  EXPECT_EQ(d.indexes[1].first, "two");
  EXPECT_EQ(d.indexes[1].second, "KEY `two` (`k`,`c`(10)) COMMENT 'a, (b)'");
  EXPECT_EQ(d.rest,
            " (\n  `id` int(11) NOT NULL AUTO_INCREMENT,\n  `k` int(11) NOT NULL DEFAULT 0,\n"
            "  `c` char(120) NOT NULL DEFAULT '',\n  PRIMARY KEY (`id`),\n  UNIQUE KEY `u` (`c`)\n"
            ") ENGINE=InnoDB AUTO_INCREMENT=5 DEFAULT CHARSET=latin1");
}

TEST(DeferIndexesTest, KeepsTablesWithForeignKeysAndOddBodies) {
  std::string fk = " (\n  `a` int,\n  KEY `ka` (`a`),\n  CONSTRAINT `f` FOREIGN KEY (`a`) REFERENCES `p` (`id`)\n)";
  DeferredIndexes d = DeferSecondaryIndexes(fk);
  EXPECT_TRUE(d.indexes.empty());
  EXPECT_EQ(d.rest, fk);
  std::string none = " (\n  `a` int,\n  PRIMARY KEY (`a`)\n) ENGINE=InnoDB";
  EXPECT_EQ(DeferSecondaryIndexes(none).rest, none);
  EXPECT_TRUE(DeferSecondaryIndexes(" (a int, KEY `x` (a)").indexes.empty());  // unterminated
  // A column named `key` is a column, not an index.
  std::string col = " (\n  `key` int,\n  `index` int,\n  KEY `i` (`key`)\n)";
  d = DeferSecondaryIndexes(col);
  ASSERT_EQ(d.indexes.size(), 1u);
  EXPECT_EQ(d.rest, " (\n  `key` int,\n  `index` int\n)");
}

}  // namespace
}  // namespace dm::load
