#include "dm/gtid/mysql_gtid.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

namespace dm::gtid {
namespace {

constexpr std::string_view kU1 = "3e11fa47-71ca-11e1-9e33-c80aa9429562";
constexpr std::string_view kU2 = "4e11fa47-71ca-11e1-9e33-c80aa9429562";

std::string U1() { return std::string(kU1); }
std::string U2() { return std::string(kU2); }

Uuid MustUuid(std::string_view text) {
  Result<Uuid> r = Uuid::Parse(text);
  EXPECT_TRUE(r.ok()) << text << ": " << r.status().ToString();
  return r.ok() ? *r : Uuid{};
}

MysqlGtidSet MustParse(std::string_view text) {
  Result<MysqlGtidSet> r = MysqlGtidSet::Parse(text);
  EXPECT_TRUE(r.ok()) << "'" << text << "': " << r.status().ToString();
  return r.ok() ? *r : MysqlGtidSet();
}

std::string Canon(std::string_view text) { return MustParse(text).ToString(); }

// Returns the error message of parsing `text`, or "<ok>".
std::string ParseError(std::string_view text) {
  Result<MysqlGtidSet> r = MysqlGtidSet::Parse(text);
  if (r.ok()) return "<ok>";
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << r.status().ToString();
  return std::string(r.status().message());
}

std::string FromHex(std::string_view hex) {
  std::string out;
  auto val = [](char c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; };
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(val(hex[i]) << 4 | val(hex[i + 1])));
  }
  return out;
}

std::string U64Le(uint64_t v) {
  std::string out;
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>(v >> (8 * i)));
  return out;
}

std::string UuidBytes(std::string_view text) {
  Uuid u = MustUuid(text);
  return std::string(reinterpret_cast<const char*>(u.bytes.data()), 16);
}

// ---------------------------------------------------------------- Uuid

TEST(UuidTest, ParseAndFormat) {
  Uuid u = MustUuid("3E11FA47-71CA-11E1-9E33-C80AA9429562");
  EXPECT_EQ(u.ToString(), kU1);
  EXPECT_EQ(u.bytes[0], 0x3e);
  EXPECT_EQ(u.bytes[15], 0x62);
  EXPECT_EQ(MustUuid("3e11fa4771ca11e19e33c80aa9429562"), u);
  EXPECT_FALSE(u.IsNil());
  EXPECT_TRUE(MustUuid("00000000-0000-0000-0000-000000000000").IsNil());
  EXPECT_TRUE(Uuid{}.IsNil());
}

