#include "dm/schema/tracker.h"

#include <strings.h>

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

#include "dm/base/text.h"
#include "dm/ddl/lexer.h"

namespace dm::schema {

namespace {

using ddl::AlterAction;
using ddl::IndexDef;
using ddl::StatementKind;
using AT = AlterAction::Type;

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}
bool EqualFold(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

bool IsIntegerType(std::string_view t) {
  return t == "tinyint" || t == "smallint" || t == "mediumint" || t == "int" || t == "bigint";
}
bool IsStringType(std::string_view t) {
  return t == "char" || t == "varchar" || t == "tinytext" || t == "text" || t == "mediumtext" ||
         t == "longtext" || t == "enum" || t == "set";
}
bool IsTemporalType(std::string_view t) {
  return t == "date" || t == "time" || t == "datetime" || t == "timestamp" || t == "year";
}
bool IsNumericType(std::string_view t) {
  return IsIntegerType(t) || t == "decimal" || t == "float" || t == "double" || t == "bit";
}

// Charset / collation option values as written ("utf8mb4", "'utf8mb4'", "`x`") -> name.
std::string OptionName(std::string_view v) {
  if (v.size() >= 2 && (v.front() == '\'' || v.front() == '"' || v.front() == '`') &&
      v.back() == v.front()) {
    v = v.substr(1, v.size() - 2);
  }
  return Lower(v);
}

std::string NormalizeCharset(std::string cs, Flavor f) {
  cs = Lower(cs);
  if (f != Flavor::kMySQL57 && cs == "utf8") return "utf8mb3";
  if (f == Flavor::kMySQL57 && cs == "utf8mb3") return "utf8";
  return cs;
}
std::string NormalizeCollation(std::string co, Flavor f) {
  co = Lower(co);
  if (f != Flavor::kMySQL57 && co.rfind("utf8_", 0) == 0) return "utf8mb3_" + co.substr(5);
  if (f == Flavor::kMySQL57 && co.rfind("utf8mb3_", 0) == 0) return "utf8_" + co.substr(8);
  return co;
}

std::string QuoteSqlString(std::string_view v) {
  std::string out = "'";
  for (char c : v) {
    if (c == '\'') out += "''";
    else if (c == '\\') out += "\\\\";
    else out.push_back(c);
  }
  return out + "'";
}

// The DEFAULT expression in the flavor's information_schema spelling, where it is a plain
// literal or CURRENT_TIMESTAMP; otherwise as written.
std::optional<std::string> NormalizeDefault(const std::string& expr, const Column& col,
                                            const std::vector<std::string>& type_args, Flavor f) {
  auto toks = ddl::Lex(expr);
  if (!toks.ok()) return expr;
  std::vector<ddl::Token> t(toks->begin(), toks->end() - 1);  // without kEnd
  bool maria = f == Flavor::kMariaDB;
  bool quote_strings = maria && (IsStringType(col.data_type) || IsTemporalType(col.data_type) ||
                                 col.data_type == "binary" || col.data_type == "varbinary" ||
                                 col.data_type.find("blob") != std::string::npos ||
                                 col.data_type == "longtext" || col.data_type == "inet4" ||
                                 col.data_type == "inet6" || col.data_type == "uuid");
  auto literal = [&](const std::string& v) -> std::string {
    if (quote_strings) return QuoteSqlString(v);
    if (col.data_type == "decimal" && !v.empty()) {
      // decimal(p,s): the server pads the scale ("0" -> "0.00").
      size_t scale = type_args.size() >= 2 ? std::strtoul(type_args[1].c_str(), nullptr, 10) : 0;
      std::string out = v;
      size_t dot = out.find('.');
      size_t have = dot == std::string::npos ? 0 : out.size() - dot - 1;
      if (scale > 0 && have < scale && out.find_first_of("eE") == std::string::npos) {
        if (dot == std::string::npos) out += ".";
        out.append(scale - have, '0');
      }
      return out;
    }
    return v;
  };
  if (t.size() == 1) {
    const ddl::Token& a = t[0];
    if (a.Is("NULL")) return std::nullopt;
    if (a.kind == ddl::TokenKind::kString || a.kind == ddl::TokenKind::kNumber) return literal(a.text);
    if (a.Is("TRUE")) return literal("1");
    if (a.Is("FALSE")) return literal("0");
    if (a.Is("CURRENT_TIMESTAMP") || a.Is("NOW") || a.Is("LOCALTIME") || a.Is("LOCALTIMESTAMP")) {
      return maria ? "current_timestamp()" : "CURRENT_TIMESTAMP";
    }
  }
  if (t.size() == 2 && (t[0].IsOp("-") || t[0].IsOp("+")) && t[1].kind == ddl::TokenKind::kNumber) {
    return literal((t[0].IsOp("-") ? "-" : "") + t[1].text);
  }
  // CURRENT_TIMESTAMP(n), NOW(n), now()
  if (t.size() >= 3 && (t[0].Is("CURRENT_TIMESTAMP") || t[0].Is("NOW") || t[0].Is("LOCALTIME") ||
                        t[0].Is("LOCALTIMESTAMP")) &&
      t[1].IsOp("(") && t.back().IsOp(")") && t.size() <= 4) {
    std::string n = t.size() == 4 ? t[2].text : "";
    if (maria) return "current_timestamp(" + n + ")";
    return n.empty() || n == "0" ? std::string("CURRENT_TIMESTAMP") : "CURRENT_TIMESTAMP(" + n + ")";
  }
  return expr;
}

std::string EnumType(std::string_view name, const std::vector<std::string>& elems) {
  std::string out(name);
  out += "(";
  for (size_t i = 0; i < elems.size(); ++i) {
    if (i) out += ",";
    std::string q = "'";
    for (char c : elems[i]) {
      if (c == '\'') q += "''";
      else q.push_back(c);
    }
    out += q + "'";
  }
  return out + ")";
}

struct TypeInfo {
  std::string data_type;
  std::string column_type;
};

TypeInfo ComputeType(const ddl::DataType& t, Flavor f) {
  TypeInfo r;
  std::string name = t.name;
  std::vector<std::string> args = t.args;
  bool is_unsigned = t.is_unsigned;
  std::string upper_text;
  for (char c : t.text.substr(0, t.text.find_first_of("( "))) {
    upper_text.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  }
  if (name == "float" && args.size() == 1) {
    // FLOAT(p): precision in bits decides single or double.
    long p = std::strtol(args[0].c_str(), nullptr, 10);
    if (p > 24) name = "double";
    args.clear();
  }
  if (name == "json" && f == Flavor::kMariaDB) name = "longtext";
  r.data_type = name;
  std::string ct = name;
  if (IsIntegerType(name)) {
    static const std::map<std::string, std::pair<int, int>> kWidth = {
        {"tinyint", {4, 3}}, {"smallint", {6, 5}}, {"mediumint", {9, 8}}, {"int", {11, 10}},
        {"bigint", {20, 20}}};
    std::string width;
    if (!args.empty()) {
      width = args[0];
    } else {
      auto w = kWidth.at(name);
      width = std::to_string(is_unsigned ? w.second : w.first);
    }
    bool show = f != Flavor::kMySQL80 || t.zerofill || (name == "tinyint" && width == "1");
    if (show) ct += "(" + width + ")";
  } else if (name == "decimal") {
    std::string p = args.empty() ? "10" : args[0];
    std::string s = args.size() >= 2 ? args[1] : "0";
    ct += "(" + p + "," + s + ")";
  } else if (name == "float" || name == "double") {
    if (args.size() == 2) ct += "(" + args[0] + "," + args[1] + ")";
  } else if (name == "bit" || name == "char" || name == "binary") {
    ct += "(" + (args.empty() ? std::string("1") : args[0]) + ")";
  } else if (name == "varchar" || name == "varbinary") {
    if (!args.empty()) ct += "(" + args[0] + ")";
  } else if (name == "year") {
    if (f != Flavor::kMySQL80) ct += "(4)";
  } else if (name == "time" || name == "datetime" || name == "timestamp") {
    if (!args.empty() && args[0] != "0") ct += "(" + args[0] + ")";
  } else if (name == "enum" || name == "set") {
    ct = EnumType(name, args);
  } else if (name == "vector" && !args.empty()) {
    ct += "(" + args[0] + ")";
  }
  if (is_unsigned && (IsNumericType(name) && name != "bit")) ct += " unsigned";
  if (t.zerofill) ct += " zerofill";
  r.column_type = ct;
  return r;
}

}  // namespace

Flavor FlavorFromVersion(std::string_view version) {
  std::string v = Lower(version);
  if (v.find("mariadb") != std::string::npos) return Flavor::kMariaDB;
  if (v.rfind("5.", 0) == 0) return Flavor::kMySQL57;
  return Flavor::kMySQL80;
}

std::string CharsetOfCollation(std::string_view collation) {
  std::string c = Lower(collation);
  if (c == "binary") return "binary";
  size_t us = c.find('_');
  if (us == std::string::npos) return "";
  return c.substr(0, us);
}

std::string DefaultCollation(std::string_view charset_in, Flavor f) {
  std::string cs = NormalizeCharset(std::string(charset_in), f);
  if (cs.empty()) return "";
  if (cs == "binary") return "binary";
  if (cs == "utf8mb4" && f == Flavor::kMySQL80) return "utf8mb4_0900_ai_ci";
  static const std::map<std::string, std::string> kSuffix = {
      {"big5", "chinese_ci"},   {"gb2312", "chinese_ci"},  {"gbk", "chinese_ci"},
      {"gb18030", "chinese_ci"}, {"latin1", "swedish_ci"}, {"dec8", "swedish_ci"},
      {"swe7", "swedish_ci"},   {"hp8", "english_ci"},     {"ujis", "japanese_ci"},
      {"sjis", "japanese_ci"},  {"cp932", "japanese_ci"},  {"eucjpms", "japanese_ci"},
      {"tis620", "thai_ci"},    {"euckr", "korean_ci"},    {"latin5", "turkish_ci"}};
  auto it = kSuffix.find(cs);
  return cs + "_" + (it == kSuffix.end() ? std::string("general_ci") : it->second);
}

namespace {

struct Defaults {
  std::string charset, collation;
};

// Column from its definition; `table` supplies the inherited charset/collation.
Column MakeColumn(const ddl::ColumnDef& d, const Defaults& table, Flavor f) {
  Column c;
  c.name = d.name;
  TypeInfo ti = ComputeType(d.type, f);
  c.data_type = ti.data_type;
  c.column_type = ti.column_type;
  c.is_unsigned = d.type.is_unsigned && IsNumericType(c.data_type) && c.data_type != "bit";
  c.generated = d.generated.has_value();
  c.nullable = d.nullable.value_or(true) && !d.primary_key;
  if (d.type.name == "bigint" && d.type.text.size() >= 6 && EqualFold(d.type.text.substr(0, 6), "SERIAL")) {
    c.nullable = false;  // SERIAL = BIGINT UNSIGNED NOT NULL AUTO_INCREMENT UNIQUE
  }
  bool json_maria = d.type.name == "json" && f == Flavor::kMariaDB;
  if (IsStringType(c.data_type) || json_maria) {
    std::string cs = d.type.charset;
    std::string co = !d.collation.empty() ? d.collation : d.type.collation;
    if (d.type.national) cs = "utf8mb3";
    if (json_maria) {
      cs = "utf8mb4";
      co = "utf8mb4_bin";
    }
    cs = NormalizeCharset(cs, f);
    co = NormalizeCollation(co, f);
    if (cs.empty() && !co.empty()) cs = NormalizeCharset(CharsetOfCollation(co), f);
    if (cs.empty()) {
      cs = table.charset;
      if (co.empty() && !d.type.binary) co = table.collation;
    }
    if (d.type.binary) co = cs + "_bin";
    if (co.empty()) co = DefaultCollation(cs, f);
    c.charset = cs;
    c.collation = co;
  }
  if (!c.generated && !d.auto_increment && d.default_expr) {
    c.default_value = NormalizeDefault(*d.default_expr, c, d.type.args, f);
  }
  if (c.data_type == "enum" || c.data_type == "set") c.elements = d.type.args;
  return c;
}

int FindIndex(const TableInfo& t, std::string_view name) {
  for (size_t i = 0; i < t.indexes.size(); ++i) {
    if (EqualFold(t.indexes[i].name, name)) return static_cast<int>(i);
  }
  return -1;
}

// MySQL's name for an unnamed key: its first column, then _2, _3, ...
std::string UniqueIndexName(const TableInfo& t, std::string base) {
  if (base.empty()) base = "functional_index";
  if (FindIndex(t, base) < 0 && !EqualFold(base, "PRIMARY")) return base;
  for (int i = 2;; ++i) {
    std::string n = base + "_" + std::to_string(i);
    if (FindIndex(t, n) < 0) return n;
  }
}

// Inserts keeping the order primary, unique keys, other keys.
void InsertIndex(TableInfo* t, Index idx) {
  size_t pos = t->indexes.size();
  if (idx.primary) {
    pos = 0;
  } else if (idx.unique) {
    pos = 0;
    while (pos < t->indexes.size() && t->indexes[pos].unique) ++pos;
  }
  t->indexes.insert(t->indexes.begin() + static_cast<long>(pos), std::move(idx));
}

Status NotFound(const std::string& what, const ddl::Statement& st) {
  return Status::NotFound(what + " in " + QuoteInput(st.text));
}

Status AddPrimary(TableInfo* t, std::vector<std::string> cols) {
  if (t->PrimaryKey() != nullptr) {
    return Status(Code::kAlreadyExists, "table `" + t->schema + "`.`" + t->table + "` already has a primary key");
  }
  Index idx;
  idx.name = "PRIMARY";
  idx.primary = idx.unique = true;
  for (const std::string& c : cols) {
    int i = t->ColumnIndex(c);
    if (i >= 0) {
      t->columns[i].nullable = false;
      idx.columns.push_back(t->columns[i].name);
    } else {
      idx.columns.push_back(c);
    }
  }
  InsertIndex(t, std::move(idx));
  return Status::OK();
}

Status AddIndexDef(TableInfo* t, const IndexDef& d) {
  std::vector<std::string> cols;
  for (const ddl::KeyPart& p : d.parts) {
    int i = p.column.empty() ? -1 : t->ColumnIndex(p.column);
    cols.push_back(i >= 0 ? t->columns[i].name : p.column);
  }
  switch (d.type) {
    case IndexDef::Type::kCheck:
      return Status::OK();
    case IndexDef::Type::kPrimary:
      return AddPrimary(t, cols);
    case IndexDef::Type::kForeignKey: {
      // InnoDB adds an index unless one already starts with the FK columns.
      for (const Index& idx : t->indexes) {
        if (idx.columns.size() >= cols.size() &&
            std::equal(cols.begin(), cols.end(), idx.columns.begin(),
                       [](const std::string& a, const std::string& b) { return EqualFold(a, b); })) {
          return Status::OK();
        }
      }
      Index idx;
      std::string base = !d.name.empty() ? d.name : !d.constraint_name.empty() ? d.constraint_name
                                                                                 : cols.empty() ? "" : cols[0];
      idx.name = UniqueIndexName(*t, base);
      idx.columns = cols;
      InsertIndex(t, std::move(idx));
      return Status::OK();
    }
    default: {
      if (d.if_not_exists && !d.name.empty() && FindIndex(*t, d.name) >= 0) return Status::OK();
      Index idx;
      idx.unique = d.type == IndexDef::Type::kUnique;
      std::string name = !d.name.empty() ? d.name : d.constraint_name;
      if (name.empty()) {
        name = UniqueIndexName(*t, cols.empty() ? "" : cols[0]);
      } else if (FindIndex(*t, name) >= 0) {
        return Status(Code::kAlreadyExists, "duplicate key name `" + name + "` on `" + t->schema + "`.`" +
                                     t->table + "`");
      }
      idx.name = name;
      idx.columns = cols;
      InsertIndex(t, std::move(idx));
      return Status::OK();
    }
  }
}

Status AddInlineKeys(TableInfo* t, const ddl::ColumnDef& d) {
  if (d.primary_key) DM_RETURN_IF_ERROR(AddPrimary(t, {d.name}));
  bool serial = d.type.text.size() >= 6 && EqualFold(d.type.text.substr(0, 6), "SERIAL");
  if (d.unique_key || serial) {
    Index idx;
    idx.unique = true;
    idx.name = UniqueIndexName(*t, d.name);
    idx.columns = {d.name};
    InsertIndex(t, std::move(idx));
  }
  return Status::OK();
}

void RemoveColumnFromIndexes(TableInfo* t, std::string_view name) {
  for (Index& idx : t->indexes) {
    std::erase_if(idx.columns, [&](const std::string& c) { return EqualFold(c, name); });
  }
  std::erase_if(t->indexes, [](const Index& i) { return i.columns.empty(); });
}

void RenameColumnInIndexes(TableInfo* t, std::string_view from, const std::string& to) {
  for (Index& idx : t->indexes) {
    for (std::string& c : idx.columns) {
      if (EqualFold(c, from)) c = to;
    }
  }
}

Status PlaceColumn(TableInfo* t, Column col, int existing, const AlterAction& a) {
  if (existing >= 0) t->columns.erase(t->columns.begin() + existing);
  size_t pos = existing >= 0 ? static_cast<size_t>(existing) : t->columns.size();
  if (a.position == "FIRST") {
    pos = 0;
  } else if (a.position == "AFTER") {
    int after = t->ColumnIndex(a.after_column);
    if (after < 0) {
      return Status::NotFound("column `" + a.after_column + "` (AFTER) not in `" + t->schema + "`.`" +
                              t->table + "`");
    }
    pos = static_cast<size_t>(after) + 1;
  }
  pos = std::min(pos, t->columns.size());
  t->columns.insert(t->columns.begin() + static_cast<long>(pos), std::move(col));
  return Status::OK();
}

Defaults TableDefaults(const TableInfo& t) { return Defaults{t.charset, t.collation}; }

void ApplyTableCharset(const std::vector<ddl::TableOption>& opts, Flavor f, Defaults* d) {
  std::string cs, co;
  for (const ddl::TableOption& o : opts) {
    if (o.name == "CHARSET" || o.name == "DEFAULT CHARSET") cs = OptionName(o.value);
    if (o.name == "COLLATE" || o.name == "DEFAULT COLLATE") co = OptionName(o.value);
  }
  if (cs == "default") cs.clear();
  if (co == "default") co.clear();
  if (cs.empty() && co.empty()) return;
  cs = NormalizeCharset(cs, f);
  co = NormalizeCollation(co, f);
  if (cs.empty()) cs = NormalizeCharset(CharsetOfCollation(co), f);
  if (co.empty()) co = DefaultCollation(cs, f);
  d->charset = cs;
  d->collation = co;
}

Defaults ServerDefaults(const TrackerOptions& o) {
  Defaults d;
  d.charset = !o.server_charset.empty() ? NormalizeCharset(o.server_charset, o.flavor)
              : o.flavor == Flavor::kMySQL80 ? "utf8mb4"
                                             : "latin1";
  d.collation = !o.server_collation.empty() ? NormalizeCollation(o.server_collation, o.flavor)
                                            : DefaultCollation(d.charset, o.flavor);
  return d;
}

}  // namespace

Result<TableInfo> TableInfoFromCreate(const ddl::CreateTable& ct, std::string_view default_schema,
                                      const TrackerOptions& options, std::string_view db_charset,
                                      std::string_view db_collation) {
  if (ct.like || !ct.select.empty()) {
    return Status::InvalidArgument("TableInfoFromCreate needs a CREATE TABLE with a column list");
  }
  TableInfo t;
  t.schema = ct.table.schema.empty() ? std::string(default_schema) : ct.table.schema;
  t.table = ct.table.name;
  Defaults d = ServerDefaults(options);
  if (!db_charset.empty()) {
    d.charset = NormalizeCharset(std::string(db_charset), options.flavor);
    d.collation = db_collation.empty() ? DefaultCollation(d.charset, options.flavor)
                                       : NormalizeCollation(std::string(db_collation), options.flavor);
  }
  ApplyTableCharset(ct.options, options.flavor, &d);
  t.charset = d.charset;
  t.collation = d.collation;
  for (const ddl::ColumnDef& c : ct.columns) {
    if (t.ColumnIndex(c.name) >= 0) {
      return Status::InvalidArgument("duplicate column `" + c.name + "` in CREATE TABLE `" + t.table + "`");
    }
    t.columns.push_back(MakeColumn(c, d, options.flavor));
  }
  for (const ddl::ColumnDef& c : ct.columns) DM_RETURN_IF_ERROR(AddInlineKeys(&t, c));
  // Foreign keys last: their implicit index is only added when no explicit key of the
  // statement already covers their columns.
  for (const IndexDef& idx : ct.constraints) {
    if (idx.type != IndexDef::Type::kForeignKey) DM_RETURN_IF_ERROR(AddIndexDef(&t, idx));
  }
  for (const IndexDef& idx : ct.constraints) {
    if (idx.type == IndexDef::Type::kForeignKey) DM_RETURN_IF_ERROR(AddIndexDef(&t, idx));
  }
  return t;
}

// ---- JSON ----

std::string TableInfoToJson(const TableInfo& info) {
  nlohmann::ordered_json j;
  j["version"] = 1;
  j["schema"] = info.schema;
  j["table"] = info.table;
  j["charset"] = info.charset;
  j["collation"] = info.collation;
  j["columns"] = nlohmann::ordered_json::array();
  for (const Column& c : info.columns) {
    nlohmann::ordered_json col;
    col["name"] = c.name;
    col["column_type"] = c.column_type;
    col["data_type"] = c.data_type;
    col["nullable"] = c.nullable;
    col["unsigned"] = c.is_unsigned;
    col["generated"] = c.generated;
    col["charset"] = c.charset;
    col["collation"] = c.collation;
    col["default"] = c.default_value ? nlohmann::ordered_json(*c.default_value) : nlohmann::ordered_json();
    col["elements"] = c.elements;
    j["columns"].push_back(std::move(col));
  }
  j["indexes"] = nlohmann::ordered_json::array();
  for (const Index& i : info.indexes) {
    nlohmann::ordered_json idx;
    idx["name"] = i.name;
    idx["primary"] = i.primary;
    idx["unique"] = i.unique;
    idx["columns"] = i.columns;
    j["indexes"].push_back(std::move(idx));
  }
  // Invalid UTF-8 in names/defaults is kept as bytes-escaped replacement rather than failing.
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string TableInfoToCreateSql(const TableInfo& info) {
  auto q = [](std::string_view n) { return ddl::QuoteIdent(n); };
  auto is_number = [](std::string_view v) {
    if (v.empty()) return false;
    size_t i = (v[0] == '-' || v[0] == '+') ? 1 : 0;
    bool digit = false;
    for (; i < v.size(); ++i) {
      if (std::isdigit(static_cast<unsigned char>(v[i]))) {
        digit = true;
      } else if (v[i] != '.' && v[i] != 'e' && v[i] != 'E' && v[i] != '-' && v[i] != '+') {
        return false;
      }
    }
    return digit;
  };
  std::string sql = "CREATE TABLE " + q(info.table) + " (\n";
  bool first = true;
  for (const Column& c : info.columns) {
    sql += first ? "  " : ",\n  ";
    first = false;
    sql += q(c.name) + " " + c.column_type;
    if (!c.charset.empty() && c.charset != "binary") sql += " CHARACTER SET " + c.charset;
    if (!c.collation.empty() && c.charset != "binary") sql += " COLLATE " + c.collation;
    sql += c.nullable ? " NULL" : " NOT NULL";
    if (c.default_value) {
      const std::string& v = *c.default_value;
      // information_schema spelling: MariaDB quotes string defaults itself; MySQL does not.
      bool as_is = (!v.empty() && v[0] == '\'') || is_number(v) ||
                   v.find('(') != std::string::npos || strcasecmp(v.c_str(), "NULL") == 0;
      sql += " DEFAULT " + (as_is ? v : ddl::QuoteString(v));
    }
    if (c.generated) sql += " /* generated column: the tracker keeps no expression */";
  }
  for (const Index& i : info.indexes) {
    std::string cols;
    for (const auto& c : i.columns) cols += (cols.empty() ? "" : ",") + q(c);
    if (i.primary) {
      sql += ",\n  PRIMARY KEY (" + cols + ")";
    } else {
      sql += std::string(",\n  ") + (i.unique ? "UNIQUE KEY " : "KEY ") + q(i.name) + " (" +
             cols + ")";
    }
  }
  sql += "\n)";
  if (!info.charset.empty()) sql += " DEFAULT CHARSET=" + info.charset;
  if (!info.collation.empty()) sql += " COLLATE=" + info.collation;
  return sql;
}

namespace {

Status JsonError(std::string_view field, std::string_view problem) {
  return Status::InvalidArgument("table_info JSON: field '" + std::string(field) + "' " +
                                 std::string(problem));
}

template <class T>
Status Field(const nlohmann::json& obj, const char* name, T* out, std::string_view ctx) {
  auto it = obj.find(name);
  std::string path = std::string(ctx) + name;
  if (it == obj.end()) return JsonError(path, "is missing");
  if constexpr (std::is_same_v<T, bool>) {
    if (!it->is_boolean()) return JsonError(path, "must be a boolean");
  } else if constexpr (std::is_same_v<T, std::string>) {
    if (!it->is_string()) return JsonError(path, "must be a string");
  } else {
    if (!it->is_array()) return JsonError(path, "must be an array of strings");
    for (const auto& e : *it) {
      if (!e.is_string()) return JsonError(path, "must be an array of strings");
    }
  }
  *out = it->get<T>();
  return Status::OK();
}

}  // namespace

Result<TableInfo> TableInfoFromJson(std::string_view text) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return Status::InvalidArgument("table_info JSON is not a JSON object: " + QuoteInput(text));
  }
  if (!j.contains("version") || !j["version"].is_number_integer() || j["version"].get<int>() != 1) {
    return JsonError("version", "must be 1");
  }
  TableInfo t;
  DM_RETURN_IF_ERROR(Field(j, "schema", &t.schema, ""));
  DM_RETURN_IF_ERROR(Field(j, "table", &t.table, ""));
  DM_RETURN_IF_ERROR(Field(j, "charset", &t.charset, ""));
  DM_RETURN_IF_ERROR(Field(j, "collation", &t.collation, ""));
  if (!j.contains("columns") || !j["columns"].is_array()) return JsonError("columns", "must be an array");
  if (!j.contains("indexes") || !j["indexes"].is_array()) return JsonError("indexes", "must be an array");
  for (size_t n = 0; n < j["columns"].size(); ++n) {
    const auto& cj = j["columns"][n];
    std::string ctx = "columns[" + std::to_string(n) + "].";
    if (!cj.is_object()) return JsonError(ctx, "must be an object");
    Column c;
    DM_RETURN_IF_ERROR(Field(cj, "name", &c.name, ctx));
    DM_RETURN_IF_ERROR(Field(cj, "column_type", &c.column_type, ctx));
    DM_RETURN_IF_ERROR(Field(cj, "data_type", &c.data_type, ctx));
    DM_RETURN_IF_ERROR(Field(cj, "nullable", &c.nullable, ctx));
    DM_RETURN_IF_ERROR(Field(cj, "unsigned", &c.is_unsigned, ctx));
    DM_RETURN_IF_ERROR(Field(cj, "generated", &c.generated, ctx));
    DM_RETURN_IF_ERROR(Field(cj, "charset", &c.charset, ctx));
    DM_RETURN_IF_ERROR(Field(cj, "collation", &c.collation, ctx));
    DM_RETURN_IF_ERROR(Field(cj, "elements", &c.elements, ctx));
    auto d = cj.find("default");
    if (d == cj.end()) return JsonError(ctx + "default", "is missing");
    if (d->is_string()) {
      c.default_value = d->get<std::string>();
    } else if (!d->is_null()) {
      return JsonError(ctx + "default", "must be a string or null");
    }
    t.columns.push_back(std::move(c));
  }
  for (size_t n = 0; n < j["indexes"].size(); ++n) {
    const auto& ij = j["indexes"][n];
    std::string ctx = "indexes[" + std::to_string(n) + "].";
    if (!ij.is_object()) return JsonError(ctx, "must be an object");
    Index i;
    DM_RETURN_IF_ERROR(Field(ij, "name", &i.name, ctx));
    DM_RETURN_IF_ERROR(Field(ij, "primary", &i.primary, ctx));
    DM_RETURN_IF_ERROR(Field(ij, "unique", &i.unique, ctx));
    DM_RETURN_IF_ERROR(Field(ij, "columns", &i.columns, ctx));
    t.indexes.push_back(std::move(i));
  }
  return t;
}

