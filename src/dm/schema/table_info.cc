#include "dm/schema/table_info.h"

#include <strings.h>

#include <map>

#include "dm/mysql/connection.h"

namespace dm::schema {

namespace {

bool EqualFold(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

std::string Lit(mysql::Connection& conn, std::string_view v) { return "'" + conn.Escape(v) + "'"; }

}  // namespace

int TableInfo::ColumnIndex(std::string_view name) const {
  for (size_t i = 0; i < columns.size(); ++i) {
    if (EqualFold(columns[i].name, name)) return static_cast<int>(i);
  }
  return -1;
}

const Index* TableInfo::PrimaryKey() const {
  for (const auto& idx : indexes) {
    if (idx.primary) return &idx;
  }
  return nullptr;
}

const Index* TableInfo::HandleKey() const {
  if (const Index* pk = PrimaryKey()) return pk;
  for (const auto& idx : indexes) {
    if (!idx.unique) continue;
    bool all_not_null = true;
    for (const auto& c : idx.columns) {
      int i = ColumnIndex(c);
      if (i < 0 || columns[i].nullable || columns[i].generated) all_not_null = false;
    }
    if (all_not_null) return &idx;
  }
  return nullptr;
}

std::vector<std::string> ParseEnumElements(std::string_view type) {
  std::vector<std::string> out;
  size_t open = type.find('(');
  if (open == std::string_view::npos) return out;
  size_t i = open + 1;
  while (i < type.size()) {
    if (type[i] != '\'') {
      ++i;
      continue;
    }
    std::string cur;
    ++i;
    while (i < type.size()) {
      if (type[i] == '\'' && i + 1 < type.size() && type[i + 1] == '\'') {
        cur.push_back('\'');
        i += 2;
      } else if (type[i] == '\'') {
        ++i;
        break;
      } else if (type[i] == '\\' && i + 1 < type.size()) {
        cur.push_back(type[i + 1]);
        i += 2;
      } else {
        cur.push_back(type[i++]);
      }
    }
    out.push_back(std::move(cur));
  }
  return out;
}

Result<TableInfo> LoadTableInfo(mysql::Connection& conn, std::string_view schema,
                                std::string_view table) {
  TableInfo info;
  info.schema = std::string(schema);
  info.table = std::string(table);
  std::string where = "TABLE_SCHEMA = " + Lit(conn, schema) + " AND TABLE_NAME = " + Lit(conn, table);
  DM_ASSIGN_OR_RETURN(auto t, conn.Query("SELECT t.TABLE_COLLATION, c.CHARACTER_SET_NAME "
                                         "FROM information_schema.TABLES t LEFT JOIN "
                                         "information_schema.COLLATION_CHARACTER_SET_APPLICABILITY c "
                                         "ON c.COLLATION_NAME = t.TABLE_COLLATION WHERE t." +
                                         where));
  if (t.rows.empty()) {
    return Status::NotFound("table " + mysql::QuoteTable(schema, table) + " does not exist on " +
                            conn.options().Describe());
  }
  info.collation = t.rows[0][0].value_or("");
  info.charset = t.rows[0][1].value_or("");
  DM_ASSIGN_OR_RETURN(auto cols, conn.Query(
      "SELECT COLUMN_NAME, COLUMN_TYPE, DATA_TYPE, IS_NULLABLE, EXTRA, CHARACTER_SET_NAME, "
      "COLLATION_NAME, COLUMN_DEFAULT FROM information_schema.COLUMNS WHERE " + where +
      " ORDER BY ORDINAL_POSITION"));
  for (const auto& r : cols.rows) {
    Column c;
    c.name = r[0].value_or("");
    c.column_type = r[1].value_or("");
    c.data_type = r[2].value_or("");
    for (auto& ch : c.data_type) ch = static_cast<char>(tolower(static_cast<unsigned char>(ch)));
    c.nullable = r[3].value_or("") == "YES";
    std::string extra = r[4].value_or("");
    c.generated = extra.find("GENERATED") != std::string::npos ||
                  extra.find("VIRTUAL") != std::string::npos ||
                  extra.find("PERSISTENT") != std::string::npos ||
                  extra.find("STORED") != std::string::npos;
    c.is_unsigned = c.column_type.find("unsigned") != std::string::npos;
    c.charset = r[5].value_or("");
    c.collation = r[6].value_or("");
    c.default_value = r[7];
    if (c.data_type == "enum" || c.data_type == "set") c.elements = ParseEnumElements(c.column_type);
    info.columns.push_back(std::move(c));
  }
  DM_ASSIGN_OR_RETURN(auto idx, conn.Query(
      "SELECT INDEX_NAME, NON_UNIQUE, COLUMN_NAME FROM information_schema.STATISTICS WHERE " + where +
      " ORDER BY INDEX_NAME = 'PRIMARY' DESC, NON_UNIQUE, INDEX_NAME, SEQ_IN_INDEX"));
  for (const auto& r : idx.rows) {
    std::string name = r[0].value_or("");
    if (info.indexes.empty() || info.indexes.back().name != name) {
      Index i;
      i.name = name;
      i.primary = name == "PRIMARY";
      i.unique = r[1].value_or("1") == "0";
      info.indexes.push_back(std::move(i));
    }
    info.indexes.back().columns.push_back(r[2].value_or(""));
  }
  return info;
}

}  // namespace dm::schema
