#pragma once
// Chunking a table by its row key (primary key, else the first unique key whose columns
// are all NOT NULL) so that several connections can dump one table:
//
// - an integer first key column is split arithmetically between MIN and MAX (no scan);
// - any other chunkable key (DECIMAL, [VAR]CHAR, [VAR]BINARY, temporal types, composite
//   keys) is split at every `rows`-th key value of an ordered key scan in the snapshot;
// - a table whose key has other types (FLOAT, BIT, ENUM, TEXT, ...) or that has no key is
//   dumped whole.
//
// A chunk is a half-open interval [lower, upper) of key tuples; the first chunk has no
// lower and the last no upper bound, so the chunks of a table cover every row exactly
// once. The predicates compare with the column's own collation (string literals carry
// the column charset as an introducer and are coercible), the order ORDER BY uses.
//
// Pure functions; thread-safe.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dm/base/result.h"
#include "dm/schema/table_info.h"

namespace dm::dump {

// The columns to chunk `table` by, or empty if it must be dumped whole.
std::vector<schema::Column> ChunkKeyColumns(const schema::TableInfo& table);

bool IsIntegerColumn(const schema::Column& c);

// SQL literal for a key value as the server printed it (under SET NAMES binary).
std::string KeyLiteral(const schema::Column& c, std::string_view value);

// `chunks` - 1 increasing boundaries splitting [min, max] (integers as text) into up to
// `chunks` ranges of equal width; fewer when the range is narrow; empty if chunks <= 1.
// InvalidArgument if min/max are not integers.
Result<std::vector<std::string>> SplitIntegerRange(std::string_view min, std::string_view max,
                                                   uint64_t chunks);

// A bound is a tuple of literals (KeyLiteral) for a prefix of the key columns.
using KeyBound = std::vector<std::string>;

// "(`a` > L1 OR (`a` = L1 AND `b` >= L2)) AND (...upper...)" for the chunk
// [lower, upper); either may be absent. "" when both are absent.
std::string ChunkPredicate(const std::vector<schema::Column>& key, const std::optional<KeyBound>& lower,
                           const std::optional<KeyBound>& upper);

}  // namespace dm::dump
