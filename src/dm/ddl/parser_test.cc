#include "dm/ddl/parser.h"

#include <gtest/gtest.h>

namespace dm::ddl {
namespace {

Statement MustParse(std::string_view sql, ParseOptions o = {}) {
  auto r = Parse(sql, o);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? r.value() : Statement{};
}

TEST(ParserTest, CreateTableColumnsAndKeys) {
  Statement st = MustParse(
      "CREATE TABLE IF NOT EXISTS db.t (id INT(10) UNSIGNED NOT NULL AUTO_INCREMENT, "
      "name VARCHAR(20) CHARACTER SET latin1 COLLATE latin1_bin DEFAULT 'x' COMMENT 'n''m', "
      "e ENUM('a','b''c') NOT NULL, g INT AS (id + 1) STORED, "
      "PRIMARY KEY (id), UNIQUE KEY uk (name(5) DESC), "
      "CONSTRAINT fk FOREIGN KEY (id) REFERENCES p (pid) ON DELETE CASCADE) "
      "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 /*!50100 PARTITION BY HASH (id) */");
  ASSERT_EQ(st.kind, StatementKind::kCreateTable);
  const auto& ct = std::get<CreateTable>(st.node);
  EXPECT_TRUE(ct.if_not_exists);
  EXPECT_EQ(ct.table, (TableName{"db", "t"}));
  ASSERT_EQ(ct.columns.size(), 4u);
  EXPECT_EQ(ct.columns[0].type.name, "int");
  EXPECT_EQ(ct.columns[0].type.text, "INT(10) UNSIGNED");
  EXPECT_TRUE(ct.columns[0].type.is_unsigned);
  EXPECT_EQ(ct.columns[0].nullable, false);
  EXPECT_TRUE(ct.columns[0].auto_increment);
  EXPECT_EQ(ct.columns[1].type.charset, "latin1");
  EXPECT_EQ(ct.columns[1].collation, "latin1_bin");
  EXPECT_EQ(ct.columns[1].default_expr, "'x'");
  EXPECT_EQ(ct.columns[1].comment, "n'm");
  EXPECT_EQ(ct.columns[2].type.args, (std::vector<std::string>{"a", "b'c"}));
  ASSERT_TRUE(ct.columns[3].generated);
  EXPECT_EQ(ct.columns[3].generated->expr, "id + 1");
  EXPECT_EQ(ct.columns[3].generated->storage, "STORED");
  ASSERT_EQ(ct.constraints.size(), 3u);
  EXPECT_EQ(ct.constraints[1].name, "uk");
  EXPECT_EQ(ct.constraints[1].parts[0].length, "5");
  EXPECT_EQ(ct.constraints[1].parts[0].order, "DESC");
  EXPECT_EQ(ct.constraints[2].references.table.name, "p");
  EXPECT_EQ(ct.constraints[2].references.actions, "ON DELETE CASCADE");
  ASSERT_EQ(ct.options.size(), 2u);
  EXPECT_EQ(ct.options[1].name, "DEFAULT CHARSET");
  EXPECT_EQ(ct.partition, "PARTITION BY HASH (id)");
  EXPECT_EQ(st.Print(),
            "CREATE TABLE IF NOT EXISTS `db`.`t` (`id` INT(10) UNSIGNED NOT NULL AUTO_INCREMENT, "
            "`name` VARCHAR(20) CHARACTER SET latin1 COLLATE latin1_bin DEFAULT 'x' COMMENT 'n''m', "
            "`e` ENUM('a','b''c') NOT NULL, `g` INT GENERATED ALWAYS AS (id + 1) STORED, "
            "PRIMARY KEY (`id`), UNIQUE KEY `uk` (`name`(5) DESC), CONSTRAINT `fk` FOREIGN KEY "
            "(`id`) REFERENCES `p` (`pid`) ON DELETE CASCADE) ENGINE=InnoDB DEFAULT "
            "CHARSET=utf8mb4 PARTITION BY HASH (id)");
  EXPECT_EQ(st.Tables("x"), (std::vector<rules::TableRef>{{"db", "t"}, {"x", "p"}}));
}

TEST(ParserTest, AlterTableActions) {
  Statement st = MustParse(
      "ALTER TABLE t ADD COLUMN c INT AFTER b, DROP COLUMN d, MODIFY e BIGINT FIRST, "
      "CHANGE f g TEXT, RENAME COLUMN h TO i, ALTER COLUMN j SET DEFAULT 5, ADD INDEX ix (c), "
      "DROP INDEX iy, DROP PRIMARY KEY, RENAME INDEX a TO b, CONVERT TO CHARACTER SET utf8mb4, "
      "ENGINE=InnoDB, ALGORITHM=INPLACE, LOCK=NONE");
  ASSERT_EQ(st.kind, StatementKind::kAlterTable);
  const auto& at = std::get<AlterTable>(st.node);
  using T = AlterAction::Type;
  std::vector<T> types;
  for (const auto& a : at.actions) types.push_back(a.type);
  EXPECT_EQ(types, (std::vector<T>{T::kAddColumn, T::kDropColumn, T::kModifyColumn, T::kChangeColumn,
                                   T::kRenameColumn, T::kSetDefault, T::kAddIndex, T::kDropIndex,
                                   T::kDropPrimaryKey, T::kRenameIndex, T::kConvertCharset,
                                   T::kTableOptions, T::kAlgorithm, T::kLock}));
  EXPECT_EQ(at.actions[0].position, "AFTER");
  EXPECT_EQ(at.actions[0].after_column, "b");
  EXPECT_EQ(at.actions[2].position, "FIRST");
  EXPECT_EQ(at.actions[3].name, "f");
  EXPECT_EQ(at.actions[3].column.name, "g");
  EXPECT_EQ(at.actions[5].text, "5");
  EXPECT_EQ(st.EventNames(),
            (std::vector<std::string>{"add column", "drop column", "modify column", "rename column",
                                      "set default value", "create index", "drop index",
                                      "drop primary key", "rename index",
                                      "modify table charset and collate", "modify storage engine",
                                      "alter table"}));
}

TEST(ParserTest, RewriteTablesQualifiesAndQuotes) {
  Statement st = MustParse("RENAME TABLE a TO b, other.c TO d");
  st.RewriteTables("s", [](const rules::TableRef& t) {
    return rules::TableRef{t.schema + "_t", t.table + "`x"};
  });
  EXPECT_EQ(st.text, "RENAME TABLE `s_t`.`a``x` TO `s_t`.`b``x`, `other_t`.`c``x` TO `s_t`.`d``x`");
  Statement db = MustParse("DROP DATABASE IF EXISTS shard_01");
  db.RewriteTables("", [](const rules::TableRef& t) { return rules::TableRef{"merged", ""}; });
  EXPECT_EQ(db.text, "DROP DATABASE IF EXISTS `merged`");
  Statement alter_db = MustParse("ALTER DATABASE CHARACTER SET utf8mb4");
  EXPECT_EQ(alter_db.Tables("cur"), (std::vector<rules::TableRef>{{"cur", ""}}));
  EXPECT_EQ(alter_db.EventNames(),
            (std::vector<std::string>{"modify schema charset and collate", "alter database"}));
}

TEST(ParserTest, SplitMultiTableStatements) {
  auto parts = MustParse("DROP TABLE IF EXISTS a, db.b").Split();
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0].text, "DROP TABLE IF EXISTS `a`");
  EXPECT_EQ(parts[1].text, "DROP TABLE IF EXISTS `db`.`b`");
  parts = MustParse("RENAME TABLE a TO b, c TO d").Split();
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[1].text, "RENAME TABLE `c` TO `d`");
  // An ALTER that renames and changes: the rename goes last, on its own.
  parts = MustParse("ALTER TABLE t RENAME TO u, ADD c INT, LOCK=NONE").Split();
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0].text, "ALTER TABLE `t` ADD `c` INT, LOCK=NONE");
  EXPECT_EQ(parts[1].text, "ALTER TABLE `t` RENAME TO `u`, LOCK=NONE");
  parts = MustParse("ALTER TABLE t ADD c INT, ADD INDEX (c), ALGORITHM=INPLACE").Split(true);
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[1].text, "ALTER TABLE `t` ADD KEY (`c`), ALGORITHM=INPLACE");
  EXPECT_EQ(MustParse("ALTER TABLE t ADD c INT, ADD d INT").Split().size(), 1u);
}

