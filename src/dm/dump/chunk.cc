#include "dm/dump/chunk.h"

#include "dm/dump/sql_value.h"
#include "dm/mysql/connection.h"

namespace dm::dump {

namespace {

bool In(std::string_view t, std::initializer_list<std::string_view> list) {
  for (auto x : list) {
    if (t == x) return true;
  }
  return false;
}

bool IsChunkable(const schema::Column& c) {
  return In(c.data_type, {"tinyint", "smallint", "mediumint", "int", "integer", "bigint", "decimal",
                          "numeric", "char", "varchar", "binary", "varbinary", "date", "datetime",
                          "timestamp", "time", "year"});
}

bool IsTemporal(const schema::Column& c) {
  return In(c.data_type, {"date", "datetime", "timestamp", "time"});
}

Result<__int128> ParseInt(std::string_view s) {
  if (s.empty()) return Status::InvalidArgument("empty integer");
  bool neg = s[0] == '-';
  size_t i = (neg || s[0] == '+') ? 1 : 0;
  if (i == s.size()) return Status::InvalidArgument("bad integer '" + std::string(s) + "'");
  __int128 v = 0;
  for (; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9' || v > (static_cast<__int128>(1) << 100)) {
      return Status::InvalidArgument("bad integer '" + std::string(s) + "'");
    }
    v = v * 10 + (s[i] - '0');
  }
  return neg ? -v : v;
}

std::string FormatInt(__int128 v) {
  if (v == 0) return "0";
  bool neg = v < 0;
  unsigned __int128 u = neg ? static_cast<unsigned __int128>(-v) : static_cast<unsigned __int128>(v);
  std::string out;
  while (u > 0) {
    out.insert(out.begin(), static_cast<char>('0' + static_cast<int>(u % 10)));
    u /= 10;
  }
  if (neg) out.insert(out.begin(), '-');
  return out;
}

// (k_i op L_i) chained lexicographically from column `i`.
std::string Lexi(const std::vector<schema::Column>& key, const KeyBound& b, size_t i,
                 const char* strict, const char* last) {
  std::string col = mysql::QuoteIdentifier(key[i].name);
  if (i + 1 == b.size()) return col + " " + last + " " + b[i];
  return "(" + col + " " + strict + " " + b[i] + " OR (" + col + " = " + b[i] + " AND " +
         Lexi(key, b, i + 1, strict, last) + "))";
}

}  // namespace

bool IsIntegerColumn(const schema::Column& c) {
  return In(c.data_type, {"tinyint", "smallint", "mediumint", "int", "integer", "bigint"});
}

std::vector<schema::Column> ChunkKeyColumns(const schema::TableInfo& table) {
  const schema::Index* key = table.HandleKey();
  std::vector<schema::Column> out;
  if (key == nullptr) return out;
  for (const auto& name : key->columns) {
    int i = table.ColumnIndex(name);
    if (i < 0 || !IsChunkable(table.columns[i]) || table.columns[i].generated) return {};
    out.push_back(table.columns[i]);
  }
  return out;
}

std::string KeyLiteral(const schema::Column& c, std::string_view value) {
  std::string out;
  if (IsIntegerColumn(c) || In(c.data_type, {"decimal", "numeric", "year"})) {
    out.assign(value);
  } else if (IsTemporal(c)) {
    AppendQuotedString(&out, value);
  } else if (c.data_type == "binary" || c.data_type == "varbinary" || c.charset.empty() ||
             c.charset == "binary") {
    if (value.empty()) {
      out = "''";
    } else {
      AppendHexLiteral(&out, value);
    }
  } else {
    // A charset introducer makes the bytes a string of the column's charset; without an
    // explicit COLLATE it is coercible, so the comparison uses the column's collation.
    out = "_" + c.charset + " ";
    if (value.empty()) {
      out += "''";
    } else {
      AppendHexLiteral(&out, value);
    }
  }
  return out;
}

Result<std::vector<std::string>> SplitIntegerRange(std::string_view min_text, std::string_view max_text,
                                                   uint64_t chunks) {
  DM_ASSIGN_OR_RETURN(__int128 lo, ParseInt(min_text));
  DM_ASSIGN_OR_RETURN(__int128 hi, ParseInt(max_text));
  std::vector<std::string> out;
  if (chunks <= 1 || hi <= lo) return out;
  __int128 width = hi - lo + 1;
  __int128 n = static_cast<__int128>(chunks);
  if (n > width) n = width;
  __int128 step = width / n;
  if (step < 1) step = 1;
  for (__int128 i = 1; i < n; ++i) {
    __int128 b = lo + step * i;
    if (b > hi) break;
    out.push_back(FormatInt(b));
  }
  return out;
}

std::string ChunkPredicate(const std::vector<schema::Column>& key, const std::optional<KeyBound>& lower,
                           const std::optional<KeyBound>& upper) {
  std::string out;
  if (lower && !lower->empty()) out = Lexi(key, *lower, 0, ">", ">=");
  if (upper && !upper->empty()) {
    if (!out.empty()) out += " AND ";
    out += Lexi(key, *upper, 0, "<", "<");
  }
  return out;
}

}  // namespace dm::dump
