// PlanDdl: parser-based DDL decisions (split, block-allow list, event filter per ALTER
// action, route rewrite, errors with a way out).
#include <gtest/gtest.h>

#include "dm/rules/rules.h"
#include "dm/spec/spec.h"
#include "dm/sync/ddl.h"
#include "dm/sync/online_ddl.h"

namespace dm::sync {
namespace {

rules::RuleSet Rules() {
  std::string source =
      "source-id: s1\nfrom:\n  host: 127.0.0.1\n  port: 3306\n  user: root\n  password: \"\"\n";
  std::string task = R"yaml(name: t
task-mode: incremental
target-database:
  host: 127.0.0.1
  port: 3307
  user: root
  password: ""
mysql-instances:
  - source-id: s1
    route-rules: [r, rs]
    filter-rules: [noadd, noerr, pat]
    block-allow-list: bal
routes:
  r:
    schema-pattern: src
    table-pattern: r
    target-schema: dst
    target-table: r2
  rs:
    schema-pattern: sch
    target-schema: sch_new
filters:
  noadd:
    schema-pattern: app
    table-pattern: f
    events: ["add column"]
    action: Ignore
  noerr:
    schema-pattern: app
    table-pattern: e
    events: ["drop table"]
    action: Error
  pat:
    schema-pattern: app
    sql-pattern: ["^ALTER TABLE .*COMMENT"]
    action: Ignore
block-allow-list:
  bal:
    do-dbs: ["app", "src", "sch"]
    ignore-tables:
      - db-name: app
        tbl-name: ign
)yaml";
  auto ctx = spec::BuildUnitContext(source, task);
  EXPECT_TRUE(ctx.ok()) << ctx.status().ToString();
  auto rs = rules::CompileRuleSet((*ctx)->task_config, (*ctx)->instance, (*ctx)->source);
  EXPECT_TRUE(rs.ok()) << rs.status().ToString();
  return std::move(rs).value();
}

DdlDecision Plan(const rules::RuleSet& rs, std::string_view sql, std::string_view db = "app") {
  return PlanDdl(sql, db, {}, rs, "s1");
}

TEST(PlanDdl, PlainDdlRunsAsWritten) {
  auto rs = Rules();
  auto d = Plan(rs, "ALTER TABLE t ADD COLUMN c INT");
  ASSERT_EQ(d.action, DdlAction::kExecute);
  ASSERT_EQ(d.Statements(), std::vector<std::string>{"USE `app`; ALTER TABLE t ADD COLUMN c INT"});
  EXPECT_TRUE(d.parts[0].track);
  EXPECT_EQ(d.parts[0].table, (rules::TableRef{"app", "t"}));
  // Qualified names: no USE (the session schema may not exist downstream).
  d = Plan(rs, "ALTER TABLE app.t ADD COLUMN c INT", "nowhere");
  EXPECT_EQ(d.Statements(), std::vector<std::string>{"ALTER TABLE app.t ADD COLUMN c INT"});
  // Database statements run without USE.
  d = Plan(rs, "CREATE DATABASE app", "app");
  EXPECT_EQ(d.Statements(), std::vector<std::string>{"CREATE DATABASE app"});
}

TEST(PlanDdl, RoutesRewriteNames) {
  auto rs = Rules();
  auto d = Plan(rs, "ALTER TABLE r ADD COLUMN w INT", "src");
  ASSERT_EQ(d.action, DdlAction::kExecute);
  EXPECT_EQ(d.Statements(), std::vector<std::string>{"ALTER TABLE `dst`.`r2` ADD COLUMN `w` INT"});
  // The tracker gets the upstream names.
  EXPECT_EQ(d.parts[0].statement.Tables("src").front(), (rules::TableRef{"src", "r"}));
  d = Plan(rs, "CREATE DATABASE sch", "");
  EXPECT_EQ(d.Statements(), std::vector<std::string>{"CREATE DATABASE `sch_new`"});
  d = Plan(rs, "CREATE TABLE sch.x (id INT PRIMARY KEY)", "");
  EXPECT_EQ(d.Statements(),
            std::vector<std::string>{"CREATE TABLE `sch_new`.`x` (`id` INT PRIMARY KEY)"});
}

TEST(PlanDdl, SplitsMultiTableStatements) {
  auto rs = Rules();
  auto d = Plan(rs, "DROP TABLE a, ign, src.r");
  ASSERT_EQ(d.action, DdlAction::kExecute);
  ASSERT_EQ(d.parts.size(), 3u);
  EXPECT_FALSE(d.parts[1].track);
  EXPECT_FALSE(d.parts[1].execute);
  EXPECT_EQ(d.Statements(),
            (std::vector<std::string>{"DROP TABLE `app`.`a`", "DROP TABLE `dst`.`r2`"}));
  d = Plan(rs, "RENAME TABLE a TO b, src.r TO src.r_old");
  EXPECT_EQ(d.Statements(), (std::vector<std::string>{"RENAME TABLE `app`.`a` TO `app`.`b`",
                                                      "RENAME TABLE `dst`.`r2` TO `src`.`r_old`"}));
}

TEST(PlanDdl, EventFilterPerAlterAction) {
  auto rs = Rules();
  // add column ignored, the index kept; the tracker still gets both.
  auto d = Plan(rs, "ALTER TABLE f ADD COLUMN c INT, ADD INDEX i (a)");
  ASSERT_EQ(d.action, DdlAction::kExecute);
  EXPECT_EQ(d.Statements(), std::vector<std::string>{"ALTER TABLE `app`.`f` ADD KEY `i` (`a`)"});
  EXPECT_TRUE(d.parts[0].track);
  EXPECT_EQ(d.parts[0].statement.Print(), "ALTER TABLE `f` ADD COLUMN `c` INT, ADD KEY `i` (`a`)");
  // Only add column: nothing runs, still tracked.
  d = Plan(rs, "ALTER TABLE f ADD COLUMN c INT");
  EXPECT_TRUE(d.Statements().empty());
  EXPECT_TRUE(d.AnyTracked());
  // Other tables are not affected.
  d = Plan(rs, "ALTER TABLE g ADD COLUMN c INT");
  EXPECT_EQ(d.Statements().size(), 1u);
  // sql-pattern.
  d = Plan(rs, "ALTER TABLE g COMMENT 'x'");
  EXPECT_TRUE(d.Statements().empty());
  // Action Error.
  d = Plan(rs, "DROP TABLE e");
  EXPECT_EQ(d.action, DdlAction::kError);
  EXPECT_NE(d.reason.find("`app`.`e`"), std::string::npos) << d.reason;
}

TEST(PlanDdl, SkipsAndErrors) {
  auto rs = Rules();
  for (const char* sql : {"GRANT ALL ON *.* TO 'u'@'%'", "CREATE USER 'x'@'%'", "FLUSH PRIVILEGES",
                          "CREATE PROCEDURE p() BEGIN END", "SET @a = 1"}) {
    EXPECT_EQ(Plan(rs, sql).action, DdlAction::kSkip) << sql;
  }
  auto d = Plan(rs, "INSERT INTO t VALUES (1)");
  EXPECT_EQ(d.action, DdlAction::kError);
  EXPECT_NE(d.reason.find("binlog_format=ROW"), std::string::npos);
  d = Plan(rs, "CREATE TABLE c SELECT * FROM t");
  EXPECT_EQ(d.action, DdlAction::kError);
  EXPECT_NE(d.reason.find("CREATE TABLE ... SELECT"), std::string::npos) << d.reason;
  EXPECT_NE(d.reason.find("binlog skip"), std::string::npos) << d.reason;
  // Not selected: skipped.
  EXPECT_EQ(Plan(rs, "CREATE TABLE c SELECT * FROM t", "other").action, DdlAction::kSkip);
  EXPECT_TRUE(Plan(rs, "CREATE TABLE ign SELECT 1").Statements().empty());
  // Unparseable DDL on a selected table: error naming it; elsewhere skipped.
  d = Plan(rs, "ALTER TABLE t ADD COLUMN c NOSUCHTYPE");
  EXPECT_EQ(d.action, DdlAction::kError);
  EXPECT_NE(d.reason.find("`app`.`t`"), std::string::npos) << d.reason;
  EXPECT_EQ(Plan(rs, "ALTER TABLE t ADD COLUMN c NOSUCHTYPE", "other").action, DdlAction::kSkip);
}

TEST(PlanDdl, AnsiQuotesFromSqlMode) {
  auto rs = Rules();
  auto d = PlanDdl("ALTER TABLE \"r\" ADD COLUMN \"w\" INT", "src", ParseOptionsForSqlMode(4), rs, "s1");
  ASSERT_EQ(d.action, DdlAction::kExecute) << d.reason;
  EXPECT_EQ(d.Statements(), std::vector<std::string>{"ALTER TABLE `dst`.`r2` ADD COLUMN `w` INT"});
  EXPECT_FALSE(ParseOptionsForSqlMode(std::nullopt).lex.ansi_quotes);
  // Not routed: printed with backquotes all the same (the downstream session has no
  // ANSI_QUOTES).
  d = PlanDdl("ALTER TABLE \"t\" ADD COLUMN \"w\" INT", "app", ParseOptionsForSqlMode(4), rs, "s1");
  EXPECT_EQ(d.Statements(), std::vector<std::string>{"ALTER TABLE `app`.`t` ADD COLUMN `w` INT"});
}

OnlineDdl::Outcome Online(OnlineDdl& o, std::string_view sql, std::string_view db = "app") {
  auto st = ddl::Parse(sql);
  EXPECT_TRUE(st.ok()) << sql;
  return o.Handle(*st, db);
}

TEST(OnlineDdl, GhostSequenceRecordsAndCutsOver) {
  auto o = OnlineDdl::Create({}, {}, "dm_meta", "t1", "s1");
  ASSERT_TRUE(o.ok());
  OnlineDdl& on = **o;
  std::string real;
  EXPECT_EQ(on.Kind("_t_gho", &real), OnlineDdl::TableKind::kShadow);
  EXPECT_EQ(real, "t");
  EXPECT_EQ(on.Kind("_t_new"), OnlineDdl::TableKind::kShadow);
  EXPECT_EQ(on.Kind("_t_ghc"), OnlineDdl::TableKind::kTrash);
  EXPECT_EQ(on.Kind("_t_old"), OnlineDdl::TableKind::kTrash);
  EXPECT_EQ(on.Kind("t_gho"), OnlineDdl::TableKind::kNormal);

  EXPECT_FALSE(Online(on, "ALTER TABLE t ADD COLUMN x INT").handled);
  auto r = Online(on, "CREATE TABLE _t_ghc (id INT)");
  EXPECT_TRUE(r.handled);
  EXPECT_TRUE(r.sqls.empty());
  EXPECT_TRUE(r.meta_sql.empty());
  r = Online(on, "CREATE TABLE `_t_gho` LIKE `t`");
  EXPECT_TRUE(r.sqls.empty());
  ASSERT_EQ(r.meta_sql.size(), 1u);
  EXPECT_NE(r.meta_sql[0].find("`dm_meta`.`t1_onlineddl`"), std::string::npos) << r.meta_sql[0];
  r = Online(on, "ALTER TABLE _t_gho ADD COLUMN c INT");
  r = Online(on, "CREATE INDEX i ON _t_gho (c)");
  ASSERT_EQ(on.records().size(), 1u);
  EXPECT_EQ(on.records().begin()->second.ddls.size(), 2u);
  // The cut-over: the first part (t -> trash) is dropped, the second gives the ALTERs.
  r = Online(on, "RENAME TABLE t TO _t_del, _t_gho TO t");
  EXPECT_EQ(r.sqls, (std::vector<std::string>{"ALTER TABLE `app`.`t` ADD COLUMN `c` INT",
                                               "CREATE INDEX `i` ON `app`.`t` (`c`)"}));
  ASSERT_EQ(r.meta_sql.size(), 1u);
  EXPECT_EQ(r.meta_sql[0].rfind("DELETE FROM", 0), 0u);
  EXPECT_TRUE(on.records().empty());
  // A mixed statement keeps its normal part.
  r = Online(on, "DROP TABLE _t_del, other");
  EXPECT_EQ(r.sqls, std::vector<std::string>{"DROP TABLE `other`"});
}

TEST(OnlineDdl, CustomRulesAndRestore) {
  auto bad = OnlineDdl::Create({"("}, {}, "m", "t", "s");
  EXPECT_FALSE(bad.ok());
  auto o = OnlineDdl::Create({"^(.+)_shadow$"}, {"^(.+)_trash$"}, "m", "t", "s");
  ASSERT_TRUE(o.ok());
  EXPECT_EQ((*o)->Kind("_t_gho"), OnlineDdl::TableKind::kNormal);
  ASSERT_TRUE((*o)->LoadRow("app", "t_shadow", "[\"ALTER TABLE `app`.`t_shadow` DROP COLUMN `z`\"]").ok());
  EXPECT_FALSE((*o)->LoadRow("app", "x_shadow", "{}").ok());
  auto r = Online(**o, "RENAME TABLE t TO t_trash, t_shadow TO t");
  EXPECT_EQ(r.sqls, std::vector<std::string>{"ALTER TABLE `app`.`t` DROP COLUMN `z`"});
}

}  // namespace
}  // namespace dm::sync