// ---- Tracker ----

Tracker::Tracker(TrackerOptions options) : options_(std::move(options)) {}

std::string Tracker::Fold(std::string_view name) const {
  return options_.lower_case_table_names ? Lower(name) : std::string(name);
}

Tracker::Key Tracker::MakeKey(std::string_view schema, std::string_view table) const {
  return {Fold(schema), Fold(table)};
}

void Tracker::Put(TableInfo info) {
  Key k = MakeKey(info.schema, info.table);
  tables_[k] = std::make_shared<const TableInfo>(std::move(info));
}

std::shared_ptr<const TableInfo> Tracker::Get(std::string_view schema, std::string_view table) const {
  auto it = tables_.find(MakeKey(schema, table));
  return it == tables_.end() ? nullptr : it->second;
}

bool Tracker::Remove(std::string_view schema, std::string_view table) {
  return tables_.erase(MakeKey(schema, table)) > 0;
}

std::vector<rules::TableRef> Tracker::ListTables() const {
  std::vector<rules::TableRef> out;
  for (const auto& [k, v] : tables_) out.push_back(rules::TableRef{v->schema, v->table});
  return out;
}

void Tracker::SetDatabase(std::string_view schema, std::string_view charset, std::string_view collation) {
  Db& db = dbs_[Fold(schema)];
  db.charset = NormalizeCharset(std::string(charset), options_.flavor);
  db.collation = collation.empty() ? DefaultCollation(db.charset, options_.flavor)
                                   : NormalizeCollation(std::string(collation), options_.flavor);
}

