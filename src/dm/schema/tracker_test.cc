#include "dm/schema/tracker.h"

#include <gtest/gtest.h>

namespace dm::schema {
namespace {

#define ASSERT_OK(expr)                                  \
  do {                                                   \
    const ::dm::Status st_ = (expr);                     \
    ASSERT_TRUE(st_.ok()) << st_.ToString();             \
  } while (0)

std::vector<std::string> Names(const TableInfo& t) {
  std::vector<std::string> out;
  for (const auto& c : t.columns) out.push_back(c.name);
  return out;
}

const Column& Col(const TableInfo& t, std::string_view name) {
  int i = t.ColumnIndex(name);
  EXPECT_GE(i, 0) << name;
  static Column none;
  return i < 0 ? none : t.columns[i];
}

TEST(TrackerTest, InitFromShowCreateTable) {
  Tracker tr;
  ASSERT_OK(tr.InitTable("db", "", R"(CREATE TABLE `t` (
  `id` int(10) unsigned NOT NULL AUTO_INCREMENT,
  `name` varchar(64) COLLATE utf8mb4_bin DEFAULT NULL,
  `kind` enum('a','b''c') NOT NULL DEFAULT 'a',
  `price` decimal(10,2) NOT NULL DEFAULT 0,
  `flag` tinyint(1) DEFAULT 1,
  `n` int,
  `l` varchar(10) CHARACTER SET latin1,
  `g` int GENERATED ALWAYS AS (`id` * 2) VIRTUAL,
  `ts` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  `j` json,
  PRIMARY KEY (`id`),
  UNIQUE KEY `uk_name` (`name`),
  KEY (`n`), KEY (`n`, `flag`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4)"));
  auto t = tr.Get("db", "t");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->charset, "utf8mb4");
  EXPECT_EQ(t->collation, "utf8mb4_general_ci");
  EXPECT_EQ(Names(*t), (std::vector<std::string>{"id", "name", "kind", "price", "flag", "n", "l", "g",
                                                 "ts", "j"}));
  const Column& id = Col(*t, "id");
  EXPECT_EQ(id.column_type, "int(10) unsigned");
  EXPECT_EQ(id.data_type, "int");
  EXPECT_TRUE(id.is_unsigned);
  EXPECT_FALSE(id.nullable);
  EXPECT_FALSE(id.default_value.has_value());
  EXPECT_EQ(Col(*t, "name").collation, "utf8mb4_bin");
  EXPECT_EQ(Col(*t, "name").charset, "utf8mb4");
  EXPECT_FALSE(Col(*t, "name").default_value.has_value());
  EXPECT_EQ(Col(*t, "kind").column_type, "enum('a','b''c')");
  EXPECT_EQ(Col(*t, "kind").elements, (std::vector<std::string>{"a", "b'c"}));
  EXPECT_EQ(Col(*t, "kind").default_value, "'a'");
  EXPECT_EQ(Col(*t, "price").default_value, "0.00");
  EXPECT_EQ(Col(*t, "flag").column_type, "tinyint(1)");
  EXPECT_EQ(Col(*t, "n").column_type, "int(11)");
  EXPECT_TRUE(Col(*t, "n").charset.empty());
  EXPECT_EQ(Col(*t, "l").charset, "latin1");
  EXPECT_EQ(Col(*t, "l").collation, "latin1_swedish_ci");
  EXPECT_TRUE(Col(*t, "g").generated);
  EXPECT_EQ(Col(*t, "ts").default_value, "current_timestamp()");
  EXPECT_EQ(Col(*t, "j").data_type, "longtext");
  EXPECT_EQ(Col(*t, "j").collation, "utf8mb4_bin");
  ASSERT_EQ(t->indexes.size(), 4u);
  EXPECT_EQ(t->indexes[0].name, "PRIMARY");
  EXPECT_EQ(t->indexes[1].name, "uk_name");
  EXPECT_EQ(t->indexes[2].name, "n");
  EXPECT_EQ(t->indexes[3].name, "n_2");
  EXPECT_EQ(t->HandleKey()->name, "PRIMARY");
}

TEST(TrackerTest, MySql80Flavor) {
  TrackerOptions o;
  o.flavor = Flavor::kMySQL80;
  Tracker tr(o);
  ASSERT_OK(tr.ApplySql("CREATE TABLE t (a INT, b TINYINT(1), c INT(5) ZEROFILL, d VARCHAR(3), e YEAR, "
                        "f DATETIME DEFAULT NOW(), g VARCHAR(3) DEFAULT 'x', h JSON)",
                        "db"));
  auto t = tr.Get("db", "t");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(Col(*t, "a").column_type, "int");
  EXPECT_EQ(Col(*t, "b").column_type, "tinyint(1)");
  EXPECT_EQ(Col(*t, "c").column_type, "int(5) unsigned zerofill");
  EXPECT_EQ(Col(*t, "d").collation, "utf8mb4_0900_ai_ci");
  EXPECT_EQ(Col(*t, "e").column_type, "year");
  EXPECT_EQ(Col(*t, "f").default_value, "CURRENT_TIMESTAMP");
  EXPECT_EQ(Col(*t, "g").default_value, "x");
  EXPECT_EQ(Col(*t, "h").data_type, "json");
  EXPECT_TRUE(Col(*t, "h").charset.empty());
}

TEST(TrackerTest, AlterSequence) {
  Tracker tr;
  tr.SetDatabase("db", "latin1", "");
  ASSERT_OK(tr.ApplySql("CREATE TABLE t (a INT, b VARCHAR(10), c INT)", "db"));
  ASSERT_OK(tr.ApplySql("ALTER TABLE t ADD COLUMN d INT NOT NULL DEFAULT 3 AFTER a, ADD e CHAR(2) FIRST", "db"));
  auto t = tr.Get("db", "t");
  EXPECT_EQ(Names(*t), (std::vector<std::string>{"e", "a", "d", "b", "c"}));
  EXPECT_EQ(Col(*t, "e").charset, "latin1");
  EXPECT_EQ(Col(*t, "d").default_value, "3");
  ASSERT_OK(tr.ApplySql("ALTER TABLE t ADD PRIMARY KEY (a, d), ADD UNIQUE (b), ADD INDEX ic (c)", "db"));
  t = tr.Get("db", "t");
  EXPECT_FALSE(Col(*t, "a").nullable);
  ASSERT_EQ(t->indexes.size(), 3u);
  EXPECT_EQ(t->indexes[1].name, "b");
  ASSERT_OK(tr.ApplySql("ALTER TABLE t CHANGE a a2 BIGINT, RENAME COLUMN b TO b2, MODIFY c INT FIRST", "db"));
  t = tr.Get("db", "t");
  EXPECT_EQ(Names(*t), (std::vector<std::string>{"c", "e", "a2", "d", "b2"}));
  EXPECT_FALSE(Col(*t, "a2").nullable);  // still in the primary key
  EXPECT_EQ(t->indexes[0].columns, (std::vector<std::string>{"a2", "d"}));
  EXPECT_EQ(t->indexes[1].columns, (std::vector<std::string>{"b2"}));
  ASSERT_OK(tr.ApplySql("ALTER TABLE t ALTER COLUMN b2 SET DEFAULT 'q', ALTER d DROP DEFAULT", "db"));
  t = tr.Get("db", "t");
  EXPECT_EQ(Col(*t, "b2").default_value, "'q'");
  EXPECT_FALSE(Col(*t, "d").default_value.has_value());
  ASSERT_OK(tr.ApplySql("ALTER TABLE t DROP COLUMN d, DROP INDEX ic, RENAME INDEX b TO ub", "db"));
  t = tr.Get("db", "t");
  EXPECT_EQ(t->indexes[0].columns, (std::vector<std::string>{"a2"}));
  EXPECT_EQ(t->indexes[1].name, "ub");
  EXPECT_EQ(t->indexes.size(), 2u);
  ASSERT_OK(tr.ApplySql("ALTER TABLE t DROP PRIMARY KEY, CONVERT TO CHARACTER SET utf8mb4", "db"));
  t = tr.Get("db", "t");
  EXPECT_EQ(t->PrimaryKey(), nullptr);
  EXPECT_EQ(Col(*t, "b2").charset, "utf8mb4");
  EXPECT_EQ(Col(*t, "e").collation, "utf8mb4_general_ci");
  EXPECT_EQ(t->charset, "utf8mb4");
  ASSERT_OK(tr.ApplySql("ALTER TABLE t DEFAULT CHARSET=latin1, ADD f TEXT", "db"));
  t = tr.Get("db", "t");
  EXPECT_EQ(Col(*t, "f").charset, "latin1");
  EXPECT_EQ(Col(*t, "b2").charset, "utf8mb4");  // table default change does not touch columns
  ASSERT_OK(tr.ApplySql("ALTER TABLE t RENAME TO db2.u, ADD g INT", "db"));
  EXPECT_EQ(tr.Get("db", "t"), nullptr);
  t = tr.Get("db2", "u");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->schema, "db2");
  EXPECT_EQ(t->columns.back().name, "g");
}

TEST(TrackerTest, TablesAndDatabases) {
  Tracker tr;
  ASSERT_OK(tr.ApplySql("CREATE DATABASE d1 CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci", ""));
  ASSERT_OK(tr.ApplySql("CREATE TABLE d1.a (x VARCHAR(3), y INT, FOREIGN KEY (y) REFERENCES p (id))", "d0"));
  auto a = tr.Get("d1", "a");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->collation, "utf8mb4_unicode_ci");
  EXPECT_EQ(Col(*a, "x").collation, "utf8mb4_unicode_ci");
  ASSERT_EQ(a->indexes.size(), 1u);  // the foreign key's implicit index
  EXPECT_EQ(a->indexes[0].columns, (std::vector<std::string>{"y"}));
  ASSERT_OK(tr.ApplySql("CREATE TABLE b LIKE a", "d1"));
  EXPECT_EQ(tr.Get("d1", "b")->columns, a->columns);
  ASSERT_OK(tr.ApplySql("RENAME TABLE a TO tmp, b TO a, tmp TO b", "d1"));
  EXPECT_EQ(tr.ListTables().size(), 2u);
  ASSERT_OK(tr.ApplySql("CREATE INDEX ix ON d1.a (x(2))", ""));
  EXPECT_EQ(tr.Get("d1", "a")->indexes.back().name, "ix");
  ASSERT_OK(tr.ApplySql("DROP INDEX ix ON d1.a", ""));
  ASSERT_OK(tr.ApplySql("TRUNCATE TABLE d1.a", ""));
  ASSERT_OK(tr.ApplySql("INSERT INTO d1.a VALUES (1)", ""));  // no structure change
  ASSERT_OK(tr.ApplySql("CREATE TEMPORARY TABLE a (z INT)", "d1"));
  EXPECT_EQ(tr.Get("d1", "a")->columns.size(), 2u);  // temporary tables are not tracked
  ASSERT_OK(tr.ApplySql("DROP TABLE IF EXISTS d1.a, d1.zz", ""));
  EXPECT_EQ(tr.Get("d1", "a"), nullptr);
  ASSERT_OK(tr.ApplySql("CREATE TABLE other.t (i INT)", ""));
  ASSERT_OK(tr.ApplySql("DROP DATABASE d1", ""));
  EXPECT_EQ(tr.ListTables(), (std::vector<rules::TableRef>{{"other", "t"}}));
}

TEST(TrackerTest, ErrorsAreAtomicAndNameTheTable) {
  Tracker tr;
  ASSERT_OK(tr.ApplySql("CREATE TABLE t (a INT)", "db"));
  auto before = tr.Get("db", "t");
  Status s = tr.ApplySql("ALTER TABLE t ADD b INT, DROP COLUMN nope", "db");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("nope"), std::string::npos) << s.ToString();
  EXPECT_NE(s.message().find("ALTER TABLE t ADD b INT"), std::string::npos) << s.ToString();
  EXPECT_EQ(*tr.Get("db", "t"), *before);  // unchanged
  s = tr.ApplySql("ALTER TABLE missing ADD c INT", "db");
  EXPECT_TRUE(s.IsNotFound()) << s.ToString();
  EXPECT_NE(s.message().find("`db`.`missing`"), std::string::npos);
  s = tr.ApplySql("RENAME TABLE t TO t2, missing TO m2", "db");
  EXPECT_TRUE(s.IsNotFound());
  EXPECT_NE(tr.Get("db", "t"), nullptr);  // first pair not applied either
  EXPECT_TRUE(tr.ApplySql("ALTER TABLE IF EXISTS missing ADD c INT", "db").ok());
  EXPECT_TRUE(tr.ApplySql("CREATE TABLE c AS SELECT 1", "db").IsNotSupported());
  EXPECT_TRUE(tr.ApplySql("CREATE TABLE l LIKE missing", "db").IsNotFound());
}

