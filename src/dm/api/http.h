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

// DM's OpenAPI error body {"error_code": code, "error_msg": msg} with an HTTP status
// derived from the Status code (400 invalid input, 404 not found, 409 exists/precondition,
// 503 unavailable, 500 otherwise).
HttpResponse ErrorResponse(const Status& s);

class HttpServer {
 public:
  HttpServer();
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // `pattern` is an ECMAScript regex matched against the whole path.
  void Route(const std::string& method, const std::string& pattern, Handler handler);

  // Binds host:port (port 0 = any free port) and starts serving in the background.
  // Fails with kUnavailable naming the address if it cannot bind.
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

// `address` is "host:port" (an "http://" prefix is accepted).
Result<HttpResult> HttpCall(const std::string& address, const std::string& method,
                            const std::string& path, const std::string& body = "",
                            int timeout_ms = 10000);

// Splits "host:port" (":8261" means 0.0.0.0:8261; "http://" prefixes are accepted).
Result<std::pair<std::string, uint16_t>> SplitHostPort(const std::string& address);

}  // namespace dm::api