Status Tracker::InitTable(std::string_view schema, std::string_view table, std::string_view create_sql) {
  DM_ASSIGN_OR_RETURN(std::vector<ddl::Statement> stmts, ddl::ParseScript(create_sql, options_.parse));
  const ddl::CreateTable* ct = nullptr;
  for (const ddl::Statement& st : stmts) {
    if (st.kind == StatementKind::kCreateTable) {
      if (ct != nullptr) {
        return Status::InvalidArgument("more than one CREATE TABLE in " + QuoteInput(create_sql));
      }
      ct = &std::get<ddl::CreateTable>(st.node);
    }
  }
  if (ct == nullptr) return Status::InvalidArgument("no CREATE TABLE in " + QuoteInput(create_sql));
  auto db = dbs_.find(Fold(schema));
  DM_ASSIGN_OR_RETURN(TableInfo info,
                      TableInfoFromCreate(*ct, schema, options_,
                                          db == dbs_.end() ? "" : db->second.charset,
                                          db == dbs_.end() ? "" : db->second.collation));
  info.schema = std::string(schema);
  if (!table.empty()) info.table = std::string(table);
  Put(std::move(info));
  return Status::OK();
}

Status Tracker::ApplySql(std::string_view sql, std::string_view default_schema) {
  DM_ASSIGN_OR_RETURN(ddl::Statement st, ddl::Parse(sql, options_.parse));
  return Apply(st, default_schema);
}