TEST(UuidTest, RejectsMalformed) {
  for (std::string_view bad : {
           "",
           "3e11fa47-71ca-11e1-9e33-c80aa942956",     // 35 chars
           "3e11fa47-71ca-11e1-9e33-c80aa94295622",   // 37 chars
           "3e11fa4771ca-11e1-9e33-c80aa9429562-",    // dash misplaced
           "3e11fa47-71ca-11e1-9e33-c80aa942956g",    // non-hex
           "3e11fa47_71ca_11e1_9e33_c80aa9429562",    // wrong separator
           "3e11fa4771ca11e19e33c80aa942956",         // 31 hex
           " 3e11fa47-71ca-11e1-9e33-c80aa9429562",   // leading space
           "{3e11fa47-71ca-11e1-9e33-c80aa9429562}",  // braces
       }) {
    Result<Uuid> r = Uuid::Parse(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
    EXPECT_NE(r.status().message().find("'" + std::string(bad) + "'"), std::string_view::npos)
        << r.status().message();
    EXPECT_NE(r.status().message().find("expected"), std::string_view::npos);
  }
}

TEST(UuidTest, Ordering) {
  Uuid a = MustUuid(kU1), b = MustUuid(kU2);
  EXPECT_LT(a, b);
  EXPECT_GT(b, a);
  EXPECT_EQ(a, MustUuid(kU1));
  EXPECT_NE(a, b);
}

// ---------------------------------------------------------------- tags

TEST(TagTest, Validate) {
  for (std::string_view ok :
       {"", "a", "_", "tag1", "Tag_2", "_9", "abcdefghijabcdefghijabcdefghij12"}) {
    EXPECT_TRUE(ValidateTag(ok).ok()) << ok;
  }
  for (std::string_view bad : std::vector<std::string_view>{
           "1tag", "ta-g", "t ag", "tag!", "abcdefghijabcdefghijabcdefghij123",
           std::string_view("a\0b", 3), "\xc3\xa9"}) {
    Status s = ValidateTag(bad);
    EXPECT_EQ(s.code(), Code::kInvalidArgument) << bad;
  }
  EXPECT_EQ(NormalizeTag("MyTag_1"), "mytag_1");
}

// ---------------------------------------------------------------- MysqlGtid

TEST(MysqlGtidTest, ParseAndFormat) {
  Result<MysqlGtid> g = MysqlGtid::Parse(U1() + ":5");
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  EXPECT_EQ(g->sid, MustUuid(kU1));
  EXPECT_EQ(g->tag, "");
  EXPECT_EQ(g->gno, 5);
  EXPECT_EQ(g->ToString(), U1() + ":5");

  g = MysqlGtid::Parse("3E11FA47-71CA-11E1-9E33-C80AA9429562:MyTag:9223372036854775806");
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  EXPECT_EQ(g->tag, "mytag");
  EXPECT_EQ(g->gno, kMaxGno);
  EXPECT_EQ(g->ToString(), U1() + ":mytag:9223372036854775806");

  g = MysqlGtid::Parse(" " + U1() + " : tag : 7 ");
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  EXPECT_EQ(g->ToString(), U1() + ":tag:7");
}

TEST(MysqlGtidTest, RejectsMalformed) {
  for (const std::string& bad :
       std::vector<std::string>{U1(), U1() + ":0", U1() + ":x", U1() + ":-1", U1() + ":1:2:3",
                                U1() + ":", U1() + ":tag:", U1() + "::1", U1() + ":1tag:1",
                                U1() + ":9223372036854775807", U1() + ":1-5", "bad:1", ""}) {
    Result<MysqlGtid> r = MysqlGtid::Parse(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
    EXPECT_NE(r.status().message().find("'" + bad + "'"), std::string_view::npos)
        << r.status().message();
    EXPECT_NE(r.status().message().find("expected form uuid:gno"), std::string_view::npos);
  }
}

// ---------------------------------------------------------------- text parsing

TEST(MysqlGtidSetParseTest, EmptyText) {
  EXPECT_TRUE(MustParse("").empty());
  EXPECT_TRUE(MustParse("  \n\t ").empty());
  EXPECT_EQ(Canon(""), "");
}

TEST(MysqlGtidSetParseTest, RoundTrip) {
  for (const std::string& text : {
           U1() + ":1",
           U1() + ":1-5",
           U1() + ":1-5:7:9-11",
           U1() + ":1-5," + U2() + ":3",
           U1() + ":1-5:7:tag1:3-4",
           U1() + ":tag1:3-4:tag2:1," + U2() + ":1-9223372036854775806",
       }) {
    EXPECT_EQ(Canon(text), text);
  }
}

TEST(MysqlGtidSetParseTest, Canonicalizes) {
  EXPECT_EQ(Canon(U1() + ":1-5:6-9"), U1() + ":1-9");
  EXPECT_EQ(Canon(U1() + ":7:1-5"), U1() + ":1-5:7");
  EXPECT_EQ(Canon(U1() + ":3-8:1-4:10"), U1() + ":1-8:10");
  EXPECT_EQ(Canon(U1() + ":5:5:5"), U1() + ":5");
  EXPECT_EQ(Canon(U1() + ":1-3," + U1() + ":4-6"), U1() + ":1-6");
  EXPECT_EQ(Canon(U2() + ":3," + U1() + ":1-5"), U1() + ":1-5," + U2() + ":3");
  EXPECT_EQ(Canon("3E11FA47-71CA-11E1-9E33-C80AA9429562:1-2"), U1() + ":1-2");
  EXPECT_EQ(Canon("3e11fa4771ca11e19e33c80aa9429562:1-2"), U1() + ":1-2");
  EXPECT_EQ(Canon(U1() + ":1-1"), U1() + ":1");
}

TEST(MysqlGtidSetParseTest, Whitespace) {
  // MySQL prints @@gtid_executed with ",\n" between uuids.
  EXPECT_EQ(Canon(U1() + ":1-5,\n" + U2() + ":3"), U1() + ":1-5," + U2() + ":3");
  EXPECT_EQ(Canon("  " + U1() + " : 1 - 5 : 7 ,\r\n\t" + U2() + " : tag : 3  "),
            U1() + ":1-5:7," + U2() + ":tag:3");
}

TEST(MysqlGtidSetParseTest, Tags) {
  // A tag applies to every interval after it, until the next tag.
  EXPECT_EQ(Canon(U1() + ":TAG1:3-4:1-2"), U1() + ":tag1:1-4");
  EXPECT_EQ(Canon(U1() + ":b:1," + U1() + ":a:2," + U1() + ":5"), U1() + ":5:a:2:b:1");
  EXPECT_EQ(Canon(U1() + ":x:1:y:2:x:3"), U1() + ":x:1:3:y:2");
  EXPECT_EQ(Canon(U1() + ":_:1"), U1() + ":_:1");
  // A tag without intervals, or a uuid alone, adds nothing (as in MySQL).
  EXPECT_EQ(Canon(U1() + ":tag"), "");
  EXPECT_EQ(Canon(U1()), "");
  EXPECT_EQ(Canon(U1() + "," + U2() + ":1"), U2() + ":1");
  MysqlGtidSet s = MustParse(U1() + ":1-5:tag1:3-4,4e11fa47-71ca-11e1-9e33-c80aa9429562:tag2:7");
  EXPECT_TRUE(s.HasTags());
  ASSERT_NE(s.Find(MustUuid(kU1), "TAG1"), nullptr);
  EXPECT_EQ(*s.Find(MustUuid(kU1), "tag1"), (MysqlGtidSet::Intervals{{3, 4}}));
  EXPECT_EQ(s.Find(MustUuid(kU2), ""), nullptr);
  EXPECT_FALSE(MustParse(U1() + ":1").HasTags());
}

TEST(MysqlGtidSetParseTest, EmptyElementsAreSkippedLikeMysql) {
  EXPECT_EQ(Canon(U1() + ":1,"), U1() + ":1");
  EXPECT_EQ(Canon(U1() + ":1,," + U2() + ":2"), U1() + ":1," + U2() + ":2");
  EXPECT_EQ(Canon(","), "");
}

TEST(MysqlGtidSetParseTest, Errors) {
  struct Case {
    std::string text;
    std::string reason;  // substring of the message
  };
  const Case cases[] = {
      {"3e11fa47-71ca-11e1-9e33-c80aa942956:1", "bad uuid '3e11fa47-71ca-11e1-9e33-c80aa942956'"},
      {"zz11fa47-71ca-11e1-9e33-c80aa9429562:1", "bad uuid"},
      {":1-5", "expected a uuid"},
      {U1() + ":0", "interval start must be >= 1"},
      {U1() + ":0-5", "interval 0-5: interval start must be >= 1"},
      {U1() + ":5-3", "interval 5-3 is reversed"},
      {U1() + ":1-5:tag-x:1", "unexpected character '-'"},
      {U1() + ":1tag:1", "unexpected character 't'"},
      {U1() + ":" + std::string(33, 'a') + ":1", "longer than 32 characters"},
      {U1() + ":1-5 x", "unexpected character 'x'"},
      {U1() + ":1-5;", "unexpected character ';'"},
      {U1() + ":1-5," + U2() + ":2 garbage", "unexpected character 'g'"},
      {U1() + ":", "expected an interval or a tag after the last ':'"},
      {U1() + "::1", "unexpected character ':'"},
      {U1() + ":1-", "expected a gno"},
      {U1() + ":1--2", "unexpected character '-'"},
      {U1() + ":-1", "unexpected character '-'"},
      {U1() + ":+1", "unexpected character '+'"},
      {U1() + ":9223372036854775808", "gno 9223372036854775808 exceeds the maximum"},
      {U1() + ":9223372036854775807", "exceeds the maximum 9223372036854775806"},
      {U1() + ":1-99999999999999999999999", "exceeds the maximum"},
  };
  for (const Case& c : cases) {
    std::string message = ParseError(c.text);
    EXPECT_NE(message.find(c.reason), std::string::npos)
        << "input: " << c.text << "\nmessage: " << message;
    EXPECT_NE(message.find("invalid MySQL GTID set '" + c.text + "'"), std::string::npos)
        << message;
    EXPECT_NE(message.find("expected form uuid:1-5:7,uuid2:3"), std::string::npos) << message;
  }
}

TEST(MysqlGtidSetParseTest, ErrorQuotesLongInputShortened) {
  std::string text = U1() + ":1" + std::string(1000, 'x');
  std::string message = ParseError(text);
  EXPECT_LT(message.size(), 600u);
  EXPECT_NE(message.find("bytes)"), std::string::npos);
}

TEST(MysqlGtidSetParseTest, MaxGno) {
  MysqlGtidSet s = MustParse(U1() + ":9223372036854775806");
  MysqlGtid g{MustUuid(kU1), "", kMaxGno};
  EXPECT_TRUE(s.Contains(g));
  EXPECT_EQ(s.GtidCount(), 1u);
}

// ---------------------------------------------------------------- mutation

TEST(MysqlGtidSetTest, AddMergesNeighbours) {
  MysqlGtidSet s;
  Uuid u = MustUuid(kU1);
  for (int64_t gno : {1, 2, 3, 5}) ASSERT_TRUE(s.Add({u, "", gno}).ok());
  EXPECT_EQ(s.ToString(), U1() + ":1-3:5");
  ASSERT_TRUE(s.Add({u, "", 4}).ok());
  EXPECT_EQ(s.ToString(), U1() + ":1-5");
  ASSERT_TRUE(s.Add({u, "", 3}).ok());  // already present
  EXPECT_EQ(s.ToString(), U1() + ":1-5");
  ASSERT_TRUE(s.Add({u, "Tag", 3}).ok());
  EXPECT_EQ(s.ToString(), U1() + ":1-5:tag:3");
  ASSERT_TRUE(s.Add({u, "", kMaxGno}).ok());
  EXPECT_EQ(s.ToString(), U1() + ":1-5:9223372036854775806:tag:3");
}

TEST(MysqlGtidSetTest, AddRejectsInvalid) {
  MysqlGtidSet s = MustParse(U1() + ":1");
  Uuid u = MustUuid(kU1);
  for (const MysqlGtid& g : {MysqlGtid{u, "", 0}, MysqlGtid{u, "", -3}, MysqlGtid{u, "", INT64_MAX},
                             MysqlGtid{u, "bad-tag", 1}}) {
    Status st = s.Add(g);
    EXPECT_EQ(st.code(), Code::kInvalidArgument) << g.ToString();
  }
  EXPECT_EQ(s.ToString(), U1() + ":1");
}

TEST(MysqlGtidSetTest, AddInterval) {
  MysqlGtidSet s;
  Uuid u = MustUuid(kU1);
  ASSERT_TRUE(s.AddInterval(u, "", 7, 9).ok());
  ASSERT_TRUE(s.AddInterval(u, "", 1, 3).ok());
  ASSERT_TRUE(s.AddInterval(u, "", 12, 12).ok());
  EXPECT_EQ(s.ToString(), U1() + ":1-3:7-9:12");
  ASSERT_TRUE(s.AddInterval(u, "", 4, 6).ok());  // bridges two intervals
  EXPECT_EQ(s.ToString(), U1() + ":1-9:12");
  ASSERT_TRUE(s.AddInterval(u, "", 2, 20).ok());  // swallows everything after 1
  EXPECT_EQ(s.ToString(), U1() + ":1-20");
  ASSERT_TRUE(s.AddInterval(u, "", 22, 25).ok());
  ASSERT_TRUE(s.AddInterval(u, "", 21, 21).ok());
  EXPECT_EQ(s.ToString(), U1() + ":1-25");

  EXPECT_EQ(s.AddInterval(u, "", 5, 4).code(), Code::kInvalidArgument);
  EXPECT_EQ(s.AddInterval(u, "", 0, 4).code(), Code::kInvalidArgument);
  EXPECT_EQ(s.AddInterval(u, "", 1, INT64_MAX).code(), Code::kInvalidArgument);
  EXPECT_EQ(s.AddInterval(u, "9", 1, 2).code(), Code::kInvalidArgument);
  EXPECT_EQ(s.ToString(), U1() + ":1-25");
}

TEST(MysqlGtidSetTest, GtidCount) {
  EXPECT_EQ(MysqlGtidSet().GtidCount(), 0u);
  EXPECT_EQ(MustParse(U1() + ":1-5:7:t:1-2," + U2() + ":10-19").GtidCount(), 18u);
  EXPECT_EQ(MustParse(U1() + ":1-9223372036854775806").GtidCount(), uint64_t{kMaxGno});
}

// ---------------------------------------------------------------- set algebra

TEST(MysqlGtidSetTest, Union) {
  MysqlGtidSet empty;
  MysqlGtidSet a = MustParse(U1() + ":1-5:10");
  MysqlGtidSet b = MustParse(U1() + ":4-9:20," + U2() + ":1:t:2");

  MysqlGtidSet x = empty;
  x.Union(empty);
  EXPECT_TRUE(x.empty());
  x.Union(a);
  EXPECT_EQ(x, a);
  x = a;
  x.Union(empty);
  EXPECT_EQ(x, a);
  x.Union(b);
  EXPECT_EQ(x.ToString(), U1() + ":1-10:20," + U2() + ":1:t:2");
  MysqlGtidSet y = b;
  y.Union(a);
  EXPECT_EQ(y, x);  // commutative
  x.Union(x);       // self-union is a no-op
  EXPECT_EQ(x, y);
  // Disjoint uuids.
  MysqlGtidSet c = MustParse(U1() + ":1");
  c.Union(MustParse(U2() + ":1"));
  EXPECT_EQ(c.ToString(), U1() + ":1," + U2() + ":1");
  // Adjacent intervals coming from different sets merge.
  MysqlGtidSet d = MustParse(U1() + ":1-5");
  d.Union(MustParse(U1() + ":6-7"));
  EXPECT_EQ(d.ToString(), U1() + ":1-7");
}

TEST(MysqlGtidSetTest, ContainsGtid) {
  MysqlGtidSet s = MustParse(U1() + ":1-5:10:tag:7");
  Uuid u1 = MustUuid(kU1), u2 = MustUuid(kU2);
  EXPECT_TRUE(s.Contains(MysqlGtid{u1, "", 1}));
  EXPECT_TRUE(s.Contains(MysqlGtid{u1, "", 5}));
  EXPECT_TRUE(s.Contains(MysqlGtid{u1, "", 10}));
  EXPECT_FALSE(s.Contains(MysqlGtid{u1, "", 6}));
  EXPECT_FALSE(s.Contains(MysqlGtid{u1, "", 11}));
  EXPECT_FALSE(s.Contains(MysqlGtid{u1, "", 0}));
  EXPECT_FALSE(s.Contains(MysqlGtid{u1, "", 7}));
  EXPECT_TRUE(s.Contains(MysqlGtid{u1, "tag", 7}));
  EXPECT_TRUE(s.Contains(MysqlGtid{u1, "TAG", 7}));
  EXPECT_FALSE(s.Contains(MysqlGtid{u1, "tag", 1}));
  EXPECT_FALSE(s.Contains(MysqlGtid{u2, "", 1}));
  EXPECT_FALSE(MysqlGtidSet().Contains(MysqlGtid{u1, "", 1}));
}

TEST(MysqlGtidSetTest, ContainsSet) {
  MysqlGtidSet empty;
  MysqlGtidSet s = MustParse(U1() + ":1-5:10-20:t:1," + U2() + ":3");
  EXPECT_TRUE(empty.Contains(empty));
  EXPECT_TRUE(s.Contains(empty));
  EXPECT_FALSE(empty.Contains(s));
  EXPECT_TRUE(s.Contains(s));
  EXPECT_TRUE(s.Contains(MustParse(U1() + ":2-4:10:15-20")));
  EXPECT_TRUE(s.Contains(MustParse(U1() + ":t:1," + U2() + ":3")));
  EXPECT_FALSE(s.Contains(MustParse(U1() + ":4-6")));   // partial overlap
  EXPECT_FALSE(s.Contains(MustParse(U1() + ":1-20")));  // spans a gap
  EXPECT_FALSE(s.Contains(MustParse(U1() + ":t:2")));   // same uuid, other tag gnos
  EXPECT_FALSE(s.Contains(MustParse(U1() + ":u:1")));   // unknown tag
  EXPECT_FALSE(s.Contains(MustParse(U2() + ":2-3")));
  EXPECT_FALSE(s.Contains(MustParse("5e11fa47-71ca-11e1-9e33-c80aa9429562:1")));
  EXPECT_FALSE(MustParse(U1() + ":1-5").Contains(MustParse(U1() + ":1-5:t:1")));
}

TEST(MysqlGtidSetTest, Subtract) {
  auto sub = [](const std::string& a, const std::string& b) {
    return MustParse(a).Subtract(MustParse(b)).ToString();
  };
  EXPECT_EQ(sub("", ""), "");
  EXPECT_EQ(sub("", U1() + ":1-5"), "");
  EXPECT_EQ(sub(U1() + ":1-5", ""), U1() + ":1-5");
  EXPECT_EQ(sub(U1() + ":1-10", U1() + ":4-6"), U1() + ":1-3:7-10");  // splits an interval
  EXPECT_EQ(sub(U1() + ":1-10", U1() + ":1-10"), "");
  EXPECT_EQ(sub(U1() + ":1-10", U1() + ":1-20"), "");
  EXPECT_EQ(sub(U1() + ":1-10", U1() + ":1"), U1() + ":2-10");
  EXPECT_EQ(sub(U1() + ":1-10", U1() + ":10"), U1() + ":1-9");
  EXPECT_EQ(sub(U1() + ":1-10", U1() + ":11-20"), U1() + ":1-10");
  EXPECT_EQ(sub(U1() + ":1-3:5-7:9-11", U1() + ":2-10"), U1() + ":1:11");
  EXPECT_EQ(sub(U1() + ":1-20", U1() + ":2:4:6-8:20"), U1() + ":1:3:5:9-19");
  EXPECT_EQ(sub(U1() + ":5-8", U1() + ":1-2:4-5:8-9"), U1() + ":6-7");
  EXPECT_EQ(sub(U1() + ":1-5," + U2() + ":1-5", U2() + ":1-5"), U1() + ":1-5");  // disjoint
  EXPECT_EQ(sub(U1() + ":1-5:t:1-5", U1() + ":t:3"), U1() + ":1-5:t:1-2:4-5");
  EXPECT_EQ(sub(U1() + ":1-5:t:1-5", U1() + ":1-5"), U1() + ":t:1-5");
  EXPECT_EQ(sub(U1() + ":1-9223372036854775806", U1() + ":2-9223372036854775806"), U1() + ":1");
  EXPECT_EQ(sub(U1() + ":1-9223372036854775806", U1() + ":1-9223372036854775805"),
            U1() + ":9223372036854775806");
  // Subtract leaves the receiver untouched.
  MysqlGtidSet a = MustParse(U1() + ":1-10");
  MysqlGtidSet b = a.Subtract(MustParse(U1() + ":5"));
  EXPECT_EQ(a.ToString(), U1() + ":1-10");
  EXPECT_EQ(b.ToString(), U1() + ":1-4:6-10");
}

TEST(MysqlGtidSetTest, Equals) {
  EXPECT_TRUE(MysqlGtidSet().Equals(MysqlGtidSet()));
  EXPECT_EQ(MustParse(U1() + ":1-3:4-5"), MustParse(U1() + ":1-5"));
  EXPECT_FALSE(MustParse(U1() + ":1-5") == MustParse(U1() + ":1-6"));
  EXPECT_FALSE(MustParse(U1() + ":1-5") == MustParse(U1() + ":t:1-5"));
  // A uuid without intervals is not an entry.
  EXPECT_EQ(MustParse(U1() + "," + U2() + ":1"), MustParse(U2() + ":1"));
}

TEST(MysqlGtidSetTest, IterationInCanonicalOrder) {
  MysqlGtidSet s = MustParse(U2() + ":1," + U1() + ":b:2:a:3," + U1() + ":4");
  std::vector<std::string> keys;
  for (const auto& [tsid, intervals] : s.entries()) {
    keys.push_back(tsid.uuid.ToString() + "/" + tsid.tag);
    EXPECT_FALSE(intervals.empty());
  }
  EXPECT_EQ(keys, (std::vector<std::string>{U1() + "/", U1() + "/a", U1() + "/b", U2() + "/"}));
}

// Compares every operation against a brute-force model on small random sets.
TEST(MysqlGtidSetTest, RandomizedAgainstModel) {
  std::mt19937 rng(12345);
  const Uuid uuids[2] = {MustUuid(kU1), MustUuid(kU2)};
  const char* tags[2] = {"", "t"};
  using Model = std::set<std::tuple<int, int, int64_t>>;
  auto random_set = [&](MysqlGtidSet* set, Model* model) {
    int n = static_cast<int>(rng() % 12);
    for (int i = 0; i < n; ++i) {
      int u = static_cast<int>(rng() % 2), t = static_cast<int>(rng() % 2);
      int64_t start = 1 + rng() % 40;
      int64_t end = start + rng() % 6;
      ASSERT_TRUE(set->AddInterval(uuids[u], tags[t], start, end).ok());
      for (int64_t g = start; g <= end; ++g) model->insert({u, t, g});
    }
  };
  auto to_model = [&](const MysqlGtidSet& s) {
    Model m;
    for (const auto& [tsid, intervals] : s.entries()) {
      int u = tsid.uuid == uuids[0] ? 0 : 1;
      int t = tsid.tag.empty() ? 0 : 1;
      int64_t prev_end = -10;
      for (const GtidInterval& iv : intervals) {
        EXPECT_LE(iv.start, iv.end);
        EXPECT_GT(iv.start, prev_end + 1) << "intervals not merged: " << s.ToString();
        prev_end = iv.end;
        for (int64_t g = iv.start; g <= iv.end; ++g) m.insert({u, t, g});
      }
    }
    return m;
  };
  for (int iter = 0; iter < 500; ++iter) {
    MysqlGtidSet a, b;
    Model ma, mb;
    random_set(&a, &ma);
    random_set(&b, &mb);
    ASSERT_EQ(to_model(a), ma);
    // Text and binary round trips.
    EXPECT_EQ(MustParse(a.ToString()), a);
    Result<MysqlGtidSet> decoded = DecodeMysqlGtidSet(EncodeMysqlGtidSet(a));
    ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
    EXPECT_EQ(*decoded, a);
    // Union.
    MysqlGtidSet u = a;
    u.Union(b);
    Model mu = ma;
    mu.insert(mb.begin(), mb.end());
    EXPECT_EQ(to_model(u), mu);
    // Subtract.
    Model md;
    for (const auto& e : ma) {
      if (mb.count(e) == 0) md.insert(e);
    }
    EXPECT_EQ(to_model(a.Subtract(b)), md);
    // Contains.
    bool superset = std::includes(ma.begin(), ma.end(), mb.begin(), mb.end());
    EXPECT_EQ(a.Contains(b), superset) << a.ToString() << " vs " << b.ToString();
    EXPECT_TRUE(u.Contains(a));
    EXPECT_TRUE(u.Contains(b));
    for (int k = 0; k < 5; ++k) {
      int uu = static_cast<int>(rng() % 2), t = static_cast<int>(rng() % 2);
      int64_t g = 1 + rng() % 48;
      EXPECT_EQ(a.Contains(MysqlGtid{uuids[uu], tags[t], g}), ma.count({uu, t, g}) == 1);
    }
  }
}

// ---------------------------------------------------------------- binary

// PREVIOUS_GTIDS_LOG_EVENT bodies (without the 4-byte checksum) from
// /work/shared/testdata/binlogs/mysql_common (written by MySQL 8.x servers).
constexpr std::string_view kRealUntaggedHex =
    "0100000000000000"                  // n_sids = 1
    "b9b88c66075511f198994a9da94c4d71"  // uuid
    "0100000000000000"                  // n_intervals = 1
    "0100000000000000"                  // start = 1
    "0300000000000000";                 // end (exclusive) = 3
constexpr std::string_view kRealTaggedHex =
    "0102000000000001"  // format 1, n_sids = 2 in bits 8..55, format again in byte 0
    "55778904029911f1b1b84ef0c4956feb"  // uuid
    "00"                                // tag length 0 (untagged)
    "0100000000000000"
    "0100000000000000"
    "0e00000000000000"  // [1, 14)
    "55778904029911f1b1b84ef0c4956feb"
    "0a6d79746167"  // tag length 5 (varlen 5 << 1), "mytag"
    "0100000000000000"
    "0100000000000000"
    "0300000000000000";  // [1, 3)

TEST(MysqlGtidCodecTest, RealUntaggedVector) {
  std::string bytes = FromHex(kRealUntaggedHex);
  Result<MysqlGtidSet> s = DecodeMysqlGtidSet(bytes);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->ToString(), "b9b88c66-0755-11f1-9899-4a9da94c4d71:1-2");
  EXPECT_EQ(EncodeMysqlGtidSet(*s), bytes);
}

TEST(MysqlGtidCodecTest, RealTaggedVector) {
  std::string bytes = FromHex(kRealTaggedHex);
  ASSERT_EQ(bytes.size(), 95u);
  Result<MysqlGtidSet> s = DecodeMysqlGtidSet(bytes);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->ToString(), "55778904-0299-11f1-b1b8-4ef0c4956feb:1-13:mytag:1-2");
  EXPECT_EQ(EncodeMysqlGtidSet(*s), bytes);
  EXPECT_EQ(EncodeMysqlGtidSet(MustParse("55778904-0299-11f1-b1b8-4ef0c4956feb:1-13:mytag:1-2")),
            bytes);
}

