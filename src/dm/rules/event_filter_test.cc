// Binlog event filter: cases re-expressed from tiflow pkg/binlog-filter's tests and the DM
// docs (Do/Ignore/Error, sql-pattern, event classes, rule order, case sensitivity).
#include <gtest/gtest.h>

#include "dm/rules/rules.h"

namespace dm::rules {
namespace {

config::BinlogEventRule F(std::string schema, std::string table, std::vector<std::string> events,
                          std::vector<std::string> sql, std::string action) {
  config::BinlogEventRule r;
  r.schema_pattern = std::move(schema);
  r.table_pattern = std::move(table);
  r.events = std::move(events);
  r.sql_pattern = std::move(sql);
  r.action = std::move(action);
  return r;
}

constexpr FilterAction kDo = FilterAction::kDo;
constexpr FilterAction kIgnore = FilterAction::kIgnore;
constexpr FilterAction kError = FilterAction::kError;

struct Probe {
  TableRef t;
  const char* event;
  const char* sql;
  FilterAction want;
};

void Check(const EventFilter& f, const std::vector<Probe>& probes, const char* label) {
  for (const Probe& p : probes) {
    EXPECT_EQ(f.Filter(p.t, p.event, p.sql), p.want)
        << label << ": `" << p.t.schema << "`.`" << p.t.table << "` event `" << p.event << "` sql `" << p.sql << "`";
  }
}

std::vector<config::BinlogEventRule> BaseRules() {
  return {
      F("Test_1_*", "abc*", {"delete", "insert", "create index", "drop index", "drop view"},
        {"^DROP\\s+PROCEDURE", "^CREATE\\s+PROCEDURE"}, "Ignore"),
      F("xxx_*", "abc_*", {"all dml", "none ddl"}, {}, "Ignore"),
      F("yyy_*", "abc_*", {"ALL DML"}, {}, "Do"),
      F("cdc", "t1", {"rebase auto id"}, {}, "Ignore"),
  };
}

TEST(EventFilterTest, DmBaseCases) {
  auto f = EventFilter::Compile(BaseRules(), false);
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  Check(*f,
        {
            {{"test_1_a", "abc1"}, "delete", "", kIgnore},
            {{"test_1_a", "abc1"}, "insert", "", kIgnore},
            {{"test_1_a", "abc1"}, "update", "", kDo},
            {{"test_1_a", "abc1"}, "create index", "", kIgnore},
            {{"test_1_a", "abc1"}, "rename table", "", kDo},
            {{"test_1_a", "abc1"}, "", "drop procedure abc", kIgnore},  // unclassified DDL: sql only
            {{"test_1_a", "abc1"}, "", "create procedure abc", kIgnore},
            {{"test_1_a", "abc1"}, "", "create function abc", kDo},
            {{"xxx_1", "abc_1"}, "", "create function abc", kDo},
            {{"xxx_1", "abc_1"}, "insert", "", kIgnore},
            {{"xxx_1", "abc_1"}, "create index", "", kDo},
            {{"yyy_1", "abc_1"}, "insert", "", kDo},
            {{"yyy_1", "abc_1"}, "create index", "", kIgnore},  // Do rule, event not listed -> Ignore
            {{"test_1_a", "abc1"}, "drop view", "", kIgnore},
            {{"cdc", "t1"}, "rebase auto id", "", kIgnore},
            {{"xxx_a", ""}, "insert", "", kDo},  // no table-level match for a schema statement
            {{"other", "t"}, "insert", "", kDo},
        },
        "base");
}

TEST(EventFilterTest, DmUpdatedRulesAndMultipleRules) {
  std::vector<config::BinlogEventRule> rules = BaseRules();
  rules[0].events.clear();
  rules[1].action = "Do";
  rules[2].events = {"all ddl"};
  auto f = EventFilter::Compile(rules, false);
  ASSERT_TRUE(f.ok());
  std::vector<Probe> probes = {
      {{"test_1_a", "abc1"}, "delete", "", kDo},
      {{"test_1_a", "abc1"}, "insert", "", kDo},
      {{"test_1_a", "abc1"}, "update", "", kDo},
      {{"test_1_a", "abc1"}, "create index", "", kDo},
      {{"test_1_a", "abc1"}, "rename table", "", kDo},
      {{"test_1_a", "abc1"}, "", "drop procedure abc", kIgnore},
      {{"test_1_a", "abc1"}, "", "create procedure abc", kIgnore},
      {{"test_1_a", "abc1"}, "", "create function abc", kDo},
      {{"xxx_1", "abc_1"}, "", "create function abc", kDo},
      {{"xxx_1", "abc_1"}, "insert", "", kDo},          // Do + all dml
      {{"xxx_1", "abc_1"}, "create index", "", kIgnore},  // Do + none ddl
      {{"yyy_1", "abc_1"}, "insert", "", kIgnore},      // Do + all ddl: dml not listed
      {{"yyy_1", "abc_1"}, "create index", "", kDo},
      {{"test_1_a", "abc1"}, "drop view", "", kDo},
  };
  Check(*f, probes, "updated");

  // A second, overlapping Do rule: both rules apply to test_1_a.abc1.
  rules.push_back(F("test_*", "ab*", {"insert", "all ddl"}, {"^DROP\\s+PROCEDURE"}, "Do"));
  auto g = EventFilter::Compile(rules, false);
  ASSERT_TRUE(g.ok());
  probes[0].want = kIgnore;  // delete: not in the Do rule's events
  probes[2].want = kIgnore;  // update
  probes[4].want = kDo;      // rename table: all ddl
  probes[7].want = kIgnore;  // create function: Do rule's sql-pattern does not match
  Check(*g, probes, "multiple");
}

TEST(EventFilterTest, CaseSensitive) {
  std::vector<config::BinlogEventRule> rules = {
      F("Test_1_*", "abc*", {"delete", "insert", "create index", "drop index"},
        {"^DROP\\s+PROCEDURE", "^CREATE\\s+PROCEDURE"}, "Ignore"),
      F("xxx_*", "abc_*", {"all dml", "none ddl"}, {}, "Ignore"),
  };
  auto f = EventFilter::Compile(rules, true);
  ASSERT_TRUE(f.ok());
  Check(*f,
        {
            {{"test_1_a", "abc1"}, "delete", "", kDo},
            {{"test_1_a", "abc1"}, "", "drop procedure abc", kDo},
            {{"Test_1_a", "abc1"}, "delete", "", kIgnore},
            {{"xxx_1", "abc_1"}, "insert", "", kIgnore},
            {{"xxx_1", "ABC_1"}, "insert", "", kDo},
        },
        "case-sensitive");
}

TEST(EventFilterTest, SchemaLevelAndGlobalRules) {
  // A rule without table-pattern applies to the schema's tables and to schema-level
  // statements; `*` schema rules apply to statements with no schema at all.
  auto f = EventFilter::Compile({F("*", "", {}, {"^FLUSH"}, "Ignore"),
                                 F("db", "", {"drop database"}, {}, "Error"),
                                 F("logs", "*", {"truncate table", "drop table"}, {}, "Ignore")},
                                false);
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  Check(*f,
        {
            {{"", ""}, "", "FLUSH ENGINE LOGS", kIgnore},
            {{"db", "tbl"}, "", "flush tables", kIgnore},  // sql-pattern is case-insensitive
            {{"db", "tbl"}, "", "CREATE PROCEDURE p()", kDo},
            {{"db", ""}, "drop database", "DROP DATABASE db", kError},
            {{"db", "t"}, "insert", "", kDo},
            {{"logs", "t1"}, "truncate table", "TRUNCATE TABLE t1", kIgnore},
            {{"logs", ""}, "drop table", "", kIgnore},  // table `*` matches "" as in DM's trie
            {{"logs", "t1"}, "insert", "", kDo},
        },
        "global");
}

TEST(EventFilterTest, DocsExamples) {
  // DM docs: ignore every delete of the sharded tables and stop on DROP DATABASE.
  auto f = EventFilter::Compile(
      {F("test_*", "t_*", {"truncate table", "drop table", "delete"}, {}, "Ignore"),
       F("test_*", "", {"drop database"}, {}, "Error"),
       F("test_*", "sbtest*", {"all dml"}, {"^ALTER\\s+TABLE\\s+.*\\s+ADD\\s+PARTITION"}, "Do")},
      false);
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  Check(*f,
        {
            {{"test_1", "t_1"}, "delete", "", kIgnore},
            {{"test_1", "t_1"}, "insert", "", kDo},
            {{"test_1", "t_1"}, "truncate table", "TRUNCATE TABLE t_1", kIgnore},
            {{"test_1", ""}, "drop database", "DROP DATABASE test_1", kError},
            {{"test_1", "t_1"}, "drop database", "", kError},  // schema rule applies to its tables too
            {{"test_2", "sbtest1"}, "update", "", kDo},
            {{"test_2", "sbtest1"}, "create table", "CREATE TABLE sbtest1 (id int)", kIgnore},
        },
        "docs");
}

TEST(EventFilterTest, OrderFollowsDmTrieNotConfigOrder) {
  // Schema-level rules are visited before table-level ones whatever the config order:
  // the schema-level Do rule (insert only) ignores the delete before the table-level
  // Error rule is seen.
  auto f = EventFilter::Compile({F("db1", "t", {"delete"}, {}, "Error"), F("db*", "", {"insert"}, {}, "Do")}, false);
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->Filter({"db1", "t"}, "delete", ""), kIgnore);
  EXPECT_EQ(f->Filter({"db1", "t"}, "insert", ""), kDo);
}

TEST(EventFilterTest, EventClasses) {
  auto f = EventFilter::Compile({F("a", "", {"incompatible ddl changes"}, {}, "Ignore"),
                                 F("b", "", {"none"}, {}, "Do"),
                                 F("c", "", {"all"}, {}, "Error"),
                                 F("d", "", {"create schema"}, {}, "Ignore")},
                                false);
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  Check(*f,
        {
            {{"a", "t"}, "drop column", "", kIgnore},
            {{"a", "t"}, "drop table", "", kIgnore},
            {{"a", "t"}, "create table", "", kDo},  // not in the incompatible class
            {{"a", "t"}, "insert", "", kDo},
            {{"b", "t"}, "insert", "", kIgnore},
            {{"c", "t"}, "update", "", kError},
            {{"d", ""}, "create database", "", kIgnore},
            {{"d", ""}, "CREATE SCHEMA", "", kIgnore},  // alias and case accepted
            {{"x", "t"}, "not an event", "", kError},    // unknown event names are refused (DM errors)
            {{"a", "t"}, "not an event", "", kError},   // unknown event with rules: refuse
            {{"a", "t"}, "all dml", "", kError},        // a rule keyword is not an event
        },
        "classes");
}

TEST(EventFilterTest, DuplicatePatternsAndErrors) {
  config::BinlogEventRule r = F("db", "t", {"insert"}, {}, "Ignore");
  auto same = EventFilter::Compile({r, r}, false);  // e.g. task filter repeated in source.yaml
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(same->Filter({"db", "t"}, "insert", ""), kIgnore);

  auto conflict = EventFilter::Compile({r, F("DB", "T", {"delete"}, {}, "Ignore")}, false);
  ASSERT_FALSE(conflict.ok());
  EXPECT_NE(conflict.status().message().find("filter rule #2 (schema-pattern `DB`, table-pattern `T`) uses the "
                                             "same schema-pattern and table-pattern as filter rule #1"),
            std::string_view::npos)
      << conflict.status().message();

  struct Bad {
    config::BinlogEventRule rule;
    const char* expect;
  } bad[] = {
      {F("", "t", {"insert"}, {}, "Ignore"), "schema-pattern is empty"},
      {F("db", "", {"insert"}, {}, "Skip"), "action `Skip` is not valid; use `Do`, `Ignore` or `Error`"},
      {F("db", "", {"insrt"}, {}, "Do"), "unknown event `insrt`"},
      {F("db", "", {}, {"^DROP", "(("}, "Ignore"), "filter rule #1 (schema-pattern `db`) sql-pattern[1]: invalid regular expression `((`"},
      {F("d*b", "", {}, {}, "Ignore"), "pattern `d*b` is not valid"},
  };
  for (const Bad& b : bad) {
    auto c = EventFilter::Compile({b.rule}, false);
    ASSERT_FALSE(c.ok()) << b.expect;
    EXPECT_EQ(c.status().code(), Code::kInvalidArgument);
    EXPECT_NE(c.status().message().find(b.expect), std::string_view::npos) << c.status().message();
  }
  EventFilter none;
  EXPECT_EQ(none.Filter({"db", "t"}, "insert", ""), kDo);
}

}  // namespace
}  // namespace dm::rules
