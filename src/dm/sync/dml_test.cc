// SQL generation: literals, quoting of odd identifiers, statements, safe mode,
// multi-row merging and compaction.
#include "dm/sync/dml.h"

#include <gtest/gtest.h>

#include "dm/mysql/connection.h"

namespace dm::sync {
namespace {

using binlog::ValueKind;

std::shared_ptr<TableMeta> MakeTable(std::string schema, std::string table,
                                     std::vector<std::string> cols, std::vector<int> key,
                                     bool single_uk = true) {
  auto t = std::make_shared<TableMeta>();
  t->target_schema = schema;
  t->target_table = table;
  t->quoted = mysql::QuoteTable(schema, table);
  for (auto& c : cols) {
    ColumnMeta m;
    m.name = c;
    m.quoted = mysql::QuoteIdentifier(c);
    t->columns.push_back(m);
  }
  t->upstream_columns = t->columns.size();
  t->handle_key = key;
  if (!key.empty()) t->unique_keys.push_back(key);
  t->single_unique_key = single_uk && !key.empty();
  return t;
}

Literal L(std::string s) { return Literal{std::move(s), false}; }
Literal Null() { return Literal{"NULL", true}; }

RowChange Ins(std::shared_ptr<const TableMeta> t, std::vector<Literal> after, uint32_t row = 1) {
  RowChange r;
  r.table = std::move(t);
  r.kind = RowKind::kInsert;
  r.after = std::move(after);
  r.stamp.row = row;
  return r;
}
RowChange Del(std::shared_ptr<const TableMeta> t, std::vector<Literal> before, uint32_t row = 1) {
  RowChange r;
  r.table = std::move(t);
  r.kind = RowKind::kDelete;
  r.before = std::move(before);
  r.stamp.row = row;
  return r;
}
RowChange Upd(std::shared_ptr<const TableMeta> t, std::vector<Literal> before,
              std::vector<Literal> after, uint32_t row = 1) {
  RowChange r;
  r.table = std::move(t);
  r.kind = RowKind::kUpdate;
  r.before = std::move(before);
  r.after = std::move(after);
  r.stamp.row = row;
  return r;
}

std::vector<std::string> Gen(const std::vector<RowChange>& rows, DmlOptions o = {}) {
  std::vector<const RowChange*> p;
  for (auto& r : rows) p.push_back(&r);
  std::vector<std::string> out;
  GenerateStatements(p, o, &out);
  return out;
}

TEST(RenderLiteral, EscapesTextAndUsesHexForBinaryAndOtherCharsets) {
  binlog::ColumnInfo bc;
  ColumnMeta text;
  text.name = "t";
  text.literal = LiteralKind::kText;
  text.charset = "utf8mb4";
  binlog::Value v;
  v.kind = ValueKind::kString;
  std::string raw("it's a \\ \"q\"\n\r\x1a", 15);
  raw.push_back('\0');
  v.bytes = raw;
  Literal out;
  ASSERT_TRUE(RenderLiteral(v, bc, text, &out).ok());
  EXPECT_EQ(out.text, "'it\\'s a \\\\ \\\"q\\\"\\n\\r\\Z\\0'");

  std::string bad = "\xff\xfe";  // not UTF-8: exact bytes through a hex literal
  v.bytes = bad;
  ASSERT_TRUE(RenderLiteral(v, bc, text, &out).ok());
  EXPECT_EQ(out.text, "_utf8mb4 X'fffe'");

  ColumnMeta latin1 = text;
  latin1.charset = "latin1";
  std::string e = "caf\xe9";
  v.bytes = e;
  ASSERT_TRUE(RenderLiteral(v, bc, latin1, &out).ok());
  EXPECT_EQ(out.text, "_latin1 X'636166e9'");

  ColumnMeta bin;
  bin.literal = LiteralKind::kBinary;
  bin.binary_pad = 4;
  v.bytes = std::string_view("\x01\x02", 2);
  ASSERT_TRUE(RenderLiteral(v, bc, bin, &out).ok());
  EXPECT_EQ(out.text, "X'01020000'");

  v.bytes = "";
  ASSERT_TRUE(RenderLiteral(v, bc, text, &out).ok());
  EXPECT_EQ(out.text, "''");
}

TEST(RenderLiteral, NumbersNullTemporalAndUnsignedFixup) {
  binlog::ColumnInfo bc;
  bc.type = binlog::ColumnType::kTiny;
  ColumnMeta c;
  c.name = "n";
  c.is_unsigned = true;
  binlog::Value v;
  v.kind = ValueKind::kInt;
  v.type = binlog::ColumnType::kTiny;
  v.i = -1;  // decoded as signed without SIGNEDNESS metadata
  Literal out;
  ASSERT_TRUE(RenderLiteral(v, bc, c, &out).ok());
  EXPECT_EQ(out.text, "255");
  bc.type = binlog::ColumnType::kLongLong;
  v.type = binlog::ColumnType::kLongLong;
  ASSERT_TRUE(RenderLiteral(v, bc, c, &out).ok());
  EXPECT_EQ(out.text, "18446744073709551615");
  c.is_unsigned = false;
  ASSERT_TRUE(RenderLiteral(v, bc, c, &out).ok());
  EXPECT_EQ(out.text, "-1");

  v.kind = ValueKind::kNull;
  ASSERT_TRUE(RenderLiteral(v, bc, c, &out).ok());
  EXPECT_TRUE(out.null);

  v.kind = ValueKind::kDate;
  v.dt = {2024, 2, 29, 0, 0, 0};
  ASSERT_TRUE(RenderLiteral(v, bc, c, &out).ok());
  EXPECT_EQ(out.text, "'2024-02-29'");

  v.kind = ValueKind::kMissing;
  Status s = RenderLiteral(v, bc, c, &out);
  EXPECT_EQ(s.code(), Code::kNotSupported);
  EXPECT_NE(s.message().find("binlog_row_image=FULL"), std::string_view::npos);
}

TEST(GenerateStatements, QuotesOddIdentifiersEverywhere) {
  auto t = MakeTable("we`ird db", "ta ble`", {"i`d", "na me", "sel;ect"}, {0});
  auto ins = Gen({Ins(t, {L("1"), L("'a'"), Null()})});
  ASSERT_EQ(ins.size(), 1u);
  EXPECT_EQ(ins[0],
            "INSERT INTO `we``ird db`.`ta ble``` (`i``d`,`na me`,`sel;ect`) VALUES (1,'a',NULL)");
  auto del = Gen({Del(t, {L("1"), L("'a'"), Null()})});
  EXPECT_EQ(del[0], "DELETE FROM `we``ird db`.`ta ble``` WHERE `i``d` = 1");
  auto upd = Gen({Upd(t, {L("1"), L("'a'"), Null()}, {L("1"), L("'b'"), L("3")})});
  EXPECT_EQ(upd[0], "UPDATE `we``ird db`.`ta ble``` SET `na me`='b',`sel;ect`=3 WHERE `i``d` = 1");
}

TEST(GenerateStatements, KeylessTablesMatchAllColumnsExactlyWithLimit) {
  auto t = MakeTable("s", "k", {"a", "b", "f", "g"}, {});
  t->columns[1].literal = LiteralKind::kText;
  t->columns[2].in_where = false;  // FLOAT
  t->columns[3].generated = true;
  auto del = Gen({Del(t, {L("1"), L("'x'"), L("1.5"), L("9")})});
  EXPECT_EQ(del[0], "DELETE FROM `s`.`k` WHERE `a` = 1 AND `b` = BINARY 'x' LIMIT 1");
  auto del2 = Gen({Del(t, {Null(), Null(), L("1.5"), L("9")})});
  EXPECT_EQ(del2[0], "DELETE FROM `s`.`k` WHERE `a` IS NULL AND `b` IS NULL LIMIT 1");
  auto ins = Gen({Ins(t, {L("1"), L("'x'"), L("1.5"), L("9")})});
  EXPECT_EQ(ins[0], "INSERT INTO `s`.`k` (`a`,`b`,`f`) VALUES (1,'x',1.5)");
  auto upd = Gen({Upd(t, {L("1"), L("'x'"), L("1.5"), L("9")}, {L("2"), L("'x'"), L("1.5"), L("9")})});
  EXPECT_EQ(upd[0], "UPDATE `s`.`k` SET `a`=2 WHERE `a` = 1 AND `b` = BINARY 'x' LIMIT 1");
  // An UPDATE that changes nothing writable is dropped.
  EXPECT_TRUE(Gen({Upd(t, {L("1"), L("'x'"), L("1.5"), L("9")}, {L("1"), L("'x'"), L("1.5"), L("8")})}).empty());
}

TEST(GenerateStatements, SafeModeRewrites) {
  auto t = MakeTable("s", "t", {"id", "v"}, {0});
  DmlOptions o;
  o.safe_mode = true;
  auto s = Gen({Ins(t, {L("1"), L("2")}), Upd(t, {L("1"), L("2")}, {L("1"), L("3")}),
                Del(t, {L("1"), L("3")})},
               o);
  ASSERT_EQ(s.size(), 4u);
  EXPECT_EQ(s[0], "REPLACE INTO `s`.`t` (`id`,`v`) VALUES (1,2)");
  EXPECT_EQ(s[1], "DELETE FROM `s`.`t` WHERE `id` = 1");
  EXPECT_EQ(s[2], "REPLACE INTO `s`.`t` (`id`,`v`) VALUES (1,3)");
  EXPECT_EQ(s[3], "DELETE FROM `s`.`t` WHERE `id` = 1");
}

TEST(GenerateStatements, MultipleRowsMergesConsecutiveRunsOnly) {
  auto t = MakeTable("s", "t", {"id", "v"}, {0});
  auto u = MakeTable("s", "u", {"id", "v"}, {0});
  DmlOptions o;
  o.multiple_rows = true;
  auto s = Gen({Ins(t, {L("1"), L("1")}), Ins(t, {L("2"), L("2")}), Ins(u, {L("3"), L("3")}),
                Del(t, {L("1"), L("1")}), Del(t, {L("2"), L("2")}),
                Upd(t, {L("5"), L("1")}, {L("5"), L("2")}), Upd(t, {L("6"), L("1")}, {L("6"), L("2")})},
               o);
  ASSERT_EQ(s.size(), 4u);
  EXPECT_EQ(s[0], "INSERT INTO `s`.`t` (`id`,`v`) VALUES (1,1),(2,2)");
  EXPECT_EQ(s[1], "INSERT INTO `s`.`u` (`id`,`v`) VALUES (3,3)");
  EXPECT_EQ(s[2], "DELETE FROM `s`.`t` WHERE (`id`) IN ((1),(2))");
  EXPECT_EQ(s[3],
            "INSERT INTO `s`.`t` (`id`,`v`) VALUES (5,2),(6,2) ON DUPLICATE KEY UPDATE "
            "`id`=VALUES(`id`),`v`=VALUES(`v`)");
}

TEST(Compact, MergesPerKeyAsDmDoes) {
  auto t = MakeTable("s", "t", {"id", "v"}, {0});
  std::vector<RowChange> rows;
  rows.push_back(Ins(t, {L("1"), L("a")}, 1));
  rows.push_back(Upd(t, {L("1"), L("a")}, {L("1"), L("b")}, 2));  // -> INSERT (1,b)
  rows.push_back(Ins(t, {L("2"), L("x")}, 3));
  rows.push_back(Del(t, {L("2"), L("x")}, 4));                     // -> DELETE 2
  rows.push_back(Upd(t, {L("3"), L("p")}, {L("3"), L("q")}, 5));
  rows.push_back(Upd(t, {L("3"), L("q")}, {L("3"), L("r")}, 6));  // -> UPDATE p->r
  rows.push_back(Del(t, {L("4"), L("m")}, 7));
  rows.push_back(Ins(t, {L("4"), L("n")}, 8));                     // -> UPDATE m->n
  auto out = Compact(std::move(rows));
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[0].kind, RowKind::kInsert);
  EXPECT_EQ(out[0].after[1].text, "b");
  EXPECT_EQ(out[0].stamp.row, 2u);
  EXPECT_EQ(out[1].kind, RowKind::kDelete);
  EXPECT_EQ(out[2].kind, RowKind::kUpdate);
  EXPECT_EQ(out[2].before[1].text, "p");
  EXPECT_EQ(out[2].after[1].text, "r");
  EXPECT_EQ(out[3].kind, RowKind::kUpdate);
  EXPECT_EQ(out[3].before[1].text, "m");
  EXPECT_EQ(out[3].after[1].text, "n");
}

TEST(Compact, KeyChangingUpdateAndKeylessTablesAreNotMerged) {
  auto t = MakeTable("s", "t", {"id", "v"}, {0});
  auto k = MakeTable("s", "k", {"a"}, {});
  std::vector<RowChange> rows;
  rows.push_back(Ins(t, {L("1"), L("a")}, 1));
  rows.push_back(Upd(t, {L("1"), L("a")}, {L("2"), L("a")}, 2));  // key 1 -> 2
  rows.push_back(Upd(t, {L("2"), L("a")}, {L("2"), L("b")}, 3));  // must stay after it
  rows.push_back(Ins(k, {L("7")}, 4));
  rows.push_back(Del(k, {L("7")}, 5));
  auto out = Compact(std::move(rows));
  ASSERT_EQ(out.size(), 5u);
  EXPECT_EQ(out[1].after[0].text, "2");
  EXPECT_EQ(out[2].after[1].text, "b");
}

}  // namespace
}  // namespace dm::sync
