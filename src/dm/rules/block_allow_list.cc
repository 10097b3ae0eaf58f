// block-allow-list: tidb util/filter (MySQL replicate-do-db / ignore-db / do-table /
// ignore-table evaluation order), plus DM's "system schemas are never migrated".
//
// Schema level: when do-dbs is non-empty the schema must match one of them (ignore-dbs
// is then not consulted at all); otherwise a schema matching ignore-dbs is dropped.
// Table level (skipped for schema-level statements, table ""): a match in do-tables
// keeps the table; else a match in ignore-tables drops it; else the table is kept only
// when do-tables is empty.
//
// Each do-tables/ignore-tables entry matches when BOTH its db-name and tbl-name match
// the table. (DM's trie-based implementation can mix the halves of different entries
// when one entry has a regex db-name and a wildcard tbl-name; we evaluate each entry on
// its own, which is what the documentation describes.)

#include <string>
#include <vector>

#include "dm/rules/pattern.h"
#include "dm/rules/rules.h"

namespace dm::rules {

using internal::NamePattern;

struct BlockAllowList::Impl {
  bool has_rule = false;
  bool case_sensitive = false;
  std::vector<NamePattern> do_dbs, ignore_dbs;
  struct TablePattern {
    NamePattern db, tbl;
  };
  std::vector<TablePattern> do_tables, ignore_tables;

  static bool AnyDb(const std::vector<NamePattern>& v, std::string_view schema) {
    for (const NamePattern& p : v) {
      if (p.Match(schema)) return true;
    }
    return false;
  }
  static bool AnyTable(const std::vector<TablePattern>& v, std::string_view schema,
                       std::string_view table) {
    for (const TablePattern& p : v) {
      if (p.db.Match(schema) && p.tbl.Match(table)) return true;
    }
    return false;
  }
  bool SchemaPasses(std::string_view schema) const {
    if (!do_dbs.empty()) return AnyDb(do_dbs, schema);
    if (!ignore_dbs.empty()) return !AnyDb(ignore_dbs, schema);
    return true;
  }
  bool TablePasses(std::string_view schema, std::string_view table) const {
    if (table.empty()) return true;  // CREATE/DROP/ALTER DATABASE
    if (!do_tables.empty() && AnyTable(do_tables, schema, table)) return true;
    if (!ignore_tables.empty() && AnyTable(ignore_tables, schema, table)) return false;
    return do_tables.empty();
  }
};

namespace {

// Wildcards are lower-cased for case-insensitive lists; regexes get RE2's
// case-insensitive flag instead (DM lower-cases the regex text, which would turn `\D`
// into `\d`; the flag gives the intended meaning).
Result<NamePattern> CompileName(const std::string& text, bool case_sensitive,
                                const std::string& what) {
  if (text.empty()) {
    return Status::InvalidArgument(what + " is empty; give a name, a wildcard (`db_*`) or a "
                                   "`~`-prefixed regex, or remove the entry");
  }
  bool regex = text[0] == '~';
  return NamePattern::Compile(case_sensitive || regex ? text : internal::ToLower(text),
                              case_sensitive, what);
}

}  // namespace

Result<BlockAllowList> BlockAllowList::Compile(const config::BlockAllowList* rule,
                                               bool case_sensitive) {
  auto impl = std::make_shared<Impl>();
  impl->case_sensitive = case_sensitive;
  if (rule != nullptr) {
    impl->has_rule = true;
    auto dbs = [&](const std::vector<std::string>& in, const char* field,
                   std::vector<NamePattern>* out) -> Status {
      for (size_t i = 0; i < in.size(); ++i) {
        std::string what = "block-allow-list " + std::string(field) + "[" + std::to_string(i) + "]";
        DM_ASSIGN_OR_RETURN(NamePattern p, CompileName(in[i], case_sensitive, what));
        out->push_back(std::move(p));
      }
      return Status::OK();
    };
    auto tables = [&](const std::vector<config::BlockAllowList::Table>& in, const char* field,
                      std::vector<Impl::TablePattern>* out) -> Status {
      for (size_t i = 0; i < in.size(); ++i) {
        std::string what = "block-allow-list " + std::string(field) + "[" + std::to_string(i) + "]";
        DM_ASSIGN_OR_RETURN(NamePattern db,
                            CompileName(in[i].db_name, case_sensitive, what + ".db-name"));
        DM_ASSIGN_OR_RETURN(NamePattern tbl,
                            CompileName(in[i].tbl_name, case_sensitive, what + ".tbl-name"));
        out->push_back({std::move(db), std::move(tbl)});
      }
      return Status::OK();
    };
    DM_RETURN_IF_ERROR(dbs(rule->do_dbs, "do-dbs", &impl->do_dbs));
    DM_RETURN_IF_ERROR(dbs(rule->ignore_dbs, "ignore-dbs", &impl->ignore_dbs));
    DM_RETURN_IF_ERROR(tables(rule->do_tables, "do-tables", &impl->do_tables));
    DM_RETURN_IF_ERROR(tables(rule->ignore_tables, "ignore-tables", &impl->ignore_tables));
  }
  BlockAllowList out;
  out.impl_ = std::move(impl);
  return out;
}

bool BlockAllowList::AllowSchema(std::string_view schema) const {
  return AllowTable(schema, "");
}

bool BlockAllowList::AllowTable(std::string_view schema, std::string_view table) const {
  if (internal::IsSystemSchema(schema)) return false;
  if (!impl_ || !impl_->has_rule) return true;
  if (impl_->case_sensitive) {
    return impl_->SchemaPasses(schema) && impl_->TablePasses(schema, table);
  }
  std::string s = internal::ToLower(schema), t = internal::ToLower(table);
  return impl_->SchemaPasses(s) && impl_->TablePasses(s, t);
}

}  // namespace dm::rules
