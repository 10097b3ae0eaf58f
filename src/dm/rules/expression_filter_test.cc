// expression-filter rules: DM's syncer cases (expr_filter_group_test re-expressed) and the
// insert / update (old AND new) / delete semantics.
#include <gtest/gtest.h>

#include "dm/rules/rules.h"

namespace dm::rules {
namespace {

Datum I(int64_t v) { Datum d; d.kind = Datum::Kind::kInt; d.i = v; return d; }
Datum U(uint64_t v) { Datum d; d.kind = Datum::Kind::kUint; d.u = v; return d; }
Datum D(double v) { Datum d; d.kind = Datum::Kind::kDouble; d.d = v; return d; }
Datum Dec(std::string v) { Datum d; d.kind = Datum::Kind::kDecimal; d.s = std::move(v); return d; }
Datum S(std::string v) { Datum d; d.kind = Datum::Kind::kString; d.s = std::move(v); return d; }
Datum T(std::string v) { Datum d; d.kind = Datum::Kind::kTemporal; d.s = std::move(v); return d; }
Datum N() { return Datum{}; }

config::ExpressionFilter Insert(std::string expr, std::string schema = "test", std::string table = "t") {
  config::ExpressionFilter f;
  f.schema = std::move(schema);
  f.table = std::move(table);
  f.insert_value_expr = std::move(expr);
  return f;
}

struct RowCase {
  const char* expr;
  std::vector<std::string> cols;
  std::vector<Datum> skipped, passed;
};

TEST(ExpressionFilterTest, DmSkipCases) {
  std::vector<RowCase> cases = {
      {"state != 1", {"primary_id", "id", "state"}, {U(100), U(100), U(3)}, {U(100), U(100), U(1)}},
      {"f > 1.23", {"f"}, {D(2.0)}, {D(1.0)}},
      {"f > a + b", {"f", "a", "b"}, {D(static_cast<float>(123.45)), I(1), I(2)}, {D(static_cast<float>(0.01)), I(23), I(45)}},
      {"id = 30", {"id", "name", "dt", "ts"},
       {I(30), S("30"), N(), T("2021-06-17 10:13:05")}, {I(20), S("20"), N(), T("2021-06-17 10:13:05")}},
      // one case per MySQL column type, as DM's binary-protocol test
      {"c IS NULL", {"c"}, {N()}, {I(100)}},
      {"c = 1", {"c"}, {I(1)}, {I(100)}},
      {"c = 2", {"c"}, {I(2)}, {I(-1)}},
      {"c < 10", {"c"}, {I(8)}, {I(18)}},
      {"c < 0", {"c"}, {I(-8)}, {I(1)}},
      {"c = 100000000", {"c"}, {I(100000000)}, {I(200000000)}},
      {"c = 10.1", {"c"}, {Dec("10.10")}, {Dec("10.11")}},
      {"c < 0.1", {"c"}, {D(static_cast<float>(0.08))}, {D(static_cast<float>(0.18))}},
      {"c < 0.1", {"c"}, {D(0.08)}, {D(0.18)}},
      {"c = b'1'", {"c"}, {U(1)}, {U(2)}},
      {"c = '2021-06-21 12:34:56'", {"c"}, {T("2021-06-21 12:34:56")}, {T("1970-01-01 00:00:01")}},
      {"c = '2021-06-21 00:00:12'", {"c"}, {T("2021-06-21 00:00:12")}, {T("1970-01-01 00:00:01")}},
      {"c = '00:00:12'", {"c"}, {T("00:00:12")}, {T("00:00:01")}},
      {"c = '2021-06-21'", {"c"}, {T("2021-06-21")}, {T("1970-01-01")}},
      {"c = '2021'", {"c"}, {I(2021)}, {I(2020)}},              // YEAR
      {"c = 'x-small'", {"c"}, {S("x-small")}, {S("small")}},   // ENUM by name
      {"find_in_set('c', c) > 0", {"c"}, {S("c,d")}, {S("d")}},  // SET by names
      {"c = x'1234'", {"c"}, {S("\x12\x34")}, {S("\x56\x78")}},   // BLOB
      {"c = 'abc'", {"c"}, {S("abc")}, {S("def")}},
      // NULL never skips unless the expression says so
      {"c > 1", {"c"}, {I(2)}, {N()}},
      {"c IS NULL OR c > 1", {"c"}, {N()}, {I(0)}},
      {"name LIKE 'test%'", {"id", "name"}, {I(1), S("TEST_user")}, {I(2), S("prod")}},
      {"id IN (1, 2, 3) AND name REGEXP '^a'", {"id", "name"}, {I(2), S("abc")}, {I(4), S("abc")}},
      {"amount BETWEEN 100 AND 200", {"amount"}, {Dec("150.00")}, {Dec("200.01")}},
  };
  for (const RowCase& c : cases) {
    auto f = ExpressionFilter::Compile({Insert(c.expr)}, false);
    ASSERT_TRUE(f.ok()) << c.expr << ": " << f.status().ToString();
    TableRef t{"test", "t"};
    ASSERT_TRUE(f->HasRules(t));
    auto skip = f->SkipInsert(t, c.cols, c.skipped);
    ASSERT_TRUE(skip.ok()) << c.expr << ": " << skip.status().ToString();
    EXPECT_TRUE(*skip) << c.expr;
    auto pass = f->SkipInsert(t, c.cols, c.passed);
    ASSERT_TRUE(pass.ok()) << c.expr << ": " << pass.status().ToString();
    EXPECT_FALSE(*pass) << c.expr;
  }
}

TEST(ExpressionFilterTest, InsertUpdateDeleteSemantics) {
  config::ExpressionFilter ins = Insert("c > 1");
  config::ExpressionFilter upd_old, upd_new, upd_both, del;
  upd_old.schema = upd_new.schema = upd_both.schema = del.schema = "test";
  upd_old.table = upd_new.table = upd_both.table = del.table = "t";
  upd_old.update_old_value_expr = "c > 1";
  upd_new.update_new_value_expr = "c > 1";
  upd_both.update_old_value_expr = "c > 1";
  upd_both.update_new_value_expr = "c > 1";
  del.delete_value_expr = "c > 1";
  const std::vector<std::string> cols = {"c"};
  const std::vector<Datum> small = {I(0)}, big = {I(2)};
  TableRef t{"test", "t"};

  auto only_insert = ExpressionFilter::Compile({ins}, false);
  ASSERT_TRUE(only_insert.ok());
  EXPECT_TRUE(*only_insert->SkipInsert(t, cols, big));
  EXPECT_FALSE(*only_insert->SkipUpdate(t, cols, big, big));  // no update rule
  EXPECT_FALSE(*only_insert->SkipDelete(t, cols, big));

  auto old_only = ExpressionFilter::Compile({upd_old}, false);
  ASSERT_TRUE(old_only.ok());
  EXPECT_TRUE(*old_only->SkipUpdate(t, cols, big, small));   // missing new side counts as TRUE
  EXPECT_FALSE(*old_only->SkipUpdate(t, cols, small, big));

  auto new_only = ExpressionFilter::Compile({upd_new}, false);
  ASSERT_TRUE(new_only.ok());
  EXPECT_FALSE(*new_only->SkipUpdate(t, cols, big, small));
  EXPECT_TRUE(*new_only->SkipUpdate(t, cols, small, big));

  auto both = ExpressionFilter::Compile({upd_both}, false);
  ASSERT_TRUE(both.ok());
  EXPECT_FALSE(*both->SkipUpdate(t, cols, big, small));
  EXPECT_FALSE(*both->SkipUpdate(t, cols, small, big));
  EXPECT_TRUE(*both->SkipUpdate(t, cols, big, big));

  auto d = ExpressionFilter::Compile({del, Insert("c < 0")}, false);
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(*d->SkipDelete(t, cols, big));
  EXPECT_FALSE(*d->SkipDelete(t, cols, small));
  EXPECT_FALSE(*d->SkipInsert(t, cols, small));
  EXPECT_TRUE(*d->SkipInsert(t, cols, {I(-5)}));

  // Several insert rules for one table: any TRUE skips.
  auto any = ExpressionFilter::Compile({Insert("c = 1"), Insert("c = 2")}, false);
  ASSERT_TRUE(any.ok());
  EXPECT_TRUE(*any->SkipInsert(t, cols, {I(1)}));
  EXPECT_TRUE(*any->SkipInsert(t, cols, {I(2)}));
  EXPECT_FALSE(*any->SkipInsert(t, cols, {I(3)}));
}

TEST(ExpressionFilterTest, TableNamesAndCase) {
  auto ci = ExpressionFilter::Compile({Insert("c = 1", "Test", "T1")}, false);
  ASSERT_TRUE(ci.ok());
  EXPECT_TRUE(ci->HasRules({"test", "t1"}));
  EXPECT_TRUE(ci->HasRules({"TEST", "T1"}));
  EXPECT_FALSE(ci->HasRules({"test", "t2"}));
  EXPECT_FALSE(ci->HasRules({"test", "t"}));  // exact names, no wildcards
  EXPECT_FALSE(*ci->SkipInsert({"other", "t1"}, {"c"}, {I(1)}));

  auto cs = ExpressionFilter::Compile({Insert("c = 1", "Test", "T1")}, true);
  ASSERT_TRUE(cs.ok());
  EXPECT_TRUE(cs->HasRules({"Test", "T1"}));
  EXPECT_FALSE(cs->HasRules({"test", "t1"}));

  ExpressionFilter none;
  EXPECT_FALSE(none.HasRules({"a", "b"}));
  EXPECT_FALSE(*none.SkipInsert({"a", "b"}, {}, {}));
}

TEST(ExpressionFilterTest, ErrorsNameRuleFieldAndPosition) {
  auto syntax = ExpressionFilter::Compile({Insert("c > > 1", "db", "tbl")}, false);
  ASSERT_FALSE(syntax.ok());
  EXPECT_EQ(syntax.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(syntax.status().message(),
            "expression-filter #1 on `db`.`tbl` insert-value-expr `c > > 1`: syntax error at position 5 near "
            "`> 1`: expected a value, column or function");

  auto now = ExpressionFilter::Compile({Insert("ts < NOW()")}, false);
  ASSERT_FALSE(now.ok());
  EXPECT_NE(now.status().message().find("function NOW() is not allowed"), std::string_view::npos);

  auto f = ExpressionFilter::Compile({Insert("missing_col = 1", "db", "tbl")}, false);
  ASSERT_TRUE(f.ok());
  auto r = f->SkipInsert({"db", "tbl"}, {"id", "name"}, {I(1), S("x")});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(r.status().message(),
            "expression-filter on `db`.`tbl` insert-value-expr `missing_col = 1`: unknown column `missing_col` "
            "(the table has columns: id, name); fix the expression or the rule's schema/table");

  auto mismatch = f->SkipInsert({"db", "tbl"}, {"id"}, {I(1), I(2)});
  ASSERT_FALSE(mismatch.ok());
  EXPECT_NE(mismatch.status().message().find("row has 2 values but 1 column names"), std::string_view::npos);

  config::ExpressionFilter none;
  none.schema = "db";
  none.table = "t";
  auto e0 = ExpressionFilter::Compile({none}, false);
  ASSERT_FALSE(e0.ok());
  EXPECT_NE(e0.status().message().find("no expression set; set exactly one of"), std::string_view::npos);
  config::ExpressionFilter two = Insert("c = 1");
  two.delete_value_expr = "c = 2";
  auto e2 = ExpressionFilter::Compile({two}, false);
  ASSERT_FALSE(e2.ok());
  EXPECT_NE(e2.status().message().find("more than one kind of expression set"), std::string_view::npos);
  auto e3 = ExpressionFilter::Compile({Insert("c = 1", "", "t")}, false);
  ASSERT_FALSE(e3.ok());
  EXPECT_NE(e3.status().message().find("schema and table are required"), std::string_view::npos);
}

}  // namespace
}  // namespace dm::rules
