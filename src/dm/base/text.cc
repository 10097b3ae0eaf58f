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

std::string_view TrimSpace(std::string_view s) {
  while (!s.empty() && IsAsciiSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsAsciiSpace(s.back())) s.remove_suffix(1);
  return s;
}

}  // namespace dm
