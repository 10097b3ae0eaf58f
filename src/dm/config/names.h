#pragma once
// Helpers for user-facing messages about names: edit distance and "did you mean".
//
// Pure functions, thread-safe.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dm::config {

// Levenshtein distance (insert, delete, substitute; each costs 1), byte-wise.
size_t EditDistance(std::string_view a, std::string_view b);

// The candidate closest to `name` if its edit distance is at most `max_distance`
// (ties go to the earliest candidate). Comparison is case-insensitive, so `Ignore` is
// suggested for `ignore` at distance 0 -- callers only ask after an exact match failed.
std::optional<std::string> NearestName(std::string_view name,
                                       const std::vector<std::string>& candidates,
                                       size_t max_distance = 3);

// "; did you mean `x`?" when a near candidate exists, else "; valid values: `a`, `b`"
// (or "; known fields: ..." with `noun` = "known fields"). Empty when no candidates.
std::string SuggestionHint(std::string_view name, const std::vector<std::string>& candidates,
                           std::string_view noun = "valid values");

// "`a`, `b`, `c`".
std::string JoinQuoted(const std::vector<std::string>& items);

// `value` in backticks for a message, cut to 100 bytes ("...(N bytes)") so a huge value
// cannot flood a log line.
std::string QuoteValue(std::string_view value);

}  // namespace dm::config
