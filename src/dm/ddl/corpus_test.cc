// Corpus round-trip: every statement of testdata/*.sql parses to an AST, prints, re-parses
// to the same AST, prints identically again, and survives route rewriting and splitting.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "dm/config/rules.h"
#include "dm/ddl/parser.h"

namespace dm::ddl {
namespace {

std::vector<std::string> LoadCorpus(const std::string& file) {
  std::ifstream in(std::string(DM_DDL_TESTDATA) + "/" + file);
  EXPECT_TRUE(in.good()) << file;
  std::stringstream ss;
  ss << in.rdbuf();
  auto parts = SplitStatements(ss.str());
  EXPECT_TRUE(parts.ok()) << parts.status().ToString();
  return parts.ok() ? parts.value() : std::vector<std::string>{};
}

class CorpusTest : public ::testing::TestWithParam<std::string> {};

TEST_P(CorpusTest, ParsesPrintsAndRoundTrips) {
  auto stmts = LoadCorpus(GetParam());
  ASSERT_GT(stmts.size(), 40u);
  for (const std::string& sql : stmts) {
    SCOPED_TRACE(sql);
    auto r = Parse(sql);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    const Statement& st = r.value();
    ASSERT_TRUE(st.HasAst()) << StatementKindName(st.kind);
    EXPECT_TRUE(st.IsTableDdl());
    std::string printed = st.Print();
    auto again = Parse(printed);
    ASSERT_TRUE(again.ok()) << "re-parse of printed SQL failed: " << printed << "\n"
                            << again.status().ToString();
    EXPECT_TRUE(again.value() == st) << "printed: " << printed;
    EXPECT_EQ(again->Print(), printed);

    // Tables and event names.
    auto tables = st.Tables("dflt");
    EXPECT_FALSE(tables.empty());
    for (const auto& t : tables) EXPECT_FALSE(t.schema.empty());
    auto events = st.EventNames();
    if (st.kind != StatementKind::kAlterView) {
      ASSERT_FALSE(events.empty());
      EXPECT_EQ(events.back(), st.EventName());
    }
    for (const std::string& e : events) {
      EXPECT_EQ(config::CanonicalEventType(e).value_or("?"), e) << "not a DM event name: " << e;
    }

    // Route rewrite: every name moves to schema `tgt` with prefix r_.
    Statement routed = st;
    routed.RewriteTables("dflt", [](const rules::TableRef& t) {
      return rules::TableRef{"tgt", t.table.empty() ? "" : "r_" + t.table};
    });
    auto rt = Parse(routed.text);
    ASSERT_TRUE(rt.ok()) << routed.text << "\n" << rt.status().ToString();
    auto rtables = rt->Tables("other");
    ASSERT_EQ(rtables.size(), tables.size()) << routed.text;
    for (size_t i = 0; i < rtables.size(); ++i) {
      EXPECT_EQ(rtables[i].schema, "tgt") << routed.text;
      if (!tables[i].table.empty()) {
        EXPECT_EQ(rtables[i].table, "r_" + tables[i].table);
      }
    }

    // Splitting keeps every part parseable and loses no table.
    for (bool alter_actions : {false, true}) {
      auto parts = st.Split(alter_actions);
      ASSERT_FALSE(parts.empty());
      size_t n = 0;
      for (const Statement& p : parts) {
        auto pp = Parse(p.text);
        ASSERT_TRUE(pp.ok()) << p.text << "\n" << pp.status().ToString();
        EXPECT_TRUE(pp.value() == p) << p.text;
        n += p.Tables("dflt").size();
      }
      if (st.kind == StatementKind::kDropTable || st.kind == StatementKind::kRenameTable) {
        EXPECT_EQ(n, tables.size());
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Files, CorpusTest,
                         ::testing::Values("mysql57.sql", "mysql80.sql", "mariadb.sql"),
                         [](const auto& info) {
                           std::string n = info.param;
                           return n.substr(0, n.find('.'));
                         });

TEST(CorpusSizeTest, AtLeast150Statements) {
  size_t n = 0;
  for (const char* f : {"mysql57.sql", "mysql80.sql", "mariadb.sql"}) n += LoadCorpus(f).size();
  EXPECT_GE(n, 150u);
}

}  // namespace
}  // namespace dm::ddl
