#include "dm/api/http.h"

#include <httplib.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <thread>

#include "dm/base/log.h"
#include "dm/base/text.h"

namespace dm::api {

namespace {

Status TlsError(const std::string& field, const std::string& file, const std::string& what) {
  return Status(Code::kInvalidArgument, field + " " + QuoteInput(file) + ": " + what,
                Scope::kConfig);
}

std::string OpenSslError() {
  unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (e == 0) return "";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof(buf));
  return std::string(" (") + buf + ")";
}

struct FileCloser {
  void operator()(FILE* f) const { std::fclose(f); }
};
using FilePtr = std::unique_ptr<FILE, FileCloser>;
struct X509Deleter {
  void operator()(X509* x) const { X509_free(x); }
};
using X509Ptr = std::unique_ptr<X509, X509Deleter>;
struct KeyDeleter {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using KeyPtr = std::unique_ptr<EVP_PKEY, KeyDeleter>;

Result<FilePtr> OpenPem(const std::string& field, const std::string& file) {
  FilePtr f(std::fopen(file.c_str(), "r"));
  if (!f) return TlsError(field, file, std::string("cannot read: ") + std::strerror(errno));
  return f;
}

// The first certificate of a PEM file.
Result<X509Ptr> ReadCert(const std::string& field, const std::string& file) {
  DM_ASSIGN_OR_RETURN(FilePtr f, OpenPem(field, file));
  X509Ptr cert(PEM_read_X509(f.get(), nullptr, nullptr, nullptr));
  if (!cert) {
    return TlsError(field, file, "is not a PEM certificate" + OpenSslError() +
                                     "; give the file with -----BEGIN CERTIFICATE-----");
  }
  return cert;
}

// A passphrase callback that refuses: an encrypted key must not make the process prompt.
int NoPassphrase(char*, int, int, void*) { return -1; }

Result<KeyPtr> ReadKey(const std::string& field, const std::string& file) {
  DM_ASSIGN_OR_RETURN(FilePtr f, OpenPem(field, file));
  KeyPtr key(PEM_read_PrivateKey(f.get(), nullptr, NoPassphrase, nullptr));
  if (!key) {
    ERR_clear_error();  // OpenSSL's reason may quote the file; it says nothing useful here
    return TlsError(field, file,
                    "is not an unencrypted PEM private key; give the key file of ssl-cert "
                    "(-----BEGIN PRIVATE KEY----- or -----BEGIN RSA/EC PRIVATE KEY-----)");
  }
  return key;
}

std::string CommonName(X509* cert) {
  X509_NAME* name = X509_get_subject_name(cert);
  int i = name ? X509_NAME_get_index_by_NID(name, NID_commonName, -1) : -1;
  if (i < 0) return "";
  ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i));
  const unsigned char* p = ASN1_STRING_get0_data(data);
  return std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(ASN1_STRING_length(data)));
}

// SSL_CTX ex_data slot holding the server's cert-allowed-cn list.
int AllowedCnIndex() {
  static const int index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

// Server side: OpenSSL's chain verification, then cert-allowed-cn on the client's own
// certificate (depth 0), as DM's VerifyCommonName.
int VerifyClient(int ok, X509_STORE_CTX* store) {
  X509* cert = X509_STORE_CTX_get_current_cert(store);
  const int depth = X509_STORE_CTX_get_error_depth(store);
  if (!ok) {
    LogWarn("TLS: refused a client certificate (CN {}, depth {}): {}",
            QuoteInput(cert ? CommonName(cert) : ""), depth,
            X509_verify_cert_error_string(X509_STORE_CTX_get_error(store)));
    return 0;
  }
  if (depth != 0 || !cert) return 1;
  auto* ssl = static_cast<SSL*>(
      X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
  const auto* allowed = ssl ? static_cast<const std::vector<std::string>*>(
                                  SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), AllowedCnIndex()))
                            : nullptr;
  if (!allowed || allowed->empty()) return 1;
  const std::string cn = CommonName(cert);
  if (std::find(allowed->begin(), allowed->end(), cn) != allowed->end()) return 1;
  LogWarn("TLS: refused a client certificate: its CN {} is not in cert-allowed-cn",
          QuoteInput(cn));
  X509_STORE_CTX_set_error(store, X509_V_ERR_APPLICATION_VERIFICATION);
  return 0;
}

}  // namespace

