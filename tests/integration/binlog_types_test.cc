// Generates binlogs on a real MariaDB for every column type with edge values and checks
// that every decoded value is exactly what the server holds. The server itself is the
// oracle: for each row we ask it for the value's text (CAST(v AS CHAR) in UTC) or bytes
// (HEX(v)) and compare with our decoder's output.
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "dm/binlog/decoder.h"
#include "dm/binlog/event_json.h"
#include "dm/binlog/file_splitter.h"
#include "dm/binlog/row_reader.h"
#include "dm/mysql/connection.h"
#include "dm/testing/mariadb_test.h"
#include "dm/upstream/binlog_stream.h"

namespace dm {
namespace {

using binlog::Value;
using binlog::ValueKind;

enum class Oracle {
  kText,     // AppendValueText == CAST(v AS CHAR)
  kNumeric,  // AppendValueText == CAST(v+0 AS CHAR) (BIT, ENUM index, SET bitmask)
  kBytes,    // raw bytes == UNHEX(HEX(v))
  kLiteral,  // AppendValueText == the listed expectation
};

struct TypeCase {
  std::string def;                  // column definition
  std::vector<std::string> values;  // SQL literals, one row each (NULL is added)
  Oracle oracle = Oracle::kText;
  std::vector<std::string> expected = {};  // for kLiteral
};

std::vector<TypeCase> Cases() {
  return {
      {"TINYINT", {"-128", "127", "0", "-1"}},
      {"TINYINT UNSIGNED", {"0", "255", "1"}},
      {"SMALLINT", {"-32768", "32767", "0"}},
      {"SMALLINT UNSIGNED", {"0", "65535"}},
      {"MEDIUMINT", {"-8388608", "8388607", "-1"}},
      {"MEDIUMINT UNSIGNED", {"0", "16777215"}},
      {"INT", {"-2147483648", "2147483647", "0", "-1"}},
      {"INT UNSIGNED", {"0", "4294967295"}},
      {"BIGINT", {"-9223372036854775808", "9223372036854775807", "0", "-1"}},
      {"BIGINT UNSIGNED", {"0", "18446744073709551615", "9223372036854775808"}},
      {"DECIMAL(65,30)",
       {"99999999999999999999999999999999999.999999999999999999999999999999",
        "-99999999999999999999999999999999999.999999999999999999999999999999",
        "0", "-0.000000000000000000000000000001", "0.000000000000000000000000000001",
        "12345678901234567890.123456789012345678901234567890"}},
      {"DECIMAL(10,0)", {"9999999999", "-9999999999", "0", "-1"}},
      {"DECIMAL(5,5)", {"0.99999", "-0.99999", "0", "0.00001"}},
      {"DECIMAL(18,9)", {"-123456789.123456789", "1.5", "-0.000000001"}},
      {"DECIMAL(1,0)", {"9", "-9", "0"}},
      {"FLOAT",
       {"0", "1.5", "-3.4028235e38", "1.17549435e-38", "0.1"},
       Oracle::kLiteral,
       {"0", "1.5", "-3.4028235e+38", "1.1754944e-38", "0.1"}},
      {"DOUBLE",
       {"0", "-1.7976931348623157e308", "2.2250738585072014e-308", "0.1", "123456789.125"},
       Oracle::kLiteral,
       {"0", "-1.7976931348623157e+308", "2.2250738585072014e-308", "0.1", "123456789.125"}},
      {"BIT(1)", {"b'0'", "b'1'"}, Oracle::kNumeric},
      {"BIT(7)", {"b'1010101'", "b'0'"}, Oracle::kNumeric},
      {"BIT(64)", {"b'1111111111111111111111111111111111111111111111111111111111111111'",
                   "b'0'", "b'1000000000000000000000000000000000000000000000000000000000000001'"},
       Oracle::kNumeric},
      {"YEAR", {"0", "1901", "2155", "2024"}},
      {"DATE", {"'0000-00-00'", "'1000-01-01'", "'9999-12-31'", "'2024-02-29'", "'2024-00-00'"}},
      {"TIME", {"'-838:59:59'", "'838:59:59'", "'00:00:00'", "'-00:00:01'", "'12:34:56'"}},
      {"TIME(1)", {"'-00:00:00.1'", "'-01:02:03.4'", "'838:59:59.0'", "'00:00:00.9'"}},
      {"TIME(3)", {"'-838:59:58.999'", "'-00:00:01.001'", "'10:11:12.345'"}},
      {"TIME(6)", {"'-838:59:58.999999'", "'-00:00:00.000001'", "'838:59:58.999999'",
                   "'-12:00:00.5'"}},
      {"DATETIME", {"'0000-00-00 00:00:00'", "'1000-01-01 00:00:00'", "'9999-12-31 23:59:59'"}},
      {"DATETIME(2)", {"'2024-02-29 12:34:56.78'", "'0000-00-00 00:00:00.00'"}},
      {"DATETIME(6)", {"'9999-12-31 23:59:59.999999'", "'1000-01-01 00:00:00.000001'",
                       "'2000-01-01 00:00:00.5'"}},
      {"TIMESTAMP NULL", {"'1970-01-01 00:00:01'", "'2038-01-19 03:14:07'",
                          "'0000-00-00 00:00:00'"}},
      {"TIMESTAMP(4) NULL", {"'2001-02-03 04:05:06.7891'", "'1970-01-01 00:00:01.0001'"}},
      {"TIMESTAMP(6) NULL", {"'2038-01-19 03:14:07.999999'", "'2024-06-30 23:59:59.000001'"}},
      {"CHAR(10) CHARACTER SET utf8mb4", {"''", "'a'", "'中文😀'", "'0123456789'", "'a  '"},
       Oracle::kBytes},
      {"CHAR(255) CHARACTER SET utf8mb4", {"REPEAT('é', 255)", "'x'", "''"}, Oracle::kBytes},
      {"CHAR(20) CHARACTER SET latin1", {"'café'", "''"}, Oracle::kBytes},
      {"VARCHAR(10) CHARACTER SET utf8mb4", {"''", "'😀😀'", "' trailing '"}, Oracle::kBytes},
      {"VARCHAR(300) CHARACTER SET utf8mb4", {"REPEAT('ж', 300)", "''"}, Oracle::kBytes},
      {"VARCHAR(70000) CHARACTER SET latin1", {"REPEAT('x', 70000)"}, Oracle::kBytes},
      {"BINARY(16)", {"0x00", "0x0102030405060708090a0b0c0d0e0f10", "''"}, Oracle::kBytes},
      {"VARBINARY(20)", {"0x00ff00", "''", "0x61"}, Oracle::kBytes},
      {"TINYTEXT", {"REPEAT('t', 255)", "''"}, Oracle::kBytes},
      {"TEXT", {"REPEAT('ü', 1000)", "''"}, Oracle::kBytes},
      {"MEDIUMTEXT", {"REPEAT('m', 100000)"}, Oracle::kBytes},
      {"LONGTEXT", {"REPEAT('l', 300000)"}, Oracle::kBytes},
      {"TINYBLOB", {"0x00", "''"}, Oracle::kBytes},
      {"BLOB", {"REPEAT(0xff00, 1000)"}, Oracle::kBytes},
      {"MEDIUMBLOB", {"REPEAT(0x01, 70000)"}, Oracle::kBytes},
      {"ENUM('a','b','c')", {"'a'", "'c'", "''"}, Oracle::kNumeric},
      {"SET('a','b','c','d','e','f','g','h','i')", {"'a,i'", "''", "'b,c,d'"},
       Oracle::kNumeric},
      {"SET('m01','m02','m03','m04','m05','m06','m07','m08','m09','m10','m11','m12','m13',"
       "'m14','m15','m16','m17','m18','m19','m20','m21','m22','m23','m24','m25','m26','m27',"
       "'m28','m29','m30','m31','m32','m33','m34','m35','m36','m37','m38','m39','m40','m41',"
       "'m42','m43','m44','m45','m46','m47','m48','m49','m50','m51','m52','m53','m54','m55',"
       "'m56','m57','m58','m59','m60','m61','m62','m63','m64')",
       {"'m01,m64'", "'m33'"}, Oracle::kNumeric},
      {"JSON", {"'{\"a\": [1, 2.5, null, \"x\"]}'", "'[]'"}, Oracle::kBytes},
      {"GEOMETRY", {"ST_GeomFromText('POINT(1 2)')",
                    "ST_GeomFromText('POLYGON((0 0,1 0,1 1,0 0))', 4326)"},
       Oracle::kBytes},
      {"INET6", {"'::1'", "'2001:db8::ff00:42:8329'"}, Oracle::kBytes},
      {"UUID", {"'123e4567-e89b-12d3-a456-426655440000'", "'00000000-0000-0000-0000-000000000001'",
                "'ffffffff-ffff-4fff-bfff-ffffffffffff'"},
       Oracle::kBytes},
  };
}

// ENUM with more than 255 members (2-byte index).
TypeCase BigEnum() {
  std::string def = "ENUM(";
  for (int i = 0; i < 300; ++i) def += (i ? ",'e" : "'e") + std::to_string(i) + "'";
  def += ")";
  return {def, {"'e0'", "'e299'", "'e256'"}, Oracle::kNumeric};
}

struct DecodedRow {
  std::vector<Value> values;
  std::shared_ptr<const binlog::TableMap> table;
  std::vector<std::string> json;  // AppendValueJson per column
};

class BinlogTypesTest : public testing::MariaDbTest {
 protected:
  BinlogTypesTest()
      : MariaDbTest("types",
                    "SET time_zone='+00:00', sql_mode=''; CREATE DATABASE IF NOT EXISTS tdb",
                    {"--max-allowed-packet=256M", "--default-time-zone=+00:00"}) {}

