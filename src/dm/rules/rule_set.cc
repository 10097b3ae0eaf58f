// CompileRuleSet: resolves one mysql-instance's rule names in the task's maps and
// compiles them. Errors carry the task, source and rule name.

#include <string>
#include <vector>

#include "dm/rules/rules.h"

namespace dm::rules {

namespace {

template <class Map>
Status Missing(const config::TaskConfig& task, const config::MySQLInstance& inst,
               std::string_view list, const std::string& name, const Map& map,
               std::string_view section) {
  std::string known;
  for (const auto& [k, v] : map) known += (known.empty() ? "" : ", ") + k;
  return Status::InvalidArgument(
      "task `" + task.name + "` source `" + inst.source_id + "`: " + std::string(list) + " names `" +
      name + "` but the task defines no such rule under `" + std::string(section) + "`" +
      (known.empty() ? std::string(" (none defined)") : " (defined: " + known + ")") +
      "; define it or fix the name");
}

}  // namespace

Result<RuleSet> CompileRuleSet(const config::TaskConfig& task, const config::MySQLInstance& instance,
                               const config::SourceConfig& source) {
  const bool cs = task.case_sensitive || source.case_sensitive;
  const std::string where = "task `" + task.name + "` source `" + instance.source_id + "`";
  RuleSet out;

  // block-allow-list
  const config::BlockAllowList* bal = nullptr;
  if (!instance.block_allow_list.empty()) {
    auto it = task.block_allow_list.find(instance.block_allow_list);
    if (it == task.block_allow_list.end()) {
      return Missing(task, instance, "block-allow-list", instance.block_allow_list,
                     task.block_allow_list, "block-allow-list");
    }
    bal = &it->second;
  }
  {
    auto r = BlockAllowList::Compile(bal, cs);
    if (!r.ok()) {
      return std::move(r).status().WithContext(where + " block-allow-list `" + instance.block_allow_list + "`");
    }
    out.block_allow = std::move(r).value();
  }

  // routes: compile each alone first so an error names the rule, then all together.
  std::vector<config::RouteRule> routes;
  for (const std::string& name : instance.route_rules) {
    auto it = task.routes.find(name);
    if (it == task.routes.end()) return Missing(task, instance, "route-rules", name, task.routes, "routes");
    auto one = TableRouter::Compile({it->second}, cs);
    if (!one.ok()) return std::move(one).status().WithContext(where + " route `" + name + "`");
    routes.push_back(it->second);
  }
  {
    auto r = TableRouter::Compile(routes, cs);
    if (!r.ok()) return std::move(r).status().WithContext(where + " routes");
    out.router = std::move(r).value();
  }

  // filters: the instance's filter-rules, then source.yaml's filters.
  std::vector<config::BinlogEventRule> filters;
  for (const std::string& name : instance.filter_rules) {
    auto it = task.filters.find(name);
    if (it == task.filters.end()) return Missing(task, instance, "filter-rules", name, task.filters, "filters");
    auto one = EventFilter::Compile({it->second}, cs);
    if (!one.ok()) return std::move(one).status().WithContext(where + " filter `" + name + "`");
    filters.push_back(it->second);
  }
  for (size_t i = 0; i < source.filters.size(); ++i) {
    auto one = EventFilter::Compile({source.filters[i]}, cs);
    if (!one.ok()) {
      return std::move(one).status().WithContext("source `" + source.source_id + "` filters[" +
                                                 std::to_string(i) + "]");
    }
    filters.push_back(source.filters[i]);
  }
  {
    auto r = EventFilter::Compile(filters, cs);
    if (!r.ok()) {
      return std::move(r).status().WithContext(where + " filters (task filter-rules " +
                                               std::to_string(instance.filter_rules.size()) +
                                               ", then source filters)");
    }
    out.event_filter = std::move(r).value();
  }

  // expression filters
  std::vector<config::ExpressionFilter> exprs;
  for (const std::string& name : instance.expression_filters) {
    auto it = task.expression_filter.find(name);
    if (it == task.expression_filter.end()) {
      return Missing(task, instance, "expression-filters", name, task.expression_filter, "expression-filter");
    }
    auto one = ExpressionFilter::Compile({it->second}, cs);
    if (!one.ok()) return std::move(one).status().WithContext(where + " expression-filter `" + name + "`");
    exprs.push_back(it->second);
  }
  {
    auto r = ExpressionFilter::Compile(exprs, cs);
    if (!r.ok()) return std::move(r).status().WithContext(where + " expression-filter");
    out.expression_filter = std::move(r).value();
  }
  return out;
}

}  // namespace dm::rules