TEST(TrackerTest, SnapshotsSurviveLaterDdl) {
  Tracker tr;
  ASSERT_OK(tr.ApplySql("CREATE TABLE t (a INT)", "db"));
  auto snap = tr.Get("db", "t");
  ASSERT_OK(tr.ApplySql("ALTER TABLE t ADD b INT", "db"));
  EXPECT_EQ(snap->columns.size(), 1u);
  EXPECT_EQ(tr.Get("db", "t")->columns.size(), 2u);
}

TEST(TrackerTest, LowerCaseTableNames) {
  TrackerOptions o;
  o.lower_case_table_names = true;
  Tracker tr(o);
  ASSERT_OK(tr.ApplySql("CREATE TABLE DB.Tab (a INT)", ""));
  EXPECT_NE(tr.Get("db", "TAB"), nullptr);
  Tracker cs;
  ASSERT_OK(cs.ApplySql("CREATE TABLE DB.Tab (a INT)", ""));
  EXPECT_EQ(cs.Get("db", "tab"), nullptr);
}

TEST(TrackerTest, InitFromMydumperSchemaFile) {
  Tracker tr;
  ASSERT_OK(tr.InitTable("up", "orders",
                         "/*!40101 SET NAMES binary*/;\n/*!40014 SET FOREIGN_KEY_CHECKS=0*/;\n"
                         "CREATE TABLE `orders_routed` (\n  `id` bigint NOT NULL,\n  PRIMARY KEY (`id`)\n)"
                         " ENGINE=InnoDB DEFAULT CHARSET=latin1;\n"));
  auto t = tr.Get("up", "orders");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->table, "orders");
  EXPECT_EQ(t->columns[0].column_type, "bigint(20)");
  EXPECT_FALSE(tr.InitTable("up", "x", "SET NAMES utf8").ok());
}

