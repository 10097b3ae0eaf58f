#pragma once
// MySQL global transaction identifiers (GTIDs) and GTID sets.
//
// A MySQL GTID is `uuid[:tag]:gno`: the UUID of the server that committed the transaction,
// an optional tag (MySQL 8.3+) and a transaction number gno in [1, kMaxGno]. A GTID set maps
// each (uuid, tag) pair -- a "TSID" -- to a set of gnos, kept as sorted, disjoint,
// non-adjacent closed intervals, exactly like MySQL's Gtid_set.
//
// Text form (what SELECT @@gtid_executed prints and what users type):
//   3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5:7,4e11fa47-71ca-11e1-9e33-c80aa9429562:3
//   3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5:tag1:3-4      (a tag applies to the intervals
//                                                           after it, until the next tag)
// Binary form: the body of PREVIOUS_GTIDS_LOG_EVENT and the GTID payload of
// COM_BINLOG_DUMP_GTID; see EncodeMysqlGtidSet() below.
//
// Failure: every parse/decode function returns a non-OK Status (InvalidArgument for text,
// Corruption for bytes) whose message quotes the offending input and says what is expected;
// no function throws or aborts on bad input.
//
// Thread-safety: all types here are values. Const methods may be called concurrently; a
// non-const method needs external synchronization against every other access to that object.

#include <array>
#include <compare>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "dm/base/result.h"
#include "dm/base/status.h"

namespace dm::gtid {

// The largest valid gno. MySQL reserves INT64_MAX as "one past the end" (GNO_END), so an
// interval's exclusive end always fits in int64_t.
inline constexpr int64_t kMaxGno = INT64_MAX - 1;
// The longest tag MySQL accepts.
inline constexpr size_t kMaxTagLength = 32;

// A 16-byte server UUID (a MySQL "SID").
struct Uuid {
  std::array<uint8_t, 16> bytes{};

  // Accepts the 36-character form with dashes (8-4-4-4-12 hex digits) or 32 hex digits
  // without dashes; hex digits in either case. Surrounding whitespace is not accepted.
  static Result<Uuid> Parse(std::string_view text);
  // Lowercase, with dashes: "3e11fa47-71ca-11e1-9e33-c80aa9429562".
  std::string ToString() const;
  bool IsNil() const;

  friend bool operator==(const Uuid&, const Uuid&) = default;
  friend std::strong_ordering operator<=>(const Uuid&, const Uuid&) = default;
};

// Returns OK if `tag` matches [a-zA-Z_][a-zA-Z0-9_]{0,31}; an empty tag is "no tag" and is
// also OK. Otherwise InvalidArgument quoting the tag.
Status ValidateTag(std::string_view tag);
// Lowercases an (already valid) tag; MySQL treats tags case-insensitively.
std::string NormalizeTag(std::string_view tag);

// One GTID. `tag` is empty for untagged GTIDs; after Parse() it is lowercase.
struct MysqlGtid {
  Uuid sid;
  std::string tag;
  int64_t gno = 0;

  // Parses "uuid:gno" or "uuid:tag:gno" (whitespace around ':' tolerated).
  static Result<MysqlGtid> Parse(std::string_view text);
  // "uuid:gno" or "uuid:tag:gno".
  std::string ToString() const;

  friend bool operator==(const MysqlGtid&, const MysqlGtid&) = default;
};

// A closed interval of gnos [start, end]; 1 <= start <= end <= kMaxGno.
struct GtidInterval {
  int64_t start = 0;
  int64_t end = 0;

  friend bool operator==(const GtidInterval&, const GtidInterval&) = default;
};

// The key of a GTID set entry: server UUID plus (lowercase, possibly empty) tag. Ordered by
// uuid then tag, so the untagged entry of a uuid comes first, as in MySQL's output.
struct Tsid {
  Uuid uuid;
  std::string tag;

  friend bool operator==(const Tsid&, const Tsid&) = default;
  friend std::strong_ordering operator<=>(const Tsid& a, const Tsid& b) {
    if (auto c = a.uuid <=> b.uuid; c != 0) return c;
    return a.tag.compare(b.tag) <=> 0;
  }
};

// A set of MySQL GTIDs. Invariant: every entry has at least one interval; intervals of an
// entry are sorted, disjoint and non-adjacent (1-5:6-9 is stored as 1-9).
class MysqlGtidSet {
 public:
  using Intervals = std::vector<GtidInterval>;
  using Map = std::map<Tsid, Intervals>;

