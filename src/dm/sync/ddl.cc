#include "dm/sync/ddl.h"

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

DdlDecision DecideDdl(const DdlInfo& info, std::string_view sql, std::string_view default_schema,
                      const rules::RuleSet& rules, std::string_view source_id) {
  DdlDecision d;
  std::string where = "`" + std::string(default_schema) + "`";
  if (info.is_dml) {
    d.action = DdlAction::kError;
    d.reason = "statement-based DML in the binlog (default schema " + where + "): '" +
               std::string(sql.substr(0, 200)) +
               "'; set binlog_format=ROW on the upstream (DM replicates row events only)";
    return d;
  }
  if (info.event.empty()) {
    d.reason = "not a DDL the sync unit replicates";
    return d;
  }
  const rules::TableRef& t = info.table;
  bool allowed = t.table.empty() ? rules.block_allow.AllowSchema(t.schema)
                                 : rules.block_allow.AllowTable(t.schema, t.table);
  if (!allowed) {
    d.reason = "filtered by the block-allow list";
    return d;
  }
  switch (rules.event_filter.Filter(t, info.event, sql)) {
    case rules::FilterAction::kIgnore:
      d.reason = "ignored by a binlog event filter (" + info.event + ")";
      return d;
    case rules::FilterAction::kError:
      d.action = DdlAction::kError;
      d.reason = "a binlog event filter with action Error matched " + info.event + " on " +
                 mysql::QuoteTable(t.schema, t.table) + ": '" + std::string(sql.substr(0, 200)) +
                 "'; change the filter or skip the event with `binlog skip`";
      return d;
    case rules::FilterAction::kDo:
      break;
  }
  bool renamed = false;
  if (!t.table.empty()) {
    rules::Route r = rules.router.RouteTable(source_id, t);
    renamed = !(r.target == t) || !r.extra.empty();
  }
  if (rules.router.RouteSchema(t.schema) != t.schema) renamed = true;
  if (!default_schema.empty() && rules.router.RouteSchema(default_schema) != default_schema) {
    renamed = true;
  }
  if (renamed) {
    d.action = DdlAction::kError;
    d.reason = "DDL on a routed table " + mysql::QuoteTable(t.schema, t.table) + " ('" +
               std::string(sql.substr(0, 200)) +
               "'): rewriting table names in DDL needs the DDL parser, which this version "
               "does not have yet; apply the change to the downstream table by hand, then "
               "skip the event with `binlog skip` (or filter the DDL with a binlog event "
               "filter rule) and resume-task";
    return d;
  }
  d.action = DdlAction::kExecute;
  // Schema-level statements run without USE: the server logs CREATE/DROP DATABASE x with
  // x itself as the default schema, which does not exist (yet / any more) downstream.
  if (!default_schema.empty() && !t.table.empty()) {
    d.sql = "USE " + mysql::QuoteIdentifier(default_schema) + "; ";
  }
  d.sql += sql;
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
