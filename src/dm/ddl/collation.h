#pragma once
// DM's `collation_compatible: strict` (docs/ddl.md, "Collations"): where a statement names
// a charset but leaves the collation to the server's default for that charset, the
// upstream's default collation is written out, so that a downstream whose defaults differ
// (MySQL 8's utf8mb4_0900_ai_ci, MariaDB's utf8mb4_general_ci) stores and compares the
// data the way the upstream does.
//
// What is made explicit:
//   - CREATE TABLE (not LIKE / AS SELECT): each column whose type names a charset without a
//     collation (not `BINARY`), and the table options when they name a charset and no
//     collation. A table with neither keeps the database's defaults (as DM, it is left as is).
//   - CREATE / ALTER DATABASE: a charset without collation; a CREATE DATABASE with neither
//     gets `server_collation` (the upstream session's collation_server) when known.
//   - ALTER TABLE: ADD/MODIFY/CHANGE COLUMN types, CONVERT TO CHARACTER SET and table
//     options, by the same rule (beyond DM, which leaves ALTERs as written).
// A charset the map does not know is left as written and reported in the result.
//
// Pure functions; thread-safe.

#include <map>
#include <string>
#include <vector>

namespace dm::ddl {

class Statement;

struct CollationDefaults {
  std::map<std::string, std::string> by_charset;  // lower-case charset -> its default collation
  std::string server_collation;                   // for CREATE DATABASE without charset/collation
};

struct CollationChanges {
  std::vector<std::string> added;     // "column `c`: utf8mb4_general_ci", "table: latin1_swedish_ci", ...
  std::vector<std::string> unknown;   // charsets with no default collation in the map
  bool changed() const { return !added.empty(); }
};

// Adds the collations to `stmt`'s AST; when anything was added, `stmt.text` is its Print().
CollationChanges MakeCollationsExplicit(Statement& stmt, const CollationDefaults& defaults);

}  // namespace dm::ddl
