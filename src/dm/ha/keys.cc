#include "dm/ha/keys.h"

namespace dm::ha {

std::string HexEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(s.size() * 2);
  for (unsigned char c : s) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}

std::optional<std::string> HexDecode(std::string_view hex) {
  if (hex.size() % 2) return std::nullopt;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(hex.size() / 2);
  for (size_t i = 0; i < hex.size(); i += 2) {
    int hi = nibble(hex[i]), lo = nibble(hex[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  return out;
}

std::string EncodeKey(std::string_view prefix, const std::vector<std::string_view>& parts) {
  std::string key(prefix);
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i) key.push_back('/');
    key += HexEncode(parts[i]);
  }
  return key;
}

std::optional<std::vector<std::string>> DecodeKey(std::string_view prefix, std::string_view key) {
  if (key.substr(0, prefix.size()) != prefix) return std::nullopt;
  key.remove_prefix(prefix.size());
  std::vector<std::string> parts;
  while (true) {
    size_t slash = key.find('/');
    auto part = HexDecode(key.substr(0, slash));
    if (!part) return std::nullopt;
    parts.push_back(std::move(*part));
    if (slash == std::string_view::npos) break;
    key.remove_prefix(slash + 1);
  }
  return parts;
}

}  // namespace dm::ha
