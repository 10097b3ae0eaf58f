#include "dm/api/http.h"

#include <httplib.h>

#include <thread>

#include "dm/base/text.h"

namespace dm::api {

HttpResponse ErrorResponse(const Status& s) {
  HttpResponse r;
  switch (s.code()) {
    case Code::kInvalidArgument: r.status = 400; break;
    case Code::kNotFound: r.status = 404; break;
    case Code::kAlreadyExists: case Code::kFailedPrecondition: r.status = 409; break;
    case Code::kUnavailable: case Code::kDeadlineExceeded: r.status = 503; break;
    default: r.status = 500; break;
  }
  std::string msg;
  for (char c : s.ToString()) {
    if (c == '"' || c == '\\') msg.push_back('\\');
    if (c == '\n') {
      msg += "\\n";
      continue;
    }
    if (static_cast<unsigned char>(c) < 0x20) continue;
    msg.push_back(c);
  }
  r.body = "{\"error_code\":" + std::to_string(static_cast<int>(s.code())) +
           ",\"error_msg\":\"" + msg + "\"}";
  return r;
}

Result<std::pair<std::string, uint16_t>> SplitHostPort(const std::string& address) {
  std::string a = address;
  if (a.rfind("http://", 0) == 0) a = a.substr(7);
  if (a.rfind("https://", 0) == 0) a = a.substr(8);
  while (!a.empty() && a.back() == '/') a.pop_back();
  size_t colon = a.rfind(':');
  if (colon == std::string::npos) {
    return Status(Code::kInvalidArgument, "address " + QuoteInput(address) +
                                              " has no port; use host:port like 127.0.0.1:8261",
                  Scope::kConfig);
  }
  std::string host = a.substr(0, colon);
  if (host.empty()) host = "0.0.0.0";
  int port = 0;
  try {
    port = std::stoi(a.substr(colon + 1));
  } catch (...) {
    port = -1;
  }
  if (port < 0 || port > 65535) {
    return Status(Code::kInvalidArgument, "address " + QuoteInput(address) + " has a bad port",
                  Scope::kConfig);
  }
  return std::make_pair(host, static_cast<uint16_t>(port));
}

struct HttpServer::Impl {
  httplib::Server server;
  std::thread thread;
  int port = 0;
};

HttpServer::HttpServer() : impl_(std::make_unique<Impl>()) {
  impl_->server.set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
        std::string what = "unknown error";
        try {
          std::rethrow_exception(ep);
        } catch (const std::exception& e) {
          what = e.what();
        } catch (...) {
        }
        HttpResponse r = ErrorResponse(Status::Internal("request failed: " + what));
        res.status = r.status;
        res.set_content(r.body, "application/json");
      });
  // httplib's own answers (no route: 404, bad request: 400) get DM's error body too;
  // handlers' answers already have one.
  impl_->server.set_error_handler(
      httplib::Server::HandlerWithResponse([](const httplib::Request& req, httplib::Response& res) {
        if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
        Status s = res.status == 404
                       ? Status::NotFound("no such endpoint: " + req.method + " " + req.path +
                                          " (docs/control-plane.md lists the API)")
                       : Status::InvalidArgument("malformed HTTP request (HTTP " +
                                                 std::to_string(res.status) + ")");
        res.set_content(ErrorResponse(s).body, "application/json");
        return httplib::Server::HandlerResponse::Handled;
      }));
}

HttpServer::~HttpServer() { Stop(); }

void HttpServer::Route(const std::string& method, const std::string& pattern, Handler handler) {
  auto serve = [handler = std::move(handler), method](const httplib::Request& req,
                                                      httplib::Response& res, std::string body) {
    HttpRequest r;
    r.method = method;
    r.path = req.path;
    for (size_t i = 1; i < req.matches.size(); ++i) {
      r.matches.push_back(httplib::detail::decode_url(req.matches[i].str(), false));
    }
    for (const auto& [k, v] : req.params) r.params[k] = v;
    r.body = std::move(body);
    HttpResponse out = handler(r);
    res.status = out.status;
    res.set_content(out.body, out.content_type.c_str());
  };
  if (method == "GET") {
    impl_->server.Get(pattern, [serve](const httplib::Request& req, httplib::Response& res) {
      serve(req, res, req.body);
    });
    return;
  }
  // POST/PUT/DELETE read the body themselves: httplib answers a request without
  // Content-Length (`curl -X POST url`, as DM's OpenAPI docs do) with a bare 400 when it
  // reads the body first; here such a request simply has an empty body.
  auto h = [serve](const httplib::Request& req, httplib::Response& res,
                   const httplib::ContentReader& reader) {
    std::string body;
    if (req.has_header("Content-Length") ||
        req.get_header_value("Transfer-Encoding").find("chunked") != std::string::npos) {
      reader([&](const char* data, size_t n) {
        body.append(data, n);
        return true;
      });
    }
    serve(req, res, std::move(body));
  };
  if (method == "POST") impl_->server.Post(pattern, h);
  else if (method == "PUT") impl_->server.Put(pattern, h);
  else if (method == "DELETE") impl_->server.Delete(pattern, h);
}

Status HttpServer::Listen(const std::string& host, uint16_t port) {
  int bound = port == 0 ? impl_->server.bind_to_any_port(host) : (impl_->server.bind_to_port(host, port) ? port : -1);
  if (bound <= 0) {
    return Status(Code::kUnavailable,
                  "cannot listen on " + host + ":" + std::to_string(port) +
                      " (in use, or not a local address)",
                  Scope::kConfig);
  }
  impl_->port = bound;
  impl_->thread = std::thread([this] { impl_->server.listen_after_bind(); });
  // listen_after_bind accepts on the already-bound socket: connections made from now on
  // queue in the kernel backlog, so callers may connect immediately.
  for (int i = 0; i < 200 && !impl_->server.is_running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return Status::OK();
}

uint16_t HttpServer::port() const { return static_cast<uint16_t>(impl_->port); }

void HttpServer::Stop() {
  if (impl_->thread.joinable()) {
    impl_->server.stop();
    impl_->thread.join();
  }
}

Result<HttpResult> HttpCall(const std::string& address, const std::string& method,
                            const std::string& path, const std::string& body, int timeout_ms) {
  DM_ASSIGN_OR_RETURN(auto hp, SplitHostPort(address));
  std::string host = hp.first == "0.0.0.0" ? "127.0.0.1" : hp.first;
  httplib::Client cli(host, hp.second);
  auto t = std::chrono::milliseconds(timeout_ms);
  cli.set_connection_timeout(t);
  cli.set_read_timeout(t);
  cli.set_write_timeout(t);
  auto call = [&]() -> httplib::Result {
    if (method == "POST") return cli.Post(path.c_str(), body, "application/json");
    if (method == "PUT") return cli.Put(path.c_str(), body, "application/json");
    if (method == "DELETE") return cli.Delete(path.c_str(), body, "application/json");
    return cli.Get(path.c_str());
  };
  if (method != "GET" && method != "POST" && method != "PUT" && method != "DELETE") {
    return Status::InvalidArgument("unsupported HTTP method " + method);
  }
  httplib::Result res = call();
  if (!res) {
    return Status(Code::kUnavailable,
                  "cannot reach " + host + ":" + std::to_string(hp.second) + " (" + method + " " +
                      path + "): " + httplib::to_string(res.error()),
                  Scope::kInternal);
  }
  return HttpResult{res->status, res->body};
}

}  // namespace dm::api
