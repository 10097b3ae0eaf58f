#include "dm/config/parse_common.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "dm/config/names.h"

namespace dm::config::internal {

namespace {

Status ParseSecurity(const YNode& node, Security* out) {
  DM_ASSIGN_OR_RETURN(MapReader r, MapReader::Open(node));
  DM_RETURN_IF_ERROR(r.Str("ssl-ca", &out->ssl_ca));
  DM_RETURN_IF_ERROR(r.Str("ssl-cert", &out->ssl_cert));
  DM_RETURN_IF_ERROR(r.Str("ssl-key", &out->ssl_key));
  if (auto cn = r.Get("cert-allowed-cn")) {
    if (cn->IsScalar()) {  // a single name is accepted as a one-item list
      out->cert_allowed_cn = {cn->raw().Scalar()};
    } else {
      DM_RETURN_IF_ERROR(cn->AsStringList(&out->cert_allowed_cn));
    }
  }
  DM_RETURN_IF_ERROR(r.Str("ssl-ca-bytes", &out->ssl_ca_bytes));
  DM_RETURN_IF_ERROR(r.Str("ssl-cert-bytes", &out->ssl_cert_bytes));
  DM_RETURN_IF_ERROR(r.Str("ssl-key-bytes", &out->ssl_key_bytes));
  DM_RETURN_IF_ERROR(r.Str("ssl-ca-base64", &out->ssl_ca_base64));
  DM_RETURN_IF_ERROR(r.Str("ssl-cert-base64", &out->ssl_cert_base64));
  DM_RETURN_IF_ERROR(r.Str("ssl-key-base64", &out->ssl_key_base64));
  return r.Finish();
}

void EmitSecret(YAML::Emitter& e, const char* key, const std::string& value, bool redact) {
  e << YAML::Key << key << YAML::Value
    << (redact && !value.empty() ? std::string(kRedacted) : value);
}

}  // namespace

Status ParseDbConfig(const YNode& node, DbConfig* out) {
  DM_ASSIGN_OR_RETURN(MapReader r, MapReader::Open(node));
  DM_RETURN_IF_ERROR(r.Str("host", &out->host));
  if (auto port = r.Get("port")) {
    DM_RETURN_IF_ERROR(port->AsInt(&out->port));
    if (out->port < 0 || out->port > 65535) {
      return port->Error("port " + std::to_string(out->port) + " is out of range [0, 65535]");
    }
  }
  DM_RETURN_IF_ERROR(r.Str("user", &out->user));
  DM_RETURN_IF_ERROR(r.Str("password", &out->password));
  if (auto packet = r.Get("max-allowed-packet")) {
    int64_t v = 0;
    DM_RETURN_IF_ERROR(packet->AsInt(&v));
    out->max_allowed_packet = v;
    packet->Warn(
        "`max-allowed-packet` is deprecated since DM v2.0: the value is detected from the "
        "server; remove it");
  }
  DM_RETURN_IF_ERROR(r.StrMap("session", &out->session));
  if (auto sec = r.Get("security")) {
    Security s;
    DM_RETURN_IF_ERROR(ParseSecurity(*sec, &s));
    out->security = std::move(s);
  }
  return r.Finish();
}

Status ParseFilterRule(const YNode& node, BinlogEventRule* out) {
  DM_ASSIGN_OR_RETURN(MapReader r, MapReader::Open(node));
  DM_RETURN_IF_ERROR(r.Str("schema-pattern", &out->schema_pattern));
  DM_RETURN_IF_ERROR(r.Str("table-pattern", &out->table_pattern));
  if (auto events = r.Get("events")) {
    std::vector<std::string> raw;
    DM_RETURN_IF_ERROR(events->AsStringList(&raw));
    out->events.clear();
    for (size_t i = 0; i < raw.size(); ++i) {
      auto canon = CanonicalEventType(raw[i]);
      if (!canon) {
        return events->Element(i, events->raw()[i])
            .Error("unknown binlog event type " + QuoteValue(raw[i]) +
                   SuggestionHint(raw[i], BinlogEventTypes(), "valid event types"));
      }
      out->events.push_back(*canon);
    }
  }
  DM_RETURN_IF_ERROR(r.StrList("sql-pattern", &out->sql_pattern));
  auto action = r.Get("action");
  DM_RETURN_IF_ERROR(r.Finish());
  static const std::vector<std::string> kActions = {"Do", "Ignore", "Error"};
  if (!action) {
    return ConfigError(node.doc().file, node.pos(), node.path(),
                       "missing required field `action`; set `action: Do`, `action: Ignore` "
                       "or `action: Error`");
  }
  DM_RETURN_IF_ERROR(action->AsString(&out->action));
  bool valid = false;
  for (const std::string& a : kActions) valid = valid || a == out->action;
  if (!valid) {
    return action->Error("invalid action " + QuoteValue(out->action) +
                         SuggestionHint(out->action, kActions) +
                         " (valid: `Do`, `Ignore`, `Error`; case matters)");
  }
  return Status::OK();
}

void EmitStringList(YAML::Emitter& e, const std::vector<std::string>& items) {
  e << YAML::Flow << YAML::BeginSeq;
  for (const std::string& s : items) e << s;
  e << YAML::EndSeq;
}

void EmitDbConfig(YAML::Emitter& e, const DbConfig& db, bool redact) {
  e << YAML::BeginMap;
  e << YAML::Key << "host" << YAML::Value << db.host;
  e << YAML::Key << "port" << YAML::Value << db.port;
  e << YAML::Key << "user" << YAML::Value << db.user;
  EmitSecret(e, "password", db.password, redact);
  if (db.max_allowed_packet) {
    e << YAML::Key << "max-allowed-packet" << YAML::Value << *db.max_allowed_packet;
  }
  if (!db.session.empty()) {
    e << YAML::Key << "session" << YAML::Value << YAML::BeginMap;
    for (const auto& [k, v] : db.session) e << YAML::Key << k << YAML::Value << v;
    e << YAML::EndMap;
  }
  if (db.security) {
    const Security& s = *db.security;
    e << YAML::Key << "security" << YAML::Value << YAML::BeginMap;
    e << YAML::Key << "ssl-ca" << YAML::Value << s.ssl_ca;
    e << YAML::Key << "ssl-cert" << YAML::Value << s.ssl_cert;
    e << YAML::Key << "ssl-key" << YAML::Value << s.ssl_key;
    e << YAML::Key << "cert-allowed-cn" << YAML::Value;
    EmitStringList(e, s.cert_allowed_cn);
    if (!s.ssl_ca_bytes.empty()) e << YAML::Key << "ssl-ca-bytes" << YAML::Value << s.ssl_ca_bytes;
    if (!s.ssl_cert_bytes.empty()) {
      e << YAML::Key << "ssl-cert-bytes" << YAML::Value << s.ssl_cert_bytes;
    }
    if (!s.ssl_key_bytes.empty()) EmitSecret(e, "ssl-key-bytes", s.ssl_key_bytes, redact);
    if (!s.ssl_ca_base64.empty()) {
      e << YAML::Key << "ssl-ca-base64" << YAML::Value << s.ssl_ca_base64;
    }
    if (!s.ssl_cert_base64.empty()) {
      e << YAML::Key << "ssl-cert-base64" << YAML::Value << s.ssl_cert_base64;
    }
    if (!s.ssl_key_base64.empty()) EmitSecret(e, "ssl-key-base64", s.ssl_key_base64, redact);
    e << YAML::EndMap;
  }
  e << YAML::EndMap;
}

void EmitFilterRule(YAML::Emitter& e, const BinlogEventRule& rule) {
  e << YAML::BeginMap;
  e << YAML::Key << "schema-pattern" << YAML::Value << rule.schema_pattern;
  e << YAML::Key << "table-pattern" << YAML::Value << rule.table_pattern;
  e << YAML::Key << "events" << YAML::Value;
  EmitStringList(e, rule.events);
  e << YAML::Key << "sql-pattern" << YAML::Value;
  EmitStringList(e, rule.sql_pattern);
  e << YAML::Key << "action" << YAML::Value << rule.action;
  e << YAML::EndMap;
}

Result<std::string> ReadConfigFile(const std::string& path, std::string_view what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    int err = errno;
    return Status(err == ENOENT ? Code::kNotFound : Code::kIOError,
                  "cannot read " + std::string(what) + " `" + path + "`: " + std::strerror(err) +
                      "; check the path and its permissions",
                  Scope::kConfig);
  }
  std::stringstream buf;
  buf << in.rdbuf();
  if (in.bad()) {
    return Status(Code::kIOError, "error reading " + std::string(what) + " `" + path + "`",
                  Scope::kConfig);
  }
  return buf.str();
}

}  // namespace dm::config::internal
