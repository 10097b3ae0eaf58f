#include "dm/rules/expr.h"

#include <re2/re2.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <functional>
#include <limits>

#include "dm/rules/expr_value.h"
#include "dm/rules/pattern.h"

namespace dm::rules::internal {

namespace {

// ============================================================================ lexer

enum class Tok { kEnd, kNumber, kString, kBinString, kIdent, kQuotedIdent, kOp };

struct Token {
  Tok kind = Tok::kEnd;
  std::string text;  // number text, decoded string, identifier, operator
  size_t pos = 0;    // byte offset in the expression
};

bool IsIdentChar(char c) {
  auto u = static_cast<unsigned char>(c);
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '$' || u >= 0x80;
}
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsHex(char c) { return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
int HexVal(char c) {
  if (IsDigit(c)) return c - '0';
  return (c | 0x20) - 'a' + 10;
}

std::string Near(std::string_view text, size_t pos) {
  if (pos >= text.size()) return "end of expression";
  std::string_view rest = text.substr(pos, 20);
  return "`" + std::string(rest) + (pos + 20 < text.size() ? "...`" : "`");
}

Status SyntaxError(std::string_view text, size_t pos, std::string_view what) {
  return Status::InvalidArgument("syntax error at position " + std::to_string(pos + 1) + " near " +
                                 Near(text, pos) + ": " + std::string(what));
}

std::string HexToBytes(std::string_view hex) {
  std::string out;
  size_t i = 0;
  if (hex.size() % 2 == 1) {
    out.push_back(static_cast<char>(HexVal(hex[0])));
    i = 1;
  }
  for (; i < hex.size(); i += 2) out.push_back(static_cast<char>(HexVal(hex[i]) * 16 + HexVal(hex[i + 1])));
  return out;
}

std::string BitsToBytes(std::string_view bits) {
  std::string out;
  size_t first = bits.size() % 8;
  auto byte_of = [&](size_t from, size_t len) {
    int v = 0;
    for (size_t k = 0; k < len; ++k) v = v * 2 + (bits[from + k] - '0');
    return static_cast<char>(v);
  };
  if (first) out.push_back(byte_of(0, first));
  for (size_t i = first; i < bits.size(); i += 8) out.push_back(byte_of(i, 8));
  return out;
}

Result<std::vector<Token>> Lex(std::string_view s) {
  std::vector<Token> out;
  size_t i = 0;
  while (true) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) ++i;
    Token t;
    t.pos = i;
    if (i >= s.size()) {
      out.push_back(t);
      return out;
    }
    char c = s[i];
    // x'..' / b'..'
    if ((c == 'x' || c == 'X' || c == 'b' || c == 'B') && i + 1 < s.size() && s[i + 1] == '\'') {
      bool hex = c == 'x' || c == 'X';
      size_t close = s.find('\'', i + 2);
      if (close == std::string_view::npos) return SyntaxError(s, i, "unterminated literal");
      std::string_view body = s.substr(i + 2, close - i - 2);
      for (char d : body) {
        if (hex ? !IsHex(d) : (d != '0' && d != '1')) {
          return SyntaxError(s, i, hex ? "x'...' takes hex digits only" : "b'...' takes 0 and 1 only");
        }
      }
      if (hex && body.size() % 2 == 1) return SyntaxError(s, i, "x'...' needs an even number of hex digits");
      t.kind = Tok::kBinString;
      t.text = hex ? HexToBytes(body) : BitsToBytes(body);
      i = close + 1;
      out.push_back(std::move(t));
      continue;
    }
    if (c == '0' && i + 2 < s.size() && (s[i + 1] == 'x' || s[i + 1] == 'b') &&
        (s[i + 1] == 'x' ? IsHex(s[i + 2]) : (s[i + 2] == '0' || s[i + 2] == '1'))) {
      bool hex = s[i + 1] == 'x';
      size_t j = i + 2;
      while (j < s.size() && (hex ? IsHex(s[j]) : (s[j] == '0' || s[j] == '1'))) ++j;
      if (j >= s.size() || !IsIdentChar(s[j])) {
        t.kind = Tok::kBinString;
        std::string_view body = s.substr(i + 2, j - i - 2);
        t.text = hex ? HexToBytes(body) : BitsToBytes(body);
        i = j;
        out.push_back(std::move(t));
        continue;
      }
    }
    if (IsDigit(c) || (c == '.' && i + 1 < s.size() && IsDigit(s[i + 1]))) {
      size_t j = i;
      while (j < s.size() && IsDigit(s[j])) ++j;
      if (j < s.size() && s[j] == '.') {
        ++j;
        while (j < s.size() && IsDigit(s[j])) ++j;
      }
      if (j < s.size() && (s[j] == 'e' || s[j] == 'E')) {
        size_t k = j + 1;
        if (k < s.size() && (s[k] == '+' || s[k] == '-')) ++k;
        if (k < s.size() && IsDigit(s[k])) {
          while (k < s.size() && IsDigit(s[k])) ++k;
          j = k;
        }
      }
      if (j < s.size() && IsIdentChar(s[j])) {
        return SyntaxError(s, i, "a number runs into a name; separate them with a space or "
                                 "quote the column name with backticks");
      }
      t.kind = Tok::kNumber;
      t.text = std::string(s.substr(i, j - i));
      i = j;
      out.push_back(std::move(t));
      continue;
    }
    if (c == '\'' || c == '"') {
      std::string v;
      size_t j = i + 1;
      bool closed = false;
      while (j < s.size()) {
        char d = s[j];
        if (d == c) {
          if (j + 1 < s.size() && s[j + 1] == c) {
            v.push_back(c);
            j += 2;
            continue;
          }
          closed = true;
          ++j;
          break;
        }
        if (d == '\\' && j + 1 < s.size()) {
          char e = s[j + 1];
          switch (e) {
            case '0': v.push_back('\0'); break;
            case 'b': v.push_back('\b'); break;
            case 'n': v.push_back('\n'); break;
            case 'r': v.push_back('\r'); break;
            case 't': v.push_back('\t'); break;
            case 'Z': v.push_back('\x1a'); break;
            case '%': v += "\\%"; break;  // kept for LIKE, as MySQL does
            case '_': v += "\\_"; break;
            default: v.push_back(e); break;
          }
          j += 2;
          continue;
        }
        v.push_back(d);
        ++j;
      }
      if (!closed) return SyntaxError(s, i, "unterminated string; close it with a matching quote");
      t.kind = Tok::kString;
      t.text = std::move(v);
      i = j;
      out.push_back(std::move(t));
      continue;
    }
    if (c == '`') {
      std::string v;
      size_t j = i + 1;
      bool closed = false;
      while (j < s.size()) {
        if (s[j] == '`') {
          if (j + 1 < s.size() && s[j + 1] == '`') {
            v.push_back('`');
            j += 2;
            continue;
          }
          closed = true;
          ++j;
          break;
        }
        v.push_back(s[j++]);
      }
      if (!closed) return SyntaxError(s, i, "unterminated `quoted` identifier");
      if (v.empty()) return SyntaxError(s, i, "empty `quoted` identifier");
      t.kind = Tok::kQuotedIdent;
      t.text = std::move(v);
      i = j;
      out.push_back(std::move(t));
      continue;
    }
    if (IsIdentChar(c)) {
      size_t j = i;
      while (j < s.size() && IsIdentChar(s[j])) ++j;
      t.kind = Tok::kIdent;
      t.text = std::string(s.substr(i, j - i));
      i = j;
      out.push_back(std::move(t));
      continue;
    }
    static constexpr std::string_view kOps[] = {"<=>", "->>", "<=", ">=", "<>", "!=", "<<", ">>",
                                                "&&",  "||",  "->", ":=", "=",  "<",  ">",  "(",
                                                ")",   ",",   "+",  "-",  "*",  "/",  "%",  "!",
                                                "~",   "^",   "&",  "|",  ".",  "@"};
    bool found = false;
    for (std::string_view op : kOps) {
      if (s.substr(i, op.size()) == op) {
        t.kind = Tok::kOp;
        t.text = std::string(op);
        i += op.size();
        found = true;
        break;
      }
    }
    if (!found) return SyntaxError(s, i, std::string("unexpected character `") + c + "`");
    out.push_back(std::move(t));
  }
}

}  // namespace

// ============================================================================ AST