TEST(MysqlGtidCodecTest, EmptySet) {
  EXPECT_EQ(EncodeMysqlGtidSet(MysqlGtidSet()), std::string(8, '\0'));
  Result<MysqlGtidSet> s = DecodeMysqlGtidSet(std::string(8, '\0'));
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(s->empty());
  // An empty tagged-format header is also valid.
  s = DecodeMysqlGtidSet(FromHex("0100000000000001"));
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_TRUE(s->empty());
}

TEST(MysqlGtidCodecTest, UntaggedLayout) {
  MysqlGtidSet s = MustParse(U2() + ":7," + U1() + ":1-5:9");
  std::string expected = U64Le(2) + UuidBytes(kU1) + U64Le(2) + U64Le(1) + U64Le(6) + U64Le(9) +
                         U64Le(10) + UuidBytes(kU2) + U64Le(1) + U64Le(7) + U64Le(8);
  EXPECT_EQ(EncodeMysqlGtidSet(s), expected);
  Result<MysqlGtidSet> d = DecodeMysqlGtidSet(expected);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(*d, s);
}

TEST(MysqlGtidCodecTest, TaggedLayout) {
  MysqlGtidSet s = MustParse(U1() + ":tag_1:3");
  std::string expected = U64Le((uint64_t{1} << 56) | (1 << 8) | 1) + UuidBytes(kU1) +
                         std::string(1, static_cast<char>(5 << 1)) + "tag_1" + U64Le(1) + U64Le(3) +
                         U64Le(4);
  EXPECT_EQ(EncodeMysqlGtidSet(s), expected);
  Result<MysqlGtidSet> d = DecodeMysqlGtidSet(expected);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(*d, s);
  // 32-character tag still fits the one-byte varlen length.
  MysqlGtidSet long_tag = MustParse(U1() + ":" + std::string(32, 'z') + ":1");
  d = DecodeMysqlGtidSet(EncodeMysqlGtidSet(long_tag));
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(*d, long_tag);
}

