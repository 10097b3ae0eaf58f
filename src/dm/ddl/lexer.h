#pragma once
// Lexer: splits MySQL/MariaDB SQL text into tokens, keeping each token's byte range in
// the original text so any part of a statement can be reproduced.
//
// Covers: unquoted identifiers (ASCII letters, digits, `_`, `$`, bytes >= 0x80, may start
// with a digit: `1t`), backtick identifiers (`` `a``b` ``), "..." identifiers in ANSI_QUOTES
// mode, '...' and "..." strings (backslash escapes unless NO_BACKSLASH_ESCAPES, doubled
// quotes), charset introducers (`_utf8mb4'x'`, `_binary 'x'`, `N'x'`), hex (`0x1F`,
// `X'1F'`) and bit (`0b01`, `b'01'`) literals, numbers (`1`, `1.5`, `.5`, `1e-3`), user and
// system variables (`@v`, `@'v'`, `@@session.x`), `?` placeholders, and operators. Comments
// (`-- `, `#`, `/* */`) are skipped; the content of version comments (`/*! ... */`,
// `/*!50100 ... */`, and MariaDB's `/*M!100100 ... */`) is lexed as code when the version
// applies (LexOptions), otherwise skipped like a comment.
//
// Failure: an unterminated string, quoted identifier or comment is kInvalidArgument naming
// the statement (first 200 bytes), the byte offset and the problem. Never reads past the
// input; never crashes on arbitrary bytes.
//
// Thread-safety: pure functions.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "dm/base/result.h"

namespace dm::ddl {

enum class TokenKind : uint8_t {
  kIdent,        // unquoted word: keyword or identifier (text = as written)
  kQuotedIdent,  // `x` (or "x" in ANSI_QUOTES): text = the name, quotes removed and undoubled
  kString,       // '...' / "...": text = the unescaped value; charset = introducer if any
  kNumber,       // 12, 1.5, .5, 1e3: text = as written
  kHex,          // 0x1F / X'1F': text = the hex digits
  kBit,          // 0b01 / B'01': text = the binary digits
  kVariable,     // @v, @@v, @@global.v: text = as written
  kParam,        // ?
  kOperator,     // ( ) , . ; = := <=> <= >= <> != < > + - * / % ^ ~ ! & | && || << >> -> ->> @
  kEnd,          // end of input (always the last token; begin == end == input size)
};

struct Token {
  TokenKind kind = TokenKind::kEnd;
  uint32_t begin = 0;  // byte offset of the token's first byte in the input
  uint32_t end = 0;    // one past its last byte (introducer included for strings)
  std::string text;    // see TokenKind
  std::string charset; // kString / kHex / kBit: "_utf8mb4", "N" ... introducer as written
  bool space_before = false;  // whitespace or a comment separates it from the previous token

  // True for an unquoted word equal (ASCII case-insensitively) to `upper_keyword`.
  bool Is(std::string_view upper_keyword) const;
  bool IsOp(std::string_view op) const { return kind == TokenKind::kOperator && text == op; }
  bool IsWord() const { return kind == TokenKind::kIdent || kind == TokenKind::kQuotedIdent; }
};

struct LexOptions {
  bool ansi_quotes = false;             // sql_mode ANSI_QUOTES: "x" is an identifier
  bool no_backslash_escapes = false;    // sql_mode NO_BACKSLASH_ESCAPES
  // /*!NNNNN ... */ content is code when NNNNN <= server_version (MySQL's rule); with
  // the default every versioned comment is code, as on the upstream that wrote it.
  uint32_t server_version = 999999;
  bool mariadb = true;                  // /*M!NNNNN ... */ is code only on MariaDB
};

// Tokens of `sql`, ending with one kEnd token.
Result<std::vector<Token>> Lex(std::string_view sql, const LexOptions& options = {});

// Splits a script (mydumper -schema.sql file, mysqldump output) into statements at `;`
// outside strings/comments; empty statements are dropped, each piece is trimmed. Version
// comments that hold a whole statement (`/*!40101 SET NAMES binary*/;`) stay as written.
Result<std::vector<std::string>> SplitStatements(std::string_view script,
                                                 const LexOptions& options = {});

// "statement 'CREATE TABLE ...' at byte 17: <problem>" (statement cut to 200 bytes).
std::string DescribeError(std::string_view sql, size_t offset, std::string_view problem);

// Backtick-quotes an identifier, doubling backticks inside.
std::string QuoteIdent(std::string_view name);
// Single-quotes a string value for SQL, escaping ' and \ (and NUL, newline, CR, ^Z).
std::string QuoteString(std::string_view value);

}  // namespace dm::ddl
