// Routes: table rules before schema rules, wildcards and regexes, extract columns for
// merging shards (DM docs' "table routing" and "extract" examples re-expressed).
#include <gtest/gtest.h>

#include "dm/rules/rules.h"

namespace dm::rules {
namespace {

using Ext = config::RouteRule::Extractor;

config::RouteRule R(std::string schema, std::string table, std::string ts, std::string tt = "") {
  config::RouteRule r;
  r.schema_pattern = std::move(schema);
  r.table_pattern = std::move(table);
  r.target_schema = std::move(ts);
  r.target_table = std::move(tt);
  return r;
}

TEST(TableRouterTest, TableRulesBeforeSchemaRules) {
  // Docs: merge test_*.t_* into test.t, route the other tables of test_* into test.
  auto router = TableRouter::Compile({R("test_*", "", "test"), R("test_*", "t_*", "test", "t")}, false);
  ASSERT_TRUE(router.ok()) << router.status().ToString();
  struct Case {
    TableRef in, out;
  } cases[] = {
      {{"test_1", "t_1"}, {"test", "t"}},
      {{"test_2", "t_2"}, {"test", "t"}},
      {{"test_1", "other"}, {"test", "other"}},  // schema rule keeps the table name
      {{"TEST_1", "T_9"}, {"test", "t"}},        // case-insensitive by default
      {{"prod", "t_1"}, {"prod", "t_1"}},        // no match: unchanged
  };
  for (const Case& c : cases) {
    Route r = router->RouteTable("mysql-01", c.in);
    EXPECT_EQ(r.target, c.out) << c.in.schema << "." << c.in.table;
    EXPECT_TRUE(r.extra.empty());
  }
  EXPECT_EQ(router->RouteSchema("test_1"), "test");
  EXPECT_EQ(router->RouteSchema("prod"), "prod");
  // Schema-level statement through RouteTable: only schema rules apply.
  EXPECT_EQ(router->RouteTable("mysql-01", {"test_3", ""}).target, (TableRef{"test", ""}));
}

TEST(TableRouterTest, ExtractColumnsForShardMerging) {
  config::RouteRule r = R("test_*", "t_*", "test", "t");
  r.extract_table = Ext{"t_(.*)", "c_table"};
  r.extract_schema = Ext{"test_(.*)", "c_schema"};
  r.extract_source = Ext{"(.*)", "c_source"};
  auto router = TableRouter::Compile({r}, false);
  ASSERT_TRUE(router.ok()) << router.status().ToString();

  Route a = router->RouteTable("mysql-replica-01", {"test_1", "t_1"});
  Route b = router->RouteTable("mysql-replica-02", {"test_2", "t_3"});
  EXPECT_EQ(a.target, (TableRef{"test", "t"}));
  EXPECT_EQ(b.target, (TableRef{"test", "t"}));
  ASSERT_EQ(a.extra.size(), 3u);
  EXPECT_EQ(a.extra[0].column, "c_table");
  EXPECT_EQ(a.extra[0].value, "1");
  EXPECT_EQ(a.extra[1].column, "c_schema");
  EXPECT_EQ(a.extra[1].value, "1");
  EXPECT_EQ(a.extra[2].column, "c_source");
  EXPECT_EQ(a.extra[2].value, "mysql-replica-01");
  ASSERT_EQ(b.extra.size(), 3u);
  EXPECT_EQ(b.extra[0].value, "3");
  EXPECT_EQ(b.extra[1].value, "2");
  EXPECT_EQ(b.extra[2].value, "mysql-replica-02");
}

TEST(TableRouterTest, ExtractConcatenatesGroupsOfOriginalName) {
  config::RouteRule r = R("db", "*", "db", "all");
  r.extract_table = Ext{"t_(\\d+)_(\\d+)", "shard"};
  r.extract_schema = Ext{"^(D)(b)$", "s"};  // extractor regexes are case-sensitive
  auto router = TableRouter::Compile({r}, false);
  ASSERT_TRUE(router.ok());
  Route x = router->RouteTable("src", {"Db", "t_01_02"});
  ASSERT_EQ(x.extra.size(), 2u);
  EXPECT_EQ(x.extra[0].value, "0102");
  EXPECT_EQ(x.extra[1].value, "Db");
  Route y = router->RouteTable("src", {"db", "other"});  // no match -> ""
  ASSERT_EQ(y.extra.size(), 2u);
  EXPECT_EQ(y.extra[0].value, "");
  EXPECT_EQ(y.extra[1].value, "");
}

TEST(TableRouterTest, WildcardsRegexesAndCase) {
  auto router = TableRouter::Compile(
      {R("shard_?", "orders", "merged", "orders"), R("~^log_\\d+$", "~^ev_", "logs", "events"),
       R("Sales*", "", "SalesTarget")},
      false);
  ASSERT_TRUE(router.ok()) << router.status().ToString();
  EXPECT_EQ(router->RouteTable("s", {"shard_1", "orders"}).target, (TableRef{"merged", "orders"}));
  EXPECT_EQ(router->RouteTable("s", {"shard_12", "orders"}).target, (TableRef{"shard_12", "orders"}));
  EXPECT_EQ(router->RouteTable("s", {"LOG_7", "ev_click"}).target, (TableRef{"logs", "events"}));
  EXPECT_EQ(router->RouteTable("s", {"log_7x", "ev_click"}).target, (TableRef{"log_7x", "ev_click"}));
  // Targets are kept as written; names not matched keep their case.
  EXPECT_EQ(router->RouteTable("s", {"SALES_eu", "Invoice"}).target, (TableRef{"SalesTarget", "Invoice"}));

  auto cs = TableRouter::Compile({R("Sales*", "", "t")}, true);
  ASSERT_TRUE(cs.ok());
  EXPECT_EQ(cs->RouteSchema("SALES_eu"), "SALES_eu");
  EXPECT_EQ(cs->RouteSchema("Sales_eu"), "t");
}

TEST(TableRouterTest, OverlappingRulesFirstWinsIdenticalRejected) {
  auto router = TableRouter::Compile({R("db_*", "t_*", "a", "x"), R("db_1", "t_1", "b", "y")}, false);
  ASSERT_TRUE(router.ok());
  EXPECT_EQ(router->RouteTable("s", {"db_1", "t_1"}).target, (TableRef{"a", "x"}));

  auto dup = TableRouter::Compile({R("db_*", "t_*", "a"), R("DB_*", "T_*", "b")}, false);
  ASSERT_FALSE(dup.ok());
  EXPECT_NE(dup.status().message().find("route rule #2 (schema-pattern `DB_*`, table-pattern `T_*`) has the "
                                        "same schema-pattern and table-pattern as route rule #1"),
            std::string_view::npos)
      << dup.status().message();
  // Case-sensitive: different patterns, both allowed.
  EXPECT_TRUE(TableRouter::Compile({R("db_*", "t_*", "a"), R("DB_*", "T_*", "b")}, true).ok());
}

TEST(TableRouterTest, CompileErrors) {
  config::RouteRule no_col = R("db", "t", "x");
  no_col.extract_table = Ext{"t_(.*)", ""};
  config::RouteRule bad_re = R("db", "t", "x");
  bad_re.extract_source = Ext{"(", "c"};
  struct Bad {
    config::RouteRule rule;
    const char* expect;
  } bad[] = {
      {R("", "t", "x"), "schema-pattern is empty"},
      {R("db", "t", ""), "target-schema is empty"},
      {R("d*b", "t", "x"), "route rule #1 (schema-pattern `d*b`, table-pattern `t`) schema-pattern: pattern `d*b` is not valid"},
      {R("db", "~[", "x"), "table-pattern: invalid regular expression `[`"},
      {no_col, "extract-table: target-column is empty"},
      {bad_re, "extract-source source-regexp: invalid regular expression `(`"},
  };
  for (const Bad& b : bad) {
    auto r = TableRouter::Compile({b.rule}, false);
    ASSERT_FALSE(r.ok()) << b.expect;
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
    EXPECT_NE(r.status().message().find(b.expect), std::string_view::npos) << r.status().message();
  }
}

TEST(TableRouterTest, DefaultConstructedRoutesNothing) {
  TableRouter none;
  EXPECT_EQ(none.RouteTable("s", {"a", "b"}).target, (TableRef{"a", "b"}));
  EXPECT_EQ(none.RouteSchema("a"), "a");
}

}  // namespace
}  // namespace dm::rules
