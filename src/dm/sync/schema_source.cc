#include "dm/sync/schema_source.h"

#include <strings.h>

#include <charconv>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "dm/dump/layout.h"

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

// ---------------------------------------------------------------------------------------

TrackerSchemaSource::TrackerSchemaSource(TrackerSourceOptions options)
    : options_(std::move(options)), tracker_(options_.tracker) {}

Result<std::unique_ptr<TrackerSchemaSource>> TrackerSchemaSource::Create(
    TrackerSourceOptions options, const std::vector<TableCheckpoint>& saved) {
  std::unique_ptr<TrackerSchemaSource> s(new TrackerSchemaSource(std::move(options)));
  for (const auto& row : saved) {
    if (!row.info_json) continue;
    auto info = schema::TableInfoFromJson(*row.info_json);
    if (!info.ok()) {
      return Status(Code::kCorruption,
                    "the table_info of " + mysql::QuoteTable(row.schema, row.table) +
                        " in the sync checkpoint does not decode (" +
                        std::string(info.status().message()) +
                        "); delete that row to re-initialise the table from the downstream, "
                        "then resume-task",
                    Scope::kDownstream);
    }
    schema::TableInfo t = std::move(info).value();
    t.schema = row.schema;
    t.table = row.table;
    s->tracker_.Put(std::move(t));
  }
  for (const auto& t : s->tracker_.ListTables()) s->saved_[t] = s->tracker_.Get(t.schema, t.table);
  return s;
}

Result<mysql::QueryResult> TrackerSchemaSource::Query(const std::string& sql) {
  for (int attempt = 0;; ++attempt) {
    if (!conn_) {
      DM_ASSIGN_OR_RETURN(conn_, mysql::Connection::Connect(options_.downstream));
    }
    auto r = conn_->Query(sql);
    if (r.ok() || !r.status().IsUnavailable() || attempt >= 3) return r;
    conn_.reset();
  }
}

void TrackerSchemaSource::LearnDatabase(const std::string& upstream_schema,
                                        const std::string& target_schema) {
  if (!dbs_known_.insert(upstream_schema).second) return;
  auto r = Query("SELECT DEFAULT_CHARACTER_SET_NAME, DEFAULT_COLLATION_NAME FROM "
                 "information_schema.SCHEMATA WHERE SCHEMA_NAME = '" +
                 [&] {
                   std::string e;
                   AppendEscaped(target_schema, &e);
                   return e;
                 }() + "'");
  if (r.ok() && !r->rows.empty()) {
    tracker_.SetDatabase(upstream_schema, r->rows[0][0].value_or(""), r->rows[0][1].value_or(""));
  }
}

Status TrackerSchemaSource::Load(const rules::TableRef& upstream, const rules::Route& route) {
  dirty_ = true;
  if (!options_.dump_dir.empty()) {
    std::filesystem::path p = std::filesystem::path(options_.dump_dir) /
                              dump::TableSchemaFileName(upstream.schema, upstream.table);
    std::error_code ec;
    if (std::filesystem::is_regular_file(p, ec)) {
      std::ifstream in(p, std::ios::binary);
      std::stringstream ss;
      ss << in.rdbuf();
      if (!in) {
        return Status(Code::kUnavailable, "cannot read the dump schema file " + p.string(),
                      Scope::kInternal);
      }
      Status s = tracker_.InitTable(upstream.schema, upstream.table, ss.str());
      if (!s.ok()) {
        return std::move(s).WithContext("initialising the schema of " + Describe(upstream) +
                                        " from " + p.string());
      }
      return Status::OK();
    }
  }
  auto r = Query("SHOW CREATE TABLE " + mysql::QuoteTable(route.target.schema, route.target.table));
  if (!r.ok()) {
    if (r.status().mysql_errno() == 1146 || r.status().mysql_errno() == 1049) {
      return Status(Code::kNotFound,
                    "downstream table " + Describe(route.target) + " (target of upstream " +
                        Describe(upstream) +
                        ") does not exist; create it downstream (mode incremental needs the "
                        "table structure in the target), then resume-task",
                    Scope::kDownstream);
    }
    return r.status().WithContext("reading the structure of downstream " + Describe(route.target));
  }
  if (r->rows.empty() || r->rows[0].size() < 2 || !r->rows[0][1]) {
    return Status(Code::kNotFound, "SHOW CREATE TABLE " + Describe(route.target) + " returned nothing",
                  Scope::kDownstream);
  }
  Status s = tracker_.InitTable(upstream.schema, upstream.table, *r->rows[0][1]);
  if (!s.ok()) {
    return std::move(s).WithContext("initialising the schema of " + Describe(upstream) +
                                    " from downstream " + Describe(route.target));
  }
  if (!route.extra.empty()) {
    schema::TableInfo t = *tracker_.Get(upstream.schema, upstream.table);
    auto is_extra = [&](std::string_view name) {
      for (const auto& e : route.extra) {
        if (EqualFold(e.column, name)) return true;
      }
      return false;
    };
    std::erase_if(t.columns, [&](const schema::Column& c) { return is_extra(c.name); });
    for (auto& idx : t.indexes) std::erase_if(idx.columns, is_extra);
    std::erase_if(t.indexes, [](const schema::Index& i) { return i.columns.empty(); });
    tracker_.Put(std::move(t));
  }
  return Status::OK();
}

