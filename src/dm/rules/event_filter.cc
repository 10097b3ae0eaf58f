// filters: tiflow pkg/binlog-filter, rule for rule.
//
// Rules live in DM's trie selector keyed by (schema-pattern, table-pattern) and are
// visited in its order (schema-level rules before table-level ones). For each rule:
//   - event check (skipped for an unclassified DDL, event ""): if the rule's events
//     match, Ignore returns Ignore and Error returns Error; a Do rule whose events do not
//     match returns Ignore;
//   - SQL check (only when `sql` is non-empty and the rule has sql-pattern): same, with
//     "any sql-pattern regex finds a match (case-insensitive)" as the condition.
// No rule deciding = Do.
//
// Event sets: `all` = everything, `none` = nothing, `all dml` / `none dml` and `all ddl`
// / `none ddl` per class, `incompatible ddl changes` = DM's incompatible class, and
// single names. Patterns and names are lower-cased unless case-sensitive.
//
// Two rules with the same pattern pair: DM keeps the first and logs an error; we dedupe
// identical rules (a task filter repeated in source.yaml) and reject different ones.

#include <re2/re2.h>

#include <string>
#include <vector>

#include "dm/rules/pattern.h"
#include "dm/rules/rules.h"

namespace dm::rules {

namespace {

enum class EventClass { kNull, kDml, kDdl, kIncompatibleDdl, kInvalid };

EventClass Classify(std::string_view e) {
  if (e.empty()) return EventClass::kNull;
  static constexpr std::string_view kDml[] = {"insert", "update", "delete"};
  static constexpr std::string_view kDdl[] = {
      "create database", "alter database", "create table", "create index", "create view",
      "drop view", "alter table", "add table partition"};
  for (auto d : kDml) if (e == d) return EventClass::kDml;
  for (auto d : kDdl) if (e == d) return EventClass::kDdl;
  if (e == "all" || e == "all dml" || e == "all ddl" || e == "none" || e == "none dml" ||
      e == "none ddl" || e == "incompatible ddl changes") {
    return EventClass::kInvalid;  // rule vocabulary, not an event
  }
  for (const std::string& t : config::BinlogEventTypes()) {
    if (t == e) return EventClass::kIncompatibleDdl;
  }
  return EventClass::kInvalid;
}

struct CompiledFilter {
  std::vector<std::string> events;
  std::vector<std::shared_ptr<const re2::RE2>> sql;
  FilterAction action = FilterAction::kDo;