Status CheckTls(const TlsOptions& tls, bool need_cert) {
  if (tls == TlsOptions{}) return Status::OK();
  if (tls.ca_file.empty()) {
    std::string set = !tls.cert_file.empty() ? "ssl-cert" : !tls.key_file.empty() ? "ssl-key"
                                                                                 : "cert-allowed-cn";
    return Status(Code::kInvalidArgument,
                  set + " is set but ssl-ca is not; set ssl-ca to the CA certificate that "
                        "signed the components' certificates (TLS is on only with ssl-ca)",
                  Scope::kConfig);
  }
  if (tls.cert_file.empty() != tls.key_file.empty()) {
    const bool cert = !tls.cert_file.empty();
    return Status(Code::kInvalidArgument,
                  std::string(cert ? "ssl-cert " : "ssl-key ") +
                      QuoteInput(cert ? tls.cert_file : tls.key_file) + " is set but " +
                      (cert ? "ssl-key" : "ssl-cert") +
                      " is not; give both the certificate and its private key",
                  Scope::kConfig);
  }
  if (need_cert && tls.cert_file.empty()) {
    return Status(Code::kInvalidArgument,
                  "ssl-ca is set but ssl-cert and ssl-key are not; dm-master and dm-worker "
                  "need a certificate and its key (signed by ssl-ca) to serve TLS",
                  Scope::kConfig);
  }
  DM_RETURN_IF_ERROR(ReadCert("ssl-ca", tls.ca_file).status());
  if (!tls.cert_file.empty()) {
    DM_ASSIGN_OR_RETURN(X509Ptr cert, ReadCert("ssl-cert", tls.cert_file));
    DM_ASSIGN_OR_RETURN(KeyPtr key, ReadKey("ssl-key", tls.key_file));
    if (X509_check_private_key(cert.get(), key.get()) != 1) {
      ERR_clear_error();
      return TlsError("ssl-key", tls.key_file,
                      "does not belong to ssl-cert " + QuoteInput(tls.cert_file) +
                          "; give the key the certificate was made for");
    }
  }
  return Status::OK();
}

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
  // Declared before `owned`: Make() sets them while `owned` is initialized.
  std::vector<std::string> allowed_cn;  // read by VerifyClient through the SSL_CTX
  Status tls_error;                     // reported by Listen()
  std::unique_ptr<httplib::Server> owned;
  httplib::Server& server;
  std::thread thread;
  int port = 0;

  explicit Impl(const TlsOptions& tls) : owned(Make(tls)), server(*owned) {}

  std::unique_ptr<httplib::Server> Make(const TlsOptions& tls) {
    if (!tls.enabled()) return std::make_unique<httplib::Server>();
    tls_error = CheckTls(tls, /*need_cert=*/true);
    if (!tls_error.ok()) return std::make_unique<httplib::Server>();  // never listens
    allowed_cn = tls.allowed_cn;
    std::string failed;
    auto server = std::make_unique<httplib::SSLServer>([&](SSL_CTX& ctx) {
      SSL_CTX_set_min_proto_version(&ctx, TLS1_2_VERSION);
      SSL_CTX_set_default_passwd_cb(&ctx, NoPassphrase);
      if (SSL_CTX_use_certificate_chain_file(&ctx, tls.cert_file.c_str()) != 1) {
        failed = "ssl-cert " + QuoteInput(tls.cert_file);
      } else if (SSL_CTX_use_PrivateKey_file(&ctx, tls.key_file.c_str(), SSL_FILETYPE_PEM) != 1 ||
                 SSL_CTX_check_private_key(&ctx) != 1) {
        failed = "ssl-key " + QuoteInput(tls.key_file);
      } else if (SSL_CTX_load_verify_locations(&ctx, tls.ca_file.c_str(), nullptr) != 1) {
        failed = "ssl-ca " + QuoteInput(tls.ca_file);
      }
      if (!failed.empty()) {
        ERR_clear_error();
        return false;
      }
      if (STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(tls.ca_file.c_str())) {
        SSL_CTX_set_client_CA_list(&ctx, names);
      }
      SSL_CTX_set_ex_data(&ctx, AllowedCnIndex(), &allowed_cn);
      SSL_CTX_set_verify(&ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, VerifyClient);
      return true;
    });
    if (!server->is_valid()) {
      tls_error = Status(Code::kInvalidArgument,
                         "cannot set up TLS with " + (failed.empty() ? "ssl-cert/ssl-key/ssl-ca" : failed),
                         Scope::kConfig);
      return std::make_unique<httplib::Server>();
    }
    return server;
  }
};

