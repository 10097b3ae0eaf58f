#include "dm/sync/ddl.h"

#include <algorithm>
#include <cctype>
#include <vector>

#include "dm/mysql/connection.h"

namespace dm::sync {

namespace {

// A minimal tokenizer: words (upper-cased), identifiers (backquoted, unquoted), '.', ','.
class Lexer {
 public:
  explicit Lexer(std::string_view s) : s_(s) {}

  void SkipSpace() {
    while (i_ < s_.size()) {
      char c = s_[i_];
      if (std::isspace(static_cast<unsigned char>(c))) {
        ++i_;
      } else if (c == '/' && i_ + 1 < s_.size() && s_[i_ + 1] == '*') {
        size_t end = s_.find("*/", i_ + 2);
        i_ = end == std::string_view::npos ? s_.size() : end + 2;
      } else if (c == '#' || (c == '-' && i_ + 2 < s_.size() && s_[i_ + 1] == '-' &&
                              std::isspace(static_cast<unsigned char>(s_[i_ + 2])))) {
        size_t end = s_.find('\n', i_);
        i_ = end == std::string_view::npos ? s_.size() : end + 1;
      } else {
        break;
      }
    }
  }

  // Next keyword, upper-cased; "" if the next token is not a bare word.
  std::string Word() {
    SkipSpace();
    size_t start = i_;
    while (i_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[i_])) || s_[i_] == '_')) {
      ++i_;
    }
    std::string w(s_.substr(start, i_ - start));
    for (auto& c : w) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return w;
  }

  // Skips ahead to just after the keyword `word` (within the next `limit` bytes); false
  // if it does not come.
  bool SkipPast(std::string_view word, size_t limit) {
    size_t end = std::min(s_.size(), i_ + limit);
    while (i_ < end) {
      if (Word() == word) return true;
      if (i_ < s_.size() && !std::isalnum(static_cast<unsigned char>(s_[i_])) && s_[i_] != '_') ++i_;
    }
    return false;
  }

  std::string PeekWord() {
    size_t save = i_;
    std::string w = Word();
    i_ = save;
    return w;
  }

  bool Accept(std::string_view word) {
    size_t save = i_;
    if (Word() == word) return true;
    i_ = save;
    return false;
  }

  // An identifier: `quoted` (`` doubled) or bare ([A-Za-z0-9_$] and non-ASCII bytes).
  bool Identifier(std::string* out) {
    SkipSpace();
    out->clear();
    if (i_ < s_.size() && s_[i_] == '`') {
      ++i_;
      while (i_ < s_.size()) {
        if (s_[i_] == '`') {
          if (i_ + 1 < s_.size() && s_[i_ + 1] == '`') {
            *out += '`';
            i_ += 2;
            continue;
          }
          ++i_;
          return true;
        }
        *out += s_[i_++];
      }
      return false;
    }
    while (i_ < s_.size()) {
      unsigned char c = static_cast<unsigned char>(s_[i_]);
      if (std::isalnum(c) || c == '_' || c == '$' || c >= 0x80) {
        *out += s_[i_++];
      } else {
        break;
      }
    }
    return !out->empty();
  }

  // [schema.]name
  bool QualifiedName(std::string* schema, std::string* name) {
    std::string a;
    if (!Identifier(&a)) return false;
    SkipSpace();
    if (i_ < s_.size() && s_[i_] == '.') {
      ++i_;
      std::string b;
      if (!Identifier(&b)) return false;
      *schema = std::move(a);
      *name = std::move(b);
    } else {
      schema->clear();
      *name = std::move(a);
    }
    return true;
  }

 private:
  std::string_view s_;
  size_t i_ = 0;
};

void SkipIfExists(Lexer& lx) {
  if (lx.PeekWord() == "IF") {
    lx.Word();
    lx.Accept("NOT");
    lx.Accept("EXISTS");
  }
}

}  // namespace

