#include "dm/dump/chunk.h"

#include <gtest/gtest.h>

namespace dm::dump {
namespace {

schema::Column Col(std::string name, std::string type, bool nullable = false, std::string charset = "") {
  schema::Column c;
  c.name = std::move(name);
  c.data_type = std::move(type);
  c.nullable = nullable;
  c.charset = std::move(charset);
  return c;
}

schema::TableInfo Table(std::vector<schema::Column> cols, std::vector<schema::Index> idx) {
  schema::TableInfo t;
  t.schema = "db";
  t.table = "t";
  t.columns = std::move(cols);
  t.indexes = std::move(idx);
  return t;
}

TEST(ChunkTest, KeySelection) {
  auto pk = schema::Index{"PRIMARY", true, true, {"a", "b"}};
  auto t = Table({Col("a", "int"), Col("b", "varchar", false, "utf8mb4"), Col("c", "text")}, {pk});
  auto key = ChunkKeyColumns(t);
  ASSERT_EQ(key.size(), 2u);
  EXPECT_EQ(key[0].name, "a");
  EXPECT_EQ(key[1].name, "b");

  // No key, nullable unique key only, FLOAT / ENUM keys: whole table.
  EXPECT_TRUE(ChunkKeyColumns(Table({Col("a", "int")}, {})).empty());
  EXPECT_TRUE(ChunkKeyColumns(Table({Col("a", "int", true)}, {{"uk", false, true, {"a"}}})).empty());
  EXPECT_TRUE(ChunkKeyColumns(Table({Col("a", "float")}, {{"PRIMARY", true, true, {"a"}}})).empty());
  EXPECT_TRUE(ChunkKeyColumns(Table({Col("a", "enum")}, {{"PRIMARY", true, true, {"a"}}})).empty());
  // A NOT NULL unique key is used when there is no primary key.
  auto uk = ChunkKeyColumns(Table({Col("a", "int", true), Col("d", "datetime")},
                                  {{"u1", false, true, {"a"}}, {"u2", false, true, {"d"}}}));
  ASSERT_EQ(uk.size(), 1u);
  EXPECT_EQ(uk[0].name, "d");
}

TEST(ChunkTest, SplitIntegerRange) {
  auto b = SplitIntegerRange("1", "100", 4);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(*b, (std::vector<std::string>{"26", "51", "76"}));
  // Extremes of signed and unsigned BIGINT do not overflow.
  b = SplitIntegerRange("-9223372036854775808", "9223372036854775807", 2);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(*b, (std::vector<std::string>{"0"}));
  b = SplitIntegerRange("0", "18446744073709551615", 2);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(*b, (std::vector<std::string>{"9223372036854775808"}));
  // Narrow ranges give fewer chunks; one chunk or an empty range gives none.
  b = SplitIntegerRange("5", "7", 10);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(*b, (std::vector<std::string>{"6", "7"}));
  EXPECT_TRUE(SplitIntegerRange("1", "100", 1)->empty());
  EXPECT_TRUE(SplitIntegerRange("5", "5", 3)->empty());
  EXPECT_FALSE(SplitIntegerRange("x", "5", 3).ok());
  EXPECT_FALSE(SplitIntegerRange("1.5", "5", 3).ok());
}

TEST(ChunkTest, Predicates) {
  std::vector<schema::Column> key = {Col("a", "int"), Col("b`", "varchar", false, "utf8mb4")};
  KeyBound lo = {"1", KeyLiteral(key[1], "x")};
  KeyBound hi = {"5", KeyLiteral(key[1], "y'z")};
  EXPECT_EQ(ChunkPredicate(key, std::nullopt, std::nullopt), "");
  EXPECT_EQ(ChunkPredicate(key, lo, std::nullopt),
            "(`a` > 1 OR (`a` = 1 AND `b``` >= _utf8mb4 0x78))");
  EXPECT_EQ(ChunkPredicate(key, std::nullopt, hi),
            "(`a` < 5 OR (`a` = 5 AND `b``` < _utf8mb4 0x79277A))");
  EXPECT_EQ(ChunkPredicate({key[0]}, KeyBound{"1"}, KeyBound{"5"}), "`a` >= 1 AND `a` < 5");
}

TEST(ChunkTest, KeyLiterals) {
  EXPECT_EQ(KeyLiteral(Col("a", "bigint"), "-5"), "-5");
  EXPECT_EQ(KeyLiteral(Col("a", "decimal"), "1.50"), "1.50");
  EXPECT_EQ(KeyLiteral(Col("a", "datetime"), "2024-01-01 00:00:00.5"), "'2024-01-01 00:00:00.5'");
  EXPECT_EQ(KeyLiteral(Col("a", "varbinary"), std::string("\0'", 2)), "0x0027");
  EXPECT_EQ(KeyLiteral(Col("a", "varbinary"), ""), "''");
  EXPECT_EQ(KeyLiteral(Col("a", "char", false, "latin1"), ""), "_latin1 ''");
}

}  // namespace
}  // namespace dm::dump
