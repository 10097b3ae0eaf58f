#include "dm/dump/sql_value.h"

#include <array>
#include <cstring>

#include "dm/mysql/connection.h"

namespace dm::dump {

namespace {

bool In(std::string_view t, std::initializer_list<std::string_view> list) {
  for (auto x : list) {
    if (t == x) return true;
  }
  return false;
}

}  // namespace

ValueKind ClassifyColumn(const schema::Column& c) {
  std::string_view t = c.data_type;
  if (In(t, {"tinyint", "smallint", "mediumint", "int", "integer", "bigint", "decimal",
             "numeric", "year", "bool", "boolean"})) {
    return ValueKind::kNumber;
  }
  if (In(t, {"float", "double", "real", "double precision"})) return ValueKind::kFloat;
  if (In(t, {"bit", "enum", "set"})) return ValueKind::kIndex;
  if (In(t, {"binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob", "geometry",
             "point", "linestring", "polygon", "multipoint", "multilinestring", "multipolygon",
             "geometrycollection", "geomcollection"})) {
    return ValueKind::kBinary;
  }
  if (t == "json") return ValueKind::kJson;
  if (In(t, {"inet4", "inet6", "uuid"})) return ValueKind::kText;
  // char, varchar, *text, date/time types, inet4/inet6/uuid and anything unknown: the
  // server's text form, quoted.
  if (c.charset == "binary") return ValueKind::kBinary;
  return ValueKind::kString;
}

std::string SelectExpression(const schema::Column& c) {
  std::string q = mysql::QuoteIdentifier(c.name);
  switch (ClassifyColumn(c)) {
    case ValueKind::kFloat:
      return q + " + 0e0";
    case ValueKind::kIndex:
      // MariaDB returns a 64-member SET's bitmask as a signed BIGINT; the cast restores
      // the unsigned value (same bits).
      return "CAST(" + q + " + 0 AS UNSIGNED)";
    default:
      return q;
  }
}

void AppendQuotedString(std::string* out, std::string_view v) {
  out->reserve(out->size() + v.size() + 2);
  out->push_back('\'');
  size_t start = 0;
  for (size_t i = 0; i < v.size(); ++i) {
    char esc = 0;
    switch (v[i]) {
      case '\0': esc = '0'; break;
      case '\'': esc = '\''; break;
      case '"': esc = '"'; break;
      case '\\': esc = '\\'; break;
      case '\n': esc = 'n'; break;
      case '\r': esc = 'r'; break;
      case '\x1a': esc = 'Z'; break;
      default: continue;
    }
    out->append(v.data() + start, i - start);
    out->push_back('\\');
    out->push_back(esc);
    start = i + 1;
  }
  out->append(v.data() + start, v.size() - start);
  out->push_back('\'');
}

void AppendHexLiteral(std::string* out, std::string_view v) {
  if (v.empty()) {
    out->append("''");
    return;
  }
  static constexpr char kHex[] = "0123456789ABCDEF";
  size_t at = out->size();
  out->resize(at + 2 + v.size() * 2);
  char* p = out->data() + at;
  *p++ = '0';
  *p++ = 'x';
  for (unsigned char c : v) {
    *p++ = kHex[c >> 4];
    *p++ = kHex[c & 15];
  }
}

void AppendValue(std::string* out, ValueKind kind, std::string_view v) {
  switch (kind) {
    case ValueKind::kNumber:
    case ValueKind::kFloat:
    case ValueKind::kIndex:
      out->append(v);
      return;
    case ValueKind::kString:
      AppendQuotedString(out, v);
      return;
    case ValueKind::kText:
      out->append("_utf8mb4");
      AppendQuotedString(out, v);
      return;
    case ValueKind::kBinary:
      AppendHexLiteral(out, v);
      return;
    case ValueKind::kJson:
      out->append("CONVERT(");
      AppendQuotedString(out, v);
      out->append(" USING utf8mb4)");
      return;
  }
}

}  // namespace dm::dump
