#pragma once
// Helpers for the sync unit's integration tests: two real MariaDB servers (upstream with
// binlog, downstream), configs written as YAML the way a user writes them, table
// comparison by CHECKSUM TABLE and by sorted rows.

#include <algorithm>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "dm/spec/spec.h"
#include "dm/sync/sync.h"
#include "dm/testing/gtest_skip.h"

namespace dm::synctest {

inline std::string SourceYaml(uint16_t port, bool gtid, std::string extra = "") {
  return "source-id: mysql-01\nenable-gtid: " + std::string(gtid ? "true" : "false") +
         "\nfrom:\n  host: 127.0.0.1\n  port: " + std::to_string(port) +
         "\n  user: root\n  password: \"\"\n" + extra;
}

// A task with one instance. `instance` is indented YAML for the instance entry (meta,
// rule names), `global` top-level YAML (rules, syncers).
inline std::string TaskYaml(uint16_t down_port, const std::string& instance,
                            const std::string& global, const std::string& mode = "incremental",
                            const std::string& name = "t1") {
  return "name: " + name + "\ntask-mode: " + mode +
         "\ntarget-database:\n  host: 127.0.0.1\n  port: " + std::to_string(down_port) +
         "\n  user: root\n  password: \"\"\nmysql-instances:\n  - source-id: mysql-01\n" +
         instance + global;
}

// The instance entry of a task (for TaskYaml) that starts at the GTID set `gtid` with the
// syncer config named `global`; `more` adds indented lines to the entry (rule names).
inline std::string FromGtid(const std::string& gtid, const std::string& more = "") {
  return "    meta:\n      binlog-gtid: \"" + gtid + "\"\n    syncer-config-name: global\n" + more;
}

// Runs a sync unit's Process() on its own thread.
class RunningSync {
 public:
  static Result<std::unique_ptr<RunningSync>> Start(const std::string& source_yaml,
                                                    const std::string& task_yaml) {
    DM_ASSIGN_OR_RETURN(auto ctx, spec::BuildUnitContext(source_yaml, task_yaml));
    DM_ASSIGN_OR_RETURN(auto unit, sync::NewSyncUnit(ctx));
    DM_RETURN_IF_ERROR(unit->Init());
    auto r = std::unique_ptr<RunningSync>(new RunningSync());
    r->unit_ = std::move(unit);
    r->thread_ = std::jthread([p = r.get()](std::stop_token st) {
      dm::Status s = p->unit_->Process(st);
      std::lock_guard l(p->mu_);
      p->result_ = s;
      p->done_ = true;
    });
    return r;
  }
  ~RunningSync() { (void)Stop(); }

  // Stops (as pause does) and returns what Process() returned.
  dm::Status Stop() {
    if (thread_.joinable()) {
      thread_.request_stop();
      thread_.join();
      unit_->Close();
    }
    std::lock_guard l(mu_);
    return result_;
  }
  bool done() {
    std::lock_guard l(mu_);
    return done_;
  }
  dm::Status result() {
    std::lock_guard l(mu_);
    return result_;
  }
  nlohmann::json StatusJson() const {
    nlohmann::json j;
    unit_->StatusJson(&j);
    return j;
  }