// Applies one statement to a copy of the tracker's maps (atomicity).
class TrackerApply {
 public:
  TrackerApply(Tracker* tr, const ddl::Statement& st, std::string_view default_schema)
      : tr_(tr), st_(st), dflt_(default_schema), tables_(tr->tables_), dbs_(tr->dbs_) {}

  Status Run() {
    DM_RETURN_IF_ERROR(Dispatch());
    tr_->tables_ = std::move(tables_);
    tr_->dbs_ = std::move(dbs_);
    return Status::OK();
  }

 private:
  std::string SchemaOf(const ddl::TableName& n) const {
    return n.schema.empty() ? std::string(dflt_) : n.schema;
  }
  Tracker::Key KeyOf(const ddl::TableName& n) const { return tr_->MakeKey(SchemaOf(n), n.name); }
  std::string Describe(const ddl::TableName& n) const {
    return "`" + SchemaOf(n) + "`.`" + n.name + "`";
  }
  Defaults DbDefaults(const std::string& schema) const {
    auto it = dbs_.find(tr_->Fold(schema));
    if (it != dbs_.end() && !it->second.charset.empty()) {
      return Defaults{it->second.charset, it->second.collation};
    }
    return Defaults{};
  }
  Result<TableInfo> Tracked(const ddl::TableName& n, std::string_view what) const {
    auto it = tables_.find(KeyOf(n));
    if (it == tables_.end()) {
      return NotFound("table " + Describe(n) + " is not tracked (" + std::string(what) +
                          "); initialise it from the upstream or downstream, or run "
                          "`binlog-schema update`",
                      st_);
    }
    return *it->second;
  }
  void Store(TableInfo t) {
    Tracker::Key k = tr_->MakeKey(t.schema, t.table);
    tables_[k] = std::make_shared<const TableInfo>(std::move(t));
  }

