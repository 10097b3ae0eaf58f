#include "dm/gtid/mariadb_gtid.h"

#include "dm/base/text.h"

#include <limits>
#include <vector>

namespace dm::gtid {

namespace {

constexpr std::string_view kGtidForm =
    "expected form domain-server_id-seq like 0-1-100 (domain and server_id fit in 32 bits, "
    "seq in 64 bits)";
constexpr std::string_view kListForm = "expected form 0-1-100,1-2-7 (one GTID per domain)";

// Parses a non-empty run of decimal digits no larger than `max`. On failure returns a reason.
std::string ParseNumber(std::string_view digits, uint64_t max, std::string_view name,
                        uint64_t* out) {
  if (digits.empty()) return std::string(name) + " is empty";
  uint64_t value = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') {
      return std::string(name) + " " + QuoteInput(digits) + " is not a decimal number";
    }
    uint64_t d = static_cast<uint64_t>(c - '0');
    if (value > (max - d) / 10) {
      return std::string(name) + " " + std::string(digits) + " exceeds the maximum " +
             std::to_string(max);
    }
    value = value * 10 + d;
  }
  *out = value;
  return "";
}

}  // namespace

namespace {

// Parses one GTID; on failure returns why (without quoting the whole input).
std::string ParseGtid(std::string_view text, MariaGtid* out) {
  std::string_view t = TrimSpace(text);
  size_t d1 = t.find('-');
  size_t d2 = d1 == std::string_view::npos ? d1 : t.find('-', d1 + 1);
  if (d2 == std::string_view::npos) return "expected three '-'-separated numbers";
  uint64_t domain = 0, server_id = 0, seq = 0;
  std::string problem =
      ParseNumber(t.substr(0, d1), std::numeric_limits<uint32_t>::max(), "domain", &domain);
  if (problem.empty()) {
    problem = ParseNumber(t.substr(d1 + 1, d2 - d1 - 1), std::numeric_limits<uint32_t>::max(),
                          "server_id", &server_id);
  }
  if (problem.empty()) {
    problem = ParseNumber(t.substr(d2 + 1), std::numeric_limits<uint64_t>::max(), "seq", &seq);
  }
  if (problem.empty()) {
    *out = MariaGtid{static_cast<uint32_t>(domain), static_cast<uint32_t>(server_id), seq};
  }
  return problem;
}

}  // namespace

Result<MariaGtid> MariaGtid::Parse(std::string_view text) {
  MariaGtid gtid;
  std::string problem = ParseGtid(text, &gtid);
  if (!problem.empty()) {
    return Status::InvalidArgument("invalid MariaDB GTID " + QuoteInput(text) + ": " + problem + "; " +
                                   std::string(kGtidForm));
  }
  return gtid;
}

std::string MariaGtid::ToString() const {
  return std::to_string(domain) + "-" + std::to_string(server_id) + "-" + std::to_string(seq);
}

Result<MariaGtidList> MariaGtidList::Parse(std::string_view text) {
  MariaGtidList list;
  if (TrimSpace(text).empty()) return list;
  auto error = [&](const std::string& reason) {
    return Status::InvalidArgument("invalid MariaDB GTID list " + QuoteInput(text) + ": " + reason +
                                   "; " + std::string(kListForm));
  };
  std::string_view rest = text;
  size_t index = 0;
  while (true) {
    size_t comma = rest.find(',');
    std::string_view item = TrimSpace(rest.substr(0, comma));
    if (item.empty()) return error("element #" + std::to_string(index) + " is empty");
    MariaGtid gtid;
    std::string problem = ParseGtid(item, &gtid);
    if (!problem.empty()) {
      return error("element " + QuoteInput(item) + ": " + problem + " (" + std::string(kGtidForm) + ")");
    }
    auto [it, inserted] = list.entries_.emplace(gtid.domain, gtid);
    if (!inserted) {
      return error("domain " + std::to_string(gtid.domain) + " appears twice (" +
                   it->second.ToString() + " and " + gtid.ToString() + ")");
    }
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
    ++index;
  }
  return list;
}

void MariaGtidList::Update(const MariaGtid& gtid) { entries_[gtid.domain] = gtid; }

void MariaGtidList::Union(const MariaGtidList& other) {
  for (const auto& [domain, gtid] : other.entries_) {
    auto it = entries_.find(domain);
    if (it == entries_.end()) {
      entries_.emplace(domain, gtid);
    } else if (gtid.seq > it->second.seq) {
      it->second = gtid;
    }
  }
}

bool MariaGtidList::Contains(const MariaGtid& gtid) const {
  const MariaGtid* ours = Get(gtid.domain);
  return ours != nullptr && gtid.seq <= ours->seq;
}

bool MariaGtidList::Contains(const MariaGtidList& other) const {
  for (const auto& [domain, gtid] : other.entries_) {
    if (!Contains(gtid)) return false;
  }
  return true;
}

MariaGtidList MariaGtidList::Subtract(const MariaGtidList& other) const {
  MariaGtidList out;
  for (const auto& [domain, gtid] : entries_) {
    if (!other.Contains(gtid)) out.entries_.emplace(domain, gtid);
  }
  return out;
}

const MariaGtid* MariaGtidList::Get(uint32_t domain) const {
  auto it = entries_.find(domain);
  return it == entries_.end() ? nullptr : &it->second;
}

std::string MariaGtidList::ToString() const {
  std::string out;
  for (const auto& [domain, gtid] : entries_) {
    if (!out.empty()) out += ',';
    out += gtid.ToString();
  }
  return out;
}

}  // namespace dm::gtid
