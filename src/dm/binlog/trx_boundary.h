#pragma once
// TrxBoundaryTracker: follows BEGIN/GTID ... XID/COMMIT and standalone statements so a
// reader knows where it may safely stop and later resume (never inside a transaction).
//
//   MySQL  : GTID -> QUERY BEGIN -> (TABLE_MAP, ROWS)* -> XID | QUERY COMMIT
//            GTID -> QUERY <DDL>                         (standalone)
//   MariaDB: GTID (acts as BEGIN) -> ... -> XID | QUERY COMMIT
//            GTID with FL_STANDALONE -> QUERY <DDL>
//   Old servers without GTIDs: QUERY BEGIN ... XID/COMMIT; a DDL QUERY alone.
//
// Not thread-safe; one per stream.

#include <optional>
#include <string>

#include "dm/binlog/events.h"

namespace dm::binlog {

class TrxBoundaryTracker {
 public:
  // Feeds the next event. Returns true if after it the stream is at a transaction
  // boundary (outside any transaction).
  bool Feed(const Event& e);

  bool at_boundary() const { return !in_trx_ && !gtid_pending_; }
  // True if the last fed event completed a transaction or a standalone statement.
  bool committed() const { return committed_; }
  // The GTID of the transaction that the last event completed, if one was announced.
  const std::optional<gtid::MariaGtid>& committed_maria_gtid() const { return maria_done_; }
  const std::optional<gtid::MysqlGtid>& committed_mysql_gtid() const { return mysql_done_; }

  void Reset() {  // member by member: assigning a temporary trips GCC's maybe-uninitialized
    in_trx_ = gtid_pending_ = standalone_ = committed_ = false;
    maria_pending_.reset();
    maria_done_.reset();
    mysql_pending_.reset();
    mysql_done_.reset();
  }

 private:
  void Commit();

  bool in_trx_ = false;
  bool gtid_pending_ = false;  // GTID seen, its BEGIN/statement not yet
  bool standalone_ = false;    // MariaDB FL_STANDALONE
  bool committed_ = false;
  std::optional<gtid::MariaGtid> maria_pending_, maria_done_;
  std::optional<gtid::MysqlGtid> mysql_pending_, mysql_done_;
};

// True for "BEGIN", "COMMIT", ... ignoring case and surrounding whitespace.
bool QueryIs(std::string_view query, std::string_view keyword);

}  // namespace dm::binlog
