#include "dm/binlog/trx_boundary.h"

#include <cctype>

namespace dm::binlog {

bool QueryIs(std::string_view q, std::string_view keyword) {
  while (!q.empty() && std::isspace(static_cast<unsigned char>(q.front()))) q.remove_prefix(1);
  while (!q.empty() && (std::isspace(static_cast<unsigned char>(q.back())) || q.back() == ';')) {
    q.remove_suffix(1);
  }
  if (q.size() != keyword.size()) return false;
  for (size_t i = 0; i < q.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(q[i])) != keyword[i]) return false;
  }
  return true;
}

namespace {
bool StartsWithWord(std::string_view q, std::string_view word) {
  while (!q.empty() && std::isspace(static_cast<unsigned char>(q.front()))) q.remove_prefix(1);
  if (q.size() < word.size()) return false;
  for (size_t i = 0; i < word.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(q[i])) != word[i]) return false;
  }
  return q.size() == word.size() || !std::isalnum(static_cast<unsigned char>(q[word.size()]));
}
}  // namespace

void TrxBoundaryTracker::Commit() {
  in_trx_ = false;
  gtid_pending_ = false;
  standalone_ = false;
  committed_ = true;
  maria_done_ = maria_pending_;
  mysql_done_ = mysql_pending_;
  maria_pending_.reset();
  mysql_pending_.reset();
}

bool TrxBoundaryTracker::Feed(const Event& e) {
  committed_ = false;
  switch (e.header.type) {
    case EventType::kMariaGtid: {
      const auto& g = std::get<MariaGtidEvent>(e.body);
      maria_pending_ = g.gtid;
      mysql_pending_.reset();
      standalone_ = g.standalone();
      in_trx_ = !standalone_;
      gtid_pending_ = standalone_;
      break;
    }
    case EventType::kGtid:
    case EventType::kAnonymousGtid:
    case EventType::kGtidTagged: {
      const auto& g = std::get<MysqlGtidEvent>(e.body);
      if (!g.anonymous) mysql_pending_ = gtid::MysqlGtid{g.sid, g.tag, g.gno};
      else mysql_pending_.reset();
      maria_pending_.reset();
      gtid_pending_ = true;
      break;
    }
    case EventType::kQuery:
    case EventType::kMariaQueryCompressed: {
      std::string_view q = std::get<QueryEvent>(e.body).query;
      if (QueryIs(q, "BEGIN") || StartsWithWord(q, "XA START") || QueryIs(q, "START TRANSACTION")) {
        in_trx_ = true;
        gtid_pending_ = false;
      } else if (QueryIs(q, "COMMIT") || QueryIs(q, "ROLLBACK") || StartsWithWord(q, "XA PREPARE")) {
        Commit();
      } else if (!in_trx_) {
        Commit();  // a standalone statement (DDL, XA COMMIT, ...)
      }
      break;
    }
    case EventType::kXid:
    case EventType::kXaPrepare:
      Commit();
      break;
    default:
      break;
  }
  return at_boundary();
}

}  // namespace dm::binlog