TEST(ParserTest, CreateTableLikeAndSelect) {
  Statement like = MustParse("CREATE TABLE a LIKE b.c");
  EXPECT_EQ(like.kind, StatementKind::kCreateTableLike);
  EXPECT_EQ(like.Tables("d"), (std::vector<rules::TableRef>{{"d", "a"}, {"b", "c"}}));
  Statement sel = MustParse("CREATE TABLE a (x INT) REPLACE AS SELECT * FROM b");
  EXPECT_EQ(sel.kind, StatementKind::kCreateTableSelect);
  EXPECT_FALSE(sel.Replicable());
  EXPECT_EQ(std::get<CreateTable>(sel.node).select, "SELECT * FROM b");
  EXPECT_EQ(sel.EventName(), "create table");
}

TEST(ParserTest, ClassifiesWithoutGuessing) {
  struct Case {
    const char* sql;
    StatementKind kind;
    const char* keyword;
  };
  const Case cases[] = {
      {"BEGIN", StatementKind::kBegin, "BEGIN"},
      {"START TRANSACTION READ ONLY", StatementKind::kBegin, "START TRANSACTION"},
      {"COMMIT", StatementKind::kCommit, "COMMIT"},
      {"XA END 'x'", StatementKind::kCommit, "XA END"},
      {"ROLLBACK TO SAVEPOINT s", StatementKind::kRollback, "ROLLBACK"},
      {"INSERT INTO t VALUES (1)", StatementKind::kDml, "INSERT"},
      {"replace into t values (1)", StatementKind::kDml, "REPLACE"},
      {"UPDATE t SET a = 1", StatementKind::kDml, "UPDATE"},
      {"DELETE FROM t", StatementKind::kDml, "DELETE"},
      {"LOAD DATA INFILE 'f' INTO TABLE t", StatementKind::kDml, "LOAD DATA"},
      {"SET NAMES utf8mb4", StatementKind::kSet, "SET"},
      {"SET PASSWORD FOR u = 'x'", StatementKind::kAccount, "SET PASSWORD"},
      {"GRANT SELECT ON *.* TO u", StatementKind::kAccount, "GRANT"},
      {"CREATE USER 'u'@'%' IDENTIFIED BY 'p'", StatementKind::kAccount, "CREATE USER"},
      {"DROP USER u", StatementKind::kAccount, "DROP USER"},
      {"RENAME USER a TO b", StatementKind::kAccount, "RENAME USER"},
      {"FLUSH PRIVILEGES", StatementKind::kAdmin, "FLUSH PRIVILEGES"},
      {"ANALYZE TABLE t", StatementKind::kAdmin, "ANALYZE TABLE"},
      {"OPTIMIZE TABLE t", StatementKind::kAdmin, "OPTIMIZE TABLE"},
      {"CREATE DEFINER=`root`@`%` TRIGGER tr BEFORE INSERT ON t FOR EACH ROW SET NEW.a = 1",
       StatementKind::kRoutine, "CREATE TRIGGER"},
      {"CREATE PROCEDURE p() BEGIN SELECT 1; END", StatementKind::kRoutine, "CREATE PROCEDURE"},
      {"CREATE DEFINER=root@localhost FUNCTION f() RETURNS INT RETURN 1", StatementKind::kRoutine,
       "CREATE FUNCTION"},
      {"CREATE EVENT e ON SCHEDULE EVERY 1 DAY DO DELETE FROM t", StatementKind::kRoutine,
       "CREATE EVENT"},
      {"DROP TRIGGER IF EXISTS tr", StatementKind::kRoutine, "DROP TRIGGER"},
      {"CREATE SEQUENCE s START WITH 1", StatementKind::kRoutine, "CREATE SEQUENCE"},
      {"USE db", StatementKind::kUse, "USE"},
      {"FOO BAR", StatementKind::kUnknown, "FOO"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.sql);
    Statement st = MustParse(c.sql);
    EXPECT_EQ(st.kind, c.kind) << StatementKindName(st.kind);
    EXPECT_EQ(st.keyword, c.keyword);
    EXPECT_FALSE(st.HasAst());
    EXPECT_EQ(st.Print(), c.sql);  // classified statements keep their text
    EXPECT_TRUE(st.Tables("db").empty());
    EXPECT_EQ(st.EventName(), "");
  }
}

