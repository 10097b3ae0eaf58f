#pragma once
// MariaDB global transaction identifiers and GTID positions.
//
// A MariaDB GTID is `domain-server_id-seq` (uint32, uint32, uint64), e.g. "0-1-100". Unlike
// MySQL, a replication position is not a set of every executed transaction but a list holding
// the latest GTID of each replication domain (@@gtid_slave_pos, @@gtid_binlog_pos,
// GTID_LIST_EVENT). Within a domain, sequence numbers grow monotonically, so "contains" means
// "same domain and seq <= ours".
//
// Failure: Parse functions return InvalidArgument quoting the input and naming the expected
// form; nothing throws or aborts on bad input.
//
// Thread-safety: value types. Const methods may be called concurrently; a non-const method
// needs external synchronization against every other access to that object.

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "dm/base/result.h"

namespace dm::gtid {

struct MariaGtid {
  uint32_t domain = 0;
  uint32_t server_id = 0;
  uint64_t seq = 0;

  // Parses "domain-server_id-seq" (decimal; surrounding whitespace tolerated).
  static Result<MariaGtid> Parse(std::string_view text);
  // "0-1-100".
  std::string ToString() const;

  friend bool operator==(const MariaGtid&, const MariaGtid&) = default;
};

// A MariaDB GTID position: at most one GTID per domain.
class MariaGtidList {
 public:
  using Map = std::map<uint32_t, MariaGtid>;  // domain -> latest GTID

  MariaGtidList() = default;

  // Parses "0-1-100,1-2-7" (any domain order; whitespace and newlines around ',' tolerated;
  // empty or all-whitespace text is the empty list). A domain listed twice is an error naming
  // that domain.
  static Result<MariaGtidList> Parse(std::string_view text);

  // Sets the entry of gtid.domain to `gtid`, whatever was there (what a binlog reader does
  // after each transaction).
  void Update(const MariaGtid& gtid);
  // Per domain, keeps the entry with the higher seq (ours on a tie).
  void Union(const MariaGtidList& other);
  // True iff we have gtid.domain with seq >= gtid.seq.
  bool Contains(const MariaGtid& gtid) const;
  // True iff we contain every entry of `other`. The empty list is contained in every list.
  bool Contains(const MariaGtidList& other) const;
  // Our entries that `other` does not contain (domain absent there, or its seq is lower).
  MariaGtidList Subtract(const MariaGtidList& other) const;
  // The entry of `domain`, or nullptr.
  const MariaGtid* Get(uint32_t domain) const;
  bool Equals(const MariaGtidList& other) const { return entries_ == other.entries_; }

  bool empty() const { return entries_.empty(); }
  size_t size() const { return entries_.size(); }
  const Map& entries() const { return entries_; }

  // Sorted by domain, comma-separated: "0-1-100,1-2-7". The empty list is "".
  std::string ToString() const;

  friend bool operator==(const MariaGtidList& a, const MariaGtidList& b) { return a.Equals(b); }

 private:
  Map entries_;
};

}  // namespace dm::gtid
