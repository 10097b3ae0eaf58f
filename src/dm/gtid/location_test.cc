#include "dm/gtid/location.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

namespace dm::gtid {
namespace {

constexpr std::string_view kU1 = "3e11fa47-71ca-11e1-9e33-c80aa9429562";

GtidSet MustSet(Flavor flavor, std::string_view text) {
  Result<GtidSet> r = GtidSet::Parse(flavor, text);
  EXPECT_TRUE(r.ok()) << text << ": " << r.status().ToString();
  return r.ok() ? *r : GtidSet(flavor);
}

TEST(BinlogFileNameTest, NumericSuffixOrder) {
  EXPECT_LT(CompareBinlogFileName("mysql-bin.000009", "mysql-bin.000010"), 0);
  EXPECT_GT(CompareBinlogFileName("mysql-bin.000010", "mysql-bin.000009"), 0);
  EXPECT_EQ(CompareBinlogFileName("mysql-bin.000010", "mysql-bin.000010"), 0);
  EXPECT_LT(CompareBinlogFileName("mysql-bin.999999", "mysql-bin.1000000"), 0);
  EXPECT_LT(CompareBinlogFileName("mysql-bin.9", "mysql-bin.000010"), 0);
  // Suffixes longer than 64 bits still compare by value.
  EXPECT_LT(CompareBinlogFileName("b.99999999999999999999", "b.100000000000000000000"), 0);
  // Base names first.
  EXPECT_LT(CompareBinlogFileName("a-bin.000100", "b-bin.000001"), 0);
  EXPECT_GT(CompareBinlogFileName("mysql-bin.000001", "mariadb-bin.000002"), 0);
  // Same value, different spelling: not equal, ordered by text.
  EXPECT_NE(CompareBinlogFileName("bin.09", "bin.9"), 0);
  EXPECT_EQ(CompareBinlogFileName("bin.09", "bin.9"), -CompareBinlogFileName("bin.9", "bin.09"));
  // Names without a numeric suffix sort before numbered ones of the same base.
  EXPECT_LT(CompareBinlogFileName("bin", "bin.1"), 0);
  EXPECT_LT(CompareBinlogFileName("bin.x", "bin.y"), 0);
}

TEST(BinlogFileNameTest, IsAStrictTotalOrder) {
  std::vector<std::string> names = {"a.10", "a.9", "a.1x",  "a.9x",   "a", "a.", "a.0",  "a.00",
                                    "a.1",  "b.1", "a.b.3", "a.b.20", "",  ".5", "a.010"};
  for (const auto& x : names) {
    EXPECT_EQ(CompareBinlogFileName(x, x), 0);
    for (const auto& y : names) {
      int xy = CompareBinlogFileName(x, y);
      EXPECT_EQ(xy, -CompareBinlogFileName(y, x)) << x << " " << y;
      EXPECT_EQ(xy == 0, x == y) << x << " " << y;
      for (const auto& z : names) {
        if (xy < 0 && CompareBinlogFileName(y, z) < 0) {
          EXPECT_LT(CompareBinlogFileName(x, z), 0) << x << " " << y << " " << z;
        }
      }
    }
  }
  std::vector<std::string> sorted = {"mysql-bin.000100", "mysql-bin.000009", "mysql-bin.000010",
                                     "mysql-bin.000001"};
  std::sort(sorted.begin(), sorted.end(), [](const std::string& a, const std::string& b) {
    return CompareBinlogFileName(a, b) < 0;
  });
  EXPECT_EQ(sorted, (std::vector<std::string>{"mysql-bin.000001", "mysql-bin.000009",
                                              "mysql-bin.000010", "mysql-bin.000100"}));
}

TEST(BinlogPositionTest, Ordering) {
  BinlogPosition a{"mysql-bin.000009", 1000};
  BinlogPosition b{"mysql-bin.000010", 4};
  BinlogPosition c{"mysql-bin.000010", 120};
  EXPECT_LT(a, b);
  EXPECT_LT(b, c);
  EXPECT_LT(a, c);
  EXPECT_GT(c, a);
  EXPECT_EQ(b, (BinlogPosition{"mysql-bin.000010", 4}));
  EXPECT_NE(b, c);
  EXPECT_LE(b, b);
  EXPECT_TRUE((b <=> b) == 0);
}

TEST(BinlogPositionTest, ParseAndFormat) {
  Result<BinlogPosition> p = BinlogPosition::Parse("mysql-bin.000001:4");
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->file, "mysql-bin.000001");
  EXPECT_EQ(p->pos, 4u);
  EXPECT_EQ(p->ToString(), "mysql-bin.000001:4");
  // Split at the last ':' so odd file names survive.
  p = BinlogPosition::Parse("dir:x/bin.000002:18446744073709551615");
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->file, "dir:x/bin.000002");
  EXPECT_EQ(p->pos, UINT64_MAX);
  EXPECT_EQ(BinlogPosition::Parse(p->ToString())->file, p->file);

  for (std::string_view bad : {"", "mysql-bin.000001", ":4", "mysql-bin.000001:", "f:4x", "f:-1",
                               "f: 4", "f:18446744073709551616"}) {
    Result<BinlogPosition> r = BinlogPosition::Parse(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
    std::string message(r.status().message());
    EXPECT_NE(message.find("'" + std::string(bad) + "'"), std::string::npos) << message;
    EXPECT_NE(message.find("expected form file:pos"), std::string::npos) << message;
  }
}

TEST(FlavorTest, NamesAndParse) {
  EXPECT_EQ(FlavorName(Flavor::kMySQL), "mysql");
  EXPECT_EQ(FlavorName(Flavor::kMariaDB), "mariadb");
  EXPECT_EQ(*ParseFlavor("MySQL"), Flavor::kMySQL);
  EXPECT_EQ(*ParseFlavor("mariadb"), Flavor::kMariaDB);
  Result<Flavor> bad = ParseFlavor("postgres");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("'postgres'"), std::string_view::npos);
}