enum class Op : uint8_t {
  kLit, kCol, kNeg, kBitNot, kNot, kAnd, kOr, kXor, kAdd, kSub, kMul, kDiv, kIntDiv, kMod,
  kBitAnd, kBitOr, kBitXor, kShl, kShr, kCmp, kIs, kIn, kBetween, kLike, kRegexp, kCase, kFunc
};
enum class Cmp : uint8_t { kEq, kNullSafeEq, kNe, kLt, kLe, kGt, kGe };
enum class IsWhat : uint8_t { kNull, kTrue, kFalse, kUnknown };

struct FuncDef;
using Args = std::vector<Value>;
using FnResult = Result<Value>;

struct ExprNode {
  Op op = Op::kLit;
  size_t pos = 0;
  Cmp cmp = Cmp::kEq;
  IsWhat is = IsWhat::kNull;
  bool negated = false;   // NOT IN / NOT BETWEEN / NOT LIKE / NOT REGEXP / IS NOT
  bool has_case_value = false;
  bool has_else = false;
  int trim_mode = 0;      // 0 both, 1 leading, 2 trailing
  Value lit;
  std::string name;       // column name / function name (lower-case)
  const FuncDef* fn = nullptr;
  std::vector<std::unique_ptr<ExprNode>> kids;
  std::shared_ptr<const re2::RE2> re;  // constant REGEXP pattern
};

struct FuncDef {
  std::string_view name;
  int min_args;
  int max_args;  // -1 = unbounded
  // Functions get evaluated arguments; NULL handling is theirs.
  std::function<FnResult(const Args&, const ExprNode&)> fn;
};

