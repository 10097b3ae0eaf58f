// Cases re-expressed from DM's block-allow-list behaviour (tidb util/filter tests and the
// DM docs): MySQL replicate-* evaluation order, wildcards, `~` regexes, case handling.
#include <gtest/gtest.h>

#include "dm/rules/rules.h"

// The cases use designated initializers and leave the other lists empty on purpose.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace dm::rules {
namespace {

using Tbl = config::BlockAllowList::Table;

struct Probe {
  const char* schema;
  const char* table;  // "" = schema-level statement
  bool allowed;
};

struct Case {
  const char* name;
  config::BlockAllowList rule;
  bool case_sensitive;
  std::vector<Probe> probes;
};

TEST(BlockAllowListTest, DmCases) {
  std::vector<Case> cases = {
      {"do and ignore the same db: do-dbs wins, ignore-dbs unused",
       {.do_dbs = {"foo"}, .ignore_dbs = {"foo"}},
       false,
       {{"foo", "bar", true}, {"foo", "", true}, {"foo1", "bar", false}, {"foo1", "", false}}},
      {"ignore-dbs only",
       {.ignore_dbs = {"foo1"}},
       false,
       {{"foo", "bar", true}, {"foo", "", true}, {"foo1", "bar", false}, {"foo1", "", false}}},
      {"do-tables without regex; schema-level statements pass table rules",
       {.do_tables = {Tbl{"foo", "bar1"}}},
       false,
       {{"foo", "bar", false}, {"foo", "bar1", true}, {"foo", "", true}, {"fff", "bar1", false}, {"fff", "", true}}},
      {"ignore-tables without regex",
       {.ignore_tables = {Tbl{"foo", "bar"}}},
       false,
       {{"foo", "bar", false}, {"foo", "bar1", true}, {"foo", "", true}, {"fff", "bar1", true}}},
      {"regexes everywhere",
       {.do_dbs = {"~^foo"}, .ignore_tables = {Tbl{"~^foo", "~^sbtest-\\d"}}},
       false,
       {{"foo", "sbtest", true}, {"foo1", "sbtest-1", false}, {"foo2", "", true}, {"fff", "bar", false}}},
      {"wildcards ? and [set]; backslash is literal",
       {.ignore_dbs = {"foo[bar]", "foo?", "special\\"}},
       false,
       {{"foor", "a", false}, {"foo[bar]", "b", true}, {"fo", "c", true}, {"foo?", "d", false}, {"special\\", "e", false}}},
      {"case-insensitive regexes",
       {.ignore_dbs = {"~^FOO"}, .ignore_tables = {Tbl{"~.*", "~FoO$"}}},
       false,
       {{"FOO1", "a", false}, {"foo2", "b", false}, {"BoO3", "cFoO", false}, {"Foo4", "dfoo", false}, {"5", "5", true}}},
      {"case-sensitive regexes",
       {.ignore_dbs = {"~^FOO"}, .ignore_tables = {Tbl{"~.*", "~FoO$"}}},
       true,
       {{"FOO1", "a", false}, {"foo2", "b", true}, {"BoO3", "cFoo", true}, {"Foo4", "dfoo", true}, {"5", "5", true}}},
      {"wildcard schema, regex table",
       {.ignore_tables = {Tbl{"a?b?", "~f[0-9]"}}},
       false,
       {{"abbd", "f1", false}, {"aaaa", "f2", true}, {"5", "5", true}, {"abbc", "fa", true}}},
      {"regex schema, wildcard table",
       {.ignore_tables = {Tbl{"~t[0-8]", "a??"}}},
       false,
       {{"t1", "a01", false}, {"t9", "a02", true}, {"5", "5", true}, {"t9", "a001", true}}},
      {"case-sensitive wildcards",
       {.ignore_tables = {Tbl{"a*", "A*"}}},
       true,
       {{"aB", "Ab", false}, {"AaB", "aab", true}, {"acB", "Afb", false}}},
      {"case-insensitive wildcards",
       {.ignore_tables = {Tbl{"a*", "A*"}}},
       false,
       {{"aB", "Ab", false}, {"AaB", "aab", false}, {"acB", "Afb", false}}},
      {"do-tables is checked before ignore-tables",
       {.do_tables = {Tbl{"db", "t*"}}, .ignore_tables = {Tbl{"db", "t2"}}},
       false,
       {{"db", "t2", true}, {"db", "t1", true}, {"db", "x", false}, {"other", "x", false}}},
      {"schema level first: do-dbs filters before do-tables",
       {.do_dbs = {"db1"}, .do_tables = {Tbl{"db2", "t"}}},
       false,
       {{"db2", "t", false}, {"db1", "t", false}, {"db1", "", true}}},
      {"docs example: shard schemas by wildcard, one table ignored",
       {.do_dbs = {"user_db_*"}, .ignore_tables = {Tbl{"user_db_*", "log"}}},
       false,
       {{"user_db_01", "user", true}, {"user_db_02", "log", false}, {"order_db", "user", false}}},
      {"system schemas are filtered even when allowed explicitly",
       {.do_dbs = {"mysql", "~.*"}},
       false,
       {{"mysql", "user", false}, {"MySQL", "", false}, {"information_schema", "tables", false}, {"sys", "x", false},
        {"performance_schema", "x", false}, {"dm_heartbeat", "heartbeat", false}, {"app", "t", true}}},
  };
  for (const Case& c : cases) {
    auto bal = BlockAllowList::Compile(&c.rule, c.case_sensitive);
    ASSERT_TRUE(bal.ok()) << c.name << ": " << bal.status().ToString();
    for (const Probe& p : c.probes) {
      bool got = std::string_view(p.table).empty() ? bal->AllowSchema(p.schema) : bal->AllowTable(p.schema, p.table);
      EXPECT_EQ(got, p.allowed) << c.name << ": `" << p.schema << "`.`" << p.table << "`";
      if (std::string_view(p.table).empty()) {
        EXPECT_EQ(bal->AllowTable(p.schema, ""), p.allowed);
      }
    }
  }
}

TEST(BlockAllowListTest, NoRuleAllowsAllButSystemSchemas) {
  auto bal = BlockAllowList::Compile(nullptr, false);
  ASSERT_TRUE(bal.ok());
  EXPECT_TRUE(bal->AllowTable("app", "t"));
  EXPECT_TRUE(bal->AllowSchema("app"));
  EXPECT_FALSE(bal->AllowTable("mysql", "user"));
  EXPECT_FALSE(bal->AllowSchema("INFORMATION_SCHEMA"));
  BlockAllowList defaulted;  // default-constructed (RuleSet member): same behaviour
  EXPECT_TRUE(defaulted.AllowTable("app", "t"));
  EXPECT_FALSE(defaulted.AllowTable("sys", "t"));
}

TEST(BlockAllowListTest, CompileErrorsNameTheEntry) {
  struct Bad {
    config::BlockAllowList rule;
    const char* expect;
  } bad[] = {
      {{.do_dbs = {"ok", ""}}, "block-allow-list do-dbs[1] is empty"},
      {{.ignore_dbs = {"~(unclosed"}}, "block-allow-list ignore-dbs[0]: invalid regular expression `(unclosed`"},
      {{.do_tables = {Tbl{"db", ""}}}, "block-allow-list do-tables[0].tbl-name is empty"},
      {{.ignore_tables = {Tbl{"a*b", "t"}}}, "block-allow-list ignore-tables[0].db-name: pattern `a*b` is not valid"},
      {{.do_dbs = {"~"}}, "`~` starts a regex but none follows"},
  };
  for (const Bad& b : bad) {
    auto r = BlockAllowList::Compile(&b.rule, false);
    ASSERT_FALSE(r.ok()) << b.expect;
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
    EXPECT_NE(r.status().message().find(b.expect), std::string_view::npos) << r.status().message();
  }
}

}  // namespace
}  // namespace dm::rules
