#include "dm/gtid/mysql_gtid.h"

#include "dm/base/text.h"

#include <algorithm>
#include <bit>
#include <utility>

namespace dm::gtid {

namespace {

constexpr std::string_view kSetForm =
    "expected form uuid:1-5:7,uuid2:3 (with MySQL 8.3+ tags: uuid:1-5:tag1:3-4)";
constexpr std::string_view kGtidForm = "expected form uuid:gno or uuid:tag:gno";
constexpr std::string_view kUuidForm =
    "expected 36 characters like 3e11fa47-71ca-11e1-9e33-c80aa9429562 or 32 hex digits";
constexpr std::string_view kTagForm =
    "a tag is 1-32 characters matching [a-z_][a-z0-9_]* (case-insensitive)";
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsTagChar(char c) { return IsAlpha(c) || IsDigit(c) || c == '_'; }

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Why `digits` (non-empty, all digits) is not a valid gno, or "" if it is one.
std::string GnoProblem(std::string_view digits, int64_t* out) {
  int64_t value = 0;
  for (char c : digits) {
    int d = c - '0';
    if (value > (kMaxGno - d) / 10) {
      return "gno " + std::string(digits) + " exceeds the maximum " + std::to_string(kMaxGno);
    }
    value = value * 10 + d;
  }
  *out = value;
  return "";
}

std::string IntervalText(int64_t start, int64_t end) {
  return start == end ? std::to_string(start) : std::to_string(start) + "-" + std::to_string(end);
}

void AppendIntervals(const MysqlGtidSet::Intervals& intervals, std::string* out) {
  for (const GtidInterval& iv : intervals) {
    *out += ':';
    *out += IntervalText(iv.start, iv.end);
  }
}

// Merges two sorted, disjoint, non-adjacent interval lists into one.
MysqlGtidSet::Intervals MergeIntervals(const MysqlGtidSet::Intervals& a,
                                       const MysqlGtidSet::Intervals& b) {
  MysqlGtidSet::Intervals out;
  out.reserve(a.size() + b.size());
  size_t i = 0, j = 0;
  while (i < a.size() || j < b.size()) {
    const GtidInterval& next =
        (j == b.size() || (i < a.size() && a[i].start <= b[j].start)) ? a[i++] : b[j++];
    // end + 1 cannot overflow: end <= kMaxGno < INT64_MAX.
    if (!out.empty() && next.start <= out.back().end + 1) {
      out.back().end = std::max(out.back().end, next.end);
    } else {
      out.push_back(next);
    }
  }
  return out;
}

// a − b for sorted, disjoint interval lists.
MysqlGtidSet::Intervals SubtractIntervals(const MysqlGtidSet::Intervals& a,
                                          const MysqlGtidSet::Intervals& b) {
  MysqlGtidSet::Intervals out;
  size_t j = 0;
  for (const GtidInterval& iv : a) {
    int64_t cur = iv.start;
    while (j < b.size() && b[j].end < cur) ++j;
    for (size_t k = j; k < b.size() && b[k].start <= iv.end; ++k) {
      if (b[k].start > cur) out.push_back({cur, b[k].start - 1});
      cur = std::max(cur, b[k].end + 1);  // <= kMaxGno + 1 == INT64_MAX: no overflow
      if (cur > iv.end) break;
    }
    if (cur <= iv.end) out.push_back({cur, iv.end});
  }
  return out;
}

// True iff `outer` covers [start, end].
bool CoversInterval(const MysqlGtidSet::Intervals& outer, int64_t start, int64_t end) {
  auto it = std::upper_bound(outer.begin(), outer.end(), start,
                             [](int64_t v, const GtidInterval& iv) { return v < iv.start; });
  if (it == outer.begin()) return false;
  --it;
  return it->start <= start && end <= it->end;
}

bool CoversAll(const MysqlGtidSet::Intervals& outer, const MysqlGtidSet::Intervals& inner) {
  for (const GtidInterval& iv : inner) {
    if (!CoversInterval(outer, iv.start, iv.end)) return false;
  }
  return true;
}

// ---- text parsing of sets ----

class SetParser {
 public:
  explicit SetParser(std::string_view text) : text_(text) {}

