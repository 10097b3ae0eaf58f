#include "dm/ddl/lexer.h"

#include <gtest/gtest.h>

namespace dm::ddl {
namespace {

std::vector<Token> MustLex(std::string_view sql, LexOptions o = {}) {
  auto r = Lex(sql, o);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? r.value() : std::vector<Token>{};
}

std::string Kinds(const std::vector<Token>& toks) {
  std::string out;
  for (const Token& t : toks) {
    switch (t.kind) {
      case TokenKind::kIdent: out += "I"; break;
      case TokenKind::kQuotedIdent: out += "Q"; break;
      case TokenKind::kString: out += "S"; break;
      case TokenKind::kNumber: out += "N"; break;
      case TokenKind::kHex: out += "X"; break;
      case TokenKind::kBit: out += "B"; break;
      case TokenKind::kVariable: out += "V"; break;
      case TokenKind::kParam: out += "?"; break;
      case TokenKind::kOperator: out += "o"; break;
      case TokenKind::kEnd: out += "$"; break;
    }
  }
  return out;
}

TEST(LexerTest, IdentifiersAndBackticks) {
  auto t = MustLex("SELECT `a``b`, `ä`, 1abc, db.1t, ab$c FROM t");
  ASSERT_EQ(Kinds(t), "IQoQoIoIoIoIII$");
  EXPECT_EQ(t[1].text, "a`b");
  EXPECT_EQ(t[3].text, "ä");
  EXPECT_EQ(t[5].text, "1abc");
  EXPECT_EQ(t[9].text, "1t");
  EXPECT_EQ(t[11].text, "ab$c");
  EXPECT_TRUE(t[0].Is("select"));
  EXPECT_FALSE(t[1].Is("a`b"));  // quoted words are never keywords
}

TEST(LexerTest, StringsEscapesAndQuotes) {
  auto t = MustLex(R"('it''s' "say \"hi\"" 'a\nb\\c' '\%')");
  ASSERT_EQ(Kinds(t), "SSSS$");
  EXPECT_EQ(t[0].text, "it's");
  EXPECT_EQ(t[1].text, "say \"hi\"");
  EXPECT_EQ(t[2].text, "a\nb\\c");
  EXPECT_EQ(t[3].text, "\\%");
  LexOptions nbe;
  nbe.no_backslash_escapes = true;
  auto u = MustLex(R"('a\' 'b')", nbe);
  ASSERT_EQ(Kinds(u), "SS$");
  EXPECT_EQ(u[0].text, "a\\");
}

TEST(LexerTest, AnsiQuotesMakeIdentifiers) {
  LexOptions o;
  o.ansi_quotes = true;
  auto t = MustLex(R"(CREATE TABLE "my""t" ('x'))", o);
  ASSERT_EQ(Kinds(t), "IIQoSo$");
  EXPECT_EQ(t[2].text, "my\"t");
  auto u = MustLex(R"(CREATE TABLE "t")");
  EXPECT_EQ(Kinds(u), "IIS$");
}

TEST(LexerTest, IntroducersHexBit) {
  auto t = MustLex("_utf8mb4'x' _binary 'y' N'z' 0x1F X'ab' b'101' 0b11 _latin1 X'41' 0xZZ");
  ASSERT_EQ(Kinds(t), "SSSXXBBXI$");
  EXPECT_EQ(t[0].charset, "_utf8mb4");
  EXPECT_EQ(t[0].text, "x");
  EXPECT_EQ(t[1].charset, "_binary");
  EXPECT_EQ(t[2].charset, "N");
  EXPECT_EQ(t[3].text, "1F");
  EXPECT_EQ(t[4].text, "ab");
  EXPECT_EQ(t[5].text, "101");
  EXPECT_EQ(t[7].charset, "_latin1");
  EXPECT_EQ(t[8].text, "0xZZ");  // an identifier
  EXPECT_FALSE(Lex("X'1G'").ok());
}

TEST(LexerTest, NumbersAndOperators) {
  auto t = MustLex("1 1.5 .5 1e10 2.5E-3 a<=>b :=c->>'$.x' @v @@global.x ? != <> <=");
  ASSERT_EQ(Kinds(t), "NNNNNIoIoIoSVV?ooo$");
  EXPECT_EQ(t[3].text, "1e10");
  EXPECT_EQ(t[4].text, "2.5E-3");
  EXPECT_EQ(t[6].text, "<=>");
  EXPECT_EQ(t[10].text, "->>");
  EXPECT_EQ(t[13].text, "@@global.x");
}

TEST(LexerTest, CommentsAndVersionComments) {
  auto t = MustLex(
      "CREATE /* c */ TABLE -- line\n t # hash\n (a INT) /*!50100 PARTITION BY HASH(a) */ "
      "/*M!100100 COMMENT 'm' */ /*!*/");
  std::string words;
  for (const Token& x : t) words += x.text + "|";
  EXPECT_EQ(words, "CREATE|TABLE|t|(|a|INT|)|PARTITION|BY|HASH|(|a|)|COMMENT|m||");
  LexOptions old;
  old.server_version = 50000;
  old.mariadb = false;
  auto u = MustLex("a /*!50100 b */ /*!40101 c */ /*M!1 d */ e", old);
  ASSERT_EQ(u.size(), 4u);
  EXPECT_EQ(u[1].text, "c");
  EXPECT_EQ(u[2].text, "e");
  // `--x` is not a comment (needs a space).
  auto v = MustLex("1--2");
  EXPECT_EQ(Kinds(v), "NooN$");
}

TEST(LexerTest, OffsetsReproduceSource) {
  std::string_view sql = "ALTER TABLE `t` ADD c VARCHAR(10) DEFAULT 'x''y'";
  auto t = MustLex(sql);
  std::string rebuilt;
  for (const Token& x : t) {
    if (x.kind == TokenKind::kEnd) break;
    if (x.space_before) rebuilt += " ";
    rebuilt += std::string(sql.substr(x.begin, x.end - x.begin));
  }
  EXPECT_EQ(rebuilt, sql);
  EXPECT_EQ(t.back().begin, sql.size());
}

TEST(LexerTest, ErrorsNameOffsetAndStatement) {
  auto r = Lex("CREATE TABLE t (a INT COMMENT 'oops)");
  ASSERT_FALSE(r.ok());
  std::string msg(r.status().message());
  EXPECT_NE(msg.find("at byte 30"), std::string::npos) << msg;
  EXPECT_NE(msg.find("unterminated string"), std::string::npos) << msg;
  EXPECT_NE(msg.find("CREATE TABLE t"), std::string::npos) << msg;
  EXPECT_FALSE(Lex("SELECT `abc").ok());
  EXPECT_FALSE(Lex("SELECT /* abc").ok());
  EXPECT_FALSE(Lex("SELECT /*! abc").ok());
}

TEST(LexerTest, SplitStatements) {
  auto r = SplitStatements(
      "/*!40101 SET NAMES binary*/;\n/*!40014 SET FOREIGN_KEY_CHECKS=0*/;\n\n"
      "CREATE TABLE `t` (\n  `a` int, `b` varchar(3) DEFAULT ';'\n) ENGINE=InnoDB;\n-- end\n");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[0], "/*!40101 SET NAMES binary*/");
  EXPECT_EQ((*r)[2].substr(0, 14), "CREATE TABLE `");
  EXPECT_NE((*r)[2].find("';'"), std::string::npos);
}

TEST(LexerTest, Quoting) {
  EXPECT_EQ(QuoteIdent("a`b"), "`a``b`");
  EXPECT_EQ(QuoteString("it's\\"), "'it''s\\\\'");
}

}  // namespace
}  // namespace dm::ddl
