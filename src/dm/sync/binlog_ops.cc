#include "dm/sync/binlog_ops.h"

#include <nlohmann/json.hpp>

#include "dm/ddl/parser.h"

namespace dm::sync {

nlohmann::json BinlogOperation::ToJson() const {
  return {{"op", kind == Kind::kSkip ? "skip" : "replace"},
          {"binlogPos", pos.ToString()},
          {"sqls", sqls}};
}

Result<gtid::BinlogPosition> ParseBinlogPos(std::string_view text) {
  std::string t(text);
  // DM's relay spelling: "<base>|<uuid suffix>.<seq>:pos" -> "<base>.<seq>:pos".
  if (size_t bar = t.find('|'); bar != std::string::npos) {
    size_t dot = t.find('.', bar);
    size_t colon = t.rfind(':');
    if (dot == std::string::npos || colon == std::string::npos || colon < dot) {
      return Status::InvalidArgument("binlog position '" + t +
                                     "' is not of the form mysql-bin|000001.000003:3270 "
                                     "or mysql-bin.000003:3270");
    }
    t = t.substr(0, bar) + t.substr(dot);
  }
  auto p = gtid::BinlogPosition::Parse(t);
  if (!p.ok() || p->file.empty() || p->pos == 0) {
    return Status::InvalidArgument("binlog position '" + std::string(text) +
                                   "' is not of the form mysql-bin.000003:3270 (the start "
                                   "position of the event, as query-status shows it)");
  }
  return p;
}

Result<std::vector<std::string>> ParseReplaceStatements(const std::vector<std::string>& args) {
  std::vector<std::string> out;
  for (const auto& a : args) {
    auto parts = ddl::SplitStatements(a);
    if (!parts.ok()) return parts.status().WithContext("binlog replace");
    for (auto& sql : *parts) {
      auto st = ddl::Parse(sql);
      if (!st.ok()) return st.status().WithContext("binlog replace statement");
      if (!st->IsTableDdl() || !st->HasAst() || !st->Replicable()) {
        return Status::InvalidArgument(
            "binlog replace statement '" + sql.substr(0, 200) + "' is a " +
            std::string(ddl::StatementKindName(st->kind)) +
            " statement; the replacement must be database or table DDL (CREATE/ALTER/DROP "
            "DATABASE|TABLE, RENAME/TRUNCATE TABLE, CREATE/DROP INDEX)");
      }
      out.push_back(std::move(sql));
    }
  }
  if (out.empty()) {
    return Status::InvalidArgument(
        "binlog replace needs the statements to run instead, e.g. "
        "binlog replace <task> \"ALTER TABLE `db`.`t` ADD COLUMN `c` INT;\"");
  }
  return out;
}

Status BinlogOperations::Add(BinlogOperation op) {
  std::lock_guard l(mu_);
  if (auto it = ops_.find(op.pos); it != ops_.end()) {
    return Status(
        Code::kAlreadyExists,
        "a binlog " +
            std::string(it->second.kind == BinlogOperation::Kind::kSkip ? "skip" : "replace") +
            " operation is already set at " + op.pos.ToString() +
            "; run `binlog revert` for that position first");
  }
  auto pos = op.pos;
  ops_.emplace(std::move(pos), std::move(op));
  return Status::OK();
}

Status BinlogOperations::Revert(const gtid::BinlogPosition& pos) {
  std::lock_guard l(mu_);
  if (ops_.erase(pos) == 0) {
    return Status::NotFound("no binlog operation is pending at " + pos.ToString() +
                            "; `binlog list` shows the pending ones");
  }
  return Status::OK();
}

std::optional<BinlogOperation> BinlogOperations::Find(const gtid::BinlogPosition& pos) const {
  std::lock_guard l(mu_);
  auto it = ops_.find(pos);
  if (it == ops_.end()) return std::nullopt;
  return it->second;
}

void BinlogOperations::Done(const gtid::BinlogPosition& pos) {
  std::lock_guard l(mu_);
  ops_.erase(pos);
}

std::vector<BinlogOperation> BinlogOperations::List() const {
  std::lock_guard l(mu_);
  std::vector<BinlogOperation> out;
  for (const auto& [k, v] : ops_) out.push_back(v);
  return out;
}

}  // namespace dm::sync
