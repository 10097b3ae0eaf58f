#include "dm/coord/internal/transport.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "dm/base/log.h"

namespace dm::coord {
namespace {

Result<std::string> ReadPem(const std::string& path, std::string_view what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Status(Code::kInvalidArgument,
                  fmt::format("etcd TLS: cannot read {} file '{}'", what, path), Scope::kConfig);
  }
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// "https://h:p" -> ("h:p", true); "http://h:p" -> ("h:p", false); "h:p" -> ("h:p", false).
std::pair<std::string, bool> SplitScheme(const std::string& endpoint) {
  constexpr std::string_view kHttp = "http://", kHttps = "https://";
  std::string_view e = endpoint;
  bool tls = false;
  if (e.starts_with(kHttps)) {
    e.remove_prefix(kHttps.size());
    tls = true;
  } else if (e.starts_with(kHttp)) {
    e.remove_prefix(kHttp.size());
  }
  while (!e.empty() && e.back() == '/') e.remove_suffix(1);
  return {std::string(e), tls};
}

const char* StateName(grpc_connectivity_state s) {
  switch (s) {
    case GRPC_CHANNEL_IDLE:
      return "idle";
    case GRPC_CHANNEL_CONNECTING:
      return "connecting";
    case GRPC_CHANNEL_READY:
      return "ready";
    case GRPC_CHANNEL_TRANSIENT_FAILURE:
      return "connection refused or unreachable";
    case GRPC_CHANNEL_SHUTDOWN:
      return "shut down";
  }
  return "unknown";
}

}  // namespace

std::string PrintableKey(std::string_view key) {
  constexpr size_t kMax = 120;
  std::string out = "'";
  for (size_t i = 0; i < key.size() && i < kMax; ++i) {
    unsigned char c = static_cast<unsigned char>(key[i]);
    if (c >= 0x20 && c < 0x7f && c != '\'' && c != '\\') {
      out.push_back(static_cast<char>(c));
    } else {
      out += fmt::format("\\x{:02x}", c);
    }
  }
  if (key.size() > kMax) out += "...";
  out += "'";
  return out;
}

Status FromGrpc(const grpc::Status& status, std::string_view endpoint, std::string_view method,
                std::string_view key) {
  if (status.ok()) return Status::OK();
  Code code = Code::kInternal;
  Scope scope = Scope::kInternal;
  switch (status.error_code()) {
    case grpc::StatusCode::OK:
      return Status::OK();
    case grpc::StatusCode::CANCELLED:
      code = Code::kCancelled;
      break;
    case grpc::StatusCode::INVALID_ARGUMENT:
      code = Code::kInvalidArgument;
      break;
    case grpc::StatusCode::NOT_FOUND:
      code = Code::kNotFound;
      break;
    case grpc::StatusCode::ALREADY_EXISTS:
      code = Code::kAlreadyExists;
      break;
    case grpc::StatusCode::PERMISSION_DENIED:
    case grpc::StatusCode::UNAUTHENTICATED:
      code = Code::kFailedPrecondition;
      scope = Scope::kConfig;
      break;
    // etcd: "too many requests", "database space exceeded": back off and retry.
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      code = Code::kUnavailable;
      break;
    // etcd: "required revision has been compacted" / "is a future revision".
    case grpc::StatusCode::OUT_OF_RANGE:
    case grpc::StatusCode::FAILED_PRECONDITION:
      code = Code::kFailedPrecondition;
      break;
    case grpc::StatusCode::ABORTED:
      code = Code::kAborted;
      break;
    case grpc::StatusCode::UNAVAILABLE:
      code = Code::kUnavailable;
      break;
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      code = Code::kDeadlineExceeded;
      break;
    case grpc::StatusCode::UNIMPLEMENTED:
      code = Code::kNotSupported;
      break;
    case grpc::StatusCode::DATA_LOSS:
      code = Code::kCorruption;
      break;
    default:
      code = Code::kInternal;
      break;
  }
  std::string msg = fmt::format("etcd {}: {}", endpoint, method);
  if (!key.empty()) msg += " " + PrintableKey(key);
  msg += ": " +
         (status.error_message().empty() ? std::string("(no message)") : status.error_message());
  return Status(code, std::move(msg), scope);
}

Result<std::shared_ptr<Transport>> Transport::Dial(const std::vector<std::string>& endpoints,
                                                   const ClientOptions& options) {
  if (endpoints.empty()) {
    return Status(Code::kInvalidArgument, "etcd: no endpoints given", Scope::kConfig);
  }
  std::shared_ptr<grpc::ChannelCredentials> tls_creds;
  auto make_tls = [&]() -> Status {
    if (tls_creds) return Status::OK();
    grpc::SslCredentialsOptions ssl;
    if (options.tls) {
      if (!options.tls->ca_file.empty()) {
        DM_ASSIGN_OR_RETURN(ssl.pem_root_certs, ReadPem(options.tls->ca_file, "CA"));
      }
      if (!options.tls->cert_file.empty()) {
        DM_ASSIGN_OR_RETURN(ssl.pem_cert_chain, ReadPem(options.tls->cert_file, "certificate"));
        DM_ASSIGN_OR_RETURN(ssl.pem_private_key, ReadPem(options.tls->key_file, "key"));
      }
    }
    tls_creds = grpc::SslCredentials(ssl);
    return Status::OK();
  };

  std::shared_ptr<Transport> t(new Transport());
  t->options_ = options;
  t->endpoints_ = endpoints;
  for (size_t i = 0; i < endpoints.size(); ++i) {
    auto [target, https] = SplitScheme(endpoints[i]);
    if (target.empty()) {
      return Status(Code::kInvalidArgument, fmt::format("etcd: bad endpoint '{}'", endpoints[i]),
                    Scope::kConfig);
    }
    std::shared_ptr<grpc::ChannelCredentials> creds;
    if (https || options.tls) {
      DM_RETURN_IF_ERROR(make_tls());
      creds = tls_creds;
    } else {
      creds = grpc::InsecureChannelCredentials();
    }
    grpc::ChannelArguments args;
    // Reconnect quickly after an etcd restart (gRPC's default backoff grows to 120 s).
    args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
    args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
    // Detect a dead peer on long-lived watch streams. etcd accepts pings every >= 5 s.
    args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 10000);
    args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 5000);
    args.SetInt(GRPC_ARG_MAX_RECEIVE_MESSAGE_LENGTH, 64 << 20);
    // One channel per endpoint, never shared with other clients' channels.
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    auto conn = std::make_shared<Conn>();
    conn->index = i;
    conn->endpoint = endpoints[i];
    conn->channel = grpc::CreateCustomChannel(target, creds, args);
    conn->kv = etcdserverpb::KV::NewStub(conn->channel);
    conn->watch = etcdserverpb::Watch::NewStub(conn->channel);
    conn->lease = etcdserverpb::Lease::NewStub(conn->channel);
    t->conns_.push_back(std::move(conn));
  }

  std::vector<std::string> failures;
  for (size_t i = 0; i < t->conns_.size(); ++i) {
    const Conn& c = *t->conns_[i];
    if (c.channel->WaitForConnected(std::chrono::system_clock::now() + options.dial_timeout)) {
      t->current_.store(i);
      if (!failures.empty()) {
        LogWarn("etcd: using {} ({} unreachable)", c.endpoint, fmt::join(failures, "; "));
      }
      return t;
    }
    failures.push_back(fmt::format("{}: {} after {} ms", c.endpoint,
                                   StateName(c.channel->GetState(false)),
                                   options.dial_timeout.count()));
  }
  return Status::Unavailable(
      fmt::format("etcd: cannot connect to any endpoint ({}); check that etcd runs there and "
                  "the address is right",
                  fmt::join(failures, "; ")));
}

