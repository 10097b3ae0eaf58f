#pragma once
// DbConfig: how to reach a MySQL-compatible server, as DM's `from:` (source.yaml) and
// `target-database:` (task.yaml) blocks write it (tiflow dm/config/dbconfig, security).
//
// `password` holds what the file says: plaintext or `dmctl encrypt` output. Decrypt it
// with DecryptOrPlaintext (encrypt.h) right before connecting; never log it. ToYaml of
// the owning config writes it as "******" unless asked not to redact.
//
// Plain value types; no invariants beyond what the parsers validate.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace dm::config {

struct Security {
  std::string ssl_ca;    // ssl-ca: path to the CA certificate
  std::string ssl_cert;  // ssl-cert
  std::string ssl_key;   // ssl-key
  std::vector<std::string> cert_allowed_cn;  // cert-allowed-cn
  // Inline certificate material (DM's *-bytes and *-base64 forms). The key forms are
  // secrets and are redacted like passwords.
  std::string ssl_ca_bytes, ssl_cert_bytes, ssl_key_bytes;
  std::string ssl_ca_base64, ssl_cert_base64, ssl_key_base64;

  bool empty() const { return *this == Security{}; }
  bool operator==(const Security&) const = default;
};

struct DbConfig {
  std::string host;
  int port = 0;
  std::string user;
  std::string password;  // plaintext or ciphertext; secret
  // max-allowed-packet: deprecated since DM v2.0 (auto-detected); kept if given.
  std::optional<int64_t> max_allowed_packet;
  std::map<std::string, std::string> session;  // session variables, e.g. sql_mode
  std::optional<Security> security;

  bool operator==(const DbConfig&) const = default;
};

}  // namespace dm::config