namespace {

using NodePtr = std::unique_ptr<ExprNode>;

// ============================================================================ functions

size_t Utf8Len(unsigned char lead) {
  if (lead < 0xC0) return 1;
  if (lead < 0xE0) return 2;
  if (lead < 0xF0) return 3;
  return 4;
}
// Byte offsets of each code point start, plus s.size().
std::vector<size_t> CharStarts(std::string_view s) {
  std::vector<size_t> v;
  for (size_t i = 0; i < s.size(); i += Utf8Len(static_cast<unsigned char>(s[i]))) v.push_back(i);
  v.push_back(s.size());
  return v;
}
int64_t ToInt64(const Value& v) {
  switch (v.k) {
    case Value::K::kInt: return v.i;
    case Value::K::kUint: return v.u > static_cast<uint64_t>(INT64_MAX) ? INT64_MAX : static_cast<int64_t>(v.u);
    default: {
      double d = std::round(ToDouble(v));
      if (d >= 9.2e18) return INT64_MAX;
      if (d <= -9.2e18) return INT64_MIN;
      return static_cast<int64_t>(d);
    }
  }
}
bool AnyNull(const Args& a) {
  for (const Value& v : a) if (v.null()) return true;
  return false;
}
std::string LowerAscii(std::string s) {
  for (char& c : s) if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  return s;
}
std::string UpperAscii(std::string s) {
  for (char& c : s) if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
  return s;
}
Value NumericArg(const Value& v) {
  if (v.k == Value::K::kTemporal) return TemporalToNumber(v);
  if (v.k == Value::K::kString) return Value::Double(ToDouble(v));
  return v;
}
Value DecOrInt(__int128 m) {
  if (m >= INT64_MIN && m <= INT64_MAX) return Value::Int(static_cast<int64_t>(m));
  return Value::Decimal(Dec{m, 0});
}

Value FnAbs(const Args& a) {
  Value v = NumericArg(a[0]);
  switch (v.k) {
    case Value::K::kNull: return v;
    case Value::K::kInt: return v.i == INT64_MIN ? Value::Decimal(Dec{-static_cast<__int128>(v.i), 0}) : Value::Int(v.i < 0 ? -v.i : v.i);
    case Value::K::kUint: return v;
    case Value::K::kDecimal: return Value::Decimal(Dec{v.dec.m < 0 ? -v.dec.m : v.dec.m, v.dec.scale});
    default: return Value::Double(std::fabs(ToDouble(v)));
  }
}

Value RoundImpl(const Value& in, int64_t digits, bool truncate) {
  Value v = NumericArg(in);
  if (v.null()) return v;
  if (digits > 30) digits = 30;
  if (digits < -38) digits = -38;
  if (v.k == Value::K::kDouble) {
    double f = std::pow(10.0, static_cast<double>(digits));
    double x = v.d * f;
    x = truncate ? std::trunc(x) : std::nearbyint(x);
    return Value::Double(x / f);
  }
  auto dec = ToDec(v);
  if (!dec) return Value::Double(ToDouble(v));
  if (digits >= dec->scale) return v;
  int keep = static_cast<int>(std::max<int64_t>(digits, 0));
  __int128 div = 1;
  for (int k = 0; k < dec->scale - keep; ++k) div *= 10;
  __int128 q = dec->m / div, rem = dec->m % div;
  if (!truncate && (rem < 0 ? -rem : rem) * 2 >= div) q += dec->m < 0 ? -1 : 1;
  if (digits < 0) {
    __int128 p = 1;
    for (int k = 0; k < -digits; ++k) p *= 10;
    __int128 r2 = q % p;
    q /= p;
    if (!truncate && (r2 < 0 ? -r2 : r2) * 2 >= p) q += dec->m < 0 ? -1 : 1;
    q *= p;
  }
  if (v.k == Value::K::kInt || v.k == Value::K::kUint) return DecOrInt(q);
  return Value::Decimal(Dec{q, keep});
}

Value FloorCeil(const Value& in, bool ceil) {
  Value v = NumericArg(in);
  if (v.null() || v.k == Value::K::kInt || v.k == Value::K::kUint) return v;
  if (v.k == Value::K::kDecimal) {
    __int128 div = 1;
    for (int k = 0; k < v.dec.scale; ++k) div *= 10;
    __int128 q = v.dec.m / div, rem = v.dec.m % div;
    if (rem != 0 && ceil && v.dec.m > 0) ++q;
    if (rem != 0 && !ceil && v.dec.m < 0) --q;
    return DecOrInt(q);
  }
  double d = ToDouble(v);
  return Value::Double(ceil ? std::ceil(d) : std::floor(d));
}

Value Substring(const std::string& s, int64_t pos, std::optional<int64_t> len) {
  std::vector<size_t> starts = CharStarts(s);
  auto n = static_cast<int64_t>(starts.size()) - 1;
  if (pos == 0 || pos > n || pos < -n) return Value::Str("");
  int64_t from = pos > 0 ? pos - 1 : n + pos;
  int64_t count = len ? *len : n - from;
  if (count <= 0) return Value::Str("");
  int64_t to = std::min(n, from + count);
  return Value::Str(s.substr(starts[static_cast<size_t>(from)], starts[static_cast<size_t>(to)] - starts[static_cast<size_t>(from)]));
}

Value FnDatePart(const Value& v, int part) {
  if (v.null()) return v;
  std::optional<Temporal> t = ParseTemporal(ToString(v));
  if (!t) return Value::Null();
  if (part <= 3 && !t->has_date) return Value::Null();
  switch (part) {
    case 0: {  // DATE()
      char buf[32];
      std::snprintf(buf, sizeof buf, "%04lld-%02lld-%02lld", static_cast<long long>(t->year),
                    static_cast<long long>(t->month), static_cast<long long>(t->day));
      return Value::Temporal(buf);
    }
    case 1: return Value::Int(t->year);
    case 2: return Value::Int(t->month);
    case 3: return Value::Int(t->day);
    case 4: return Value::Int(t->hour);
    case 5: return Value::Int(t->minute);
    default: return Value::Int(t->second);
  }
}

Value ModValues(const Value& a, const Value& b);

const std::vector<FuncDef>& Functions() {
  static const std::vector<FuncDef> kFns = {
      {"abs", 1, 1, [](const Args& a, const ExprNode&) -> FnResult { return FnAbs(a); }},
      {"length", 1, 1, [](const Args& a, const ExprNode&) -> FnResult {
         if (a[0].null()) return Value::Null();
         return Value::Int(static_cast<int64_t>(ToString(a[0]).size()));
       }},
      {"octet_length", 1, 1, [](const Args& a, const ExprNode&) -> FnResult {
         if (a[0].null()) return Value::Null();
         return Value::Int(static_cast<int64_t>(ToString(a[0]).size()));
       }},
      {"char_length", 1, 1, [](const Args& a, const ExprNode&) -> FnResult {
         if (a[0].null()) return Value::Null();
         return Value::Int(static_cast<int64_t>(CharStarts(ToString(a[0])).size() - 1));
       }},
      {"character_length", 1, 1, [](const Args& a, const ExprNode&) -> FnResult {
         if (a[0].null()) return Value::Null();
         return Value::Int(static_cast<int64_t>(CharStarts(ToString(a[0])).size() - 1));
       }},
      {"lower", 1, 1, [](const Args& a, const ExprNode&) -> FnResult {
         return a[0].null() ? Value::Null() : Value::Str(LowerAscii(ToString(a[0])));
       }},
      {"lcase", 1, 1, [](const Args& a, const ExprNode&) -> FnResult {
         return a[0].null() ? Value::Null() : Value::Str(LowerAscii(ToString(a[0])));
       }},
      {"upper", 1, 1, [](const Args& a, const ExprNode&) -> FnResult {
         return a[0].null() ? Value::Null() : Value::Str(UpperAscii(ToString(a[0])));
       }},
      {"ucase", 1, 1, [](const Args& a, const ExprNode&) -> FnResult {
         return a[0].null() ? Value::Null() : Value::Str(UpperAscii(ToString(a[0])));
       }},
      {"concat", 1, -1, [](const Args& a, const ExprNode&) -> FnResult {
         if (AnyNull(a)) return Value::Null();
         std::string s;
         for (const Value& v : a) s += ToString(v);
         return Value::Str(std::move(s));
       }},
      {"concat_ws", 2, -1, [](const Args& a, const ExprNode&) -> FnResult {
         if (a[0].null()) return Value::Null();
         std::string sep = ToString(a[0]), s;
         bool first = true;
         for (size_t i = 1; i < a.size(); ++i) {
           if (a[i].null()) continue;
           if (!first) s += sep;
           s += ToString(a[i]);
           first = false;
         }
         return Value::Str(std::move(s));
       }},
      {"substring", 2, 3, [](const Args& a, const ExprNode&) -> FnResult {
         if (AnyNull(a)) return Value::Null();
         return Substring(ToString(a[0]), ToInt64(a[1]),
                          a.size() > 2 ? std::optional<int64_t>(ToInt64(a[2])) : std::nullopt);
       }},
      {"left", 2, 2, [](const Args& a, const ExprNode&) -> FnResult {
         if (AnyNull(a)) return Value::Null();
         return Substring(ToString(a[0]), 1, ToInt64(a[1]));
       }},
      {"right", 2, 2, [](const Args& a, const ExprNode&) -> FnResult {
         if (AnyNull(a)) return Value::Null();
         std::string s = ToString(a[0]);
         int64_t n = ToInt64(a[1]);
         auto len = static_cast<int64_t>(CharStarts(s).size() - 1);
         if (n <= 0) return Value::Str("");
         return n >= len ? Value::Str(s) : Substring(s, -n, std::nullopt);
       }},
      {"trim", 1, 2, [](const Args& a, const ExprNode& node) -> FnResult {
         if (AnyNull(a)) return Value::Null();
         std::string s = ToString(a[0]);
         std::string rem = a.size() > 1 ? ToString(a[1]) : " ";
         if (rem.empty()) return Value::Str(s);
         if (node.trim_mode != 2) {
           while (s.compare(0, rem.size(), rem) == 0 && !s.empty()) s.erase(0, rem.size());
         }
         if (node.trim_mode != 1) {
           while (s.size() >= rem.size() && s.compare(s.size() - rem.size(), rem.size(), rem) == 0 && !s.empty()) {
             s.erase(s.size() - rem.size());
           }
         }
         return Value::Str(std::move(s));
       }},
      {"ltrim", 1, 1, [](const Args& a, const ExprNode&) -> FnResult {
         if (a[0].null()) return Value::Null();
         std::string s = ToString(a[0]);
         s.erase(0, s.find_first_not_of(' ') == std::string::npos ? s.size() : s.find_first_not_of(' '));
         return Value::Str(std::move(s));
       }},
      {"rtrim", 1, 1, [](const Args& a, const ExprNode&) -> FnResult {
         if (a[0].null()) return Value::Null();
         std::string s = ToString(a[0]);
         size_t end = s.find_last_not_of(' ');
         s.erase(end == std::string::npos ? 0 : end + 1);
         return Value::Str(std::move(s));
       }},
      {"replace", 3, 3, [](const Args& a, const ExprNode&) -> FnResult {
         if (AnyNull(a)) return Value::Null();
         std::string s = ToString(a[0]), from = ToString(a[1]), to = ToString(a[2]);
         if (from.empty()) return Value::Str(s);
         std::string out;
         size_t i = 0;
         for (size_t j; (j = s.find(from, i)) != std::string::npos; i = j + from.size()) {
           out.append(s, i, j - i).append(to);
         }
         out.append(s, i, std::string::npos);
         return Value::Str(std::move(out));
       }},
      {"coalesce", 1, -1, [](const Args& a, const ExprNode&) -> FnResult {
         for (const Value& v : a) if (!v.null()) return v;
         return Value::Null();
       }},
      {"ifnull", 2, 2, [](const Args& a, const ExprNode&) -> FnResult { return a[0].null() ? a[1] : a[0]; }},
      {"nullif", 2, 2, [](const Args& a, const ExprNode&) -> FnResult {
         auto c = Compare(a[0], a[1]);
         return c && *c == 0 ? Value::Null() : a[0];
       }},
      {"if", 3, 3, [](const Args& a, const ExprNode&) -> FnResult {
         auto t = Truth(a[0]);
         return t && *t ? a[1] : a[2];
       }},
      {"isnull", 1, 1, [](const Args& a, const ExprNode&) -> FnResult { return Value::Bool(a[0].null()); }},
      {"round", 1, 2, [](const Args& a, const ExprNode&) -> FnResult {
         if (AnyNull(a)) return Value::Null();
         return RoundImpl(a[0], a.size() > 1 ? ToInt64(a[1]) : 0, false);
       }},
      {"truncate", 2, 2, [](const Args& a, const ExprNode&) -> FnResult {
         if (AnyNull(a)) return Value::Null();
         return RoundImpl(a[0], ToInt64(a[1]), true);
       }},
      {"floor", 1, 1, [](const Args& a, const ExprNode&) -> FnResult { return FloorCeil(a[0], false); }},
      {"ceil", 1, 1, [](const Args& a, const ExprNode&) -> FnResult { return FloorCeil(a[0], true); }},
      {"ceiling", 1, 1, [](const Args& a, const ExprNode&) -> FnResult { return FloorCeil(a[0], true); }},
      {"sign", 1, 1, [](const Args& a, const ExprNode&) -> FnResult {
         if (a[0].null()) return Value::Null();
         auto c = Compare(NumericArg(a[0]), Value::Int(0));
         return Value::Int(*c);
       }},
      {"mod", 2, 2, [](const Args& a, const ExprNode&) -> FnResult { return ModValues(a[0], a[1]); }},
      {"date", 1, 1, [](const Args& a, const ExprNode&) -> FnResult { return FnDatePart(a[0], 0); }},
      {"year", 1, 1, [](const Args& a, const ExprNode&) -> FnResult { return FnDatePart(a[0], 1); }},
      {"month", 1, 1, [](const Args& a, const ExprNode&) -> FnResult { return FnDatePart(a[0], 2); }},
      {"day", 1, 1, [](const Args& a, const ExprNode&) -> FnResult { return FnDatePart(a[0], 3); }},
      {"dayofmonth", 1, 1, [](const Args& a, const ExprNode&) -> FnResult { return FnDatePart(a[0], 3); }},
      {"hour", 1, 1, [](const Args& a, const ExprNode&) -> FnResult { return FnDatePart(a[0], 4); }},
      {"minute", 1, 1, [](const Args& a, const ExprNode&) -> FnResult { return FnDatePart(a[0], 5); }},
      {"second", 1, 1, [](const Args& a, const ExprNode&) -> FnResult { return FnDatePart(a[0], 6); }},
      {"find_in_set", 2, 2, [](const Args& a, const ExprNode&) -> FnResult {
         if (AnyNull(a)) return Value::Null();
         std::string needle = ToString(a[0]), list = ToString(a[1]);
         if (needle.find(',') != std::string::npos) return Value::Int(0);
         int64_t idx = 1;
         size_t start = 0;
         while (true) {
           size_t comma = list.find(',', start);
           std::string_view item(list.data() + start, (comma == std::string::npos ? list.size() : comma) - start);
           if (CompareStringsCI(item, needle) == 0 && item.size() == needle.size()) return Value::Int(idx);
           if (comma == std::string::npos) return Value::Int(0);
           start = comma + 1;
           ++idx;
         }
       }},
  };
  return kFns;
}

const FuncDef* FindFunction(std::string_view lower) {
  if (lower == "substr" || lower == "mid") lower = "substring";
  for (const FuncDef& f : Functions()) {
    if (f.name == lower) return &f;
  }
  return nullptr;
}

std::string FunctionList() {
  std::string s;
  for (const FuncDef& f : Functions()) {
    if (!s.empty()) s += ", ";
    s += UpperAscii(std::string(f.name));
  }
  return s;
}

bool IsNonDeterministic(std::string_view lower) {
  static constexpr std::string_view kNames[] = {
      "now", "current_timestamp", "sysdate", "curdate", "current_date", "curtime", "current_time",
      "utc_timestamp", "utc_date", "utc_time", "localtime", "localtimestamp", "unix_timestamp",
      "rand", "uuid", "uuid_short", "connection_id", "last_insert_id", "sleep", "random_bytes",
      "current_user", "user", "session_user", "system_user", "database", "schema", "found_rows",
      "row_count", "benchmark"};
  for (std::string_view n : kNames) {
    if (n == lower) return true;
  }
  return false;
}

bool IsReserved(std::string_view lower) {
  static constexpr std::string_view kWords[] = {
      "and", "or", "xor", "not", "is", "null", "true", "false", "unknown", "in", "between",
      "like", "escape", "regexp", "rlike", "case", "when", "then", "else", "end", "div", "mod",
      "interval", "binary", "collate", "from", "for", "select", "exists", "distinct", "cast",
      "convert", "both", "leading", "trailing"};
  for (std::string_view w : kWords) {
    if (w == lower) return true;
  }
  return false;
}

// ============================================================================ arithmetic

bool IsIntKind(Value::K k) { return k == Value::K::kInt || k == Value::K::kUint; }
bool IsExact(Value::K k) { return IsIntKind(k) || k == Value::K::kDecimal; }

Result<Value> IntResult(__int128 r, bool is_unsigned, size_t pos) {
  if (is_unsigned) {
    if (r < 0 || r > static_cast<__int128>(UINT64_MAX)) {
      return Status::InvalidArgument("BIGINT UNSIGNED value is out of range at position " + std::to_string(pos + 1));
    }
    return Value::Uint(static_cast<uint64_t>(r));
  }
  if (r < INT64_MIN || r > INT64_MAX) {
    return Status::InvalidArgument("BIGINT value is out of range at position " + std::to_string(pos + 1));
  }
  return Value::Int(static_cast<int64_t>(r));
}

__int128 AsI128(const Value& v) { return v.k == Value::K::kInt ? v.i : static_cast<__int128>(v.u); }

Value ModValues(const Value& a0, const Value& b0) {
  if (a0.null() || b0.null()) return Value::Null();
  Value a = NumericArg(a0), b = NumericArg(b0);
  if (IsIntKind(a.k) && IsIntKind(b.k)) {
    __int128 y = AsI128(b);
    if (y == 0) return Value::Null();
    __int128 r = AsI128(a) % y;
    if (a.k == Value::K::kUint) return Value::Uint(static_cast<uint64_t>(r));
    return Value::Int(static_cast<int64_t>(r));
  }
  if (IsExact(a.k) && IsExact(b.k)) {
    Dec x = *ToDec(a), y = *ToDec(b);
    if (y.m == 0) return Value::Null();
    int scale = std::max(x.scale, y.scale);
    auto xs = DecRescale(x, scale), ys = DecRescale(y, scale);
    if (xs && ys) return Value::Decimal(Dec{xs->m % ys->m, scale});
  }
  double y = ToDouble(b);
  if (y == 0) return Value::Null();
  return Value::Double(std::fmod(ToDouble(a), y));
}

Result<Value> Arith(Op op, const Value& a0, const Value& b0, size_t pos) {
  if (a0.null() || b0.null()) return Value::Null();
  Value a = NumericArg(a0), b = NumericArg(b0);
  if (op == Op::kMod) return ModValues(a, b);
  if (op == Op::kIntDiv) {
    if (IsIntKind(a.k) && IsIntKind(b.k)) {
      __int128 y = AsI128(b);
      if (y == 0) return Value::Null();
      return IntResult(AsI128(a) / y, a.k == Value::K::kUint || b.k == Value::K::kUint, pos);
    }
    if (IsExact(a.k) && IsExact(b.k)) {
      Dec x = *ToDec(a), y = *ToDec(b);
      if (y.m == 0) return Value::Null();
      int scale = std::max(x.scale, y.scale);
      auto xs = DecRescale(x, scale), ys = DecRescale(y, scale);
      if (xs && ys) return IntResult(xs->m / ys->m, false, pos);
    }
    double y = ToDouble(b);
    if (y == 0) return Value::Null();
    double q = std::trunc(ToDouble(a) / y);
    if (q >= 9.3e18 || q <= -9.3e18) {
      return Status::InvalidArgument("BIGINT value is out of range at position " + std::to_string(pos + 1));
    }
    return Value::Int(static_cast<int64_t>(q));
  }
  if (op == Op::kDiv) {
    if (IsExact(a.k) && IsExact(b.k)) {
      Dec x = *ToDec(a), y = *ToDec(b);
      if (y.m == 0) return Value::Null();
      if (auto r = DecDiv(x, y)) return Value::Decimal(*r);
    }
    double y = ToDouble(b);
    if (y == 0) return Value::Null();
    return Value::Double(ToDouble(a) / y);
  }
  if (IsIntKind(a.k) && IsIntKind(b.k)) {
    __int128 x = AsI128(a), y = AsI128(b), r = 0;
    switch (op) {
      case Op::kAdd: r = x + y; break;
      case Op::kSub: r = x - y; break;
      default:
        if (__builtin_mul_overflow(x, y, &r)) {
          return Status::InvalidArgument("BIGINT value is out of range at position " + std::to_string(pos + 1));
        }
        break;
    }
    return IntResult(r, a.k == Value::K::kUint || b.k == Value::K::kUint, pos);
  }
  if (IsExact(a.k) && IsExact(b.k)) {
    Dec x = *ToDec(a), y = *ToDec(b);
    std::optional<Dec> r = op == Op::kMul ? DecMul(x, y) : DecAdd(x, y, op == Op::kSub);
    if (r) return Value::Decimal(*r);
  }
  double x = ToDouble(a), y = ToDouble(b);
  switch (op) {
    case Op::kAdd: return Value::Double(x + y);
    case Op::kSub: return Value::Double(x - y);
    default: return Value::Double(x * y);
  }
}

uint64_t ToBits(const Value& v0) {
  Value v = NumericArg(v0);
  switch (v.k) {
    case Value::K::kInt: return static_cast<uint64_t>(v.i);
    case Value::K::kUint: return v.u;
    default: {
      double d = std::round(ToDouble(v));
      if (d >= 1.8446744073709552e19) return UINT64_MAX;
      if (d < 0) return static_cast<uint64_t>(static_cast<int64_t>(std::max(d, -9.2e18)));
      return static_cast<uint64_t>(d);
    }
  }
}

Value Negate(const Value& v0) {
  Value v = NumericArg(v0);
  switch (v.k) {
    case Value::K::kNull: return v;
    case Value::K::kInt: return v.i == INT64_MIN ? Value::Decimal(Dec{-static_cast<__int128>(v.i), 0}) : Value::Int(-v.i);
    case Value::K::kUint: return DecOrInt(-static_cast<__int128>(v.u));
    case Value::K::kDecimal: return Value::Decimal(Dec{-v.dec.m, v.dec.scale});
    default: return Value::Double(-ToDouble(v));
  }
}

// LIKE with `%`, `_` (one character) and an escape character.
bool LikeMatch(std::string_view s, std::string_view p, char esc, bool ci) {
  struct T {
    enum { kLit, kOne, kMany } k;
    std::string_view lit;
  };
  std::vector<T> toks;
  for (size_t i = 0; i < p.size();) {
    char c = p[i];
    if (c == esc && i + 1 < p.size()) {
      size_t n = Utf8Len(static_cast<unsigned char>(p[i + 1]));
      toks.push_back({T::kLit, p.substr(i + 1, n)});
      i += 1 + n;
    } else if (c == '%') {
      toks.push_back({T::kMany, {}});
      ++i;
    } else if (c == '_') {
      toks.push_back({T::kOne, {}});
      ++i;
    } else {
      size_t n = Utf8Len(static_cast<unsigned char>(c));
      toks.push_back({T::kLit, p.substr(i, n)});
      i += n;
    }
  }
  auto lit_eq = [&](size_t si, std::string_view lit) {
    if (si + lit.size() > s.size()) return false;
    for (size_t k = 0; k < lit.size(); ++k) {
      char x = s[si + k], y = lit[k];
      if (ci) {
        if (x >= 'A' && x <= 'Z') x = static_cast<char>(x + 32);
        if (y >= 'A' && y <= 'Z') y = static_cast<char>(y + 32);
      }
      if (x != y) return false;
    }
    return true;
  };
  size_t si = 0, ti = 0, star_ti = std::string::npos, star_si = 0;
  while (si < s.size()) {
    if (ti < toks.size() && toks[ti].k == T::kOne) {
      si += Utf8Len(static_cast<unsigned char>(s[si]));
      ++ti;
    } else if (ti < toks.size() && toks[ti].k == T::kLit && lit_eq(si, toks[ti].lit)) {
      si += toks[ti].lit.size();
      ++ti;
    } else if (ti < toks.size() && toks[ti].k == T::kMany) {
      star_ti = ti++;
      star_si = si;
    } else if (star_ti != std::string::npos) {
      ti = star_ti + 1;
      star_si += Utf8Len(static_cast<unsigned char>(s[star_si]));
      si = star_si;
    } else {
      return false;
    }
  }
  while (ti < toks.size() && toks[ti].k == T::kMany) ++ti;
  return ti == toks.size();
}

// ============================================================================ parser

class Parser {
 public:
  Parser(std::string_view text, std::vector<Token> toks) : text_(text), toks_(std::move(toks)) {}

