#include "dm/sync/online_ddl.h"

#include <nlohmann/json.hpp>

#include "dm/config/task_config.h"
#include "dm/ddl/parser.h"
#include "dm/mysql/connection.h"
#include "dm/sync/dml.h"

namespace dm::sync {

Result<std::unique_ptr<OnlineDdl>> OnlineDdl::Create(std::vector<std::string> shadow_rules,
                                                     std::vector<std::string> trash_rules,
                                                     std::string meta_schema, std::string task,
                                                     std::string source_id) {
  if (shadow_rules.empty()) shadow_rules.emplace_back(config::kDefaultShadowTableRule);
  if (trash_rules.empty()) trash_rules.emplace_back(config::kDefaultTrashTableRule);
  std::unique_ptr<OnlineDdl> o(new OnlineDdl());
  auto compile = [](const std::vector<std::string>& in, std::vector<std::regex>* out,
                    const char* what) -> Status {
    for (const auto& r : in) {
      try {
        out->emplace_back(r, std::regex::ECMAScript);
      } catch (const std::regex_error& e) {
        return Status::InvalidArgument(std::string(what) + " '" + r +
                                       "' is not a valid regular expression: " + e.what());
      }
    }
    return Status::OK();
  };
  DM_RETURN_IF_ERROR(compile(shadow_rules, &o->shadow_, "shadow-table-rules entry"));
  DM_RETURN_IF_ERROR(compile(trash_rules, &o->trash_, "trash-table-rules entry"));
  o->table_ = mysql::QuoteTable(meta_schema, task + "_onlineddl");
  o->source_id_ = std::move(source_id);
  return o;
}

OnlineDdl::TableKind OnlineDdl::Kind(std::string_view table, std::string* real) const {
  std::string t(table);
  std::smatch m;
  for (const auto& re : shadow_) {
    if (std::regex_match(t, m, re)) {
      if (real) *real = m.size() > 1 ? m[1].str() : t;
      return TableKind::kShadow;
    }
  }
  for (const auto& re : trash_) {
    if (std::regex_match(t, re)) return TableKind::kTrash;
  }
  return TableKind::kNormal;
}

std::string OnlineDdl::Lit(std::string_view s) const {
  std::string out = "'";
  AppendEscaped(s, &out);
  out += '\'';
  return out;
}

std::string OnlineDdl::CreateTableSql() const {
  // DM's columns (tiflow dm/syncer/online-ddl-tools: id, ghost_schema, ghost_table, ddls).
  return "CREATE TABLE IF NOT EXISTS " + table_ +
         " (id VARCHAR(200) NOT NULL, ghost_schema VARCHAR(128) NOT NULL, ghost_table "
         "VARCHAR(128) NOT NULL, ddls TEXT, update_time timestamp DEFAULT CURRENT_TIMESTAMP ON "
         "UPDATE CURRENT_TIMESTAMP, UNIQUE KEY uk_id_schema_table (id, ghost_schema, "
         "ghost_table)) ENGINE=InnoDB";
}

std::string OnlineDdl::LoadSql() const {
  return "SELECT ghost_schema, ghost_table, ddls FROM " + table_ + " WHERE id = " + Lit(source_id_);
}

std::string OnlineDdl::ClearSql() const {
  return "DELETE FROM " + table_ + " WHERE id = " + Lit(source_id_);
}

Status OnlineDdl::LoadRow(const std::string& schema, const std::string& table,
                          const std::string& ddls_json) {
  auto j = nlohmann::json::parse(ddls_json, nullptr, false);
  if (j.is_discarded() || !j.is_array()) {
    return Status(Code::kCorruption,
                  "online DDL record of " + mysql::QuoteTable(schema, table) + " in " + table_ +
                      " is not a JSON array; delete the row (the online schema change must "
                      "then be redone), then resume-task",
                  Scope::kDownstream);
  }
  OnlineDdlRecord r{schema, table, {}};
  for (const auto& s : j) {
    if (!s.is_string()) return Status(Code::kCorruption, "online DDL record: not a string", Scope::kDownstream);
    r.ddls.push_back(s.get<std::string>());
  }
  records_[{schema, table}] = std::move(r);
  return Status::OK();
}

std::string OnlineDdl::UpsertSql(const OnlineDdlRecord& r) const {
  nlohmann::json j = r.ddls;
  return "INSERT INTO " + table_ + " (id, ghost_schema, ghost_table, ddls) VALUES (" +
         Lit(source_id_) + ", " + Lit(r.ghost_schema) + ", " + Lit(r.ghost_table) + ", " +
         Lit(j.dump()) + ") ON DUPLICATE KEY UPDATE ddls = VALUES(ddls)";
}

std::string OnlineDdl::DeleteSql(const rules::TableRef& g) const {
  return "DELETE FROM " + table_ + " WHERE id = " + Lit(source_id_) +
         " AND ghost_schema = " + Lit(g.schema) + " AND ghost_table = " + Lit(g.table);
}

OnlineDdl::Outcome OnlineDdl::Handle(const ddl::Statement& stmt, std::string_view default_schema) {
  Outcome out;
  using K = ddl::StatementKind;
  for (const auto& t : stmt.Tables(default_schema)) {
    if (!t.table.empty() && Kind(t.table) != TableKind::kNormal) out.handled = true;
  }
  if (!out.handled) return out;
  auto qualified = [&](const ddl::Statement& s) {
    ddl::Statement q = s;
    q.RewriteTables(default_schema, [](const rules::TableRef& t) { return t; });
    return q.Print();
  };
  for (const ddl::Statement& part : stmt.Split()) {
    std::vector<rules::TableRef> tables = part.Tables(default_schema);
    if (tables.empty()) {
      out.sqls.push_back(part.text);
      continue;
    }
    const rules::TableRef& first = tables.front();
    std::string real;
    TableKind kind = first.table.empty() ? TableKind::kNormal : Kind(first.table, &real);
    if (part.kind == K::kRenameTable && tables.size() >= 2) {
      const rules::TableRef& to = tables[1];
      TableKind to_kind = Kind(to.table);
      if (kind == TableKind::kShadow && to_kind == TableKind::kNormal) {
        // The cut-over: the recorded statements, on the real table.
        auto it = records_.find(first);
        if (it == records_.end()) {
          out.note += "cut-over of " + mysql::QuoteTable(first.schema, first.table) +
                      " without a record (nothing to apply); ";
          continue;
        }
        for (const auto& sql : it->second.ddls) {
          auto p = ddl::Parse(sql);
          if (!p.ok()) continue;  // recorded from a parsed statement: cannot happen
          p->RewriteTables("", [&](const rules::TableRef& t) {
            return t == first ? to : t;
          });
          out.sqls.push_back(p->Print());
        }
        out.meta_sql.push_back(DeleteSql(first));
        records_.erase(it);
        out.note += "cut-over " + mysql::QuoteTable(first.schema, first.table) + " -> " +
                    mysql::QuoteTable(to.schema, to.table) + "; ";
        continue;
      }
      if (kind != TableKind::kNormal || to_kind != TableKind::kNormal) {
        out.note += "rename involving a shadow/trash table skipped; ";
        continue;  // t -> _t_del / _t_old, or between helper tables
      }
      out.sqls.push_back(part.text);
      continue;
    }
    if (kind == TableKind::kTrash) {
      out.note += "DDL on trash table " + first.table + " skipped; ";
      continue;
    }
    if (kind == TableKind::kNormal) {
      // e.g. CREATE TABLE t LIKE _t_gho: a normal table; pass through.
      out.sqls.push_back(part.text);
      continue;
    }
    // A shadow table.
    switch (part.kind) {
      case K::kCreateTable:
      case K::kCreateTableLike:
      case K::kCreateTableSelect: {
        OnlineDdlRecord r{first.schema, first.table, {}};
        out.meta_sql.push_back(UpsertSql(r));
        records_[first] = std::move(r);
        out.note += "shadow table " + first.table + " created (recording); ";
        break;
      }
      case K::kDropTable: {
        if (records_.erase(first)) out.meta_sql.push_back(DeleteSql(first));
        out.note += "shadow table " + first.table + " dropped; ";
        break;
      }
      default: {
        auto& r = records_[first];
        r.ghost_schema = first.schema;
        r.ghost_table = first.table;
        r.ddls.push_back(qualified(part));
        out.meta_sql.push_back(UpsertSql(r));
        out.note += "recorded for " + real + ": " + part.text.substr(0, 100) + "; ";
        break;
      }
    }
  }
  return out;
}

}  // namespace dm::sync
