#include "dm/ddl/collation.h"

#include <gtest/gtest.h>

#include "dm/ddl/parser.h"

namespace dm::ddl {
namespace {

CollationDefaults Defaults() {
  CollationDefaults d;
  d.by_charset = {{"utf8mb4", "utf8mb4_general_ci"}, {"latin1", "latin1_swedish_ci"}};
  d.server_collation = "latin1_swedish_ci";
  return d;
}

// Parses `sql`, makes the collations explicit and returns the printed statement.
std::string Strict(std::string_view sql, CollationChanges* changes = nullptr) {
  auto r = Parse(sql);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  if (!r.ok()) return "";
  Statement st = std::move(r).value();
  CollationChanges c = MakeCollationsExplicit(st, Defaults());
  if (changes) *changes = c;
  EXPECT_EQ(c.changed(), st.text != std::string(sql));
  return st.text;
}

TEST(CollationTest, CreateTableCharsetWithoutCollationGetsTheUpstreamDefault) {
  CollationChanges c;
  std::string out = Strict(
      "CREATE TABLE t (a VARCHAR(10) CHARACTER SET latin1, b TEXT, "
      "c CHAR(3) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin, d CHAR(2) CHARACTER SET latin1 BINARY) "
      "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
      &c);
  EXPECT_NE(out.find("`a` VARCHAR(10) CHARACTER SET latin1 COLLATE latin1_swedish_ci"), std::string::npos) << out;
  EXPECT_NE(out.find("`c` CHAR(3) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"), std::string::npos) << out;
  EXPECT_EQ(out.find("latin1 BINARY COLLATE"), std::string::npos) << out;  // BINARY names its collation
  EXPECT_NE(out.find("DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci"), std::string::npos) << out;
  EXPECT_EQ(c.added.size(), 2u);
  // Parses again: the printed statement is valid.
  EXPECT_TRUE(Parse(out).ok()) << out;
}

TEST(CollationTest, ExplicitCollationsAndImplicitTablesAreLeftAlone) {
  std::string sql = "CREATE TABLE t (a INT) DEFAULT CHARSET=latin1 COLLATE=latin1_bin";
  EXPECT_EQ(Strict(sql), sql);
  sql = "CREATE TABLE t (a INT, b VARCHAR(3))";  // the database's defaults apply (as DM)
  EXPECT_EQ(Strict(sql), sql);
  sql = "CREATE TABLE t2 LIKE t";
  EXPECT_EQ(Strict(sql), sql);
}

TEST(CollationTest, CreateDatabase) {
  EXPECT_EQ(Strict("CREATE DATABASE d CHARACTER SET utf8mb4"),
            "CREATE DATABASE `d` CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci");
  // Neither: the upstream session's collation_server (from the QUERY event).
  EXPECT_EQ(Strict("CREATE DATABASE d"), "CREATE DATABASE `d` COLLATE=latin1_swedish_ci");
  std::string sql = "CREATE DATABASE d COLLATE utf8mb4_bin";
  EXPECT_EQ(Strict(sql), sql);
  sql = "DROP DATABASE d";
  EXPECT_EQ(Strict(sql), sql);
}

TEST(CollationTest, AlterTable) {
  std::string out = Strict(
      "ALTER TABLE t ADD COLUMN x VARCHAR(3) CHARACTER SET utf8mb4, CONVERT TO CHARACTER SET latin1, "
      "MODIFY y TEXT CHARSET latin1 COLLATE latin1_bin");
  EXPECT_NE(out.find("`x` VARCHAR(3) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci"), std::string::npos) << out;
  EXPECT_NE(out.find("CONVERT TO CHARACTER SET latin1 COLLATE latin1_swedish_ci"), std::string::npos) << out;
  EXPECT_NE(out.find("CHARACTER SET latin1 COLLATE latin1_bin"), std::string::npos) << out;
  EXPECT_NE(Strict("ALTER TABLE t DEFAULT CHARSET=latin1").find("COLLATE=latin1_swedish_ci"), std::string::npos);
}

TEST(CollationTest, UnknownCharsetIsReportedAndLeftAsWritten) {
  CollationChanges c;
  std::string sql = "CREATE TABLE t (a VARCHAR(3) CHARACTER SET sjis)";
  EXPECT_EQ(Strict(sql, &c), sql);
  ASSERT_EQ(c.unknown.size(), 1u);
  EXPECT_EQ(c.unknown[0], "sjis");
}

}  // namespace
}  // namespace dm::ddl