  Result<NodePtr> ParseAll() {
    DM_ASSIGN_OR_RETURN(NodePtr n, ParseOr());
    if (Cur().kind != Tok::kEnd) {
      return Error(Cur().pos, Cur().text == "->" || Cur().text == "->>"
                                  ? "JSON operators (`->`, `->>`) are not supported in expression filters"
                                  : "unexpected token; expected an operator or the end of the expression");
    }
    return n;
  }

 private:
  const Token& Cur() const { return toks_[i_]; }
  const Token& Peek(size_t k = 1) const { return toks_[std::min(i_ + k, toks_.size() - 1)]; }
  bool IsOp(std::string_view op) const { return Cur().kind == Tok::kOp && Cur().text == op; }
  bool IsKw(std::string_view kw, size_t k = 0) const {
    const Token& t = Peek(k);
    return t.kind == Tok::kIdent && EqualsIgnoreCase(t.text, kw);
  }
  bool AcceptOp(std::string_view op) {
    if (!IsOp(op)) return false;
    ++i_;
    return true;
  }
  bool AcceptKw(std::string_view kw) {
    if (!IsKw(kw)) return false;
    ++i_;
    return true;
  }
  Status Error(size_t pos, std::string_view what) const { return SyntaxError(text_, pos, what); }
  Status Expect(std::string_view op, std::string_view what) {
    if (AcceptOp(op)) return Status::OK();
    return Error(Cur().pos, std::string("expected `") + std::string(op) + "` " + std::string(what));
  }
  Status ExpectKw(std::string_view kw, std::string_view what) {
    if (AcceptKw(kw)) return Status::OK();
    return Error(Cur().pos, std::string("expected ") + std::string(kw) + " " + std::string(what));
  }