TEST(MysqlGtidCodecTest, TaggedDecodeNormalizesAndAcceptsLongVarlen) {
  // Uppercase tag bytes are accepted and lowercased (MySQL does the same).
  std::string bytes = U64Le((uint64_t{1} << 56) | (1 << 8) | 1) + UuidBytes(kU1) +
                      std::string(1, static_cast<char>(2 << 1)) + "AB" + U64Le(1) + U64Le(1) +
                      U64Le(2);
  Result<MysqlGtidSet> d = DecodeMysqlGtidSet(bytes);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->ToString(), U1() + ":ab:1");
  // A non-minimal two-byte varlen length (first byte ends in one 1 bit): 2 = (0x09 >> 2).
  bytes = U64Le((uint64_t{1} << 56) | (1 << 8) | 1) + UuidBytes(kU1) + "\x09" +
          std::string(1, '\0') + "ab" + U64Le(1) + U64Le(1) + U64Le(2);
  d = DecodeMysqlGtidSet(bytes);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->ToString(), U1() + ":ab:1");
}

TEST(MysqlGtidCodecTest, DuplicateSidEntriesAreUnited) {
  std::string bytes = U64Le(2) + UuidBytes(kU1) + U64Le(1) + U64Le(1) + U64Le(3) + UuidBytes(kU1) +
                      U64Le(1) + U64Le(3) + U64Le(5);
  Result<MysqlGtidSet> d = DecodeMysqlGtidSet(bytes);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->ToString(), U1() + ":1-4");
}

