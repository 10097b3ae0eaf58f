#pragma once
// Expr: one parsed SQL expression of an expression-filter rule, evaluated with MySQL
// semantics against one row (internal to dm::rules; ExpressionFilter is the public face).
//
// Grammar (MySQL precedence, lowest first): OR/|| ; XOR ; AND/&& ; NOT ; comparison
// (= <=> <> != < <= > >=, IS [NOT] NULL/TRUE/FALSE/UNKNOWN, [NOT] IN (...),
// [NOT] BETWEEN x AND y, [NOT] LIKE p [ESCAPE c], [NOT] REGEXP/RLIKE p) ; | ; & ;
// << >> ; + - ; * / DIV % MOD ; ^ ; unary - + ~ ! ; primary (literals, columns,
// function calls, CASE, parentheses).
// Literals: integers, decimals (`1.5`, exact), doubles (`1e3`), 'strings' and "strings"
// with MySQL backslash escapes, x'0A' / 0x0A / b'101' / 0b101 (binary strings; numbers
// in numeric context), TRUE, FALSE, NULL. Columns: plain or `backtick` identifiers,
// matched case-insensitively; a qualifier (`t`.`c`) is accepted and ignored.
//
// Values and comparisons follow MySQL's type-conversion rules:
//   - any NULL operand -> NULL (except <=>, IS, IN/COALESCE/IFNULL/IF rules);
//   - string vs string: case-insensitive, trailing spaces ignored (a *_general_ci
//     PAD SPACE collation); byte-exact when a side is a binary literal;
//   - temporal (DATE/DATETIME/TIMESTAMP/TIME text) vs string/temporal: compared as
//     temporal values ('2021-6-1' = DATE '2021-06-01'); vs a number: as the number
//     YYYYMMDDhhmmss[.ffffff];
//   - integers (signed/unsigned) exactly; integer/decimal mixes as exact decimals;
//     everything else as doubles (strings converted by their numeric prefix, '12ab' = 12).
//   - arithmetic: integer ops stay integer (out-of-range is an error, as in MySQL);
//     decimal + - * are exact, `/` gives a decimal with the dividend's scale + 4; x/0,
//     x DIV 0, x % 0 are NULL.
// Limits: decimals are exact up to 38 significant digits (longer values and overflowing
// results fall back to double); LOWER/UPPER and case-insensitive comparison fold ASCII
// letters only; JSON operators, CAST, INTERVAL arithmetic, COLLATE and user variables
// are not supported (a syntax error names them); non-deterministic functions (NOW(),
// RAND(), ...) are rejected.
//
// Thread-safety: an Expr is immutable; Eval may run concurrently.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "dm/base/result.h"
#include "dm/rules/rules.h"

namespace dm::rules::internal {

struct ExprNode;

class Expr {
 public:
  // kInvalidArgument "syntax error at position N near `...`: <what>" (N is 1-based,
  // in bytes), or an unsupported / non-deterministic / unknown function, or a wrong
  // number of arguments, or an invalid constant REGEXP pattern.
  static Result<Expr> Parse(std::string_view text);

  // Evaluates against a row whose values are named by `columns` (same length as `row`).
  // kInvalidArgument for an unknown column or a runtime error MySQL would raise (BIGINT
  // out of range, invalid non-constant REGEXP pattern, bad ESCAPE).
  Result<Datum> Eval(const std::vector<std::string>& columns, const std::vector<Datum>& row) const;
  // MySQL truthiness of the result: NULL and 0 are false.
  Result<bool> IsTrue(const std::vector<std::string>& columns, const std::vector<Datum>& row) const;

  const std::string& text() const { return text_; }

 private:
  std::string text_;
  std::shared_ptr<const ExprNode> root_;
};

}  // namespace dm::rules::internal
