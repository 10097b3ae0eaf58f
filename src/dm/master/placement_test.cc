#include "dm/master/placement.h"

#include <gtest/gtest.h>

namespace dm::master {
namespace {

TEST(PlacementTest, BindsNewSourcesToFreeWorkersByName) {
  ClusterView v;
  v.workers["w2"] = {"a2", true, std::nullopt};
  v.workers["w1"] = {"a1", true, std::nullopt};
  v.sources = {"s1"};
  auto p = PlanPlacement(v);
  ASSERT_EQ(p.bind.size(), 1u);
  EXPECT_EQ(p.bind[0], (Binding{"s1", "w1"}));
  EXPECT_TRUE(p.unbind.empty());
}

TEST(PlacementTest, DeadWorkerLosesItsSourceToTheOtherWorker) {
  ClusterView v;
  v.workers["w1"] = {"a1", false, "s1"};
  v.workers["w2"] = {"a2", true, std::nullopt};
  v.sources = {"s1"};
  auto p = PlanPlacement(v);
  EXPECT_EQ(p.unbind, (std::vector<Binding>{{"s1", "w1"}}));
  EXPECT_EQ(p.bind, (std::vector<Binding>{{"s1", "w2"}}));
}

TEST(PlacementTest, PrefersTheLastBoundWorkerAndWaitsWithoutFreeOnes) {
  ClusterView v;
  v.workers["w1"] = {"a1", true, std::nullopt};
  v.workers["w2"] = {"a2", true, std::nullopt};
  v.last_bound["w2"] = "s2";
  v.sources = {"s1", "s2", "s3"};
  auto p = PlanPlacement(v);
  EXPECT_EQ(p.bind, (std::vector<Binding>{{"s1", "w1"}, {"s2", "w2"}}));
  EXPECT_EQ(p.waiting, (std::vector<std::string>{"s3"}));
}

TEST(PlacementTest, RemovedSourceFreesItsWorker) {
  ClusterView v;
  v.workers["w1"] = {"a1", true, "gone"};
  v.sources = {"s9"};
  auto p = PlanPlacement(v);
  EXPECT_EQ(p.unbind, (std::vector<Binding>{{"gone", "w1"}}));
  EXPECT_EQ(p.bind, (std::vector<Binding>{{"s9", "w1"}}));
}

TEST(PlacementTest, StableWhenEverythingIsBound) {
  ClusterView v;
  v.workers["w1"] = {"a1", true, "s1"};
  v.workers["w2"] = {"a2", true, std::nullopt};
  v.sources = {"s1"};
  auto p = PlanPlacement(v);
  EXPECT_TRUE(p.bind.empty());
  EXPECT_TRUE(p.unbind.empty());
}

}  // namespace
}  // namespace dm::master
