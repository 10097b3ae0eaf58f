#include "dm/gtid/mariadb_gtid.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

namespace dm::gtid {
namespace {

MariaGtid MustGtid(std::string_view text) {
  Result<MariaGtid> r = MariaGtid::Parse(text);
  EXPECT_TRUE(r.ok()) << text << ": " << r.status().ToString();
  return r.ok() ? *r : MariaGtid{};
}

MariaGtidList MustList(std::string_view text) {
  Result<MariaGtidList> r = MariaGtidList::Parse(text);
  EXPECT_TRUE(r.ok()) << "'" << text << "': " << r.status().ToString();
  return r.ok() ? *r : MariaGtidList();
}

std::string Canon(std::string_view text) { return MustList(text).ToString(); }

TEST(MariaGtidTest, ParseAndFormat) {
  MariaGtid g = MustGtid("0-1-100");
  EXPECT_EQ(g.domain, 0u);
  EXPECT_EQ(g.server_id, 1u);
  EXPECT_EQ(g.seq, 100u);
  EXPECT_EQ(g.ToString(), "0-1-100");
  EXPECT_EQ(MustGtid("  4294967295-4294967295-18446744073709551615\n"),
            (MariaGtid{4294967295u, 4294967295u, 18446744073709551615ull}));
  EXPECT_EQ(MustGtid("007-01-0").ToString(), "7-1-0");
}

TEST(MariaGtidTest, RejectsMalformed) {
  struct Case {
    std::string text;
    std::string reason;
  };
  const Case cases[] = {
      {"", "expected three"},
      {"0-1", "expected three"},
      {"0-1-", "seq is empty"},
      {"-1-1", "domain is empty"},
      {"0--1", "server_id is empty"},
      {"0-1-2-3", "seq '2-3' is not a decimal number"},
      {"a-1-2", "domain 'a' is not a decimal number"},
      {"0-1-+2", "is not a decimal number"},
      {"0 -1-2", "is not a decimal number"},
      {"4294967296-1-2", "domain 4294967296 exceeds the maximum 4294967295"},
      {"0-4294967296-2", "server_id 4294967296 exceeds the maximum"},
      {"0-1-18446744073709551616", "seq 18446744073709551616 exceeds the maximum"},
  };
  for (const Case& c : cases) {
    Result<MariaGtid> r = MariaGtid::Parse(c.text);
    ASSERT_FALSE(r.ok()) << c.text;
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
    std::string message(r.status().message());
    EXPECT_NE(message.find(c.reason), std::string::npos) << message;
    EXPECT_NE(message.find("invalid MariaDB GTID '" + c.text + "'"), std::string::npos) << message;
    EXPECT_NE(message.find("expected form domain-server_id-seq"), std::string::npos) << message;
  }
}

TEST(MariaGtidListTest, ParseAndFormat) {
  EXPECT_TRUE(MustList("").empty());
  EXPECT_TRUE(MustList(" \n ").empty());
  EXPECT_EQ(Canon("0-1-100"), "0-1-100");
  EXPECT_EQ(Canon("0-1-100,1-2-7"), "0-1-100,1-2-7");
  EXPECT_EQ(Canon("5-1-1,1-2-7,0-1-100"), "0-1-100,1-2-7,5-1-1");  // sorted by domain
  EXPECT_EQ(Canon(" 1-2-7 ,\n 0-1-100 "), "0-1-100,1-2-7");
  MariaGtidList l = MustList("0-1-100,1-2-7");
  EXPECT_EQ(l.size(), 2u);
  ASSERT_NE(l.Get(1), nullptr);
  EXPECT_EQ(*l.Get(1), (MariaGtid{1, 2, 7}));
  EXPECT_EQ(l.Get(2), nullptr);
}

TEST(MariaGtidListTest, ParseErrors) {
  struct Case {
    std::string text;
    std::string reason;
  };
  const Case cases[] = {
      {"0-1-100,0-2-200", "domain 0 appears twice (0-1-100 and 0-2-200)"},
      {"0-1-100,", "element #1 is empty"},
      {",0-1-100", "element #0 is empty"},
      {"0-1-100,,1-1-1", "element #1 is empty"},
      {"0-1-100,x", "element 'x': expected three"},
      {"0-1-100;1-1-1", "seq '100;1-1-1' is not a decimal number"},
      {"0-1-100 garbage", "is not a decimal number"},
  };
  for (const Case& c : cases) {
    Result<MariaGtidList> r = MariaGtidList::Parse(c.text);
    ASSERT_FALSE(r.ok()) << c.text;
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
    std::string message(r.status().message());
    EXPECT_NE(message.find(c.reason), std::string::npos) << message;
    EXPECT_NE(message.find("invalid MariaDB GTID list '" + c.text + "'"), std::string::npos)
        << message;
    EXPECT_NE(message.find("expected form 0-1-100,1-2-7"), std::string::npos) << message;
  }
}

TEST(MariaGtidListTest, Update) {
  MariaGtidList l;
  l.Update({0, 1, 5});
  l.Update({1, 1, 3});
  EXPECT_EQ(l.ToString(), "0-1-5,1-1-3");
  l.Update({0, 2, 6});
  EXPECT_EQ(l.ToString(), "0-2-6,1-1-3");
  // Update replaces unconditionally, even with a lower seq (e.g. after a failover).
  l.Update({0, 3, 1});
  EXPECT_EQ(l.ToString(), "0-3-1,1-1-3");
}

TEST(MariaGtidListTest, Union) {
  MariaGtidList a = MustList("0-1-100,1-2-7");
  MariaGtidList empty;
  MariaGtidList x = empty;
  x.Union(empty);
  EXPECT_TRUE(x.empty());
  x.Union(a);
  EXPECT_EQ(x, a);
  x.Union(empty);
  EXPECT_EQ(x, a);
  x.Union(MustList("0-3-50,1-3-9,2-1-1"));
  EXPECT_EQ(x.ToString(), "0-1-100,1-3-9,2-1-1");
  // Tie on seq keeps ours.
  MariaGtidList y = MustList("0-1-5");
  y.Union(MustList("0-2-5"));
  EXPECT_EQ(y.ToString(), "0-1-5");
  y.Union(y);
  EXPECT_EQ(y.ToString(), "0-1-5");
}

TEST(MariaGtidListTest, Contains) {
  MariaGtidList l = MustList("0-1-100,1-2-7");
  EXPECT_TRUE(l.Contains(MariaGtid{0, 1, 100}));
  EXPECT_TRUE(l.Contains(MariaGtid{0, 9, 1}));  // server_id does not matter
  EXPECT_TRUE(l.Contains(MariaGtid{0, 1, 0}));
  EXPECT_FALSE(l.Contains(MariaGtid{0, 1, 101}));
  EXPECT_FALSE(l.Contains(MariaGtid{2, 1, 1}));
  EXPECT_FALSE(MariaGtidList().Contains(MariaGtid{0, 1, 1}));

  MariaGtidList empty;
  EXPECT_TRUE(empty.Contains(empty));
  EXPECT_TRUE(l.Contains(empty));
  EXPECT_FALSE(empty.Contains(l));
  EXPECT_TRUE(l.Contains(l));
  EXPECT_TRUE(l.Contains(MustList("0-5-50")));
  EXPECT_TRUE(l.Contains(MustList("1-2-7,0-1-99")));
  EXPECT_FALSE(l.Contains(MustList("0-1-99,1-2-8")));
  EXPECT_FALSE(l.Contains(MustList("0-1-1,3-1-1")));
}

TEST(MariaGtidListTest, Subtract) {
  MariaGtidList l = MustList("0-1-100,1-2-7,2-1-5");
  EXPECT_EQ(l.Subtract(MariaGtidList()).ToString(), l.ToString());
  EXPECT_TRUE(MariaGtidList().Subtract(l).empty());
  EXPECT_TRUE(l.Subtract(l).empty());
  EXPECT_EQ(l.Subtract(MustList("0-1-100,1-2-6")).ToString(), "1-2-7,2-1-5");
  EXPECT_EQ(l.Subtract(MustList("0-1-200,2-1-5,9-9-9")).ToString(), "1-2-7");
  EXPECT_EQ(l.ToString(), "0-1-100,1-2-7,2-1-5");  // unchanged
}

TEST(MariaGtidListTest, Equals) {
  EXPECT_EQ(MustList("1-2-7,0-1-100"), MustList("0-1-100,1-2-7"));
  EXPECT_FALSE(MustList("0-1-100") == MustList("0-2-100"));
  EXPECT_FALSE(MustList("0-1-100") == MustList("0-1-100,1-1-1"));
  EXPECT_TRUE(MariaGtidList().Equals(MustList("")));
}

TEST(MariaGtidListTest, IterationSortedByDomain) {
  MariaGtidList l = MustList("3-1-1,1-1-1,2-1-1");
  std::vector<uint32_t> domains;
  for (const auto& [domain, gtid] : l.entries()) {
    EXPECT_EQ(domain, gtid.domain);
    domains.push_back(domain);
  }
  EXPECT_EQ(domains, (std::vector<uint32_t>{1, 2, 3}));
}

}  // namespace
}  // namespace dm::gtid