Result<std::shared_ptr<const schema::TableInfo>> TrackerSchemaSource::Get(
    const rules::TableRef& upstream, const rules::Route& route) {
  auto info = tracker_.Get(upstream.schema, upstream.table);
  if (!info) {
    DM_RETURN_IF_ERROR(Load(upstream, route));
    info = tracker_.Get(upstream.schema, upstream.table);
    if (!info) {
      return Status(Code::kInternal, "schema of " + Describe(upstream) + " was not initialised");
    }
  }
  if (route.extra.empty()) return info;
  // Merged table: the extracted columns and the keys come from the downstream table.
  Composed& c = composed_[upstream];
  if (c.base == info && c.info) return c.info;
  if (!conn_) {
    DM_ASSIGN_OR_RETURN(conn_, mysql::Connection::Connect(options_.downstream));
  }
  auto down = schema::LoadTableInfo(*conn_, route.target.schema, route.target.table);
  if (!down.ok()) {
    if (down.status().IsUnavailable()) conn_.reset();
    return down.status().WithContext("reading the keys of downstream " + Describe(route.target) +
                                     " (target of " + Describe(upstream) + ")");
  }
  schema::TableInfo t = *info;
  for (const auto& e : route.extra) {
    int idx = down->ColumnIndex(e.column);
    if (idx >= 0) t.columns.push_back(down->columns[idx]);
  }
  t.indexes = down->indexes;
  c.base = info;
  c.info = std::make_shared<const schema::TableInfo>(std::move(t));
  return c.info;
}

Status TrackerSchemaSource::PrepareDdl(const ddl::Statement& part, std::string_view default_schema,
                                       const RouteFn& route) {
  using K = ddl::StatementKind;
  std::vector<rules::TableRef> tables = part.Tables(default_schema);
  if (part.kind == K::kCreateDatabase) {
    auto t = tables.empty() ? rules::TableRef{} : tables.front();
    dbs_known_.insert(t.schema);
    return Status::OK();
  }
  if (part.kind == K::kCreateTable && !tables.empty()) {
    rules::TableRef t = tables.front();
    LearnDatabase(t.schema, route({t.schema, ""}).target.schema);
    return Status::OK();
  }
  const rules::TableRef* need = nullptr;
  switch (part.kind) {
    case K::kAlterTable:
    case K::kRenameTable:
    case K::kCreateIndex:
    case K::kDropIndex:
      if (!tables.empty()) need = &tables[0];
      break;
    case K::kCreateTableLike:
      if (tables.size() >= 2) need = &tables[1];
      break;
    default:
      break;
  }
  if (!need || need->table.empty() || tracker_.Get(need->schema, need->table)) return Status::OK();
  return Load(*need, route(*need));
}

Status TrackerSchemaSource::ApplyDdl(const ddl::Statement& part, std::string_view default_schema) {
  dirty_ = true;
  return tracker_.Apply(part, default_schema);
}

std::vector<TableCheckpoint> TrackerSchemaSource::TakeChanges() {
  if (!dirty_) return {};
  dirty_ = false;
  std::map<rules::TableRef, std::shared_ptr<const schema::TableInfo>> now;
  for (const auto& t : tracker_.ListTables()) now[t] = tracker_.Get(t.schema, t.table);
  std::vector<TableCheckpoint> out;
  for (const auto& [k, v] : now) {
    auto it = saved_.find(k);
    if (it == saved_.end() || it->second != v) {
      out.push_back({k.schema, k.table, schema::TableInfoToJson(*v)});
    }
  }
  for (const auto& [k, v] : saved_) {
    if (!now.count(k)) out.push_back({k.schema, k.table, std::nullopt});
  }
  saved_ = std::move(now);
  return out;
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
                      "; make the downstream table match the upstream (or, if the tracked "
                      "structure is wrong, delete this table's row in the sync checkpoint so it "
                      "is read again from the downstream), then resume-task",
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