TEST(GtidSetTest, DefaultAndFlavors) {
  GtidSet d;
  EXPECT_EQ(d.flavor(), Flavor::kMySQL);
  EXPECT_TRUE(d.IsEmpty());
  EXPECT_EQ(d.ToString(), "");
  EXPECT_NE(d.mysql(), nullptr);
  EXPECT_EQ(d.mariadb(), nullptr);
  GtidSet m(Flavor::kMariaDB);
  EXPECT_EQ(m.flavor(), Flavor::kMariaDB);
  EXPECT_TRUE(m.IsEmpty());
  EXPECT_EQ(m.mysql(), nullptr);
  ASSERT_NE(m.mutable_mariadb(), nullptr);
  m.mutable_mariadb()->Update({0, 1, 2});
  EXPECT_EQ(m.ToString(), "0-1-2");
  EXPECT_FALSE(m.IsEmpty());
}

TEST(GtidSetTest, ParseBothFlavors) {
  GtidSet s = MustSet(Flavor::kMySQL, std::string(kU1) + ":1-5:6-7");
  EXPECT_EQ(s.flavor(), Flavor::kMySQL);
  EXPECT_EQ(s.ToString(), std::string(kU1) + ":1-7");
  GtidSet m = MustSet(Flavor::kMariaDB, "1-2-7,0-1-100");
  EXPECT_EQ(m.flavor(), Flavor::kMariaDB);
  EXPECT_EQ(m.ToString(), "0-1-100,1-2-7");
  EXPECT_FALSE(GtidSet::Parse(Flavor::kMySQL, "0-1-100").ok());
  EXPECT_FALSE(GtidSet::Parse(Flavor::kMariaDB, std::string(kU1) + ":1").ok());
  Result<GtidSet> e = GtidSet::Parse(Flavor::kMariaDB, "");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->flavor(), Flavor::kMariaDB);
  EXPECT_TRUE(e->IsEmpty());
}

TEST(GtidSetTest, ContainsAndUnion) {
  const std::string u1(kU1);
  GtidSet a = MustSet(Flavor::kMySQL, u1 + ":1-5");
  GtidSet b = MustSet(Flavor::kMySQL, u1 + ":3-9");
  EXPECT_FALSE(a.Contains(b));
  ASSERT_TRUE(a.Union(b).ok());
  EXPECT_EQ(a.ToString(), u1 + ":1-9");
  EXPECT_TRUE(a.Contains(b));
  EXPECT_TRUE(a.Contains(GtidSet()));

  GtidSet m = MustSet(Flavor::kMariaDB, "0-1-10");
  GtidSet m2 = MustSet(Flavor::kMariaDB, "0-1-12,1-1-1");
  EXPECT_FALSE(m.Contains(m2));
  ASSERT_TRUE(m.Union(m2).ok());
  EXPECT_EQ(m.ToString(), "0-1-12,1-1-1");
  EXPECT_TRUE(m.Contains(m2));

  // Mixed flavors: an empty set is contained in / united into anything, otherwise mismatch.
  EXPECT_TRUE(m.Contains(GtidSet()));
  EXPECT_TRUE(a.Contains(GtidSet(Flavor::kMariaDB)));
  EXPECT_FALSE(m.Contains(a));
  EXPECT_FALSE(a.Contains(m));
  EXPECT_FALSE(GtidSet().Contains(m));
  EXPECT_TRUE(m.Union(GtidSet()).ok());
  EXPECT_EQ(m.ToString(), "0-1-12,1-1-1");
  Status st = a.Union(m);
  EXPECT_EQ(st.code(), Code::kInvalidArgument);
  EXPECT_NE(st.message().find("flavors must match"), std::string_view::npos) << st.message();
  EXPECT_EQ(a.ToString(), u1 + ":1-9");
  EXPECT_FALSE(GtidSet().Union(m).ok());
}

TEST(GtidSetTest, Equality) {
  EXPECT_EQ(GtidSet(), GtidSet(Flavor::kMySQL));
  EXPECT_FALSE(GtidSet() == GtidSet(Flavor::kMariaDB));  // same (empty) content, other flavor
  EXPECT_EQ(MustSet(Flavor::kMariaDB, "0-1-1"), MustSet(Flavor::kMariaDB, " 0-1-1 "));
}

TEST(LocationTest, ToString) {
  Location loc{{"mysql-bin.000001", 4}, MustSet(Flavor::kMySQL, std::string(kU1) + ":1-5")};
  EXPECT_EQ(loc.ToString(),
            "position: (mysql-bin.000001, 4), gtid-set: " + std::string(kU1) + ":1-5");
  Location empty;
  EXPECT_EQ(empty.ToString(), "position: (, 0), gtid-set: ");
  Location maria{{"mariadb-bin.000002", 385}, MustSet(Flavor::kMariaDB, "0-1-100")};
  EXPECT_EQ(maria.ToString(), "position: (mariadb-bin.000002, 385), gtid-set: 0-1-100");
  EXPECT_EQ(maria, maria);
  EXPECT_FALSE(maria == loc);
}

}  // namespace
}  // namespace dm::gtid