  static NodePtr Make(Op op, size_t pos) {
    auto n = std::make_unique<ExprNode>();
    n->op = op;
    n->pos = pos;
    return n;
  }
  static NodePtr Binary(Op op, size_t pos, NodePtr l, NodePtr r) {
    NodePtr n = Make(op, pos);
    n->kids.push_back(std::move(l));
    n->kids.push_back(std::move(r));
    return n;
  }

  Result<NodePtr> ParseOr() {
    DM_ASSIGN_OR_RETURN(NodePtr l, ParseXor());
    while (IsKw("or") || IsOp("||")) {
      size_t pos = Cur().pos;
      ++i_;
      DM_ASSIGN_OR_RETURN(NodePtr r, ParseXor());
      l = Binary(Op::kOr, pos, std::move(l), std::move(r));
    }
    return l;
  }
  Result<NodePtr> ParseXor() {
    DM_ASSIGN_OR_RETURN(NodePtr l, ParseAnd());
    while (IsKw("xor")) {
      size_t pos = Cur().pos;
      ++i_;
      DM_ASSIGN_OR_RETURN(NodePtr r, ParseAnd());
      l = Binary(Op::kXor, pos, std::move(l), std::move(r));
    }
    return l;
  }
  Result<NodePtr> ParseAnd() {
    DM_ASSIGN_OR_RETURN(NodePtr l, ParseNot());
    while (IsKw("and") || IsOp("&&")) {
      size_t pos = Cur().pos;
      ++i_;
      DM_ASSIGN_OR_RETURN(NodePtr r, ParseNot());
      l = Binary(Op::kAnd, pos, std::move(l), std::move(r));
    }
    return l;
  }
  Result<NodePtr> ParseNot() {
    if (IsKw("not")) {
      size_t pos = Cur().pos;
      ++i_;
      DM_ASSIGN_OR_RETURN(NodePtr e, ParseNot());
      NodePtr n = Make(Op::kNot, pos);
      n->kids.push_back(std::move(e));
      return n;
    }
    return ParsePredicate();
  }

  Result<NodePtr> ParsePredicate() {
    DM_ASSIGN_OR_RETURN(NodePtr l, ParseBitOr());
    while (true) {
      const Token& t = Cur();
      size_t pos = t.pos;
      if (t.kind == Tok::kOp) {
        static constexpr std::pair<std::string_view, Cmp> kCmps[] = {
            {"=", Cmp::kEq}, {"<=>", Cmp::kNullSafeEq}, {"<>", Cmp::kNe}, {"!=", Cmp::kNe},
            {"<", Cmp::kLt}, {"<=", Cmp::kLe},          {">", Cmp::kGt},  {">=", Cmp::kGe}};
        bool matched = false;
        for (const auto& [text, cmp] : kCmps) {
          if (t.text == text) {
            ++i_;
            DM_ASSIGN_OR_RETURN(NodePtr r, ParseBitOr());
            l = Binary(Op::kCmp, pos, std::move(l), std::move(r));
            l->cmp = cmp;
            matched = true;
            break;
          }
        }
        if (matched) continue;
        return l;
      }
      if (IsKw("is")) {
        ++i_;
        bool neg = AcceptKw("not");
        IsWhat what;
        if (AcceptKw("null")) {
          what = IsWhat::kNull;
        } else if (AcceptKw("true")) {
          what = IsWhat::kTrue;
        } else if (AcceptKw("false")) {
          what = IsWhat::kFalse;
        } else if (AcceptKw("unknown")) {
          what = IsWhat::kUnknown;
        } else {
          return Error(Cur().pos, "expected NULL, TRUE, FALSE or UNKNOWN after IS");
        }
        NodePtr n = Make(Op::kIs, pos);
        n->is = what;
        n->negated = neg;
        n->kids.push_back(std::move(l));
        l = std::move(n);
        continue;
      }
      bool neg = false;
      size_t k = 0;
      if (IsKw("not") && (IsKw("in", 1) || IsKw("between", 1) || IsKw("like", 1) ||
                          IsKw("regexp", 1) || IsKw("rlike", 1))) {
        neg = true;
        k = 1;
      }
      if (IsKw("in", k)) {
        i_ += k + 1;
        DM_RETURN_IF_ERROR(Expect("(", "after IN"));
        NodePtr n = Make(Op::kIn, pos);
        n->negated = neg;
        n->kids.push_back(std::move(l));
        do {
          DM_ASSIGN_OR_RETURN(NodePtr e, ParseOr());
          n->kids.push_back(std::move(e));
        } while (AcceptOp(","));
        DM_RETURN_IF_ERROR(Expect(")", "to close the IN list"));
        l = std::move(n);
        continue;
      }
      if (IsKw("between", k)) {
        i_ += k + 1;
        DM_ASSIGN_OR_RETURN(NodePtr lo, ParseBitOr());
        DM_RETURN_IF_ERROR(ExpectKw("AND", "in BETWEEN ... AND ..."));
        DM_ASSIGN_OR_RETURN(NodePtr hi, ParseBitOr());
        NodePtr n = Make(Op::kBetween, pos);
        n->negated = neg;
        n->kids.push_back(std::move(l));
        n->kids.push_back(std::move(lo));
        n->kids.push_back(std::move(hi));
        l = std::move(n);
        continue;
      }
      if (IsKw("like", k)) {
        i_ += k + 1;
        DM_ASSIGN_OR_RETURN(NodePtr p, ParseBitOr());
        NodePtr n = Make(Op::kLike, pos);
        n->negated = neg;
        n->kids.push_back(std::move(l));
        n->kids.push_back(std::move(p));
        if (AcceptKw("escape")) {
          DM_ASSIGN_OR_RETURN(NodePtr e, ParseBitOr());
          n->kids.push_back(std::move(e));
        }
        l = std::move(n);
        continue;
      }
      if (IsKw("regexp", k) || IsKw("rlike", k)) {
        i_ += k + 1;
        DM_ASSIGN_OR_RETURN(NodePtr p, ParseBitOr());
        NodePtr n = Make(Op::kRegexp, pos);
        n->negated = neg;
        if (p->op == Op::kLit && !p->lit.null()) {
          auto re = CompileRegex(ToString(p->lit), p->lit.binary, "REGEXP pattern");
          if (!re.ok()) return Error(p->pos, re.status().message());
          n->re = std::move(re).value();
        }
        n->kids.push_back(std::move(l));
        n->kids.push_back(std::move(p));
        l = std::move(n);
        continue;
      }
      return l;
    }
  }

