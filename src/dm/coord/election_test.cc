// Integration tests of Election and FencedTxn against a real etcd 3.4.
#include "dm/coord/election.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <mutex>
#include <thread>

#include "dm/coord/coord_test_util.h"
#include "dm/coord/session.h"

namespace dm::coord {
namespace {

using testing::EtcdTest;
using testing::WaitFor;
using namespace std::chrono_literals;

constexpr char kPrefix[] = "/dm-master/leader";

class ElectionTest : public EtcdTest {
 protected:
  std::unique_ptr<Session> NewSession(int64_t ttl = 2) {
    SessionOptions so;
    so.ttl_seconds = ttl;
    auto s = Session::Create(client_.get(), so);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? std::move(s).value() : nullptr;
  }
  std::optional<std::string> LeaderValue(Election& e) {
    auto l = e.Leader();
    if (!l.ok() || !l->has_value()) return std::nullopt;
    return (*l)->value;
  }
};

TEST_F(ElectionTest, OneOfTwoWinsAndTheOtherTakesOverWhenTheWinnerDies) {
  auto s1 = NewSession(), s2 = NewSession();
  ASSERT_TRUE(s1 && s2);
  Election e1(client_.get(), s1.get(), kPrefix), e2(client_.get(), s2.get(), kPrefix);

  std::mutex mu;
  std::vector<std::optional<std::string>> seen;
  auto observer = e1.Observe([&](const std::optional<KeyValue>& kv) {
    std::lock_guard<std::mutex> lock(mu);
    seen.push_back(kv ? std::optional<std::string>(kv->value) : std::nullopt);
  });
  DM_ASSERT_OK(observer);

  DM_ASSERT_OK(e1.Campaign("master-1"));
  EXPECT_TRUE(e1.IsLeader());
  auto f1 = e1.fence();
  ASSERT_TRUE(f1.has_value());
  EXPECT_EQ(f1->key, std::string(kPrefix) + "/" + fmt::format("{:x}", s1->lease_id()));

  Status e2_result = Status::Internal("not finished");
  std::atomic<bool> e2_done{false};
  std::jthread campaigner([&] {
    e2_result = e2.Campaign("master-2");
    e2_done = true;
  });
  std::this_thread::sleep_for(1s);
  EXPECT_FALSE(e2_done.load());
  EXPECT_FALSE(e2.IsLeader());
  EXPECT_EQ(LeaderValue(e2), "master-1");

  // The leader writes under its fence.
  auto w1 = FencedTxn(client_.get(), *f1, {}, {TxnOp::Put("/dm-master/state", "from-1")});
  DM_ASSERT_OK(w1);
  EXPECT_TRUE(w1->succeeded);

  // The winner's process "dies": its lease is no longer kept alive.
  auto died = std::chrono::steady_clock::now();
  s1->Orphan();
  ASSERT_TRUE(WaitFor(6s, [&] { return e2_done.load(); }));
  EXPECT_LT(std::chrono::steady_clock::now() - died, 2s + 2s);  // TTL + etcd's expiry tick
  campaigner.join();
  DM_ASSERT_OK(e2_result);
  EXPECT_TRUE(e2.IsLeader());
  EXPECT_FALSE(e1.IsLeader());
  EXPECT_EQ(LeaderValue(e1), "master-2");

  // The old leader's fenced write fails; the new leader's succeeds.
  auto stale = FencedTxn(client_.get(), *f1, {}, {TxnOp::Put("/dm-master/state", "stale")});
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.status().code(), Code::kFailedPrecondition);
  EXPECT_NE(stale.status().message().find(f1->key), std::string::npos);
  auto f2 = e2.fence();
  ASSERT_TRUE(f2.has_value());
  auto w2 = FencedTxn(client_.get(), *f2, {}, {TxnOp::Put("/dm-master/state", "from-2")});
  DM_ASSERT_OK(w2);
  auto state = client_->Get("/dm-master/state");
  DM_ASSERT_OK(state);
  EXPECT_EQ((*state)->value, "from-2");