  Status Run(MysqlGtidSet* set) {
    SkipSpace();
    while (pos_ < text_.size()) {
      // MySQL skips empty elements (",,", a trailing ','), so do we.
      if (text_[pos_] == ',') {
        ++pos_;
        SkipSpace();
        continue;
      }
      DM_RETURN_IF_ERROR(ParseElement(set));
      if (pos_ == text_.size()) break;
      if (text_[pos_] != ',') {
        return Error("unexpected " + Describe(pos_) +
                     "; expected ',' or ':' after the intervals of a uuid");
      }
    }
    return Status::OK();
  }

 private:
  Status Error(const std::string& reason) const {
    return Status::InvalidArgument("invalid MySQL GTID set " + QuoteInput(text_) + ": " + reason + "; " +
                                   std::string(kSetForm));
  }

  std::string Describe(size_t at) const {
    if (at >= text_.size()) return "end of text";
    return "character '" + std::string(1, text_[at]) + "' at offset " + std::to_string(at);
  }

  void SkipSpace() {
    while (pos_ < text_.size() && IsAsciiSpace(text_[pos_])) ++pos_;
  }

  // uuid followed by any number of ":interval" / ":tag" parts.
  Status ParseElement(MysqlGtidSet* set) {
    size_t begin = pos_;
    while (pos_ < text_.size() && text_[pos_] != ':' && text_[pos_] != ',' &&
           !IsAsciiSpace(text_[pos_])) {
      ++pos_;
    }
    std::string_view token = text_.substr(begin, pos_ - begin);
    if (token.empty()) return Error("expected a uuid at offset " + std::to_string(begin));
    Result<Uuid> uuid = Uuid::Parse(token);
    if (!uuid.ok()) return Error("bad uuid " + QuoteInput(token) + ": " + std::string(kUuidForm));
    Tsid tsid{*uuid, ""};
    SkipSpace();
    while (pos_ < text_.size() && text_[pos_] == ':') {
      ++pos_;
      SkipSpace();
      if (pos_ == text_.size()) return Error("expected an interval or a tag after the last ':'");
      char c = text_[pos_];
      if (IsDigit(c)) {
        DM_RETURN_IF_ERROR(ParseInterval(set, tsid));
      } else if (IsAlpha(c) || c == '_') {
        size_t tag_begin = pos_;
        while (pos_ < text_.size() && IsTagChar(text_[pos_])) ++pos_;
        std::string_view tag = text_.substr(tag_begin, pos_ - tag_begin);
        if (tag.size() > kMaxTagLength) {
          return Error("tag " + QuoteInput(tag) + " is longer than 32 characters; " +
                       std::string(kTagForm));
        }
        tsid.tag = NormalizeTag(tag);
        SkipSpace();
      } else {
        return Error("unexpected " + Describe(pos_) + "; expected an interval or a tag");
      }
    }
    return Status::OK();
  }

  Status ParseGno(int64_t* out) {
    size_t begin = pos_;
    while (pos_ < text_.size() && IsDigit(text_[pos_])) ++pos_;
    if (pos_ == begin) return Error("unexpected " + Describe(pos_) + "; expected a gno");
    std::string problem = GnoProblem(text_.substr(begin, pos_ - begin), out);
    if (!problem.empty()) return Error(problem);
    SkipSpace();
    return Status::OK();
  }

  Status ParseInterval(MysqlGtidSet* set, const Tsid& tsid) {
    int64_t start = 0, end = 0;
    DM_RETURN_IF_ERROR(ParseGno(&start));
    end = start;
    if (pos_ < text_.size() && text_[pos_] == '-') {
      ++pos_;
      SkipSpace();
      DM_RETURN_IF_ERROR(ParseGno(&end));
    }
    if (start < 1) {
      return Error("interval " + IntervalText(start, end) + ": interval start must be >= 1");
    }
    if (end < start) {
      return Error("interval " + std::to_string(start) + "-" + std::to_string(end) +
                   " is reversed: end must be >= start");
    }
    Status s = set->AddInterval(tsid.uuid, tsid.tag, start, end);
    if (!s.ok()) return Error(std::string(s.message()));
    return Status::OK();
  }