  MysqlGtidSet() = default;

  // Parses MySQL's text form. Empty (or all-whitespace) text is the empty set. Accepts
  // whitespace and newlines around ',', ':' and '-', uppercase hex and tags, the same uuid
  // several times, unsorted, overlapping or adjacent intervals (all are merged). Rejects gno 0,
  // gno > kMaxGno, reversed intervals (5-3), invalid uuids or tags and trailing garbage.
  static Result<MysqlGtidSet> Parse(std::string_view text);

  // Adds one GTID. InvalidArgument if the gno is out of [1, kMaxGno] or the tag is invalid;
  // the set is unchanged then.
  Status Add(const MysqlGtid& gtid);
  // Adds the closed interval [start, end] for (sid, tag). InvalidArgument (set unchanged)
  // unless 1 <= start <= end <= kMaxGno and the tag is valid.
  Status AddInterval(const Uuid& sid, std::string_view tag, int64_t start, int64_t end);

  // this = this ∪ other.
  void Union(const MysqlGtidSet& other);
  // Returns this − other.
  MysqlGtidSet Subtract(const MysqlGtidSet& other) const;
  // True iff `gtid` is in the set (the tag is compared case-insensitively).
  bool Contains(const MysqlGtid& gtid) const;
  // True iff this ⊇ other. The empty set is contained in every set.
  bool Contains(const MysqlGtidSet& other) const;
  bool Equals(const MysqlGtidSet& other) const { return entries_ == other.entries_; }

  bool empty() const { return entries_.empty(); }
  // True if any entry has a non-empty tag (such a set needs the tagged binary format).
  bool HasTags() const;
  // Number of GTIDs in the set (saturates at UINT64_MAX).
  uint64_t GtidCount() const;
  // The intervals of (sid, tag), or nullptr if the set has none.
  const Intervals* Find(const Uuid& sid, std::string_view tag = {}) const;
  // All entries in canonical order, for iteration and encoding.
  const Map& entries() const { return entries_; }

  // Canonical text: uuids sorted and lowercase; per uuid the untagged intervals first, then
  // each tag in order: "uuid:1-5:7:tag1:3-4,uuid2:3". The empty set is "".
  std::string ToString() const;

  friend bool operator==(const MysqlGtidSet& a, const MysqlGtidSet& b) { return a.Equals(b); }

 private:
  // Adds an already validated interval; `tag` must be normalized.
  void AddValid(const Tsid& tsid, int64_t start, int64_t end);

  Map entries_;
};

// Binary form of a GTID set, all integers little-endian (MySQL's Gtid_set::encode):
//   untagged format (no entry has a tag):
//     n_sids u64, then per entry: uuid[16] n_intervals u64 {start u64, end_exclusive u64}*
//   tagged format (MySQL 8.3+, used when some entry has a tag):
//     header u64 = (1 << 56) | (n_sids << 8) | 1, then per entry:
//     uuid[16] tag_length(varlen) tag_bytes n_intervals u64 {start u64, end_exclusive u64}*
//   where varlen is MySQL's serialization-library unsigned integer; a tag of at most 32
//   bytes is one byte (length << 1), and an untagged entry has tag length 0.
std::string EncodeMysqlGtidSet(const MysqlGtidSet& set);

// Decodes exactly `bytes` (no trailing bytes allowed; strip the event checksum first).
// Bounds-checked for arbitrary input: Corruption naming the problem (truncation, count too
// large for the remaining bytes, bad interval, bad tag, trailing bytes); NotSupported for an
// unknown format version in the header's top byte.
Result<MysqlGtidSet> DecodeMysqlGtidSet(std::string_view bytes);
// Like DecodeMysqlGtidSet, but the encoding may be followed by other bytes; stores the number
// of bytes consumed in *consumed on success.
Result<MysqlGtidSet> DecodeMysqlGtidSetPrefix(std::string_view bytes, size_t* consumed);

}  // namespace dm::gtid