  Status Dispatch() {
    const Flavor f = tr_->options_.flavor;
    switch (st_.kind) {
      case StatementKind::kCreateDatabase:
      case StatementKind::kAlterDatabase: {
        const auto& d = std::get<ddl::DatabaseDdl>(st_.node);
        std::string name = d.name.empty() ? std::string(dflt_) : d.name;
        if (st_.kind == StatementKind::kCreateDatabase && d.if_not_exists && dbs_.count(tr_->Fold(name))) {
          return Status::OK();
        }
        if (st_.kind == StatementKind::kCreateDatabase && d.or_replace) DropSchemaTables(name);
        Defaults def = st_.kind == StatementKind::kAlterDatabase ? DbDefaults(name) : Defaults{};
        ApplyTableCharset(d.options, f, &def);
        auto& db = dbs_[tr_->Fold(name)];
        db.charset = def.charset;
        db.collation = def.collation;
        return Status::OK();
      }
      case StatementKind::kDropDatabase: {
        const auto& d = std::get<ddl::DatabaseDdl>(st_.node);
        DropSchemaTables(d.name);
        dbs_.erase(tr_->Fold(d.name));
        return Status::OK();
      }
      case StatementKind::kCreateTable: {
        const auto& ct = std::get<ddl::CreateTable>(st_.node);
        if (ct.temporary) return Status::OK();
        if (ct.if_not_exists && tables_.count(KeyOf(ct.table))) return Status::OK();
        Defaults db = DbDefaults(SchemaOf(ct.table));
        auto info = TableInfoFromCreate(ct, dflt_, tr_->options_, db.charset, db.collation);
        if (!info.ok()) return info.status().WithContext(QuoteInput(st_.text));
        Store(std::move(info).value());
        return Status::OK();
      }
      case StatementKind::kCreateTableLike: {
        const auto& ct = std::get<ddl::CreateTable>(st_.node);
        if (ct.temporary) return Status::OK();
        if (ct.if_not_exists && tables_.count(KeyOf(ct.table))) return Status::OK();
        DM_ASSIGN_OR_RETURN(TableInfo src, Tracked(*ct.like, "source of CREATE TABLE ... LIKE"));
        src.schema = SchemaOf(ct.table);
        src.table = ct.table.name;
        Store(std::move(src));
        return Status::OK();
      }
      case StatementKind::kCreateTableSelect:
        return Status::NotSupported(
            "CREATE TABLE ... SELECT cannot be tracked from its text (in row-based binlogs the "
            "server logs it as CREATE TABLE with columns): " + QuoteInput(st_.text));
      case StatementKind::kDropTable: {
        const auto& d = std::get<ddl::DropTable>(st_.node);
        if (d.temporary) return Status::OK();
        for (const auto& n : d.tables) tables_.erase(KeyOf(n));
        return Status::OK();
      }
      case StatementKind::kRenameTable: {
        const auto& r = std::get<ddl::RenameTable>(st_.node);
        for (const auto& [from, to] : r.pairs) {
          auto it = tables_.find(KeyOf(from));
          if (it == tables_.end()) {
            if (r.if_exists) continue;
            return Tracked(from, "RENAME TABLE source").status();
          }
          TableInfo t = *it->second;
          tables_.erase(it);
          t.schema = SchemaOf(to);
          t.table = to.name;
          Store(std::move(t));
        }
        return Status::OK();
      }
      case StatementKind::kTruncateTable:
        return Status::OK();
      case StatementKind::kCreateIndex: {
        const auto& ci = std::get<ddl::CreateIndex>(st_.node);
        DM_ASSIGN_OR_RETURN(TableInfo t, Tracked(ci.table, "CREATE INDEX"));
        Status s = AddIndexDef(&t, ci.index);
        if (!s.ok()) return s.WithContext(QuoteInput(st_.text));
        Store(std::move(t));
        return Status::OK();
      }
      case StatementKind::kDropIndex: {
        const auto& di = std::get<ddl::DropIndex>(st_.node);
        DM_ASSIGN_OR_RETURN(TableInfo t, Tracked(di.table, "DROP INDEX"));
        int i = FindIndex(t, di.name);
        if (i < 0 && !di.if_exists) return NotFound("index `" + di.name + "` of " + Describe(di.table), st_);
        if (i >= 0) t.indexes.erase(t.indexes.begin() + i);
        Store(std::move(t));
        return Status::OK();
      }
      case StatementKind::kAlterTable:
        return AlterTable(std::get<ddl::AlterTable>(st_.node));
      default:
        return Status::OK();  // views, DML, SET, routines, accounts ...: no table structure
    }
  }

