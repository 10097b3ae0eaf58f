// Integration tests of Watcher against a real etcd 3.4: order, prev_kv, history replay,
// resume across an etcd kill -9 + restart, compaction, cancel.
#include "dm/coord/watcher.h"

#include <gtest/gtest.h>

#include <mutex>

#include "dm/coord/coord_test_util.h"

namespace dm::coord {
namespace {

using testing::CollectEvents;
using testing::EtcdTest;
using testing::WaitFor;
using namespace std::chrono_literals;
using Type = WatchEvent::Type;

TEST_F(EtcdTest, WatchDeliversPutsAndDeletesInOrder) {
  WatchOptions o;
  o.key = "/w/";
  o.prefix = true;
  o.prev_kv = true;
  auto w = client_->Watch(o);
  DM_ASSERT_OK(w);

  DM_ASSERT_OK(client_->Put("/w/a", "1"));
  DM_ASSERT_OK(client_->Put("/x/outside", "ignored"));
  DM_ASSERT_OK(client_->Put("/w/a", "2"));
  DM_ASSERT_OK(client_->Delete("/w/a"));
  auto txn = client_->Txn({}, {TxnOp::Put("/w/b", "B"), TxnOp::Put("/w/c", "C")});
  DM_ASSERT_OK(txn);

  auto ev = CollectEvents(**w, 5, 5s);
  ASSERT_EQ(ev.size(), 5u);
  EXPECT_EQ(ev[0].type, Type::kPut);
  EXPECT_EQ(ev[0].kv.value, "1");
  EXPECT_FALSE(ev[0].prev_kv.has_value());
  EXPECT_EQ(ev[1].kv.value, "2");
  ASSERT_TRUE(ev[1].prev_kv.has_value());
  EXPECT_EQ(ev[1].prev_kv->value, "1");
  EXPECT_EQ(ev[2].type, Type::kDelete);
  EXPECT_EQ(ev[2].kv.key, "/w/a");
  ASSERT_TRUE(ev[2].prev_kv.has_value());
  EXPECT_EQ(ev[2].prev_kv->value, "2");
  EXPECT_EQ(ev[3].kv.key, "/w/b");
  EXPECT_EQ(ev[4].kv.key, "/w/c");
  EXPECT_EQ(ev[3].kv.mod_revision, txn->revision);
  EXPECT_EQ(ev[4].kv.mod_revision, txn->revision);
  for (size_t i = 1; i < ev.size(); ++i) {
    EXPECT_LE(ev[i - 1].kv.mod_revision, ev[i].kv.mod_revision);
  }
  EXPECT_EQ((*w)->next_revision(), txn->revision + 1);
}

TEST_F(EtcdTest, WatchSingleKeyFromPastRevisionReplaysHistory) {
  auto r1 = client_->Put("/h/k", "1");
  DM_ASSERT_OK(r1);
  DM_ASSERT_OK(client_->Put("/h/k2", "other key"));
  DM_ASSERT_OK(client_->Put("/h/k", "2"));
  WatchOptions o;
  o.key = "/h/k";
  o.start_revision = *r1;
  auto w = client_->Watch(o);
  DM_ASSERT_OK(w);
  auto ev = CollectEvents(**w, 2, 5s);
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0].kv.value, "1");
  EXPECT_EQ(ev[1].kv.value, "2");
  // Nothing else (the other key is not watched).
  EXPECT_FALSE((*w)->Next(300ms).has_value());
}

TEST_F(EtcdTest, WatchResumesAfterEtcdKilledAndRestarted) {
  WatchOptions o;
  o.key = "/r/";
  o.prefix = true;
  auto w = client_->Watch(o);
  DM_ASSERT_OK(w);
  DM_ASSERT_OK(client_->Put("/r/1", "a"));
  DM_ASSERT_OK(client_->Put("/r/2", "b"));
  auto first = CollectEvents(**w, 2, 5s);
  ASSERT_EQ(first.size(), 2u);

  server_->Kill();  // SIGKILL
  std::this_thread::sleep_for(500ms);
  DM_ASSERT_OK(server_->Restart());
  ASSERT_TRUE(WaitFor(10s, [&] { return client_->Put("/r/3", "c").ok(); }));
  DM_ASSERT_OK(client_->Put("/r/4", "d"));

  auto after = CollectEvents(**w, 2, 10s);
  ASSERT_EQ(after.size(), 2u);
  EXPECT_EQ(after[0].kv.key, "/r/3");
  EXPECT_EQ(after[1].kv.key, "/r/4");
  // Exactly once: no replay of /r/1, /r/2 and nothing extra.
  EXPECT_FALSE((*w)->Next(500ms).has_value());
}

