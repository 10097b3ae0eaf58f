// Integration tests of EtcdClient against a real etcd 3.4: KV, Txn, leases, endpoints.
#include "dm/coord/etcd_client.h"

#include <gtest/gtest.h>

#include "dm/coord/coord_test_util.h"

namespace dm::coord {
namespace {

using testing::EtcdTest;
using testing::UnusedPort;
using testing::WaitFor;
using namespace std::chrono_literals;

TEST(PrefixRangeEndTest, IncrementsLastByteAndDropsTrailingFF) {
  EXPECT_EQ(PrefixRangeEnd("a"), "b");
  EXPECT_EQ(PrefixRangeEnd("/dm/x"), "/dm/y");
  EXPECT_EQ(PrefixRangeEnd(std::string("a\xff", 2)), "b");
  EXPECT_EQ(PrefixRangeEnd(""), std::string(1, '\0'));
  EXPECT_EQ(PrefixRangeEnd(std::string("\xff\xff", 2)), std::string(1, '\0'));
}

TEST_F(EtcdTest, PutGetDeleteAndRevisions) {
  auto missing = client_->Get("/t/none");
  DM_ASSERT_OK(missing);
  EXPECT_FALSE(missing->has_value());

  auto r1 = client_->Put("/t/a", "1");
  DM_ASSERT_OK(r1);
  auto r2 = client_->Put("/t/a", "2");
  DM_ASSERT_OK(r2);
  EXPECT_EQ(*r2, *r1 + 1);

  auto a = client_->Get("/t/a");
  DM_ASSERT_OK(a);
  ASSERT_TRUE(a->has_value());
  EXPECT_EQ((*a)->value, "2");
  EXPECT_EQ((*a)->create_revision, *r1);
  EXPECT_EQ((*a)->mod_revision, *r2);
  EXPECT_EQ((*a)->version, 2);
  EXPECT_EQ((*a)->lease, 0);

  // Binary-safe keys and values.
  const std::string bkey("/t/b\0\xff", 6), bval("\0v\n", 3);
  DM_ASSERT_OK(client_->Put(bkey, bval));
  auto b = client_->Get(bkey);
  DM_ASSERT_OK(b);
  ASSERT_TRUE(b->has_value());
  EXPECT_EQ((*b)->value, bval);

  DM_ASSERT_OK(client_->Put("/t/c", "3"));
  DM_ASSERT_OK(client_->Put("/u/other", "x"));
  auto all = client_->GetPrefix("/t/");
  DM_ASSERT_OK(all);
  ASSERT_EQ(all->kvs.size(), 3u);
  EXPECT_EQ(all->kvs[0].key, "/t/a");
  EXPECT_EQ(all->kvs[1].key, bkey);
  EXPECT_EQ(all->kvs[2].key, "/t/c");
  EXPECT_GE(all->revision, *r2);

  GetOptions newest;
  newest.sort_by = GetOptions::SortBy::kModRevision;
  newest.descending = true;
  newest.limit = 1;
  auto last = client_->GetPrefix("/t/", newest);
  DM_ASSERT_OK(last);
  ASSERT_EQ(last->kvs.size(), 1u);
  EXPECT_EQ(last->kvs[0].key, "/t/c");
  EXPECT_TRUE(last->more);

  auto d = client_->Delete("/t/a");
  DM_ASSERT_OK(d);
  EXPECT_EQ(d->deleted, 1);
  auto d0 = client_->Delete("/t/a");
  DM_ASSERT_OK(d0);
  EXPECT_EQ(d0->deleted, 0);

  auto dp = client_->DeletePrefix("/t/");
  DM_ASSERT_OK(dp);
  EXPECT_EQ(dp->deleted, 2);
  auto rest = client_->GetPrefix("");
  DM_ASSERT_OK(rest);
  ASSERT_EQ(rest->kvs.size(), 1u);
  EXPECT_EQ(rest->kvs[0].key, "/u/other");
}

TEST_F(EtcdTest, TxnCreateIfAbsentAndCompares) {
  auto t1 = client_->Txn({Compare::Missing("/txn/k")}, {TxnOp::Put("/txn/k", "first")},
                         {TxnOp::Get("/txn/k")});
  DM_ASSERT_OK(t1);
  EXPECT_TRUE(t1->succeeded);
  ASSERT_EQ(t1->responses.size(), 1u);
  EXPECT_EQ(t1->responses[0].type, TxnOp::Type::kPut);

  auto t2 = client_->Txn({Compare::Missing("/txn/k")}, {TxnOp::Put("/txn/k", "second")},
                         {TxnOp::Get("/txn/k")});
  DM_ASSERT_OK(t2);
  EXPECT_FALSE(t2->succeeded);
  ASSERT_EQ(t2->responses.size(), 1u);
  ASSERT_EQ(t2->responses[0].kvs.size(), 1u);
  EXPECT_EQ(t2->responses[0].kvs[0].value, "first");
  EXPECT_EQ(t2->responses[0].kvs[0].create_revision, t1->revision);
  EXPECT_EQ(t2->revision, t1->revision);  // a failed read-only branch writes nothing

  using Op = Compare::Op;
  auto check = [&](Compare c) {
    auto r = client_->Txn({std::move(c)}, {}, {});
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() && r->succeeded;
  };
  EXPECT_TRUE(check(Compare::Value("/txn/k", Op::kEqual, "first")));
  EXPECT_TRUE(check(Compare::Value("/txn/k", Op::kNotEqual, "other")));
  EXPECT_FALSE(check(Compare::Value("/txn/k", Op::kEqual, "other")));
  EXPECT_TRUE(check(Compare::Version("/txn/k", Op::kEqual, 1)));
  EXPECT_TRUE(check(Compare::Version("/txn/k", Op::kLess, 2)));
  EXPECT_TRUE(check(Compare::CreateRevision("/txn/k", Op::kEqual, t1->revision)));
  EXPECT_TRUE(check(Compare::ModRevision("/txn/k", Op::kGreater, t1->revision - 1)));
  EXPECT_FALSE(check(Compare::ModRevision("/txn/k", Op::kGreater, t1->revision)));
  EXPECT_TRUE(check(Compare::Lease("/txn/k", Op::kEqual, 0)));
  EXPECT_TRUE(check(Compare::Exists("/txn/k")));

  // Several ops in one revision; nested transaction reports its branch.
  auto t3 = client_->Txn({Compare::Exists("/txn/k")},
                         {TxnOp::Put("/txn/a", "A"), TxnOp::Delete("/txn/k"),
                          TxnOp::Txn({Compare::Missing("/txn/b")}, {TxnOp::Put("/txn/b", "B")}),
                          TxnOp::GetPrefix("/txn/")});
  DM_ASSERT_OK(t3);
  ASSERT_TRUE(t3->succeeded);
  ASSERT_EQ(t3->responses.size(), 4u);
  EXPECT_EQ(t3->responses[1].deleted, 1);
  EXPECT_EQ(t3->responses[2].type, TxnOp::Type::kTxn);
  EXPECT_TRUE(t3->responses[2].succeeded);
  ASSERT_EQ(t3->responses[3].kvs.size(), 2u);  // /txn/a and /txn/b, same revision
  EXPECT_EQ(t3->responses[3].kvs[0].mod_revision, t3->revision);
  EXPECT_EQ(t3->responses[3].kvs[1].mod_revision, t3->revision);

  // etcd refuses two writes to one key in a transaction.
  auto dup = client_->Txn({}, {TxnOp::Put("/txn/d", "1"), TxnOp::Put("/txn/d", "2")});
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.status().code(), Code::kInvalidArgument) << dup.status().ToString();
}

TEST_F(EtcdTest, LeaseExpiryDeletesKeys) {
  auto lease = client_->LeaseGrant(2);
  DM_ASSERT_OK(lease);
  EXPECT_GE(lease->ttl, 2);
  DM_ASSERT_OK(client_->Put("/lease/k", "v", lease->id));
  auto kv = client_->Get("/lease/k");
  DM_ASSERT_OK(kv);
  ASSERT_TRUE(kv->has_value());
  EXPECT_EQ((*kv)->lease, lease->id);

  auto ttl = client_->LeaseTimeToLive(lease->id, /*with_keys=*/true);
  DM_ASSERT_OK(ttl);
  EXPECT_GT(ttl->ttl, 0);
  EXPECT_EQ(ttl->granted_ttl, lease->ttl);
  ASSERT_EQ(ttl->keys.size(), 1u);
  EXPECT_EQ(ttl->keys[0], "/lease/k");

  // Not kept alive: etcd deletes the key within TTL (+ its 1 s check granularity).
  EXPECT_TRUE(WaitFor(6s, [&] {
    auto g = client_->Get("/lease/k");
    return g.ok() && !g->has_value();
  }));
  auto after = client_->LeaseKeepAliveOnce(lease->id);
  DM_ASSERT_OK(after);
  EXPECT_EQ(*after, 0);
  auto gone = client_->LeaseTimeToLive(lease->id);
  DM_ASSERT_OK(gone);
  EXPECT_EQ(gone->ttl, -1);

  auto bad = client_->Put("/lease/k2", "v", lease->id);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), Code::kNotFound) << bad.status().ToString();
  EXPECT_EQ(client_->LeaseRevoke(lease->id).code(), Code::kNotFound);
}