  // Decodes every binlog file of the server; keeps the raw files alive in files_.
  void DecodeAllFiles(std::map<std::string, std::vector<DecodedRow>>* rows) {
    auto logs = conn_->Query("SHOW BINARY LOGS");
    DM_ASSERT_OK(logs);
    binlog::Decoder decoder;
    for (auto& r : logs->rows) {
      std::ifstream in(server_->binlog_path(*r[0]), std::ios::binary);
      std::stringstream ss;
      ss << in.rdbuf();
      files_.push_back(std::make_unique<std::string>(ss.str()));
      binlog::FileEventSplitter split(*files_.back(), *r[0]);
      std::string_view raw;
      uint64_t off;
      while (split.Next(&raw, &off)) {
        auto ev = std::make_unique<binlog::Event>();
        Status st = decoder.Decode(raw, ev.get());
        ASSERT_TRUE(st.ok()) << *r[0] << " offset " << off << ": " << st.ToString();
        if (auto* re = ev->As<binlog::RowsEvent>()) {
          binlog::RowReader reader(*re);
          std::vector<Value> a, b;
          while (reader.Next(&a, &b)) {
            DecodedRow d{a, re->table, {}};
            for (size_t i = 0; i < a.size(); ++i) {
              std::string j;
              Status js = binlog::AppendValueJson(a[i], re->table->columns[i], &j);
              ASSERT_TRUE(js.ok()) << js.ToString();
              d.json.push_back(j);
            }
            (*rows)[re->table->table].push_back(std::move(d));
          }
          ASSERT_TRUE(reader.status().ok()) << reader.status().ToString();
        }
        events_.push_back(std::move(ev));
      }
      ASSERT_TRUE(split.status().ok()) << split.status().ToString();
    }
  }

