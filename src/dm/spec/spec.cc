#include "dm/spec/spec.h"

#include <regex>

#include "dm/config/encrypt.h"
#include "dm/config/source_config.h"
#include "dm/config/task_config.h"

namespace dm::spec {

namespace {

mysql::ConnectOptions ToConnect(const config::DbConfig& db, Scope scope) {
  mysql::ConnectOptions o;
  o.host = db.host;
  o.port = static_cast<uint16_t>(db.port);
  o.user = db.user;
  // Plaintext or `dmctl encrypt` output (DM's scheme and built-in key).
  o.password = config::DecryptOrPlaintext(db.password, config::DefaultSecretKey());
  if (db.security) {
    o.tls.ca = db.security->ssl_ca;
    o.tls.cert = db.security->ssl_cert;
    o.tls.key = db.security->ssl_key;
  }
  o.scope = scope;
  return o;
}

}  // namespace

Result<std::shared_ptr<const UnitContext>> BuildUnitContext(std::string_view source_yaml,
                                                            std::string_view task_yaml) {
  auto ctx = std::make_shared<UnitContext>();
  DM_ASSIGN_OR_RETURN(ctx->source, config::ParseSourceConfig(source_yaml, "source config"));
  DM_ASSIGN_OR_RETURN(ctx->task_config, config::ParseTaskConfig(task_yaml, "task config"));
  ctx->task = ctx->task_config.name;
  bool found = false;
  for (const auto& inst : ctx->task_config.mysql_instances) {
    if (inst.source_id == ctx->source.source_id) {
      ctx->instance = inst;
      found = true;
    }
  }
  if (!found) {
    return Status::InvalidArgument("task " + ctx->task + " has no mysql-instances entry for source " +
                                   ctx->source.source_id);
  }
  ctx->from = ToConnect(ctx->source.from, Scope::kUpstream);
  ctx->to = ToConnect(ctx->task_config.target_database, Scope::kDownstream);
  return std::shared_ptr<const UnitContext>(std::move(ctx));
}

std::vector<std::string> TaskMetaTables(std::string_view task) {
  std::vector<std::string> out;
  for (const char* suffix :
       {"_syncer_checkpoint", "_syncer_worker_progress", "_loader_checkpoint", "_loader_dump",
        "_onlineddl", "_syncer_sharding_meta", "_validator_checkpoint"}) {
    out.push_back(std::string(task) + suffix);
  }
  return out;
}

Result<SourceSpec> ParseSource(std::string_view yaml) {
  DM_ASSIGN_OR_RETURN(config::SourceConfig c, config::ParseSourceConfig(yaml, "source config"));
  SourceSpec s;
  s.id = c.source_id;
  s.flavor = c.flavor;
  s.enable_gtid = c.enable_gtid;
  s.from = ToConnect(c.from, Scope::kUpstream);
  return s;
}

Result<TaskSpec> ParseTask(std::string_view yaml) {
  DM_ASSIGN_OR_RETURN(config::TaskConfig c, config::ParseTaskConfig(yaml, "task config"));
  TaskSpec t;
  t.name = c.name;
  DM_ASSIGN_OR_RETURN(t.mode, unit::ParseTaskMode(c.task_mode));
  t.meta_schema = c.meta_schema;
  t.target = ToConnect(c.target_database, Scope::kDownstream);
  t.ignore_checking_items.insert(c.ignore_checking_items.begin(), c.ignore_checking_items.end());
  for (const auto& inst : c.mysql_instances) {
    InstanceSpec is;
    is.source_id = inst.source_id;
    if (inst.meta) {
      if (!inst.meta->binlog_name.empty()) {
        is.meta_position = gtid::BinlogPosition{inst.meta->binlog_name,
                                                inst.meta->binlog_pos ? inst.meta->binlog_pos : 4};
      }
      if (!inst.meta->binlog_gtid.empty()) is.meta_gtid = inst.meta->binlog_gtid;
    }
    t.dump_threads = inst.resolved.mydumper.threads;
    t.load_threads = inst.resolved.loader.pool_size;
    if (auto bal = c.block_allow_list.find(inst.block_allow_list); bal != c.block_allow_list.end()) {
      for (const auto& db : bal->second.do_dbs) {
        if (db.find_first_of("*?~") == std::string::npos) t.schemas.push_back(db);
      }
    }
    t.instances.push_back(std::move(is));
  }
  return t;
}

std::string RedactPasswords(std::string_view yaml) {
  static const std::regex kPassword(R"((^|\n)(\s*password\s*:)[^\n]*)");
  return std::regex_replace(std::string(yaml), kPassword, "$1$2 \"******\"");
}

}  // namespace dm::spec
