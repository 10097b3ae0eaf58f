#pragma once
// Parser: MySQL 5.7/8.0 and MariaDB 10.x statement text -> ddl::Statement (ast.h).
//
// Parse() builds a full AST for the DDL replication needs (CREATE/ALTER/DROP DATABASE,
// CREATE TABLE incl. LIKE, ALTER/DROP/RENAME/TRUNCATE TABLE, CREATE/DROP INDEX), a
// name-level AST for CREATE TABLE ... SELECT and views, and classifies everything else by
// its leading keywords (StatementKind::kBegin ... kUnknown) without interpreting it; such
// statements keep their text and are never rewritten. Nothing is guessed: a statement of
// a parsed kind that does not match the grammar is an error, never a partial result.
//
// Failure: kInvalidArgument "statement '<first 200 bytes>' at byte N: <problem>" (lexing
// errors, unexpected tokens, unknown data types, unbalanced parentheses). Parse never
// crashes and never reads outside its input, whatever the bytes.
//
// Thread-safety: pure functions.

#include <string_view>
#include <vector>

#include "dm/base/result.h"
#include "dm/ddl/ast.h"
#include "dm/ddl/lexer.h"

namespace dm::ddl {

struct ParseOptions {
  LexOptions lex;
};

Result<Statement> Parse(std::string_view sql, const ParseOptions& options = {});

// Kind and leading keywords only; never fails (bytes that do not lex give kUnknown).
// For deciding what to do with a statement Parse rejected.
Statement Classify(std::string_view sql, const ParseOptions& options = {});

// Parses every statement of a script (SplitStatements + Parse), e.g. a mydumper
// `<db>.<table>-schema.sql` file; the first failure is returned.
Result<std::vector<Statement>> ParseScript(std::string_view script,
                                           const ParseOptions& options = {});

}  // namespace dm::ddl
