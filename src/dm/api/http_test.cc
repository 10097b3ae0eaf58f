#include "dm/api/http.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

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

// Sends a raw request (to leave out Content-Length, as `curl -X POST url` does) and
// returns the whole response.
std::string RawRequest(uint16_t port, const std::string& request) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) {
    close(fd);
    return "connect failed";
  }
  (void)!write(fd, request.data(), request.size());
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = read(fd, buf, sizeof(buf))) > 0;) out.append(buf, static_cast<size_t>(n));
  close(fd);
  return out;
}

TEST(HttpTest, BodylessPostAndUnknownPathsGetJson) {
  HttpServer s;
  s.Route("POST", R"(/api/v1/sources/([^/]+)/enable)", [](const HttpRequest& r) {
    return HttpResponse{200, "{\"body\":\"" + r.body + "\"}"};
  });
  ASSERT_TRUE(s.Listen("127.0.0.1", 0).ok());
  std::string bodyless = RawRequest(s.port(),
      "POST /api/v1/sources/s1/enable HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(bodyless.rfind("HTTP/1.1 200", 0), 0u) << bodyless;
  EXPECT_NE(bodyless.find("{\"body\":\"\"}"), std::string::npos) << bodyless;
  std::string addr = "127.0.0.1:" + std::to_string(s.port());
  auto with_body = HttpCall(addr, "POST", "/api/v1/sources/s1/enable", "{}");
  ASSERT_TRUE(with_body.ok());
  EXPECT_EQ(with_body->body, "{\"body\":\"{}\"}");
  auto unknown = HttpCall(addr, "GET", "/api/v1/nothing");
  ASSERT_TRUE(unknown.ok());
  EXPECT_EQ(unknown->status, 404);
  EXPECT_NE(unknown->body.find("\"error_msg\":\"NotFound: no such endpoint: GET /api/v1/nothing"), std::string::npos)
      << unknown->body;
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