TEST(MysqlGtidCodecTest, ZeroIntervalEntry) {
  std::string bytes = U64Le(1) + UuidBytes(kU1) + U64Le(0);
  Result<MysqlGtidSet> d = DecodeMysqlGtidSet(bytes);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_TRUE(d->empty());
}

void ExpectCorruption(const std::string& bytes, std::string_view what) {
  Result<MysqlGtidSet> d = DecodeMysqlGtidSet(bytes);
  ASSERT_FALSE(d.ok()) << "expected failure: " << what;
  EXPECT_EQ(d.status().code(), Code::kCorruption) << d.status().ToString();
  EXPECT_NE(d.status().message().find(what), std::string_view::npos) << d.status().message();
}

TEST(MysqlGtidCodecTest, TruncatedAtEveryLength) {
  for (std::string_view hex : {kRealUntaggedHex, kRealTaggedHex}) {
    std::string bytes = FromHex(hex);
    for (size_t len = 0; len < bytes.size(); ++len) {
      Result<MysqlGtidSet> d = DecodeMysqlGtidSet(std::string_view(bytes).substr(0, len));
      ASSERT_FALSE(d.ok()) << "prefix of " << len << " bytes decoded";
      EXPECT_EQ(d.status().code(), Code::kCorruption) << d.status().ToString();
      size_t consumed = 12345;
      d = DecodeMysqlGtidSetPrefix(std::string_view(bytes).substr(0, len), &consumed);
      EXPECT_FALSE(d.ok());
      EXPECT_EQ(consumed, 12345u);
    }
  }
  ExpectCorruption("", "need 8 bytes");
  ExpectCorruption(U64Le(1) + UuidBytes(kU1), "claims 1 sids");
}