TEST(TableInfoJsonTest, RoundTrip) {
  Tracker tr;
  ASSERT_OK(tr.ApplySql(
      "CREATE TABLE `s`.`t\"x` (`a` INT NOT NULL, `b` ENUM('x','y''z') DEFAULT 'x', `c` TEXT "
      "CHARACTER SET utf8mb4 COMMENT 'ü', `d` INT AS (a+1), PRIMARY KEY (a), UNIQUE KEY (b, c(3)))",
      ""));
  TableInfo t = *tr.Get("s", "t\"x");
  std::string json = TableInfoToJson(t);
  auto back = TableInfoFromJson(json);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back.value(), t);
  EXPECT_EQ(TableInfoToJson(back.value()), json);
  EXPECT_NE(json.find("\"default\":null"), std::string::npos) << json;

  auto bad = TableInfoFromJson(R"({"version":1,"schema":"s","table":"t","charset":"","collation":"",
      "columns":[{"name":"a","column_type":"int","data_type":"int","nullable":"yes"}],"indexes":[]})");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("columns[0].nullable"), std::string::npos)
      << bad.status().ToString();
  EXPECT_FALSE(TableInfoFromJson("not json").ok());
  EXPECT_FALSE(TableInfoFromJson(R"({"version":2})").ok());
}

