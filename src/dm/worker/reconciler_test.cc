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

// A unit that fails `failures` times (with `error`), then runs until stopped.
class FlakyUnit : public unit::Unit {
 public:
  FlakyUnit(int* failures, Status error) : failures_(failures), error_(std::move(error)) {}
  unit::UnitType type() const override { return unit::UnitType::kSync; }
  Status Init() override { return Status::OK(); }
  Status Process(std::stop_token stop) override {
    if (*failures_ > 0) {
      --*failures_;
      return error_;
    }
    while (!stop.stop_requested()) std::this_thread::sleep_for(1ms);
    return Status::OK();
  }
  void StatusJson(nlohmann::json*) const override {}

 private:
  int* failures_;
  Status error_;
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

// stop-task + start-task of the same config between two Apply() calls: the config key is
// re-created (new create revision), so the subtask is re-created and reads the new
// start-task arguments (e.g. --start-time).
TEST(ReconcilerTest, RecreatesSubTaskWhenTheConfigKeyIsRecreated) {
  Fixture f;
  DesiredState d;
  d.source = "s1";
  d.subtasks["t1"] = {"cfg1", ha::ExpectStage::kRunning};
  d.subtasks["t1"].config_revision = 10;
  ASSERT_TRUE(f.r.Apply(d).ok());
  ASSERT_TRUE(f.r.Apply(d).ok());
  EXPECT_EQ(f.created, 1);
  d.subtasks["t1"].config_revision = 15;
  ASSERT_TRUE(f.r.Apply(d).ok());
  EXPECT_EQ(f.created, 2);
  EXPECT_EQ(StageOf(f.r, "t1"), "Running");
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

// Applies `d` every 20 ms until the subtask is Running or `timeout` passes.
bool ReachesRunning(Reconciler& r, const DesiredState& d, std::chrono::milliseconds timeout) {
  auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    (void)r.Apply(d);
    std::this_thread::sleep_for(20ms);
    if (StageOf(r, "t1") == "Running") return true;
  }
  return false;
}

TEST(ReconcilerTest, AutoResumesRetryableErrorsWithBackoff) {
  int failures = 2;
  Reconciler r{[&](const std::string&, const std::string& task,
                   const std::string&) -> Result<std::unique_ptr<unit::SubTask>> {
    std::vector<std::unique_ptr<unit::Unit>> units;
    units.push_back(std::make_unique<FlakyUnit>(&failures, Status::Unavailable("downstream gone")));
    return std::make_unique<unit::SubTask>(task, "s1", std::move(units));
  }};
  DesiredState d;
  d.source = "s1";
  d.auto_resume.backoff_min = 50ms;
  d.auto_resume.backoff_max = 100ms;
  d.subtasks["t1"] = {"cfg", ha::ExpectStage::kRunning, 7};
  auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(ReachesRunning(r, d, 5s));
  EXPECT_EQ(failures, 0);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 150ms);  // waited 50 + 100 ms
}

TEST(ReconcilerTest, PermanentErrorWaitsForResumeTask) {
  int failures = 1;
  Reconciler r{[&](const std::string&, const std::string& task,
                   const std::string&) -> Result<std::unique_ptr<unit::SubTask>> {
    std::vector<std::unique_ptr<unit::Unit>> units;
    units.push_back(std::make_unique<FlakyUnit>(&failures, Status::InvalidArgument("bad row")));
    return std::make_unique<unit::SubTask>(task, "s1", std::move(units));
  }};
  DesiredState d;
  d.source = "s1";
  d.auto_resume.backoff_min = 10ms;
  d.subtasks["t1"] = {"cfg", ha::ExpectStage::kRunning, 7};
  EXPECT_FALSE(ReachesRunning(r, d, 300ms));
  EXPECT_EQ(StageOf(r, "t1"), "Paused");
  d.subtasks["t1"].stage_revision = 8;  // the operator ran resume-task
  EXPECT_TRUE(ReachesRunning(r, d, 2s));
}

}  // namespace
}  // namespace dm::worker
