#include "dm/binlog/decoder.h"

#include <gtest/gtest.h>

#include <random>

#include "dm/binlog/file_splitter.h"
#include "dm/binlog/test_events.h"
#include "dm/binlog/row_reader.h"
#include "dm/binlog/table_map.h"
#include "dm/binlog/trx_boundary.h"

namespace dm::binlog {
namespace {

using test_events::MakeEvent;
using test_events::MariaFde;

TEST(DecoderTest, ShortInputIsCorruption) {
  Decoder d;
  Event e;
  EXPECT_TRUE(d.Decode("abc", &e).IsCorruption());
}

TEST(DecoderTest, FormatDescriptionSetsChecksumAndFlavor) {
  Decoder d;
  Event e;
  ASSERT_TRUE(d.Decode(MariaFde(true), &e).ok());
  ASSERT_NE(d.format(), nullptr);
  EXPECT_EQ(d.format()->flavor, ServerFlavor::kMariaDB);
  EXPECT_EQ(d.checksum(), ChecksumAlg::kCrc32);
  // XID with a correct CRC decodes; one flipped bit is detected.
  std::string body(8, '\0');
  body[0] = 42;
  std::string xid = MakeEvent(EventType::kXid, body, true, 100);
  ASSERT_TRUE(d.Decode(xid, &e).ok());
  EXPECT_EQ(e.As<XidEvent>()->xid, 42u);
  xid[20] ^= 1;
  Status s = d.Decode(xid, &e);
  EXPECT_TRUE(s.IsCorruption());
  EXPECT_NE(s.ToString().find("CRC32"), std::string::npos) << s.ToString();
}

TEST(DecoderTest, UnknownEventNeedsIgnorableFlag) {
  Decoder d;
  Event e;
  ASSERT_TRUE(d.Decode(MariaFde(false), &e).ok());
  std::string ev = MakeEvent(static_cast<EventType>(99), "xyz", false, 500);
  Status s = d.Decode(ev, &e);
  EXPECT_TRUE(s.IsNotSupported());
  EXPECT_NE(s.ToString().find("99"), std::string::npos);
  ev[17] = static_cast<char>(kLogEventIgnorable);
  ASSERT_TRUE(d.Decode(ev, &e).ok());
  EXPECT_NE(e.As<SkippedEvent>(), nullptr);
}

TEST(DecoderTest, GtidListCountIsBounded) {
  Decoder d;
  Event e;
  ASSERT_TRUE(d.Decode(MariaFde(false), &e).ok());
  std::string body = "\xff\xff\xff\x0f";  // count 2^28-1 but no entries
  Status s = d.Decode(MakeEvent(EventType::kMariaGtidList, body, false), &e);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
}

TEST(DecoderTest, RowsWithoutTableMapAreRefusedWithHint) {
  Decoder d;
  Event e;
  ASSERT_TRUE(d.Decode(MariaFde(false), &e).ok());
  std::string body("\x21\0\0\0\0\0\x01\0\x01\xff\x00\x05\0\0\0", 15);
  Status s = d.Decode(MakeEvent(EventType::kWriteRowsV1, body, false, 9), &e);
  EXPECT_TRUE(s.IsCorruption());
  EXPECT_NE(s.ToString().find("transaction boundary"), std::string::npos) << s.ToString();
}

// Column-level decoding against bytes derived by hand from the MySQL formats.
Value DecodeOne(ColumnType type, uint16_t meta, std::string bytes, bool is_unsigned = false) {
  ColumnInfo c;
  c.type = type;
  c.meta = meta;
  c.is_unsigned = is_unsigned;
  ByteReader r(bytes);
  Value v;
  Status s = DecodeColumnValue(r, c, &v);
  EXPECT_TRUE(s.ok()) << s.ToString();
  EXPECT_TRUE(r.empty());
  return v;
}

std::string Text(const Value& v) {
  std::string t;
  EXPECT_TRUE(AppendValueText(v, &t).ok());
  return t;
}

TEST(ColumnValueTest, Integers) {
  EXPECT_EQ(Text(DecodeOne(ColumnType::kTiny, 0, "\xff")), "-1");
  EXPECT_EQ(Text(DecodeOne(ColumnType::kTiny, 0, "\xff", true)), "255");
  EXPECT_EQ(Text(DecodeOne(ColumnType::kInt24, 0, std::string("\x00\x00\x80", 3))), "-8388608");
  EXPECT_EQ(Text(DecodeOne(ColumnType::kLongLong, 0, std::string(8, '\xff'), true)),
            "18446744073709551615");
}

TEST(ColumnValueTest, Time2NegativeFractions) {
  // TIME(1) '-00:00:00.1': intpart 0x800000-1 with fraction byte 0x100-10.
  EXPECT_EQ(Text(DecodeOne(ColumnType::kTime2, 1, std::string("\x7f\xff\xff\xf6", 4))),
            "-00:00:00.1");
  // TIME(0) '-838:59:59'.
  EXPECT_EQ(Text(DecodeOne(ColumnType::kTime2, 0, std::string("\x4b\x91\x05", 3))), "-838:59:59");
}

TEST(ColumnValueTest, DateTime2AndTimestamp2) {
  // DATETIME(0) 2024-02-29 12:34:56: ym = 2024*13+2, packed bits below.
  uint64_t ym = 2024 * 13 + 2;
  uint64_t v = (ym << 22) | (29ull << 17) | (12ull << 12) | (34ull << 6) | 56ull;
  v += 0x8000000000ull;
  std::string b;
  for (int i = 4; i >= 0; --i) b.push_back(static_cast<char>(v >> (8 * i)));
  EXPECT_EQ(Text(DecodeOne(ColumnType::kDateTime2, 0, b)), "2024-02-29 12:34:56");
  // TIMESTAMP(3) 1 second + 5 ms after the epoch.
  EXPECT_EQ(Text(DecodeOne(ColumnType::kTimestamp2, 3, std::string("\0\0\0\x01\x00\x32", 6))),
            "1970-01-01 00:00:01.005");
}

TEST(ColumnValueTest, TruncatedValueFails) {
  ColumnInfo c;
  c.type = ColumnType::kVarchar;
  c.meta = 300;  // 2-byte length prefix
  ByteReader r(std::string_view("\x10\x00" "abc", 5));
  Value v;
  (void)DecodeColumnValue(r, c, &v);
  EXPECT_FALSE(r.ok());
}

TEST(FileSplitterTest, MagicAndTruncation) {
  FileEventSplitter bad("nope", "x.bin");
  std::string_view raw;
  uint64_t off;
  EXPECT_FALSE(bad.Next(&raw, &off));
  EXPECT_TRUE(bad.status().IsCorruption());
  std::string file = std::string(kBinlogMagic) + MariaFde(true);
  file += MakeEvent(EventType::kXid, std::string(8, '\0'), true);
  for (size_t cut = 5; cut < file.size(); ++cut) {
    FileEventSplitter s(std::string_view(file).substr(0, cut), "cut.bin");
    while (s.Next(&raw, &off)) {
    }
    if (cut != 4 + MariaFde(true).size()) {
      EXPECT_TRUE(s.status().IsCorruption()) << cut;
      EXPECT_NE(s.status().ToString().find("cut.bin"), std::string::npos);
    }
  }
}

// MySQL and MariaDB list GEOMETRY columns (a BLOB underneath) among the columns the
// COLUMN_CHARSET metadata covers: a text column after a GEOMETRY one gets its own
// collation, not its neighbour's.
TEST(TableMapTest, GeometryTakesAPlaceInTheColumnCharsetList) {
  std::string body("\x01\x00\x00\x00\x00\x00", 6);  // table id
  body += std::string("\x00\x00", 2);                   // flags
  body += std::string("\x02" "db\x00", 4);
  body += std::string("\x01" "t\x00", 3);
  body += "\x02";                                        // 2 columns
  body += std::string("\xff\x0f", 2);                    // GEOMETRY, VARCHAR
  body += std::string("\x03\x04\x28\x00", 4);           // metadata: 3 bytes (pack length 4; 40)
  body += std::string("\x03", 1);                        // null bitmap: both nullable
  body += std::string("\x03\x02\x3f\x08", 4);           // COLUMN_CHARSET: [63 (binary), 8 (latin1)]
  auto t = TableMap::Parse(body, 6);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  ASSERT_EQ(t->columns.size(), 2u);
  EXPECT_EQ(t->columns[0].collation, std::optional<uint32_t>(63));
  EXPECT_EQ(t->columns[1].collation, std::optional<uint32_t>(8));
  EXPECT_FALSE(t->columns[1].IsBinary());
}

TEST(DecoderTest, RandomBytesNeverCrash) {
  std::mt19937 rng(7);
  Decoder d;
  Event e;
  ASSERT_TRUE(d.Decode(MariaFde(false), &e).ok());
  for (int i = 0; i < 20000; ++i) {
    std::string body(rng() % 64, '\0');
    for (auto& ch : body) ch = static_cast<char>(rng());
    auto type = static_cast<EventType>(rng() % 200);
    if (type == EventType::kFormatDescription) continue;
    std::string ev = MakeEvent(type, body, false, 1);
    if (d.Decode(ev, &e).ok()) {
      if (auto* r = e.As<RowsEvent>(); r && r->table) {
        RowReader rows(*r);
        std::vector<Value> a, b;
        while (rows.Next(&a, &b)) {
        }
      }
    }
  }
}

TEST(TrxBoundaryTest, MariaDbTransactionsAndStandaloneDdl) {
  TrxBoundaryTracker t;
  Event g;
  g.header.type = EventType::kMariaGtid;
  MariaGtidEvent ge;
  ge.gtid = {0, 1, 7};
  g.body = ge;
  EXPECT_FALSE(t.Feed(g));
  Event xid;
  xid.header.type = EventType::kXid;
  xid.body = XidEvent{1};
  EXPECT_TRUE(t.Feed(xid));
  EXPECT_TRUE(t.committed());
  EXPECT_EQ(t.committed_maria_gtid()->seq, 7u);
  ge.flags = 0x01;  // standalone DDL
  ge.gtid.seq = 8;
  g.body = ge;
  EXPECT_FALSE(t.Feed(g));
  Event q;
  q.header.type = EventType::kQuery;
  QueryEvent qe;
  qe.query = "CREATE TABLE t (a INT)";
  q.body = qe;
  EXPECT_TRUE(t.Feed(q));
  EXPECT_EQ(t.committed_maria_gtid()->seq, 8u);
}

}  // namespace
}  // namespace dm::binlog

#include "dm/binlog/event_json.h"

namespace dm::binlog {
namespace {

TEST(JsonStringTest, EscapesAtEveryPosition) {
  for (size_t pos = 0; pos < 20; ++pos) {
    for (char special : {'"', '\\', '\n', '\x01', '\x1f'}) {
      std::string in(20, 'a');
      in[pos] = special;
      std::string out;
      AppendJsonString(in, &out);
      std::string want = "\"" + std::string(pos, 'a');
      switch (special) {
        case '"': want += "\\\""; break;
        case '\\': want += "\\\\"; break;
        case '\n': want += "\\n"; break;
        case '\x01': want += "\\u0001"; break;
        default: want += "\\u001f"; break;
      }
      want += std::string(19 - pos, 'a') + "\"";
      EXPECT_EQ(out, want) << pos;
    }
  }
  std::string out;
  AppendJsonString("ü€ ~\x7f", &out);
  EXPECT_EQ(out, "\"ü€ ~\x7f\"");
}

}  // namespace
}  // namespace dm::binlog
