#include "dm/dump/sql_value.h"

#include <gtest/gtest.h>

namespace dm::dump {
namespace {

schema::Column Col(std::string type, std::string charset = "") {
  schema::Column c;
  c.name = "c`x";
  c.data_type = std::move(type);
  c.charset = std::move(charset);
  return c;
}

TEST(SqlValueTest, ClassifiesTypes) {
  EXPECT_EQ(ClassifyColumn(Col("bigint")), ValueKind::kNumber);
  EXPECT_EQ(ClassifyColumn(Col("decimal")), ValueKind::kNumber);
  EXPECT_EQ(ClassifyColumn(Col("year")), ValueKind::kNumber);
  EXPECT_EQ(ClassifyColumn(Col("float")), ValueKind::kFloat);
  EXPECT_EQ(ClassifyColumn(Col("double")), ValueKind::kFloat);
  EXPECT_EQ(ClassifyColumn(Col("bit")), ValueKind::kIndex);
  EXPECT_EQ(ClassifyColumn(Col("enum", "utf8mb4")), ValueKind::kIndex);
  EXPECT_EQ(ClassifyColumn(Col("set", "utf8mb4")), ValueKind::kIndex);
  EXPECT_EQ(ClassifyColumn(Col("varbinary")), ValueKind::kBinary);
  EXPECT_EQ(ClassifyColumn(Col("longblob")), ValueKind::kBinary);
  EXPECT_EQ(ClassifyColumn(Col("point")), ValueKind::kBinary);
  EXPECT_EQ(ClassifyColumn(Col("geometry")), ValueKind::kBinary);
  EXPECT_EQ(ClassifyColumn(Col("json")), ValueKind::kJson);
  EXPECT_EQ(ClassifyColumn(Col("varchar", "latin1")), ValueKind::kString);
  EXPECT_EQ(ClassifyColumn(Col("datetime")), ValueKind::kString);
  EXPECT_EQ(ClassifyColumn(Col("inet6")), ValueKind::kText);
  EXPECT_EQ(ClassifyColumn(Col("inet4")), ValueKind::kText);
  EXPECT_EQ(ClassifyColumn(Col("uuid")), ValueKind::kText);
  EXPECT_EQ(ClassifyColumn(Col("char", "binary")), ValueKind::kBinary);
}

TEST(SqlValueTest, SelectExpressions) {
  EXPECT_EQ(SelectExpression(Col("float")), "`c``x` + 0e0");
  EXPECT_EQ(SelectExpression(Col("bit")), "CAST(`c``x` + 0 AS UNSIGNED)");
  EXPECT_EQ(SelectExpression(Col("enum")), "CAST(`c``x` + 0 AS UNSIGNED)");
  EXPECT_EQ(SelectExpression(Col("varchar")), "`c``x`");
}

TEST(SqlValueTest, EscapesEverySpecialByte) {
  std::string out;
  AppendQuotedString(&out, std::string("a\0b'c\"d\\e\nf\rg\x1ah`i%_", 19));
  EXPECT_EQ(out, "'a\\0b\\'c\\\"d\\\\e\\nf\\rg\\Zh`i%_'");
  out.clear();
  AppendQuotedString(&out, "");
  EXPECT_EQ(out, "''");
  // Multi-byte text is copied byte for byte.
  out.clear();
  AppendQuotedString(&out, "é😀\x95\x5c");  // sjis 0x955C: the 0x5C byte is escaped
  EXPECT_EQ(out, "'é😀\x95\\\\'");
}

TEST(SqlValueTest, HexLiterals) {
  std::string out;
  AppendHexLiteral(&out, std::string("\x00\xff\x27\x5c", 4));
  EXPECT_EQ(out, "0x00FF275C");
  out.clear();
  AppendHexLiteral(&out, "");
  EXPECT_EQ(out, "''");
}

TEST(SqlValueTest, ValuesByKind) {
  std::string out;
  AppendValue(&out, ValueKind::kNumber, "-12.50");
  out += ',';
  AppendValue(&out, ValueKind::kFloat, "1.7976931348623157e308");
  out += ',';
  AppendValue(&out, ValueKind::kIndex, "18446744073709551615");
  out += ',';
  AppendValue(&out, ValueKind::kString, "it's");
  out += ',';
  AppendValue(&out, ValueKind::kText, "::1");
  out += ',';
  AppendValue(&out, ValueKind::kBinary, "AB");
  out += ',';
  AppendValue(&out, ValueKind::kJson, "{\"a\": 1}");
  EXPECT_EQ(out, "-12.50,1.7976931348623157e308,18446744073709551615,'it\\'s',_utf8mb4'::1',0x4142,"
                 "CONVERT('{\\\"a\\\": 1}' USING utf8mb4)");
}

}  // namespace
}  // namespace dm::dump