  std::string_view text_;
  size_t pos_ = 0;
};

// ---- binary helpers ----

void PutU64(uint64_t v, std::string* out) {
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

class Reader {
 public:
  explicit Reader(std::string_view bytes) : bytes_(bytes) {}
  size_t pos() const { return pos_; }
  size_t remaining() const { return bytes_.size() - pos_; }

  // REQUIRES: remaining() >= 8.
  uint64_t U64() {
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) {
      v |= static_cast<uint64_t>(static_cast<uint8_t>(bytes_[pos_ + i])) << (8 * i);
    }
    pos_ += 8;
    return v;
  }
  // REQUIRES: remaining() >= n.
  std::string_view Bytes(size_t n) {
    std::string_view v = bytes_.substr(pos_, n);
    pos_ += n;
    return v;
  }
  // MySQL's serialization-library variable-length unsigned integer: the number of trailing
  // one bits of the first byte, plus one, is the total length in bytes (1..9); the value
  // follows the terminating zero bit, little-endian. False if truncated.
  bool Varlen(uint64_t* out) {
    if (remaining() == 0) return false;
    uint8_t first = static_cast<uint8_t>(bytes_[pos_]);
    size_t n = static_cast<size_t>(std::countr_one(first)) + 1;
    if (n > remaining()) return false;
    uint64_t rest = 0;
    for (size_t i = 1; i < n; ++i) {
      rest |= static_cast<uint64_t>(static_cast<uint8_t>(bytes_[pos_ + i])) << (8 * (i - 1));
    }
    uint64_t head = n >= 8 ? 0 : static_cast<uint64_t>(first >> n);
    *out = n == 9 ? rest : head | (rest << (8 - n));
    pos_ += n;
    return true;
  }

 private:
  std::string_view bytes_;
  size_t pos_ = 0;
};

Status Corrupt(const std::string& what) {
  return Status::Corruption("malformed MySQL GTID set encoding: " + what);
}

}  // namespace

// ---- Uuid ----

Result<Uuid> Uuid::Parse(std::string_view text) {
  Uuid uuid;
  size_t out = 0;
  bool ok = true;
  if (text.size() == 36) {
    for (size_t i = 0; i < 36 && ok; ++i) {
      if (i == 8 || i == 13 || i == 18 || i == 23) {
        ok = text[i] == '-';
        continue;
      }
      int hi = HexValue(text[i]);
      int lo = HexValue(text[i + 1]);
      ok = hi >= 0 && lo >= 0;
      if (ok) uuid.bytes[out++] = static_cast<uint8_t>(hi << 4 | lo);
      ++i;
    }
  } else if (text.size() == 32) {
    for (size_t i = 0; i < 32 && ok; i += 2) {
      int hi = HexValue(text[i]);
      int lo = HexValue(text[i + 1]);
      ok = hi >= 0 && lo >= 0;
      if (ok) uuid.bytes[out++] = static_cast<uint8_t>(hi << 4 | lo);
    }
  } else {
    ok = false;
  }
  if (!ok || out != 16) {
    return Status::InvalidArgument("invalid UUID " + QuoteInput(text) + ": " + std::string(kUuidForm));
  }
  return uuid;
}

std::string Uuid::ToString() const {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (size_t i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    out += kHex[bytes[i] >> 4];
    out += kHex[bytes[i] & 0xf];
  }
  return out;
}

bool Uuid::IsNil() const {
  return std::all_of(bytes.begin(), bytes.end(), [](uint8_t b) { return b == 0; });
}

// ---- tags ----

Status ValidateTag(std::string_view tag) {
  if (tag.empty()) return Status::OK();
  bool ok = tag.size() <= kMaxTagLength && (IsAlpha(tag[0]) || tag[0] == '_') &&
            std::all_of(tag.begin(), tag.end(), IsTagChar);
  if (ok) return Status::OK();
  return Status::InvalidArgument("invalid GTID tag " + QuoteInput(tag) + ": " + std::string(kTagForm));
}

std::string NormalizeTag(std::string_view tag) {
  std::string out(tag);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// ---- MysqlGtid ----

Result<MysqlGtid> MysqlGtid::Parse(std::string_view text) {
  auto error = [&](const std::string& reason) {
    return Status::InvalidArgument("invalid MySQL GTID " + QuoteInput(text) + ": " + reason + "; " +
                                   std::string(kGtidForm));
  };
  std::vector<std::string_view> parts;
  std::string_view rest = text;
  while (true) {
    size_t colon = rest.find(':');
    parts.push_back(TrimSpace(rest.substr(0, colon)));
    if (colon == std::string_view::npos) break;
    rest.remove_prefix(colon + 1);
  }
  if (parts.size() != 2 && parts.size() != 3) {
    return error("expected 2 or 3 ':'-separated parts, got " + std::to_string(parts.size()));
  }
  MysqlGtid gtid;
  Result<Uuid> uuid = Uuid::Parse(parts[0]);
  if (!uuid.ok()) return error("bad uuid " + QuoteInput(parts[0]) + ": " + std::string(kUuidForm));
  gtid.sid = *uuid;
  if (parts.size() == 3) {
    if (parts[1].empty() || !ValidateTag(parts[1]).ok()) {
      return error("bad tag " + QuoteInput(parts[1]) + ": " + std::string(kTagForm));
    }
    gtid.tag = NormalizeTag(parts[1]);
  }
  std::string_view gno = parts.back();
  if (gno.empty() || !std::all_of(gno.begin(), gno.end(), IsDigit)) {
    return error("gno " + QuoteInput(gno) + " is not a decimal number");
  }
  std::string problem = GnoProblem(gno, &gtid.gno);
  if (!problem.empty()) return error(problem);
  if (gtid.gno < 1) return error("gno must be >= 1");
  return gtid;
}

std::string MysqlGtid::ToString() const {
  std::string out = sid.ToString();
  if (!tag.empty()) {
    out += ':';
    out += tag;
  }
  out += ':';
  out += std::to_string(gno);
  return out;
}

// ---- MysqlGtidSet ----

Result<MysqlGtidSet> MysqlGtidSet::Parse(std::string_view text) {
  MysqlGtidSet set;
  SetParser parser(text);
  DM_RETURN_IF_ERROR(parser.Run(&set));
  return set;
}

Status MysqlGtidSet::Add(const MysqlGtid& gtid) {
  if (gtid.gno < 1 || gtid.gno > kMaxGno) {
    return Status::InvalidArgument("cannot add GTID " + QuoteInput(gtid.ToString()) +
                                   ": gno must be in [1, " + std::to_string(kMaxGno) + "]");
  }
  DM_RETURN_IF_ERROR(ValidateTag(gtid.tag));
  AddValid(Tsid{gtid.sid, NormalizeTag(gtid.tag)}, gtid.gno, gtid.gno);
  return Status::OK();
}

Status MysqlGtidSet::AddInterval(const Uuid& sid, std::string_view tag, int64_t start,
                                 int64_t end) {
  if (start < 1 || end > kMaxGno || end < start) {
    return Status::InvalidArgument("cannot add interval [" + std::to_string(start) + ", " +
                                   std::to_string(end) + "] for " + sid.ToString() +
                                   ": need 1 <= start <= end <= " + std::to_string(kMaxGno));
  }
  DM_RETURN_IF_ERROR(ValidateTag(tag));
  AddValid(Tsid{sid, NormalizeTag(tag)}, start, end);
  return Status::OK();
}

void MysqlGtidSet::AddValid(const Tsid& tsid, int64_t start, int64_t end) {
  Intervals& v = entries_[tsid];
  // First interval that overlaps or touches [start, end] from the left.
  auto it = std::lower_bound(v.begin(), v.end(), start,
                             [](const GtidInterval& iv, int64_t s) { return iv.end + 1 < s; });
  auto jt = it;
  while (jt != v.end() && jt->start <= end + 1) {
    start = std::min(start, jt->start);
    end = std::max(end, jt->end);
    ++jt;
  }
  it = v.erase(it, jt);
  v.insert(it, GtidInterval{start, end});
}

void MysqlGtidSet::Union(const MysqlGtidSet& other) {
  if (this == &other) return;
  for (const auto& [tsid, intervals] : other.entries_) {
    auto it = entries_.find(tsid);
    if (it == entries_.end()) {
      entries_.emplace(tsid, intervals);
    } else {
      it->second = MergeIntervals(it->second, intervals);
    }
  }
}

MysqlGtidSet MysqlGtidSet::Subtract(const MysqlGtidSet& other) const {
  MysqlGtidSet out;
  for (const auto& [tsid, intervals] : entries_) {
    auto it = other.entries_.find(tsid);
    if (it == other.entries_.end()) {
      out.entries_.emplace(tsid, intervals);
      continue;
    }
    Intervals rest = SubtractIntervals(intervals, it->second);
    if (!rest.empty()) out.entries_.emplace(tsid, std::move(rest));
  }
  return out;
}

bool MysqlGtidSet::Contains(const MysqlGtid& gtid) const {
  const Intervals* intervals = Find(gtid.sid, gtid.tag);
  return intervals != nullptr && CoversInterval(*intervals, gtid.gno, gtid.gno);
}

bool MysqlGtidSet::Contains(const MysqlGtidSet& other) const {
  for (const auto& [tsid, intervals] : other.entries_) {
    auto it = entries_.find(tsid);
    if (it == entries_.end() || !CoversAll(it->second, intervals)) return false;
  }
  return true;
}

bool MysqlGtidSet::HasTags() const {
  return std::any_of(entries_.begin(), entries_.end(),
                     [](const auto& e) { return !e.first.tag.empty(); });
}

uint64_t MysqlGtidSet::GtidCount() const {
  uint64_t total = 0;
  for (const auto& [tsid, intervals] : entries_) {
    for (const GtidInterval& iv : intervals) {
      uint64_t n = static_cast<uint64_t>(iv.end - iv.start) + 1;
      if (total > UINT64_MAX - n) return UINT64_MAX;
      total += n;
    }
  }
  return total;
}

const MysqlGtidSet::Intervals* MysqlGtidSet::Find(const Uuid& sid, std::string_view tag) const {
  auto it = entries_.find(Tsid{sid, NormalizeTag(tag)});
  return it == entries_.end() ? nullptr : &it->second;
}

std::string MysqlGtidSet::ToString() const {
  std::string out;
  const Uuid* last_uuid = nullptr;
  for (const auto& [tsid, intervals] : entries_) {
    if (last_uuid == nullptr || *last_uuid != tsid.uuid) {
      if (last_uuid != nullptr) out += ',';
      out += tsid.uuid.ToString();
      last_uuid = &tsid.uuid;
    }
    if (!tsid.tag.empty()) {
      out += ':';
      out += tsid.tag;
    }
    AppendIntervals(intervals, &out);
  }
  return out;
}

// ---- binary ----

std::string EncodeMysqlGtidSet(const MysqlGtidSet& set) {
  const bool tagged = set.HasTags();
  const uint64_t n_sids = set.entries().size();
  std::string out;
  PutU64(tagged ? (uint64_t{1} << 56) | (n_sids << 8) | 1 : n_sids, &out);
  for (const auto& [tsid, intervals] : set.entries()) {
    out.append(reinterpret_cast<const char*>(tsid.uuid.bytes.data()), tsid.uuid.bytes.size());
    if (tagged) {
      // A valid tag has at most 32 bytes, so its varlen length is a single byte.
      out.push_back(static_cast<char>(tsid.tag.size() << 1));
      out += tsid.tag;
    }
    PutU64(intervals.size(), &out);
    for (const GtidInterval& iv : intervals) {
      PutU64(static_cast<uint64_t>(iv.start), &out);
      PutU64(static_cast<uint64_t>(iv.end) + 1, &out);
    }
  }
  return out;
}

Result<MysqlGtidSet> DecodeMysqlGtidSetPrefix(std::string_view bytes, size_t* consumed) {
  Reader r(bytes);
  if (r.remaining() < 8) {
    return Corrupt("need 8 bytes for the sid count, got " + std::to_string(bytes.size()));
  }
  const uint64_t header = r.U64();
  const uint64_t format = header >> 56;
  bool tagged = false;
  uint64_t n_sids = 0;
  if (format == 0) {
    n_sids = header;
  } else if (format == 1) {
    tagged = true;
    n_sids = (header >> 8) & ((uint64_t{1} << 48) - 1);
  } else {
    return Status::NotSupported(
        "MySQL GTID set encoding has unknown format version " + std::to_string(format) +
        " in the top byte of its first 8 bytes; known: 0 (untagged), 1 (tagged, MySQL 8.3+)");
  }
  // uuid + n_intervals, plus at least one tag-length byte when tagged.
  const size_t min_entry = tagged ? 25 : 24;
  if (n_sids > r.remaining() / min_entry) {
    return Corrupt("header claims " + std::to_string(n_sids) + " sids but only " +
                   std::to_string(r.remaining()) + " bytes follow (each sid needs at least " +
                   std::to_string(min_entry) + ")");
  }
  MysqlGtidSet set;
  for (uint64_t k = 0; k < n_sids; ++k) {
    const size_t entry_offset = r.pos();
    auto where = [&] {
      return "sid #" + std::to_string(k) + " at offset " + std::to_string(entry_offset);
    };
    if (r.remaining() < 16) return Corrupt(where() + ": truncated uuid");
    Uuid uuid;
    std::string_view raw = r.Bytes(16);
    std::copy(raw.begin(), raw.end(), uuid.bytes.begin());
    std::string tag;
    if (tagged) {
      uint64_t tag_len = 0;
      if (!r.Varlen(&tag_len)) return Corrupt(where() + ": truncated tag length");
      if (tag_len > kMaxTagLength) {
        return Corrupt(where() + ": tag length " + std::to_string(tag_len) +
                       " exceeds the maximum 32");
      }
      if (r.remaining() < tag_len) return Corrupt(where() + ": truncated tag");
      std::string_view tag_bytes = r.Bytes(static_cast<size_t>(tag_len));
      if (!ValidateTag(tag_bytes).ok()) {
        std::string hex;
        for (char c : tag_bytes) {
          static constexpr char kHex[] = "0123456789abcdef";
          hex += kHex[static_cast<uint8_t>(c) >> 4];
          hex += kHex[static_cast<uint8_t>(c) & 0xf];
        }
        return Corrupt(where() + ": invalid tag bytes 0x" + hex + "; " + std::string(kTagForm));
      }
      tag = NormalizeTag(tag_bytes);
    }
    if (r.remaining() < 8) return Corrupt(where() + ": truncated interval count");
    const uint64_t n_intervals = r.U64();
    if (n_intervals > r.remaining() / 16) {
      return Corrupt(where() + ": claims " + std::to_string(n_intervals) + " intervals but only " +
                     std::to_string(r.remaining()) + " bytes follow (16 per interval)");
    }
    // Every interval read below is in bounds: n_intervals * 16 <= remaining() was checked.
    MysqlGtidSet entry;
    uint64_t last_end = 0;
    for (uint64_t i = 0; i < n_intervals; ++i) {
      const uint64_t start = r.U64();
      const uint64_t end = r.U64();  // exclusive
      auto iv = [&] {
        return "interval #" + std::to_string(i) + " [" + std::to_string(start) + ", " +
               std::to_string(end) + ")";
      };
      if (start < 1) return Corrupt(where() + ": " + iv() + " starts below 1");
      if (end <= start) return Corrupt(where() + ": " + iv() + " is empty or reversed");
      if (end > static_cast<uint64_t>(INT64_MAX)) {
        return Corrupt(where() + ": " + iv() + " ends beyond the maximum gno " +
                       std::to_string(kMaxGno));
      }
      if (start <= last_end) {
        return Corrupt(
            where() + ": " + iv() + " overlaps or touches the previous interval, which ends at " +
            std::to_string(last_end) + " (exclusive); intervals must be ascending and merged");
      }
      last_end = end;
      // Entries are validated above, so this cannot fail; AddInterval checks again anyway.
      Status st =
          entry.AddInterval(uuid, tag, static_cast<int64_t>(start), static_cast<int64_t>(end) - 1);
      if (!st.ok()) return Corrupt(where() + ": " + std::string(st.message()));
    }
    // The same TSID may legally appear twice; MySQL unions the entries.
    set.Union(entry);
  }
  *consumed = r.pos();
  return set;
}

Result<MysqlGtidSet> DecodeMysqlGtidSet(std::string_view bytes) {
  size_t consumed = 0;
  DM_ASSIGN_OR_RETURN(MysqlGtidSet set, DecodeMysqlGtidSetPrefix(bytes, &consumed));
  if (consumed != bytes.size()) {
    return Corrupt(std::to_string(bytes.size() - consumed) + " trailing bytes after offset " +
                   std::to_string(consumed) + " (the set ends there)");
  }
  return set;
}

}  // namespace dm::gtid
