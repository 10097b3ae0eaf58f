// Integration tests of Session (lease + keep-alive thread) against a real etcd 3.4.
#include "dm/coord/session.h"

#include <gtest/gtest.h>

#include <atomic>

#include "dm/coord/coord_test_util.h"

namespace dm::coord {
namespace {

using testing::EtcdTest;
using testing::WaitFor;
using namespace std::chrono_literals;

bool KeyExists(EtcdClient& c, const std::string& key) {
  auto g = c.Get(key);
  return g.ok() && g->has_value();
}

TEST_F(EtcdTest, SessionKeepsLeaseAliveAndCloseRevokes) {
  SessionOptions so;
  so.ttl_seconds = 2;
  auto s = Session::Create(client_.get(), so);
  DM_ASSERT_OK(s);
  DM_ASSERT_OK(client_->Put("/s/k", "v", (*s)->lease_id()));
  std::this_thread::sleep_for(5s);  // 2.5 TTLs
  EXPECT_TRUE((*s)->Alive());
  EXPECT_TRUE(KeyExists(*client_, "/s/k"));

  DM_ASSERT_OK((*s)->Close());
  EXPECT_FALSE((*s)->Alive());
  EXPECT_FALSE(KeyExists(*client_, "/s/k"));  // revoked at once, not after the TTL
  auto done = (*s)->Done();
  ASSERT_EQ(done.wait_for(0s), std::future_status::ready);
  EXPECT_TRUE(done.get().ok());
  DM_ASSERT_OK((*s)->Close());  // idempotent
}

TEST_F(EtcdTest, OrphanedSessionLeaseExpires) {
  SessionOptions so;
  so.ttl_seconds = 2;
  auto s = Session::Create(client_.get(), so);
  DM_ASSERT_OK(s);
  DM_ASSERT_OK(client_->Put("/s/o", "v", (*s)->lease_id()));
  (*s)->Orphan();
  EXPECT_EQ((*s)->Done().get().code(), Code::kCancelled);
  EXPECT_TRUE(KeyExists(*client_, "/s/o"));
  EXPECT_TRUE(WaitFor(6s, [&] { return !KeyExists(*client_, "/s/o"); }));
}

TEST_F(EtcdTest, SessionReportsLossWhenLeaseRevokedElsewhere) {
  std::atomic<int> lost_calls{0};
  SessionOptions so;
  so.ttl_seconds = 3;  // renewals every 1 s
  so.on_lost = [&](const Status&) { ++lost_calls; };
  auto s = Session::Create(client_.get(), so);
  DM_ASSERT_OK(s);
  DM_ASSERT_OK(client_->LeaseRevoke((*s)->lease_id()));
  auto done = (*s)->Done();
  ASSERT_EQ(done.wait_for(4s), std::future_status::ready);
  Status why = done.get();
  EXPECT_EQ(why.code(), Code::kNotFound) << why.ToString();
  EXPECT_FALSE((*s)->Alive());
  EXPECT_EQ(lost_calls.load(), 1);
}

TEST_F(EtcdTest, SessionReportsLossWhenEtcdUnreachableUntilExpiry) {
  std::atomic<int> lost_calls{0};
  SessionOptions so;
  so.ttl_seconds = 2;
  so.on_lost = [&](const Status&) { ++lost_calls; };
  auto s = Session::Create(client_.get(), so);
  DM_ASSERT_OK(s);
  auto killed_at = std::chrono::steady_clock::now();
  server_->Kill();
  auto done = (*s)->Done();
  ASSERT_EQ(done.wait_for(5s), std::future_status::ready);
  // Not before the lease could have expired on the server (TTL after the last renewal,
  // which was at most TTL/3 before the kill).
  EXPECT_GE(std::chrono::steady_clock::now() - killed_at, 2s * 2 / 3 - 100ms);
  Status why = done.get();
  EXPECT_EQ(why.code(), Code::kUnavailable) << why.ToString();
  EXPECT_NE(why.message().find("could not be renewed"), std::string::npos) << why.ToString();
  EXPECT_EQ(lost_calls.load(), 1);
  // Close after loss is fine (etcd is down: revoke is not attempted).
  auto start = std::chrono::steady_clock::now();
  DM_ASSERT_OK((*s)->Close());
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
}

}  // namespace
}  // namespace dm::coord