TEST(MysqlGtidCodecTest, TrailingBytes) {
  std::string bytes = FromHex(kRealUntaggedHex) + "abcd";
  ExpectCorruption(bytes, "4 trailing bytes");
  size_t consumed = 0;
  Result<MysqlGtidSet> d = DecodeMysqlGtidSetPrefix(bytes, &consumed);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(consumed, bytes.size() - 4);
  EXPECT_EQ(d->ToString(), "b9b88c66-0755-11f1-9899-4a9da94c4d71:1-2");
}

TEST(MysqlGtidCodecTest, HugeCounts) {
  ExpectCorruption(U64Le(0x00ffffffffffffffULL), "claims 72057594037927935 sids");
  ExpectCorruption(U64Le(0x01ffffffffffff01ULL) + std::string(100, 'x'), "sids but only 100");
  ExpectCorruption(U64Le(1) + UuidBytes(kU1) + U64Le(UINT64_MAX) + std::string(16, '\0'),
                   "claims 18446744073709551615 intervals");
  ExpectCorruption(U64Le(1) + UuidBytes(kU1) + U64Le(2) + U64Le(1) + U64Le(2),
                   "claims 2 intervals but only 16 bytes");
  // 2^60 * 16 overflows 64 bits; the check must not.
  ExpectCorruption(U64Le(1) + UuidBytes(kU1) + U64Le(uint64_t{1} << 60) + std::string(32, '\0'),
                   "intervals");
}