DdlInfo ClassifyDdl(std::string_view sql, std::string_view default_schema) {
  DdlInfo info;
  Lexer lx(sql);
  std::string first = lx.Word();
  std::string schema, name;
  auto table_level = [&](std::string event) {
    if (lx.QualifiedName(&schema, &name)) {
      info.event = std::move(event);
      info.table = {schema.empty() ? std::string(default_schema) : schema, name};
    }
  };
  auto schema_level = [&](std::string event) {
    std::string db;
    if (lx.Identifier(&db)) {
      info.event = std::move(event);
      info.table = {db, ""};
    } else if (!default_schema.empty()) {  // ALTER DATABASE without a name
      info.event = std::move(event);
      info.table = {std::string(default_schema), ""};
    }
  };
  if (first == "INSERT" || first == "UPDATE" || first == "DELETE" || first == "REPLACE" ||
      first == "LOAD") {
    info.is_dml = true;
    return info;
  }
  if (first == "CREATE") {
    if (lx.Accept("OR")) lx.Accept("REPLACE");
    std::string w = lx.Word();
    if (w == "TEMPORARY") w = lx.Word();
    if (w == "DATABASE" || w == "SCHEMA") {
      SkipIfExists(lx);
      schema_level("create database");
    } else if (w == "TABLE") {
      SkipIfExists(lx);
      table_level("create table");
    } else if (w == "UNIQUE" || w == "FULLTEXT" || w == "SPATIAL" || w == "INDEX") {
      if (w != "INDEX") lx.Word();
      SkipIfExists(lx);
      std::string idx;
      if (lx.Identifier(&idx) && lx.Accept("ON")) table_level("create index");
    } else {
      // CREATE [ALGORITHM=..] [DEFINER=..] [SQL SECURITY ..] VIEW: scan for VIEW.
      if (w == "VIEW" || ((w == "ALGORITHM" || w == "DEFINER" || w == "SQL") &&
                          lx.SkipPast("VIEW", 300))) {
        SkipIfExists(lx);
        table_level("create view");
      }
    }
  } else if (first == "DROP") {
    std::string w = lx.Word();
    if (w == "TEMPORARY") w = lx.Word();
    if (w == "DATABASE" || w == "SCHEMA") {
      SkipIfExists(lx);
      schema_level("drop database");
    } else if (w == "TABLE") {
      SkipIfExists(lx);
      table_level("drop table");
    } else if (w == "INDEX") {
      SkipIfExists(lx);
      std::string idx;
      if (lx.Identifier(&idx) && lx.Accept("ON")) table_level("drop index");
    } else if (w == "VIEW") {
      SkipIfExists(lx);
      table_level("drop view");
    }
  } else if (first == "ALTER") {
    std::string w = lx.Word();
    while (w == "ONLINE" || w == "IGNORE") w = lx.Word();
    if (w == "DATABASE" || w == "SCHEMA") {
      schema_level("alter database");
    } else if (w == "TABLE") {
      SkipIfExists(lx);
      table_level("alter table");
    }
  } else if (first == "TRUNCATE") {
    lx.Accept("TABLE");
    table_level("truncate table");
  } else if (first == "RENAME") {
    if (lx.Accept("TABLE")) table_level("rename table");
  }
  return info;
}

std::vector<std::string> DdlDecision::Statements() const {
  std::vector<std::string> out;
  for (const auto& p : parts) {
    if (p.execute) out.push_back(p.sql);
  }
  return out;
}

bool DdlDecision::AnyTracked() const {
  for (const auto& p : parts) {
    if (p.track) return true;
  }
  return false;
}

ddl::ParseOptions ParseOptionsForSqlMode(std::optional<uint64_t> sql_mode) {
  ddl::ParseOptions o;
  if (sql_mode) {
    constexpr uint64_t kAnsiQuotes = 1ULL << 2;              // MODE_ANSI_QUOTES
    constexpr uint64_t kNoBackslashEscapes = 1ULL << 21;     // MODE_NO_BACKSLASH_ESCAPES
    o.lex.ansi_quotes = (*sql_mode & kAnsiQuotes) != 0;
    o.lex.no_backslash_escapes = (*sql_mode & kNoBackslashEscapes) != 0;
  }
  return o;
}