  // Left-associative binary level.
  template <class Next>
  Result<NodePtr> Level(Next next, std::initializer_list<std::pair<std::string_view, Op>> ops,
                        bool keywords = false) {
    DM_ASSIGN_OR_RETURN(NodePtr l, (this->*next)());
    while (true) {
      const Token& t = Cur();
      const Op* found = nullptr;
      for (const auto& [text, op] : ops) {
        bool hit = keywords && t.kind == Tok::kIdent ? EqualsIgnoreCase(t.text, text)
                                                    : (t.kind == Tok::kOp && t.text == text);
        if (hit) {
          found = &op;
          break;
        }
      }
      if (!found) return l;
      size_t pos = t.pos;
      ++i_;
      DM_ASSIGN_OR_RETURN(NodePtr r, (this->*next)());
      l = Binary(*found, pos, std::move(l), std::move(r));
    }
  }
  Result<NodePtr> ParseBitOr() { return Level(&Parser::ParseBitAnd, {{"|", Op::kBitOr}}); }
  Result<NodePtr> ParseBitAnd() { return Level(&Parser::ParseShift, {{"&", Op::kBitAnd}}); }
  Result<NodePtr> ParseShift() { return Level(&Parser::ParseAdd, {{"<<", Op::kShl}, {">>", Op::kShr}}); }
  Result<NodePtr> ParseAdd() { return Level(&Parser::ParseMul, {{"+", Op::kAdd}, {"-", Op::kSub}}); }
  Result<NodePtr> ParseMul() {
    DM_ASSIGN_OR_RETURN(NodePtr l, ParseBitXor());
    while (true) {
      const Token& t = Cur();
      Op op;
      if (t.kind == Tok::kOp && t.text == "*") {
        op = Op::kMul;
      } else if (t.kind == Tok::kOp && t.text == "/") {
        op = Op::kDiv;
      } else if (t.kind == Tok::kOp && t.text == "%") {
        op = Op::kMod;
      } else if (IsKw("div")) {
        op = Op::kIntDiv;
      } else if (IsKw("mod") && !(Peek().kind == Tok::kOp && Peek().text == "(")) {
        op = Op::kMod;
      } else {
        return l;
      }
      size_t pos = t.pos;
      ++i_;
      DM_ASSIGN_OR_RETURN(NodePtr r, ParseBitXor());
      l = Binary(op, pos, std::move(l), std::move(r));
    }
  }
  Result<NodePtr> ParseBitXor() { return Level(&Parser::ParseUnary, {{"^", Op::kBitXor}}); }

  Result<NodePtr> ParseUnary() {
    size_t pos = Cur().pos;
    Op op;
    if (IsOp("-")) {
      op = Op::kNeg;
    } else if (IsOp("+")) {
      ++i_;
      return ParseUnary();
    } else if (IsOp("~")) {
      op = Op::kBitNot;
    } else if (IsOp("!")) {
      op = Op::kNot;
    } else {
      return ParsePrimary();
    }
    ++i_;
    DM_ASSIGN_OR_RETURN(NodePtr e, ParseUnary());
    // Fold -<number literal> so that -9223372036854775808 is a BIGINT.
    if (op == Op::kNeg && e->op == Op::kLit && e->lit.k != Value::K::kString) {
      e->lit = Negate(e->lit);
      e->pos = pos;
      return e;
    }
    NodePtr n = Make(op, pos);
    n->kids.push_back(std::move(e));
    return n;
  }

  Result<NodePtr> Number(const Token& t) {
    NodePtr n = Make(Op::kLit, t.pos);
    const std::string& s = t.text;
    if (s.find_first_of("eE") != std::string::npos) {
      n->lit = Value::Double(std::strtod(s.c_str(), nullptr));
    } else if (s.find('.') != std::string::npos) {
      auto d = ParseDec(s);
      n->lit = d ? Value::Decimal(*d) : Value::Double(std::strtod(s.c_str(), nullptr));
    } else {
      errno = 0;
      unsigned long long v = std::strtoull(s.c_str(), nullptr, 10);
      if (errno == ERANGE) {
        auto d = ParseDec(s);
        n->lit = d ? Value::Decimal(*d) : Value::Double(std::strtod(s.c_str(), nullptr));
      } else if (v <= static_cast<unsigned long long>(INT64_MAX)) {
        n->lit = Value::Int(static_cast<int64_t>(v));
      } else {
        n->lit = Value::Uint(v);
      }
    }
    return n;
  }

  Result<NodePtr> ParseCase(size_t pos) {
    NodePtr n = Make(Op::kCase, pos);
    if (!IsKw("when")) {
      DM_ASSIGN_OR_RETURN(NodePtr v, ParseOr());
      n->kids.push_back(std::move(v));
      n->has_case_value = true;
    }
    if (!IsKw("when")) return Error(Cur().pos, "expected WHEN in CASE");
    while (AcceptKw("when")) {
      DM_ASSIGN_OR_RETURN(NodePtr w, ParseOr());
      DM_RETURN_IF_ERROR(ExpectKw("THEN", "after CASE ... WHEN <condition>"));
      DM_ASSIGN_OR_RETURN(NodePtr th, ParseOr());
      n->kids.push_back(std::move(w));
      n->kids.push_back(std::move(th));
    }
    if (AcceptKw("else")) {
      DM_ASSIGN_OR_RETURN(NodePtr e, ParseOr());
      n->kids.push_back(std::move(e));
      n->has_else = true;
    }
    DM_RETURN_IF_ERROR(ExpectKw("END", "to close CASE"));
    return n;
  }

