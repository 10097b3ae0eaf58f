#include "dm/base/text.h"

namespace dm {

std::string QuoteInput(std::string_view text) {
  constexpr size_t kMaxQuoted = 200;
  std::string out = "'";
  if (text.size() > kMaxQuoted) {
    out.append(text.substr(0, kMaxQuoted));
    out += "...(" + std::to_string(text.size()) + " bytes)";
  } else {
    out.append(text);
  }
  out += "'";
  return out;
}

std::vector<std::string> SplitList(std::string_view s, char sep) {
  std::vector<std::string> out;
  while (!s.empty()) {
    size_t p = s.find(sep);
    std::string_view item = TrimSpace(s.substr(0, p));
    if (!item.empty()) out.emplace_back(item);
    if (p == std::string_view::npos) break;
    s.remove_prefix(p + 1);
  }
  return out;
}

std::string_view TrimSpace(std::string_view s) {
  while (!s.empty() && IsAsciiSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsAsciiSpace(s.back())) s.remove_suffix(1);
  return s;
}

}  // namespace dm
