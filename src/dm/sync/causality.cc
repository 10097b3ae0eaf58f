#include "dm/sync/causality.h"

namespace dm::sync {

uint64_t Fnv1a64(std::string_view s) {
  uint64_t h = 14695981039346656037ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

std::vector<std::string> CausalityKeys(const RowChange& r) {
  const TableMeta& t = *r.table;
  std::vector<std::string> keys;
  if (t.handle_key.empty()) {
    // Rows are matched on all columns: keep every change of the table in one order.
    keys.push_back(t.quoted);
    return keys;
  }
  auto add = [&](const std::vector<Literal>& row) {
    if (row.empty()) return;
    for (size_t k = 0; k < t.unique_keys.size(); ++k) {
      std::string key = t.quoted;
      key += '\x1e';
      key += std::to_string(k);
      bool has_null = false;
      for (int i : t.unique_keys[k]) {
        if (row[i].null) has_null = true;  // NULLs never collide in a unique key
        key += '\x1f';
        key += row[i].text;
      }
      if (has_null) continue;
      bool dup = false;
      for (const auto& e : keys) dup = dup || e == key;
      if (!dup) keys.push_back(std::move(key));
    }
  };
  add(r.before);
  add(r.after);
  return keys;
}

std::optional<uint64_t> Causality::Add(const std::vector<std::string>& keys) {
  std::optional<uint64_t> group;
  for (const auto& k : keys) {
    auto it = groups_.find(k);
    if (it == groups_.end()) continue;
    if (group && *group != it->second) return std::nullopt;
    group = it->second;
  }
  if (!group) group = Fnv1a64(keys.front());
  for (const auto& k : keys) groups_.emplace(k, *group);
  return group;
}

}  // namespace dm::sync
