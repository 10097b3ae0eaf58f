#include "dm/config/task_config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <functional>
#include <set>

#include "dm/config/names.h"
#include "dm/config/parse_common.h"
#include "dm/config/yaml_reader.h"

namespace dm::config {

using internal::Doc;
using internal::MapReader;
using internal::YNode;

const std::vector<std::string>& CheckingItemNames() {
  static const std::vector<std::string> kItems = {
      "all", "dump_privilege", "replication_privilege", "version", "server_id",
      "binlog_enable", "binlog_format", "binlog_row_image", "table_schema",
      "schema_of_shard_tables", "auto_increment_ID", "online_ddl", "binlog_db",
      "meta_position", "conn_number", "target_privilege", "empty_region",
      "region_distribution", "downstream_version", "free_space",
      "downstream_mutex_features", "downstream_table_empty", "primary_key"};
  return kItems;
}

namespace {

const std::vector<std::string> kTaskModes = {"all", "full", "incremental", "dump", "load",
                                             "load&sync"};

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool Contains(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// Records the position of every node in the document by path ("a.b[2].c"), so that
// checks made after parsing (references, unused rules) can still point at a line.
void RecordPositions(const YAML::Node& node, const std::string& path,
                     std::map<std::string, Position>* out) {
  if (node.IsMap()) {
    for (const auto& kv : node) {
      YAML::Node key = kv.first;
      YAML::Node value = kv.second;
      if (!key.IsScalar()) continue;
      std::string p = path.empty() ? key.Scalar() : path + "." + key.Scalar();
      out->emplace(p, internal::PosOf(key));
      RecordPositions(value, p, out);
    }
  } else if (node.IsSequence()) {
    size_t i = 0;
    for (const YAML::Node& item : node) {
      std::string p = path + "[" + std::to_string(i++) + "]";
      out->emplace(p, internal::PosOf(item));
      RecordPositions(item, p, out);
    }
  }
}

// ---- unit configs -------------------------------------------------------------------

Status ParseMydumper(const YNode& node, MydumperConfig* out) {
  DM_ASSIGN_OR_RETURN(MapReader r, MapReader::Open(node));
  DM_RETURN_IF_ERROR(r.Str("mydumper-path", &out->mydumper_path));
  DM_RETURN_IF_ERROR(r.Int("threads", &out->threads));
  DM_RETURN_IF_ERROR(r.Str("chunk-filesize", &out->chunk_filesize));
  DM_RETURN_IF_ERROR(r.Int("statement-size", &out->statement_size));
  DM_RETURN_IF_ERROR(r.Int("rows", &out->rows));
  DM_RETURN_IF_ERROR(r.Str("where", &out->where));
  DM_RETURN_IF_ERROR(r.Bool("skip-tz-utc", &out->skip_tz_utc));
  DM_RETURN_IF_ERROR(r.Str("extra-args", &out->extra_args));
  DM_RETURN_IF_ERROR(r.Finish());
  if (out->threads < 0) return node.Error("`threads` must not be negative");
  return Status::OK();
}

Status ParseLoader(const YNode& node, LoaderConfig* out) {
  DM_ASSIGN_OR_RETURN(MapReader r, MapReader::Open(node));
  DM_RETURN_IF_ERROR(r.Int("pool-size", &out->pool_size));
  DM_RETURN_IF_ERROR(r.Str("dir", &out->dir));
  DM_RETURN_IF_ERROR(r.Str("sorting-dir-physical", &out->sorting_dir_physical));
  DM_RETURN_IF_ERROR(r.Str("import-mode", &out->import_mode));
  DM_RETURN_IF_ERROR(r.Str("on-duplicate", &out->on_duplicate));
  if (!out->on_duplicate.empty()) {
    r.Deprecated("on-duplicate", "use `on-duplicate-logical` instead");
  }
  DM_RETURN_IF_ERROR(r.Str("on-duplicate-logical", &out->on_duplicate_logical));
  DM_RETURN_IF_ERROR(r.Str("on-duplicate-physical", &out->on_duplicate_physical));
  DM_RETURN_IF_ERROR(r.Str("disk-quota-physical", &out->disk_quota_physical));
  DM_RETURN_IF_ERROR(r.Str("checksum-physical", &out->checksum_physical));
  DM_RETURN_IF_ERROR(r.Str("analyze", &out->analyze));
  DM_RETURN_IF_ERROR(r.Int("range-concurrency", &out->range_concurrency));
  DM_RETURN_IF_ERROR(r.Str("compress-kv-pairs", &out->compress_kv_pairs));
  DM_RETURN_IF_ERROR(r.Str("pd-addr", &out->pd_addr));
  DM_RETURN_IF_ERROR(r.Finish());
  if (out->pool_size < 0) return node.Error("`pool-size` must not be negative");
  return Status::OK();
}

// DM's LoaderConfig.adjust: defaults for empty values, lower-casing, enum checks.
Status AdjustLoader(LoaderConfig* l, const std::function<Status(std::string, std::string)>& err) {
  auto check = [&](std::string* value, const char* field, const std::string& dflt,
                   const std::vector<std::string>& valid) -> Status {
    if (value->empty()) *value = dflt;
    *value = Lower(*value);
    if (Contains(valid, *value)) return Status::OK();
    return err(field, "invalid " + std::string(field) + " " + QuoteValue(*value) +
                          SuggestionHint(*value, valid) + " (valid: " + JoinQuoted(valid) + ")");
  };
  if (l->import_mode.empty() || Lower(l->import_mode) == "sql" ||
      Lower(l->import_mode) == "loader") {
    l->import_mode = "logical";
  }
  DM_RETURN_IF_ERROR(check(&l->import_mode, "import-mode", "logical",
                           {"logical", "physical", "import-into", "sql", "loader"}));
  if (l->pool_size == 0) l->pool_size = 16;
  DM_RETURN_IF_ERROR(check(&l->on_duplicate_logical, "on-duplicate-logical", "replace",
                           {"replace", "error", "ignore"}));
  DM_RETURN_IF_ERROR(
      check(&l->on_duplicate_physical, "on-duplicate-physical", "none", {"none", "manual"}));
  DM_RETURN_IF_ERROR(check(&l->checksum_physical, "checksum-physical", "required",
                           {"required", "optional", "off"}));
  DM_RETURN_IF_ERROR(
      check(&l->analyze, "analyze", "optional", {"required", "optional", "off"}));
  if (!l->disk_quota_physical.empty()) {
    auto size = ParseByteSize(l->disk_quota_physical);
    if (!size.ok()) return err("disk-quota-physical", std::string(size.status().message()));
  }
  return Status::OK();
}

Status ParseSyncer(const YNode& node, SyncerConfig* out) {
  DM_ASSIGN_OR_RETURN(MapReader r, MapReader::Open(node));
  DM_RETURN_IF_ERROR(r.Str("meta-file", &out->meta_file));
  DM_RETURN_IF_ERROR(r.Int("worker-count", &out->worker_count));
  DM_RETURN_IF_ERROR(r.Int("batch", &out->batch));
  DM_RETURN_IF_ERROR(r.Int("queue-size", &out->queue_size));
  DM_RETURN_IF_ERROR(r.Int("checkpoint-flush-interval", &out->checkpoint_flush_interval));
  DM_RETURN_IF_ERROR(r.Bool("compact", &out->compact));
  DM_RETURN_IF_ERROR(r.Bool("multiple-rows", &out->multiple_rows));
  DM_RETURN_IF_ERROR(r.Bool("enable-gtid", &out->enable_gtid));
  DM_RETURN_IF_ERROR(r.Bool("safe-mode", &out->safe_mode));
  if (auto d = r.Get("safe-mode-duration")) {
    std::string text;
    DM_RETURN_IF_ERROR(d->AsString(&text));
    if (!text.empty()) {
      auto parsed = ParseGoDuration(text);
      if (!parsed.ok()) return d->Error(parsed.status().message());
      if (parsed->count() < 0) return d->Error("must not be negative");
      out->safe_mode_duration = *parsed;
    }
  }
  DM_RETURN_IF_ERROR(r.Int("max-retry", &out->max_retry));
  DM_RETURN_IF_ERROR(r.Bool("auto-fix-gtid", &out->auto_fix_gtid));
  DM_RETURN_IF_ERROR(r.Bool("disable-detect", &out->disable_detect));
  DM_RETURN_IF_ERROR(r.Bool("enable-ansi-quotes", &out->enable_ansi_quotes));
  r.Deprecated("max-retry", "it has no effect; remove it");
  r.Deprecated("auto-fix-gtid", "it has no effect; remove it");
  r.Deprecated("disable-detect", "causality detection is always on; remove it");
  r.Deprecated("enable-ansi-quotes", "ANSI_QUOTES is detected from the upstream; remove it");
  DM_RETURN_IF_ERROR(r.Finish());
  for (auto [v, name] : {std::pair{out->worker_count, "worker-count"},
                         {out->batch, "batch"},
                         {out->queue_size, "queue-size"},
                         {out->checkpoint_flush_interval, "checkpoint-flush-interval"}}) {
    if (v < 0) return node.Error("`" + std::string(name) + "` must not be negative");
  }
  return Status::OK();
}

Status ParseValidator(const YNode& node, ValidatorConfig* out) {
  DM_ASSIGN_OR_RETURN(MapReader r, MapReader::Open(node));
  DM_RETURN_IF_ERROR(r.Str("mode", &out->mode));
  DM_RETURN_IF_ERROR(r.Int("worker-count", &out->worker_count));
  DM_RETURN_IF_ERROR(r.Dur("validate-interval", &out->validate_interval));
  DM_RETURN_IF_ERROR(r.Dur("check-interval", &out->check_interval));
  DM_RETURN_IF_ERROR(r.Dur("row-error-delay", &out->row_error_delay));
  DM_RETURN_IF_ERROR(r.Dur("meta-flush-interval", &out->meta_flush_interval));
  DM_RETURN_IF_ERROR(r.Int("batch-query-size", &out->batch_query_size));
  DM_RETURN_IF_ERROR(r.Str("max-pending-row-size", &out->max_pending_row_size));
  DM_RETURN_IF_ERROR(r.Int("max-pending-row-count", &out->max_pending_row_count));
  DM_RETURN_IF_ERROR(r.Finish());
  // DM's ValidatorConfig.Adjust: zero means default.
  const ValidatorConfig d;
  if (out->mode.empty()) out->mode = d.mode;
  static const std::vector<std::string> kModes = {"none", "fast", "full"};
  if (!Contains(kModes, out->mode)) {
    return ConfigError(node.doc().file, r.KeyPos("mode"), node.path() + ".mode",
                       "invalid validator mode " + QuoteValue(out->mode) +
                           SuggestionHint(out->mode, kModes) + " (valid: `none`, `fast`, `full`)");
  }
  if (out->worker_count <= 0) out->worker_count = d.worker_count;
  if (out->validate_interval.count() == 0) out->validate_interval = d.validate_interval;
  if (out->check_interval.count() == 0) out->check_interval = d.check_interval;
  if (out->row_error_delay.count() == 0) out->row_error_delay = d.row_error_delay;
  if (out->meta_flush_interval.count() == 0) out->meta_flush_interval = d.meta_flush_interval;
  if (out->batch_query_size == 0) out->batch_query_size = d.batch_query_size;
  if (out->max_pending_row_size.empty()) out->max_pending_row_size = d.max_pending_row_size;
  auto size = ParseByteSize(out->max_pending_row_size);
  if (!size.ok()) {
    return ConfigError(node.doc().file, r.KeyPos("max-pending-row-size"),
                       node.path() + ".max-pending-row-size", size.status().message());
  }
  if (out->max_pending_row_count == 0) out->max_pending_row_count = d.max_pending_row_count;
  return Status::OK();
}

// ---- rules --------------------------------------------------------------------------

Status ParseExtractor(const YNode& node, const char* regexp_key, RouteRule::Extractor* out) {
  DM_ASSIGN_OR_RETURN(MapReader r, MapReader::Open(node));
  DM_RETURN_IF_ERROR(r.Str(regexp_key, &out->regexp));
  DM_RETURN_IF_ERROR(r.Str("target-column", &out->target_column));
  DM_RETURN_IF_ERROR(r.Finish());
  if (out->target_column.empty()) {
    return node.Error("missing required field `target-column`: name the downstream column that "
                      "receives the extracted value");
  }
  return Status::OK();
}

Status ParseRoute(const YNode& node, RouteRule* out) {
  DM_ASSIGN_OR_RETURN(MapReader r, MapReader::Open(node));
  DM_RETURN_IF_ERROR(r.Str("schema-pattern", &out->schema_pattern));
  DM_RETURN_IF_ERROR(r.Str("table-pattern", &out->table_pattern));
  DM_RETURN_IF_ERROR(r.Str("target-schema", &out->target_schema));
  DM_RETURN_IF_ERROR(r.Str("target-table", &out->target_table));
  struct Ext {
    const char* key;
    const char* regexp_key;
    std::optional<RouteRule::Extractor>* dst;
  };
  for (const Ext& x : {Ext{"extract-table", "table-regexp", &out->extract_table},
                       Ext{"extract-schema", "schema-regexp", &out->extract_schema},
                       Ext{"extract-source", "source-regexp", &out->extract_source}}) {
    if (auto n = r.Get(x.key)) {
      RouteRule::Extractor e;
      DM_RETURN_IF_ERROR(ParseExtractor(*n, x.regexp_key, &e));
      *x.dst = std::move(e);
    }
  }
  DM_RETURN_IF_ERROR(r.Finish());
  if (out->schema_pattern.empty()) {
    return node.Error("missing required field `schema-pattern` (the upstream schemas this "
                      "route applies to, wildcards `*` and `?` allowed)");
  }
  if (out->target_schema.empty()) {
    return node.Error("missing required field `target-schema` (the downstream schema)");
  }
  return Status::OK();
}

Status ParseExprFilter(const YNode& node, ExpressionFilter* out) {
  DM_ASSIGN_OR_RETURN(MapReader r, MapReader::Open(node));
  DM_RETURN_IF_ERROR(r.Str("schema", &out->schema));
  DM_RETURN_IF_ERROR(r.Str("table", &out->table));
  DM_RETURN_IF_ERROR(r.Str("insert-value-expr", &out->insert_value_expr));
  DM_RETURN_IF_ERROR(r.Str("update-old-value-expr", &out->update_old_value_expr));
  DM_RETURN_IF_ERROR(r.Str("update-new-value-expr", &out->update_new_value_expr));
  DM_RETURN_IF_ERROR(r.Str("delete-value-expr", &out->delete_value_expr));
  DM_RETURN_IF_ERROR(r.Finish());
  if (out->schema.empty()) return node.Error("missing required field `schema`");
  if (out->table.empty()) return node.Error("missing required field `table`");
  int kinds = (out->insert_value_expr.empty() ? 0 : 1) +
              (out->update_old_value_expr.empty() && out->update_new_value_expr.empty() ? 0 : 1) +
              (out->delete_value_expr.empty() ? 0 : 1);
  if (kinds > 1) {
    return node.Error("an expression filter may set only one of `insert-value-expr`, "
                      "`update-old-value-expr`/`update-new-value-expr` or `delete-value-expr`; "
                      "split it into several filters");
  }
  return Status::OK();
}

Status ParseTables(const YNode& node, std::vector<BlockAllowList::Table>* out) {
  if (!node.IsSeq()) {
    return node.Error("must be a list of `- db-name: ...\\n  tbl-name: ...` entries, got " +
                      node.Describe());
  }
  size_t i = 0;
  for (const YAML::Node& item : node.raw()) {
    YNode e = node.Element(i++, item);
    DM_ASSIGN_OR_RETURN(MapReader r, MapReader::Open(e));
    BlockAllowList::Table t;
    DM_RETURN_IF_ERROR(r.Str("db-name", &t.db_name));
    DM_RETURN_IF_ERROR(r.Str("tbl-name", &t.tbl_name));
    DM_RETURN_IF_ERROR(r.Finish());
    if (t.db_name.empty()) return e.Error("missing required field `db-name`");
    if (t.tbl_name.empty()) return e.Error("missing required field `tbl-name`");
    out->push_back(std::move(t));
  }
  return Status::OK();
}

Status ParseBaList(const YNode& node, BlockAllowList* out) {
  DM_ASSIGN_OR_RETURN(MapReader r, MapReader::Open(node));
  DM_RETURN_IF_ERROR(r.StrList("do-dbs", &out->do_dbs));
  DM_RETURN_IF_ERROR(r.StrList("ignore-dbs", &out->ignore_dbs));
  if (auto n = r.Get("do-tables")) DM_RETURN_IF_ERROR(ParseTables(*n, &out->do_tables));
  if (auto n = r.Get("ignore-tables")) DM_RETURN_IF_ERROR(ParseTables(*n, &out->ignore_tables));
  return r.Finish();
}

// ---- instances ----------------------------------------------------------------------

Status ParseMeta(const YNode& node, BinlogMeta* out) {
  DM_ASSIGN_OR_RETURN(MapReader r, MapReader::Open(node));
  DM_RETURN_IF_ERROR(r.Str("binlog-name", &out->binlog_name));
  DM_RETURN_IF_ERROR(r.Int("binlog-pos", &out->binlog_pos));
  DM_RETURN_IF_ERROR(r.Str("binlog-gtid", &out->binlog_gtid));
  DM_RETURN_IF_ERROR(r.Finish());
  if (out->binlog_name.empty() && out->binlog_gtid.empty()) {
    return node.Error("`meta` needs `binlog-name` (with `binlog-pos`) or `binlog-gtid`; set one "
                      "or remove `meta`");
  }
  return Status::OK();
}

Status ParseInstance(const YNode& node, MySQLInstance* out) {
  DM_ASSIGN_OR_RETURN(MapReader r, MapReader::Open(node));
  DM_RETURN_IF_ERROR(r.Str("source-id", &out->source_id));
  if (auto m = r.Get("meta")) {
    BinlogMeta meta;
    DM_RETURN_IF_ERROR(ParseMeta(*m, &meta));
    out->meta = std::move(meta);
  }
  DM_RETURN_IF_ERROR(r.StrList("route-rules", &out->route_rules));
  DM_RETURN_IF_ERROR(r.StrList("filter-rules", &out->filter_rules));
  DM_RETURN_IF_ERROR(r.StrList("expression-filters", &out->expression_filters));
  DM_RETURN_IF_ERROR(r.StrList("column-mapping-rules", &out->column_mapping_rules));
  if (!out->column_mapping_rules.empty()) {
    r.Deprecated("column-mapping-rules",
                 "column mapping is not supported any more and these names are ignored; use "
                 "`extract-table`/`extract-schema`/`extract-source` in a route instead");
  }
  std::string bw;
  DM_RETURN_IF_ERROR(r.Str("block-allow-list", &out->block_allow_list));
  DM_RETURN_IF_ERROR(r.Str("black-white-list", &bw));
  if (!bw.empty()) {
    r.Deprecated("black-white-list", "rename it to `block-allow-list`");
    if (out->block_allow_list.empty()) out->block_allow_list = bw;
  }
  DM_RETURN_IF_ERROR(r.Str("mydumper-config-name", &out->mydumper_config_name));
  if (auto n = r.Get("mydumper")) {
    MydumperConfig c;
    DM_RETURN_IF_ERROR(ParseMydumper(*n, &c));
    out->mydumper = std::move(c);
  }
  DM_RETURN_IF_ERROR(r.Int("mydumper-thread", &out->mydumper_thread));
  DM_RETURN_IF_ERROR(r.Str("loader-config-name", &out->loader_config_name));
  if (auto n = r.Get("loader")) {
    LoaderConfig c;
    DM_RETURN_IF_ERROR(ParseLoader(*n, &c));
    out->loader = std::move(c);
  }
  DM_RETURN_IF_ERROR(r.Int("loader-thread", &out->loader_thread));
  DM_RETURN_IF_ERROR(r.Str("syncer-config-name", &out->syncer_config_name));
  if (auto n = r.Get("syncer")) {
    SyncerConfig c;
    DM_RETURN_IF_ERROR(ParseSyncer(*n, &c));
    out->syncer = std::move(c);
  }
  DM_RETURN_IF_ERROR(r.Int("syncer-thread", &out->syncer_thread));
  DM_RETURN_IF_ERROR(r.Str("validator-config-name", &out->validator_config_name));
  DM_RETURN_IF_ERROR(r.Finish());

  for (auto [v, name] : {std::pair{out->mydumper_thread, "mydumper-thread"},
                         {out->loader_thread, "loader-thread"},
                         {out->syncer_thread, "syncer-thread"}}) {
    if (v < 0) {
      return ConfigError(node.doc().file, r.KeyPos(name), node.path() + "." + name,
                         "must not be negative");
    }
  }
  struct Conflict {
    const std::string& name;
    bool inline_set;
    const char* name_key;
    const char* inline_key;
  };
  for (const Conflict& c :
       {Conflict{out->mydumper_config_name, out->mydumper.has_value(), "mydumper-config-name",
                 "mydumper"},
        Conflict{out->loader_config_name, out->loader.has_value(), "loader-config-name",
                 "loader"},
        Conflict{out->syncer_config_name, out->syncer.has_value(), "syncer-config-name",
                 "syncer"}}) {
    if (!c.name.empty() && c.inline_set) {
      return ConfigError(node.doc().file, r.KeyPos(c.inline_key),
                         node.path() + "." + c.inline_key,
                         std::string("both `") + c.name_key + "` and an inline `" + c.inline_key +
                             ":` are set; keep only one");
    }
  }
  return Status::OK();
}

// ---- the task -----------------------------------------------------------------------

class TaskParser {
 public:
  TaskParser(const Doc* doc, TaskConfig* cfg) : doc_(doc), cfg_(cfg) {}

  Status Run(const YAML::Node& root);

 private:
  Status Parse(const YNode& root);
  Status Validate();
  Status ValidateInstance(size_t i, MySQLInstance* inst);

  Position PosFor(std::string path) const {
    while (true) {
      auto it = positions_.find(path);
      if (it != positions_.end() && it->second.known()) return it->second;
      size_t cut = path.find_last_of(".[");
      if (cut == std::string::npos) return {};
      path.resize(cut);
    }
  }
  Status Err(const std::string& path, std::string_view what) const {
    return ConfigError(doc_->file, PosFor(path), path, what);
  }
  void Warn(const std::string& path, std::string_view what) const {
    cfg_->warnings.push_back(LocationPrefix(doc_->file, PosFor(path)) + path + ": " +
                             std::string(what));
  }

  const Doc* doc_;
  TaskConfig* cfg_;
  std::map<std::string, Position> positions_;
  bool has_target_ = false;
  bool column_mappings_ = false;
  int heartbeat_update_interval_ = 1;
  int heartbeat_report_interval_ = 10;
  bool enable_heartbeat_ = false;
  bool remove_meta_ = false;
  std::string online_ddl_scheme_;
};

Status TaskParser::Run(const YAML::Node& root) {
  RecordPositions(root, "", &positions_);
  DM_RETURN_IF_ERROR(Parse(YNode(doc_, root, "")));
  return Validate();
}

Status TaskParser::Parse(const YNode& root) {
  TaskConfig& c = *cfg_;
  DM_ASSIGN_OR_RETURN(MapReader r, MapReader::Open(root));
  DM_RETURN_IF_ERROR(r.Str("name", &c.name));
  DM_RETURN_IF_ERROR(r.Str("task-mode", &c.task_mode));
  DM_RETURN_IF_ERROR(r.Bool("is-sharding", &c.is_sharding));
  DM_RETURN_IF_ERROR(r.Str("shard-mode", &c.shard_mode));
  DM_RETURN_IF_ERROR(r.Bool("strict-optimistic-shard-mode", &c.strict_optimistic_shard_mode));
  DM_RETURN_IF_ERROR(r.StrList("ignore-checking-items", &c.ignore_checking_items));
  DM_RETURN_IF_ERROR(r.Str("meta-schema", &c.meta_schema));
  DM_RETURN_IF_ERROR(r.Str("timezone", &c.timezone));
  DM_RETURN_IF_ERROR(r.Bool("case-sensitive", &c.case_sensitive));
  DM_RETURN_IF_ERROR(r.Str("collation_compatible", &c.collation_compatible));
  if (auto t = r.Get("target-database")) {
    has_target_ = true;
    DM_RETURN_IF_ERROR(internal::ParseDbConfig(*t, &c.target_database));
  }
  if (auto insts = r.Get("mysql-instances")) {
    if (!insts->IsSeq()) {
      return insts->Error("must be a list of instances (`- source-id: ...`), got " +
                          insts->Describe());
    }
    size_t i = 0;
    for (const YAML::Node& item : insts->raw()) {
      MySQLInstance inst;
      DM_RETURN_IF_ERROR(ParseInstance(insts->Element(i++, item), &inst));
      c.mysql_instances.push_back(std::move(inst));
    }
  }
  DM_RETURN_IF_ERROR(r.Bool("online-ddl", &c.online_ddl));
  DM_RETURN_IF_ERROR(r.StrList("shadow-table-rules", &c.shadow_table_rules));
  DM_RETURN_IF_ERROR(r.StrList("trash-table-rules", &c.trash_table_rules));
  DM_RETURN_IF_ERROR(r.Str("online-ddl-scheme", &online_ddl_scheme_));
  DM_RETURN_IF_ERROR(internal::ReadNamedMap(r, "routes", &c.routes, ParseRoute));
  DM_RETURN_IF_ERROR(
      internal::ReadNamedMap(r, "filters", &c.filters, internal::ParseFilterRule));
  DM_RETURN_IF_ERROR(
      internal::ReadNamedMap(r, "expression-filter", &c.expression_filter, ParseExprFilter));
  std::map<std::string, BlockAllowList> bw;
  DM_RETURN_IF_ERROR(internal::ReadNamedMap(r, "block-allow-list", &c.block_allow_list,
                                            ParseBaList));
  DM_RETURN_IF_ERROR(internal::ReadNamedMap(r, "black-white-list", &bw, ParseBaList));
  if (!bw.empty()) {
    if (c.block_allow_list.empty()) {
      r.Deprecated("black-white-list", "rename it to `block-allow-list`");
      c.block_allow_list = std::move(bw);
    } else {
      r.Deprecated("black-white-list",
                   "it is ignored because `block-allow-list` is also set; merge it into "
                   "`block-allow-list`");
    }
  }
  DM_RETURN_IF_ERROR(internal::ReadNamedMap(r, "mydumpers", &c.mydumpers, ParseMydumper));
  DM_RETURN_IF_ERROR(internal::ReadNamedMap(r, "loaders", &c.loaders, ParseLoader));
  DM_RETURN_IF_ERROR(internal::ReadNamedMap(r, "syncers", &c.syncers, ParseSyncer));
  DM_RETURN_IF_ERROR(internal::ReadNamedMap(r, "validators", &c.validators, ParseValidator));
  DM_RETURN_IF_ERROR(r.Bool("clean-dump-file", &c.clean_dump_file));
  DM_RETURN_IF_ERROR(r.Bool("ansi-quotes", &c.ansi_quotes));
  if (c.ansi_quotes) {
    r.Deprecated("ansi-quotes", "ANSI_QUOTES is detected from the upstream's sql_mode");
  }
  if (auto exp = r.Get("experimental")) {
    DM_ASSIGN_OR_RETURN(MapReader er, MapReader::Open(*exp));
    DM_RETURN_IF_ERROR(er.Bool("async-checkpoint-flush", &c.async_checkpoint_flush));
    DM_RETURN_IF_ERROR(er.Finish());
  }
  // Deprecated or rejected.
  if (auto cm = r.Get("column-mappings")) column_mappings_ = !cm->IsMap() || cm->raw().size() > 0;
  DM_RETURN_IF_ERROR(r.Bool("enable-heartbeat", &enable_heartbeat_));
  DM_RETURN_IF_ERROR(r.Int("heartbeat-update-interval", &heartbeat_update_interval_));
  DM_RETURN_IF_ERROR(r.Int("heartbeat-report-interval", &heartbeat_report_interval_));
  if (enable_heartbeat_ || heartbeat_update_interval_ != 1 || heartbeat_report_interval_ != 10) {
    r.Deprecated("enable-heartbeat",
                 "heartbeat is deprecated and forced off (also `heartbeat-update-interval` and "
                 "`heartbeat-report-interval`); replication lag is measured without it");
  }
  DM_RETURN_IF_ERROR(r.Bool("remove-meta", &remove_meta_));
  if (remove_meta_) r.Deprecated("remove-meta", "use `start-task --remove-meta` instead");
  return r.Finish();
}

Status TaskParser::Validate() {
  TaskConfig& c = *cfg_;
  if (c.name.empty()) {
    return Err("name", "missing required field `name`; give the task a unique name, e.g. "
                       "`name: test`");
  }
  if (c.task_mode.empty()) {
    return Err("task-mode", "missing required field `task-mode`; valid: " +
                                JoinQuoted(kTaskModes));
  }
  if (!Contains(kTaskModes, c.task_mode)) {
    return Err("task-mode", "invalid task-mode " + QuoteValue(c.task_mode) +
                                SuggestionHint(c.task_mode, kTaskModes) +
                                " (valid: " + JoinQuoted(kTaskModes) + ")");
  }
  if (c.meta_schema.empty()) c.meta_schema = "dm_meta";

  static const std::vector<std::string> kShardModes = {"pessimistic", "optimistic"};
  if (!c.shard_mode.empty() && !Contains(kShardModes, c.shard_mode)) {
    return Err("shard-mode", "invalid shard-mode " + QuoteValue(c.shard_mode) +
                                 SuggestionHint(c.shard_mode, kShardModes) +
                                 " (valid: `pessimistic`, `optimistic`, or leave it out for a "
                                 "non-sharded task)");
  }
  if (c.shard_mode.empty() && c.is_sharding) c.shard_mode = "pessimistic";
  if (c.strict_optimistic_shard_mode && c.shard_mode != "optimistic") {
    return Err("strict-optimistic-shard-mode",
               "`strict-optimistic-shard-mode: true` needs `shard-mode: optimistic`");
  }
  if (column_mappings_) {
    return Err("column-mappings",
               "`column-mappings` is no longer supported (DM rejects it too); remove it and use "
               "`extract-table`/`extract-schema`/`extract-source` in a route rule to record "
               "shard provenance");
  }
  static const std::vector<std::string> kCollation = {"loose", "strict"};
  if (c.collation_compatible.empty()) c.collation_compatible = "loose";
  if (!Contains(kCollation, c.collation_compatible)) {
    return Err("collation_compatible", "invalid collation_compatible " +
                                           QuoteValue(c.collation_compatible) +
                                           SuggestionHint(c.collation_compatible, kCollation) +
                                           " (valid: `loose`, `strict`)");
  }
  for (size_t i = 0; i < c.ignore_checking_items.size(); ++i) {
    const std::string& item = c.ignore_checking_items[i];
    if (!Contains(CheckingItemNames(), item)) {
      return Err("ignore-checking-items[" + std::to_string(i) + "]",
                 "unknown checking item " + QuoteValue(item) +
                     SuggestionHint(item, CheckingItemNames(), "valid items"));
    }
  }
  if (!online_ddl_scheme_.empty()) {
    if (online_ddl_scheme_ != "pt" && online_ddl_scheme_ != "gh-ost") {
      return Err("online-ddl-scheme", "invalid online-ddl-scheme " +
                                          QuoteValue(online_ddl_scheme_) +
                                          " (valid: `pt`, `gh-ost`); better, remove it and set "
                                          "`online-ddl: true`");
    }
    c.online_ddl = true;
    Warn("online-ddl-scheme",
         "`online-ddl-scheme` is deprecated; use `online-ddl: true` (it is now on)");
  }
  if (!has_target_) {
    return Err("target-database",
               "missing required field `target-database` (host, port, user, password of the "
               "downstream)");
  }
  if (c.mysql_instances.empty()) {
    return Err("mysql-instances",
               "missing required field `mysql-instances`: list at least one source, e.g. "
               "`mysql-instances: [{source-id: mysql-replica-01}]`");
  }

  // Per-instance checks and resolution; counts references to global configs.
  std::map<std::string, size_t> seen_sources;
  for (size_t i = 0; i < c.mysql_instances.size(); ++i) {
    MySQLInstance& inst = c.mysql_instances[i];
    std::string path = "mysql-instances[" + std::to_string(i) + "]";
    if (inst.source_id.empty()) {
      return Err(path, "missing required field `source-id`; name a source created with "
                       "`dmctl operate-source create`");
    }
    if (inst.source_id.size() > 32) {
      return Err(path + ".source-id", "source-id " + QuoteValue(inst.source_id) +
                                          " is longer than 32 characters");
    }
    auto [it, inserted] = seen_sources.emplace(inst.source_id, i);
    if (!inserted) {
      return Err(path + ".source-id",
                 "source-id " + QuoteValue(inst.source_id) + " is already used by "
                 "mysql-instances[" + std::to_string(it->second) +
                     "]; each source may appear only once per task");
    }
    DM_RETURN_IF_ERROR(ValidateInstance(i, &inst));
  }

  // Unused global configs (DM's ErrConfigGlobalConfigsUnused).
  struct Unused {
    Position pos;
    std::string path, kind, name, ref_field;
  };
  std::vector<Unused> unused;
  auto collect = [&](const auto& defs, const char* section, const char* kind,
                     const char* ref_field, auto uses) {
    for (const auto& [name, _] : defs) {
      bool used = false;
      for (const MySQLInstance& inst : c.mysql_instances) used = used || uses(inst, name);
      if (!used) {
        std::string p = std::string(section) + "." + name;
        unused.push_back({PosFor(p), p, kind, name, ref_field});
      }
    }
  };
  collect(c.routes, "routes", "route rule", "route-rules",
          [](const MySQLInstance& i, const std::string& n) { return Contains(i.route_rules, n); });
  collect(c.filters, "filters", "filter rule", "filter-rules",
          [](const MySQLInstance& i, const std::string& n) {
            return Contains(i.filter_rules, n);
          });
  collect(c.expression_filter, "expression-filter", "expression filter", "expression-filters",
          [](const MySQLInstance& i, const std::string& n) {
            return Contains(i.expression_filters, n);
          });
  collect(c.mydumpers, "mydumpers", "mydumper config", "mydumper-config-name",
          [](const MySQLInstance& i, const std::string& n) { return i.mydumper_config_name == n; });
  collect(c.loaders, "loaders", "loader config", "loader-config-name",
          [](const MySQLInstance& i, const std::string& n) { return i.loader_config_name == n; });
  collect(c.syncers, "syncers", "syncer config", "syncer-config-name",
          [](const MySQLInstance& i, const std::string& n) { return i.syncer_config_name == n; });
  collect(c.validators, "validators", "validator config", "validator-config-name",
          [](const MySQLInstance& i, const std::string& n) {
            return i.validator_config_name == n;
          });
  if (!unused.empty()) {
    std::sort(unused.begin(), unused.end(),
              [](const Unused& a, const Unused& b) { return a.pos.line < b.pos.line; });
    const Unused& u = unused.front();
    std::string what = u.kind + " `" + u.name +
                       "` is defined but no mysql-instances entry uses it (DM: "
                       "ErrConfigGlobalConfigsUnused); reference it from an instance's `" +
                       u.ref_field + "` or delete it";
    if (unused.size() > 1) {
      std::vector<std::string> rest;
      for (size_t k = 1; k < unused.size(); ++k) rest.push_back(unused[k].path);
      what += "; also unused: " + JoinQuoted(rest);
    }
    return ConfigError(doc_->file, u.pos, u.path, what);
  }
  for (const auto& [name, _] : c.block_allow_list) {
    bool used = false;
    for (const MySQLInstance& inst : c.mysql_instances) used = used || inst.block_allow_list == name;
    if (!used) {
      Warn("block-allow-list." + name,
           "block-allow list `" + name + "` is not used by any mysql-instances entry");
    }
  }
  for (auto& [name, loader] : c.loaders) {
    std::string base = "loaders." + name;
    DM_RETURN_IF_ERROR(AdjustLoader(&loader, [&](std::string field, std::string what) {
      return Err(base + "." + field, what);
    }));
  }

  if (!c.timezone.empty()) {
    const std::string& tz = c.timezone;
    if (tz == "SYSTEM" || tz == "Local") {
      return Err("timezone", "`SYSTEM` / `Local` time zones are not supported; give a name such "
                             "as `Asia/Shanghai` or an offset such as `+08:00`");
    }
    bool ok = tz == "UTC";
    if (!ok && (tz[0] == '+' || tz[0] == '-')) {
      // [+-]H[H]:MM within [-12:59, +14:00], as MySQL accepts.
      int h = 0, m = 0;
      size_t colon = tz.find(':');
      bool digits = colon != std::string::npos && colon > 1 && colon <= 3 &&
                    tz.size() == colon + 3;
      for (size_t k = 1; digits && k < tz.size(); ++k) {
        digits = k == colon || std::isdigit(static_cast<unsigned char>(tz[k]));
      }
      if (digits) {
        h = std::stoi(tz.substr(1, colon - 1));
        m = std::stoi(tz.substr(colon + 1));
        int minutes = h * 60 + m;
        ok = m < 60 && (tz[0] == '+' ? minutes <= 14 * 60 : minutes <= 12 * 60 + 59);
      }
    } else if (!ok) {
      std::error_code ec;
      const std::filesystem::path zoneinfo = "/usr/share/zoneinfo";
      bool sane = tz.find("..") == std::string::npos && tz[0] != '/';
      if (std::filesystem::is_directory(zoneinfo, ec)) {
        ok = sane && std::filesystem::is_regular_file(zoneinfo / tz, ec);
      } else {
        ok = sane;  // no tz database here to check against
      }
    }
    if (!ok) {
      return Err("timezone", "invalid timezone " + QuoteValue(tz) +
                                 "; give an IANA name such as `Asia/Shanghai` or `UTC`, or an "
                                 "offset within [-12:59, +14:00] such as `+08:00`");
    }
  }
  return Status::OK();
}

Status TaskParser::ValidateInstance(size_t i, MySQLInstance* inst) {
  TaskConfig& c = *cfg_;
  std::string path = "mysql-instances[" + std::to_string(i) + "]";
  const std::string& mode = c.task_mode;
  if (inst->meta && (mode == kModeFull || mode == kModeAll || mode == kModeDump ||
                     mode == kModeLoad)) {
    Warn(path + ".meta", "`meta` is not used in task-mode `" + mode +
                             "`: full and all modes start from the dump's own position");
  }
  if (!inst->meta && mode == kModeIncremental) {
    Warn(path, "no `meta` for an incremental task: without a checkpoint, give "
               "`start-task --start-time` or the task starts from the current position");
  }

  // References to named rules.
  auto check_refs = [&](const std::vector<std::string>& names, const char* field,
                        const char* section, const char* kind, auto& defs) -> Status {
    std::vector<std::string> defined;
    for (const auto& [n, _] : defs) defined.push_back(n);
    std::set<std::string> seen;
    std::vector<std::string> dups;
    for (size_t k = 0; k < names.size(); ++k) {
      const std::string& n = names[k];
      std::string p = path + "." + field + "[" + std::to_string(k) + "]";
      if (!defs.count(n)) {
        std::string hint = defined.empty()
                               ? std::string("; `") + section + "` defines none"
                               : SuggestionHint(n, defined, std::string("defined under `") +
                                                                section + "`");
        return Err(p, std::string(kind) + " `" + n + "` is not defined under `" + section + "`" +
                          hint);
      }
      if (!seen.insert(n).second && !Contains(dups, n)) dups.push_back(n);
    }
    if (!dups.empty()) {
      return Err(path + "." + field, std::string("duplicate names in `") + field +
                                         "`: " + JoinQuoted(dups) + "; list each rule once");
    }
    return Status::OK();
  };
  DM_RETURN_IF_ERROR(check_refs(inst->route_rules, "route-rules", "routes", "route rule",
                                c.routes));
  DM_RETURN_IF_ERROR(check_refs(inst->filter_rules, "filter-rules", "filters", "filter rule",
                                c.filters));
  DM_RETURN_IF_ERROR(check_refs(inst->expression_filters, "expression-filters",
                                "expression-filter", "expression filter", c.expression_filter));
  {
    std::set<std::string> seen;
    for (const std::string& n : inst->column_mapping_rules) {
      if (!seen.insert(n).second) {
        return Err(path + ".column-mapping-rules",
                   "duplicate name `" + n + "` in `column-mapping-rules`");
      }
    }
  }
  auto check_one = [&](const std::string& name, const char* field, const char* section,
                       const char* kind, const auto& defs) -> Status {
    if (name.empty() || defs.count(name)) return Status::OK();
    std::vector<std::string> defined;
    for (const auto& [n, _] : defs) defined.push_back(n);
    std::string hint = defined.empty()
                           ? std::string("; `") + section + "` defines none"
                           : SuggestionHint(name, defined,
                                            std::string("defined under `") + section + "`");
    return Err(path + "." + field,
               std::string(kind) + " `" + name + "` is not defined under `" + section + "`" + hint);
  };
  std::string ba_field = positions_.count(path + ".block-allow-list") || inst->block_allow_list.empty()
                             ? "block-allow-list"
                             : "black-white-list";
  DM_RETURN_IF_ERROR(check_one(inst->block_allow_list, ba_field.c_str(), "block-allow-list",
                               "block-allow list", c.block_allow_list));
  DM_RETURN_IF_ERROR(check_one(inst->mydumper_config_name, "mydumper-config-name", "mydumpers",
                               "mydumper config", c.mydumpers));
  DM_RETURN_IF_ERROR(check_one(inst->loader_config_name, "loader-config-name", "loaders",
                               "loader config", c.loaders));
  DM_RETURN_IF_ERROR(check_one(inst->syncer_config_name, "syncer-config-name", "syncers",
                               "syncer config", c.syncers));
  DM_RETURN_IF_ERROR(check_one(inst->validator_config_name, "validator-config-name",
                               "validators", "validator config", c.validators));

  // Resolution (DM's adjust()).
  ResolvedUnits& res = inst->resolved;
  if (!inst->mydumper_config_name.empty()) {
    res.mydumper = c.mydumpers.at(inst->mydumper_config_name);
  } else if (inst->mydumper) {
    res.mydumper = *inst->mydumper;
  }
  if (res.mydumper.chunk_filesize.empty()) res.mydumper.chunk_filesize = "64";
  if (inst->mydumper_thread != 0) res.mydumper.threads = inst->mydumper_thread;

  if (!inst->loader_config_name.empty()) {
    res.loader = c.loaders.at(inst->loader_config_name);
  } else if (inst->loader) {
    res.loader = *inst->loader;
  }
  std::string loader_path = inst->loader_config_name.empty()
                                ? path + ".loader"
                                : "loaders." + inst->loader_config_name;
  DM_RETURN_IF_ERROR(AdjustLoader(&res.loader, [&](std::string field, std::string what) {
    return Err(loader_path + "." + field, what);
  }));
  if (inst->loader_thread != 0) res.loader.pool_size = inst->loader_thread;
  if (c.mysql_instances.size() > 1 && res.loader.import_mode == "import-into") {
    return Err(loader_path + ".import-mode",
               "`import-mode: import-into` does not support tasks with several sources (this "
               "task has " + std::to_string(c.mysql_instances.size()) +
                   "); use `logical` or `physical`");
  }

  std::string syncer_path = inst->syncer_config_name.empty()
                                ? path + ".syncer"
                                : "syncers." + inst->syncer_config_name;
  if (!inst->syncer_config_name.empty()) {
    res.syncer = c.syncers.at(inst->syncer_config_name);
  } else if (inst->syncer) {
    res.syncer = *inst->syncer;
  }
  SyncerConfig& s = res.syncer;
  if (s.queue_size == 0) s.queue_size = 1024;
  if (s.checkpoint_flush_interval == 0) s.checkpoint_flush_interval = 30;
  if (!s.safe_mode_duration) {
    s.safe_mode_duration = std::chrono::seconds(2 * s.checkpoint_flush_interval);
  }
  if (s.safe_mode && s.safe_mode_duration->count() == 0) {
    return Err(syncer_path + ".safe-mode-duration",
               "`safe-mode: true` conflicts with `safe-mode-duration: 0s` (0s disables safe "
               "mode); remove one of them");
  }
  if (inst->syncer_thread != 0) s.worker_count = inst->syncer_thread;
  if (s.worker_count == 0) s.worker_count = 16;
  if (s.batch == 0) s.batch = 100;

  // With foreign_key_checks=1 downstream, DM rejects options that reorder/merge DML.
  for (const auto& [k, v] : c.target_database.session) {
    if (Lower(k) != "foreign_key_checks") continue;
    std::string val = v;
    auto strip = [](char ch) { return ch == ' ' || ch == '\'' || ch == '"'; };
    while (!val.empty() && strip(val.front())) val.erase(val.begin());
    while (!val.empty() && strip(val.back())) val.pop_back();
    if (Lower(val) == "on" || val == "1") {
      for (auto [on, opt] : {std::pair{s.compact, "compact"}, {s.multiple_rows, "multiple-rows"}}) {
        if (on) {
          return Err(syncer_path + "." + opt,
                     "`" + std::string(opt) + ": true` cannot be used with session "
                     "`foreign_key_checks=1` in target-database (it would change statement "
                     "order across foreign keys); disable one of them");
        }
      }
    }
  }

  res.validator = ValidatorConfig();
  if (!inst->validator_config_name.empty()) {
    res.validator = c.validators.at(inst->validator_config_name);
  }
  return Status::OK();
}

// ---- ToYaml ------------------------------------------------------------------------------

using internal::EmitStringList;

void EmitMydumper(YAML::Emitter& e, const MydumperConfig& m) {
  e << YAML::BeginMap;
  e << YAML::Key << "threads" << YAML::Value << m.threads;
  e << YAML::Key << "chunk-filesize" << YAML::Value << m.chunk_filesize;
  e << YAML::Key << "statement-size" << YAML::Value << m.statement_size;
  e << YAML::Key << "rows" << YAML::Value << m.rows;
  e << YAML::Key << "where" << YAML::Value << m.where;
  e << YAML::Key << "skip-tz-utc" << YAML::Value << m.skip_tz_utc;
  e << YAML::Key << "extra-args" << YAML::Value << m.extra_args;
  e << YAML::Key << "mydumper-path" << YAML::Value << m.mydumper_path;
  e << YAML::EndMap;
}

void EmitLoader(YAML::Emitter& e, const LoaderConfig& l) {
  e << YAML::BeginMap;
  e << YAML::Key << "pool-size" << YAML::Value << l.pool_size;
  e << YAML::Key << "dir" << YAML::Value << l.dir;
  e << YAML::Key << "import-mode" << YAML::Value << l.import_mode;
  e << YAML::Key << "on-duplicate-logical" << YAML::Value << l.on_duplicate_logical;
  e << YAML::Key << "on-duplicate-physical" << YAML::Value << l.on_duplicate_physical;
  if (!l.on_duplicate.empty()) e << YAML::Key << "on-duplicate" << YAML::Value << l.on_duplicate;
  e << YAML::Key << "sorting-dir-physical" << YAML::Value << l.sorting_dir_physical;
  e << YAML::Key << "disk-quota-physical" << YAML::Value << l.disk_quota_physical;
  e << YAML::Key << "checksum-physical" << YAML::Value << l.checksum_physical;
  e << YAML::Key << "analyze" << YAML::Value << l.analyze;
  e << YAML::Key << "range-concurrency" << YAML::Value << l.range_concurrency;
  e << YAML::Key << "compress-kv-pairs" << YAML::Value << l.compress_kv_pairs;
  e << YAML::Key << "pd-addr" << YAML::Value << l.pd_addr;
  e << YAML::EndMap;
}

void EmitSyncer(YAML::Emitter& e, const SyncerConfig& s) {
  e << YAML::BeginMap;
  e << YAML::Key << "worker-count" << YAML::Value << s.worker_count;
  e << YAML::Key << "batch" << YAML::Value << s.batch;
  e << YAML::Key << "queue-size" << YAML::Value << s.queue_size;
  e << YAML::Key << "checkpoint-flush-interval" << YAML::Value << s.checkpoint_flush_interval;
  e << YAML::Key << "compact" << YAML::Value << s.compact;
  e << YAML::Key << "multiple-rows" << YAML::Value << s.multiple_rows;
  e << YAML::Key << "safe-mode" << YAML::Value << s.safe_mode;
  if (s.safe_mode_duration) {
    e << YAML::Key << "safe-mode-duration" << YAML::Value
      << FormatGoDuration(*s.safe_mode_duration);
  }
  if (s.enable_gtid) e << YAML::Key << "enable-gtid" << YAML::Value << true;
  if (!s.meta_file.empty()) e << YAML::Key << "meta-file" << YAML::Value << s.meta_file;
  if (s.max_retry != 0) e << YAML::Key << "max-retry" << YAML::Value << s.max_retry;
  if (s.auto_fix_gtid) e << YAML::Key << "auto-fix-gtid" << YAML::Value << true;
  if (s.disable_detect) e << YAML::Key << "disable-detect" << YAML::Value << true;
  if (s.enable_ansi_quotes) e << YAML::Key << "enable-ansi-quotes" << YAML::Value << true;
  e << YAML::EndMap;
}

void EmitValidator(YAML::Emitter& e, const ValidatorConfig& v) {
  e << YAML::BeginMap;
  e << YAML::Key << "mode" << YAML::Value << v.mode;
  e << YAML::Key << "worker-count" << YAML::Value << v.worker_count;
  e << YAML::Key << "validate-interval" << YAML::Value << FormatGoDuration(v.validate_interval);
  e << YAML::Key << "check-interval" << YAML::Value << FormatGoDuration(v.check_interval);
  e << YAML::Key << "row-error-delay" << YAML::Value << FormatGoDuration(v.row_error_delay);
  e << YAML::Key << "meta-flush-interval" << YAML::Value
    << FormatGoDuration(v.meta_flush_interval);
  e << YAML::Key << "batch-query-size" << YAML::Value << v.batch_query_size;
  e << YAML::Key << "max-pending-row-size" << YAML::Value << v.max_pending_row_size;
  e << YAML::Key << "max-pending-row-count" << YAML::Value << v.max_pending_row_count;
  e << YAML::EndMap;
}

void EmitTables(YAML::Emitter& e, const std::vector<BlockAllowList::Table>& tables) {
  e << YAML::BeginSeq;
  for (const auto& t : tables) {
    e << YAML::BeginMap << YAML::Key << "db-name" << YAML::Value << t.db_name << YAML::Key
      << "tbl-name" << YAML::Value << t.tbl_name << YAML::EndMap;
  }
  e << YAML::EndSeq;
}

template <class T, class Fn>
void EmitNamed(YAML::Emitter& e, const char* key, const std::map<std::string, T>& m, Fn fn) {
  if (m.empty()) return;
  e << YAML::Key << key << YAML::Value << YAML::BeginMap;
  for (const auto& [name, v] : m) {
    e << YAML::Key << name << YAML::Value;
    fn(e, v);
  }
  e << YAML::EndMap;
}

}  // namespace

std::string TaskConfig::ToYaml(bool redact_passwords) const {
  YAML::Emitter e;
  e << YAML::BeginMap;
  e << YAML::Key << "name" << YAML::Value << name;
  e << YAML::Key << "task-mode" << YAML::Value << task_mode;
  if (is_sharding) e << YAML::Key << "is-sharding" << YAML::Value << true;
  e << YAML::Key << "shard-mode" << YAML::Value << shard_mode;
  e << YAML::Key << "strict-optimistic-shard-mode" << YAML::Value << strict_optimistic_shard_mode;
  e << YAML::Key << "ignore-checking-items" << YAML::Value;
  EmitStringList(e, ignore_checking_items);
  e << YAML::Key << "meta-schema" << YAML::Value << meta_schema;
  e << YAML::Key << "timezone" << YAML::Value << timezone;
  e << YAML::Key << "case-sensitive" << YAML::Value << case_sensitive;
  e << YAML::Key << "collation_compatible" << YAML::Value << collation_compatible;
  e << YAML::Key << "online-ddl" << YAML::Value << online_ddl;
  e << YAML::Key << "shadow-table-rules" << YAML::Value;
  EmitStringList(e, shadow_table_rules);
  e << YAML::Key << "trash-table-rules" << YAML::Value;
  EmitStringList(e, trash_table_rules);
  e << YAML::Key << "clean-dump-file" << YAML::Value << clean_dump_file;
  if (ansi_quotes) e << YAML::Key << "ansi-quotes" << YAML::Value << true;
  e << YAML::Key << "experimental" << YAML::Value << YAML::BeginMap << YAML::Key
    << "async-checkpoint-flush" << YAML::Value << async_checkpoint_flush << YAML::EndMap;
  e << YAML::Key << "target-database" << YAML::Value;
  internal::EmitDbConfig(e, target_database, redact_passwords);

  e << YAML::Key << "mysql-instances" << YAML::Value << YAML::BeginSeq;
  for (const MySQLInstance& i : mysql_instances) {
    e << YAML::BeginMap;
    e << YAML::Key << "source-id" << YAML::Value << i.source_id;
    if (i.meta) {
      e << YAML::Key << "meta" << YAML::Value << YAML::BeginMap;
      e << YAML::Key << "binlog-name" << YAML::Value << i.meta->binlog_name;
      e << YAML::Key << "binlog-pos" << YAML::Value << i.meta->binlog_pos;
      e << YAML::Key << "binlog-gtid" << YAML::Value << i.meta->binlog_gtid;
      e << YAML::EndMap;
    }
    if (!i.route_rules.empty()) {
      e << YAML::Key << "route-rules" << YAML::Value;
      EmitStringList(e, i.route_rules);
    }
    if (!i.filter_rules.empty()) {
      e << YAML::Key << "filter-rules" << YAML::Value;
      EmitStringList(e, i.filter_rules);
    }
    if (!i.expression_filters.empty()) {
      e << YAML::Key << "expression-filters" << YAML::Value;
      EmitStringList(e, i.expression_filters);
    }
    if (!i.block_allow_list.empty()) {
      e << YAML::Key << "block-allow-list" << YAML::Value << i.block_allow_list;
    }
    if (!i.mydumper_config_name.empty()) {
      e << YAML::Key << "mydumper-config-name" << YAML::Value << i.mydumper_config_name;
    }
    if (i.mydumper) {
      e << YAML::Key << "mydumper" << YAML::Value;
      EmitMydumper(e, *i.mydumper);
    }
    if (i.mydumper_thread != 0) {
      e << YAML::Key << "mydumper-thread" << YAML::Value << i.mydumper_thread;
    }
    if (!i.loader_config_name.empty()) {
      e << YAML::Key << "loader-config-name" << YAML::Value << i.loader_config_name;
    }
    if (i.loader) {
      e << YAML::Key << "loader" << YAML::Value;
      EmitLoader(e, *i.loader);
    }
    if (i.loader_thread != 0) e << YAML::Key << "loader-thread" << YAML::Value << i.loader_thread;
    if (!i.syncer_config_name.empty()) {
      e << YAML::Key << "syncer-config-name" << YAML::Value << i.syncer_config_name;
    }
    if (i.syncer) {
      e << YAML::Key << "syncer" << YAML::Value;
      EmitSyncer(e, *i.syncer);
    }
    if (i.syncer_thread != 0) e << YAML::Key << "syncer-thread" << YAML::Value << i.syncer_thread;
    if (!i.validator_config_name.empty()) {
      e << YAML::Key << "validator-config-name" << YAML::Value << i.validator_config_name;
    }
    e << YAML::EndMap;
  }
  e << YAML::EndSeq;

  EmitNamed(e, "routes", routes, [](YAML::Emitter& em, const RouteRule& r) {
    em << YAML::BeginMap;
    em << YAML::Key << "schema-pattern" << YAML::Value << r.schema_pattern;
    em << YAML::Key << "table-pattern" << YAML::Value << r.table_pattern;
    em << YAML::Key << "target-schema" << YAML::Value << r.target_schema;
    em << YAML::Key << "target-table" << YAML::Value << r.target_table;
    auto ext = [&](const char* key, const char* rkey, const std::optional<RouteRule::Extractor>& x) {
      if (!x) return;
      em << YAML::Key << key << YAML::Value << YAML::BeginMap << YAML::Key << rkey << YAML::Value
         << x->regexp << YAML::Key << "target-column" << YAML::Value << x->target_column
         << YAML::EndMap;
    };
    ext("extract-table", "table-regexp", r.extract_table);
    ext("extract-schema", "schema-regexp", r.extract_schema);
    ext("extract-source", "source-regexp", r.extract_source);
    em << YAML::EndMap;
  });
  EmitNamed(e, "filters", filters, internal::EmitFilterRule);
  EmitNamed(e, "expression-filter", expression_filter,
            [](YAML::Emitter& em, const ExpressionFilter& f) {
              em << YAML::BeginMap;
              em << YAML::Key << "schema" << YAML::Value << f.schema;
              em << YAML::Key << "table" << YAML::Value << f.table;
              auto opt = [&](const char* k, const std::string& v) {
                if (!v.empty()) em << YAML::Key << k << YAML::Value << v;
              };
              opt("insert-value-expr", f.insert_value_expr);
              opt("update-old-value-expr", f.update_old_value_expr);
              opt("update-new-value-expr", f.update_new_value_expr);
              opt("delete-value-expr", f.delete_value_expr);
              em << YAML::EndMap;
            });
  EmitNamed(e, "block-allow-list", block_allow_list,
            [](YAML::Emitter& em, const BlockAllowList& b) {
              em << YAML::BeginMap;
              em << YAML::Key << "do-dbs" << YAML::Value;
              EmitStringList(em, b.do_dbs);
              em << YAML::Key << "ignore-dbs" << YAML::Value;
              EmitStringList(em, b.ignore_dbs);
              em << YAML::Key << "do-tables" << YAML::Value;
              EmitTables(em, b.do_tables);
              em << YAML::Key << "ignore-tables" << YAML::Value;
              EmitTables(em, b.ignore_tables);
              em << YAML::EndMap;
            });
  EmitNamed(e, "mydumpers", mydumpers, EmitMydumper);
  EmitNamed(e, "loaders", loaders, EmitLoader);
  EmitNamed(e, "syncers", syncers, EmitSyncer);
  EmitNamed(e, "validators", validators, EmitValidator);
  e << YAML::EndMap;
  return std::string(e.c_str()) + "\n";
}

Result<TaskConfig> ParseTaskConfig(std::string_view yaml, std::string_view file_name) {
  TaskConfig cfg;
  Doc doc{std::string(file_name), &cfg.warnings};
  try {
    DM_ASSIGN_OR_RETURN(YAML::Node root, internal::LoadYaml(doc, yaml));
    TaskParser parser(&doc, &cfg);
    DM_RETURN_IF_ERROR(parser.Run(root));
  } catch (const std::exception& e) {  // last resort: yaml-cpp must not escape
    return ConfigError(doc.file, {}, "", std::string("cannot read the YAML: ") + e.what());
  }
  return cfg;
}

Result<TaskConfig> LoadTaskConfigFile(const std::string& path) {
  DM_ASSIGN_OR_RETURN(std::string text, internal::ReadConfigFile(path, "task config file"));
  return ParseTaskConfig(text, path);
}

}  // namespace dm::config