  void DropSchemaTables(const std::string& schema) {
    std::string folded = tr_->Fold(schema);
    std::erase_if(tables_, [&](const auto& kv) { return kv.first.first == folded; });
  }

  Status AlterTable(const ddl::AlterTable& at) {
    auto it = tables_.find(KeyOf(at.table));
    if (it == tables_.end() && at.if_exists) return Status::OK();
    DM_ASSIGN_OR_RETURN(TableInfo t, Tracked(at.table, "ALTER TABLE"));
    const ddl::TableName* rename = nullptr;
    // Foreign keys after the other actions (see TableInfoFromCreate); RENAME last.
    for (int pass = 0; pass < 2; ++pass) {
      for (const AlterAction& a : at.actions) {
        if (a.type == AT::kRenameTable) {
          rename = &a.new_table;
          continue;
        }
        bool fk = a.type == AT::kAddIndex && a.index.type == IndexDef::Type::kForeignKey;
        if (fk != (pass == 1)) continue;
        Status s = Action(&t, a);
        if (!s.ok()) return s.WithContext(QuoteInput(st_.text));
      }
    }
    if (rename != nullptr) {
      tables_.erase(it);
      t.schema = SchemaOf(*rename);
      t.table = rename->name;
    }
    Store(std::move(t));
    return Status::OK();
  }