namespace {

std::string Excerpt(std::string_view sql) {
  constexpr size_t kMax = 200;
  std::string out(sql.substr(0, kMax));
  if (sql.size() > kMax) out += "...";
  return "'" + out + "'";
}

std::string Describe(const rules::TableRef& t) {
  return t.table.empty() ? mysql::QuoteIdentifier(t.schema) : mysql::QuoteTable(t.schema, t.table);
}

bool Allowed(const rules::RuleSet& rules, const rules::TableRef& t) {
  return t.table.empty() ? rules.block_allow.AllowSchema(t.schema)
                         : rules.block_allow.AllowTable(t.schema, t.table);
}

// First non-Do action over `names` (most specific first), else kDo; "" when no names (DM
// event-less DDL: sql-pattern only).
rules::FilterAction FilterNames(const rules::RuleSet& rules, const rules::TableRef& t,
                                const std::vector<std::string>& names, std::string_view sql,
                                std::string* matched) {
  if (names.empty()) {
    matched->clear();
    return rules.event_filter.Filter(t, "", sql);
  }
  for (const auto& n : names) {
    auto a = rules.event_filter.Filter(t, n, sql);
    if (a != rules::FilterAction::kDo) {
      *matched = n;
      return a;
    }
  }
  return rules::FilterAction::kDo;
}

const char* kWayOut =
    "`dmctl binlog replace <task> \"<statements>\"` to run equivalent DDL instead, or "
    "`dmctl binlog skip <task>` (apply the change to the downstream by hand first if it is "
    "needed); the task then resumes by itself (or add a binlog event filter rule with "
    "action Ignore for it)";

}  // namespace