TEST(ParserTest, ErrorsNameStatementOffsetAndProblem) {
  auto r = Parse("ALTER TABLE t ADD COLUMN c FANCYTYPE");
  ASSERT_FALSE(r.ok());
  std::string m(r.status().message());
  EXPECT_NE(m.find("unknown data type 'FANCYTYPE'"), std::string::npos) << m;
  EXPECT_NE(m.find("at byte 27"), std::string::npos) << m;
  EXPECT_NE(m.find("ALTER TABLE t ADD"), std::string::npos) << m;
  r = Parse("CREATE TABLE t (a INT");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("expected ')'"), std::string::npos) << r.status().message();
  r = Parse("DROP TABLE");
  ASSERT_FALSE(r.ok());
  r = Parse("ALTER TABLE t FROBNICATE");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("an ALTER TABLE action"), std::string::npos);
  // Long statements are cut to 200 bytes in the message.
  std::string long_sql = "CREATE TABLE t (" + std::string(5000, 'a') + " BADTYPE)";
  r = Parse(long_sql);
  ASSERT_FALSE(r.ok());
  EXPECT_LT(r.status().message().size(), 400u);
  // Classify still tells what it was.
  Statement c = Classify("ALTER TABLE t FROBNICATE");
  EXPECT_EQ(c.kind, StatementKind::kAlterTable);
  EXPECT_FALSE(c.HasAst());
}

