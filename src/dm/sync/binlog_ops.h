#pragma once
// BinlogOperations: the operator's pending `dmctl binlog skip|replace` operations of one
// sync unit, keyed by the binlog position where the event STARTS (the position query-status
// reports for a paused DDL, e.g. "mysql-bin.000001:1234").
//
// The reader consults it for every QUERY event (DDL) it meets: a matching operation
// replaces the normal handling (skip: nothing runs downstream and the schema tracker keeps
// the structure as before the event; replace: the given statements run instead, through
// the task's filters/routes and the tracker). The operation is removed only after the
// dispatcher has run its effect and the checkpoint was saved past the event; if that fails
// it stays pending. Operations live in memory, as in DM: a worker restart (or failover)
// before the event is reached forgets them (the task then pauses at the event again and
// the operator repeats the command).
//
// Thread-safety: every method is thread-safe.

#include <map>
#include <mutex>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dm/base/result.h"
#include "dm/gtid/location.h"

namespace dm::sync {

struct BinlogOperation {
  enum class Kind { kSkip, kReplace };
  Kind kind = Kind::kSkip;
  gtid::BinlogPosition pos;       // start of the event
  std::vector<std::string> sqls;  // kReplace: the statements to run instead

  // {"op":"skip"|"replace","binlogPos":"file:pos","sqls":[...]}
  nlohmann::json ToJson() const;
};

// Parses a -b/--binlog-pos value: "mysql-bin.000003:3270", or DM's relay spelling
// "mysql-bin|000001.000003:3270" (the relay sub-directory suffix is dropped). Errors are
// kInvalidArgument saying what form is expected.
Result<gtid::BinlogPosition> ParseBinlogPos(std::string_view text);

// Splits the statements of `binlog replace` (each argument may hold several statements
// separated by ';'); every one must parse as a DDL (kInvalidArgument naming it otherwise).
Result<std::vector<std::string>> ParseReplaceStatements(const std::vector<std::string>& args);

class BinlogOperations {
 public:
  // kAlreadyExists if an operation is pending at that position (revert it first).
  Status Add(BinlogOperation op);
  // kNotFound if none is pending there.
  Status Revert(const gtid::BinlogPosition& pos);
  std::optional<BinlogOperation> Find(const gtid::BinlogPosition& pos) const;
  // After the operation's effect and the checkpoint past it are saved.
  void Done(const gtid::BinlogPosition& pos);
  std::vector<BinlogOperation> List() const;  // in position order

 private:
  mutable std::mutex mu_;
  std::map<gtid::BinlogPosition, BinlogOperation> ops_;  // guarded by mu_
};

}  // namespace dm::sync
