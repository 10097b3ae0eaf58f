#include "dm/spec/spec.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <regex>
#include <sstream>

#include "dm/config/encrypt.h"
#include "dm/config/source_config.h"
#include "dm/config/task_config.h"

namespace dm::spec {

namespace {

// Inline certificate material (DM's ssl-*-bytes and ssl-*-base64, e.g. from the OpenAPI)
// for Connector/C, which reads files: written once to $TMPDIR/dm-tls-<uid>/<hash>.pem
// (mode 0600, in a 0700 directory owned by us) and that path used. Bytes win over base64
// and over the path, as in DM. The content is never logged.
Result<std::string> TlsFile(const std::string& path, const std::string& bytes,
                            const std::string& b64, const std::string& field) {
  std::string content;
  if (!bytes.empty()) {
    content = bytes;
  } else if (!b64.empty()) {
    auto d = config::Base64Decode(b64);
    if (!d.ok()) {
      return Status(Code::kInvalidArgument,
                    "security." + field + "-base64 is not valid base64; give the PEM file's "
                    "content base64-encoded, or its path in security." + field,
                    Scope::kConfig);
    }
    content = std::move(d).value();
  } else {
    return path;
  }
  const char* tmp = std::getenv("TMPDIR");
  std::string dir = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/dm-tls-" +
                    std::to_string(getuid());
  if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return Status(Code::kInternal,
                  "cannot create " + dir + " for security." + field + ": " + std::strerror(errno),
                  Scope::kConfig);
  }
  struct stat st {};
  if (lstat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != getuid() ||
      (st.st_mode & 077) != 0) {
    return Status(Code::kFailedPrecondition,
                  dir + " (for security." + field +
                      ") is not a private directory of this user; remove it and retry",
                  Scope::kConfig);
  }
  auto same_content = [&](const std::string& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) return false;
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str() == content;
  };
  size_t h = std::hash<std::string>{}(content);
  for (int n = 0; n < 100; ++n) {
    std::ostringstream name;
    name << dir << "/" << std::hex << h << "-" << std::dec << n << ".pem";
    std::string file = name.str();
    if (access(file.c_str(), F_OK) == 0) {
      if (same_content(file)) return file;
      continue;  // another content with the same hash
    }
    std::string part = file + ".part" + std::to_string(getpid());
    int fd = open(part.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 0600);
    if (fd < 0) {
      return Status(Code::kInternal,
                    "cannot write " + part + " for security." + field + ": " + std::strerror(errno),
                    Scope::kConfig);
    }
    size_t off = 0;
    while (off < content.size()) {
      ssize_t w = write(fd, content.data() + off, content.size() - off);
      if (w <= 0) break;
      off += static_cast<size_t>(w);
    }
    bool ok = off == content.size() && fsync(fd) == 0;
    close(fd);
    if (!ok || rename(part.c_str(), file.c_str()) != 0) {
      unlink(part.c_str());
      return Status(Code::kInternal, "cannot write " + file + " for security." + field,
                    Scope::kConfig);
    }
    return file;
  }
  return Status(Code::kInternal, "too many files in " + dir + " for security." + field,
                Scope::kConfig);
}

Result<mysql::ConnectOptions> ToConnect(const config::DbConfig& db, Scope scope) {
  mysql::ConnectOptions o;
  o.host = db.host;
  o.port = static_cast<uint16_t>(db.port);
  o.user = db.user;
  // Plaintext or `dmctl encrypt` output (DM's scheme and built-in key).
  o.password = config::DecryptOrPlaintext(db.password, config::DefaultSecretKey());
  if (db.security) {
    const config::Security& sec = *db.security;
    DM_ASSIGN_OR_RETURN(o.tls.ca, TlsFile(sec.ssl_ca, sec.ssl_ca_bytes, sec.ssl_ca_base64, "ssl-ca"));
    DM_ASSIGN_OR_RETURN(o.tls.cert, TlsFile(sec.ssl_cert, sec.ssl_cert_bytes,
                                            sec.ssl_cert_base64, "ssl-cert"));
    DM_ASSIGN_OR_RETURN(o.tls.key, TlsFile(sec.ssl_key, sec.ssl_key_bytes, sec.ssl_key_base64,
                                           "ssl-key"));
    o.tls.allowed_cn = sec.cert_allowed_cn;
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
  DM_ASSIGN_OR_RETURN(ctx->from, ToConnect(ctx->source.from, Scope::kUpstream));
  DM_ASSIGN_OR_RETURN(ctx->to, ToConnect(ctx->task_config.target_database, Scope::kDownstream));
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
  DM_ASSIGN_OR_RETURN(s.from, ToConnect(c.from, Scope::kUpstream));
  return s;
}

Result<TaskSpec> ParseTask(std::string_view yaml) {
  DM_ASSIGN_OR_RETURN(config::TaskConfig c, config::ParseTaskConfig(yaml, "task config"));
  TaskSpec t;
  t.name = c.name;
  DM_ASSIGN_OR_RETURN(t.mode, unit::ParseTaskMode(c.task_mode));
  t.meta_schema = c.meta_schema;
  DM_ASSIGN_OR_RETURN(t.target, ToConnect(c.target_database, Scope::kDownstream));
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