TEST(ParserTest, AnsiQuotesAndVersionComments) {
  ParseOptions ansi;
  ansi.lex.ansi_quotes = true;
  Statement st = MustParse(R"(CREATE TABLE "a b" ("c" INT DEFAULT 1))", ansi);
  EXPECT_EQ(st.Print(), "CREATE TABLE `a b` (`c` INT DEFAULT 1)");
  Statement v = MustParse("/*!40000 ALTER TABLE `t` DISABLE KEYS */");
  EXPECT_EQ(v.kind, StatementKind::kAlterTable);
  EXPECT_EQ(v.Print(), "ALTER TABLE `t` DISABLE KEYS");
}

TEST(ParserTest, ParseScriptOfDumpSchemaFile) {
  auto r = ParseScript(
      "/*!40101 SET NAMES binary*/;\n/*!40014 SET FOREIGN_KEY_CHECKS=0*/;\n"
      "CREATE TABLE `t` (\n  `id` int(11) NOT NULL,\n  PRIMARY KEY (`id`)\n) ENGINE=InnoDB;\n");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[0].kind, StatementKind::kSet);
  EXPECT_EQ((*r)[2].kind, StatementKind::kCreateTable);
}

TEST(ParserTest, ViewsParseNamesOnly) {
  Statement v = MustParse(
      "CREATE OR REPLACE ALGORITHM=MERGE DEFINER=`u`@`h` SQL SECURITY DEFINER VIEW v (a) AS "
      "SELECT x FROM t");
  EXPECT_EQ(v.kind, StatementKind::kCreateView);
  EXPECT_EQ(v.Tables("d"), (std::vector<rules::TableRef>{{"d", "v"}}));
  EXPECT_EQ(v.Print(),
            "CREATE OR REPLACE ALGORITHM=MERGE DEFINER=`u`@`h` SQL SECURITY DEFINER VIEW `v` (a) "
            "AS SELECT x FROM t");
  auto parts = MustParse("DROP VIEW a, b").Split();
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0].text, "DROP VIEW `a`");
}

}  // namespace
}  // namespace dm::ddl
