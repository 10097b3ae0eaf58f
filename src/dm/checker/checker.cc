#include "dm/checker/checker.h"

#include <algorithm>
#include <charconv>
#include <nlohmann/json.hpp>

#include "dm/base/log.h"
#include "dm/base/text.h"

namespace dm::checker {

namespace {

using unit::TaskMode;

bool HasDump(TaskMode m) {
  return m == TaskMode::kAll || m == TaskMode::kFull || m == TaskMode::kDump;
}
bool HasLoad(TaskMode m) {
  return m == TaskMode::kAll || m == TaskMode::kFull || m == TaskMode::kLoad ||
         m == TaskMode::kLoadSync;
}
bool HasSync(TaskMode m) {
  return m == TaskMode::kAll || m == TaskMode::kIncremental || m == TaskMode::kLoadSync;
}

std::string Upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// Privileges granted ON *.* (global) and per schema, from SHOW GRANTS text. Only the
// privilege list between GRANT and ON is read; nothing else (password hashes) is kept.
struct Grants {
  std::set<std::string> global;
  std::map<std::string, std::set<std::string>> schema;
  bool Has(const std::string& priv, const std::string& db = "") const {
    if (global.count("ALL PRIVILEGES") || global.count(priv)) return true;
    if (db.empty()) return false;
    auto it = schema.find(db);
    return it != schema.end() && (it->second.count("ALL PRIVILEGES") || it->second.count(priv));
  }
};

Result<Grants> ReadGrants(mysql::Connection& c) {
  DM_ASSIGN_OR_RETURN(auto r, c.Query("SHOW GRANTS FOR CURRENT_USER()"));
  Grants g;
  for (const auto& row : r.rows) {
    if (row.empty() || !row[0]) continue;
    const std::string& line = *row[0];
    if (line.rfind("GRANT ", 0) != 0) continue;
    size_t on = line.find(" ON ");
    if (on == std::string::npos) continue;  // role grants
    std::string privs = line.substr(6, on - 6);
    size_t to = line.find(" TO ", on);
    std::string object = line.substr(on + 4, to == std::string::npos ? std::string::npos : to - on - 4);
    std::set<std::string>* target = nullptr;
    if (object == "*.*") {
      target = &g.global;
    } else if (object.size() > 2 && object.ends_with(".*")) {
      std::string db = object.substr(0, object.size() - 2);
      if (db.size() >= 2 && db.front() == '`' && db.back() == '`') db = db.substr(1, db.size() - 2);
      target = &g.schema[db];
    } else {
      continue;  // table-level grants are not needed by any item
    }
    size_t start = 0;
    while (start < privs.size()) {
      size_t comma = privs.find(',', start);
      std::string p(TrimSpace(privs.substr(start, comma - start)));
      if (size_t paren = p.find('('); paren != std::string::npos) p = std::string(TrimSpace(p.substr(0, paren)));
      target->insert(Upper(p));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  return g;
}

Result<std::string> Var(mysql::Connection& c, const std::string& expr) {
  DM_ASSIGN_OR_RETURN(auto v, c.QueryValue("SELECT " + expr));
  return v.value_or("");
}

// "10.11.6-MariaDB-log" -> {10, 11, 6}
std::array<int, 3> ParseVersion(std::string_view v) {
  std::array<int, 3> out{0, 0, 0};
  const char* p = v.data();
  const char* end = p + v.size();
  for (int i = 0; i < 3 && p < end; ++i) {
    auto r = std::from_chars(p, end, out[i]);
    p = r.ptr;
    if (p < end && *p == '.') ++p;
    else break;
  }
  return out;
}

class Runner {
 public:
  explicit Runner(const CheckOptions& o) : o_(o) {}

  CheckReport Run() {
    const TaskMode m = o_.mode;
    Connect(o_.upstream, "upstream", &up_);
    Connect(o_.downstream, "downstream", &down_);
    if (up_) {
      Item("version", "check whether the upstream version is supported", [&](ItemResult& r) {
        return CheckVersion(r);
      });
    }
    if (up_ && HasSync(m)) {
      Item("server_id", "check whether the upstream server_id is set",
           [&](ItemResult& r) { return CheckServerId(r); });
      Item("binlog_enable", "check whether the upstream binlog is enabled",
           [&](ItemResult& r) { return CheckVar(r, "@@log_bin", {"1", "ON"}, "log_bin=ON"); });
      Item("binlog_format", "check whether the upstream binlog format is ROW",
           [&](ItemResult& r) {
             return CheckVar(r, "@@global.binlog_format", {"ROW"}, "binlog_format=ROW");
           });
      Item("binlog_row_image", "check whether the upstream binlog_row_image is FULL",
           [&](ItemResult& r) {
             return CheckVar(r, "@@global.binlog_row_image", {"FULL"}, "binlog_row_image=FULL");
           });
      Item("binlog_db", "check whether binlog_do_db/binlog_ignore_db keep the migrated schemas",
           [&](ItemResult& r) { return CheckBinlogDb(r); });
      Item("replication_privilege", "check the upstream user's replication privileges",
           [&](ItemResult& r) { return CheckReplicationPrivilege(r); });
      if (m == TaskMode::kIncremental && (o_.meta_position || o_.meta_gtid)) {
        Item("meta_position", "check that the task's start position is still in the binlog",
             [&](ItemResult& r) { return CheckMetaPosition(r); });
      }
    }
    if (up_ && HasDump(m)) {
      Item("dump_privilege", "check the upstream user's privileges to dump",
           [&](ItemResult& r) { return CheckDumpPrivilege(r); });
    }
    if (up_ && down_ && (HasDump(m) || HasLoad(m))) {
      Item("conn_number", "check that both sides accept enough connections",
           [&](ItemResult& r) { return CheckConnNumber(r); });
    }
    if (up_) {
      Item("table_schema", "check that upstream tables have a primary or unique key",
           [&](ItemResult& r) { return CheckTableSchema(r); });
    }
    if (down_) {
      Item("target_privilege", "check the downstream user's privileges",
           [&](ItemResult& r) { return CheckTargetPrivilege(r); });
    }
    for (auto& r : report_.results) {
      if (r.state == ItemState::kSuccess) ++report_.successful;
      if (r.state == ItemState::kFail) ++report_.failed;
      if (r.state == ItemState::kWarn) ++report_.warning;
    }
    return std::move(report_);
  }

 private:
  bool Ignored(const std::string& name) const {
    return o_.ignore_items.count("all") || o_.ignore_items.count(name);
  }

  template <class F>
  void Item(const std::string& name, const std::string& desc, F&& f) {
    if (Ignored(name)) return;
    ItemResult r;
    r.id = static_cast<int>(report_.results.size()) + 1;
    r.name = name;
    r.desc = desc;
    Status s = f(r);
    if (!s.ok()) {
      r.state = ItemState::kFail;
      r.errors.push_back(s.ToString());
      if (r.instruction.empty()) r.instruction = "fix the error above and run check-task again";
    }
    report_.results.push_back(std::move(r));
  }

  void Connect(const mysql::ConnectOptions& co, const std::string& side,
               std::unique_ptr<mysql::Connection>* out) {
    auto c = mysql::Connection::Connect(co);
    if (c.ok()) {
      *out = std::move(c).value();
      return;
    }
    ItemResult r;
    r.id = static_cast<int>(report_.results.size()) + 1;
    r.name = side + "_connection";
    r.desc = "check that the " + side + " database can be reached";
    r.state = ItemState::kFail;
    r.errors.push_back(c.status().ToString());
    r.instruction = "check the " + side + " address, user, password and security (TLS) settings in the " +
                    (side == "upstream" ? "source" : "task") + " config, and that the server runs";
    r.extra = "address of db instance - " + co.host + ":" + std::to_string(co.port);
    report_.results.push_back(std::move(r));
  }

  std::string UpAddr() const { return o_.upstream.host + ":" + std::to_string(o_.upstream.port); }

  Status CheckVersion(ItemResult& r) {
    DM_ASSIGN_OR_RETURN(std::string v, Var(*up_, "@@version"));
    auto ver = ParseVersion(v);
    r.extra = "address of db instance - " + UpAddr();
    if (v.find("MariaDB") != std::string::npos) {
      if (ver < std::array<int, 3>{10, 1, 2}) {
        r.state = ItemState::kWarn;
        r.errors.push_back("MariaDB " + v + " is older than 10.1.2, which is not tested");
        r.instruction = "upgrade the upstream to MariaDB 10.1.2 or later";
      }
    } else if (ver < std::array<int, 3>{5, 6, 0} || !(ver < std::array<int, 3>{8, 5, 0})) {
      r.state = ItemState::kWarn;
      r.errors.push_back("MySQL " + v + " is outside the supported range 5.6.0 <= version < 8.5.0");
      r.instruction = "use MySQL 5.6 to 8.4, or proceed at your own risk";
    }
    return Status::OK();
  }

  Status CheckServerId(ItemResult& r) {
    DM_ASSIGN_OR_RETURN(std::string v, Var(*up_, "@@server_id"));
    if (v.empty() || v == "0") {
      r.state = ItemState::kFail;
      r.errors.push_back("upstream " + UpAddr() + " has server_id 0");
      r.instruction = "set server_id to a unique non-zero value in the upstream's config";
    }
    return Status::OK();
  }

  Status CheckVar(ItemResult& r, const std::string& var, std::set<std::string> ok,
                  const std::string& want) {
    DM_ASSIGN_OR_RETURN(std::string v, Var(*up_, var));
    if (!ok.count(Upper(v))) {
      r.state = ItemState::kFail;
      r.errors.push_back("upstream " + UpAddr() + " has " + var.substr(var.rfind('.') + 1) +
                         "=" + v);
      r.instruction = "set " + want + " on the upstream (and restart writers so sessions pick it up)";
    }
    return Status::OK();
  }

  Status CheckBinlogDb(ItemResult& r) {
    auto st = up_->Query("SHOW MASTER STATUS");
    if (!st.ok()) st = up_->Query("SHOW BINARY LOG STATUS");
    if (!st.ok()) return st.status();
    if (st->rows.empty()) return Status::OK();
    auto col = [&](const std::string& name) -> std::string {
      for (size_t i = 0; i < st->columns.size(); ++i) {
        if (st->columns[i] == name && st->rows[0][i]) return *st->rows[0][i];
      }
      return "";
    };
    std::string do_db = col("Binlog_Do_DB"), ignore_db = col("Binlog_Ignore_DB");
    auto split = [](const std::string& s) {
      std::set<std::string> out;
      size_t start = 0;
      while (start < s.size()) {
        size_t comma = s.find(',', start);
        out.insert(std::string(TrimSpace(s.substr(start, comma - start))));
        if (comma == std::string::npos) break;
        start = comma + 1;
      }
      out.erase("");
      return out;
    };
    auto dos = split(do_db), ignores = split(ignore_db);
    if (o_.schemas.empty()) {
      if (!dos.empty() || !ignores.empty()) {
        r.state = ItemState::kWarn;
        r.errors.push_back("upstream binlog filters binlog_do_db='" + do_db +
                           "' binlog_ignore_db='" + ignore_db + "' may drop changes");
        r.instruction = "make sure every migrated schema is written to the binlog";
      }
      return Status::OK();
    }
    for (const auto& db : o_.schemas) {
      if ((!dos.empty() && !dos.count(db)) || ignores.count(db)) {
        r.state = ItemState::kFail;
        r.errors.push_back("schema `" + db + "` is not written to the upstream binlog (binlog_do_db='" +
                           do_db + "', binlog_ignore_db='" + ignore_db + "')");
      }
    }
    if (r.state == ItemState::kFail) {
      r.instruction = "remove binlog_do_db/binlog_ignore_db on the upstream, or migrate only logged schemas";
    }
    return Status::OK();
  }

  Status CheckReplicationPrivilege(ItemResult& r) {
    DM_ASSIGN_OR_RETURN(Grants g, ReadGrants(*up_));
    std::vector<std::string> missing;
    if (!g.Has("REPLICATION SLAVE")) missing.push_back("REPLICATION SLAVE");
    if (!g.Has("REPLICATION CLIENT") && !g.Has("BINLOG MONITOR")) missing.push_back("REPLICATION CLIENT");
    if (!missing.empty()) {
      r.state = ItemState::kFail;
      std::string list;
      for (auto& m : missing) list += (list.empty() ? "" : ", ") + m;
      r.errors.push_back("upstream user " + o_.upstream.user + " lacks " + list + " ON *.*");
      r.instruction = "GRANT " + list + " ON *.* TO the upstream user";
    }
    return Status::OK();
  }

  Status CheckDumpPrivilege(ItemResult& r) {
    DM_ASSIGN_OR_RETURN(Grants g, ReadGrants(*up_));
    std::vector<std::string> no_select;
    if (!g.Has("SELECT")) {
      if (o_.schemas.empty()) no_select.push_back("*.*");
      for (const auto& db : o_.schemas) {
        if (!g.Has("SELECT", db)) no_select.push_back("`" + db + "`.*");
      }
    }
    if (!no_select.empty()) {
      r.state = ItemState::kFail;
      for (auto& x : no_select) r.errors.push_back("upstream user " + o_.upstream.user + " lacks SELECT ON " + x);
      r.instruction = "GRANT SELECT ON the migrated schemas TO the upstream user";
      return Status::OK();
    }
    if (!g.Has("RELOAD") || !g.Has("LOCK TABLES")) {
      r.state = ItemState::kWarn;
      r.errors.push_back("upstream user " + o_.upstream.user +
                         " lacks RELOAD or LOCK TABLES; a consistent MySQL dump needs them "
                         "(MariaDB snapshots do not)");
      r.instruction = "GRANT RELOAD, LOCK TABLES ON *.* TO the upstream user";
    }
    return Status::OK();
  }

  Status CheckTargetPrivilege(ItemResult& r) {
    DM_ASSIGN_OR_RETURN(Grants g, ReadGrants(*down_));
    std::string missing;
    for (const char* p : {"CREATE", "SELECT", "INSERT", "UPDATE", "DELETE", "ALTER", "DROP", "INDEX"}) {
      if (!g.Has(p)) missing += (missing.empty() ? "" : ", ") + std::string(p);
    }
    if (!missing.empty()) {
      r.state = ItemState::kFail;
      r.errors.push_back("downstream user " + o_.downstream.user + " lacks " + missing + " ON *.*");
      r.instruction = "GRANT " + missing + " ON *.* TO the downstream user";
    }
    return Status::OK();
  }

  Status CheckConnNumber(ItemResult& r) {
    auto check = [&](mysql::Connection& c, const std::string& side, int need) -> Status {
      DM_ASSIGN_OR_RETURN(std::string max, Var(c, "@@max_connections"));
      DM_ASSIGN_OR_RETURN(auto used, c.Query("SHOW STATUS LIKE 'Threads_connected'"));
      long max_n = std::atol(max.c_str());
      long used_n = used.rows.empty() || !used.rows[0][1] ? 0 : std::atol(used.rows[0][1]->c_str());
      if (max_n < need) {
        r.state = ItemState::kFail;
        r.errors.push_back(side + " max_connections=" + max + " is below the " + std::to_string(need) +
                           " connections the task needs");
        r.instruction = "raise max_connections or lower mydumper-thread/loader-thread";
      } else if (max_n - used_n < need && r.state != ItemState::kFail) {
        r.state = ItemState::kWarn;
        r.errors.push_back(side + " has " + std::to_string(max_n - used_n) +
                           " free connections, the task needs " + std::to_string(need));
      }
      return Status::OK();
    };
    DM_RETURN_IF_ERROR(check(*up_, "upstream", o_.dump_threads + 2));
    return check(*down_, "downstream", o_.load_threads + 2);
  }

  Status CheckTableSchema(ItemResult& r) {
    std::string filter;
    if (o_.schemas.empty()) {
      filter = "t.TABLE_SCHEMA NOT IN ('mysql','sys','information_schema','performance_schema')";
    } else {
      filter = "t.TABLE_SCHEMA IN (";
      for (size_t i = 0; i < o_.schemas.size(); ++i) {
        filter += (i ? ",'" : "'") + up_->Escape(o_.schemas[i]) + "'";
      }
      filter += ")";
    }
    DM_ASSIGN_OR_RETURN(
        auto q, up_->Query("SELECT t.TABLE_SCHEMA, t.TABLE_NAME FROM information_schema.TABLES t "
                           "WHERE t.TABLE_TYPE = 'BASE TABLE' AND " + filter +
                           " AND NOT EXISTS (SELECT 1 FROM information_schema.TABLE_CONSTRAINTS c "
                           "WHERE c.TABLE_SCHEMA = t.TABLE_SCHEMA AND c.TABLE_NAME = t.TABLE_NAME "
                           "AND c.CONSTRAINT_TYPE IN ('PRIMARY KEY', 'UNIQUE')) "
                           "ORDER BY 1, 2"));
    if (q.rows.empty()) return Status::OK();
    r.state = ItemState::kWarn;
    size_t shown = 0;
    for (const auto& row : q.rows) {
      if (shown++ == 10) {
        r.errors.push_back("... and " + std::to_string(q.rows.size() - 10) + " more tables");
        break;
      }
      r.errors.push_back(mysql::QuoteTable(*row[0], *row[1]) + " has no primary or unique key");
    }
    r.instruction =
        "add a primary key: without one, replicated UPDATE/DELETE must match every column, "
        "which is slow and can change duplicate rows";
    return Status::OK();
  }

  Status CheckMetaPosition(ItemResult& r) {
    if (o_.meta_position) {
      DM_ASSIGN_OR_RETURN(auto logs, up_->Query("SHOW BINARY LOGS"));
      bool found = false;
      for (const auto& row : logs.rows) {
        if (row[0] && *row[0] == o_.meta_position->file) {
          found = true;
          uint64_t size = row.size() > 1 && row[1] ? std::stoull(*row[1]) : 0;
          if (o_.meta_position->pos > size) {
            r.state = ItemState::kFail;
            r.errors.push_back("meta position " + o_.meta_position->ToString() +
                               " is beyond the end of that file (" + std::to_string(size) + " bytes)");
          }
        }
      }
      if (!found) {
        r.state = ItemState::kFail;
        r.errors.push_back("meta binlog-name " + o_.meta_position->file +
                           " is not among the upstream's binlogs (purged, or a typo)");
      }
    }
    if (o_.meta_gtid) {
      DM_ASSIGN_OR_RETURN(std::string v, Var(*up_, "@@version"));
      auto flavor = v.find("MariaDB") != std::string::npos ? gtid::Flavor::kMariaDB : gtid::Flavor::kMySQL;
      auto set = gtid::GtidSet::Parse(flavor, *o_.meta_gtid);
      if (!set.ok()) {
        r.state = ItemState::kFail;
        r.errors.push_back(set.status().ToString());
      }
    }
    if (r.state == ItemState::kFail) {
      r.instruction = "set mysql-instances[].meta to a position the upstream still has";
    }
    return Status::OK();
  }

  const CheckOptions& o_;
  std::unique_ptr<mysql::Connection> up_, down_;
  CheckReport report_;
};

std::string_view StateName(ItemState s) {
  switch (s) {
    case ItemState::kSuccess: return "success";
    case ItemState::kWarn: return "warn";
    case ItemState::kFail: return "fail";
  }
  return "fail";
}

class CheckUnit : public unit::Unit {
 public:
  explicit CheckUnit(CheckOptions o) : o_(std::move(o)) {}
  unit::UnitType type() const override { return unit::UnitType::kCheck; }
  Status Init() override { return Status::OK(); }
  Status Process(std::stop_token) override {
    CheckReport report = RunChecks(o_);
    std::string summary = report.Summary();
    {
      std::lock_guard l(mu_);
      report_ = report;
      done_ = true;
    }
    if (!report.passed()) {
      return Status(Code::kFailedPrecondition,
                    "precheck failed for source " + o_.source_id + ":\n" + summary, Scope::kConfig);
    }
    if (report.warning > 0) LogWarn("precheck warnings for source {}:\n{}", o_.source_id, summary);
    return Status::OK();
  }
  void StatusJson(nlohmann::json* out) const override {
    std::lock_guard l(mu_);
    if (!done_) {
      (*out)["passed"] = false;
      (*out)["total"] = 0;
      return;
    }
    nlohmann::json j;
    report_.ToJson(&j);
    (*out)["passed"] = report_.passed();
    (*out)["total"] = report_.results.size();
    (*out)["successful"] = report_.successful;
    (*out)["failed"] = report_.failed;
    (*out)["warning"] = report_.warning;
    (*out)["detail"] = j;
  }

 private:
  CheckOptions o_;
  mutable std::mutex mu_;
  CheckReport report_;  // guarded by mu_
  bool done_ = false;   // guarded by mu_
};

}  // namespace

void CheckReport::ToJson(nlohmann::json* out) const {
  nlohmann::json results = nlohmann::json::array();
  for (const auto& r : this->results) {
    nlohmann::json errors = nlohmann::json::array();
    for (const auto& e : r.errors) {
      errors.push_back({{"severity", r.state == ItemState::kWarn ? "warn" : "fail"},
                        {"short_error", e}});
    }
    results.push_back({{"id", r.id},
                       {"name", r.name},
                       {"desc", r.desc},
                       {"state", StateName(r.state)},
                       {"errors", errors},
                       {"instruction", r.instruction},
                       {"extra", r.extra}});
  }
  (*out)["results"] = std::move(results);
  (*out)["summary"] = {{"passed", passed()},
                       {"total", this->results.size()},
                       {"successful", successful},
                       {"failed", failed},
                       {"warning", warning}};
}

std::string CheckReport::Summary() const {
  std::string s;
  for (const auto& r : results) {
    if (r.state == ItemState::kSuccess) continue;
    s += "  [" + std::string(StateName(r.state)) + "] " + r.name + ": ";
    for (size_t i = 0; i < r.errors.size(); ++i) s += (i ? "; " : "") + r.errors[i];
    if (!r.instruction.empty()) s += " -> " + r.instruction;
    s += "\n";
  }
  return s;
}

CheckOptions MakeCheckOptions(const spec::SourceSpec& source, const spec::TaskSpec& task,
                              const spec::InstanceSpec& instance) {
  CheckOptions o;
  o.source_id = source.id;
  o.upstream = source.from;
  o.downstream = task.target;
  o.mode = task.mode;
  o.ignore_items = task.ignore_checking_items;
  o.dump_threads = task.dump_threads;
  o.load_threads = task.load_threads;
  o.schemas = task.schemas;
  o.meta_position = instance.meta_position;
  o.meta_gtid = instance.meta_gtid;
  return o;
}

CheckReport RunChecks(const CheckOptions& options) { return Runner(options).Run(); }

std::unique_ptr<unit::Unit> NewCheckUnit(CheckOptions options) {
  return std::make_unique<CheckUnit>(std::move(options));
}

}  // namespace dm::checker
