#include "dm/spec/spec.h"

#include <yaml-cpp/yaml.h>

#include <regex>

namespace dm::spec {

namespace {

Status Bad(const std::string& what) {
  return Status(Code::kInvalidArgument, what, Scope::kConfig);
}

std::string Where(const YAML::Node& n) {
  const YAML::Mark m = n.Mark();
  return m.line >= 0 ? " (line " + std::to_string(m.line + 1) + ")" : "";
}

Status ReadString(const YAML::Node& parent, const char* key, std::string* out, bool required) {
  YAML::Node n = parent[key];
  if (!n) {
    return required ? Bad(std::string("missing required field `") + key + "`" + Where(parent))
                    : Status::OK();
  }
  if (!n.IsScalar()) return Bad(std::string("`") + key + "` must be a string" + Where(n));
  *out = n.as<std::string>();
  return Status::OK();
}

template <class Int>
Status ReadInt(const YAML::Node& parent, const char* key, Int* out) {
  YAML::Node n = parent[key];
  if (!n) return Status::OK();
  try {
    *out = n.as<Int>();
  } catch (const YAML::Exception&) {
    return Bad(std::string("`") + key + "` must be an integer, got `" +
               (n.IsScalar() ? n.Scalar() : std::string("a map or list")) + "`" + Where(n));
  }
  return Status::OK();
}

Status ReadDb(const YAML::Node& n, const std::string& field, mysql::ConnectOptions* out,
              Scope scope) {
  if (!n || !n.IsMap()) return Bad("missing required section `" + field + "`");
  DM_RETURN_IF_ERROR(ReadString(n, "host", &out->host, true));
  int port = 3306;
  DM_RETURN_IF_ERROR(ReadInt(n, "port", &port));
  if (port <= 0 || port > 65535) return Bad("`" + field + ".port` " + std::to_string(port) + " is not a TCP port");
  out->port = static_cast<uint16_t>(port);
  DM_RETURN_IF_ERROR(ReadString(n, "user", &out->user, true));
  DM_RETURN_IF_ERROR(ReadString(n, "password", &out->password, false));
  if (YAML::Node sec = n["security"]; sec && sec.IsMap()) {
    DM_RETURN_IF_ERROR(ReadString(sec, "ssl-ca", &out->tls.ca, false));
    DM_RETURN_IF_ERROR(ReadString(sec, "ssl-cert", &out->tls.cert, false));
    DM_RETURN_IF_ERROR(ReadString(sec, "ssl-key", &out->tls.key, false));
  }
  out->scope = scope;
  return Status::OK();
}

Result<YAML::Node> Load(std::string_view yaml, const char* what) {
  try {
    YAML::Node n = YAML::Load(std::string(yaml));
    if (!n.IsMap()) return Bad(std::string(what) + " is not a YAML map of fields");
    return n;
  } catch (const YAML::Exception& e) {
    return Bad(std::string("malformed ") + what + ": " + e.what());
  }
}

}  // namespace

Result<SourceSpec> ParseSource(std::string_view yaml) {
  DM_ASSIGN_OR_RETURN(YAML::Node n, Load(yaml, "source config"));
  SourceSpec s;
  DM_RETURN_IF_ERROR(ReadString(n, "source-id", &s.id, true));
  if (s.id.empty() || s.id.size() > 32) {
    return Bad("`source-id` must be 1 to 32 characters, got `" + s.id + "`");
  }
  DM_RETURN_IF_ERROR(ReadString(n, "flavor", &s.flavor, false));
  if (!s.flavor.empty() && s.flavor != "mysql" && s.flavor != "mariadb") {
    return Bad("`flavor` must be mysql or mariadb, got `" + s.flavor + "`");
  }
  if (YAML::Node g = n["enable-gtid"]) s.enable_gtid = g.as<bool>(false);
  DM_RETURN_IF_ERROR(ReadDb(n["from"], "from", &s.from, Scope::kUpstream));
  return s;
}

Result<TaskSpec> ParseTask(std::string_view yaml) {
  DM_ASSIGN_OR_RETURN(YAML::Node n, Load(yaml, "task config"));
  TaskSpec t;
  DM_RETURN_IF_ERROR(ReadString(n, "name", &t.name, true));
  if (t.name.empty()) return Bad("`name` must not be empty");
  std::string mode = "all";
  DM_RETURN_IF_ERROR(ReadString(n, "task-mode", &mode, false));
  auto m = unit::ParseTaskMode(mode);
  if (!m.ok()) return m.status();
  t.mode = *m;
  DM_RETURN_IF_ERROR(ReadString(n, "meta-schema", &t.meta_schema, false));
  DM_RETURN_IF_ERROR(ReadDb(n["target-database"], "target-database", &t.target, Scope::kDownstream));
  if (YAML::Node ig = n["ignore-checking-items"]; ig && ig.IsSequence()) {
    for (const auto& i : ig) t.ignore_checking_items.insert(i.as<std::string>());
  }
  YAML::Node inst = n["mysql-instances"];
  if (!inst || !inst.IsSequence() || inst.size() == 0) {
    return Bad("`mysql-instances` must list at least one source");
  }
  std::set<std::string> seen;
  for (size_t i = 0; i < inst.size(); ++i) {
    InstanceSpec is;
    DM_RETURN_IF_ERROR(ReadString(inst[i], "source-id", &is.source_id, true));
    if (!seen.insert(is.source_id).second) {
      return Bad("source `" + is.source_id + "` appears twice in `mysql-instances`" + Where(inst[i]));
    }
    if (YAML::Node meta = inst[i]["meta"]; meta && meta.IsMap()) {
      std::string file, gtid_text;
      uint64_t pos = 4;
      DM_RETURN_IF_ERROR(ReadString(meta, "binlog-name", &file, false));
      DM_RETURN_IF_ERROR(ReadInt(meta, "binlog-pos", &pos));
      DM_RETURN_IF_ERROR(ReadString(meta, "binlog-gtid", &gtid_text, false));
      if (!file.empty()) is.meta_position = gtid::BinlogPosition{file, pos};
      if (!gtid_text.empty()) is.meta_gtid = gtid_text;
    }
    int threads = 0;
    DM_RETURN_IF_ERROR(ReadInt(inst[i], "mydumper-thread", &threads));
    if (threads > 0) t.dump_threads = threads;
    threads = 0;
    DM_RETURN_IF_ERROR(ReadInt(inst[i], "loader-thread", &threads));
    if (threads > 0) t.load_threads = threads;
    t.instances.push_back(std::move(is));
  }
  if (YAML::Node bal = n["block-allow-list"]; bal && bal.IsMap()) {
    for (const auto& rule : bal) {
      if (YAML::Node dbs = rule.second["do-dbs"]; dbs && dbs.IsSequence()) {
        for (const auto& d : dbs) {
          std::string db = d.as<std::string>();
          if (db.find_first_of("*?~") == std::string::npos) t.schemas.push_back(db);
        }
      }
    }
  }
  return t;
}

std::string RedactPasswords(std::string_view yaml) {
  static const std::regex kPassword(R"((^|\n)(\s*password\s*:)[^\n]*)");
  return std::regex_replace(std::string(yaml), kPassword, "$1$2 \"******\"");
}

}  // namespace dm::spec
