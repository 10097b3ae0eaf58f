// dmctl: DM's command-line client. Every command is one HTTP call to a dm-master (the
// first of --master-addr that answers; followers forward to the leader). Output is DM's
// JSON, printed with 4-space indentation; the exit status is 1 when "result" is false.
// Wiring only: the master implements the commands (docs/control-plane.md).

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "dm/api/http.h"
#include "dm/base/status.h"
#include "dm/base/text.h"

namespace {

using dm::Status;
using nlohmann::json;

std::vector<std::string> g_masters;
dm::api::TlsOptions g_tls;  // --ssl-ca/--ssl-cert/--ssl-key: https to the masters


// Calls the first master that answers. Returns the JSON body, or an error JSON.
json Call(const std::string& method, const std::string& path, const json& body = json()) {
  Status last = Status::Unavailable("no master address given; use --master-addr or DM_MASTER_ADDR");
  for (const auto& m : g_masters) {
    auto r = dm::api::HttpCall(m, method, path, body.is_null() ? "" : body.dump(), 60000, g_tls);
    if (!r.ok()) {
      last = r.status();
      continue;
    }
    json j = json::parse(r->body, nullptr, false);
    if (j.is_discarded()) {
      return {{"result", false}, {"msg", "master " + m + " answered HTTP " +
                                             std::to_string(r->status) + ": " + r->body}};
    }
    if (r->status >= 400 && j.contains("error_msg")) {
      return {{"result", false}, {"msg", j["error_msg"]}};
    }
    return j;
  }
  return {{"result", false}, {"msg", last.ToString()}};
}

Status ReadFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IOError("cannot read " + path + ": " + std::strerror(errno));
  std::stringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  return Status::OK();
}

// The value of a top-level `key:` line of a YAML file (dmctl accepts a config file where
// DM accepts a name, and only needs that one field from it).
std::string TopLevelValue(const std::string& yaml, const std::string& key) {
  std::stringstream ss(yaml);
  std::string line;
  while (std::getline(ss, line)) {
    if (line.rfind(key + ":", 0) != 0) continue;
    std::string v = line.substr(key.size() + 1);
    v.erase(0, v.find_first_not_of(" \t\"'"));
    v.erase(v.find_last_not_of(" \t\"'\r") + 1);
    return v;
  }
  return "";
}

// Folds one source's answer into the combined operate-source output.
void Merge(json& all, const json& r) {
  if (!r.value("result", false)) all["result"] = false;
  if (r.contains("sources")) {
    for (const auto& s : r["sources"]) all["sources"].push_back(s);
  } else {
    all["msg"] = r.value("msg", "");
  }
}

int Print(const json& j) {
  std::cout << j.dump(4) << std::endl;
  return j.value("result", true) ? 0 : 1;
}

int Fail(const std::string& msg) { return Print({{"result", false}, {"msg", msg}}); }

