#include "dm/api/http.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

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

// A throwaway PKI made with the openssl CLI: ca, a component certificate (server and client
// use, SAN 127.0.0.1, CN "comp"), a client certificate with CN "other", and a certificate
// of an unrelated CA.
class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/dm-http-tls.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    Run("printf '%s\\n' basicConstraints=CA:FALSE extendedKeyUsage=serverAuth,clientAuth "
        "subjectAltName=IP:127.0.0.1 > ext");
    for (const char* ca : {"ca", "rogue"}) {
      Run(std::string("openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=") + ca +
          " -keyout " + ca + "-key.pem -out " + ca + ".pem");
    }
    Leaf("comp", "ca");
    Leaf("other", "ca");
    Leaf("stranger", "rogue");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  void Run(const std::string& cmd) {
    std::string full = "cd " + dir_ + " && (" + cmd + ") >>openssl.log 2>&1";
    ASSERT_EQ(std::system(full.c_str()), 0) << full;
  }
  void Leaf(const std::string& cn, const std::string& ca) {
    Run("openssl req -newkey rsa:2048 -nodes -subj /CN=" + cn + " -keyout " + cn +
        "-key.pem -out " + cn + ".csr && openssl x509 -req -in " + cn + ".csr -CA " + ca +
        ".pem -CAkey " + ca + "-key.pem -CAcreateserial -days 1 -extfile ext -out " + cn + ".pem");
  }
  TlsOptions Tls(const std::string& cn, const std::string& ca = "ca") {
    return TlsOptions{F(ca + ".pem"), F(cn + ".pem"), F(cn + "-key.pem"), {}};
  }
  std::string F(const std::string& name) { return dir_ + "/" + name; }

  std::string dir_;
};

TEST_F(TlsTest, MutualTlsAndAllowedCn) {
  TlsOptions server_tls = Tls("comp");
  server_tls.allowed_cn = {"comp"};
  HttpServer s(server_tls);
  s.Route("GET", "/ping", [](const HttpRequest&) { return HttpResponse{200, "{}"}; });
  ASSERT_TRUE(s.Listen("127.0.0.1", 0).ok());
  const std::string addr = "127.0.0.1:" + std::to_string(s.port());

  auto ok = HttpCall(addr, "GET", "/ping", "", 5000, Tls("comp"));
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->status, 200);
  // An "http://" address is still called with https when TLS is set.
  EXPECT_TRUE(HttpCall("http://" + addr, "GET", "/ping", "", 5000, Tls("comp")).ok());

  // Plain HTTP to a TLS server: no answer, and the message points at the ssl-* settings.
  auto plain = HttpCall(addr, "GET", "/ping", "", 5000);
  ASSERT_FALSE(plain.ok());
  EXPECT_NE(plain.status().message().find("ssl-ca"), std::string::npos) << plain.status().ToString();
  // https without a client certificate, with a CN not in cert-allowed-cn, with a
  // certificate of another CA: the handshake fails.
  TlsOptions ca_only{F("ca.pem"), "", "", {}};
  for (const TlsOptions& t : {ca_only, Tls("other"), Tls("stranger", "rogue")}) {
    auto r = HttpCall(addr, "GET", "/ping", "", 5000, t);
    ASSERT_FALSE(r.ok()) << t.cert_file;
    EXPECT_EQ(r.status().code(), Code::kUnavailable);
  }
  // A client that trusts another CA refuses the server's certificate.
  TlsOptions wrong_ca = Tls("comp");
  wrong_ca.ca_file = F("rogue.pem");
  auto unverified = HttpCall(addr, "GET", "/ping", "", 5000, wrong_ca);
  ASSERT_FALSE(unverified.ok());
  EXPECT_NE(unverified.status().message().find("not valid for 127.0.0.1"), std::string::npos)
      << unverified.status().ToString();
  // "https://" without TLS settings is refused before connecting.
  EXPECT_EQ(HttpCall("https://" + addr, "GET", "/ping").status().code(), Code::kInvalidArgument);
}

TEST_F(TlsTest, AnyCnWithoutAllowedList) {
  HttpServer s(Tls("comp"));
  s.Route("GET", "/ping", [](const HttpRequest&) { return HttpResponse{200, "{}"}; });
  ASSERT_TRUE(s.Listen("127.0.0.1", 0).ok());
  auto r = HttpCall("127.0.0.1:" + std::to_string(s.port()), "GET", "/ping", "", 5000, Tls("other"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
}

TEST_F(TlsTest, CheckTlsNamesFieldAndFile) {
  EXPECT_TRUE(CheckTls({}, true).ok());
  EXPECT_TRUE(CheckTls(Tls("comp"), true).ok());
  EXPECT_TRUE(CheckTls({F("ca.pem"), "", "", {}}, false).ok());
  auto msg = [](const TlsOptions& t, bool need_cert) { return CheckTls(t, need_cert).ToString(); };
  EXPECT_NE(msg({F("ca.pem"), "", "", {}}, true).find("ssl-cert and ssl-key are not"), std::string::npos);
  EXPECT_NE(msg({F("ca.pem"), F("comp.pem"), "", {}}, false).find("ssl-key is not"), std::string::npos);
  EXPECT_NE(msg({"", F("comp.pem"), F("comp-key.pem"), {}}, false).find("ssl-ca is not"), std::string::npos);
  std::string missing = msg({F("nope.pem"), F("comp.pem"), F("comp-key.pem"), {}}, true);
  EXPECT_NE(missing.find("ssl-ca"), std::string::npos) << missing;
  EXPECT_NE(missing.find("nope.pem"), std::string::npos) << missing;
  EXPECT_NE(missing.find("No such file"), std::string::npos) << missing;
  std::string not_cert = msg({F("ca.pem"), F("comp-key.pem"), F("comp-key.pem"), {}}, true);
  EXPECT_NE(not_cert.find("ssl-cert"), std::string::npos) << not_cert;
  EXPECT_NE(not_cert.find("not a PEM certificate"), std::string::npos) << not_cert;
  std::string mismatch = msg({F("ca.pem"), F("comp.pem"), F("other-key.pem"), {}}, true);
  EXPECT_NE(mismatch.find("does not belong to ssl-cert"), std::string::npos) << mismatch;
  // Never any key material in the message.
  std::ifstream key(F("other-key.pem"));
  std::string line;
  std::getline(key, line);
  std::getline(key, line);
  EXPECT_EQ(mismatch.find(line.substr(0, 20)), std::string::npos);
  // The server refuses to listen with a broken setting.
  HttpServer s(TlsOptions{F("ca.pem"), F("comp.pem"), F("missing-key.pem"), {}});
  Status listen = s.Listen("127.0.0.1", 0);
  EXPECT_EQ(listen.code(), Code::kInvalidArgument);
  EXPECT_NE(listen.ToString().find("missing-key.pem"), std::string::npos) << listen.ToString();
}

}  // namespace
}  // namespace dm::api
