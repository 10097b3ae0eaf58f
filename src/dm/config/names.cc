#include "dm/config/names.h"

#include <algorithm>
#include <cctype>

namespace dm::config {

namespace {
std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}
}  // namespace

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::optional<std::string> NearestName(std::string_view name,
                                       const std::vector<std::string>& candidates,
                                       size_t max_distance) {
  std::string lname = Lower(name);
  std::optional<std::string> best;
  size_t best_distance = max_distance + 1;
  for (const std::string& c : candidates) {
    size_t d = EditDistance(lname, Lower(c));
    if (d < best_distance) {
      best_distance = d;
      best = c;
    }
  }
  return best;
}

std::string JoinQuoted(const std::vector<std::string>& items) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ", ";
    out += "`" + items[i] + "`";
  }
  return out;
}

std::string SuggestionHint(std::string_view name, const std::vector<std::string>& candidates,
                           std::string_view noun) {
  if (candidates.empty()) return "";
  if (auto near = NearestName(name, candidates)) return "; did you mean `" + *near + "`?";
  return std::string("; ") + std::string(noun) + ": " + JoinQuoted(candidates);
}

std::string QuoteValue(std::string_view value) {
  constexpr size_t kMax = 100;
  if (value.size() <= kMax) return "`" + std::string(value) + "`";
  return "`" + std::string(value.substr(0, kMax)) + "...(" + std::to_string(value.size()) +
         " bytes)`";
}

}  // namespace dm::config
