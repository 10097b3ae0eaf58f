#include "dm/worker/reconciler.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <thread>

namespace dm::worker {
namespace {

using namespace std::chrono_literals;

// A unit that runs until stopped (like sync).
class ForeverUnit : public unit::Unit {
 public:
  unit::UnitType type() const override { return unit::UnitType::kSync; }
  Status Init() override { return Status::OK(); }
  Status Process(std::stop_token stop) override {
    while (!stop.stop_requested()) std::this_thread::sleep_for(1ms);
    return Status::OK();
  }
  void StatusJson(nlohmann::json* out) const override { (*out)["synced"] = true; }
};

struct Fixture {
  int created = 0;
  Reconciler r{[this](const std::string&, const std::string& task,
                      const std::string& cfg) -> Result<std::unique_ptr<unit::SubTask>> {
    if (cfg == "bad") return Status::InvalidArgument("task " + task + ": bad config");
    ++created;
    std::vector<std::unique_ptr<unit::Unit>> units;
    units.push_back(std::make_unique<ForeverUnit>());
    return std::make_unique<unit::SubTask>(task, "s1", std::move(units));
  }};
};

std::string StageOf(const Reconciler& r, const std::string& task) {
  nlohmann::json j;
  r.StatusJson(&j);
  for (auto& s : j["subTaskStatus"]) {
    if (s["name"] == task) return s["stage"];
  }
  return "absent";
}

TEST(ReconcilerTest, FollowsDesiredStages) {
  Fixture f;
  DesiredState d;
  d.source = "s1";
  d.subtasks["t1"] = {"cfg1", ha::ExpectStage::kRunning};
  ASSERT_TRUE(f.r.Apply(d).ok());
  EXPECT_EQ(StageOf(f.r, "t1"), "Running");
  ASSERT_TRUE(f.r.Apply(d).ok());  // idempotent
  EXPECT_EQ(f.created, 1);
  d.subtasks["t1"].expect = ha::ExpectStage::kPaused;
  ASSERT_TRUE(f.r.Apply(d).ok());
  EXPECT_EQ(StageOf(f.r, "t1"), "Paused");
  d.subtasks["t1"].expect = ha::ExpectStage::kRunning;
  ASSERT_TRUE(f.r.Apply(d).ok());
  EXPECT_EQ(StageOf(f.r, "t1"), "Running");
  d.subtasks["t1"].config = "cfg2";  // update -> recreated
  ASSERT_TRUE(f.r.Apply(d).ok());
  EXPECT_EQ(f.created, 2);
  EXPECT_EQ(StageOf(f.r, "t1"), "Running");
  d.subtasks.erase("t1");
  ASSERT_TRUE(f.r.Apply(d).ok());
  EXPECT_EQ(StageOf(f.r, "t1"), "absent");
}

TEST(ReconcilerTest, UnbindStopsEverythingAndBadConfigIsReported) {
  Fixture f;
  DesiredState d;
  d.source = "s1";
  d.subtasks["good"] = {"cfg", ha::ExpectStage::kRunning};
  d.subtasks["broken"] = {"bad", ha::ExpectStage::kRunning};
  Status s = f.r.Apply(d);
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_EQ(StageOf(f.r, "good"), "Running");
  nlohmann::json j;
  f.r.StatusJson(&j);
  EXPECT_NE(j.dump().find("bad config"), std::string::npos);
  d.source.reset();
  ASSERT_TRUE(f.r.Apply(d).ok());
  EXPECT_TRUE(f.r.RunningTasks().empty());
}

}  // namespace
}  // namespace dm::worker