TEST(FlavorTest, FromVersion) {
  EXPECT_EQ(FlavorFromVersion("10.11.6-MariaDB-0+deb12u1"), Flavor::kMariaDB);
  EXPECT_EQ(FlavorFromVersion("5.7.44-log"), Flavor::kMySQL57);
  EXPECT_EQ(FlavorFromVersion("8.0.36"), Flavor::kMySQL80);
  EXPECT_EQ(DefaultCollation("utf8", Flavor::kMariaDB), "utf8mb3_general_ci");
  EXPECT_EQ(DefaultCollation("utf8", Flavor::kMySQL57), "utf8_general_ci");
  EXPECT_EQ(DefaultCollation("gbk", Flavor::kMySQL80), "gbk_chinese_ci");
  EXPECT_EQ(CharsetOfCollation("latin1_german2_ci"), "latin1");
}

}  // namespace
}  // namespace dm::schema

namespace dm::schema {
namespace {

// binlog-schema list prints the tracked structure; update feeds such text back.
TEST(TableInfoCreateSqlTest, RoundTripsThroughTheTracker) {
  for (Flavor flavor : {Flavor::kMariaDB, Flavor::kMySQL80}) {
    TrackerOptions o;
    o.flavor = flavor;
    Tracker tr(o);
    ASSERT_OK(tr.InitTable("db", "t", R"(CREATE TABLE `t` (
  `id` int(10) unsigned NOT NULL,
  `na``me` varchar(64) COLLATE utf8mb4_bin DEFAULT 'it''s',
  `kind` enum('a','b''c') NOT NULL DEFAULT 'a',
  `price` decimal(10,2) NOT NULL DEFAULT 1.5,
  `l` varchar(10) CHARACTER SET latin1,
  `b` varbinary(8) DEFAULT NULL,
  `ts` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
  `u` int NOT NULL,
  PRIMARY KEY (`id`),
  UNIQUE KEY `uk` (`u`,`kind`),
  KEY `k_price` (`price`)
) DEFAULT CHARSET=utf8mb4)"));
    auto info = tr.Get("db", "t");
    ASSERT_NE(info, nullptr);
    std::string sql = TableInfoToCreateSql(*info);
    Tracker again(o);
    ASSERT_OK(again.InitTable("db", "t", sql));
    auto back = again.Get("db", "t");
    ASSERT_NE(back, nullptr);
    EXPECT_EQ(TableInfoToJson(*back), TableInfoToJson(*info)) << sql;
  }
}

}  // namespace
}  // namespace dm::schema
