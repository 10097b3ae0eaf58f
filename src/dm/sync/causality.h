#pragma once
// Causality: decides which DML worker a row change goes to so that changes touching the
// same key values stay in order (DM's causality.go, made deterministic).
//
// Each change yields keys: for every unique key of its target table, the key's values
// in the before and after images (NULL-containing values skipped: they never collide).
// Rows of a table without a handle key yield one table-wide key, so every change of
// such a table stays in order. Keys are grouped union-find
// style: a change whose keys are all new starts a group named by its first key; a change
// touching exactly one existing group joins it (its new keys too); a change touching two
// or more groups is a CONFLICT: the caller must drain every worker, Reset(), and Add()
// again. A group's worker is Fnv1a64(group name) % worker_count.
//
// Determinism (what exactly-once recovery relies on, see docs/sync-design.md): the
// worker chosen for a change depends only on the sequence of changes Added since the last
// Reset(), never on timing.
//
// Not thread-safe: owned by the dispatcher thread.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "dm/sync/row_change.h"

namespace dm::sync {

uint64_t Fnv1a64(std::string_view s);

// The causality keys of `r` (see above).
std::vector<std::string> CausalityKeys(const RowChange& r);

class Causality {
 public:
  // Returns the group hash for `keys` (REQUIRES: non-empty), or nullopt on a conflict
  // (nothing recorded then).
  std::optional<uint64_t> Add(const std::vector<std::string>& keys);
  void Reset() { groups_.clear(); }
  size_t size() const { return groups_.size(); }

 private:
  std::unordered_map<std::string, uint64_t> groups_;  // key -> group hash
};

}  // namespace dm::sync
