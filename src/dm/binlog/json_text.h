#pragma once
// JSON string escaping shared by the binary-JSON renderer, value text forms and the
// event JSON writer. The escapes are those MySQL uses when it prints JSON
// (\" \\ \b \f \n \r \t, \u00XX for other control characters); every other byte,
// including non-ASCII UTF-8, is copied as is.

#include <string>
#include <string_view>

namespace dm::binlog {

// Appends `s` as a JSON string literal (with the quotes).
void AppendJsonString(std::string_view s, std::string* out);

}  // namespace dm::binlog
