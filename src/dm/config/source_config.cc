#include "dm/config/source_config.h"

#include <yaml-cpp/yaml.h>

#include <cctype>
#include <random>

#include "dm/config/names.h"
#include "dm/config/parse_common.h"
#include "dm/config/yaml_reader.h"

namespace dm::config {

using internal::Doc;
using internal::MapReader;
using internal::YNode;

namespace {

// DM's utils.VerifyFilename: a bare file name "<base>.<digits>".
bool IsBinlogFileName(std::string_view name) {
  if (name.find('/') != std::string_view::npos) return false;
  size_t dot = name.rfind('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 == name.size()) return false;
  for (char c : name.substr(dot + 1)) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

Status ParsePurge(const YNode& node, PurgeConfig* out) {
  DM_ASSIGN_OR_RETURN(MapReader r, MapReader::Open(node));
  DM_RETURN_IF_ERROR(r.Int("interval", &out->interval));
  DM_RETURN_IF_ERROR(r.Int("expires", &out->expires));
  DM_RETURN_IF_ERROR(r.Int("remain-space", &out->remain_space));
  DM_RETURN_IF_ERROR(r.Finish());
  if (out->interval < 0 || out->expires < 0 || out->remain_space < 0) {
    return node.Error("`interval`, `expires` and `remain-space` must not be negative");
  }
  return Status::OK();
}

Status ParseChecker(const YNode& node, CheckerConfig* out) {
  DM_ASSIGN_OR_RETURN(MapReader r, MapReader::Open(node));
  DM_RETURN_IF_ERROR(r.Bool("check-enable", &out->check_enable));
  DM_RETURN_IF_ERROR(r.Dur("backoff-rollback", &out->backoff_rollback));
  DM_RETURN_IF_ERROR(r.Dur("backoff-max", &out->backoff_max));
  // Hidden knobs: DM parses them and then always resets them (CheckerConfig.Adjust).
  CheckerConfig ignored;
  DM_RETURN_IF_ERROR(r.Dur("check-interval", &ignored.check_interval));
  DM_RETURN_IF_ERROR(r.Dur("backoff-min", &ignored.backoff_min));
  DM_RETURN_IF_ERROR(r.Bool("backoff-jitter", &ignored.backoff_jitter));
  DM_RETURN_IF_ERROR(r.Double("backoff-factor", &ignored.backoff_factor));
  for (const char* k : {"check-interval", "backoff-min", "backoff-jitter", "backoff-factor"}) {
    if (r.Has(k) && node.doc().warnings != nullptr) {
      node.doc().warnings->push_back(LocationPrefix(node.doc().file, r.KeyPos(k)) +
                                     node.path() + "." + k + ": `" + k +
                                     "` is fixed by DM and ignored; remove it");
    }
  }
  return r.Finish();
}

Status ParseSource(const YNode& root, SourceConfig* cfg) {
  DM_ASSIGN_OR_RETURN(MapReader r, MapReader::Open(root));
  DM_RETURN_IF_ERROR(r.Str("source-id", &cfg->source_id));
  DM_RETURN_IF_ERROR(r.Int("server-id", &cfg->server_id));
  DM_RETURN_IF_ERROR(r.Str("flavor", &cfg->flavor));
  DM_RETURN_IF_ERROR(r.Bool("enable-gtid", &cfg->enable_gtid));
  DM_RETURN_IF_ERROR(r.Bool("enable-relay", &cfg->enable_relay));
  DM_RETURN_IF_ERROR(r.Str("relay-binlog-name", &cfg->relay_binlog_name));
  DM_RETURN_IF_ERROR(r.Str("relay-binlog-gtid", &cfg->relay_binlog_gtid));
  DM_RETURN_IF_ERROR(r.Str("relay-dir", &cfg->relay_dir));
  DM_RETURN_IF_ERROR(r.Bool("enable", &cfg->enable));
  DM_RETURN_IF_ERROR(r.Str("charset", &cfg->charset));
  DM_RETURN_IF_ERROR(r.Bool("case-sensitive", &cfg->case_sensitive));
  if (auto from = r.Get("from")) DM_RETURN_IF_ERROR(internal::ParseDbConfig(*from, &cfg->from));
  if (auto purge = r.Get("purge")) DM_RETURN_IF_ERROR(ParsePurge(*purge, &cfg->purge));
  if (auto checker = r.Get("checker")) {
    DM_RETURN_IF_ERROR(ParseChecker(*checker, &cfg->checker));
  }
  if (auto filters = r.Get("filters")) {
    if (!filters->IsSeq()) {
      return filters->Error("must be a list of filter rules (`- schema-pattern: ...`), got " +
                            filters->Describe());
    }
    size_t i = 0;
    for (const YAML::Node& item : filters->raw()) {
      BinlogEventRule rule;
      DM_RETURN_IF_ERROR(internal::ParseFilterRule(filters->Element(i++, item), &rule));
      cfg->filters.push_back(std::move(rule));
    }
  }
  // Deprecated: accepted, ignored.
  bool auto_fix_gtid = false;
  if (auto n = r.Get("auto-fix-gtid")) DM_RETURN_IF_ERROR(n->AsBool(&auto_fix_gtid));
  if (auto_fix_gtid) {
    r.Deprecated("auto-fix-gtid", "it has no effect and is treated as false; remove it");
  }
  r.Deprecated("meta-dir", "it has no effect; remove it");
  r.Deprecated("tracer", "it has no effect; remove it");
  DM_RETURN_IF_ERROR(r.Finish());

  // Verification (DM's SourceConfig.Verify and AdjustFlavor).
  const Doc& doc = root.doc();
  if (cfg->source_id.empty()) {
    return ConfigError(doc.file, r.KeyPos("source-id"), "source-id",
                       "missing required field `source-id`; give the source a unique id of at "
                       "most 32 characters, e.g. `source-id: mysql-replica-01`");
  }
  if (cfg->source_id.size() > kMaxSourceIdLength) {
    return ConfigError(doc.file, r.KeyPos("source-id"), "source-id",
                       "source-id " + QuoteValue(cfg->source_id) + " is " +
                           std::to_string(cfg->source_id.size()) +
                           " characters long; the maximum is 32");
  }
  if (cfg->flavor != "" && cfg->flavor != "mysql" && cfg->flavor != "mariadb") {
    return ConfigError(doc.file, r.KeyPos("flavor"), "flavor",
                       "unsupported flavor " + QuoteValue(cfg->flavor) +
                           SuggestionHint(cfg->flavor, {"mysql", "mariadb"}) +
                           " (valid: `mysql`, `mariadb`, or leave it out to detect it)");
  }
  if (!cfg->relay_binlog_name.empty() && !IsBinlogFileName(cfg->relay_binlog_name)) {
    return ConfigError(doc.file, r.KeyPos("relay-binlog-name"), "relay-binlog-name",
                       "invalid binlog file name " + QuoteValue(cfg->relay_binlog_name) +
                           "; expected a bare name such as `mysql-bin.000001`");
  }
  if (cfg->checker.backoff_max < cfg->checker.backoff_min) {
    return ConfigError(doc.file, r.KeyPos("checker"), "checker.backoff-max",
                       "backoff-max " + FormatGoDuration(cfg->checker.backoff_max) +
                           " is less than backoff-min " +
                           FormatGoDuration(cfg->checker.backoff_min) + "; raise it");
  }
  if (cfg->relay_dir.empty()) cfg->relay_dir = "relay-dir";
  if (cfg->server_id == 0) {
    cfg->server_id = RandomServerId();
    cfg->server_id_generated = true;
  }
  return Status::OK();
}

}  // namespace

uint32_t RandomServerId() {
  static thread_local std::mt19937 gen{std::random_device{}()};
  std::uniform_int_distribution<uint32_t> dist(0, 99999);
  return kDefaultBaseServerId + dist(gen);
}

Result<SourceConfig> ParseSourceConfig(std::string_view yaml, std::string_view file_name) {
  SourceConfig cfg;
  Doc doc{std::string(file_name), &cfg.warnings};
  try {
    DM_ASSIGN_OR_RETURN(YAML::Node root, internal::LoadYaml(doc, yaml));
    DM_RETURN_IF_ERROR(ParseSource(YNode(&doc, root, ""), &cfg));
  } catch (const std::exception& e) {  // last resort: yaml-cpp must not escape
    return ConfigError(doc.file, {}, "", std::string("cannot read the YAML: ") + e.what());
  }
  return cfg;
}

Result<SourceConfig> LoadSourceConfigFile(const std::string& path) {
  DM_ASSIGN_OR_RETURN(std::string text, internal::ReadConfigFile(path, "source config file"));
  return ParseSourceConfig(text, path);
}

std::string SourceConfig::ToYaml(bool redact_passwords) const {
  YAML::Emitter e;
  e << YAML::BeginMap;
  e << YAML::Key << "source-id" << YAML::Value << source_id;
  e << YAML::Key << "server-id" << YAML::Value << server_id;
  e << YAML::Key << "flavor" << YAML::Value << flavor;
  e << YAML::Key << "enable-gtid" << YAML::Value << enable_gtid;
  e << YAML::Key << "enable-relay" << YAML::Value << enable_relay;
  e << YAML::Key << "relay-binlog-name" << YAML::Value << relay_binlog_name;
  e << YAML::Key << "relay-binlog-gtid" << YAML::Value << relay_binlog_gtid;
  e << YAML::Key << "relay-dir" << YAML::Value << relay_dir;
  e << YAML::Key << "enable" << YAML::Value << enable;
  e << YAML::Key << "charset" << YAML::Value << charset;
  e << YAML::Key << "case-sensitive" << YAML::Value << case_sensitive;
  e << YAML::Key << "from" << YAML::Value;
  internal::EmitDbConfig(e, from, redact_passwords);
  e << YAML::Key << "purge" << YAML::Value << YAML::BeginMap;
  e << YAML::Key << "interval" << YAML::Value << purge.interval;
  e << YAML::Key << "expires" << YAML::Value << purge.expires;
  e << YAML::Key << "remain-space" << YAML::Value << purge.remain_space;
  e << YAML::EndMap;
  e << YAML::Key << "checker" << YAML::Value << YAML::BeginMap;
  e << YAML::Key << "check-enable" << YAML::Value << checker.check_enable;
  e << YAML::Key << "backoff-rollback" << YAML::Value
    << FormatGoDuration(checker.backoff_rollback);
  e << YAML::Key << "backoff-max" << YAML::Value << FormatGoDuration(checker.backoff_max);
  e << YAML::EndMap;
  if (!filters.empty()) {
    e << YAML::Key << "filters" << YAML::Value << YAML::BeginSeq;
    for (const BinlogEventRule& f : filters) internal::EmitFilterRule(e, f);
    e << YAML::EndSeq;
  }
  e << YAML::EndMap;
  return std::string(e.c_str()) + "\n";
}

std::string_view SampleSourceConfig() {
  return R"(# server id of slave for binlog replication
# each instance (master and slave) in replication group should have different server id
server-id: 101

# represents a MySQL/MariaDB instance or a replication group
source-id: mysql-replica-01

# flavor: mysql/mariadb
flavor: mysql

# enable relay log
enable-relay: false
# relay-binlog-name: ''
# relay-binlog-gtid: ''
# relay-dir: ./relay_log

# enable gtid in relay log unit
enable-gtid: false

# when this field is true, all tasks on the current source will be started, and vice versa
enable: true

# charset of DSN of source mysql/mariadb instance
# charset: ''

from:
  host: 127.0.0.1
  user: root
  password: '123456'   # plaintext or the output of `dmctl encrypt`
  port: 3306

# relay log purge strategy
# purge:
#   interval: 3600
#   expires: 24
#   remain-space: 15

# task status checker
# checker:
#   check-enable: true
#   backoff-rollback: 5m
#   backoff-max: 5m
)";
}

}  // namespace dm::config
