// The embedded etcd member against the real etcd binary.
#include "dm/master/etcd_member.h"

#include <nlohmann/json.hpp>

#include "dm/api/http.h"
#include "dm/testing/gtest_skip.h"

namespace dm::master {
namespace {

std::string Loopback(uint16_t port) { return "127.0.0.1:" + std::to_string(port); }

TEST(EtcdMemberTest, SingleMemberStartsRestartsAndStops) {
  DM_REQUIRE_ETCD();
  auto dir = testing::MakeTempSubdir("etcd-member");
  DM_ASSERT_OK(dir);
  auto p1 = testing::FreePort();
  auto p2 = testing::FreePort();
  DM_ASSERT_OK(p1);
  DM_ASSERT_OK(p2);
  EtcdMemberOptions o;
  o.name = "m1";
  o.data_dir = *dir;
  o.peer_urls = "http://" + Loopback(*p1);
  o.client_addr = Loopback(*p2);
  {
    auto m = EtcdMember::Start(o);
    DM_ASSERT_OK(m);
    auto put = api::HttpCall((*m)->client_url(), "POST", "/v3/kv/put",
                             R"({"key":"Zm9v","value":"YmFy"})");
    DM_ASSERT_OK(put);
    EXPECT_EQ(put->status, 200) << put->body;
    DM_ASSERT_OK((*m)->Stop());
  }
  // Restart on the same data dir keeps the data.
  auto m = EtcdMember::Start(o);
  DM_ASSERT_OK(m);
  auto get = api::HttpCall((*m)->client_url(), "POST", "/v3/kv/range", R"({"key":"Zm9v"})");
  DM_ASSERT_OK(get);
  EXPECT_NE(get->body.find("YmFy"), std::string::npos) << get->body;
}

TEST(EtcdMemberTest, ThreeMembersFormOneCluster) {
  DM_REQUIRE_ETCD();
  std::vector<EtcdMemberOptions> opts(3);
  std::string cluster;
  for (int i = 0; i < 3; ++i) {
    auto dir = testing::MakeTempSubdir("etcd-m" + std::to_string(i));
    DM_ASSERT_OK(dir);
    auto pp = testing::FreePort();
    auto cp = testing::FreePort();
    DM_ASSERT_OK(pp);
    DM_ASSERT_OK(cp);
    opts[i].name = "m" + std::to_string(i);
    opts[i].data_dir = *dir;
    opts[i].peer_urls = "http://" + Loopback(*pp);
    opts[i].client_addr = Loopback(*cp);
    cluster += (i ? "," : "") + opts[i].name + "=" + opts[i].peer_urls;
  }
  std::vector<std::unique_ptr<EtcdMember>> members;
  for (auto& o : opts) {
    o.initial_cluster = cluster;
    auto m = EtcdMember::Start(o, /*timeout_s=*/0);
    DM_ASSERT_OK(m);
    members.push_back(std::move(m).value());
  }
  for (auto& m : members) DM_ASSERT_OK(m->WaitServing(60));
  auto list = api::HttpCall(members[0]->client_url(), "POST", "/v3/cluster/member/list", "{}");
  DM_ASSERT_OK(list);
  auto j = nlohmann::json::parse(list->body);
  EXPECT_EQ(j["members"].size(), 3u) << list->body;
}

TEST(EtcdMemberTest, MissingBinaryIsAClearError) {
  EtcdMemberOptions o;
  auto dir = testing::MakeTempSubdir("etcd-missing");
  DM_ASSERT_OK(dir);
  o.data_dir = *dir;
  o.client_addr = "127.0.0.1:1";
  o.etcd_binary = "/nonexistent/etcd";
  auto m = EtcdMember::Start(o, 2);
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.status().ToString().find("etcd"), std::string::npos) << m.status().ToString();
}

}  // namespace
}  // namespace dm::master