std::shared_ptr<const Transport::Conn> Transport::Current() {
  const size_t idx = current_.load();
  const auto& conn = conns_[idx];
  if (conns_.size() == 1) return conn;
  if (conn->channel->GetState(true) != GRPC_CHANNEL_TRANSIENT_FAILURE) return conn;
  for (size_t j = 1; j < conns_.size(); ++j) {
    const auto& other = conns_[(idx + j) % conns_.size()];
    grpc_connectivity_state s = other->channel->GetState(true);
    if (s != GRPC_CHANNEL_TRANSIENT_FAILURE && s != GRPC_CHANNEL_SHUTDOWN) {
      size_t expected = idx;
      current_.compare_exchange_strong(expected, other->index);
      return other;
    }
  }
  return conn;
}

Status Transport::EnsureConnected(const Conn& conn, std::chrono::system_clock::time_point deadline,
                                  std::string_view method, std::string_view key,
                                  const std::function<bool()>& abort) {
  if (conn.channel->GetState(true) == GRPC_CHANNEL_READY) return Status::OK();
  // Leave the call itself some time: connect for at most dial_timeout.
  const auto until = std::min(deadline, std::chrono::system_clock::now() + options_.dial_timeout);
  while (true) {
    auto slice =
        abort ? std::min(until, std::chrono::system_clock::now() + std::chrono::milliseconds(100))
              : until;
    if (conn.channel->WaitForConnected(slice)) return Status::OK();
    if (std::chrono::system_clock::now() >= until || (abort && abort())) break;
  }
  std::string msg = fmt::format("etcd {}: {}", conn.endpoint, method);
  if (!key.empty()) msg += " " + PrintableKey(key);
  msg += fmt::format(": not connected ({})", StateName(conn.channel->GetState(false)));
  return Status::Unavailable(std::move(msg));
}

void Transport::ReportFailure(const Conn& conn) {
  if (conns_.size() == 1) return;
  size_t expected = conn.index;
  size_t next = (conn.index + 1) % conns_.size();
  if (current_.compare_exchange_strong(expected, next)) {
    LogWarn("etcd: {} unavailable, switching to {}", conn.endpoint, conns_[next]->endpoint);
  }
}

}  // namespace dm::coord
