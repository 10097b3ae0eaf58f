#include "dm/master/openapi.h"

#include <set>

namespace dm::master::openapi {

namespace {

using nlohmann::json;

constexpr const char* kRedacted = "******";

Status Invalid(const std::string& path, const std::string& problem) {
  return Status(Code::kInvalidArgument, path + ": " + problem, Scope::kConfig);
}

// Typed access to an optional member of a JSON object; `path` names it in errors.
class Fields {
 public:
  Fields(const json& obj, std::string path) : obj_(obj), path_(std::move(path)) {}

  const std::string& path() const { return path_; }
  std::string At(const std::string& key) const { return path_ + "." + key; }
  bool Has(const std::string& key) const {
    return obj_.is_object() && obj_.contains(key) && !obj_.at(key).is_null();
  }
  const json& Get(const std::string& key) const { return obj_.at(key); }

  Status Required(const std::string& key) const {
    return Has(key) ? Status::OK() : Invalid(At(key), "required");
  }
  Status Str(const std::string& key, std::string* out) const {
    if (!Has(key)) return Status::OK();
    if (!Get(key).is_string()) return Invalid(At(key), "must be a string");
    *out = Get(key).get<std::string>();
    return Status::OK();
  }
  template <typename T>
  Status Int(const std::string& key, T* out) const {
    if (!Has(key)) return Status::OK();
    if (!Get(key).is_number_integer()) return Invalid(At(key), "must be an integer");
    *out = Get(key).get<T>();
    return Status::OK();
  }
  Status Bool(const std::string& key, bool* out) const {
    if (!Has(key)) return Status::OK();
    if (!Get(key).is_boolean()) return Invalid(At(key), "must be true or false");
    *out = Get(key).get<bool>();
    return Status::OK();
  }
  Status StrList(const std::string& key, std::vector<std::string>* out) const {
    if (!Has(key)) return Status::OK();
    const json& a = Get(key);
    if (!a.is_array()) return Invalid(At(key), "must be an array of strings");
    out->clear();
    for (const auto& v : a) {
      if (!v.is_string()) return Invalid(At(key), "must be an array of strings");
      out->push_back(v.get<std::string>());
    }
    return Status::OK();
  }
  Result<Fields> Object(const std::string& key) const {
    if (Has(key) && !Get(key).is_object()) return Invalid(At(key), "must be an object");
    return Fields(Has(key) ? Get(key) : kEmpty, At(key));
  }