TEST(MysqlGtidCodecTest, BadIntervals) {
  auto one = [](uint64_t start, uint64_t end) {
    return U64Le(1) + UuidBytes(kU1) + U64Le(1) + U64Le(start) + U64Le(end);
  };
  ExpectCorruption(one(0, 5), "[0, 5) starts below 1");
  ExpectCorruption(one(5, 5), "[5, 5) is empty or reversed");
  ExpectCorruption(one(6, 5), "[6, 5) is empty or reversed");
  ExpectCorruption(one(1, uint64_t{1} << 63), "ends beyond the maximum gno");
  ExpectCorruption(one(uint64_t{1} << 63, UINT64_MAX), "ends beyond the maximum gno");
  auto two = [](uint64_t s1, uint64_t e1, uint64_t s2, uint64_t e2) {
    return U64Le(1) + UuidBytes(kU1) + U64Le(2) + U64Le(s1) + U64Le(e1) + U64Le(s2) + U64Le(e2);
  };
  ExpectCorruption(two(1, 5, 5, 8), "touches the previous interval");  // adjacent, not merged
  ExpectCorruption(two(1, 5, 3, 8), "overlaps");
  ExpectCorruption(two(6, 8, 1, 3), "ascending");
  Result<MysqlGtidSet> ok = DecodeMysqlGtidSet(one(1, uint64_t{INT64_MAX}));
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->ToString(), U1() + ":1-9223372036854775806");
  ok = DecodeMysqlGtidSet(two(1, 5, 6, 8));
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->ToString(), U1() + ":1-4:6-7");
}

TEST(MysqlGtidCodecTest, BadTags) {
  const std::string header = U64Le((uint64_t{1} << 56) | (1 << 8) | 1);
  auto with_tag = [&](const std::string& tag_field) {
    return header + UuidBytes(kU1) + tag_field + U64Le(1) + U64Le(1) + U64Le(2);
  };
  ExpectCorruption(with_tag(std::string(1, static_cast<char>(33 << 1)) + std::string(33, 'a')),
                   "tag length 33 exceeds the maximum 32");
  ExpectCorruption(with_tag("\x06"
                            "a-b"),
                   "invalid tag bytes 0x612d62");
  ExpectCorruption(with_tag("\x06"
                            "1ab"),
                   "invalid tag bytes");
  ExpectCorruption(with_tag(std::string("\x04"
                                        "a\0",
                                        3)),
                   "invalid tag bytes 0x6100");
  // A nine-byte varlen with a huge value.
  ExpectCorruption(with_tag("\xff" + U64Le(UINT64_MAX)), "tag length 18446744073709551615");
  // Varlen that claims more bytes than remain.
  ExpectCorruption(header + UuidBytes(kU1) + "\xff\x01", "claims 1 sids");
  // Two sids: the first long enough to pass the up-front size check, the second cut short.
  const std::string header2 = U64Le((uint64_t{1} << 56) | (2 << 8) | 1);
  const std::string first = UuidBytes(kU1) + std::string(1, '\0') + U64Le(1) + U64Le(1) + U64Le(2);
  ExpectCorruption(header2 + first + UuidBytes(kU2) + "\xff\x01",
                   "sid #1 at offset 49: truncated tag length");
  ExpectCorruption(header2 + first + UuidBytes(kU2) + "\x40" + "abcdefgh",
                   "sid #1 at offset 49: truncated tag");
  ExpectCorruption(header2 + first + UuidBytes(kU2) + "\x02" + "a" + "1234567",
                   "truncated interval count");
  ExpectCorruption(header2 + first + UuidBytes(kU2), "truncated tag length");
  ExpectCorruption(
      U64Le(2) + UuidBytes(kU1) + U64Le(1) + U64Le(1) + U64Le(2) + std::string(10, 'u'),
      "sid #1 at offset 48: truncated uuid");
}