  bool MatchEvent(EventClass cls, std::string_view event) const {
    for (const std::string& r : events) {
      if (r == "all") return true;
      if (r == "none") return false;
      if (cls == EventClass::kDdl || cls == EventClass::kIncompatibleDdl) {
        if (r == "all ddl") return true;
        if (r == "none ddl") return false;
      }
      if (cls == EventClass::kDml) {
        if (r == "all dml") return true;
        if (r == "none dml") return false;
      }
      if (cls == EventClass::kIncompatibleDdl && r == "incompatible ddl changes") return true;
      if (r == event) return true;
    }
    return false;
  }
  bool MatchSql(std::string_view sql_text) const {
    for (const auto& re : sql) {
      if (internal::RegexSearch(*re, sql_text)) return true;
    }
    return false;
  }
};

std::string Describe(size_t i, const config::BinlogEventRule& r) {
  std::string s = "filter rule #" + std::to_string(i + 1) + " (schema-pattern `" + r.schema_pattern + "`";
  if (!r.table_pattern.empty()) s += ", table-pattern `" + r.table_pattern + "`";
  return s + ")";
}

}  // namespace

struct EventFilter::Impl {
  bool case_sensitive = false;
  internal::Selector selector;
  std::vector<CompiledFilter> rules;
};

Result<EventFilter> EventFilter::Compile(const std::vector<config::BinlogEventRule>& rules,
                                         bool case_sensitive) {
  auto impl = std::make_shared<Impl>();
  impl->case_sensitive = case_sensitive;
  for (size_t i = 0; i < rules.size(); ++i) {
    const config::BinlogEventRule& r = rules[i];
    std::string name = Describe(i, r);
    if (r.schema_pattern.empty()) {
      return Status::InvalidArgument(name + ": schema-pattern is empty; set the schemas the rule "
                                     "applies to (`*` for all)");
    }
    CompiledFilter c;
    if (r.action == "Do") {
      c.action = FilterAction::kDo;
    } else if (r.action == "Ignore") {
      c.action = FilterAction::kIgnore;
    } else if (r.action == "Error") {
      c.action = FilterAction::kError;
    } else {
      return Status::InvalidArgument(name + ": action `" + r.action +
                                     "` is not valid; use `Do`, `Ignore` or `Error`");
    }
    for (const std::string& e : r.events) {
      std::optional<std::string> canon = config::CanonicalEventType(e);
      if (!canon) {
        return Status::InvalidArgument(name + ": unknown event `" + e +
                                       "`; use DM's event names such as `all dml`, `insert`, "
                                       "`create table`, `truncate table`");
      }
      c.events.push_back(*canon);
    }
    for (size_t k = 0; k < r.sql_pattern.size(); ++k) {
      DM_ASSIGN_OR_RETURN(auto re, internal::CompileRegex(r.sql_pattern[k], false,
                                                          name + " sql-pattern[" + std::to_string(k) + "]"));
      c.sql.push_back(std::move(re));
    }
    std::string sp = case_sensitive ? r.schema_pattern : internal::ToLower(r.schema_pattern);
    std::string tp = case_sensitive ? r.table_pattern : internal::ToLower(r.table_pattern);
    int existing = -1;
    Status st = impl->selector.Insert(sp, tp, static_cast<int>(impl->rules.size()), &existing);
    if (st.code() == Code::kAlreadyExists) {
      // Identical rule repeated (e.g. in task.yaml and source.yaml): keep one.
      bool same = false;
      for (size_t j = 0; j < i; ++j) {
        if (rules[j] == r) same = true;
      }
      if (same) continue;
      std::string other;
      for (size_t j = 0; j < i; ++j) {
        const auto& o = rules[j];
        if ((case_sensitive ? o.schema_pattern : internal::ToLower(o.schema_pattern)) == sp &&
            (case_sensitive ? o.table_pattern : internal::ToLower(o.table_pattern)) == tp) {
          other = Describe(j, o);
          break;
        }
      }
      return Status::InvalidArgument(name + " uses the same schema-pattern and table-pattern as " +
                                     other + " but differs from it; DM keeps only one rule per "
                                     "pattern pair: merge their events and sql-pattern into one rule");
    }
    if (!st.ok()) return std::move(st).WithContext(name);
    impl->rules.push_back(std::move(c));
  }
  EventFilter out;
  out.impl_ = std::move(impl);
  return out;
}

FilterAction EventFilter::Filter(const TableRef& t, std::string_view event,
                                 std::string_view sql) const {
  if (!impl_ || impl_->rules.empty()) return FilterAction::kDo;
  std::string ev;
  if (!event.empty()) {
    std::optional<std::string> canon = config::CanonicalEventType(event);
    if (!canon) return FilterAction::kError;  // not an event DM knows: refuse to guess
    ev = *canon;
  }
  EventClass cls = Classify(ev);
  if (cls == EventClass::kInvalid) return FilterAction::kError;

  std::vector<int> ids = impl_->case_sensitive
                             ? impl_->selector.Match(t.schema, t.table)
                             : impl_->selector.Match(internal::ToLower(t.schema), internal::ToLower(t.table));
  for (int id : ids) {
    const CompiledFilter& r = impl_->rules[static_cast<size_t>(id)];
    if (cls != EventClass::kNull) {
      if (r.MatchEvent(cls, ev)) {
        if (r.action != FilterAction::kDo) return r.action;
      } else if (r.action == FilterAction::kDo) {
        return FilterAction::kIgnore;
      }
    }
    if (!sql.empty() && !r.sql.empty()) {
      if (r.MatchSql(sql)) {
        if (r.action != FilterAction::kDo) return r.action;
      } else if (r.action == FilterAction::kDo) {
        return FilterAction::kIgnore;
      }
    }
  }
  return FilterAction::kDo;
}

}  // namespace dm::rules
