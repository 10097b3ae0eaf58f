#pragma once
// Placement: which worker runs which source. Pure decision logic of the scheduler, kept
// apart from etcd so it can be tested exhaustively; the scheduler feeds it the cluster
// as read from etcd and applies the plan with fenced transactions.
//
// Rules (DM's, docs/control-plane.md "Scheduling"):
//  - a worker without a live keepalive is offline: its source is unbound;
//  - a binding to a source that no longer exists is removed;
//  - each unbound source goes to an alive free worker: the one it was last bound to if that
//    one is free, else the free worker with the smallest name; with none free it waits.

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace dm::master {

struct WorkerView {
  std::string address;
  bool alive = false;                // keepalive key present
  std::optional<std::string> bound;  // source bound to it
};

struct ClusterView {
  std::map<std::string, WorkerView> workers;       // by worker name
  std::set<std::string> sources;                   // every source id
  std::map<std::string, std::string> last_bound;   // worker -> source it last ran
};

struct Binding {
  std::string source;
  std::string worker;
  friend bool operator==(const Binding&, const Binding&) = default;
};

struct PlacementPlan {
  std::vector<Binding> unbind;  // remove these bindings first
  std::vector<Binding> bind;    // then add these
  std::vector<std::string> waiting;  // sources left unbound: no free worker
};

PlacementPlan PlanPlacement(const ClusterView& view);

}  // namespace dm::master