 private:
  static inline const json kEmpty = json::object();
  const json& obj_;
  std::string path_;
};

// DM's Security object (certificate contents) -> ours (ssl-*-bytes).
Status ParseSecurity(const Fields& f, std::optional<config::Security>* out) {
  if (!f.Has("ssl_ca_content") && !f.Has("ssl_cert_content") && !f.Has("ssl_key_content") &&
      !f.Has("cert_allowed_cn")) {
    return Status::OK();
  }
  config::Security s;
  DM_RETURN_IF_ERROR(f.Str("ssl_ca_content", &s.ssl_ca_bytes));
  DM_RETURN_IF_ERROR(f.Str("ssl_cert_content", &s.ssl_cert_bytes));
  DM_RETURN_IF_ERROR(f.Str("ssl_key_content", &s.ssl_key_bytes));
  DM_RETURN_IF_ERROR(f.StrList("cert_allowed_cn", &s.cert_allowed_cn));
  *out = s;
  return Status::OK();
}

json SecurityToJson(const std::optional<config::Security>& s) {
  if (!s) return nullptr;
  return {{"ssl_ca_content", s->ssl_ca_bytes.empty() ? s->ssl_ca : s->ssl_ca_bytes},
          {"ssl_cert_content", s->ssl_cert_bytes.empty() ? s->ssl_cert : s->ssl_cert_bytes},
          {"ssl_key_content", kRedacted},
          {"cert_allowed_cn", s->cert_allowed_cn}};
}

Status ParseDb(const Fields& f, config::DbConfig* db) {
  for (const char* k : {"host", "port", "user"}) DM_RETURN_IF_ERROR(f.Required(k));
  DM_RETURN_IF_ERROR(f.Str("host", &db->host));
  DM_RETURN_IF_ERROR(f.Int("port", &db->port));
  DM_RETURN_IF_ERROR(f.Str("user", &db->user));
  DM_RETURN_IF_ERROR(f.Str("password", &db->password));
  DM_ASSIGN_OR_RETURN(Fields sec, f.Object("security"));
  return ParseSecurity(sec, &db->security);
}

}  // namespace

Result<std::string> SourceYamlFromJson(const json& source) {
  if (!source.is_object()) return Invalid("source", "must be a JSON object (DM's Source)");
  Fields f(source, "source");
  DM_RETURN_IF_ERROR(f.Required("source_name"));
  config::SourceConfig c;
  DM_RETURN_IF_ERROR(f.Str("source_name", &c.source_id));
  DM_RETURN_IF_ERROR(ParseDb(f, &c.from));
  DM_RETURN_IF_ERROR(f.Bool("enable_gtid", &c.enable_gtid));
  DM_RETURN_IF_ERROR(f.Bool("enable", &c.enable));
  DM_RETURN_IF_ERROR(f.Str("flavor", &c.flavor));
  DM_ASSIGN_OR_RETURN(Fields purge, f.Object("purge"));
  DM_RETURN_IF_ERROR(purge.Int("interval", &c.purge.interval));
  DM_RETURN_IF_ERROR(purge.Int("expires", &c.purge.expires));
  DM_RETURN_IF_ERROR(purge.Int("remain_space", &c.purge.remain_space));
  DM_ASSIGN_OR_RETURN(Fields relay, f.Object("relay_config"));
  DM_RETURN_IF_ERROR(relay.Bool("enable_relay", &c.enable_relay));
  DM_RETURN_IF_ERROR(relay.Str("relay_binlog_name", &c.relay_binlog_name));
  DM_RETURN_IF_ERROR(relay.Str("relay_binlog_gtid", &c.relay_binlog_gtid));
  DM_RETURN_IF_ERROR(relay.Str("relay_dir", &c.relay_dir));
  std::string yaml = c.ToYaml(/*redact_passwords=*/false);
  DM_RETURN_IF_ERROR(config::ParseSourceConfig(yaml, "source").status());
  return yaml;
}

json SourceToJson(const config::SourceConfig& c) {
  json j = {{"source_name", c.source_id},
            {"host", c.from.host},
            {"port", c.from.port},
            {"user", c.from.user},
            {"password", kRedacted},
            {"enable_gtid", c.enable_gtid},
            {"enable", c.enable},
            {"flavor", c.flavor},
            {"purge", {{"interval", c.purge.interval}, {"expires", c.purge.expires},
                       {"remain_space", c.purge.remain_space}}},
            {"relay_config", {{"enable_relay", c.enable_relay},
                              {"relay_binlog_name", c.relay_binlog_name},
                              {"relay_binlog_gtid", c.relay_binlog_gtid},
                              {"relay_dir", c.relay_dir}}}};
  if (c.from.security) j["security"] = SecurityToJson(c.from.security);
  return j;
}

Result<std::string> TaskYamlFromJson(const json& task) {
  if (!task.is_object()) return Invalid("task", "must be a JSON object (DM's Task)");
  Fields f(task, "task");
  for (const char* k : {"name", "task_mode", "target_config", "source_config"}) {
    DM_RETURN_IF_ERROR(f.Required(k));
  }
  config::TaskConfig c;
  DM_RETURN_IF_ERROR(f.Str("name", &c.name));
  DM_RETURN_IF_ERROR(f.Str("task_mode", &c.task_mode));
  if (f.Has("shard_mode")) {
    c.is_sharding = true;
    DM_RETURN_IF_ERROR(f.Str("shard_mode", &c.shard_mode));
  }
  DM_RETURN_IF_ERROR(f.Bool("strict_optimistic_shard_mode", &c.strict_optimistic_shard_mode));
  DM_RETURN_IF_ERROR(f.Str("meta_schema", &c.meta_schema));
  DM_RETURN_IF_ERROR(f.Str("timezone", &c.timezone));
  DM_RETURN_IF_ERROR(f.Bool("enhance_online_schema_change", &c.online_ddl));
  DM_RETURN_IF_ERROR(f.StrList("ignore_checking_items", &c.ignore_checking_items));
  std::string on_duplicate;
  DM_RETURN_IF_ERROR(f.Str("on_duplicate", &on_duplicate));

  DM_ASSIGN_OR_RETURN(Fields target, f.Object("target_config"));
  DM_RETURN_IF_ERROR(target.Required("password"));
  DM_RETURN_IF_ERROR(ParseDb(target, &c.target_database));
  DM_ASSIGN_OR_RETURN(Fields session, target.Object("session"));
  if (session.Has("foreign_key_checks")) {
    std::string fk;
    DM_RETURN_IF_ERROR(session.Str("foreign_key_checks", &fk));
    c.target_database.session["foreign_key_checks"] = fk;
  }

  // Unit configs shared by every source (DM applies full/incr_migrate_conf to each).
  DM_ASSIGN_OR_RETURN(Fields src_cfg, f.Object("source_config"));
  DM_ASSIGN_OR_RETURN(Fields full, src_cfg.Object("full_migrate_conf"));
  DM_ASSIGN_OR_RETURN(Fields incr, src_cfg.Object("incr_migrate_conf"));
  config::MydumperConfig dumper;
  config::LoaderConfig loader;
  config::SyncerConfig syncer;
  DM_RETURN_IF_ERROR(full.Int("export_threads", &dumper.threads));
  DM_RETURN_IF_ERROR(full.Int("import_threads", &loader.pool_size));
  DM_RETURN_IF_ERROR(full.Str("data_dir", &loader.dir));
  if (full.Has("consistency")) {
    std::string consistency;
    DM_RETURN_IF_ERROR(full.Str("consistency", &consistency));
    dumper.extra_args = "--consistency " + consistency;
  }
  DM_RETURN_IF_ERROR(full.Str("import_mode", &loader.import_mode));
  DM_RETURN_IF_ERROR(full.Str("on_duplicate_logical", &loader.on_duplicate_logical));
  if (!on_duplicate.empty() && !full.Has("on_duplicate_logical")) loader.on_duplicate_logical = on_duplicate;
  DM_RETURN_IF_ERROR(full.Str("on_duplicate_physical", &loader.on_duplicate_physical));
  DM_RETURN_IF_ERROR(full.Str("sorting_dir", &loader.sorting_dir_physical));
  DM_RETURN_IF_ERROR(full.Str("disk_quota", &loader.disk_quota_physical));
  DM_RETURN_IF_ERROR(full.Str("checksum", &loader.checksum_physical));
  DM_RETURN_IF_ERROR(full.Str("analyze", &loader.analyze));
  DM_RETURN_IF_ERROR(full.Int("range_concurrency", &loader.range_concurrency));
  DM_RETURN_IF_ERROR(full.Str("compress-kv-pairs", &loader.compress_kv_pairs));
  DM_RETURN_IF_ERROR(full.Str("pd_addr", &loader.pd_addr));
  DM_RETURN_IF_ERROR(incr.Int("repl_threads", &syncer.worker_count));
  DM_RETURN_IF_ERROR(incr.Int("repl_batch", &syncer.batch));
  DM_RETURN_IF_ERROR(incr.Bool("safe_mode", &syncer.safe_mode));

  // binlog_filter_rule templates: name -> events / SQL patterns to ignore.
  std::map<std::string, config::BinlogEventRule> templates;
  if (f.Has("binlog_filter_rule")) {
    if (!f.Get("binlog_filter_rule").is_object()) {
      return Invalid(f.At("binlog_filter_rule"), "must be an object of rule name -> rule");
    }
    for (const auto& [name, rule] : f.Get("binlog_filter_rule").items()) {
      if (!rule.is_object()) return Invalid(f.At("binlog_filter_rule." + name), "must be an object");
      Fields rf(rule, f.At("binlog_filter_rule." + name));
      config::BinlogEventRule r;
      r.action = "Ignore";
      DM_RETURN_IF_ERROR(rf.StrList("ignore_event", &r.events));
      DM_RETURN_IF_ERROR(rf.StrList("ignore_sql", &r.sql_pattern));
      templates[name] = r;
    }
  }

  // table_migrate_rule, grouped by source.
  struct TableRule {
    std::string schema, table;
    std::optional<std::pair<std::string, std::string>> target;
    std::vector<std::string> filters;
  };
  std::map<std::string, std::vector<TableRule>> rules;
  if (f.Has("table_migrate_rule")) {
    if (!f.Get("table_migrate_rule").is_array()) return Invalid(f.At("table_migrate_rule"), "must be an array");
    size_t i = 0;
    for (const auto& item : f.Get("table_migrate_rule")) {
      Fields rf(item, f.At("table_migrate_rule[" + std::to_string(i++) + "]"));
      if (!item.is_object()) return Invalid(rf.path(), "must be an object");
      DM_RETURN_IF_ERROR(rf.Required("source"));
      DM_ASSIGN_OR_RETURN(Fields s, rf.Object("source"));
      for (const char* k : {"source_name", "schema"}) DM_RETURN_IF_ERROR(s.Required(k));
      std::string source;
      TableRule t;
      DM_RETURN_IF_ERROR(s.Str("source_name", &source));
      DM_RETURN_IF_ERROR(s.Str("schema", &t.schema));
      DM_RETURN_IF_ERROR(s.Str("table", &t.table));
      DM_ASSIGN_OR_RETURN(Fields tg, rf.Object("target"));
      if (tg.Has("schema") || tg.Has("table")) {
        std::string schema = t.schema, table;
        DM_RETURN_IF_ERROR(tg.Str("schema", &schema));
        DM_RETURN_IF_ERROR(tg.Str("table", &table));
        t.target = {schema, table};
      }
      DM_RETURN_IF_ERROR(rf.StrList("binlog_filter_rule", &t.filters));
      for (const auto& name : t.filters) {
        if (!templates.count(name)) {
          return Invalid(rf.At("binlog_filter_rule"),
                         "filter rule " + name + " is not defined in task.binlog_filter_rule");
        }
      }
      rules[source].push_back(std::move(t));
    }
  }

  DM_RETURN_IF_ERROR(src_cfg.Required("source_conf"));
  if (!src_cfg.Get("source_conf").is_array() || src_cfg.Get("source_conf").empty()) {
    return Invalid(src_cfg.At("source_conf"), "must be a non-empty array of {source_name, ...}");
  }
  size_t i = 0;
  for (const auto& item : src_cfg.Get("source_conf")) {
    Fields sf(item, src_cfg.At("source_conf[" + std::to_string(i++) + "]"));
    if (!item.is_object()) return Invalid(sf.path(), "must be an object");
    DM_RETURN_IF_ERROR(sf.Required("source_name"));
    config::MySQLInstance inst;
    DM_RETURN_IF_ERROR(sf.Str("source_name", &inst.source_id));
    if (sf.Has("binlog_name") || sf.Has("binlog_pos") || sf.Has("binlog_gtid")) {
      config::BinlogMeta meta;
      DM_RETURN_IF_ERROR(sf.Str("binlog_name", &meta.binlog_name));
      DM_RETURN_IF_ERROR(sf.Int("binlog_pos", &meta.binlog_pos));
      DM_RETURN_IF_ERROR(sf.Str("binlog_gtid", &meta.binlog_gtid));
      inst.meta = meta;
    }
    inst.mydumper = dumper;
    inst.loader = loader;
    inst.syncer = syncer;
    const std::string& id = inst.source_id;
    config::BlockAllowList ba;
    std::set<std::string> dbs;
    for (const auto& t : rules[id]) {
      // Names from the content, so that a round trip through TaskToJson keeps them.
      const std::string where = id + ":" + t.schema + (t.table.empty() ? "" : "." + t.table);
      if (t.target) {
        std::string name = "route@" + where;
        c.routes[name] = config::RouteRule{t.schema, t.table, t.target->first, t.target->second,
                                           std::nullopt, std::nullopt, std::nullopt};
        inst.route_rules.push_back(name);
      }
      for (const auto& fname : t.filters) {
        config::BinlogEventRule r = templates.at(fname);
        r.schema_pattern = t.schema;
        r.table_pattern = t.table;
        std::string name = fname + "@" + where;
        c.filters[name] = r;
        inst.filter_rules.push_back(name);
      }
      if (t.table.empty()) {
        if (dbs.insert(t.schema).second) ba.do_dbs.push_back(t.schema);
      } else {
        ba.do_tables.push_back({t.schema, t.table});
      }
    }
    if (!ba.do_dbs.empty() || !ba.do_tables.empty()) {
      inst.block_allow_list = "ba-" + id;
      c.block_allow_list[inst.block_allow_list] = ba;
    }
    c.mysql_instances.push_back(std::move(inst));
  }
  for (const auto& [source, list] : rules) {
    bool used = false;
    for (const auto& inst : c.mysql_instances) used = used || inst.source_id == source;
    if (!used) {
      return Invalid(f.At("table_migrate_rule"),
                     "source " + source + " is not listed in task.source_config.source_conf");
    }
  }
  std::string yaml = c.ToYaml(/*redact_passwords=*/false);
  DM_RETURN_IF_ERROR(config::ParseTaskConfig(yaml, "task").status());
  return yaml;
}

json TaskToJson(const config::TaskConfig& c) {
  json j = {{"name", c.name},
            {"task_mode", c.task_mode},
            {"strict_optimistic_shard_mode", c.strict_optimistic_shard_mode},
            {"meta_schema", c.meta_schema},
            {"timezone", c.timezone},
            {"enhance_online_schema_change", c.online_ddl},
            {"ignore_checking_items", c.ignore_checking_items}};
  if (c.is_sharding) j["shard_mode"] = c.shard_mode.empty() ? "pessimistic" : c.shard_mode;
  json target = {{"host", c.target_database.host},
                 {"port", c.target_database.port},
                 {"user", c.target_database.user},
                 {"password", kRedacted}};
  if (c.target_database.security) target["security"] = SecurityToJson(c.target_database.security);
  if (auto it = c.target_database.session.find("foreign_key_checks"); it != c.target_database.session.end()) {
    target["session"] = {{"foreign_key_checks", it->second}};
  }
  j["target_config"] = target;

  json filters = json::object();
  json table_rules = json::array();
  json source_conf = json::array();
  for (const auto& inst : c.mysql_instances) {
    json sc = {{"source_name", inst.source_id}};
    if (inst.meta) {
      if (!inst.meta->binlog_name.empty()) sc["binlog_name"] = inst.meta->binlog_name;
      if (inst.meta->binlog_pos != 0) sc["binlog_pos"] = inst.meta->binlog_pos;
      if (!inst.meta->binlog_gtid.empty()) sc["binlog_gtid"] = inst.meta->binlog_gtid;
    }
    source_conf.push_back(sc);
    // One table rule per block-allow entry, then the routes and Ignore filters on them.
    std::vector<json> mine;
    auto rule_for = [&](const std::string& schema, const std::string& table) -> json& {
      for (auto& r : mine) {
        if (r["source"]["schema"] == schema && r["source"]["table"] == table) return r;
      }
      mine.push_back({{"source", {{"source_name", inst.source_id}, {"schema", schema}, {"table", table}}}});
      return mine.back();
    };
    if (auto ba = c.block_allow_list.find(inst.block_allow_list); ba != c.block_allow_list.end()) {
      for (const auto& db : ba->second.do_dbs) rule_for(db, "");
      for (const auto& t : ba->second.do_tables) rule_for(t.db_name, t.tbl_name);
    }
    for (const auto& name : inst.route_rules) {
      auto it = c.routes.find(name);
      if (it == c.routes.end()) continue;
      const auto& r = it->second;
      json target = {{"schema", r.target_schema}};
      if (!r.target_table.empty()) target["table"] = r.target_table;
      rule_for(r.schema_pattern, r.table_pattern)["target"] = target;
    }
    for (const auto& name : inst.filter_rules) {
      auto it = c.filters.find(name);
      if (it == c.filters.end() || it->second.action != "Ignore") continue;
      const auto& r = it->second;
      // TaskYamlFromJson names a filter <template>@<source>:<schema>[.<table>].
      const std::string tmpl = name.substr(0, name.find('@'));
      filters[tmpl] = {{"ignore_event", r.events}, {"ignore_sql", r.sql_pattern}};
      rule_for(r.schema_pattern, r.table_pattern)["binlog_filter_rule"].push_back(tmpl);
    }
    for (auto& r : mine) table_rules.push_back(std::move(r));
  }
  j["binlog_filter_rule"] = filters;
  j["table_migrate_rule"] = table_rules;
  json src = {{"source_conf", source_conf}};
  if (!c.mysql_instances.empty()) {
    const auto& u = c.mysql_instances.front().resolved;
    j["on_duplicate"] = u.loader.on_duplicate_logical;
    src["full_migrate_conf"] = {{"export_threads", u.mydumper.threads},
                                {"import_threads", u.loader.pool_size},
                                {"data_dir", u.loader.dir},
                                {"import_mode", u.loader.import_mode},
                                {"on_duplicate_logical", u.loader.on_duplicate_logical},
                                {"on_duplicate_physical", u.loader.on_duplicate_physical}};
    src["incr_migrate_conf"] = {{"repl_threads", u.syncer.worker_count},
                                {"repl_batch", u.syncer.batch},
                                {"safe_mode", u.syncer.safe_mode}};
  }
  j["source_config"] = src;
  return j;
}

json SubTaskStatusToJson(const json& st, const std::string& source, const std::string& worker) {
  auto num = [](const json& o, const char* key) -> int64_t {
    if (!o.is_object() || !o.contains(key)) return 0;
    const json& v = o.at(key);
    if (v.is_number()) return v.get<int64_t>();
    if (v.is_string()) {
      try {
        return std::stoll(v.get<std::string>());
      } catch (const std::exception&) {
        return 0;
      }
    }
    return 0;
  };
  json j = {{"name", st.value("name", "")},
            {"source_name", source},
            {"worker_name", worker},
            {"stage", st.value("stage", "")},
            {"unit", st.value("unit", "")},
            {"unresolved_ddl_lock_id", st.value("unresolvedDDLLockID", "")}};
  std::string errors;
  if (st.contains("result") && st["result"].is_object()) {
    for (const auto& e : st["result"].value("errors", json::array())) {
      if (!errors.empty()) errors += "; ";
      errors += e.value("RawCause", e.value("Message", ""));
    }
  }
  if (!errors.empty()) j["error_msg"] = errors;
  if (st.contains("dump") && st["dump"].is_object()) {
    const json& d = st["dump"];
    j["dump_status"] = {{"total_tables", num(d, "totalTables")},
                        {"completed_tables", d.value("completedTables", 0.0)},
                        {"finished_bytes", d.value("finishedBytes", 0.0)},
                        {"finished_rows", d.value("finishedRows", 0.0)},
                        {"estimate_total_rows", d.value("estimateTotalRows", 0.0)},
                        {"bps", num(d, "bps")},
                        {"progress", d.value("progress", "")}};
  }
  if (st.contains("load") && st["load"].is_object()) {
    const json& l = st["load"];
    j["load_status"] = {{"finished_bytes", num(l, "finishedBytes")},
                        {"total_bytes", num(l, "totalBytes")},
                        {"progress", l.value("progress", "")},
                        {"meta_binlog", l.value("metaBinlog", "")},
                        {"meta_binlog_gtid", l.value("metaBinlogGTID", "")},
                        {"bps", num(l, "bps")}};
  }
  if (st.contains("sync") && st["sync"].is_object()) {
    const json& s = st["sync"];
    j["sync_status"] = {{"total_events", num(s, "totalEvents")},
                        {"total_tps", num(s, "totalTps")},
                        {"recent_tps", num(s, "recentTps")},
                        {"master_binlog", s.value("masterBinlog", "")},
                        {"master_binlog_gtid", s.value("masterBinlogGtid", "")},
                        {"syncer_binlog", s.value("syncerBinlog", "")},
                        {"syncer_binlog_gtid", s.value("syncerBinlogGtid", "")},
                        {"blocking_ddls", s.value("blockingDDLs", json::array())},
                        {"unresolved_groups", json::array()},
                        {"synced", s.value("synced", false)},
                        {"binlog_type", s.value("binlogType", "")},
                        {"seconds_behind_master", num(s, "secondsBehindMaster")},
                        {"io_total_bytes", num(s, "ioTotalBytes")},
                        {"dump_io_total_bytes", num(s, "dumpIOTotalBytes")}};
  }
  return j;
}

}  // namespace dm::master::openapi
