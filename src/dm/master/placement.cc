#include "dm/master/placement.h"

namespace dm::master {

PlacementPlan PlanPlacement(const ClusterView& v) {
  PlacementPlan plan;
  std::set<std::string> bound_sources;
  std::set<std::string> free_workers;
  for (const auto& [name, w] : v.workers) {
    if (w.bound) {
      if (!w.alive || !v.sources.count(*w.bound)) {
        plan.unbind.push_back({*w.bound, name});
        if (w.alive) free_workers.insert(name);
        continue;
      }
      bound_sources.insert(*w.bound);
    } else if (w.alive) {
      free_workers.insert(name);
    }
  }
  for (const auto& source : v.sources) {
    if (bound_sources.count(source)) continue;
    std::string chosen;
    for (const auto& w : free_workers) {
      auto it = v.last_bound.find(w);
      if (it != v.last_bound.end() && it->second == source) {
        chosen = w;
        break;
      }
    }
    if (chosen.empty() && !free_workers.empty()) chosen = *free_workers.begin();
    if (chosen.empty()) {
      plan.waiting.push_back(source);
      continue;
    }
    free_workers.erase(chosen);
    plan.bind.push_back({source, chosen});
  }
  return plan;
}

}  // namespace dm::master
