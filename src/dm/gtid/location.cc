#include "dm/gtid/location.h"

#include "dm/base/text.h"

#include <algorithm>

namespace dm::gtid {

namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

struct SplitName {
  std::string_view base;
  std::string_view number;  // digits without leading zeros ("" for zero)
  bool has_number = false;
};

SplitName Split(std::string_view name) {
  SplitName s{name, {}, false};
  size_t dot = name.rfind('.');
  if (dot == std::string_view::npos) return s;
  std::string_view suffix = name.substr(dot + 1);
  if (suffix.empty() || !std::all_of(suffix.begin(), suffix.end(), IsDigit)) return s;
  s.base = name.substr(0, dot);
  size_t nz = suffix.find_first_not_of('0');
  s.number = nz == std::string_view::npos ? std::string_view() : suffix.substr(nz);
  s.has_number = true;
  return s;
}

int Sign(int v) { return (v > 0) - (v < 0); }

}  // namespace

int CompareBinlogFileName(std::string_view a, std::string_view b) {
  if (a == b) return 0;
  SplitName x = Split(a), y = Split(b);
  if (int c = x.base.compare(y.base); c != 0) return Sign(c);
  if (x.has_number != y.has_number) return x.has_number ? 1 : -1;
  if (x.number.size() != y.number.size()) return x.number.size() < y.number.size() ? -1 : 1;
  if (int c = x.number.compare(y.number); c != 0) return Sign(c);
  return Sign(a.compare(b));
}

std::strong_ordering operator<=>(const BinlogPosition& a, const BinlogPosition& b) {
  int c = CompareBinlogFileName(a.file, b.file);
  if (c != 0) return c < 0 ? std::strong_ordering::less : std::strong_ordering::greater;
  return a.pos <=> b.pos;
}

Result<BinlogPosition> BinlogPosition::Parse(std::string_view text) {
  auto error = [&](const std::string& reason) {
    return Status::InvalidArgument("invalid binlog position " + QuoteInput(text) + ": " + reason +
                                   "; expected form file:pos like mysql-bin.000001:4");
  };
  size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) return error("missing ':' between file and pos");
  std::string_view file = text.substr(0, colon);
  std::string_view digits = text.substr(colon + 1);
  if (file.empty()) return error("file name is empty");
  if (digits.empty()) return error("pos is empty");
  uint64_t pos = 0;
  for (char c : digits) {
    if (!IsDigit(c)) return error("pos " + QuoteInput(digits) + " is not a decimal number");
    uint64_t d = static_cast<uint64_t>(c - '0');
    if (pos > (UINT64_MAX - d) / 10) return error("pos " + std::string(digits) + " overflows");
    pos = pos * 10 + d;
  }
  return BinlogPosition{std::string(file), pos};
}

std::string BinlogPosition::ToString() const { return file + ":" + std::to_string(pos); }

std::string_view FlavorName(Flavor flavor) {
  switch (flavor) {
    case Flavor::kMySQL:
      return "mysql";
    case Flavor::kMariaDB:
      return "mariadb";
  }
  return "unknown";
}

Result<Flavor> ParseFlavor(std::string_view text) {
  std::string lower(text);
  for (char& c : lower) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  if (lower == "mysql") return Flavor::kMySQL;
  if (lower == "mariadb") return Flavor::kMariaDB;
  return Status::InvalidArgument("invalid flavor " + QuoteInput(text) +
                                 ": expected 'mysql' or 'mariadb'");
}

GtidSet::GtidSet(Flavor flavor) {
  if (flavor == Flavor::kMariaDB) set_ = MariaGtidList();
}

Result<GtidSet> GtidSet::Parse(Flavor flavor, std::string_view text) {
  if (flavor == Flavor::kMariaDB) {
    DM_ASSIGN_OR_RETURN(MariaGtidList list, MariaGtidList::Parse(text));
    return GtidSet(std::move(list));
  }
  DM_ASSIGN_OR_RETURN(MysqlGtidSet set, MysqlGtidSet::Parse(text));
  return GtidSet(std::move(set));
}

Flavor GtidSet::flavor() const {
  return std::holds_alternative<MariaGtidList>(set_) ? Flavor::kMariaDB : Flavor::kMySQL;
}

bool GtidSet::IsEmpty() const {
  return std::visit([](const auto& s) { return s.empty(); }, set_);
}

bool GtidSet::Contains(const GtidSet& other) const {
  if (other.IsEmpty()) return true;
  if (const auto* a = mysql()) {
    const auto* b = other.mysql();
    return b != nullptr && a->Contains(*b);
  }
  const auto* b = other.mariadb();
  return b != nullptr && mariadb()->Contains(*b);
}

Status GtidSet::Union(const GtidSet& other) {
  if (other.IsEmpty()) return Status::OK();
  if (flavor() != other.flavor()) {
    return Status::InvalidArgument("cannot union a " + std::string(FlavorName(other.flavor())) +
                                   " GTID set " + QuoteInput(other.ToString()) + " into a " +
                                   std::string(FlavorName(flavor())) + " GTID set " +
                                   QuoteInput(ToString()) + ": flavors must match");
  }
  if (auto* a = mutable_mysql()) {
    a->Union(*other.mysql());
  } else {
    mutable_mariadb()->Union(*other.mariadb());
  }
  return Status::OK();
}

std::string GtidSet::ToString() const {
  return std::visit([](const auto& s) { return s.ToString(); }, set_);
}

std::string Location::ToString() const {
  return "position: (" + position.file + ", " + std::to_string(position.pos) +
         "), gtid-set: " + gtid_set.ToString();
}

}  // namespace dm::gtid