TEST_F(EtcdTest, KeepAliveOnceKeepsKeysAndRevokeDeletesThem) {
  auto lease = client_->LeaseGrant(2);
  DM_ASSERT_OK(lease);
  DM_ASSERT_OK(client_->Put("/ka/k", "v", lease->id));
  for (int i = 0; i < 8; ++i) {  // 4 s, twice the TTL
    std::this_thread::sleep_for(500ms);
    auto ttl = client_->LeaseKeepAliveOnce(lease->id);
    DM_ASSERT_OK(ttl);
    EXPECT_GE(*ttl, 1);
  }
  auto kv = client_->Get("/ka/k");
  DM_ASSERT_OK(kv);
  EXPECT_TRUE(kv->has_value());
  DM_ASSERT_OK(client_->LeaseRevoke(lease->id));
  auto g = client_->Get("/ka/k");
  DM_ASSERT_OK(g);
  EXPECT_FALSE(g->has_value());
}

TEST(EtcdClientTest, UnreachableEndpointIsRetryableAndNamed) {
  const std::string ep = "127.0.0.1:" + std::to_string(UnusedPort());
  ClientOptions o;
  o.dial_timeout = 300ms;
  auto start = std::chrono::steady_clock::now();
  auto c = EtcdClient::Connect({ep}, o);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), Code::kUnavailable);
  EXPECT_TRUE(c.status().IsRetryable());
  EXPECT_NE(c.status().message().find(ep), std::string::npos) << c.status().ToString();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);

  auto none = EtcdClient::Connect({}, o);
  EXPECT_EQ(none.status().code(), Code::kInvalidArgument);
}

