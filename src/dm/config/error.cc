#include "dm/config/error.h"

namespace dm::config {

std::string LocationPrefix(std::string_view file, Position pos) {
  std::string out(file);
  if (pos.known()) {
    if (out.empty()) out = "line";
    out += ":" + std::to_string(pos.line) + ":" + std::to_string(pos.column);
  }
  if (!out.empty()) out += ": ";
  return out;
}

Status ConfigError(std::string_view file, Position pos, std::string_view path,
                   std::string_view what) {
  std::string msg = LocationPrefix(file, pos);
  if (!path.empty()) {
    msg.append(path);
    msg += ": ";
  }
  msg.append(what);
  return Status(Code::kInvalidArgument, std::move(msg), Scope::kConfig);
}

bool IsSecretField(std::string_view key) {
  return key == "password" || key == "ssl-key-bytes" || key == "ssl-key-base64";
}

}  // namespace dm::config
