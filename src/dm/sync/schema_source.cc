#include "dm/sync/schema_source.h"

#include <strings.h>

#include <charconv>

#include "dm/sync/dml.h"

namespace dm::sync {

namespace {

bool EqualFold(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

bool IsOneOf(std::string_view s, std::initializer_list<std::string_view> set) {
  for (auto x : set) {
    if (s == x) return true;
  }
  return false;
}

// n of "binary(n)".
uint32_t BinaryLength(std::string_view column_type) {
  size_t open = column_type.find('(');
  if (open == std::string_view::npos) return 1;  // BINARY = BINARY(1)
  uint32_t n = 0;
  std::from_chars(column_type.data() + open + 1, column_type.data() + column_type.size(), n);
  return n;
}

std::string Describe(const rules::TableRef& t) { return mysql::QuoteTable(t.schema, t.table); }

}  // namespace

DownstreamSchemaSource::DownstreamSchemaSource(mysql::ConnectOptions downstream)
    : options_(std::move(downstream)) {}

Result<std::shared_ptr<const schema::TableInfo>> DownstreamSchemaSource::Get(
    const rules::TableRef& upstream, const rules::Route& route) {
  if (auto it = cache_.find(upstream); it != cache_.end()) return it->second;
  for (int attempt = 0;; ++attempt) {
    if (!conn_) {
      DM_ASSIGN_OR_RETURN(conn_, mysql::Connection::Connect(options_));
    }
    auto info = schema::LoadTableInfo(*conn_, route.target.schema, route.target.table);
    if (info.ok()) {
      auto shared = std::make_shared<const schema::TableInfo>(std::move(info).value());
      cache_[upstream] = shared;
      return shared;
    }
    if (info.status().IsUnavailable() && attempt < 3) {
      conn_.reset();
      continue;
    }
    if (info.status().IsNotFound()) {
      return Status(Code::kNotFound,
                    "downstream table " + Describe(route.target) + " (target of upstream " +
                        Describe(upstream) +
                        ") does not exist; create it downstream (mode incremental needs the "
                        "table structure in the target), then resume-task",
                    Scope::kDownstream);
    }
    return info.status();
  }
}

void DownstreamSchemaSource::AfterDdl(const rules::TableRef& upstream) {
  for (auto it = cache_.begin(); it != cache_.end();) {
    bool hit = EqualFold(it->first.schema, upstream.schema) &&
               (upstream.table.empty() || EqualFold(it->first.table, upstream.table));
    it = hit ? cache_.erase(it) : std::next(it);
  }
}

Result<std::shared_ptr<const TableMeta>> BuildTableMeta(const rules::TableRef& upstream,
                                                        const rules::Route& route,
                                                        const schema::TableInfo& info,
                                                        const binlog::TableMap& map) {
  auto meta = std::make_shared<TableMeta>();
  meta->source_schema = upstream.schema;
  meta->source_table = upstream.table;
  meta->target_schema = route.target.schema;
  meta->target_table = route.target.table;
  meta->quoted = mysql::QuoteTable(route.target.schema, route.target.table);

  auto is_extra = [&](std::string_view name) {
    for (const auto& e : route.extra) {
      if (EqualFold(e.column, name)) return true;
    }
    return false;
  };
  std::vector<const schema::Column*> cols;
  for (const auto& c : info.columns) {
    if (!is_extra(c.name)) cols.push_back(&c);
  }
  if (cols.size() != map.columns.size()) {
    std::string extra_note =
        route.extra.empty() ? "" : " (after removing " + std::to_string(route.extra.size()) +
                                       " extracted route column(s))";
    return Status(Code::kFailedPrecondition,
                  "column count mismatch: upstream table " + Describe(upstream) + " has " +
                      std::to_string(map.columns.size()) + " columns in the binlog, downstream " +
                      Describe(route.target) + " has " + std::to_string(cols.size()) +
                      extra_note +
                      "; make the downstream table match the upstream (or skip the event "
                      "with `binlog skip`), then resume-task",
                  Scope::kDownstream);
  }
  auto column_meta = [&](const schema::Column& c, const binlog::ColumnInfo* bc) {
    ColumnMeta m;
    m.name = c.name;
    m.quoted = mysql::QuoteIdentifier(c.name);
    m.is_unsigned = c.is_unsigned;
    m.generated = c.generated;
    m.elements = c.elements;
    const std::string& dt = c.data_type;
    if (IsOneOf(dt, {"binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob"})) {
      m.literal = LiteralKind::kBinary;
      if (dt == "binary") m.binary_pad = BinaryLength(c.column_type);
    } else if (IsOneOf(dt, {"geometry", "point", "linestring", "polygon", "multipoint",
                            "multilinestring", "multipolygon", "geometrycollection"})) {
      m.literal = LiteralKind::kBinary;
      m.in_where = false;
    } else if (IsOneOf(dt, {"char", "varchar", "tinytext", "text", "mediumtext", "longtext"})) {
      m.literal = LiteralKind::kText;
      m.charset = c.charset;
      if (bc && bc->IsBinary()) m.literal = LiteralKind::kBinary;
    } else if (dt == "json") {
      m.literal = LiteralKind::kQuoted;
      m.in_where = false;  // MySQL JSON does not compare equal to its text
    } else if (dt == "float") {
      m.in_where = false;  // FLOAT text does not compare equal as a DOUBLE literal
    }
    return m;
  };
  for (size_t i = 0; i < cols.size(); ++i) {
    meta->columns.push_back(column_meta(*cols[i], &map.columns[i]));
  }
  meta->upstream_columns = cols.size();
  for (const auto& e : route.extra) {
    int idx = info.ColumnIndex(e.column);
    if (idx < 0) {
      return Status(Code::kFailedPrecondition,
                    "downstream table " + Describe(route.target) + " has no column `" + e.column +
                        "` for the route's extracted value; add it (DM needs the merged table "
                        "created by hand), then resume-task",
                    Scope::kDownstream);
    }
    ColumnMeta m = column_meta(info.columns[idx], nullptr);
    meta->columns.push_back(std::move(m));
    std::string lit = "'";
    AppendEscaped(e.value, &lit);
    lit += '\'';
    meta->extra_values.push_back(std::move(lit));
  }
  auto index_of = [&](std::string_view name) -> int {
    for (size_t i = 0; i < meta->columns.size(); ++i) {
      if (EqualFold(meta->columns[i].name, name)) return static_cast<int>(i);
    }
    return -1;
  };
  auto key_columns = [&](const schema::Index& idx, std::vector<int>* out) {
    for (const auto& c : idx.columns) {
      int i = index_of(c);
      if (i < 0) return false;
      out->push_back(i);
    }
    return true;
  };
  size_t unique_count = 0;
  for (const auto& idx : info.indexes) {
    if (!idx.unique) continue;
    ++unique_count;
    std::vector<int> k;
    if (key_columns(idx, &k)) meta->unique_keys.push_back(std::move(k));
  }
  if (const schema::Index* h = info.HandleKey()) {
    if (!key_columns(*h, &meta->handle_key)) meta->handle_key.clear();
  }
  meta->single_unique_key = unique_count == 1 && !meta->handle_key.empty();
  return std::shared_ptr<const TableMeta>(std::move(meta));
}

}  // namespace dm::sync