TEST_F(EtcdTest, FailsOverToNextEndpoint) {
  const std::string dead = "127.0.0.1:" + std::to_string(UnusedPort());
  ClientOptions o = Options();
  o.dial_timeout = 300ms;
  auto c = EtcdClient::Connect({dead, server_->endpoint()}, o);
  DM_ASSERT_OK(c);
  EXPECT_EQ((*c)->current_endpoint(), server_->endpoint());
  DM_ASSERT_OK((*c)->Put("/fo/k", "v"));
  auto g = (*c)->Get("/fo/k");
  DM_ASSERT_OK(g);
  EXPECT_TRUE(g->has_value());
}

TEST_F(EtcdTest, CallsFailRetryablyWhileEtcdIsDownAndRecoverAfter) {
  DM_ASSERT_OK(client_->Put("/down/k", "1"));
  server_->Kill();
  auto put = client_->Put("/down/k", "2");
  ASSERT_FALSE(put.ok());
  EXPECT_TRUE(put.status().IsRetryable()) << put.status().ToString();
  EXPECT_NE(put.status().message().find(server_->endpoint()), std::string::npos)
      << put.status().ToString();
  EXPECT_NE(put.status().message().find("/down/k"), std::string::npos) << put.status().ToString();

  DM_ASSERT_OK(server_->Restart());
  EXPECT_TRUE(WaitFor(10s, [&] { return client_->Put("/down/k", "3").ok(); }));
  auto g = client_->Get("/down/k");
  DM_ASSERT_OK(g);
  ASSERT_TRUE(g->has_value());
  EXPECT_EQ((*g)->value, "3");
}

// Two independent single-member etcds stand in for two endpoints of one cluster (the
// fixture cannot start a multi-member cluster): this checks the client's switching only.
TEST_F(EtcdTest, ReadsFailOverWhenTheCurrentEndpointDies) {
  dm::testing::EtcdOptions eo;
  eo.name = "etcd-b";
  auto other = dm::testing::EtcdServer::Start(eo);
  DM_ASSERT_OK(other);
  auto cb = EtcdClient::Connect({(*other)->endpoint()}, Options());
  DM_ASSERT_OK(cb);
  DM_ASSERT_OK(client_->Put("/which", "A"));
  DM_ASSERT_OK((*cb)->Put("/which", "B"));

  auto c = EtcdClient::Connect({server_->endpoint(), (*other)->endpoint()}, Options());
  DM_ASSERT_OK(c);
  auto a = (*c)->Get("/which");
  DM_ASSERT_OK(a);
  EXPECT_EQ((*a)->value, "A");

  server_->Kill();
  auto b = (*c)->Get("/which");  // fails on A, retried on B within the same call
  DM_ASSERT_OK(b);
  EXPECT_EQ((*b)->value, "B");
  EXPECT_EQ((*c)->current_endpoint(), (*other)->endpoint());
  DM_ASSERT_OK((*c)->Put("/which", "B2"));
}

}  // namespace
}  // namespace dm::coord
