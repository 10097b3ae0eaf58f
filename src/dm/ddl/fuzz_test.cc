// Robustness: the lexer and parser must return (OK or an error) on any bytes, never crash,
// hang or read out of bounds (run under ASan with -DDM_SANITIZE=ON for the full check).
// libFuzzer-style: seeds are the corpus statements; mutations are truncations, byte flips,
// insertions of SQL-significant bytes, and splices of two statements.
#include <gtest/gtest.h>

#include <fstream>
#include <random>
#include <sstream>

#include "dm/ddl/parser.h"

namespace dm::ddl {
namespace {

std::vector<std::string> Seeds() {
  std::vector<std::string> out;
  for (const char* f : {"mysql57.sql", "mysql80.sql", "mariadb.sql"}) {
    std::ifstream in(std::string(DM_DDL_TESTDATA) + "/" + f);
    std::stringstream ss;
    ss << in.rdbuf();
    auto parts = SplitStatements(ss.str());
    if (parts.ok()) out.insert(out.end(), parts->begin(), parts->end());
  }
  return out;
}

// Exercises every entry point on `input`; checks the invariants that hold for any input.
void Exercise(const std::string& input) {
  ParseOptions ansi;
  ansi.lex.ansi_quotes = true;
  for (const ParseOptions& o : {ParseOptions{}, ansi}) {
    auto r = Parse(input, o);
    Statement c = Classify(input, o);
    if (r.ok()) {
      EXPECT_EQ(c.kind, r->kind);
      std::string printed = r->Print();
      auto again = Parse(printed, o);
      if (r->HasAst()) {
        // What parsed once must parse again after printing.
        EXPECT_TRUE(again.ok()) << "input: " << input << "\nprinted: " << printed;
      }
      (void)r->Tables("db");
      (void)r->EventNames();
      (void)r->Split(true);
    } else {
      EXPECT_FALSE(r.status().message().empty());
      EXPECT_NE(r.status().message().find("at byte"), std::string::npos) << r.status().message();
    }
  }
  (void)SplitStatements(input);
}

TEST(FuzzTest, TruncationsOfCorpus) {
  auto seeds = Seeds();
  ASSERT_GT(seeds.size(), 100u);
  for (const std::string& s : seeds) {
    for (size_t n = 0; n < s.size(); n += 1 + s.size() / 40) Exercise(s.substr(0, n));
  }
}

TEST(FuzzTest, RandomMutations) {
  auto seeds = Seeds();
  ASSERT_FALSE(seeds.empty());
  std::mt19937 rng(20240611);
  static constexpr char kSpecial[] = "'\"`()\\,;.-#/*!@?=_xXbBN0123456789 \n\t\x80\xff";
  for (int iter = 0; iter < 20000; ++iter) {
    std::string s = seeds[rng() % seeds.size()];
    int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits && !s.empty(); ++e) {
      size_t pos = rng() % s.size();
      switch (rng() % 5) {
        case 0: s[pos] = static_cast<char>(rng() & 0xff); break;
        case 1: s.insert(pos, 1, kSpecial[rng() % (sizeof(kSpecial) - 1)]); break;
        case 2: s.erase(pos, 1 + rng() % 8); break;
        case 3: s = s.substr(0, pos) + seeds[rng() % seeds.size()].substr(pos % 7); break;
        case 4: s.insert(pos, s.substr(rng() % s.size(), rng() % 16)); break;
      }
    }
    Exercise(s);
  }
}

TEST(FuzzTest, RandomBytes) {
  std::mt19937 rng(7);
  for (int iter = 0; iter < 5000; ++iter) {
    std::string s(rng() % 64, '\0');
    for (char& c : s) c = static_cast<char>(rng() & 0xff);
    Exercise(s);
    Exercise("ALTER TABLE t " + s);
    Exercise("CREATE TABLE t (" + s);
  }
}

}  // namespace
}  // namespace dm::ddl