  Status Action(TableInfo* t, const AlterAction& a) {
    const Flavor f = tr_->options_.flavor;
    auto missing_column = [&](const std::string& c) {
      return Status::NotFound("column `" + c + "` not in `" + t->schema + "`.`" + t->table + "`");
    };
    switch (a.type) {
      case AT::kAddColumn: {
        if (t->ColumnIndex(a.column.name) >= 0) {
          if (a.if_not_exists) return Status::OK();
          return Status(Code::kAlreadyExists, "column `" + a.column.name + "` already in `" + t->table + "`");
        }
        DM_RETURN_IF_ERROR(PlaceColumn(t, MakeColumn(a.column, TableDefaults(*t), f), -1, a));
        return AddInlineKeys(t, a.column);
      }
      case AT::kDropColumn: {
        int i = t->ColumnIndex(a.name);
        if (i < 0) return a.if_exists ? Status::OK() : missing_column(a.name);
        t->columns.erase(t->columns.begin() + i);
        RemoveColumnFromIndexes(t, a.name);
        return Status::OK();
      }
      case AT::kModifyColumn:
      case AT::kChangeColumn: {
        std::string old = a.type == AT::kModifyColumn ? a.column.name : a.name;
        int i = t->ColumnIndex(old);
        if (i < 0) return a.if_exists ? Status::OK() : missing_column(old);
        if (!EqualFold(old, a.column.name) && t->ColumnIndex(a.column.name) >= 0) {
          return Status(Code::kAlreadyExists, "column `" + a.column.name + "` already in `" + t->table + "`");
        }
        Column c = MakeColumn(a.column, TableDefaults(*t), f);
        // A column in the primary key stays NOT NULL.
        if (const Index* pk = t->PrimaryKey()) {
          for (const std::string& pc : pk->columns) {
            if (EqualFold(pc, old)) c.nullable = false;
          }
        }
        RenameColumnInIndexes(t, old, c.name);
        DM_RETURN_IF_ERROR(PlaceColumn(t, std::move(c), i, a));
        return AddInlineKeys(t, a.column);
      }
      case AT::kRenameColumn: {
        int i = t->ColumnIndex(a.name);
        if (i < 0) return a.if_exists ? Status::OK() : missing_column(a.name);
        t->columns[i].name = a.new_name;
        RenameColumnInIndexes(t, a.name, a.new_name);
        return Status::OK();
      }
      case AT::kSetDefault:
      case AT::kDropDefault: {
        int i = t->ColumnIndex(a.name);
        if (i < 0) return a.if_exists ? Status::OK() : missing_column(a.name);
        Column& c = t->columns[i];
        if (a.type == AT::kDropDefault) {
          c.default_value.reset();
        } else {
          // The type args matter only for decimal padding; recover them from column_type.
          std::vector<std::string> args;
          size_t open = c.column_type.find('('), comma = c.column_type.find(',');
          if (c.data_type == "decimal" && open != std::string::npos && comma != std::string::npos) {
            args = {c.column_type.substr(open + 1, comma - open - 1),
                    c.column_type.substr(comma + 1, c.column_type.find(')') - comma - 1)};
          }
          c.default_value = NormalizeDefault(a.text, c, args, f);
        }
        return Status::OK();
      }
      case AT::kAddIndex:
        if (a.index.if_not_exists && !a.index.name.empty() && FindIndex(*t, a.index.name) >= 0) {
          return Status::OK();
        }
        return AddIndexDef(t, a.index);
      case AT::kDropIndex: {
        int i = FindIndex(*t, a.name);
        if (i < 0) {
          if (a.if_exists) return Status::OK();
          return Status::NotFound("index `" + a.name + "` not in `" + t->schema + "`.`" + t->table + "`");
        }
        t->indexes.erase(t->indexes.begin() + i);
        return Status::OK();
      }
      case AT::kDropPrimaryKey: {
        int i = FindIndex(*t, "PRIMARY");
        if (i < 0) return Status::NotFound("no primary key on `" + t->schema + "`.`" + t->table + "`");
        t->indexes.erase(t->indexes.begin() + i);
        return Status::OK();
      }
      case AT::kRenameIndex: {
        int i = FindIndex(*t, a.name);
        if (i < 0) {
          if (a.if_exists) return Status::OK();
          return Status::NotFound("index `" + a.name + "` not in `" + t->schema + "`.`" + t->table + "`");
        }
        t->indexes[i].name = a.new_name;
        return Status::OK();
      }
      case AT::kConvertCharset: {
        std::string cs = NormalizeCharset(a.charset, f);
        if (cs == "default") cs = DbDefaults(t->schema).charset;
        std::string co = a.collation.empty() ? DefaultCollation(cs, f) : NormalizeCollation(a.collation, f);
        t->charset = cs;
        t->collation = co;
        for (Column& c : t->columns) {
          if (IsStringType(c.data_type)) {
            c.charset = cs;
            c.collation = co;
          }
        }
        return Status::OK();
      }
      case AT::kTableOptions: {
        Defaults d = TableDefaults(*t);
        ApplyTableCharset(a.options, f, &d);
        t->charset = d.charset;
        t->collation = d.collation;
        return Status::OK();
      }
      default:
        // Foreign keys (their index stays), checks, visibility, partitions, ALGORITHM,
        // LOCK, FORCE, ORDER BY, keys/tablespace/validation: no change to TableInfo.
        return Status::OK();
    }
  }

  Tracker* tr_;
  const ddl::Statement& st_;
  std::string_view dflt_;
  std::map<Tracker::Key, std::shared_ptr<const TableInfo>> tables_;
  std::map<std::string, Tracker::Db> dbs_;
};

Status Tracker::Apply(const ddl::Statement& statement, std::string_view default_schema) {
  return TrackerApply(this, statement, default_schema).Run();
}

}  // namespace dm::schema