TEST(MysqlGtidCodecTest, UnknownFormatVersion) {
  Result<MysqlGtidSet> d = DecodeMysqlGtidSet(U64Le(uint64_t{2} << 56) + std::string(64, '\0'));
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), Code::kNotSupported);
  EXPECT_NE(d.status().message().find("unknown format version 2"), std::string_view::npos);
  d = DecodeMysqlGtidSet(U64Le(uint64_t{0xff} << 56));
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), Code::kNotSupported);
}

// Arbitrary bytes must never crash (run under ASan/UBSan); whatever decodes re-encodes to a
// decodable value equal to itself.
TEST(MysqlGtidCodecTest, FuzzArbitraryBytes) {
  std::mt19937 rng(777);
  std::vector<std::string> seeds = {
      FromHex(kRealUntaggedHex), FromHex(kRealTaggedHex),
      EncodeMysqlGtidSet(MustParse(U1() + ":1-5:7:t:3," + U2() + ":9"))};
  int decoded_ok = 0;
  for (int iter = 0; iter < 20000; ++iter) {
    std::string bytes;
    if (iter % 2 == 0) {
      bytes = seeds[rng() % seeds.size()];
      int flips = 1 + static_cast<int>(rng() % 3);
      for (int f = 0; f < flips; ++f) {
        bytes[rng() % bytes.size()] = static_cast<char>(rng());
      }
      if (rng() % 4 == 0) bytes.resize(rng() % (bytes.size() + 1));
    } else {
      bytes.resize(rng() % 64);
      for (char& c : bytes) c = static_cast<char>(rng() % 4 == 0 ? rng() : 0);
      if (bytes.size() >= 8 && rng() % 2) bytes[7] = static_cast<char>(rng() % 3);
    }
    Result<MysqlGtidSet> d = DecodeMysqlGtidSet(bytes);
    if (!d.ok()) {
      EXPECT_TRUE(d.status().IsCorruption() || d.status().IsNotSupported());
      continue;
    }
    ++decoded_ok;
    Result<MysqlGtidSet> again = DecodeMysqlGtidSet(EncodeMysqlGtidSet(*d));
    ASSERT_TRUE(again.ok()) << again.status().ToString();
    EXPECT_EQ(*again, *d);
    EXPECT_EQ(MustParse(d->ToString()), *d);
  }
  EXPECT_GT(decoded_ok, 0);
}

// Walks a real binlog file and checks its PREVIOUS_GTIDS_LOG_EVENT body, if the test data is
// present on this machine.
std::string ReadPreviousGtidsBody(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto u32 = [&](size_t at) {
    return static_cast<uint32_t>(static_cast<uint8_t>(data[at])) |
           static_cast<uint32_t>(static_cast<uint8_t>(data[at + 1])) << 8 |
           static_cast<uint32_t>(static_cast<uint8_t>(data[at + 2])) << 16 |
           static_cast<uint32_t>(static_cast<uint8_t>(data[at + 3])) << 24;
  };
  size_t pos = 4;
  while (pos + 19 <= data.size()) {
    uint8_t type = static_cast<uint8_t>(data[pos + 4]);
    uint32_t size = u32(pos + 9);
    if (size < 19 || pos + size > data.size()) break;
    if (type == 35) return data.substr(pos + 19, size - 19 - 4);  // minus CRC32
    pos += size;
  }
  return {};
}

TEST(MysqlGtidCodecTest, RealBinlogFiles) {
  const std::string dir = "/work/shared/testdata/binlogs/mysql_common/";
  struct Case {
    const char* file;
    const char* expected;
  } cases[] = {
      {"binlog_transaction_with_GTID_TAG.000001",
       "55778904-0299-11f1-b1b8-4ef0c4956feb:1-13:mytag:1-2"},
      {"binlog_transaction_previous_GTID_no_tag.000001",
       "b9b88c66-0755-11f1-9899-4a9da94c4d71:1-2"},
      {"transaction_compression.000001", "357df524-4139-11ee-9979-b033ee13919e:1"},
      {"binlog_transaction_with_GTID.000001", ""},
  };
  int found = 0;
  for (const Case& c : cases) {
    std::string body = ReadPreviousGtidsBody(dir + c.file);
    if (body.empty()) continue;
    ++found;
    Result<MysqlGtidSet> d = DecodeMysqlGtidSet(body);
    ASSERT_TRUE(d.ok()) << c.file << ": " << d.status().ToString();
    EXPECT_EQ(d->ToString(), c.expected) << c.file;
    EXPECT_EQ(EncodeMysqlGtidSet(*d), body) << c.file;
  }
  if (found == 0) GTEST_SKIP() << "test binlogs not present under " << dir;
}

}  // namespace
}  // namespace dm::gtid
