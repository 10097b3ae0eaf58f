// routes: DM's router (tidb util/regexpr-router over util/filter, the successor of
// util/table-router).
//
// A rule's schema-pattern / table-pattern are wildcards or `~` regexes. A table rule
// (table-pattern set) matches `s`.`t` when both patterns match; a schema rule matches
// every table of a matching schema. Table rules take precedence over schema rules; for
// schema-level statements (table "") only schema rules apply. An empty target-table
// keeps the table's name.
//
// Where DM fails a route because a table matches more than one rule of the same level,
// the first rule in the instance's `route-rules` order wins here (RouteTable cannot
// fail); two rules with the very same pattern pair, which would make every matching
// table fail in DM, are rejected by Compile.
//
// Extract columns (shard merging): the value is the concatenation of all capture groups
// of the regex's leftmost match in the ORIGINAL (not lower-cased) table / schema /
// source name ("" when it does not match), as DM's extractVal.

#include <re2/re2.h>

#include <string>
#include <vector>

#include "dm/rules/pattern.h"
#include "dm/rules/rules.h"

namespace dm::rules {

using internal::NamePattern;

namespace {

struct Extractor {
  std::string column;
  std::shared_ptr<const re2::RE2> re;

  std::string Extract(std::string_view s) const {
    int groups = re->NumberOfCapturingGroups();
    std::vector<re2::StringPiece> sub(static_cast<size_t>(groups) + 1);
    if (!re->Match(re2::StringPiece(s.data(), s.size()), 0, s.size(), re2::RE2::UNANCHORED,
                   sub.data(), groups + 1)) {
      return "";
    }
    std::string val;
    for (int i = 1; i <= groups; ++i) val.append(sub[static_cast<size_t>(i)].data(), sub[static_cast<size_t>(i)].size());
    return val;
  }
};

struct CompiledRoute {
  NamePattern schema;
  std::optional<NamePattern> table;  // nullopt = schema rule
  std::string target_schema, target_table;
  std::optional<Extractor> ext_table, ext_schema, ext_source;
};

std::string Describe(size_t i, const config::RouteRule& r) {
  std::string s = "route rule #" + std::to_string(i + 1) + " (schema-pattern `" + r.schema_pattern + "`";
  if (!r.table_pattern.empty()) s += ", table-pattern `" + r.table_pattern + "`";
  return s + ")";
}

Result<NamePattern> CompilePattern(const std::string& text, bool case_sensitive,
                                   const std::string& what) {
  bool regex = !text.empty() && text[0] == '~';
  return NamePattern::Compile(case_sensitive || regex ? text : internal::ToLower(text),
                              case_sensitive, what);
}

}  // namespace

struct TableRouter::Impl {
  bool case_sensitive = false;
  std::vector<CompiledRoute> rules;

  // First matching table rule, else first matching schema rule; null if none.
  const CompiledRoute* Find(std::string_view schema, std::string_view table) const {
    std::string s(schema), t(table);
    if (!case_sensitive) {
      s = internal::ToLower(s);
      t = internal::ToLower(t);
    }
    const CompiledRoute* schema_rule = nullptr;
    for (const CompiledRoute& r : rules) {
      if (!r.schema.Match(s)) continue;
      if (r.table) {
        if (!t.empty() && r.table->Match(t)) return &r;
      } else if (schema_rule == nullptr) {
        schema_rule = &r;
      }
    }
    return schema_rule;
  }
};

Result<TableRouter> TableRouter::Compile(const std::vector<config::RouteRule>& rules,
                                         bool case_sensitive) {
  auto impl = std::make_shared<Impl>();
  impl->case_sensitive = case_sensitive;
  std::vector<std::pair<std::string, std::string>> seen;
  for (size_t i = 0; i < rules.size(); ++i) {
    const config::RouteRule& r = rules[i];
    std::string name = Describe(i, r);
    if (r.schema_pattern.empty()) {
      return Status::InvalidArgument(name + ": schema-pattern is empty; set the upstream "
                                     "schemas this rule routes (e.g. `shard_db_*`)");
    }
    if (r.target_schema.empty()) {
      return Status::InvalidArgument(name + ": target-schema is empty; set the downstream "
                                     "schema the tables are routed to");
    }
    CompiledRoute c;
    DM_ASSIGN_OR_RETURN(c.schema, CompilePattern(r.schema_pattern, case_sensitive, name + " schema-pattern"));
    if (!r.table_pattern.empty()) {
      DM_ASSIGN_OR_RETURN(NamePattern t, CompilePattern(r.table_pattern, case_sensitive, name + " table-pattern"));
      c.table = std::move(t);
    }
    c.target_schema = r.target_schema;
    c.target_table = r.target_table;
    auto ext = [&](const std::optional<config::RouteRule::Extractor>& in, const char* field,
                   const char* regex_field, std::optional<Extractor>* out) -> Status {
      if (!in) return Status::OK();
      std::string what = name + " " + field;
      if (in->target_column.empty()) {
        return Status::InvalidArgument(what + ": target-column is empty; name the downstream "
                                       "column that receives the extracted value");
      }
      if (in->regexp.empty()) {
        return Status::InvalidArgument(what + ": " + regex_field +
                                       " is empty; give a regex whose groups capture the value");
      }
      DM_ASSIGN_OR_RETURN(auto re, internal::CompileRegex(in->regexp, true, what + " " + regex_field));
      *out = Extractor{in->target_column, std::move(re)};
      return Status::OK();
    };
    DM_RETURN_IF_ERROR(ext(r.extract_table, "extract-table", "table-regexp", &c.ext_table));
    DM_RETURN_IF_ERROR(ext(r.extract_schema, "extract-schema", "schema-regexp", &c.ext_schema));
    DM_RETURN_IF_ERROR(ext(r.extract_source, "extract-source", "source-regexp", &c.ext_source));

    std::pair<std::string, std::string> key{r.schema_pattern, r.table_pattern};
    if (!case_sensitive) key = {internal::ToLower(key.first), internal::ToLower(key.second)};
    for (size_t j = 0; j < seen.size(); ++j) {
      if (seen[j] == key) {
        return Status::InvalidArgument(
            name + " has the same schema-pattern and table-pattern as " + Describe(j, rules[j]) +
            "; every matching table would match both rules (DM fails such tables); keep one");
      }
    }
    seen.push_back(std::move(key));
    impl->rules.push_back(std::move(c));
  }
  TableRouter out;
  out.impl_ = std::move(impl);
  return out;
}

Route TableRouter::RouteTable(std::string_view source_id, const TableRef& t) const {
  Route out;
  out.target = t;
  if (!impl_) return out;
  if (t.table.empty()) {
    out.target.schema = RouteSchema(t.schema);
    return out;
  }
  const CompiledRoute* r = impl_->Find(t.schema, t.table);
  if (r == nullptr) return out;
  out.target.schema = r->target_schema;
  if (!r->target_table.empty()) out.target.table = r->target_table;
  if (r->ext_table) out.extra.push_back({r->ext_table->column, r->ext_table->Extract(t.table)});
  if (r->ext_schema) out.extra.push_back({r->ext_schema->column, r->ext_schema->Extract(t.schema)});
  if (r->ext_source) out.extra.push_back({r->ext_source->column, r->ext_source->Extract(source_id)});
  return out;
}

std::string TableRouter::RouteSchema(std::string_view schema) const {
  if (!impl_) return std::string(schema);
  const CompiledRoute* r = impl_->Find(schema, "");
  return r ? r->target_schema : std::string(schema);
}

}  // namespace dm::rules
