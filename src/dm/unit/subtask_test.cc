#include "dm/unit/subtask.h"

#include <gtest/gtest.h>

#include <atomic>
#include <nlohmann/json.hpp>
#include <thread>

namespace dm::unit {
namespace {

using namespace std::chrono_literals;

// A unit whose behaviour the test scripts: finish after `steps` work items, fail at a
// given step, and remember progress across pauses (like a checkpoint).
class ScriptedUnit : public Unit {
 public:
  ScriptedUnit(UnitType t, int steps, int fail_at = -1) : t_(t), steps_(steps), fail_at_(fail_at) {}
  UnitType type() const override { return t_; }
  Status Init() override {
    ++inits;
    return Status::OK();
  }
  Status Process(std::stop_token stop) override {
    ++processes;
    while (done < steps_) {
      if (stop.stop_requested()) return Status::OK();
      if (done == fail_at_) {
        fail_at_ = -1;  // fails once; a resume continues
        return Status(Code::kUnavailable, "downstream went away", Scope::kDownstream);
      }
      std::this_thread::sleep_for(1ms);
      ++done;
    }
    return Status::OK();
  }
  void Close() override { ++closes; }
  void StatusJson(nlohmann::json* out) const override { (*out)["done"] = done.load(); }

  std::atomic<int> done{0}, inits{0}, processes{0}, closes{0};

 private:
  UnitType t_;
  int steps_;
  int fail_at_;
};

TEST(TaskModeTest, UnitsPerMode) {
  EXPECT_EQ(UnitsForMode(TaskMode::kAll),
            (std::vector<UnitType>{UnitType::kCheck, UnitType::kDump, UnitType::kLoad,
                                   UnitType::kSync}));
  EXPECT_EQ(UnitsForMode(TaskMode::kIncremental),
            (std::vector<UnitType>{UnitType::kCheck, UnitType::kSync}));
  auto bad = ParseTaskMode("fulll");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().ToString().find("incremental"), std::string::npos);
}

TEST(SubTaskTest, RunsUnitsInOrderToFinished) {
  std::vector<std::unique_ptr<Unit>> units;
  auto* a = new ScriptedUnit(UnitType::kCheck, 3);
  auto* b = new ScriptedUnit(UnitType::kDump, 5);
  units.emplace_back(a);
  units.emplace_back(b);
  SubTask st("t", "s1", std::move(units));
  EXPECT_EQ(st.stage(), Stage::kNew);
  ASSERT_TRUE(st.Start().ok());
  ASSERT_TRUE(st.WaitNotRunning(5s));
  EXPECT_EQ(st.stage(), Stage::kFinished);
  EXPECT_EQ(a->done, 3);
  EXPECT_EQ(b->done, 5);
  EXPECT_FALSE(st.Start().ok());  // finished subtasks cannot restart
}

TEST(SubTaskTest, PauseResumeContinuesTheSameUnit) {
  std::vector<std::unique_ptr<Unit>> units;
  auto* sync = new ScriptedUnit(UnitType::kSync, 1000000);
  units.emplace_back(sync);
  SubTask st("t", "s1", std::move(units));
  ASSERT_TRUE(st.Start().ok());
  std::this_thread::sleep_for(20ms);
  st.Pause();
  EXPECT_EQ(st.stage(), Stage::kPaused);
  int at_pause = sync->done;
  EXPECT_GT(at_pause, 0);
  nlohmann::json j;
  st.StatusJson(&j);
  EXPECT_EQ(j["stage"], "Paused");
  EXPECT_EQ(j["unit"], "Sync");
  EXPECT_EQ(j["result"]["isCanceled"], true);
  ASSERT_TRUE(st.Resume().ok());
  std::this_thread::sleep_for(20ms);
  EXPECT_GT(sync->done, at_pause);  // continued, not restarted
  EXPECT_EQ(sync->inits, 1);
  EXPECT_EQ(sync->processes, 2);
  st.Stop();
  EXPECT_EQ(st.stage(), Stage::kStopped);
  EXPECT_EQ(sync->closes, 1);
  EXPECT_FALSE(st.Resume().ok());
}

TEST(SubTaskTest, UnitErrorPausesWithTheErrorAndResumeContinues) {
  std::vector<std::unique_ptr<Unit>> units;
  auto* load = new ScriptedUnit(UnitType::kLoad, 10, /*fail_at=*/4);
  units.emplace_back(load);
  SubTask st("t", "s1", std::move(units));
  ASSERT_TRUE(st.Start().ok());
  ASSERT_TRUE(st.WaitNotRunning(5s));
  EXPECT_EQ(st.stage(), Stage::kPaused);
  EXPECT_TRUE(st.error().IsRetryable());
  nlohmann::json j;
  st.StatusJson(&j);
  EXPECT_EQ(j["result"]["isCanceled"], false);
  EXPECT_EQ(j["result"]["errors"][0]["ErrScope"], "downstream");
  EXPECT_NE(j["result"]["errors"][0]["Message"].get<std::string>().find("Load unit"),
            std::string::npos);
  ASSERT_TRUE(st.Resume().ok());
  ASSERT_TRUE(st.WaitNotRunning(5s));
  EXPECT_EQ(st.stage(), Stage::kFinished);
  EXPECT_EQ(load->done, 10);
}

TEST(SubTaskTest, DestructorStopsARunningSubtask) {
  std::vector<std::unique_ptr<Unit>> units;
  units.emplace_back(new ScriptedUnit(UnitType::kSync, 1000000));
  auto st = std::make_unique<SubTask>("t", "s1", std::move(units));
  ASSERT_TRUE(st->Start().ok());
  st.reset();  // must not hang or crash
}

}  // namespace
}  // namespace dm::unit
