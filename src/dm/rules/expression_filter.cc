// expression-filter: DM's syncer ExprFilterGroup semantics.
//
// Rules are keyed by their exact schema and table (compared case-insensitively unless
// case-sensitive). For one row:
//   INSERT: skipped when any insert-value-expr of the table is TRUE;
//   UPDATE: skipped when, for some rule, update-old-value-expr is TRUE on the old row AND
//           update-new-value-expr is TRUE on the new row (a missing side counts as TRUE);
//   DELETE: skipped when any delete-value-expr is TRUE.
// NULL and 0 are not TRUE. DM treats an unknown column as "skip nothing" with a warning;
// here it is an error naming the rule and column (the header's contract), so a typo
// cannot silently let every row through.

#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "dm/rules/expr.h"
#include "dm/rules/pattern.h"
#include "dm/rules/rules.h"

namespace dm::rules {

using internal::Expr;

namespace {

struct UpdatePair {
  std::optional<Expr> old_expr, new_expr;
};

struct TableRules {
  std::string desc;  // "expression-filter on `db`.`tbl`"
  std::vector<Expr> insert, del;
  std::vector<UpdatePair> update;
};

std::string Key(std::string_view schema, std::string_view table, bool case_sensitive) {
  std::string k = case_sensitive ? std::string(schema) : internal::ToLower(schema);
  k.push_back('\0');
  k += case_sensitive ? std::string(table) : internal::ToLower(table);
  return k;
}

Result<Expr> ParseField(const std::string& desc, const char* field, const std::string& text) {
  Result<Expr> e = Expr::Parse(text);
  if (!e.ok()) {
    return Status::InvalidArgument(desc + " " + field + " `" + text + "`: " +
                                   std::string(e.status().message()));
  }
  return e;
}

Result<bool> Check(const std::string& desc, const char* field, const Expr& e,
                   const std::vector<std::string>& columns, const std::vector<Datum>& row) {
  Result<bool> r = e.IsTrue(columns, row);
  if (!r.ok()) {
    return Status::InvalidArgument(desc + " " + field + " `" + e.text() + "`: " +
                                   std::string(r.status().message()));
  }
  return r;
}

}  // namespace

struct ExpressionFilter::Impl {
  bool case_sensitive = false;
  std::unordered_map<std::string, TableRules> tables;

  const TableRules* Find(const TableRef& t) const {
    auto it = tables.find(Key(t.schema, t.table, case_sensitive));
    return it == tables.end() ? nullptr : &it->second;
  }
};

Result<ExpressionFilter> ExpressionFilter::Compile(const std::vector<config::ExpressionFilter>& rules,
                                                   bool case_sensitive) {
  auto impl = std::make_shared<Impl>();
  impl->case_sensitive = case_sensitive;
  for (size_t i = 0; i < rules.size(); ++i) {
    const config::ExpressionFilter& r = rules[i];
    std::string desc = "expression-filter #" + std::to_string(i + 1) + " on `" + r.schema + "`.`" + r.table + "`";
    if (r.schema.empty() || r.table.empty()) {
      return Status::InvalidArgument(desc + ": schema and table are required (exact names, no "
                                     "wildcards); set both");
    }
    bool has_insert = !r.insert_value_expr.empty();
    bool has_update = !r.update_old_value_expr.empty() || !r.update_new_value_expr.empty();
    bool has_delete = !r.delete_value_expr.empty();
    int kinds = int{has_insert} + int{has_update} + int{has_delete};
    if (kinds != 1) {
      return Status::InvalidArgument(
          desc + (kinds == 0 ? ": no expression set" : ": more than one kind of expression set") +
          "; set exactly one of insert-value-expr, update-old-value-expr/update-new-value-expr, "
          "delete-value-expr (use several rules for several kinds)");
    }
    TableRules& tr = impl->tables[Key(r.schema, r.table, case_sensitive)];
    tr.desc = "expression-filter on `" + r.schema + "`.`" + r.table + "`";
    if (has_insert) {
      DM_ASSIGN_OR_RETURN(Expr e, ParseField(desc, "insert-value-expr", r.insert_value_expr));
      tr.insert.push_back(std::move(e));
    }
    if (has_delete) {
      DM_ASSIGN_OR_RETURN(Expr e, ParseField(desc, "delete-value-expr", r.delete_value_expr));
      tr.del.push_back(std::move(e));
    }
    if (has_update) {
      UpdatePair p;
      if (!r.update_old_value_expr.empty()) {
        DM_ASSIGN_OR_RETURN(p.old_expr, ParseField(desc, "update-old-value-expr", r.update_old_value_expr));
      }
      if (!r.update_new_value_expr.empty()) {
        DM_ASSIGN_OR_RETURN(p.new_expr, ParseField(desc, "update-new-value-expr", r.update_new_value_expr));
      }
      tr.update.push_back(std::move(p));
    }
  }
  ExpressionFilter out;
  out.impl_ = std::move(impl);
  return out;
}

bool ExpressionFilter::HasRules(const TableRef& t) const {
  return impl_ && impl_->Find(t) != nullptr;
}

Result<bool> ExpressionFilter::SkipInsert(const TableRef& t, const std::vector<std::string>& columns,
                                          const std::vector<Datum>& row) const {
  const TableRules* tr = impl_ ? impl_->Find(t) : nullptr;
  if (tr == nullptr) return false;
  for (const Expr& e : tr->insert) {
    DM_ASSIGN_OR_RETURN(bool hit, Check(tr->desc, "insert-value-expr", e, columns, row));
    if (hit) return true;
  }
  return false;
}

Result<bool> ExpressionFilter::SkipUpdate(const TableRef& t, const std::vector<std::string>& columns,
                                          const std::vector<Datum>& before,
                                          const std::vector<Datum>& after) const {
  const TableRules* tr = impl_ ? impl_->Find(t) : nullptr;
  if (tr == nullptr) return false;
  for (const UpdatePair& p : tr->update) {
    bool old_hit = true, new_hit = true;
    if (p.old_expr) {
      DM_ASSIGN_OR_RETURN(old_hit, Check(tr->desc, "update-old-value-expr", *p.old_expr, columns, before));
    }
    if (p.new_expr) {
      DM_ASSIGN_OR_RETURN(new_hit, Check(tr->desc, "update-new-value-expr", *p.new_expr, columns, after));
    }
    if (old_hit && new_hit) return true;
  }
  return false;
}

Result<bool> ExpressionFilter::SkipDelete(const TableRef& t, const std::vector<std::string>& columns,
                                          const std::vector<Datum>& row) const {
  const TableRules* tr = impl_ ? impl_->Find(t) : nullptr;
  if (tr == nullptr) return false;
  for (const Expr& e : tr->del) {
    DM_ASSIGN_OR_RETURN(bool hit, Check(tr->desc, "delete-value-expr", e, columns, row));
    if (hit) return true;
  }
  return false;
}

}  // namespace dm::rules