std::string Encode(const std::string& s) {
  std::string out;
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

struct Args {
  std::vector<std::string> positional;
  std::vector<std::string> sources;
  bool print_config = false, remove_meta = false, more = false;
  bool leader = false, master = false, worker = false;
  bool offline_master = false, offline_worker = false;
  std::string start_time, name, kind;
};

// Builds the command tree on `app`; `run` is set to the selected command's action.
void Define(CLI::App& app, Args& a, std::function<int()>& run) {
  auto* os = app.add_subcommand("operate-source", "create/update/stop/show upstream sources");
  os->add_option("args", a.positional, "create|update|stop|show, then config files or source ids")
      ->required();
  os->add_flag("-p,--print-config", a.print_config, "show the source config too");
  os->callback([&] {
    run = [&]() -> int {
      const std::string op = a.positional[0];
      std::vector<std::string> rest(a.positional.begin() + 1, a.positional.end());
      if (op == "create" || op == "update") {
        if (rest.empty()) return Fail("operate-source " + op + " needs a source config file");
        json all = {{"result", true}, {"msg", ""}, {"sources", json::array()}};
        for (const auto& f : rest) {
          std::string yaml;
          if (Status s = ReadFile(f, &yaml); !s.ok()) return Fail(s.ToString());
          Merge(all, op == "create" ? Call("POST", "/dmctl/v1/sources", {{"yaml", yaml}})
                                    : Call("PUT", "/dmctl/v1/sources", {{"yaml", yaml}}));
        }
        return Print(all);
      }
      if (op == "stop") {
        if (rest.empty()) return Fail("operate-source stop needs source ids or config files");
        json all = {{"result", true}, {"msg", ""}, {"sources", json::array()}};
        for (auto id : rest) {
          std::string yaml;
          if (access(id.c_str(), R_OK) == 0 && ReadFile(id, &yaml).ok()) {
            if (std::string v = TopLevelValue(yaml, "source-id"); !v.empty()) id = v;
          }
          Merge(all, Call("DELETE", "/dmctl/v1/sources/" + Encode(id)));
        }
        return Print(all);
      }
      if (op == "show") {
        std::string q = "/dmctl/v1/sources?print_config=" + std::string(a.print_config ? "true" : "false");
        if (!rest.empty()) q += "&source=" + Encode(rest[0]);
        return Print(Call("GET", q));
      }
      return Fail("unknown operate-source operation '" + op + "'; use create, update, stop or show");
    };
  });

  auto* st = app.add_subcommand("start-task", "start a task from a task config file");
  st->add_option("file", a.positional, "task.yaml")->required();
  st->add_option("-s,--source", a.sources, "only these sources");
  st->add_flag("--remove-meta", a.remove_meta, "remove the task's checkpoints first");
  st->add_option("--start-time", a.start_time,
                 "start of binlog replication, e.g. '2021-10-21 00:01:00' or 2021-10-21T00:01:00 "
                 "(the upstream's time zone unless an offset like +08:00 is given)");
  st->callback([&] {
    run = [&]() -> int {
      std::string yaml;
      if (Status s = ReadFile(a.positional[0], &yaml); !s.ok()) return Fail(s.ToString());
      return Print(Call("POST", "/dmctl/v1/tasks",
                        {{"yaml", yaml}, {"remove_meta", a.remove_meta},
                         {"start_time", a.start_time}, {"source_name_list", a.sources}}));
    };
  });

  auto* ck = app.add_subcommand("check-task", "run the precheck of a task config file");
  ck->add_option("file", a.positional, "task.yaml")->required();
  ck->add_option("--start-time", a.start_time,
                 "check as start-task --start-time would start (the task's meta is not checked)");
  ck->callback([&] {
    run = [&]() -> int {
      std::string yaml;
      if (Status s = ReadFile(a.positional[0], &yaml); !s.ok()) return Fail(s.ToString());
      return Print(Call("POST", "/dmctl/v1/tasks/check", {{"yaml", yaml}, {"start_time", a.start_time}}));
    };
  });

  for (const char* op : {"stop-task", "pause-task", "resume-task"}) {
    auto* c = app.add_subcommand(op, std::string(op) + " (task name or task config file)");
    c->add_option("task", a.positional, "task name or task.yaml")->required();
    c->add_option("-s,--source", a.sources, "only these sources");
    std::string opname = op;
    c->callback([&, opname] {
      run = [&, opname]() -> int {
        std::string task = a.positional[0];
        std::string yaml;
        if (task.ends_with(".yaml") && ReadFile(task, &yaml).ok()) {
          if (std::string v = TopLevelValue(yaml, "name"); !v.empty()) task = v;
        }
        json body = {{"source_name_list", a.sources}};
        if (opname == "stop-task") return Print(Call("DELETE", "/dmctl/v1/tasks/" + Encode(task), body));
        return Print(Call("POST", "/dmctl/v1/tasks/" + Encode(task) +
                                      (opname == "pause-task" ? "/pause" : "/resume"),
                          body));
      };
    });
  }

  auto* qs = app.add_subcommand("query-status", "show the status of tasks");
  qs->add_option("task", a.positional, "task name");
  qs->add_option("-s,--source", a.sources, "only these sources");
  qs->add_flag("--more", a.more, "full status");
  qs->callback([&] {
    run = [&]() -> int {
      std::string q = "/dmctl/v1/query-status?more=" + std::string(a.more ? "true" : "false");
      if (!a.positional.empty()) q += "&task=" + Encode(a.positional[0]);
      for (auto& s : a.sources) q += "&source=" + Encode(s);
      return Print(Call("GET", q));
    };
  });

  auto* lm = app.add_subcommand("list-member", "list masters and workers");
  lm->add_flag("--leader", a.leader, "only the leader");
  lm->add_flag("--master", a.master, "only masters");
  lm->add_flag("--worker", a.worker, "only workers");
  lm->add_option("-n,--name", a.sources, "only these members");
  lm->callback([&] {
    run = [&]() -> int {
      std::string q = "/dmctl/v1/members?leader=" + std::string(a.leader ? "true" : "false") +
                      "&master=" + (a.master ? "true" : "false") + "&worker=" +
                      (a.worker ? "true" : "false");
      for (auto& n : a.sources) q += "&name=" + Encode(n);
      return Print(Call("GET", q));
    };
  });

  auto* om = app.add_subcommand("offline-member", "remove an offline master or worker");
  om->add_flag("--master", a.offline_master, "a master");
  om->add_flag("--worker", a.offline_worker, "a worker");
  om->add_option("--name", a.name, "member name")->required();
  om->callback([&] {
    run = [&]() -> int {
      if (a.offline_master == a.offline_worker) return Fail("give exactly one of --master or --worker");
      return Print(Call("DELETE", std::string("/dmctl/v1/members/") +
                                      (a.offline_master ? "master/" : "worker/") + Encode(a.name)));
    };
  });

  auto* ts = app.add_subcommand("transfer-source", "bind a source to another free worker");
  ts->add_option("args", a.positional, "source-id worker-name")->required()->expected(2);
  ts->callback([&] {
    run = [&]() -> int {
      return Print(Call("POST", "/dmctl/v1/sources/" + Encode(a.positional[0]) + "/transfer",
                        {{"worker_name", a.positional[1]}}));
    };
  });

  auto* cfg = app.add_subcommand("config", "show a task, source, master or worker config");
  cfg->add_option("args", a.positional, "task|source|master|worker name")->required()->expected(2);
  cfg->callback([&] {
    run = [&]() -> int {
      return Print(Call("GET", "/dmctl/v1/config/" + Encode(a.positional[0]) + "/" +
                                   Encode(a.positional[1])));
    };
  });

  auto* enc = app.add_subcommand("encrypt", "encrypt a password for config files");
  enc->add_option("plaintext", a.positional, "the password")->required();
  enc->callback([&] {
    run = [&]() -> int {
      json r = Call("POST", "/dmctl/v1/encrypt", {{"plaintext", a.positional[0]}});
      if (r.contains("ciphertext")) {
        std::cout << r["ciphertext"].get<std::string>() << std::endl;
        return 0;
      }
      return Print(r);
    };
  });
}

struct BinlogArgs {
  std::vector<std::string> positional, sources;
  std::string binlog_pos;
  bool flush = true, sync = true, from_source = false, from_target = false;
};

// `binlog skip|replace|revert|list <task> [sqls] [-b pos] [-s source..]` and
// `binlog-schema list|update|delete <task> <db> <tbl> [schema-file] [-s source..] [--flush]
// [--sync] [--from-source] [--from-target]` (DM v6 syntax): one call to the master, which
// forwards to the worker of each source.
void DefineSyncOperations(CLI::App& app, BinlogArgs& b, std::function<int()>& run) {
  auto* bl = app.add_subcommand("binlog",
                                "skip, replace, revert or list binlog operations on "
                                "the DDL a task is paused on (or at -b)");
  bl->add_option("args", b.positional, "skip|replace|revert|list <task> [sqls]")->required();
  bl->add_option(
      "-b,--binlog-pos", b.binlog_pos,
      "start position of the event: mysql-bin.000003:3270 (or mysql-bin|000001.000003:3270)");
  bl->add_option("-s,--source", b.sources, "only these sources");
  bl->callback([&] {
    run = [&]() -> int {
      if (b.positional.size() < 2)
        return Fail("usage: binlog skip|replace|revert|list <task> [sqls]");
      const std::string op = b.positional[0];
      if (op != "skip" && op != "replace" && op != "revert" && op != "list") {
        return Fail("unknown binlog operation '" + op + "'; use skip, replace, revert or list");
      }
      std::string sqls;
      for (size_t i = 2; i < b.positional.size(); ++i)
        sqls += (sqls.empty() ? "" : " ") + b.positional[i];
      if (op == "replace" && sqls.empty())
        return Fail("binlog replace needs the statements to run instead");
      if (op != "replace" && !sqls.empty()) return Fail("binlog " + op + " takes no statements");
      json body = {{"op", op},
                   {"binlog_pos", b.binlog_pos},
                   {"source_name_list", b.sources},
                   {"sqls", sqls.empty() ? json::array() : json::array({sqls})}};
      return Print(Call("POST", "/dmctl/v1/tasks/" + Encode(b.positional[1]) + "/binlog", body));
    };
  });

  auto* bs = app.add_subcommand("binlog-schema",
                                "list, update or delete the schema tracker's "
                                "structure of an upstream table");
  bs->add_option("args", b.positional, "list|update|delete <task> <database> <table> [schema-file]")
      ->required();
  bs->add_option("-s,--source", b.sources, "only these sources");
  bs->add_flag("--flush", b.flush,
               "update: save the structure in the checkpoint now (default true)");
  bs->add_flag("--sync", b.sync, "accepted for DM compatibility (no shard DDL coordination here)");
  bs->add_flag("--from-source", b.from_source, "update: take the upstream's SHOW CREATE TABLE");
  bs->add_flag("--from-target", b.from_target,
               "update: take the downstream table's SHOW CREATE TABLE");
  bs->callback([&] {
    run = [&]() -> int {
      const auto& p = b.positional;
      if (p.size() < 4)
        return Fail(
            "usage: binlog-schema list|update|delete <task> <database> <table> [schema-file]");
      const std::string op = p[0];
      if (op != "list" && op != "update" && op != "delete") {
        return Fail("unknown binlog-schema operation '" + op + "'; use list, update or delete");
      }
      json body = {{"op", op},
                   {"database", p[2]},
                   {"table", p[3]},
                   {"flush", b.flush},
                   {"from_source", b.from_source},
                   {"from_target", b.from_target},
                   {"source_name_list", b.sources}};
      if (p.size() > 5 || (p.size() == 5 && op != "update"))
        return Fail("too many arguments for binlog-schema " + op);
      if (p.size() == 5) {
        std::string sql;
        if (Status s = ReadFile(p[4], &sql); !s.ok()) return Fail(s.ToString());
        body["schema"] = sql;
      }
      if (op == "update" && p.size() == 4 && !b.from_source && !b.from_target) {
        return Fail("binlog-schema update needs a schema file, --from-source or --from-target");
      }
      return Print(Call("POST", "/dmctl/v1/tasks/" + Encode(p[1]) + "/schema", body));
    };
  });
}

// The global flags (DM's): given before or after the command; in interactive mode those
// of the command line apply to every command.
struct Globals {
  std::string master_addr;
  dm::api::TlsOptions tls;
};

void AddGlobals(CLI::App& app, Globals& g) {
  app.add_option("--master-addr", g.master_addr,
                 "dm-master address(es), comma-separated (or DM_MASTER_ADDR)");
  app.add_option("--ssl-ca", g.tls.ca_file, "CA certificate (PEM) of the cluster's TLS");
  app.add_option("--ssl-cert", g.tls.cert_file, "dmctl's client certificate (PEM), signed by --ssl-ca");
  app.add_option("--ssl-key", g.tls.key_file, "the private key (PEM) of --ssl-cert");
}

int RunOnce(const std::vector<std::string>& words, const Globals& globals) {
  CLI::App app{"dmctl: control a dm cluster (TiDB DM compatible commands)"};
  Globals g = globals;
  AddGlobals(app, g);
  std::string& addr = g.master_addr;
  app.require_subcommand(1);
  Args a;
  std::function<int()> run;
  Define(app, a, run);
  BinlogArgs b;
  DefineSyncOperations(app, b, run);
  std::vector<std::string> rev(words.rbegin(), words.rend());
  try {
    app.parse(rev);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (addr.empty()) {
    if (const char* env = std::getenv("DM_MASTER_ADDR")) addr = env;
  }
  if (Status s = dm::api::CheckTls(g.tls, /*need_cert=*/false); !s.ok()) return Fail(s.ToString());
  g_tls = g.tls;
  g_masters = dm::SplitList(addr);
  if (g_masters.empty()) return Fail("no master address; use --master-addr host:port or set DM_MASTER_ADDR");
  return run ? run() : 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> words(argv + 1, argv + argc);
  // Only global flags on the command line: interactive mode, with them.
  Globals globals;
  {
    CLI::App flags;
    AddGlobals(flags, globals);
    flags.allow_extras();
    std::vector<std::string> rev(words.rbegin(), words.rend());
    bool has_command = false;
    try {
      flags.parse(rev);
      has_command = !flags.remaining().empty();
    } catch (const CLI::ParseError&) {
      has_command = true;  // -h/--help, or a malformed flag: RunOnce reports it
    }
    if (has_command) return RunOnce(words, Globals{});
  }
  // Interactive mode: one command per line until EOF or "exit".
  std::string line;
  int last = 0;
  while (true) {
    if (isatty(0)) std::cout << "» " << std::flush;
    if (!std::getline(std::cin, line)) break;
    std::stringstream ss(line);
    std::vector<std::string> cmd;
    std::string w;
    while (ss >> w) cmd.push_back(w);
    if (cmd.empty()) continue;
    if (cmd[0] == "exit" || cmd[0] == "quit") break;
    last = RunOnce(cmd, globals);
  }
  return last;
}