  std::vector<std::unique_ptr<std::string>> files_;
  std::vector<std::unique_ptr<binlog::Event>> events_;
};

std::string Hex(std::string_view s) {
  std::string h;
  binlog::AppendHex(s, &h);
  return h;
}

std::string Lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

TEST_F(BinlogTypesTest, EveryTypeDecodesToTheServersValue) {
  std::vector<TypeCase> cases = Cases();
  cases.push_back(BigEnum());
  for (size_t i = 0; i < cases.size(); ++i) {
    std::string t = "tdb.t" + std::to_string(i);
    DM_ASSERT_OK(conn_->Execute("CREATE TABLE " + t + " (id INT PRIMARY KEY, v " + cases[i].def +
                                ")"));
    std::string ins = "INSERT INTO " + t + " VALUES ";
    for (size_t k = 0; k < cases[i].values.size(); ++k) {
      ins += "(" + std::to_string(k + 1) + "," + cases[i].values[k] + "),";
    }
    ins += "(" + std::to_string(cases[i].values.size() + 1) + ",NULL)";
    DM_ASSERT_OK(conn_->Execute(ins));
  }
  DM_ASSERT_OK(conn_->Execute("FLUSH BINARY LOGS"));
  std::map<std::string, std::vector<DecodedRow>> rows;
  DecodeAllFiles(&rows);
  if (HasFatalFailure()) return;

  for (size_t i = 0; i < cases.size(); ++i) {
    const TypeCase& c = cases[i];
    std::string name = "t" + std::to_string(i);
    SCOPED_TRACE(c.def);
    const auto& got = rows[name];
    ASSERT_EQ(got.size(), c.values.size() + 1);
    std::string expr = c.oracle == Oracle::kNumeric ? "CAST(CAST(v+0 AS UNSIGNED) AS CHAR)"
                       : c.oracle == Oracle::kBytes ? "HEX(v)"
                                                    : "CAST(v AS CHAR)";
    auto want = conn_->Query("SELECT id, " + expr + " FROM tdb." + name + " ORDER BY id");
    DM_ASSERT_OK(want);
    ASSERT_EQ(want->rows.size(), got.size());
    for (size_t k = 0; k < got.size(); ++k) {
      const Value& v = got[k].values[1];
      SCOPED_TRACE("row " + std::to_string(k + 1));
      EXPECT_EQ(got[k].values[0].i, static_cast<int64_t>(k + 1));
      if (!want->rows[k][1]) {
        EXPECT_TRUE(v.is_null());
        EXPECT_EQ(got[k].json[1], "null");
        continue;
      }
      ASSERT_FALSE(v.is_null());
      if (c.oracle == Oracle::kBytes) {
        // The JSON form is exact: text as a string, binary (BINARY padded to its width)
        // as hex.
        std::string want_hex = Lower(*want->rows[k][1]);
        const std::string& j = got[k].json[1];
        if (j.starts_with("{\"hex\":")) {
          EXPECT_EQ(j, "{\"hex\":\"" + want_hex + "\"}");
        } else {
          EXPECT_EQ(Hex(v.bytes), want_hex);
        }
        continue;
      }
      std::string text;
      Status st = binlog::AppendValueText(v, &text);
      ASSERT_TRUE(st.ok()) << st.ToString();
      if (c.oracle == Oracle::kLiteral) {
        EXPECT_EQ(text, c.expected[k]);
      } else {
        EXPECT_EQ(text, *want->rows[k][1]);
      }
    }
  }
  // With binlog_row_metadata=FULL, ENUM/SET render as names and columns have names.
  auto names = conn_->Query("SELECT CAST(v AS CHAR) FROM tdb.t" +
                            std::to_string(cases.size() - 1) + " ORDER BY id");
  DM_ASSERT_OK(names);
  const auto& enum_rows = rows["t" + std::to_string(cases.size() - 1)];
  for (size_t k = 0; k + 1 < enum_rows.size(); ++k) {
    std::string expect;
    binlog::AppendJsonString(*names->rows[k][0], &expect);
    EXPECT_EQ(enum_rows[k].json[1], expect);
  }
  EXPECT_EQ(enum_rows[0].table->columns[1].name, "v");
  // latin1 text is rendered as UTF-8 in JSON.
  for (size_t i = 0; i < cases.size(); ++i) {
    if (cases[i].def != "CHAR(20) CHARACTER SET latin1") continue;
    EXPECT_EQ(rows["t" + std::to_string(i)][0].json[1], "\"café\"");
  }
}

TEST_F(BinlogTypesTest, SixteenMegabyteBlobThroughFileAndStream) {
  DM_ASSERT_OK(conn_->Execute("CREATE TABLE tdb.big (id INT PRIMARY KEY, b LONGBLOB)"));
  DM_ASSERT_OK(conn_->Execute(
      "INSERT INTO tdb.big VALUES (1, CONCAT(REPEAT(0x00ff, 8*1024*1024), 'end'))"));
  auto want = conn_->Query("SELECT LENGTH(b), CRC32(b) FROM tdb.big");
  DM_ASSERT_OK(want);
  // Stream it: the row event is larger than 16 MB, so it spans several packets.
  upstream::StreamOptions so;
  so.conn = server_->connect_options();
  so.start_position = gtid::BinlogPosition{"mysql-bin.000001", 4};
  so.stop_at_end = true;
  auto stream = upstream::BinlogStream::Open(so);
  DM_ASSERT_OK(stream);
  upstream::StreamEvent ev;
  bool end = false, found = false;
  while (true) {
    DM_ASSERT_OK((*stream)->Next(&ev, &end));
    if (end) break;
    if (auto* re = ev.event.As<binlog::RowsEvent>(); re && re->table->table == "big") {
      binlog::RowReader reader(*re);
      std::vector<Value> a, b;
      ASSERT_TRUE(reader.Next(&a, &b)) << reader.status().ToString();
      EXPECT_EQ(std::to_string(a[1].bytes.size()), *want->rows[0][0]);
      uLong crc = crc32(0, reinterpret_cast<const Bytef*>(a[1].bytes.data()),
                        static_cast<uInt>(a[1].bytes.size()));
      EXPECT_EQ(std::to_string(crc), *want->rows[0][1]);
      found = true;
    }
  }
  EXPECT_TRUE(found);
  // And from the file.
  DM_ASSERT_OK(conn_->Execute("FLUSH BINARY LOGS"));
  std::map<std::string, std::vector<DecodedRow>> rows;
  DecodeAllFiles(&rows);
  ASSERT_EQ(rows["big"].size(), 1u);
  EXPECT_EQ(std::to_string(rows["big"][0].values[1].bytes.size()), *want->rows[0][0]);
}

TEST_F(BinlogTypesTest, UpdateAndDeleteImages) {
  DM_ASSERT_OK(conn_->Execute(
      "CREATE TABLE tdb.u (id INT PRIMARY KEY, a VARCHAR(20), b INT);"
      "INSERT INTO tdb.u VALUES (1,'x',10),(2,NULL,20);"
      "UPDATE tdb.u SET a='y', b=b+1 WHERE id=1;"
      "DELETE FROM tdb.u WHERE id=2"));
  DM_ASSERT_OK(conn_->Execute("FLUSH BINARY LOGS"));
  std::map<std::string, std::vector<DecodedRow>> rows;
  DecodeAllFiles(&rows);
  // Collect update events directly for before/after.
  int updates = 0, deletes = 0;
  for (auto& e : events_) {
    auto* re = e->As<binlog::RowsEvent>();
    if (!re || re->table->table != "u") continue;
    binlog::RowReader reader(*re);
    std::vector<Value> a, b;
    while (reader.Next(&a, &b)) {
      if (re->kind == binlog::RowsKind::kUpdate) {
        ++updates;
        EXPECT_EQ(a[1].bytes, "x");
        EXPECT_EQ(a[2].i, 10);
        EXPECT_EQ(b[1].bytes, "y");
        EXPECT_EQ(b[2].i, 11);
      } else if (re->kind == binlog::RowsKind::kDelete) {
        ++deletes;
        EXPECT_EQ(a[0].i, 2);
        EXPECT_TRUE(a[1].is_null());
      }
    }
    ASSERT_TRUE(reader.status().ok());
  }
  EXPECT_EQ(updates, 1);
  EXPECT_EQ(deletes, 1);
}

// MINIMAL images, compressed events (log_bin_compress) and no checksums: each is a
// separate server configuration.
struct ConfigCase {
  std::vector<std::string> args;
  bool minimal;
  bool noblob = false;
  friend void PrintTo(const ConfigCase& c, std::ostream* os) {
    for (auto& a : c.args) *os << a << ' ';
  }
};

class BinlogConfigTest : public ::testing::TestWithParam<ConfigCase> {};

TEST_P(BinlogConfigTest, DecodesUpdatesUnderServerConfig) {
  DM_REQUIRE_MARIADB();
  testing::MariaDbOptions o;
  o.name = "cfg";
  o.extra_args = GetParam().args;
  auto server = testing::MariaDbServer::Start(o);
  DM_ASSERT_OK(server);
  auto conn = (*server)->Connect();
  DM_ASSERT_OK(conn);
  std::string long_text(400, 'q');  // above log_bin_compress_min_len
  DM_ASSERT_OK((*conn)->Execute(
      "CREATE DATABASE d; CREATE TABLE d.t (id INT PRIMARY KEY, a TEXT, b INT);"
      "INSERT INTO d.t VALUES (1,'" + long_text + "',1),(2,'" + long_text + "',2);"
      "UPDATE d.t SET b=b+100;"
      "DELETE FROM d.t WHERE id=1; FLUSH BINARY LOGS"));
  // Decode via the live stream (exercises checksum handling end to end).
  upstream::StreamOptions so;
  so.conn = (*server)->connect_options();
  so.start_position = gtid::BinlogPosition{"mysql-bin.000001", 4};
  so.stop_at_end = true;
  auto stream = upstream::BinlogStream::Open(so);
  DM_ASSERT_OK(stream);
  upstream::StreamEvent ev;
  bool end = false;
  int inserts = 0, updates = 0, deletes = 0;
  while (true) {
    DM_ASSERT_OK((*stream)->Next(&ev, &end));
    if (end) break;
    auto* re = ev.event.As<binlog::RowsEvent>();
    if (!re || re->table->table != "t") continue;
    binlog::RowReader reader(*re);
    std::vector<Value> a, b;
    while (reader.Next(&a, &b)) {
      if (re->kind == binlog::RowsKind::kWrite) {
        ++inserts;
        EXPECT_EQ(a[1].bytes, long_text);
      } else if (re->kind == binlog::RowsKind::kUpdate) {
        ++updates;
        if (GetParam().minimal) {
          EXPECT_FALSE(a[0].is_missing());  // PK identifies the row
          EXPECT_TRUE(a[1].is_missing());
          EXPECT_TRUE(b[0].is_missing());
          EXPECT_TRUE(b[1].is_missing());
          EXPECT_FALSE(b[2].is_missing());
        } else if (GetParam().noblob) {
          EXPECT_FALSE(a[2].is_missing());
          EXPECT_TRUE(a[1].is_missing());  // unchanged TEXT left out of both images
          EXPECT_TRUE(b[1].is_missing());
        } else {
          EXPECT_EQ(a[1].bytes, long_text);
        }
        EXPECT_EQ(b[2].i, a[0].i + 100);
      } else {
        ++deletes;
        EXPECT_EQ(a[0].i, 1);
      }
    }
    ASSERT_TRUE(reader.status().ok()) << reader.status().ToString();
  }
  EXPECT_EQ(inserts, 2);
  EXPECT_EQ(updates, 2);
  EXPECT_EQ(deletes, 1);
}

INSTANTIATE_TEST_SUITE_P(
    Configs, BinlogConfigTest,
    ::testing::Values(ConfigCase{{"--binlog-row-image=MINIMAL"}, true},
                      ConfigCase{{"--binlog-row-image=NOBLOB"}, false, true},
                      ConfigCase{{"--log-bin-compress=ON", "--log-bin-compress-min-len=10"}, false},
                      ConfigCase{{"--binlog-checksum=NONE"}, false},
                      ConfigCase{{"--binlog-row-metadata=NO_LOG"}, false}));

}  // namespace
}  // namespace dm
