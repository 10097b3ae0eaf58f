// The expression evaluator on its own: MySQL semantics for NULL, comparisons across
// types, arithmetic, LIKE/REGEXP/IN/BETWEEN/CASE, functions, and syntax errors.
#include "dm/rules/expr.h"

#include <gtest/gtest.h>

#include "dm/rules/expr_value.h"

namespace dm::rules::internal {
namespace {

Datum I(int64_t v) { Datum d; d.kind = Datum::Kind::kInt; d.i = v; return d; }
Datum U(uint64_t v) { Datum d; d.kind = Datum::Kind::kUint; d.u = v; return d; }
Datum D(double v) { Datum d; d.kind = Datum::Kind::kDouble; d.d = v; return d; }
Datum Dec(std::string v) { Datum d; d.kind = Datum::Kind::kDecimal; d.s = std::move(v); return d; }
Datum S(std::string v) { Datum d; d.kind = Datum::Kind::kString; d.s = std::move(v); return d; }
Datum T(std::string v) { Datum d; d.kind = Datum::Kind::kTemporal; d.s = std::move(v); return d; }
Datum N() { return Datum{}; }

std::string Render(const Datum& d) {
  switch (d.kind) {
    case Datum::Kind::kNull: return "NULL";
    case Datum::Kind::kInt: return std::to_string(d.i);
    case Datum::Kind::kUint: return std::to_string(d.u);
    case Datum::Kind::kDouble: return FormatDouble(d.d);
    default: return d.s;
  }
}

const std::vector<std::string> kCols = {"a", "b", "s", "n", "d", "f", "u", "dt", "dd", "tm", "Name", "weird col"};
const std::vector<Datum> kRow = {I(1),      N(),       S("abc"),       S("12abc"),
                                 Dec("10.10"), D(0.5),  U(UINT64_MAX), T("2021-06-21 12:34:56"),
                                 T("2021-06-21"), T("00:00:12"), S("Bob"), I(5)};

std::string RunExpr(std::string_view text) {
  auto e = Expr::Parse(text);
  if (!e.ok()) return "PARSE ERROR: " + std::string(e.status().message());
  auto v = e->Eval(kCols, kRow);
  if (!v.ok()) return "EVAL ERROR: " + std::string(v.status().message());
  return Render(*v);
}

struct Case {
  const char* expr;
  const char* want;
};

void RunCases(const std::vector<Case>& cases) {
  for (const Case& c : cases) EXPECT_EQ(RunExpr(c.expr), c.want) << c.expr;
}

TEST(ExprTest, NullAndThreeValuedLogic) {
  RunCases({
      {"b IS NULL", "1"},        {"b = NULL", "NULL"},      {"b <=> NULL", "1"},
      {"a <=> NULL", "0"},       {"NULL AND 0", "0"},       {"NULL AND 1", "NULL"},
      {"NULL OR 1", "1"},        {"NULL OR 0", "NULL"},     {"NOT NULL", "NULL"},
      {"NULL XOR 1", "NULL"},    {"1 XOR 1", "0"},          {"1 && 0 || 1", "1"},
      {"a IS TRUE", "1"},        {"0 IS FALSE", "1"},       {"b IS NOT NULL", "0"},
      {"b IS UNKNOWN", "1"},     {"b IS NOT TRUE", "1"},    {"b IS FALSE", "0"},
      {"b + 1", "NULL"},         {"CONCAT(s, b)", "NULL"},  {"b > 0 OR a = 1", "1"},
  });
}

TEST(ExprTest, ComparisonsAcrossTypes) {
  RunCases({
      {"s = 'ABC'", "1"},                      // case-insensitive collation
      {"s = 'abc  '", "1"},                    // PAD SPACE
      {"s < 'abd'", "1"},
      {"`Name` = 'bob'", "1"},
      {"n = 12", "1"},                         // string vs number: as doubles, numeric prefix
      {"'abc' = 0", "1"},
      {"'1e3' = 1000", "1"},
      {"d = 10.1", "1"},                       // exact decimal (DM's decimal(5,2) case)
      {"d = 10.11", "0"},
      {"0.1 + 0.2 = 0.3", "1"},
      {"f < 0.6", "1"},
      {"u > 9223372036854775807", "1"},        // unsigned vs signed, exact
      {"u = 18446744073709551615", "1"},
      {"-1 < u", "1"},
      {"s = x'616263'", "1"},                  // binary literal: byte-exact
      {"s = x'414243'", "0"},
      {"b'1' = 1", "1"},
      {"0x41 = 'A'", "1"},
      {"dt = '2021-06-21 12:34:56'", "1"},     // temporal vs string: as temporal
      {"dt > '2021-6-1'", "1"},
      {"dd = '2021-06-21 00:00:00'", "1"},
      {"dd = 20210621", "1"},                  // temporal vs number: YYYYMMDD
      {"dt = 20210621123456", "1"},
      {"tm = '00:00:12'", "1"},
      {"tm > '00:00:02'", "1"},
      {"dd = DATE '2021-06-21'", "1"},
      {"dt >= TIMESTAMP '2021-06-21 12:00:00'", "1"},
      {"1 = 1.0", "1"},
      {"'a' <> 'b'", "1"},
      {"2 != 2", "0"},
      {"3 >= 3", "1"},
  });
}

TEST(ExprTest, Arithmetic) {
  RunCases({
      {"1 + 2 * 3", "7"},          {"2 - 1 - 1", "0"},          {"a - 2", "-1"},
      {"7 / 2", "3.5000"},         {"10 / 4", "2.5000"},        {"1 / 0", "NULL"},
      {"7 DIV 2", "3"},            {"-7 DIV 2", "-3"},          {"7 DIV 0", "NULL"},
      {"7 % 3", "1"},              {"-7 % 3", "-1"},            {"7 MOD 0", "NULL"},
      {"1.5 * 2", "3.0"},          {"1e0 * 3", "3"},            {"1 + '2'", "3"},
      {"2 * f", "1"},              {"x'41' + 0", "65"},         {"d + 1", "11.10"},
      {"-9223372036854775808", "-9223372036854775808"},
      {"3 & 5", "1"},              {"3 | 5", "7"},              {"5 ^ 3", "6"},
      {"1 << 3", "8"},             {"~0", "18446744073709551615"},
      {"-(1)", "-1"},              {"- -2", "2"},
  });
  EXPECT_NE(RunExpr("u + 1").find("EVAL ERROR: BIGINT UNSIGNED value is out of range at position 3"), std::string::npos)
      << RunExpr("u + 1");
  EXPECT_NE(RunExpr("9223372036854775807 + 1").find("BIGINT value is out of range"), std::string::npos);
}

TEST(ExprTest, PredicatesAndCase) {
  RunCases({
      {"s LIKE 'a%'", "1"},             {"s LIKE 'A_C'", "1"},            {"s LIKE 'ab'", "0"},
      {R"('50%' LIKE '50\%')", "1"},    {R"('50x' LIKE '50\%')", "0"},    {"'a_b' LIKE 'a|_b' ESCAPE '|'", "1"},
      {"'axb' LIKE 'a|_b' ESCAPE '|'", "0"},  {"s NOT LIKE '%z%'", "1"},  {"b LIKE '%'", "NULL"},
      {"'h\xc3\xa9llo' LIKE 'h_llo'", "1"},  {"'aaa' LIKE '%a%a%a%'", "1"},  {"'aa' LIKE '%a%a%a%'", "0"},
      {"s REGEXP '^a.c$'", "1"},        {"s REGEXP 'B'", "1"},            {"s NOT REGEXP 'z'", "1"},
      {"s RLIKE '^b'", "0"},            {"b REGEXP 'a'", "NULL"},         {"s REGEXP CONCAT('^', 'a')", "1"},
      {"a IN (1, 2)", "1"},             {"a IN (2, 3)", "0"},             {"a IN (2, NULL)", "NULL"},
      {"a NOT IN (2, NULL)", "NULL"},   {"a NOT IN (2, 3)", "1"},         {"b IN (1)", "NULL"},
      {"s IN ('x', 'ABC')", "1"},       {"a IN (1, NULL)", "1"},
      {"a BETWEEN 0 AND 2", "1"},       {"a NOT BETWEEN 0 AND 2", "0"},   {"a BETWEEN 2 AND NULL", "0"},
      {"a BETWEEN 0 AND NULL", "NULL"}, {"5 BETWEEN 1 AND 10 AND 1", "1"},
      {"dt BETWEEN '2021-01-01' AND '2021-12-31 23:59:59'", "1"},
      {"CASE a WHEN 1 THEN 'one' ELSE 'other' END", "one"},
      {"CASE WHEN b IS NULL THEN 'null' END", "null"},
      {"CASE a WHEN 2 THEN 'x' END", "NULL"},
      {"CASE WHEN a > 5 THEN 'big' WHEN a > 0 THEN 'small' ELSE 'neg' END", "small"},
      {"NOT 1 = 2", "1"},               {"!1 = 2", "0"},                  {"1 = 1 OR 1 = 2 AND 0", "1"},
  });
}

TEST(ExprTest, Functions) {
  RunCases({
      {"ABS(-3)", "3"},                          {"ABS(-2.50)", "2.50"},
      {"LENGTH('h\xc3\xa9llo')", "6"},           {"CHAR_LENGTH('h\xc3\xa9llo')", "5"},
      {"LOWER('AbC')", "abc"},                   {"UPPER(s)", "ABC"},
      {"CONCAT(s, a, 1.50)", "abc11.50"},        {"CONCAT_WS('-', s, b, a)", "abc-1"},
      {"SUBSTRING('Quadratically', 5)", "ratically"},
      {"SUBSTRING('Quadratically', 5, 6)", "ratica"},
      {"SUBSTRING('Sakila', -3)", "ila"},        {"SUBSTRING('Sakila' FROM -5 FOR 3)", "aki"},
      {"SUBSTR(s, 2)", "bc"},                    {"MID(s, 0)", ""},
      {"LEFT(s, 2)", "ab"},                      {"RIGHT(s, 2)", "bc"},
      {"TRIM('  bar   ')", "bar"},               {"TRIM(LEADING 'x' FROM 'xxxbarxxx')", "barxxx"},
      {"TRIM(BOTH 'x' FROM 'xxxbarxxx')", "bar"}, {"TRIM(TRAILING 'xyz' FROM 'barxxyz')", "barx"},
      {"TRIM('x' FROM 'xbarx')", "bar"},          {"LTRIM('  a ')", "a "},  {"RTRIM(' a  ')", " a"},
      {"REPLACE('www.mysql.com', 'w', 'Ww')", "WwWwWw.mysql.com"},
      {"COALESCE(b, NULL, 3)", "3"},             {"IFNULL(b, 'd')", "d"},
      {"IF(a = 1, 'y', 'n')", "y"},              {"IF(b, 'y', 'n')", "n"},
      {"NULLIF(1, 1)", "NULL"},                  {"NULLIF(1, 2)", "1"},  {"ISNULL(b)", "1"},
      {"ROUND(-1.23)", "-1"},                    {"ROUND(-1.58)", "-2"},
      {"ROUND(1.298, 1)", "1.3"},                {"ROUND(1.298, 0)", "1"},
      {"ROUND(23.298, -1)", "20"},               {"ROUND(2.5)", "3"},  {"ROUND(25E-1)", "2"},
      {"ROUND(155, -1)", "160"},                 {"TRUNCATE(1.999, 1)", "1.9"},
      {"FLOOR(1.23)", "1"},                      {"FLOOR(-1.23)", "-2"},
      {"CEIL(1.23)", "2"},                       {"CEILING(-1.23)", "-1"},  {"FLOOR(f)", "0"},
      {"MOD(234, 10)", "4"},                     {"MOD(29, 9)", "2"},  {"SIGN(-5)", "-1"},
      {"FIND_IN_SET('b', 'a,b,c,d')", "2"},      {"FIND_IN_SET('c', 'a,b')", "0"},
      {"YEAR(dt)", "2021"},                      {"MONTH(dd)", "6"},  {"DAY(dt)", "21"},
      {"DAYOFMONTH('2020-02-29')", "29"},        {"HOUR(dt)", "12"},  {"MINUTE(dt)", "34"},
      {"SECOND(tm)", "12"},                      {"DATE(dt)", "2021-06-21"},
      {"DATE(dt) = '2021-06-21'", "1"},          {"YEAR('not a date')", "NULL"},
      {"year(DT) = 2021", "1"},                  // names are case-insensitive
  });
}

TEST(ExprTest, ColumnsAndIdentifiers) {
  RunCases({
      {"name = 'BOB'", "1"},
      {"`weird col` = 5", "1"},
      {"t.a = 1", "1"},        // qualifier ignored
      {"`t`.`a` + 1", "2"},
  });
  EXPECT_EQ(RunExpr("zz > 1"),
            "EVAL ERROR: unknown column `zz` (the table has columns: a, b, s, n, d, f, u, dt, dd, tm, Name, "
            "weird col); fix the expression or the rule's schema/table");
}

TEST(ExprTest, SyntaxErrorsSayWhereAndWhat) {
  struct Bad {
    const char* expr;
    const char* want;
  } bad[] = {
      {"a >", "syntax error at position 4 near end of expression: the expression ends too early"},
      {"a = 'x", "syntax error at position 5 near `'x`: unterminated string"},
      {"(a = 1", "expected `)` to close `(`"},
      {"a = 1 b", "syntax error at position 7 near `b`: unexpected token"},
      {"NOW() > dt", "function NOW() is not allowed"},
      {"dt < CURRENT_TIMESTAMP", "function CURRENT_TIMESTAMP() is not allowed"},
      {"RAND() < 0.5", "function RAND() is not allowed"},
      {"FOO(a)", "unknown function `FOO`; supported functions: ABS"},
      {"ABS(1, 2)", "ABS() takes 1 argument(s), got 2"},
      {"c->'$.id' = 1", "JSON operators"},
      {"a REGEXP '('", "invalid regular expression `(`"},
      {"a IS 5", "expected NULL, TRUE, FALSE or UNKNOWN after IS"},
      {"CAST(a AS CHAR)", "CAST() is not supported"},
      {"a BETWEEN 1 OR 2", "expected AND in BETWEEN"},
      {"CASE a THEN 1 END", "expected WHEN in CASE"},
      {"a = 1abc", "a number runs into a name"},
      {"a = x'4'", "even number of hex digits"},
      {"a = AND", "unexpected keyword AND"},
      {"@x = 1", "variables are not supported"},
      {"", "the expression ends too early"},
      {"a # 1", "unexpected character `#`"},
  };
  for (const Bad& b : bad) {
    auto e = Expr::Parse(b.expr);
    ASSERT_FALSE(e.ok()) << b.expr;
    EXPECT_EQ(e.status().code(), Code::kInvalidArgument);
    EXPECT_NE(e.status().message().find(b.want), std::string_view::npos) << b.expr << " -> " << e.status().message();
  }
}

TEST(ExprTest, TruthinessOfResults) {
  auto t = [](const char* text) {
    auto e = Expr::Parse(text);
    EXPECT_TRUE(e.ok()) << text;
    auto r = e->IsTrue(kCols, kRow);
    EXPECT_TRUE(r.ok()) << text;
    return *r;
  };
  EXPECT_TRUE(t("a"));
  EXPECT_TRUE(t("2"));       // MySQL truthiness: non-zero
  EXPECT_FALSE(t("b"));      // NULL is not true
  EXPECT_FALSE(t("0.0"));
  EXPECT_FALSE(t("'abc'"));  // string -> 0
  EXPECT_TRUE(t("'1x'"));
}

TEST(DecimalTest, ParseFormatAndArithmetic) {
  auto d = ParseDec("-0012.3400");
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(DecToString(*d), "-12.3400");
  EXPECT_EQ(DecToString(*ParseDec(".5")), "0.5");
  EXPECT_FALSE(ParseDec("1.2.3").has_value());
  EXPECT_FALSE(ParseDec("123456789012345678901234567890123456789").has_value());  // 39 digits
  EXPECT_EQ(DecCompare(*ParseDec("10.10"), *ParseDec("10.1")), 0);
  EXPECT_EQ(DecToString(*DecDiv(*ParseDec("1"), *ParseDec("3"))), "0.3333");
  EXPECT_EQ(DecToString(*DecDiv(*ParseDec("2"), *ParseDec("3"))), "0.6667");
  EXPECT_EQ(DecToString(*DecMul(*ParseDec("1.5"), *ParseDec("-0.25"))), "-0.375");
}

}  // namespace
}  // namespace dm::rules::internal