  Result<NodePtr> ParseFunction(const Token& name_tok) {
    std::string lower = LowerAscii(name_tok.text);
    size_t pos = name_tok.pos;
    if (IsNonDeterministic(lower)) {
      return Error(pos, "function " + UpperAscii(lower) +
                            "() is not allowed: its value differs between runs, so the filter "
                            "would not be repeatable; compare with a constant instead");
    }
    if (lower == "cast" || lower == "convert") {
      return Error(pos, UpperAscii(lower) + "() is not supported in expression filters; compare "
                                            "the column directly (MySQL converts types itself)");
    }
    const FuncDef* def = FindFunction(lower);
    if (def == nullptr) {
      return Error(pos, "unknown function `" + name_tok.text + "`; supported functions: " + FunctionList());
    }
    ++i_;  // '('
    NodePtr n = Make(Op::kFunc, pos);
    n->name = std::string(def->name);
    n->fn = def;
    if (def->name == "trim") {
      // TRIM([{BOTH|LEADING|TRAILING}] [remstr] FROM] str) | TRIM([remstr FROM] str)
      bool mode = false;
      if (AcceptKw("both")) {
        mode = true;
      } else if (AcceptKw("leading")) {
        n->trim_mode = 1, mode = true;
      } else if (AcceptKw("trailing")) {
        n->trim_mode = 2, mode = true;
      }
      NodePtr rem;
      if (mode && AcceptKw("from")) {
        // TRIM(LEADING FROM str): remove spaces
      } else {
        DM_ASSIGN_OR_RETURN(NodePtr first, ParseOr());
        if (AcceptKw("from")) {
          rem = std::move(first);
        } else if (mode) {
          return Error(Cur().pos, "expected FROM in TRIM(... FROM str)");
        } else {
          n->kids.push_back(std::move(first));
        }
      }
      if (n->kids.empty()) {
        DM_ASSIGN_OR_RETURN(NodePtr str, ParseOr());
        n->kids.push_back(std::move(str));
      }
      if (rem) n->kids.push_back(std::move(rem));
      DM_RETURN_IF_ERROR(Expect(")", "to close TRIM("));
      return n;
    }
    if (!IsOp(")")) {
      DM_ASSIGN_OR_RETURN(NodePtr first, ParseOr());
      n->kids.push_back(std::move(first));
      if (def->name == "substring" && AcceptKw("from")) {
        DM_ASSIGN_OR_RETURN(NodePtr from, ParseOr());
        n->kids.push_back(std::move(from));
        if (AcceptKw("for")) {
          DM_ASSIGN_OR_RETURN(NodePtr len, ParseOr());
          n->kids.push_back(std::move(len));
        }
      } else {
        while (AcceptOp(",")) {
          DM_ASSIGN_OR_RETURN(NodePtr a, ParseOr());
          n->kids.push_back(std::move(a));
        }
      }
    }
    DM_RETURN_IF_ERROR(Expect(")", "to close the argument list of " + UpperAscii(lower) + "("));
    auto argc = static_cast<int>(n->kids.size());
    if (argc < def->min_args || (def->max_args >= 0 && argc > def->max_args)) {
      std::string want = def->min_args == def->max_args ? std::to_string(def->min_args)
                         : def->max_args < 0 ? "at least " + std::to_string(def->min_args)
                                             : std::to_string(def->min_args) + " to " + std::to_string(def->max_args);
      return Error(pos, UpperAscii(lower) + "() takes " + want + " argument(s), got " + std::to_string(argc));
    }
    return n;
  }

  Result<NodePtr> ParsePrimary() {
    const Token t = Cur();
    switch (t.kind) {
      case Tok::kEnd:
        return Error(t.pos, "the expression ends too early; expected a value, column or function");
      case Tok::kNumber:
        ++i_;
        return Number(t);
      case Tok::kString: {
        ++i_;
        NodePtr n = Make(Op::kLit, t.pos);
        n->lit = Value::Str(t.text);
        return n;
      }
      case Tok::kBinString: {
        ++i_;
        NodePtr n = Make(Op::kLit, t.pos);
        n->lit = Value::Str(t.text);
        n->lit.binary = true;
        return n;
      }
      case Tok::kOp:
        if (t.text == "(") {
          ++i_;
          DM_ASSIGN_OR_RETURN(NodePtr e, ParseOr());
          if (IsOp(",")) return Error(Cur().pos, "row constructors `(a, b)` are not supported");
          DM_RETURN_IF_ERROR(Expect(")", "to close `(`"));
          return e;
        }
        if (t.text == "@") return Error(t.pos, "user and system variables are not supported");
        return Error(t.pos, "expected a value, column or function");
      case Tok::kIdent:
      case Tok::kQuotedIdent:
        break;
    }
    std::string lower = LowerAscii(t.text);
    bool quoted = t.kind == Tok::kQuotedIdent;
    if (!quoted && Peek().kind == Tok::kOp && Peek().text == "(") {
      ++i_;
      return ParseFunction(t);
    }
    if (!quoted) {
      if (lower == "null" || lower == "true" || lower == "false") {
        ++i_;
        NodePtr n = Make(Op::kLit, t.pos);
        n->lit = lower == "null" ? Value::Null() : Value::Bool(lower == "true");
        return n;
      }
      if (lower == "case") {
        ++i_;
        return ParseCase(t.pos);
      }
      if (IsNonDeterministic(lower)) return ParseFunction(t);
      if (lower == "interval" || lower == "binary" || lower == "collate") {
        return Error(t.pos, UpperAscii(lower) + " is not supported in expression filters");
      }
      if (lower == "date" || lower == "timestamp" || lower == "time") {
        if (Peek().kind == Tok::kString) {  // DATE '2021-01-01'
          i_ += 2;
          NodePtr n = Make(Op::kLit, t.pos);
          n->lit = Value::Temporal(toks_[i_ - 1].text);
          if (!ParseTemporal(n->lit.s)) {
            return Error(toks_[i_ - 1].pos, "invalid " + UpperAscii(lower) + " literal");
          }
          return n;
        }
      }
      if (IsReserved(lower)) {
        return Error(t.pos, "unexpected keyword " + UpperAscii(lower) +
                                "; quote a column with that name as `" + t.text + "`");
      }
    }
    ++i_;
    std::string name = t.text;
    while (IsOp(".")) {  // qualified name: keep the last part
      ++i_;
      if (Cur().kind != Tok::kIdent && Cur().kind != Tok::kQuotedIdent) {
        return Error(Cur().pos, "expected a column name after `.`");
      }
      name = Cur().text;
      ++i_;
    }
    NodePtr n = Make(Op::kCol, t.pos);
    n->name = std::move(name);
    return n;
  }