HttpServer::HttpServer(const TlsOptions& tls) : impl_(std::make_unique<Impl>(tls)) {
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
  if (!impl_->tls_error.ok()) return impl_->tls_error;
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
                            const std::string& path, const std::string& body, int timeout_ms,
                            const TlsOptions& tls) {
  DM_ASSIGN_OR_RETURN(auto hp, SplitHostPort(address));
  std::string host = hp.first == "0.0.0.0" ? "127.0.0.1" : hp.first;
  if (method != "GET" && method != "POST" && method != "PUT" && method != "DELETE") {
    return Status::InvalidArgument("unsupported HTTP method " + method);
  }
  if (!tls.enabled() && address.rfind("https://", 0) == 0) {
    return Status(Code::kInvalidArgument,
                  address + " uses https but no ssl-ca is set to verify it; give --ssl-ca, "
                            "--ssl-cert and --ssl-key (ssl-* in the TOML config)",
                  Scope::kConfig);
  }
  std::unique_ptr<httplib::ClientImpl> owned;
  httplib::SSLClient* ssl = nullptr;
  if (tls.enabled()) {
    auto c = tls.cert_file.empty()
                 ? std::make_unique<httplib::SSLClient>(host, hp.second)
                 : std::make_unique<httplib::SSLClient>(host, hp.second, tls.cert_file, tls.key_file);
    c->set_ca_cert_path(tls.ca_file.c_str());
    c->enable_server_certificate_verification(true);
    ssl = c.get();
    owned = std::move(c);
  } else {
    owned = std::make_unique<httplib::ClientImpl>(host, hp.second);
  }
  httplib::ClientImpl& cli = *owned;
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
  httplib::Result res = call();
  if (!res) {
    std::string why = httplib::to_string(res.error());
    if (ssl && res.error() == httplib::Error::SSLServerVerification) {
      why = "the server's certificate is not valid for " + host + " under ssl-ca " +
            QuoteInput(tls.ca_file) + ": " +
            X509_verify_cert_error_string(ssl->get_openssl_verify_result());
    } else if (ssl && res.error() == httplib::Error::SSLConnection) {
      why = "TLS handshake failed (the server does not speak TLS, or refused this client's "
            "certificate: is ssl-cert signed by the server's CA and its CN in the server's "
            "cert-allowed-cn?)";
    } else if (ssl && res.error() == httplib::Error::SSLLoadingCerts) {
      why = "cannot load ssl-ca/ssl-cert/ssl-key (" + QuoteInput(tls.ca_file) + ", " +
            QuoteInput(tls.cert_file) + ", " + QuoteInput(tls.key_file) + ")";
    } else if (!ssl && (res.error() == httplib::Error::Read ||
                        res.error() == httplib::Error::Write)) {
      why = "the server closed the connection without an HTTP answer (if the cluster uses TLS "
             "between its components, give ssl-ca, ssl-cert and ssl-key; dmctl: --ssl-ca, "
             "--ssl-cert, --ssl-key)";
    }
    return Status(Code::kUnavailable,
                  "cannot reach " + host + ":" + std::to_string(hp.second) + " (" +
                      (ssl ? "https " : "") + method + " " + path + "): " + why,
                  Scope::kInternal);
  }
  return HttpResult{res->status, res->body};
}

}  // namespace dm::api