TEST_F(EtcdTest, WatchFromCompactedRevisionAsksToRelist) {
  auto r1 = client_->Put("/c/k", "1");
  DM_ASSERT_OK(r1);
  DM_ASSERT_OK(client_->Put("/c/k", "2"));
  auto r3 = client_->Put("/c/k", "3");
  DM_ASSERT_OK(r3);
  DM_ASSERT_OK(client_->Compact(*r3));

  WatchOptions o;
  o.key = "/c/k";
  o.start_revision = *r1;
  auto w = client_->Watch(o);
  DM_ASSERT_OK(w);
  auto b = (*w)->Next(5s);
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->status.code(), Code::kFailedPrecondition) << b->status.ToString();
  EXPECT_EQ(b->compact_revision, *r3);
  EXPECT_NE(b->status.message().find("re-list"), std::string::npos);
  EXPECT_TRUE(b->events.empty());
  // Sticky.
  auto again = (*w)->Next(10ms);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->compact_revision, *r3);
}

TEST_F(EtcdTest, WatchCallbackModeAndCancel) {
  std::mutex mu;
  std::vector<std::string> values;
  Status final_status;
  WatchOptions o;
  o.key = "/cb";
  o.on_batch = [&](WatchBatch b) {
    std::lock_guard<std::mutex> lock(mu);
    if (!b.status.ok()) final_status = b.status;
    for (auto& e : b.events) values.push_back(e.kv.value);
  };
  auto w = client_->Watch(o);
  DM_ASSERT_OK(w);
  for (int i = 0; i < 20; ++i) DM_ASSERT_OK(client_->Put("/cb", std::to_string(i)));
  EXPECT_TRUE(WaitFor(5s, [&] {
    std::lock_guard<std::mutex> lock(mu);
    return values.size() == 20;
  }));
  {
    std::lock_guard<std::mutex> lock(mu);
    for (int i = 0; i < 20; ++i) EXPECT_EQ(values[i], std::to_string(i));
  }
  auto start = std::chrono::steady_clock::now();
  (*w)->Cancel();
  auto end = (*w)->Next(2s);
  ASSERT_TRUE(end.has_value());
  EXPECT_EQ(end->status.code(), Code::kCancelled);
  w->reset();  // joins
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  std::lock_guard<std::mutex> lock(mu);
  EXPECT_EQ(final_status.code(), Code::kCancelled);
}

TEST_F(EtcdTest, FullQueueAppliesBackpressureWithoutLosingEvents) {
  WatchOptions o;
  o.key = "/bp";
  o.queue_capacity = 2;
  auto w = client_->Watch(o);
  DM_ASSERT_OK(w);
  for (int i = 0; i < 50; ++i) DM_ASSERT_OK(client_->Put("/bp", std::to_string(i)));
  auto ev = CollectEvents(**w, 50, 10s);
  ASSERT_EQ(ev.size(), 50u);
  for (int i = 0; i < 50; ++i) EXPECT_EQ(ev[i].kv.value, std::to_string(i));
}

TEST_F(EtcdTest, DestroyingWatcherWhileQueueIsFullDoesNotHang) {
  WatchOptions o;
  o.key = "/full";
  o.queue_capacity = 1;
  auto w = client_->Watch(o);
  DM_ASSERT_OK(w);
  for (int i = 0; i < 10; ++i) DM_ASSERT_OK(client_->Put("/full", std::to_string(i)));
  std::this_thread::sleep_for(300ms);  // the thread is now blocked on the full queue
  auto start = std::chrono::steady_clock::now();
  w->reset();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
}

}  // namespace
}  // namespace dm::coord
