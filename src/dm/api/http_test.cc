#include "dm/api/http.h"

#include <gtest/gtest.h>

namespace dm::api {
namespace {

TEST(HttpTest, RoutesWithCapturesAndErrors) {
  HttpServer s;
  s.Route("GET", R"(/api/v1/sources/([^/]+))", [](const HttpRequest& r) {
    return HttpResponse{200, "{\"name\":\"" + r.matches.at(0) + "\"}"};
  });
  s.Route("POST", "/api/v1/fail", [](const HttpRequest&) {
    return ErrorResponse(Status::NotFound("source \"x\" not found"));
  });
  ASSERT_TRUE(s.Listen("127.0.0.1", 0).ok());
  std::string addr = "127.0.0.1:" + std::to_string(s.port());
  auto r = HttpCall(addr, "GET", "/api/v1/sources/mysql-01");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "{\"name\":\"mysql-01\"}");
  auto e = HttpCall(addr, "POST", "/api/v1/fail", "{}");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->status, 404);
  EXPECT_NE(e->body.find("\\\"x\\\""), std::string::npos) << e->body;
  s.Stop();
  auto gone = HttpCall(addr, "GET", "/api/v1/sources/x", "", 1000);
  EXPECT_EQ(gone.status().code(), Code::kUnavailable);
}

TEST(HttpTest, SplitHostPort) {
  auto a = SplitHostPort(":8261");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->first, "0.0.0.0");
  EXPECT_EQ(a->second, 8261);
  EXPECT_TRUE(SplitHostPort("http://10.0.0.1:8291").ok());
  EXPECT_FALSE(SplitHostPort("10.0.0.1").ok());
  EXPECT_FALSE(SplitHostPort("h:99999").ok());
}

}  // namespace
}  // namespace dm::api
