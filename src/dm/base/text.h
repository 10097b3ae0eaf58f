#pragma once
// Small text helpers for parsing user input and writing error messages about it.

#include <string>
#include <string_view>
#include <vector>

namespace dm {

// `text` in single quotes for an error message; input longer than 200 bytes is cut
// short with its total size noted, so a huge bad value cannot flood a log line.
std::string QuoteInput(std::string_view text);

inline bool IsAsciiSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// "a,b,,c" -> {"a", "b", "c"}: comma-separated flag values (addresses, names).
std::vector<std::string> SplitList(std::string_view s, char sep = ',');

// `s` without leading and trailing ASCII whitespace.
std::string_view TrimSpace(std::string_view s);

}  // namespace dm