  std::string_view text_;
  std::vector<Token> toks_;
  size_t i_ = 0;
};

// ============================================================================ evaluator

struct Ctx {
  const std::vector<std::string>& cols;
  const std::vector<Datum>& row;
};

Result<Value> Eval(const ExprNode& n, const Ctx& c);

Result<std::optional<bool>> EvalTruth(const ExprNode& n, const Ctx& c) {
  DM_ASSIGN_OR_RETURN(Value v, Eval(n, c));
  return Truth(v);
}

Value FromTruth(std::optional<bool> t) { return t ? Value::Bool(*t) : Value::Null(); }

Result<Value> Eval(const ExprNode& n, const Ctx& c) {
  switch (n.op) {
    case Op::kLit:
      return n.lit;
    case Op::kCol: {
      for (size_t i = 0; i < c.cols.size(); ++i) {
        if (EqualsIgnoreCase(c.cols[i], n.name)) return FromDatum(c.row[i]);
      }
      std::string names;
      for (const std::string& s : c.cols) names += (names.empty() ? "" : ", ") + s;
      return Status::InvalidArgument("unknown column `" + n.name + "` (the table has columns: " +
                                     (names.empty() ? "none" : names) +
                                     "); fix the expression or the rule's schema/table");
    }
    case Op::kNeg: {
      DM_ASSIGN_OR_RETURN(Value v, Eval(*n.kids[0], c));
      return Negate(v);
    }
    case Op::kBitNot: {
      DM_ASSIGN_OR_RETURN(Value v, Eval(*n.kids[0], c));
      if (v.null()) return v;
      return Value::Uint(~ToBits(v));
    }
    case Op::kNot: {
      DM_ASSIGN_OR_RETURN(auto t, EvalTruth(*n.kids[0], c));
      return t ? Value::Bool(!*t) : Value::Null();
    }
    case Op::kAnd: {
      DM_ASSIGN_OR_RETURN(auto l, EvalTruth(*n.kids[0], c));
      if (l && !*l) return Value::Bool(false);
      DM_ASSIGN_OR_RETURN(auto r, EvalTruth(*n.kids[1], c));
      if (r && !*r) return Value::Bool(false);
      if (!l || !r) return Value::Null();
      return Value::Bool(true);
    }
    case Op::kOr: {
      DM_ASSIGN_OR_RETURN(auto l, EvalTruth(*n.kids[0], c));
      if (l && *l) return Value::Bool(true);
      DM_ASSIGN_OR_RETURN(auto r, EvalTruth(*n.kids[1], c));
      if (r && *r) return Value::Bool(true);
      if (!l || !r) return Value::Null();
      return Value::Bool(false);
    }
    case Op::kXor: {
      DM_ASSIGN_OR_RETURN(auto l, EvalTruth(*n.kids[0], c));
      DM_ASSIGN_OR_RETURN(auto r, EvalTruth(*n.kids[1], c));
      if (!l || !r) return Value::Null();
      return Value::Bool(*l != *r);
    }
    case Op::kAdd:
    case Op::kSub:
    case Op::kMul:
    case Op::kDiv:
    case Op::kIntDiv:
    case Op::kMod: {
      DM_ASSIGN_OR_RETURN(Value a, Eval(*n.kids[0], c));
      DM_ASSIGN_OR_RETURN(Value b, Eval(*n.kids[1], c));
      return Arith(n.op, a, b, n.pos);
    }
    case Op::kBitAnd:
    case Op::kBitOr:
    case Op::kBitXor:
    case Op::kShl:
    case Op::kShr: {
      DM_ASSIGN_OR_RETURN(Value a, Eval(*n.kids[0], c));
      DM_ASSIGN_OR_RETURN(Value b, Eval(*n.kids[1], c));
      if (a.null() || b.null()) return Value::Null();
      uint64_t x = ToBits(a), y = ToBits(b);
      switch (n.op) {
        case Op::kBitAnd: return Value::Uint(x & y);
        case Op::kBitOr: return Value::Uint(x | y);
        case Op::kBitXor: return Value::Uint(x ^ y);
        case Op::kShl: return Value::Uint(y >= 64 ? 0 : x << y);
        default: return Value::Uint(y >= 64 ? 0 : x >> y);
      }
    }
    case Op::kCmp: {
      DM_ASSIGN_OR_RETURN(Value a, Eval(*n.kids[0], c));
      DM_ASSIGN_OR_RETURN(Value b, Eval(*n.kids[1], c));
      if (n.cmp == Cmp::kNullSafeEq) {
        if (a.null() || b.null()) return Value::Bool(a.null() && b.null());
        return Value::Bool(*Compare(a, b) == 0);
      }
      std::optional<int> r = Compare(a, b);
      if (!r) return Value::Null();
      switch (n.cmp) {
        case Cmp::kEq: return Value::Bool(*r == 0);
        case Cmp::kNe: return Value::Bool(*r != 0);
        case Cmp::kLt: return Value::Bool(*r < 0);
        case Cmp::kLe: return Value::Bool(*r <= 0);
        case Cmp::kGt: return Value::Bool(*r > 0);
        default: return Value::Bool(*r >= 0);
      }
    }
    case Op::kIs: {
      DM_ASSIGN_OR_RETURN(Value v, Eval(*n.kids[0], c));
      std::optional<bool> t = Truth(v);
      bool r = false;
      switch (n.is) {
        case IsWhat::kNull:
        case IsWhat::kUnknown: r = v.null(); break;
        case IsWhat::kTrue: r = t && *t; break;
        case IsWhat::kFalse: r = t && !*t; break;
      }
      return Value::Bool(r != n.negated);
    }
    case Op::kIn: {
      DM_ASSIGN_OR_RETURN(Value v, Eval(*n.kids[0], c));
      if (v.null()) return Value::Null();
      bool saw_null = false;
      for (size_t i = 1; i < n.kids.size(); ++i) {
        DM_ASSIGN_OR_RETURN(Value e, Eval(*n.kids[i], c));
        std::optional<int> r = Compare(v, e);
        if (!r) {
          saw_null = true;
        } else if (*r == 0) {
          return Value::Bool(!n.negated);
        }
      }
      if (saw_null) return Value::Null();
      return Value::Bool(n.negated);
    }
    case Op::kBetween: {
      DM_ASSIGN_OR_RETURN(Value v, Eval(*n.kids[0], c));
      DM_ASSIGN_OR_RETURN(Value lo, Eval(*n.kids[1], c));
      DM_ASSIGN_OR_RETURN(Value hi, Eval(*n.kids[2], c));
      std::optional<int> a = Compare(v, lo), b = Compare(v, hi);
      std::optional<bool> ge = a ? std::optional<bool>(*a >= 0) : std::nullopt;
      std::optional<bool> le = b ? std::optional<bool>(*b <= 0) : std::nullopt;
      std::optional<bool> r;
      if ((ge && !*ge) || (le && !*le)) {
        r = false;
      } else if (ge && le) {
        r = true;
      }
      if (r && n.negated) r = !*r;
      return FromTruth(r);
    }
    case Op::kLike: {
      DM_ASSIGN_OR_RETURN(Value v, Eval(*n.kids[0], c));
      DM_ASSIGN_OR_RETURN(Value p, Eval(*n.kids[1], c));
      char esc = '\\';
      if (n.kids.size() > 2) {
        DM_ASSIGN_OR_RETURN(Value e, Eval(*n.kids[2], c));
        std::string es = e.null() ? "" : ToString(e);
        if (es.size() > 1) {
          return Status::InvalidArgument("incorrect arguments to ESCAPE at position " +
                                         std::to_string(n.pos + 1) + ": the escape must be one character");
        }
        esc = es.empty() ? '\\' : es[0];
      }
      if (v.null() || p.null()) return Value::Null();
      bool m = LikeMatch(ToString(v), ToString(p), esc, !v.binary && !p.binary);
      return Value::Bool(m != n.negated);
    }
    case Op::kRegexp: {
      DM_ASSIGN_OR_RETURN(Value v, Eval(*n.kids[0], c));
      if (v.null()) return v;
      bool m;
      if (n.re) {
        m = RegexSearch(*n.re, ToString(v));
      } else {
        DM_ASSIGN_OR_RETURN(Value p, Eval(*n.kids[1], c));
        if (p.null()) return p;
        DM_ASSIGN_OR_RETURN(auto re, CompileRegex(ToString(p), p.binary || v.binary,
                                                  "REGEXP pattern at position " + std::to_string(n.pos + 1)));
        m = RegexSearch(*re, ToString(v));
      }
      return Value::Bool(m != n.negated);
    }
    case Op::kCase: {
      size_t i = 0;
      Value subject;
      if (n.has_case_value) {
        DM_ASSIGN_OR_RETURN(subject, Eval(*n.kids[0], c));
        i = 1;
      }
      size_t pairs_end = n.kids.size() - (n.has_else ? 1 : 0);
      for (; i + 1 < pairs_end; i += 2) {
        DM_ASSIGN_OR_RETURN(Value w, Eval(*n.kids[i], c));
        bool hit;
        if (n.has_case_value) {
          std::optional<int> r = Compare(subject, w);
          hit = r && *r == 0;
        } else {
          std::optional<bool> t = Truth(w);
          hit = t && *t;
        }
        if (hit) return Eval(*n.kids[i + 1], c);
      }
      if (n.has_else) return Eval(*n.kids.back(), c);
      return Value::Null();
    }
    case Op::kFunc: {
      Args args;
      args.reserve(n.kids.size());
      for (const auto& k : n.kids) {
        DM_ASSIGN_OR_RETURN(Value v, Eval(*k, c));
        args.push_back(std::move(v));
      }
      return n.fn->fn(args, n);
    }
  }
  return Status::Internal("expression node kind not handled");
}

}  // namespace

Result<Expr> Expr::Parse(std::string_view text) {
  DM_ASSIGN_OR_RETURN(std::vector<Token> toks, Lex(text));
  Parser p(text, std::move(toks));
  DM_ASSIGN_OR_RETURN(NodePtr root, p.ParseAll());
  Expr e;
  e.text_ = std::string(text);
  e.root_ = std::shared_ptr<const ExprNode>(std::move(root));
  return e;
}

Result<Datum> Expr::Eval(const std::vector<std::string>& columns, const std::vector<Datum>& row) const {
  if (columns.size() != row.size()) {
    return Status::InvalidArgument("row has " + std::to_string(row.size()) + " values but " +
                                   std::to_string(columns.size()) + " column names");
  }
  Ctx c{columns, row};
  DM_ASSIGN_OR_RETURN(Value v, internal::Eval(*root_, c));
  return ToDatum(v);
}

Result<bool> Expr::IsTrue(const std::vector<std::string>& columns, const std::vector<Datum>& row) const {
  if (columns.size() != row.size()) {
    return Status::InvalidArgument("row has " + std::to_string(row.size()) + " values but " +
                                   std::to_string(columns.size()) + " column names");
  }
  Ctx c{columns, row};
  DM_ASSIGN_OR_RETURN(Value v, internal::Eval(*root_, c));
  std::optional<bool> t = Truth(v);
  return t.value_or(false);
}

}  // namespace dm::rules::internal