 private:
  RunningSync() = default;
  std::unique_ptr<unit::Unit> unit_;
  std::jthread thread_;
  std::mutex mu_;
  dm::Status result_;
  bool done_ = false;
};

inline std::string QueryOne(mysql::Connection& c, const std::string& sql) {
  auto r = c.Query(sql);
  if (!r.ok()) return "ERROR: " + r.status().ToString();
  if (r->rows.empty()) return "<no rows>";
  std::string out;
  for (auto& v : r->rows[0]) out += (v ? *v : "NULL") + "|";
  return out;
}

// Every row, each as "v1|v2|...", sorted (so tables compare as multisets).
inline std::vector<std::string> SortedRows(mysql::Connection& c, const std::string& table) {
  std::vector<std::string> out;
  auto r = c.Query("SELECT * FROM " + table);
  if (!r.ok()) return {"ERROR: " + r.status().ToString()};
  for (auto& row : r->rows) {
    std::string s;
    for (auto& v : row) s += (v ? "'" + *v + "'" : "NULL") + "|";
    out.push_back(std::move(s));
  }
  std::sort(out.begin(), out.end());
  return out;
}

inline std::string Checksum(mysql::Connection& c, const std::string& table) {
  auto r = c.Query("CHECKSUM TABLE " + table + " EXTENDED");
  if (!r.ok()) return "ERROR: " + r.status().ToString();
  if (r->rows.empty() || r->rows[0].size() < 2) return "<none>";
  return r->rows[0][1].value_or("NULL");
}

// Waits until every table has the same CHECKSUM TABLE on both servers. Returns the
// tables that still differ (empty = converged).
inline std::vector<std::string> WaitSameChecksums(mysql::Connection& up, mysql::Connection& down,
                                                  const std::vector<std::string>& tables,
                                                  std::chrono::seconds timeout,
                                                  RunningSync* sync = nullptr) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::vector<std::string> diff;
  while (true) {
    diff.clear();
    for (const auto& t : tables) {
      if (Checksum(up, t) != Checksum(down, t)) diff.push_back(t);
    }
    if (diff.empty() || std::chrono::steady_clock::now() > deadline) return diff;
    if (sync && sync->done()) return diff;  // it stopped: no point waiting
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
  }
}

// Tables of `schema` (base tables only).
inline std::vector<std::string> TablesOf(mysql::Connection& c, const std::string& schema) {
  std::vector<std::string> out;
  auto r = c.Query("SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = '" +
                   c.Escape(schema) + "' AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME");
  if (!r.ok()) return out;
  for (auto& row : r->rows) out.push_back(mysql::QuoteTable(schema, row[0].value_or("")));
  return out;
}

// Two throwaway MariaDB servers named `<prefix>-up` (binlog, GTID) and `<prefix>-down`,
// a connection to each, and a first upstream transaction so there is a GTID to start from.
class TwoServers : public ::testing::Test {
 protected:
  explicit TwoServers(std::string prefix) : prefix_(std::move(prefix)) {}

  void SetUp() override {
    DM_REQUIRE_MARIADB();
    testing::MariaDbOptions o;
    o.name = prefix_ + "-up";
    auto u = testing::MariaDbServer::Start(o);
    DM_ASSERT_OK(u);
    up_ = std::move(u).value();
    o.name = prefix_ + "-down";
    o.extra_args = down_args_;
    auto d = testing::MariaDbServer::Start(o);
    DM_ASSERT_OK(d);
    down_ = std::move(d).value();
    auto uc = up_->Connect();
    DM_ASSERT_OK(uc);
    upc_ = std::move(uc).value();
    auto dc = down_->Connect();
    DM_ASSERT_OK(dc);
    downc_ = std::move(dc).value();
    Up("CREATE DATABASE init_marker");  // a non-empty GTID position to start from
  }

  void Up(const std::string& sql) {
    Status s = upc_->Execute(sql);
    ASSERT_TRUE(s.ok()) << sql << ": " << s.ToString();
  }
  void Down(const std::string& sql) {
    Status s = downc_->Execute(sql);
    ASSERT_TRUE(s.ok()) << sql << ": " << s.ToString();
  }
  std::string GtidPos() {
    auto v = upc_->QueryValue("SELECT @@gtid_binlog_pos");
    return v.ok() && v->has_value() ? **v : "";
  }

  std::string prefix_;
  std::vector<std::string> down_args_;  // extra mariadbd options of the downstream
  std::unique_ptr<testing::MariaDbServer> up_, down_;
  std::unique_ptr<mysql::Connection> upc_, downc_;
};

}  // namespace dm::synctest
