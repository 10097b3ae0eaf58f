#pragma once
// A small HTTP/JSON server and client for the cluster's APIs (cpp-httplib underneath,
// kept out of this header so only http.cc pays its compile time).
//
// HttpServer: register routes (method + regex over the path), then Listen(): requests
// are served on the server's own threads until Stop() or destruction. Handlers run
// concurrently and must be thread-safe. A handler that throws gets a 500 with the message.
//
// HttpCall: one blocking request with a timeout; connection failures are kUnavailable
// naming the address.
//
// TLS (DM's ssl-ca / ssl-cert / ssl-key / cert-allowed-cn between dm-master, dm-worker and
// dmctl): with TlsOptions set, HttpServer serves HTTPS only and requires a client
// certificate signed by ssl-ca (mutual TLS, as DM) whose CN, if cert-allowed-cn is set, is
// in that list; HttpCall speaks https, verifies the server's certificate against ssl-ca
// (and its host name) and presents the client certificate. Key contents are never logged.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "dm/base/result.h"
#include "dm/base/status.h"

namespace dm::api {

struct HttpRequest {
  std::string method;
  std::string path;
  std::vector<std::string> matches;  // regex capture groups of the route, decoded
  std::map<std::string, std::string> params;  // query parameters
  std::string body;
};

struct HttpResponse {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
};

using Handler = std::function<HttpResponse(const HttpRequest&)>;

// TLS between the components: PEM file paths. Empty ca_file = plain HTTP.
struct TlsOptions {
  std::string ca_file;    // ssl-ca: CA that signs every component's certificate
  std::string cert_file;  // ssl-cert: this component's certificate (server and client)
  std::string key_file;   // ssl-key: its private key
  std::vector<std::string> allowed_cn;  // cert-allowed-cn: server side; empty = any CN

  bool enabled() const { return !ca_file.empty(); }
  bool operator==(const TlsOptions&) const = default;
};

// Checks a TLS setting before anything starts: nothing set, or ssl-ca with (for a server,
// `need_cert`; otherwise optionally) both ssl-cert and ssl-key; each file readable and
// PEM of the right kind; the key matches the certificate. kInvalidArgument (scope kConfig)
// naming the field and the file otherwise.
Status CheckTls(const TlsOptions& tls, bool need_cert);

// DM's OpenAPI error body {"error_code": code, "error_msg": msg} with an HTTP status
// derived from the Status code (400 invalid input, 404 not found, 409 exists/precondition,
// 503 unavailable, 500 otherwise).
HttpResponse ErrorResponse(const Status& s);

class HttpServer {
 public:
  // With `tls` enabled the server speaks HTTPS only (see the top of this file); a bad
  // certificate or key is reported by Listen().
  explicit HttpServer(const TlsOptions& tls = {});
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // `pattern` is an ECMAScript regex matched against the whole path.
  void Route(const std::string& method, const std::string& pattern, Handler handler);

  // Binds host:port (port 0 = any free port) and starts serving in the background.
  // Fails with kUnavailable naming the address if it cannot bind, kInvalidArgument if the
  // TLS files given to the constructor are unusable.
  Status Listen(const std::string& host, uint16_t port);
  uint16_t port() const;
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

struct HttpResult {
  int status = 0;
  std::string body;
};

// `address` is "host:port" (an "http://" or "https://" prefix is accepted). With `tls`
// enabled the call uses https whatever the prefix; an "https://" address without `tls`
// is refused (there is no CA to verify the server with).
Result<HttpResult> HttpCall(const std::string& address, const std::string& method,
                            const std::string& path, const std::string& body = "",
                            int timeout_ms = 10000, const TlsOptions& tls = {});

// Splits "host:port" (":8261" means 0.0.0.0:8261; "http://" prefixes are accepted).
Result<std::pair<std::string, uint16_t>> SplitHostPort(const std::string& address);

}  // namespace dm::api