  EXPECT_TRUE(WaitFor(3s, [&] {
    std::lock_guard<std::mutex> lock(mu);
    return !seen.empty() && seen.back() == "master-2";
  }));
  std::lock_guard<std::mutex> lock(mu);
  ASSERT_GE(seen.size(), 3u);
  EXPECT_EQ(seen[0], std::nullopt);
  EXPECT_EQ(seen[1], "master-1");
  EXPECT_EQ(seen.back(), "master-2");
}

TEST_F(ElectionTest, ResignHandsOverAtOnce) {
  auto s1 = NewSession(10), s2 = NewSession(10);
  ASSERT_TRUE(s1 && s2);
  Election e1(client_.get(), s1.get(), kPrefix), e2(client_.get(), s2.get(), kPrefix);
  DM_ASSERT_OK(e1.Campaign("a"));
  DM_ASSERT_OK(e1.Proclaim("a2"));
  EXPECT_EQ(LeaderValue(e1), "a2");
  std::atomic<bool> done{false};
  std::jthread t([&] {
    EXPECT_TRUE(e2.Campaign("b").ok());
    done = true;
  });
  std::this_thread::sleep_for(300ms);
  EXPECT_FALSE(done.load());
  auto start = std::chrono::steady_clock::now();
  DM_ASSERT_OK(e1.Resign());
  EXPECT_FALSE(e1.IsLeader());
  ASSERT_TRUE(WaitFor(3s, [&] { return done.load(); }));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);  // no TTL wait
  EXPECT_EQ(LeaderValue(e1), "b");
  EXPECT_EQ(e1.Proclaim("x").code(), Code::kFailedPrecondition);
  DM_ASSERT_OK(e1.Resign());  // idempotent
}

TEST_F(ElectionTest, CancelledCampaignRemovesItsKey) {
  auto s1 = NewSession(10), s2 = NewSession(10);
  ASSERT_TRUE(s1 && s2);
  Election e1(client_.get(), s1.get(), kPrefix), e2(client_.get(), s2.get(), kPrefix);
  DM_ASSERT_OK(e1.Campaign("a"));
  std::stop_source stop;
  Status result;
  std::jthread t([&] { result = e2.Campaign("b", stop.get_token()); });
  std::this_thread::sleep_for(300ms);
  auto keys = client_->GetPrefix(std::string(kPrefix) + "/");
  DM_ASSERT_OK(keys);
  EXPECT_EQ(keys->kvs.size(), 2u);
  stop.request_stop();
  t.join();
  EXPECT_EQ(result.code(), Code::kCancelled);
  keys = client_->GetPrefix(std::string(kPrefix) + "/");
  DM_ASSERT_OK(keys);
  EXPECT_EQ(keys->kvs.size(), 1u);
  EXPECT_TRUE(e1.IsLeader());
}

TEST_F(ElectionTest, CampaignFailsWhenSessionIsLost) {
  auto s1 = NewSession(10), s2 = NewSession(10);
  ASSERT_TRUE(s1 && s2);
  Election e1(client_.get(), s1.get(), kPrefix), e2(client_.get(), s2.get(), kPrefix);
  DM_ASSERT_OK(e1.Campaign("a"));
  Status result;
  std::jthread t([&] { result = e2.Campaign("b"); });
  std::this_thread::sleep_for(300ms);
  DM_ASSERT_OK(client_->LeaseRevoke(s2->lease_id()));  // etcd drops s2's lease
  t.join();                                            // the keep-alive notices within TTL/3
  EXPECT_EQ(result.code(), Code::kFailedPrecondition) << result.ToString();
  EXPECT_FALSE(e2.IsLeader());
}

TEST_F(ElectionTest, FencedTxnKeepsInnerComparesApartFromTheFence) {
  auto s1 = NewSession(10);
  ASSERT_TRUE(s1);
  Election e1(client_.get(), s1.get(), kPrefix);
  DM_ASSERT_OK(e1.Campaign("a"));
  auto f = e1.fence();
  ASSERT_TRUE(f.has_value());
  // Inner compare fails: not an error, the else branch ran.
  auto r = FencedTxn(client_.get(), *f, {Compare::Exists("/f/k")}, {TxnOp::Put("/f/k", "then")},
                     {TxnOp::Put("/f/k", "else")});
  DM_ASSERT_OK(r);
  EXPECT_FALSE(r->succeeded);
  auto g = client_->Get("/f/k");
  DM_ASSERT_OK(g);
  EXPECT_EQ((*g)->value, "else");
  r = FencedTxn(client_.get(), *f, {Compare::Exists("/f/k")}, {TxnOp::Get("/f/k")});
  DM_ASSERT_OK(r);
  EXPECT_TRUE(r->succeeded);
  ASSERT_EQ(r->responses.size(), 1u);
  ASSERT_EQ(r->responses[0].kvs.size(), 1u);
  EXPECT_EQ(r->responses[0].kvs[0].value, "else");

  DM_ASSERT_OK(e1.Resign());
  auto after = FencedTxn(client_.get(), *f, {Compare::Exists("/f/k")}, {TxnOp::Delete("/f/k")});
  EXPECT_EQ(after.status().code(), Code::kFailedPrecondition);
  g = client_->Get("/f/k");
  DM_ASSERT_OK(g);
  EXPECT_TRUE(g->has_value());
}

}  // namespace
}  // namespace dm::coord
