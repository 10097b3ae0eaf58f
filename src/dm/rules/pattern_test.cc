#include "dm/rules/pattern.h"

#include <gtest/gtest.h>

namespace dm::rules::internal {
namespace {

TEST(WildcardTest, MatchesLikeDmTableSelector) {
  struct Case {
    const char* pattern;
    const char* name;
    bool match;
  } cases[] = {
      {"doc*", "doc", true},          // `*` matches the empty suffix
      {"doc*", "document", true},
      {"doc*", "dodo", false},
      {"*", "", true},
      {"*", "anything", true},
      {"a?b", "axb", true},
      {"a?b", "ab", false},
      {"a?b", "axxb", false},
      {"a?", "a\xc3\xa9", true},      // `?` is one UTF-8 character
      {"foo[bar]", "foor", true},
      {"foo[bar]", "foo[bar]", false},
      {"t[0-9]", "t7", true},
      {"t[0-9]", "tx", false},
      {"t[!0-9]", "tx", true},
      {"t[!0-9]", "t1", false},
      {"t[!]", "t!", true},           // `[!]` is a literal `!`
      {"a[b", "a[b", true},           // no `]`: literal `[`
      {"special\\", "special\\", true},
      {"foo?", "foo?", true},
      {"exact", "exact", true},
      {"exact", "exactly", false},
  };
  for (const Case& c : cases) {
    auto w = Wildcard::Compile(c.pattern, "test");
    ASSERT_TRUE(w.ok()) << c.pattern << ": " << w.status().ToString();
    EXPECT_EQ(w->Match(c.name), c.match) << c.pattern << " vs " << c.name;
  }
}

TEST(WildcardTest, StarMustBeLast) {
  auto w = Wildcard::Compile("a*b", "routes.r1 schema-pattern");
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.status().code(), Code::kInvalidArgument);
  EXPECT_NE(w.status().message().find("routes.r1 schema-pattern"), std::string_view::npos);
  EXPECT_NE(w.status().message().find("`*` may only be the last character"), std::string_view::npos);
  EXPECT_FALSE(Wildcard::Compile("", "x").ok());
}

TEST(NamePatternTest, RegexIsUnanchoredSearch) {
  auto p = NamePattern::Compile("~^foo", false, "x");
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p->Match("foobar"));
  EXPECT_TRUE(p->Match("FOO"));  // case-insensitive flag
  EXPECT_FALSE(p->Match("xfoo"));
  auto q = NamePattern::Compile("~bar", true, "x");
  ASSERT_TRUE(q.ok());
  EXPECT_TRUE(q->Match("foobarbaz"));
  EXPECT_FALSE(q->Match("BAR"));
  auto bad = NamePattern::Compile("~(", false, "do-dbs[0]");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("do-dbs[0]: invalid regular expression `(`"), std::string_view::npos);
}

TEST(SelectorTest, SchemaRulesComeFirstThenTrieOrder) {
  Selector s;
  int existing = -1;
  ASSERT_TRUE(s.Insert("db1", "t", 0, &existing).ok());
  ASSERT_TRUE(s.Insert("db*", "", 1, &existing).ok());
  ASSERT_TRUE(s.Insert("d*", "t*", 2, &existing).ok());
  ASSERT_TRUE(s.Insert("db?", "?", 3, &existing).ok());
  // Schema-level rule 1 first; then table-level rules of schema nodes in walk order:
  // `d*` (star seen at depth 1), `db?` (question at depth 2), `db1` (literal).
  EXPECT_EQ(s.Match("db1", "t"), (std::vector<int>{1, 2, 3, 0}));
  EXPECT_EQ(s.Match("db1", ""), (std::vector<int>{1}));
  EXPECT_EQ(s.Match("x", "t"), (std::vector<int>{}));

  Status dup = s.Insert("db*", "", 9, &existing);
  EXPECT_EQ(dup.code(), Code::kAlreadyExists);
  EXPECT_EQ(existing, 1);
  EXPECT_FALSE(s.Insert("a*b", "", 10, &existing).ok());
  EXPECT_FALSE(s.Insert("", "t", 11, &existing).ok());
}

TEST(SelectorTest, TableStarMatchesSchemaLevelStatements) {
  Selector s;
  int existing;
  ASSERT_TRUE(s.Insert("db", "*", 0, &existing).ok());
  ASSERT_TRUE(s.Insert("db", "t*", 1, &existing).ok());
  EXPECT_EQ(s.Match("db", ""), (std::vector<int>{0}));  // as DM's trie: `*` matches ""
  EXPECT_EQ(s.Match("db", "t1"), (std::vector<int>{0, 1}));
}

TEST(SystemSchemaTest, Names) {
  for (const char* s : {"mysql", "INFORMATION_SCHEMA", "performance_schema", "sys",
                        "metrics_schema", "inspection_schema", "DM_HEARTBEAT"}) {
    EXPECT_TRUE(IsSystemSchema(s)) << s;
  }
  EXPECT_FALSE(IsSystemSchema("mysql2"));
  EXPECT_FALSE(IsSystemSchema("app"));
}

}  // namespace
}  // namespace dm::rules::internal
