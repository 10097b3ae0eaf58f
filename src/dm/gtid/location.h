#pragma once
// Where a binlog reader is: a binlog file position plus the GTID set executed up to there.
//
// BinlogPosition orders binlog files the way the server numbers them ("mysql-bin.000009" <
// "mysql-bin.000010"). GtidSet is a flavor-tagged union of a MySQL GTID set and a MariaDB
// GTID position, so code above this layer can carry either without caring which.
//
// Failure: Parse functions return InvalidArgument quoting the input and naming the expected
// form; mixing flavors in Union returns InvalidArgument. Nothing throws.
//
// Thread-safety: value types. Const methods may be called concurrently; a non-const method
// needs external synchronization against every other access to that object.

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "dm/base/result.h"
#include "dm/base/status.h"
#include "dm/gtid/mariadb_gtid.h"
#include "dm/gtid/mysql_gtid.h"

namespace dm::gtid {

// Compares binlog file names: first the base name (text before the last '.'), then the
// numeric suffix by value ("a.000010" > "a.9"); names without a numeric suffix sort before
// numbered ones of the same base. Names equal under that rule fall back to plain text order,
// so the result is 0 only for identical names. Returns <0, 0 or >0.
int CompareBinlogFileName(std::string_view a, std::string_view b);

struct BinlogPosition {
  std::string file;
  uint64_t pos = 0;

  // Parses "file:pos" (split at the last ':'; the file must be non-empty, pos decimal).
  static Result<BinlogPosition> Parse(std::string_view text);
  // "file:pos".
  std::string ToString() const;

  friend bool operator==(const BinlogPosition&, const BinlogPosition&) = default;
  // By file (CompareBinlogFileName), then pos.
  friend std::strong_ordering operator<=>(const BinlogPosition& a, const BinlogPosition& b);
};

enum class Flavor { kMySQL, kMariaDB };

// "mysql" or "mariadb".
std::string_view FlavorName(Flavor flavor);
// Accepts "mysql" or "mariadb", case-insensitively.
Result<Flavor> ParseFlavor(std::string_view text);

// A GTID set of either flavor. Default-constructed: the empty MySQL set.
class GtidSet {
 public:
  GtidSet() = default;
  // The empty set of `flavor`.
  explicit GtidSet(Flavor flavor);
  explicit GtidSet(MysqlGtidSet set) : set_(std::move(set)) {}
  explicit GtidSet(MariaGtidList list) : set_(std::move(list)) {}

  // Parses text in the syntax of `flavor` (see MysqlGtidSet::Parse, MariaGtidList::Parse).
  static Result<GtidSet> Parse(Flavor flavor, std::string_view text);

  Flavor flavor() const;
  bool IsEmpty() const;
  // True iff this ⊇ other. An empty `other` is contained in every set; otherwise sets of
  // different flavors never contain each other.
  bool Contains(const GtidSet& other) const;
  // this = this ∪ other. InvalidArgument (this unchanged) if the flavors differ and `other`
  // is not empty.
  Status Union(const GtidSet& other);
  bool Equals(const GtidSet& other) const { return set_ == other.set_; }
  // Canonical text in the syntax of flavor().
  std::string ToString() const;

  // The underlying set, or nullptr when the flavor is the other one.
  const MysqlGtidSet* mysql() const { return std::get_if<MysqlGtidSet>(&set_); }
  MysqlGtidSet* mutable_mysql() { return std::get_if<MysqlGtidSet>(&set_); }
  const MariaGtidList* mariadb() const { return std::get_if<MariaGtidList>(&set_); }
  MariaGtidList* mutable_mariadb() { return std::get_if<MariaGtidList>(&set_); }

  friend bool operator==(const GtidSet& a, const GtidSet& b) { return a.Equals(b); }

 private:
  std::variant<MysqlGtidSet, MariaGtidList> set_;
};

struct Location {
  BinlogPosition position;
  GtidSet gtid_set;

  // Like DM: "position: (mysql-bin.000001, 4), gtid-set: <set>".
  std::string ToString() const;

  friend bool operator==(const Location&, const Location&) = default;
};

}  // namespace dm::gtid