DdlDecision PlanDdl(std::string_view sql, std::string_view default_schema,
                    const ddl::ParseOptions& options, const rules::RuleSet& rules,
                    std::string_view source_id, const ddl::CollationDefaults* strict_collations) {
  DdlDecision d;
  d.default_schema = std::string(default_schema);
  std::string where = "default schema " + mysql::QuoteIdentifier(default_schema);
  auto parsed = ddl::Parse(sql, options);
  ddl::Statement stmt = parsed.ok() ? std::move(parsed).value() : ddl::Classify(sql, options);
  if (stmt.IsDml()) {
    d.action = DdlAction::kError;
    d.reason = "statement-based DML in the binlog (" + where + "): " + Excerpt(sql) +
               "; set binlog_format=ROW on the upstream (DM replicates row events only)";
    return d;
  }
  if (!parsed.ok()) {
    // Not guessed: if it looks like DDL on a selected table, stop; else skip like DM.
    DdlInfo info = ClassifyDdl(sql, default_schema);
    if (info.event.empty() && !stmt.IsTableDdl()) {
      d.reason = "not a DDL the sync unit replicates (" +
                 std::string(ddl::StatementKindName(stmt.kind)) + ")";
      return d;
    }
    if (!info.event.empty() && !Allowed(rules, info.table)) {
      d.reason = "filtered by the block-allow list (unparsed statement)";
      return d;
    }
    d.action = DdlAction::kError;
    d.reason = "cannot parse the DDL " + Excerpt(sql) + " (" + where +
               (info.event.empty() ? std::string() : ", on " + Describe(info.table)) +
               "): " + std::string(parsed.status().message()) + "; to get past it: " + kWayOut;
    return d;
  }
  if (!stmt.IsTableDdl()) {
    d.reason = "not a DDL the sync unit replicates (" + std::string(ddl::StatementKindName(stmt.kind)) +
               (stmt.keyword.empty() ? "" : " " + stmt.keyword) + ")";
    return d;
  }
  auto route = [&](const rules::TableRef& t) -> rules::TableRef {
    if (t.table.empty()) return {rules.router.RouteSchema(t.schema), ""};
    return rules.router.RouteTable(source_id, t).target;
  };
  std::vector<ddl::Statement> split = stmt.Split();
  const bool was_split = split.size() > 1;
  for (auto& part : split) {
    DdlPart p;
    std::vector<rules::TableRef> tables = part.Tables(default_schema);
    p.table = tables.empty() ? rules::TableRef{std::string(default_schema), ""} : tables.front();
    p.event = part.EventName();
    if (!Allowed(rules, p.table)) {
      p.reason = "filtered by the block-allow list";
      p.statement = std::move(part);
      d.parts.push_back(std::move(p));
      continue;
    }
    p.track = true;
    if (!part.Replicable()) {
      d.action = DdlAction::kError;
      d.parts.clear();
      d.reason = "CREATE TABLE ... SELECT on " + Describe(p.table) + " " + Excerpt(sql) +
                 " cannot be replicated (its rows are not in the QUERY event and running it "
                 "downstream would read downstream data); create and fill the table "
                 "downstream by hand, then " + std::string(kWayOut);
      return d;
    }
    // Binlog event filter: ALTER TABLE action by action, else the statement's names.
    bool filtered_in_part = false;
    std::string matched;
    rules::FilterAction action = rules::FilterAction::kDo;
    if (auto* at = std::get_if<ddl::AlterTable>(&part.node)) {
      std::vector<ddl::AlterAction> kept;
      bool real = false;
      for (const auto& act : at->actions) {
        std::vector<std::string> names = ddl::AlterActionEventNames(act);
        if (std::find(names.begin(), names.end(), "alter table") == names.end()) {
          names.push_back("alter table");
        }
        std::string m;
        auto a = FilterNames(rules, p.table, names, sql, &m);
        if (a == rules::FilterAction::kError) {
          action = a;
          matched = m;
          break;
        }
        if (a == rules::FilterAction::kIgnore) {
          filtered_in_part = true;
          matched = m;
          continue;
        }
        using T = ddl::AlterAction::Type;
        if (act.type != T::kAlgorithm && act.type != T::kLock) real = true;
        kept.push_back(act);
      }
      if (action != rules::FilterAction::kError && filtered_in_part) {
        if (!real) {
          action = rules::FilterAction::kIgnore;
        } else {
          p.statement = part;  // the tracker gets every action
          ddl::AlterTable copy = *at;
          copy.actions = std::move(kept);
          part.node = std::move(copy);
          part.text = part.Print();
        }
      }
    } else {
      action = FilterNames(rules, p.table, part.EventNames(), sql, &matched);
    }
    if (p.statement.node.index() == 0) p.statement = part;
    if (action == rules::FilterAction::kError) {
      d.action = DdlAction::kError;
      d.parts.clear();
      d.reason = "a binlog event filter with action Error matched " +
                 (matched.empty() ? std::string("the sql-pattern") : matched) + " on " +
                 Describe(p.table) + ": " + Excerpt(sql) +
                 "; change the filter rule (or " + std::string(kWayOut) + ")";
      return d;
    }
    if (action == rules::FilterAction::kIgnore) {
      p.reason = "ignored by a binlog event filter (" +
                 (matched.empty() ? std::string("sql-pattern") : matched) + ")";
      d.parts.push_back(std::move(p));
      continue;
    }
    // Route: rewrite the names when any of them changes.
    bool renamed = false;
    for (const auto& t : part.Tables(default_schema)) {
      if (!(route(t) == t)) renamed = true;
    }
    p.execute = true;
    // Text written under ANSI_QUOTES / NO_BACKSLASH_ESCAPES would mean something else in
    // the downstream session: print it instead.
    const bool session_quirks = options.lex.ansi_quotes || options.lex.no_backslash_escapes;
    // collation_compatible: strict writes out the collations the upstream left implicit.
    const bool collated =
        strict_collations && ddl::MakeCollationsExplicit(part, *strict_collations).changed();
    if (!renamed && !was_split && !filtered_in_part && !session_quirks && !collated) {
      // As written (exact), in the upstream session's schema. Schema-level statements run
      // without USE: the server logs CREATE/DROP DATABASE x with x itself as the default
      // schema, which does not exist (yet / any more) downstream.
      // Statements whose names are all qualified run without USE too (the upstream
      // session's schema may not exist downstream); views keep it for their bodies.
      bool uses_default = part.kind == ddl::StatementKind::kCreateView ||
                          part.kind == ddl::StatementKind::kAlterView;
      for (const auto& t : part.Tables("")) {
        if (t.schema.empty()) uses_default = true;
      }
      if (!default_schema.empty() && !p.table.table.empty() && uses_default) {
        p.sql = "USE " + mysql::QuoteIdentifier(default_schema) + "; ";
      }
      p.sql += std::string(sql);
    } else {
      ddl::Statement down = part;
      down.RewriteTables(default_schema, route);
      p.sql = down.Print();
    }
    d.parts.push_back(std::move(p));
  }
  d.action = d.AnyTracked() ? DdlAction::kExecute : DdlAction::kSkip;
  if (d.action == DdlAction::kSkip) {
    d.reason = d.parts.empty() ? "no table" : d.parts.front().reason;
    d.parts.clear();
  }
  return d;
}

bool IsAlreadyAppliedDdlError(unsigned e) {
  switch (e) {
    case 1007:  // database exists
    case 1008:  // database does not exist
    case 1050:  // table exists
    case 1051:  // unknown table
    case 1060:  // duplicate column name
    case 1061:  // duplicate key name
    case 1091:  // can't drop; check that it exists
    case 1146:  // table doesn't exist (RENAME / TRUNCATE of a renamed or dropped table)
    case 1054:  // unknown column (ALTER ... DROP/CHANGE of an already changed column)
    case 1826:  // duplicate foreign key
      return true;
    default:
      return false;
  }
}

}  // namespace dm::sync
